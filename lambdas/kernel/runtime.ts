/**
 * Cold-start wiring: config parsed once, SDK clients built once, the core's dependencies composed.
 *
 * Each handler builds its runtime at module load with {@link lambdaRuntime}, naming the AWS adapters its workflow
 * uses: the bundle of a function then holds only those SDK clients (esbuild drops the adapters, and the
 * `sideEffects: false` client packages, that nothing references). Anything that hosts the handlers elsewhere (the
 * local simulation, the benchmark) builds the whole runtime with {@link runtime}, passing its own clients and
 * clock; the adapters and the core are the same either way.
 */
import { randomBytes } from 'node:crypto';
import { DynamoLedger, ledgerClient } from '../aws/ledger';
import { SnsNotifier, notifyClient } from '../aws/notify';
import { SsmParameters, parametersClient } from '../aws/parameters';
import { RdsAdapter, replicaRdsClient } from '../aws/rds';
import { SecretsAdapter, secretsClient } from '../aws/secrets';
import { RdsClusterAdapter } from '../aws/rds-clusters';
import { clusterGateway } from '../targets/cluster/gateway';
import { instanceGateway } from '../targets/instance/gateway';
import type { TargetGateways } from '../targets/target';
import type { CopyValidator, Deps, DnsRecords, ParameterStore, Telemetry } from './ports';
import type { ConfigSource, PairConfig, RuntimeConfig } from './config';
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
  /** The copy validator of the swap modes (the simulation's runs validateCopy in process). */
  validator?: CopyValidator;
  /** The dns-switch mode's Route 53 record (the simulation's answers from its simulated Route 53). */
  dns?: DnsRecords;
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

/** What every function gets besides AWS: telemetry, the clock and run ids. */
type LocalDeps = Pick<Deps, 'telemetry' | 'now' | 'randomId'>;

function localDeps(options: Omit<RuntimeOptions, 'clients'>): LocalDeps {
  return {
    telemetry: options.telemetry ?? new PowertoolsTelemetry(),
    now: options.now ?? (() => new Date()),
    randomId: options.randomId ?? (() => randomBytes(3).toString('hex')),
  };
}

/**
 * Builds the whole runtime, every adapter with its client, from the configuration file bundled with the function and
 * the resource names in its environment (or the host's own source and clients).
 */
