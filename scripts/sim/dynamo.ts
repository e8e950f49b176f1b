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
  return {
    endpoint,
    client,
    async createLedgerTable(name = `ledger-${process.pid}-${++tableCounter}`) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: LEDGER_KEYS.partitionKey, AttributeType: 'S' },
            { AttributeName: LEDGER_KEYS.sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: LEDGER_KEYS.partitionKey, KeyType: 'HASH' },
            { AttributeName: LEDGER_KEYS.sortKey, KeyType: 'RANGE' },
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
}
