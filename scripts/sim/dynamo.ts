/**
 * A real DynamoDB (dynalite) on a loopback port, with the ledger table created as the CDK app
 * defines its keys. The simulation's clients reach the same dynalite in process ({@link LocalDynamo.transport}):
 * the SDK builds, signs and parses every request as it would over the network, and dynalite's own request handler
 * answers it, without a socket in between.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest } from '@smithy/core/transport';
import { HttpResponse } from '@smithy/core/transport';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LEDGER_KEYS } from '../../lambdas/aws/ledger';

/** A running dynalite and a client for it. */
export interface LocalDynamo {
  endpoint: string;
  /**
   * Client settings that send to this dynalite in process: its endpoint, and a request handler that hands the signed
   * HTTP request to dynalite's request listener and returns its response (no socket: a simulated week makes thousands of
   * ledger calls, and the loopback round trip was a fifth of its time). Spread into a DynamoDB client's config.
   */
  transport: { endpoint: string; requestHandler: InProcessHandler };
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
  const transport = { endpoint, requestHandler: new InProcessHandler(server.listeners('request')[0] as RequestListener) };
  const client = new DynamoDBClient({ ...transport, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const local: LocalDynamo = {
    endpoint,
    transport,
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
      // A new table is CREATING until DynamoDB makes it ACTIVE, and until then its items are out of reach
      // (ResourceNotFoundException): wait as `aws dynamodb wait table-exists` does (dynalite's createTableMs is 0: a tick).
      for (;;) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.TableStatus === 'ACTIVE') return name;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    async dropTable(name: string) {
      await client.send(new DeleteTableCommand({ TableName: name }));
      // DELETING until it is gone (`aws dynamodb wait table-not-exists`), so the name can be created again at once.
      for (;;) {
        const gone = await client.send(new DescribeTableCommand({ TableName: name })).then(
          () => false,
          (err: Error) => (err.name === 'ResourceNotFoundException' ? true : Promise.reject(err)),
        );
        if (gone) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err?: Error) => (err ? reject(err) : resolve())));
    },
  };
  return local;
}

/**
 * An SDK request handler (the `requestHandler` of a client's config, in the place of NodeHttpHandler) that gives each
 * request to an HTTP request listener in this process. The listener sees what a socket would have delivered: the
 * method, the path and query, the headers (lower-cased, as Node's parser gives them) and the body; its status, headers
 * and body come back as the SDK's HttpResponse. Only what dynalite's listener uses is implemented.
 */
export class InProcessHandler {
  public constructor(private readonly listener: RequestListener) {}

  public handle(request: HttpRequest, options: { abortSignal?: { aborted: boolean } } = {}): Promise<{ response: HttpResponse }> {
    return new Promise((resolve, reject) => {
      // As NodeHttpHandler: a request whose signal is already aborted is never sent.
      if (options.abortSignal?.aborted) {
        reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
        return;
      }
      // The body as NodeHttpHandler writes it: a string as UTF-8, bytes as they are (the SDK's JSON body is a
      // Uint8Array subclass whose string methods warn, so its bytes are viewed, never converted).
      const body: unknown = request.body;
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined;
      if (body !== undefined && body !== null && bytes === undefined) {
        reject(new Error(`InProcessHandler: a request body of type ${typeof body} is not supported`));
        return;
      }
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(request.query ?? {})) for (const one of Array.isArray(v) ? v : [v]) if (one !== null) query.append(k, one);
      const qs = query.toString();
      const req = Object.assign(new EventEmitter(), {
        method: request.method,
        url: `${request.path}${qs ? `?${qs}` : ''}`,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      });
      const headers: Record<string, string> = {};
      const res = {
        statusCode: 200,
        setHeader(name: string, value: string | number) {
          headers[name.toLowerCase()] = String(value);
        },
        end(out?: string | Uint8Array) {
          const payload = out === undefined ? new Uint8Array(0) : typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
          resolve({ response: new HttpResponse({ statusCode: res.statusCode, headers, body: payload }) });
        },
      };
      try {
        this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        if (bytes && bytes.length > 0) req.emit('data', bytes);
        req.emit('end');
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  public updateHttpClientConfig(): void {}

  public httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  public destroy(): void {}
}
