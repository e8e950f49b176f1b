/**
 * Cold-start wiring: config parsed once, SDK clients built once, the core's dependencies composed.
 * Handlers build their runtime at module load. Anything that hosts the handlers elsewhere (the local
 * simulation) passes its own clients and clock; the adapters and the core are the same either way.
 */
import { randomBytes } from 'node:crypto';
import { DynamoLedger, ledgerClient } from '../aws/ledger';
import { SnsNotifier, notifyClient } from '../aws/notify';
import { SsmParameters, parametersClient } from '../aws/parameters';
import { RdsAdapter, replicaRdsClient } from '../aws/rds';
import { SecretsAdapter, secretsClient } from '../aws/secrets';
import { instanceGateway } from '../targets/instance/gateway';
import type { Deps, Telemetry } from './ports';
import type { ConfigSource, RuntimeConfig } from './config';
import { lambdaConfigSource, loadRuntimeConfig } from './config';
import { PowertoolsTelemetry } from './powertools';

/** The SDK clients a function uses, one per AWS service, named for their role. */
export interface Clients {
  replicaRds: ConstructorParameters<typeof RdsAdapter>[0];
  dynamo: ConstructorParameters<typeof DynamoLedger>[0];
  sns: ConstructorParameters<typeof SnsNotifier>[0];
  secrets: ConstructorParameters<typeof SecretsAdapter>[0];
  ssm: ConstructorParameters<typeof SsmParameters>[0];
}

/** What a host may supply instead of the defaults. */
export interface RuntimeOptions {
  clients?: (config: RuntimeConfig) => Clients;
  now?: () => Date;
  randomId?: () => string;
  telemetry?: Telemetry;
}

/** What a handler works with. */
export interface Runtime {
  config: RuntimeConfig;
  deps: Deps;
}

/** The clients Lambda uses: each in the function's region, with the SDK's retries. */
export function awsClients(config: RuntimeConfig): Clients {
  return {
    replicaRds: replicaRdsClient(config.region),
    dynamo: ledgerClient(config.region),
    sns: notifyClient(config.region),
    secrets: secretsClient(config.region),
    ssm: parametersClient(config.region),
  };
}

/** Builds the runtime from the configuration file bundled with the function and the resource names in its environment. */
export function runtime(source: ConfigSource = lambdaConfigSource(), options: RuntimeOptions = {}): Runtime {
  const config = loadRuntimeConfig(source);
  const clients = (options.clients ?? awsClients)(config);
  const rds = new RdsAdapter(clients.replicaRds);
  return {
    config,
    deps: {
      rds,
      targets: { instance: instanceGateway(rds) },
      ledger: new DynamoLedger(clients.dynamo, config.ledgerTableName),
      notifier: new SnsNotifier(clients.sns, config.notificationTopicArn),
      secrets: new SecretsAdapter(clients.secrets),
      parameters: new SsmParameters(clients.ssm),
      telemetry: options.telemetry ?? new PowertoolsTelemetry(),
      now: options.now ?? (() => new Date()),
      randomId: options.randomId ?? (() => randomBytes(3).toString('hex')),
    },
  };
}
