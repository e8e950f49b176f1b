/**
 * Lambda: the operator commands invoke the deployed start-refresh function, so a drill or a plan
 * runs the nightly code path with the function's own role and configuration.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';

/** A function error: the handler threw (the payload says how). */
export class FunctionError extends Error {
  public constructor(
    public readonly functionName: string,
    detail: string,
  ) {
    super(`${functionName} failed: ${detail}`);
    this.name = 'FunctionError';
  }
}

/** Invokes functions synchronously and returns their JSON result. */
export class FunctionInvoker {
  public constructor(private readonly lambda: LambdaClient) {}

  public async invoke<T>(functionName: string, payload: unknown): Promise<T> {
    const out = await this.lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : 'null';
    if (out.FunctionError) throw new FunctionError(functionName, text);
    return JSON.parse(text) as T;
  }
}

/**
 * A Lambda client for a region, with the standard credential chain. One attempt: a retried invoke
 * could start a second refresh; callers send a request id and check the ledger instead.
 */
export function lambdaClient(region: string, extra: LambdaClientConfig = {}): LambdaClient {
  return new LambdaClient({ region, maxAttempts: 1, ...extra });
}
