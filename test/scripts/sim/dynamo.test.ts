/**
 * The simulation's DynamoDB: dynalite, reached over its loopback port or in process (LocalDynamo.transport). Both
 * reach the same tables, and an in-process call meets DynamoDB's rules and errors as one over the socket does.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoLedger, ledgerClient } from '../../../lambdas/aws/ledger';
import type { DesiredRecord } from '../../../lambdas/kernel/model';
import type { LocalDynamo } from '../../../scripts/sim/dynamo';
import { startDynalite } from '../../../scripts/sim/dynamo';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
let dynamo: LocalDynamo;
let overSocket: DynamoDBClient;
let inProcess: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  overSocket = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-central-1', credentials: CREDENTIALS });
  inProcess = ledgerClient('eu-central-1', { ...dynamo.transport, credentials: CREDENTIALS });
});

afterAll(async () => {
  overSocket.destroy();
  inProcess.destroy();
  await dynamo.stop();
});

describe('dynalite in process', () => {
  it('reaches the same table as the socket: what one writes, the other reads', async () => {
    const table = await dynamo.createLedgerTable();
    await inProcess.send(new PutItemCommand({ TableName: table, Item: { replica: { S: 'orders-staging' }, sk: { S: 'A' }, n: { N: '1' } } }));
    await overSocket.send(new PutItemCommand({ TableName: table, Item: { replica: { S: 'orders-staging' }, sk: { S: 'B' }, n: { N: '2' } } }));
    const viaSocket = await overSocket.send(new GetItemCommand({ TableName: table, Key: { replica: { S: 'orders-staging' }, sk: { S: 'A' } } }));
    expect(viaSocket.Item?.n).toEqual({ N: '1' });
    const viaProcess = await inProcess.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'replica = :r', ExpressionAttributeValues: { ':r': { S: 'orders-staging' } } }));
    expect(viaProcess.Items?.map((i) => i.sk?.S)).toEqual(['A', 'B']);
  });

  it("answers a failed condition with DynamoDB's error, as the SDK parses it from the wire", async () => {
    const table = await dynamo.createLedgerTable();
    const put = () => inProcess.send(new PutItemCommand({ TableName: table, Item: { replica: { S: 'r' }, sk: { S: 'ACTIVE' } }, ConditionExpression: 'attribute_not_exists(sk)' }));
    await put();
    const error = (await put().catch((err: unknown) => err)) as ConditionalCheckFailedException;
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('never sends a call whose abort signal has fired, as the SDK over a socket does not', async () => {
    const table = await dynamo.createLedgerTable();
    const aborted = new AbortController();
    aborted.abort();
    const put = new PutItemCommand({ TableName: table, Item: { replica: { S: 'r' }, sk: { S: 'aborted' } } });
    await expect(inProcess.send(put, { abortSignal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect((await inProcess.send(new GetItemCommand({ TableName: table, Key: { replica: { S: 'r' }, sk: { S: 'aborted' } } }))).Item).toBeUndefined();
  });

  it('refuses a call to a table that does not exist, with ResourceNotFoundException', async () => {
    const error = (await inProcess.send(new GetItemCommand({ TableName: 'no-such-table', Key: { replica: { S: 'r' }, sk: { S: 's' } } })).catch((err: unknown) => err)) as Error;
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('creates a table usable at once, and drops it so that its name can be created again at once', async () => {
    const table = await dynamo.createLedgerTable('ledger-reused-name');
    const ledger = new DynamoLedger(inProcess, table);
    await ledger.putDesired({ replicaId: 'orders-staging', settings: {} as DesiredRecord['settings'], capturedAt: '2026-11-16T12:00:00.000Z', source: 'operator' });
    expect(await ledger.getDesired('orders-staging')).toMatchObject({ replicaId: 'orders-staging' });
    await dynamo.dropTable(table);
    await dynamo.createLedgerTable('ledger-reused-name');
    expect(await ledger.getDesired('orders-staging')).toBeUndefined();
  });
});
