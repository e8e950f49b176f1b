/**
 * A real DynamoDB (dynalite) on a loopback port, with the ledger table created as the CDK app
 * defines its keys.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LEDGER_KEYS } from '../../lambdas/aws/ledger';

/** A running dynalite and a client for it. */
export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  /** Creates a fresh, empty ledger table and returns its name. */
  createLedgerTable(name?: string): Promise<string>;
  /** Creates a table keyed by a partition and a sort key, both strings (the vault's ledger: `pk`, `sk`). */
  createTable(name: string, keys: { partitionKey: string; sortKey: string }): Promise<string>;
  dropTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

let tableCounter = 0;

/** Starts dynalite on 127.0.0.1 with an OS-chosen port. */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const local: LocalDynamo = {
    endpoint,
    client,
    createLedgerTable(name = `ledger-${process.pid}-${++tableCounter}`) {
      return local.createTable(name, LEDGER_KEYS);
    },
    async createTable(name, keys) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: keys.partitionKey, AttributeType: 'S' },
            { AttributeName: keys.sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: keys.partitionKey, KeyType: 'HASH' },
            { AttributeName: keys.sortKey, KeyType: 'RANGE' },
          ],
        }),
      );
      return name;
    },
    async dropTable(name: string) {
      await client.send(new DeleteTableCommand({ TableName: name }));
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err?: Error) => (err ? reject(err) : resolve())));
    },
  };
  return local;
}