export function runtime(source: ConfigSource = lambdaConfigSource(), options: RuntimeOptions = {}): Runtime {
  const config = loadRuntimeConfig(source);
  const clients = (options.clients ?? awsClients)(config);
  const rds = new RdsAdapter(clients.replicaRds);
  return {
    config,
    deps: {
      rds,
      targets: targetGateways(config, rds, clients.replicaRds),
      ledger: new DynamoLedger(clients.dynamo, config.ledgerTableName),
      notifier: new SnsNotifier(clients.sns, config.notificationTopicArn),
      secrets: new SecretsAdapter(clients.secrets),
      parameters: new SsmParameters(clients.ssm),
      ...(options.validator ? { validator: options.validator } : {}),
      ...(options.dns ? { dns: options.dns } : {}),
      ...localDeps(options),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Lambda: each function with the adapters its handler uses, and only those

/** The ports of {@link Deps} that an adapter of lambdas/aws/ implements with an SDK client. */
export type AwsPorts = Pick<Deps, 'rds' | 'targets' | 'ledger' | 'notifier' | 'secrets' | 'parameters' | 'validator' | 'dns'>;

/** How a function gets each AWS port it uses: an adapter with its own client, built from the configuration. */
export type AdapterFactories<K extends keyof AwsPorts> = { readonly [P in K]: (config: RuntimeConfig) => AwsPorts[P] };

/** A runtime with some of the AWS ports: what {@link lambdaRuntime} builds. */
export interface PartialRuntime<K extends keyof AwsPorts> {
  config: RuntimeConfig;
  deps: Pick<AwsPorts, K> & LocalDeps;
}

/** One RDS adapter (and client) per configuration, shared by the snapshot port and the target gateways. */
const rdsAdapters = new WeakMap<RuntimeConfig, RdsAdapter>();
function rdsAdapterOf(config: RuntimeConfig): RdsAdapter {
  let adapter = rdsAdapters.get(config);
  if (!adapter) rdsAdapters.set(config, (adapter = new RdsAdapter(replicaRdsClient(config.region))));
  return adapter;
}

/**
 * RDS in the replica region: snapshots and the event subscription. The factories below are separate functions, not
 * one object, so that a bundle holds the clients its handler names and no other.
 */
export const replicaRds = (config: RuntimeConfig): Deps['rds'] => rdsAdapterOf(config);

/**
 * The gateway of every kind of target the configuration's pairs name (DB instances, Aurora clusters), over one RDS
 * client: a region with no cluster pair builds no cluster gateway.
 */
function targetGateways(config: Pick<RuntimeConfig, 'pairs'>, rds: RdsAdapter, client: ConstructorParameters<typeof RdsAdapter>[0]): TargetGateways {
  const kinds = new Set(config.pairs.map((p) => p.replica.kind));
  return {
    ...(kinds.has('instance') || kinds.size === 0 ? { instance: instanceGateway(rds) } : {}),
    ...(kinds.has('cluster') ? { cluster: clusterGateway(new RdsClusterAdapter(client), rds) } : {}),
  };
}

/** The gateways of the kinds of replica the pairs name, over one RDS client (the operator commands' own). */
export function gatewaysOver(pairs: readonly Pick<PairConfig, 'replica'>[], client: ConstructorParameters<typeof RdsAdapter>[0]): TargetGateways {
  return targetGateways({ pairs: pairs as RuntimeConfig['pairs'] }, new RdsAdapter(client), client);
}

/** The replica targets' gateways, over the same RDS client as {@link replicaRds}. */
export const replicaTargets = (config: RuntimeConfig): Deps['targets'] => targetGateways(config, rdsAdapterOf(config), rdsAdapterOf(config).client);

/** The run ledger in DynamoDB. */
export const runLedger = (config: RuntimeConfig): Deps['ledger'] => new DynamoLedger(ledgerClient(config.region), config.ledgerTableName);

/** The notifications topic. */
export const notifications = (config: RuntimeConfig): Deps['notifier'] => new SnsNotifier(notifyClient(config.region), config.notificationTopicArn);

/** Master passwords in Secrets Manager (credentials mode `secret`). */
export const masterPasswords = (config: RuntimeConfig): Deps['secrets'] => new SecretsAdapter(secretsClient(config.region));

/** The parameters that publish RDS-managed secrets (credentials mode `managed`). */
export const managedSecretParameters = (config: RuntimeConfig): Deps['parameters'] => new SsmParameters(parametersClient(config.region));

/**
 * A parameter store for a function whose workflow never writes a parameter (start-refresh: only the step after a
 * restore publishes a managed secret, lambdas/refresh/credentials.ts, which runs in on-rds-event and the watchdog).
 * The function is built without SSM's client; a call would be a wiring mistake and fails loudly instead of reaching AWS.
 */
export function withoutParameterStore(functionName: string): ParameterStore {
  return {
    put: (name) => Promise.reject(new Error(`${functionName} is built without SSM Parameter Store and cannot write ${name}: wire managedSecretParameters in its handler`)),
  };
}

/**
 * Builds a function's runtime at cold start: the configuration, then each named AWS adapter with its SDK client (once,
 * passed in), plus telemetry, the clock and run ids.
 * @param adapters the AWS ports the handler's workflow uses, each with its factory (such as {@link replicaRds})
 */
export function lambdaRuntime<K extends keyof AwsPorts>(adapters: AdapterFactories<K>, source: ConfigSource = lambdaConfigSource(), options: Omit<RuntimeOptions, 'clients'> = {}): PartialRuntime<K> {
  const config = loadRuntimeConfig(source);
  const aws = Object.fromEntries(Object.entries<(config: RuntimeConfig) => unknown>(adapters).map(([port, build]) => [port, build(config)])) as Pick<AwsPorts, K>;
  return { config, deps: { ...aws, ...localDeps(options) } };
}
