/**
 * SSM Parameter Store: the only file that writes parameters. A `managed` pair gets a new RDS-managed
 * secret on every refresh; its ARN is published here so applications can find the current one.
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import type { ParameterStore } from '../kernel/ports';

/** Publishes values to SSM parameters in y's region. */
export class SsmParameters implements ParameterStore {
  /** @param ssm a client in the replica region, built once per cold start */
  public constructor(private readonly ssm: SSMClient) {}

  public async put(name: string, value: string, description: string): Promise<void> {
    await this.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true, Description: description.slice(0, 1024) }));
  }
}

/** An SSM client in the replica region, with the SDK's standard retries. */
export function parametersClient(region: string, extra: SSMClientConfig = {}): SSMClient {
  return new SSMClient({ region, maxAttempts: 4, ...extra });
}
