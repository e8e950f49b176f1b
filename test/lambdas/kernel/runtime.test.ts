/**
 * The cold-start wiring: `lambdaRuntime` builds a function's runtime with only the AWS adapters its handler names,
 * each once, with its client in the function's region; `runtime` still builds them all (the simulation's).
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoLedger } from '../../../lambdas/aws/ledger';
import { SnsNotifier } from '../../../lambdas/aws/notify';
import { SsmParameters } from '../../../lambdas/aws/parameters';
import { RdsAdapter } from '../../../lambdas/aws/rds';
import { SecretsAdapter } from '../../../lambdas/aws/secrets';
import { RUNTIME_CONFIG_ENV, type ConfigSource, type RuntimeConfig } from '../../../lambdas/kernel/config';
import { PowertoolsTelemetry } from '../../../lambdas/kernel/powertools';
import { lambdaRuntime, managedSecretParameters, masterPasswords, notifications, replicaRds, replicaTargets, runLedger, runtime, withoutParameterStore } from '../../../lambdas/kernel/runtime';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { runtimeConfig } from '../../support/fixtures';
import { snsMock } from '../../support/harness';

const rdsMock = mockClient(RDSClient);
const secretsMock = mockClient(SecretsManagerClient);
const ssmMock = mockClient(SSMClient);

/** The replica region of a function that is not where the test process runs (AWS_REGION is eu-central-1). */
const config: RuntimeConfig = runtimeConfig({}, { region: 'eu-west-3', ledgerTableName: 'the-ledger', notificationTopicArn: 'arn:aws:sns:eu-west-3:111111111111:the-topic' });
const source: ConfigSource = { dir: '/nowhere', env: { [RUNTIME_CONFIG_ENV]: JSON.stringify(config) } };

beforeEach(() => {
  rdsMock.reset();
  secretsMock.reset();
  ssmMock.reset();
  snsMock.reset();
});

describe('lambdaRuntime', () => {
  it('builds the named adapters and nothing else, each once, from the configuration', () => {
    const seen: RuntimeConfig[] = [];
    const rt = lambdaRuntime(
      {
        rds: (c) => {
          seen.push(c);
          return replicaRds(c);
        },
        ledger: runLedger,
      },
      source,
    );
    expect(rt.config).toEqual(config);
    expect(seen).toEqual([config]);
    expect(Object.keys(rt.deps).sort()).toEqual(['ledger', 'now', 'randomId', 'rds', 'telemetry']);
    expect(rt.deps.rds).toBeInstanceOf(RdsAdapter);
    expect(rt.deps.ledger).toBeInstanceOf(DynamoLedger);
    expect(rt.deps.telemetry).toBeInstanceOf(PowertoolsTelemetry);
    expect(rt.deps.randomId()).toMatch(/^[0-9a-f]{6}$/);
    expect(rt.deps.now()).toBeInstanceOf(Date);
  });

  it('takes the host\'s clock, ids and telemetry', () => {
    const telemetry = new SimTelemetry();
    const now = () => new Date('2026-11-21T02:00:00Z');
    const rt = lambdaRuntime({ rds: replicaRds }, source, { now, randomId: () => 'abc123', telemetry });
    expect(rt.deps.now()).toEqual(new Date('2026-11-21T02:00:00Z'));
    expect(rt.deps.randomId()).toBe('abc123');
    expect(rt.deps.telemetry).toBe(telemetry);
  });

  it('gives each adapter a client in the function\'s region, and the ledger and topic of its configuration', async () => {
    const rt = lambdaRuntime({ rds: replicaRds, targets: replicaTargets, ledger: runLedger, notifier: notifications, secrets: masterPasswords, parameters: managedSecretParameters }, source);
    expect(rt.deps.notifier).toBeInstanceOf(SnsNotifier);
    expect(rt.deps.secrets).toBeInstanceOf(SecretsAdapter);
    expect(rt.deps.parameters).toBeInstanceOf(SsmParameters);

    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'pw' });
    ssmMock.on(PutParameterCommand).resolves({});
    snsMock.on(PublishCommand).resolves({});
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    await rt.deps.targets.instance!.describe('orders-staging');
    await rt.deps.rds.listSnapshots({ instanceId: 'orders-prod', types: ['manual'] });
    // the snapshot port and the instance gateway share one RDS client
    expect(new Set(rdsMock.calls().map((call): unknown => call.thisValue)).size).toBe(1);
    await rt.deps.secrets.readPassword('arn:aws:secretsmanager:eu-west-3:111111111111:secret:pw-AbCdEf', 'password');
    await rt.deps.parameters.put('/p', 'v', 'd');
    await rt.deps.notifier.publish({ severity: 'info', kind: 'k', replicaId: 'orders-staging', subject: 's', text: 't', data: {} });
    for (const mock of [rdsMock, secretsMock, ssmMock, snsMock]) {
      const client = mock.call(0).thisValue as { config: { region: () => Promise<string> } };
      expect(await client.config.region()).toBe('eu-west-3');
    }
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.TopicArn).toBe('arn:aws:sns:eu-west-3:111111111111:the-topic');
    expect((rt.deps.ledger as unknown as { tableName: string }).tableName).toBe('the-ledger');
  });

  it('fails loudly, without calling AWS, when a function built without SSM is asked to write a parameter', async () => {
    const rt = lambdaRuntime({ rds: replicaRds, parameters: () => withoutParameterStore('start-refresh') }, source);
    await expect(rt.deps.parameters.put('/replica-refresh/orders-staging/secret', 'arn', 'd')).rejects.toThrow(
      'start-refresh is built without SSM Parameter Store and cannot write /replica-refresh/orders-staging/secret: wire managedSecretParameters in its handler',
    );
    expect(ssmMock.calls()).toHaveLength(0);
  });
});

describe('runtime', () => {
  it('builds every adapter with the host\'s clients, as the simulation uses it', () => {
    const rds = new RDSClient({ region: 'eu-west-3' });
    const rt = runtime(source, {
      clients: () => ({ replicaRds: rds, dynamo: new DynamoDBClient({ region: 'eu-west-3' }), sns: new SNSClient({ region: 'eu-west-3' }), secrets: new SecretsManagerClient({ region: 'eu-west-3' }), ssm: new SSMClient({ region: 'eu-west-3' }) }),
    });
    expect(Object.keys(rt.deps).sort()).toEqual(['ledger', 'notifier', 'now', 'parameters', 'randomId', 'rds', 'secrets', 'targets', 'telemetry']);
    expect(rt.deps.parameters).toBeInstanceOf(SsmParameters);
  });
});
