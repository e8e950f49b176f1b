/**
 * Where the simulation plugs in: a middleware on an SDK client, placed right after the SDK's retry
 * middleware. The handler's own code builds and sends the command as in Lambda; the SDK's retries
 * (and their backoff on throttling) still wrap it; the simulator answers instead of the network.
 */

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
}

/** Lets the simulator watch (and, for fault injection, break) a client whose calls go to a real endpoint. */
export function interceptCalls(client: AnyClient, intercept: CommandInterceptor): void {
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: { input: Record<string, unknown> }) =>
    intercept(context.commandName ?? 'UnknownCommand', args.input, () => next(args));
  client.middlewareStack.addRelativeTo(middleware as never, { relation: 'after', toMiddleware: 'retryMiddleware', name: NAME });
}
