/**
 * Stands in for `@smithy/core/event-streams` in the functions' bundles only (an esbuild alias set in
 * infra/platform/refresh-function.ts; the tests, the simulation and the scripts load the real one).
 *
 * The SDK's protocols load event-stream support with a dynamic import (`HttpProtocol.loadEventStreamCapability` in
 * @smithy/core/protocols), and call it only to write or read an operation's event-stream member: a `streaming`
 * union such as Lambda's InvokeWithResponseStream has. No operation the functions send has one (the clients they
 * bundle are RDS, DynamoDB, SNS, SQS, SSM, Secrets Manager, and Lambda, whose Invoke alone is sent: the swap modes'
 * validation, lambdas/aws/functions.ts), so the import never runs in them, yet esbuild bundles its target: the codec,
 * marshallers and serde, about 15 KiB of every bundle. test/infra/platform/bundle-aliases.test.ts checks every
 * operation of those clients for an event-stream member, and that these are the only names the SDK imports from the
 * module. Should a function ever call an event-stream operation, it fails here with this message rather than sending
 * anything.
 *
 * Lambda's client, which has such an operation, also resolves an event-stream marshaller when it is built
 * (`resolveEventStreamSerdeConfig`, a static import): here it gets one that refuses, so the client is built and its
 * Invoke works, and InvokeWithResponseStream would fail with this message.
 */

function unavailable(): never {
  throw new Error('event streams are not bundled with this function (lambdas/aws/no-event-streams.ts): none of its operations has an event-stream member');
}

/** What `loadEventStreamCapability` takes: never reached, see above. */
export const eventStreamSerdeProvider = (): never => unavailable();

/** What `loadEventStreamCapability` takes: never reached, see above. */
export class EventStreamSerde {
  public constructor() {
    unavailable();
  }
}

/** A marshaller whose every use refuses: what a bundled client with an event-stream operation is built with. */
const REFUSING_MARSHALLER = { serialize: (): never => unavailable(), deserialize: (): never => unavailable() };

/** What Lambda's client calls when it is built (see above): its event-stream marshaller refuses. */
export const resolveEventStreamSerdeConfig = <T extends object>(input: T): T & { eventStreamMarshaller: typeof REFUSING_MARSHALLER } => Object.assign(input, { eventStreamMarshaller: REFUSING_MARSHALLER });
