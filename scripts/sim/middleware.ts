/**
 * Where the simulation plugs in: a middleware on an SDK client, placed right after the SDK's retry
 * middleware. The handler's own code builds and sends the command as in Lambda; the SDK's retries
 * still wrap it; the simulator answers instead of the network. {@link retryWithoutDelay} keeps those
 * retries and takes the real-time wait between them out.
 */
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

/** Answers one command: its output, or a thrown SDK error. */
export type CommandResponder = (command: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Something that may look at each call and pass it on or answer it. */
export type CommandInterceptor = (command: string, input: Record<string, unknown>, pass: () => Promise<unknown>) => Promise<unknown>;

/** Any SDK v3 client: only its middleware stack is used. */
interface AnyClient {
  middlewareStack: { addRelativeTo(middleware: never, options: { relation: 'after'; toMiddleware: string; name: string }): void };
}

const NAME = 'replicaRefreshSimulator';

/** Makes a client answer every command from the simulator. */
export function answerFromSimulator(client: AnyClient, respond: CommandResponder): void {
  const middleware = (_next: unknown, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => ({
    output: { $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 }, ...(await respond(context.commandName ?? 'UnknownCommand', args.input)) },
    response: {},
  });
  client.middlewareStack.addRelativeTo(middleware as never, { relation: 'after', toMiddleware: 'retryMiddleware', name: NAME });
  // The SDK's own option (smithy client `cacheMiddleware`): the middleware stack is resolved once per command class,
  // not on every send. The stack is final here (the simulator's middleware is the last one added).
  (client as { config?: { cacheMiddleware?: boolean } }).config!.cacheMiddleware = true;
}

/** Lets the simulator watch (and, for fault injection, break) a client whose calls go to a real endpoint. */
export function interceptCalls(client: AnyClient, intercept: CommandInterceptor): void {
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: { input: Record<string, unknown> }) =>
    intercept(context.commandName ?? 'UnknownCommand', args.input, () => next(args));
  client.middlewareStack.addRelativeTo(middleware as never, { relation: 'after', toMiddleware: 'retryMiddleware', name: NAME });
}

/** Any SDK v3 client, as far as its resolved retry settings go. */
interface RetryingClient {
  config: { maxAttempts: () => Promise<number>; retryStrategy: () => Promise<unknown> };
}

/**
 * Makes a simulated client retry as the product's client does, without waiting in real time: the SDK's
 * standard strategy (`ConfiguredRetryStrategy` is `StandardRetryStrategy` with a fixed backoff) with the
 * client's own `maxAttempts`, the same retry quota and the same errors retried, and a backoff of 0 ms.
 * Every throttled call is still retried, as many times as in AWS; only the SDK's sleeps (up to 20 s each
 * on throttling) are gone, and the simulated clock never saw them anyway. The product's clients and
 * their retry settings are untouched: this is applied to the simulation's clients only, after they are built.
 */
export function retryWithoutDelay<T extends RetryingClient>(client: T): T {
  const strategy = new ConfiguredRetryStrategy(client.config.maxAttempts, 0);
  client.config.retryStrategy = () => Promise.resolve(strategy);
  return client;
}
