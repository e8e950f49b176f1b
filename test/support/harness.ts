/**
 * Wiring for workflow tests: the real adapters over a fake RDS (aws-sdk-client-mock), a mocked SNS
 * and a dynalite ledger, with a clock and telemetry the test controls and reads.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmParameters } from '../../lambdas/aws/parameters';
import { SecretsAdapter } from '../../lambdas/aws/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoLedger } from '../../lambdas/aws/ledger';
import { SnsNotifier } from '../../lambdas/aws/notify';
import { RdsAdapter } from '../../lambdas/aws/rds';
import { instanceGateway } from '../../lambdas/targets/instance/gateway';
import type { Deps } from '../../lambdas/kernel/ports';
import { SimTelemetry } from '../../scripts/sim/telemetry';
import type { RuntimeConfig } from '../../lambdas/kernel/config';

/** A clock the test moves. */
export class Clock {
  private t: number;
  public constructor(start: string | Date) {
    this.t = new Date(start).getTime();
  }
  public readonly now = (): Date => new Date(this.t);
  public advanceMinutes(minutes: number): void {
    this.t += minutes * 60_000;
  }
  public advanceSeconds(seconds: number): void {
    this.t += seconds * 1000;
  }
}

/** Telemetry that remembers metrics, so tests can assert what was counted (the simulation's own). */
export { SimTelemetry as RecordingTelemetry } from '../../scripts/sim/telemetry';

/** The SNS mock every workflow test shares. */
export const snsMock = mockClient(SNSClient);

/** A notification as it was published. */
export interface Published {
  subject: string;
  text: string;
  severity: string;
  kind: string;
  replica: string;
  json: Record<string, unknown>;
}

/** Every notification published so far, in order. */
export function published(): Published[] {
  return snsMock.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    const attrs = input.MessageAttributes ?? {};
    return {
      subject: input.Subject ?? '',
      text: input.Message ?? '',
      severity: attrs.severity?.StringValue ?? '',
      kind: attrs.kind?.StringValue ?? '',
      replica: attrs.replica?.StringValue ?? '',
      json: JSON.parse(attrs.json?.StringValue ?? '{}') as Record<string, unknown>,
    };
  });
}

/** Kinds of everything published so far. */
export function publishedKinds(): string[] {
  return published().map((p) => p.kind);
}

let idCounter = 0;

/** Real adapters on fakes: the same code the Lambda runs, minus the network. */
export function makeDeps(config: RuntimeConfig, opts: { endpoint: string; clock: Clock; telemetry?: SimTelemetry }): Deps & { telemetry: SimTelemetry } {
  const dynamo = new DynamoDBClient({ endpoint: opts.endpoint, region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const telemetry = opts.telemetry ?? new SimTelemetry();
  const rds = new RdsAdapter(new RDSClient({ region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
  return {
    rds,
    targets: { instance: instanceGateway(rds) },
    ledger: new DynamoLedger(dynamo, config.ledgerTableName),
    notifier: new SnsNotifier(new SNSClient({ region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), config.notificationTopicArn),
    secrets: new SecretsAdapter(new SecretsManagerClient({ region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })),
    parameters: new SsmParameters(new SSMClient({ region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })),
    telemetry,
    now: opts.clock.now,
    randomId: () => (++idCounter).toString(16).padStart(6, '0'),
  };
}

/** A port method that records what it is given and succeeds: `publish: recordInto(alerts)`. */
export function recordInto<T>(list: T[]): (item: T) => Promise<void> {
  return (item) => {
    list.push(item);
    return Promise.resolve();
  };
}
