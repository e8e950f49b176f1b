/**
 * A simulated AWS account, running the project's real handlers: in the replica region the schedule,
 * the watchdog and the retention pass on a virtual clock, RDS with the event subscription, topic,
 * topic policy and key policy that the project's EventPipeline construct synthesizes (RDS's publish
 * evaluated against them), SNS → Lambda delivery with Lambda's retry policy and on-failure
 * destination, Secrets Manager and SSM Parameter Store, the project's CloudWatch alarms (from the
 * synthesized Monitoring construct) evaluated on the metrics the functions emit, the ledger in
 * dynalite and the notifications topic; in x's region x itself with its nightly automated snapshot,
 * EventBridge delivering its snapshot events to the copy function, the copy function's delay queue
 * (SQS) and its hourly sweep; KMS keys in both. Faults can be switched on per night; every pair can
 * run on any of the engines in engines.ts.
 */
import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import { DynamoLedger, ledgerClient } from '../../lambdas/aws/ledger';
import { notifyClient } from '../../lambdas/aws/notify';
import { queueClient } from '../../lambdas/aws/queue';
import { parametersClient } from '../../lambdas/aws/parameters';
import { replicaRdsClient } from '../../lambdas/aws/rds';
import { SecretsAdapter, secretsClient } from '../../lambdas/aws/secrets';
import { copyTargetOf } from '../../lambdas/copy/plan';
import { COPY_TAGS } from '../../lambdas/kernel/snapshot-tags';
import type { CopyInvocationOutcome } from '../../lambdas/copy/invocation';
import { CLUSTER_SNAPSHOT_CREATED_EVENTS } from '../../lambdas/copy/invocation';
import { RdsClusterAdapter } from '../../lambdas/aws/rds-clusters';
import type { RunRecord } from '../../lambdas/kernel/model';
import type { RetentionPass } from '../../lambdas/retention/retention';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CopyValidator } from '../../lambdas/kernel/ports';
import type { RefreshMode } from '../../lambdas/refresh/strategies/strategy';
import type { Config, ConfigSource, CopyRuntimeConfig, PairConfig, RuntimeConfig } from '../../lambdas/kernel/config';
import { CONFIG_FILE_ENV, COPY_CONFIG_FILE_ENV, COPY_RESOURCES_ENV, READ_ONLY_PARAMETERS, RESOURCES_ENV, copiesSnapshots, type CopyContext, embedHookSql, readOnlyParameterGroupName, loadCopyRuntimeConfig, loadRuntimeConfig, managedSecretParameter, pairSchema, parseConfig, runtimeConfigSchema, scheduleTimeZone } from '../../lambdas/kernel/config';
import { requireHomeAccount } from '../../lambdas/kernel/place';
import { stageCopyConfig, stageRuntimeConfig } from './function-config';
import type { CopyRuntime } from '../../lambdas/copy/runtime';
import { copyRuntime } from '../../lambdas/copy/runtime';
import type { Runtime } from '../../lambdas/kernel/runtime';
import { runtime } from '../../lambdas/kernel/runtime';
import { VirtualClock } from './clock';
import type { AlarmTransition } from './cloudwatch';
import { SimCloudWatch } from './cloudwatch';
import { retentionGroups } from '../../lambdas/retention/groups';
import { nextFire } from './cron';
import type { LocalDynamo } from './dynamo';
import { startDynalite } from './dynamo';
import type { EngineProfile, SimEngine } from './engines';
import type { SimAuroraEngine } from './aurora-world';
import { asClusterPair, isAuroraEngine, seedClusterPair } from './aurora-world';
import { ClientProbes, PROBE_MARGIN_MS } from './client-probe';
import { SimValidator } from './validator';
import { SimRoute53 } from './route53';
import { Route53Adapter, route53Client } from '../../lambdas/aws/route53';
import { engineProfile } from './engines';
import { SimKms } from './kms';
import type { DeadLetter, Invocation } from './lambda';
import { SimLambda } from './lambda';
import { answerFromSimulator, interceptCalls, retryWithoutDelay } from './middleware';
import type { EmittedEvent, EventSubscriptionRecord, RdsTimings } from './rds';
import { DEFAULT_TIMINGS, RDS_EVENTS_PRINCIPAL, SimRds } from './rds';
import { gp3Baseline, text } from './rds-rules';
import { Random, fixed, uniform } from './random';
import { SimSecretsManager } from './secrets';
import { SimTopic } from './sns';
import { SimSsm } from './ssm';
import { SimQueue } from './sqs';
import { SimVault } from './vault';
import type { PolicyDocument, ReplicaStackDefinition } from './synth';
import { replicaStackDefinition } from './synth';
import { SimTelemetry } from './telemetry';

/** Credentials the simulated clients sign with; nothing leaves the process. */
const SIM_CREDENTIALS = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };

/** Every fault the simulation can inject, with what it does. */
export const FAULTS = {
  'duplicate-events': 'every RDS event is delivered to on-rds-event three times',
  'reorder-events': 'every RDS event is held back a random 0-10 minutes, so events overtake each other',
  throttle: '30% of RDS API calls are throttled around the refresh (the SDK retries them as often as against AWS, without waiting its back-off in real time)',
  'lost-deletion-event': "y's deletion event never arrives; the watchdog has to notice",
  'restore-capacity': 'the first two restore attempts fail with InsufficientDBInstanceCapacity',
  'restore-capacity-persistent': 'every restore attempt fails with InsufficientDBInstanceCapacity',
  'capacity-outage': "from tonight's refresh until 01:00 UTC the next night, every restore fails with InsufficientDBInstanceCapacity (the watchdog's heals too), so y stays missing for a day; then capacity is back (npm run status -- --local --faults capacity-outage@7 shows the outage, npm run restore ends it)",
  'no-snapshot': "no snapshot of x is in the replica region at the start of the night, none is left in x's region either, and tonight's is never taken",
  'newest-copying': "tonight's copy of x's snapshot is still copying when the refresh starts (the copy takes 3 hours)",
  'copy-quota-5': "the account allows only 5 cross-region copies in flight into y's region, and copies of another instance fill them until 00:50 UTC: tonight's copy waits in the delay queue",
  'lost-snapshot-events': "x's snapshot events never reach the copy function; the hourly sweep has to copy tonight's snapshot",
  'replication-stalled': "backup-replication pairs: the replication of x's automated backups stalls at 10:00 UTC the day before, so their latest restorable time is hours old at the refresh",
  'crash-after-delete': 'start-refresh dies right after DeleteDBInstance, before it records the delete',
  'on-event-fails': 'on-rds-event fails every invocation that night, through all its retries',
  'second-start': 'a drill is started 10 minutes after the nightly refresh, while it runs',
  'manual-deletion': 'someone deletes y by hand at 14:00 UTC, outside any run',
  'fail-after-restore': "tonight's restore of y ends in incompatible-parameters (its parameter group does not fit the instance), so the run fails with y restored but its settings not applied; the next night replaces it",
  'crash-before-writer': "Aurora pairs: on-rds-event dies between the cluster's restore and its writer's creation (at its CreateDBInstance, in every attempt that night); the watchdog must create the writer",
  'hook-fails': "pairs with staging hooks: tonight's first afterRestore hook meets a database error, so the run fails naming the hook and y is kept isolated (or deleted, as staging.onFailure says)",
  'validation-fails': "swap modes: tonight's copy restored beside y holds an empty orders table, so its validation fails: clients are never switched, y keeps serving, the copy is deleted and the run fails",
  'dead-event-path': "from this night on, the events topic's policy no longer admits events.rds.amazonaws.com (someone edited it): RDS's publishes are denied and the subscription turns no-permission",
} as const;

/** A fault's name. */
export type FaultName = keyof typeof FAULTS;

/** Faults that act on some pairs only: which, said as the README says it. The rest apply to every pair. */
const FAULT_APPLIES: Partial<Record<FaultName, { to: string; applies: (pair: PairConfig, context: CopyContext) => boolean }>> = {
  'replication-stalled': { to: 'pairs with source.mode "backup-replication"', applies: (p) => p.source.mode === 'backup-replication' },
  'newest-copying': {
    to: 'pairs with source.mode "snapshot-copy" whose copies y is restored from (x in another region, or copied within one for a vault)',
    applies: (p, c) => p.source.mode === 'snapshot-copy' && (copiesSnapshots(p, c) || p.source.region !== p.replica.region),
  },
  'copy-quota-5': { to: 'pairs whose snapshots the project copies across regions (source.mode "snapshot-copy", copy on, x and y in different regions)', applies: (p, c) => copiesSnapshots(p, c) && p.source.region !== p.replica.region },
  'lost-snapshot-events': { to: 'pairs whose snapshots the project copies (copy on; source.mode "snapshot-copy" with x and y in different regions, or any pair with a vault)', applies: copiesSnapshots },
  'crash-before-writer': { to: 'Aurora cluster pairs (clusterId; npm run demo -- --engine aurora-postgresql)', applies: (p) => p.replica.kind === 'cluster' },
  'fail-after-restore': { to: 'DB instance pairs (instanceId)', applies: (p) => p.replica.kind === 'instance' },
  'restore-capacity': { to: 'DB instance pairs (instanceId)', applies: (p) => p.replica.kind === 'instance' },
  'restore-capacity-persistent': { to: 'DB instance pairs (instanceId)', applies: (p) => p.replica.kind === 'instance' },
  'capacity-outage': { to: 'DB instance pairs (instanceId)', applies: (p) => p.replica.kind === 'instance' },
  'hook-fails': { to: 'pairs with staging hooks (staging.hooks; npm run demo -- --config infra/examples/staging-safety/cdk.json)', applies: (p) => (p.staging?.hooks.afterRestore.length ?? 0) > 0 },
  'validation-fails': { to: 'pairs with a swap refresh mode (refresh.mode "rename-swap"; npm run demo -- --mode rename-swap)', applies: (p) => p.refresh.mode !== 'delete-first' },
};

/** Refuses a fault that would do nothing to any pair simulated, naming the pairs and what the fault needs. */
export function checkFaultsApply(faults: readonly FaultSpec[], pairs: readonly PairConfig[], context: CopyContext): void {
  for (const name of new Set(faults.map((f) => f.name))) {
    const rule = FAULT_APPLIES[name];
    if (!rule || pairs.some((p) => rule.applies(p, context))) continue;
    const which = pairs.map((p) => `${p.replica.identifier} (source.mode "${p.source.mode}"${!copiesSnapshots(p, context) ? ', not copied by the project' : ''})`).join(', ');
    throw new Error(`fault "${name}" acts on ${rule.to}, and no pair simulated is one: ${which}. Choose another fault, or a config with such a pair (--config)`);
  }
}

/** A fault switched on for one night (1-based) or for every night. */
export interface FaultSpec {
  name: FaultName;
  night?: number;
}

/** One thing that happened, for people watching the simulation. */
export interface Step {
  time: Date;
  replica: string;
  kind:
    | 'schedule'
    | 'probe'
    | 'preflight'
    | 'delete'
    | 'deleted'
    | 'restore'
    | 'usable'
    | 'available'
    | 'modify'
    | 'closed'
    | 'alert'
    | 'watchdog'
    | 'error'
    | 'dead-letter'
    | 'fault'
    | 'snapshot'
    | 'drill'
    | 'source-snapshot'
    | 'copy'
    | 'retention'
    | 'alarm'
    | 'event-path'
    | 'rejected'
    | 'credentials'
    | 'validation'
    | 'hooks'
    | 'switch'
    | 'vault';
  text: string;
}

/** What a simulation is built from. */
export interface SimulationOptions {
  /** The cdk.json `replicaRefresh` value; the simulation runs the pairs of its first replica region. */
  config: unknown;
  seed?: number;
  /** Midday before the first night, UTC. */
  start?: Date;
  timings?: Partial<RdsTimings>;
  /** Changes to every simulated pair's config (restoreUnmanagedDeletions, say). */
  pairOverrides?: Record<string, unknown>;
  faults?: FaultSpec[];
  onStep?: (step: Step) => void;
  /** Cross-region copies the account allows in flight into the replica region (default 20; older accounts 5). */
  crossRegionCopyLimit?: number;
  /**
   * Whether EventBridge's SourceIdentifier of an automated snapshot carries the `rds:` prefix: RDS-NOTES
   * says either happens; `either` (the default) picks at random per event.
   */
  snapshotEventIds?: 'with-prefix' | 'without-prefix' | 'either';
  /**
   * The engine of every simulated pair (x, its snapshots, y): default postgres. An Aurora engine makes every pair a
   * pair of Aurora clusters (aurora-world.ts).
   */
  engine?: SimEngine | SimAuroraEngine;
  /**
   * A SQL probe measures what clients saw of each nightly refresh (client-probe.ts): a real PostgreSQL behind each DB
   * instance of the pairs, queried through y's name every 5 simulated seconds. Off by default here (the first server
   * of a process costs about 2.4 s and 500 MiB, each later one 0.24 s); the commands turn it on for a few pairs.
   */
  probe?: boolean;
  /**
   * The refresh mode of every simulated pair (default: as the config says). A swap mode gets the simulation's
   * validation ({@link simValidation}) unless the pair configures its own.
   */
  mode?: RefreshMode;
}

/**
 * The validation a swap mode runs in the simulation when the pair names none: the sample schema's table has rows and
 * its newest row is within the pair's snapshot age limit (scripts/sim/sql/servers.ts); the VPC ids are placeholders
 * the simulation never reaches (its validator runs in this process).
 */
export function simValidation(pair: Pick<PairConfig, 'maxSnapshotAgeHours'>): Record<string, unknown> {
  return {
    tables: ['orders'],
    freshness: { table: 'orders', column: 'created_at', maxAgeHours: pair.maxSnapshotAgeHours + 2 },
    vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
  };
}

/** The refresh section a pair gets for `mode` (its own, when it already has that mode). */
function refreshFor(pair: PairConfig, mode: RefreshMode | undefined): Record<string, unknown> | undefined {
  if (!mode || mode === pair.refresh.mode) return undefined;
  if (mode === 'delete-first') return { mode };
  if (mode === 'dns-switch') return { mode, validation: simValidation(pair), dns: { hostedZoneId: SIM_HOSTED_ZONE_ID, recordName: `${pair.replica.identifier}.db.internal`, ttlSeconds: 5 } };
  return { mode, validation: simValidation(pair) };
}

/** The private hosted zone of the simulation's dns-switch records (db.internal). */
export const SIM_HOSTED_ZONE_ID = 'Z0SIMULATEDZONE000001';

const DAY = 86_400_000;

/** x's DbiResourceId when config does not name one. */
export const SOURCE_DBI_RESOURCE_ID = 'db-SIMSOURCEXPRODUCTION0000001';

/** x as it runs in its region: encrypted with a key of that region, automated backups kept a week, tags copied to snapshots. */
function sourceInstance(sim: SimRds, pair: PairConfig, kmsKeyId: string, engine: EngineProfile): DBInstance {
  const id = pair.source.identifier;
  const baseline = gp3Baseline(engine.family, 200);
  return {
    DBInstanceIdentifier: id,
    DBInstanceArn: sim.arn('db', id),
    DBInstanceStatus: 'available',
    Engine: engine.engine,
    EngineVersion: engine.sourceVersion,
    DbiResourceId: pair.source.dbiResourceId ?? SOURCE_DBI_RESOURCE_ID,
    InstanceCreateTime: new Date('2024-03-01T09:00:00Z'),
    DBInstanceClass: engine.sourceClass,
    MultiAZ: true,
    StorageType: 'gp3',
    AllocatedStorage: 200,
    Iops: baseline.iops,
    StorageThroughput: baseline.throughput,
    DbInstancePort: engine.defaultPort,
    Endpoint: { Address: `${id}.sim.${sim.region}.rds.amazonaws.com`, Port: engine.defaultPort },
    LicenseModel: engine.licenseModel,
    MasterUsername: engine.masterUsername,
    StorageEncrypted: true,
    KmsKeyId: kmsKeyId,
    BackupRetentionPeriod: 7,
    PreferredBackupWindow: '00:10-00:40',
    CopyTagsToSnapshot: true,
    DeletionProtection: true,
    TagList: [
      { Key: 'team', Value: 'orders' },
      { Key: 'environment', Value: 'production' },
    ],
  };
}

/** 00:10 UTC of a day: when x's nightly automated backup is taken. */
function backupTime(day: Date): Date {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 0, 10));
}

/** x's master password (production's): what every snapshot and copy of x holds. */
export function sourcePassword(pair: PairConfig): string {
  return `x-prod-${pair.source.identifier}-Pw1`;
}

/** y's settings at the start: a realistic, non-default staging instance of the engine. */
export function initialReplica(sim: SimRds, pair: PairConfig, lineage: { snapshotId: string; dataTime: Date }, engine: EngineProfile = engineProfile('postgres')): DBInstance {
  const id = pair.replica.identifier;
  // What DescribeDBInstances reports for gp3 when nothing is provisioned: the baseline, which a restore below the
  // engine's threshold must not name.
  const baseline = gp3Baseline(engine.family, 200);
  return {
    DBInstanceIdentifier: id,
    DBInstanceArn: sim.arn('db', id),
    DBInstanceStatus: 'available',
    Engine: engine.engine,
    EngineVersion: engine.replicaVersion,
    DbiResourceId: `db-SIMINITIAL${id.toUpperCase().replace(/[^A-Z0-9]/g, '')}`.slice(0, 30),
    InstanceCreateTime: new Date(lineage.dataTime.getTime() + 2 * 3_600_000),
    DBInstanceClass: engine.replicaClass,
    DBSubnetGroup: { DBSubnetGroupName: 'staging-private' },
    VpcSecurityGroups: [
      { VpcSecurityGroupId: 'sg-0aaa1111', Status: 'active' },
      { VpcSecurityGroupId: 'sg-0bbb2222', Status: 'active' },
    ],
    DBParameterGroups: [{ DBParameterGroupName: engine.parameterGroup.name, ParameterApplyStatus: 'in-sync' }],
    OptionGroupMemberships: [{ OptionGroupName: engine.optionGroup, Status: 'in-sync' }],
    MultiAZ: false,
    AvailabilityZone: `${pair.replica.region}b`,
    PubliclyAccessible: false,
    StorageType: 'gp3',
    AllocatedStorage: 200,
    Iops: baseline.iops,
    StorageThroughput: baseline.throughput,
    MaxAllocatedStorage: 500,
    Endpoint: { Address: `${id}.sim.${pair.replica.region}.rds.amazonaws.com`, Port: engine.replicaPort },
    DbInstancePort: engine.replicaPort,
    LicenseModel: engine.licenseModel,
    MasterUsername: engine.masterUsername,
    // IAM database authentication is for MySQL, MariaDB and PostgreSQL only (User Guide, "IAM database authentication").
    IAMDatabaseAuthenticationEnabled: ['postgres', 'mysql', 'mariadb'].includes(engine.family),
    EnabledCloudwatchLogsExports: [...engine.logExports],
    CACertificateIdentifier: 'rds-ca-rsa4096-g1',
    AutoMinorVersionUpgrade: false,
    CopyTagsToSnapshot: true,
    DeletionProtection: false,
    NetworkType: 'IPV4',
    BackupRetentionPeriod: 2,
    PreferredBackupWindow: '23:00-23:30',
    PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
    MonitoringInterval: pair.monitoringRoleArn ? 60 : 0,
    ...(pair.monitoringRoleArn ? { MonitoringRoleArn: pair.monitoringRoleArn } : {}),
    PerformanceInsightsEnabled: true,
    PerformanceInsightsRetentionPeriod: 7,
    DatabaseInsightsMode: 'standard',
    AssociatedRoles: [],
    StorageEncrypted: true,
    KmsKeyId: `arn:aws:kms:${pair.replica.region}:${sim.account}:key/sim-replica-key`,
    TagList: [
      { Key: pair.ownershipTag.key, Value: pair.ownershipTag.value },
      { Key: 'team', Value: 'platform' },
      { Key: 'environment', Value: 'staging' },
      { Key: 'replica-refresh:source-snapshot', Value: lineage.snapshotId },
      { Key: 'replica-refresh:source-snapshot-time', Value: lineage.dataTime.toISOString() },
    ],
  };
}

/** The runtime configuration of the replica region of `pairs`, with a ledger table, topic and event subscription of the simulated account. */
export function simRuntimeConfig(full: Config, pairs: readonly PairConfig[], ledgerTableName: string, topicName: string, eventSubscriptionNames: readonly string[] = []): RuntimeConfig {
  const region = pairs[0]?.replica.region;
  return runtimeConfigSchema.parse({
    region,
    account: full.account,
    timeZone: full.timeZone,
    rtoTargetMinutes: full.rtoTargetMinutes,
    ledgerTableName,
    notificationTopicArn: `arn:aws:sns:${region}:${full.account}:${topicName}`,
    ...(eventSubscriptionNames.length > 0 ? { eventSubscriptionNames } : {}),
    noSuccessWithinHours: full.alarms.noSuccessWithinHours,
    ...(full.vault ? { vault: full.vault } : {}),
    pairs,
  });
}

/** A policy without the statements that name a service principal (as if someone removed them). */
function withoutServicePrincipal(policy: PolicyDocument | undefined, service: string): PolicyDocument | undefined {
  if (!policy) return undefined;
  const names = (p: unknown): string[] => {
    const svc = (p as { Service?: string | string[] } | undefined)?.Service;
    return svc === undefined ? [] : Array.isArray(svc) ? svc : [svc];
  };
  return { ...policy, Statement: policy.Statement.filter((st) => !names(st.Principal).includes(service)) };
}

/** The simulated account. */
export class Simulation {
  public readonly clock: VirtualClock;
  public readonly random: Random;
  /** RDS of every simulated region: the replica region, and x's region for pairs whose snapshots the project copies. */
  public readonly regions = new Map<string, SimRds>();
  /** RDS in the replica region. */
  public readonly rds: SimRds;
  public readonly kms: SimKms;
  public readonly eventsTopic: SimTopic;
  public readonly notifications: SimTopic;
  /** Secrets Manager and SSM Parameter Store in the replica region. */
  public readonly secrets: SimSecretsManager;
  public readonly ssm: SimSsm;
  public readonly deadLetters: DeadLetter[] = [];
  /**
   * Alarms that went into ALARM, in order: every alarm of the CDK app, evaluated on the metrics (see cloudwatch); for a
   * Metrics Insights alarm, the alarm itself and each contributor (its attributes: `{ replica }`).
   */
  public readonly alarms: { time: Date; name: string; contributor?: Record<string, string> }[] = [];
  /** The project's CloudWatch alarms, evaluated once a minute. */
  public cloudwatch!: SimCloudWatch;
  public readonly telemetry: SimTelemetry;
  public readonly config: RuntimeConfig;
  /** The engine every instance pair runs. */
  public readonly engine: EngineProfile;
  /** The Aurora engine every pair runs, in a world of Aurora clusters. */
  public readonly aurora: SimAuroraEngine | undefined;
  /** What the synthesized replica stack defines: the event subscription, topic and policies, the alarms. */
  public readonly stack: ReplicaStackDefinition;
  /** Why creating the event subscription failed, if it did (SourceNotFound, …): the stack's deployment would fail. */
  public eventSubscriptionError: string | undefined;
  public readonly ledger: DynamoLedger;
  /** The key the replica region's copies are encrypted with (the one y's stack would create). */
  public readonly replicaKeyArn: string;
  public startRefresh!: SimLambda;
  public onRdsEvent!: SimLambda;
  public watchdog!: SimLambda;
  public retention!: SimLambda;
  /** The copy function and its delay queue, per source region. */
  public readonly copyFunctions = new Map<string, { fn: SimLambda; queue: SimQueue; config: CopyRuntimeConfig }>();
  private readonly start: Date;
  private readonly faults: FaultSpec[];
  private readonly onStep: (step: Step) => void;
  private readonly baseTimings: RdsTimings;
  private readonly copyLimit: number;
  private readonly snapshotEventIds: NonNullable<SimulationOptions['snapshotEventIds']>;
  private readonly lastEventPathFinding = new Map<string, string>();
  private crashArmed = false;
  private crashBeforeWriter = false;
  /** Fault hook-fails: tonight's hooks meet a database error. */
  private hooksBroken = false;
  /** Fault validation-fails: copies created from this time on (its night) hold no rows. */
  private emptyCopiesSince: number | undefined;
  /**
   * The simulated databases and DNS (a real PostgreSQL behind each instance), when the simulation measures what
   * clients saw (options.probe) or a pair's swap mode validates its copies over SQL.
   */
  public probes: ClientProbes | undefined;
  /** The vault account and its functions, when the configuration has a vault (issue 18). */
  public vault: SimVault | undefined;
  /** Whether the SQL probe measures each refresh (options.probe). */
  private readonly probing: boolean;
  /** The account's Route 53, when a pair uses dns-switch: its zones, records and changes. */
  public readonly route53: SimRoute53 | undefined;
  private simValidator: SimValidator | undefined;
  /**
   * Breaks a function's RDS call (a test's own fault) with an error that is no AWS answer (the connection dropped, a
   * timeout): why, or undefined to let the call through.
   */
  public breakWhen: ((fn: string, command: string, input: Record<string, unknown>) => string | undefined) | undefined;
  /**
   * Makes RDS refuse a function's call (a test's own fault) with an AWS error the test builds (the SDK's exception
   * class, as RDS would answer), or undefined to let the call through.
   */
  public refuseWhen: ((fn: string, command: string, input: Record<string, unknown>) => Error | undefined) | undefined;
  private crashPending = false;
  private lostSnapshotEvents = false;
  private eventSeq = 0;
  private readonly skipCopy = new Set<string>();

  private constructor(
    private readonly dynamo: LocalDynamo,
    public readonly fullConfig: Config,
    /** Where the replica region's functions read their configuration: the bundled file and the environment, as deployed. */
    private readonly configSource: ConfigSource,
    /** The directory the functions' configuration files are written to, removed by {@link close}. */
    private readonly configDir: string,
    options: SimulationOptions,
    stack: ReplicaStackDefinition,
  ) {
    // What the functions get: read from the file the CDK app would bundle, by the loader the functions use.
    const config = loadRuntimeConfig(configSource);
    this.start = options.start ?? new Date('2026-11-16T12:00:00Z');
    this.clock = new VirtualClock(this.start);
    this.random = new Random(options.seed ?? 1);
    this.telemetry = new SimTelemetry(this.clock.now);
    this.config = config;
    this.stack = stack;
    // An Aurora world's instance profile is its engine's family (unused by its cluster pairs).
    this.aurora = isAuroraEngine(options.engine) ? options.engine : undefined;
    this.engine = engineProfile(this.aurora === 'aurora-mysql' ? 'mysql' : isAuroraEngine(options.engine) ? 'postgres' : (options.engine ?? 'postgres'));
    this.faults = options.faults ?? [];
    this.onStep = options.onStep ?? (() => undefined);
    this.baseTimings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.copyLimit = options.crossRegionCopyLimit ?? 20;
    this.snapshotEventIds = options.snapshotEventIds ?? 'either';
    this.kms = new SimKms(config.account);
    this.replicaKeyArn = this.kms.create(config.region, 'sim-replica-key', 'replica-refresh-copies');
    this.rds = this.regionRds(config.region);
    this.rds.crossRegionCopyLimit = this.copyLimit;
    for (const pair of config.pairs) {
      if (pair.copy.replicaKmsKeyArn) this.kms.register(pair.copy.replicaKmsKeyArn);
      if (copiesSnapshots(pair, fullConfig)) this.regionRds(pair.source.region);
    }
    // The events topic as EventPipeline deploys it: its ARN, topic policy and key policy come from the synthesized template.
    this.eventsTopic = new SimTopic(stack.eventPath.snsTopicArn, this.clock, this.random);
    this.eventsTopic.policy = stack.eventPath.topicPolicy;
    this.eventsTopic.key = stack.eventPath.topicKey;
    this.notifications = new SimTopic(config.notificationTopicArn, this.clock, this.random);
    this.rds.topics = new Map([[this.eventsTopic.arn, this.eventsTopic]]);
    this.secrets = new SimSecretsManager(config.region, config.account, this.clock, this.random);
    this.ssm = new SimSsm(config.region, config.account, this.clock);
    this.rds.secretsManager = this.secrets;
    this.ledger = new DynamoLedger(retryWithoutDelay(ledgerClient(config.region, { ...dynamo.transport, credentials: SIM_CREDENTIALS })), config.ledgerTableName);
    this.probing = options.probe === true;
    if (options.probe || config.pairs.some((p) => p.refresh.mode !== 'delete-first' || p.staging !== undefined)) {
      const ys = new Set(config.pairs.map((p) => p.replica.identifier));
      this.probes = new ClientProbes({
        clock: this.clock,
        rds: this.rds,
        ledger: this.ledger,
        pairs: config.pairs,
        step: (replica, text) => this.step(replica, 'probe', text),
        // Fault validation-fails: a copy restored beside y that night is empty.
        dataOf: (id, db) => ({
          ...(this.emptyCopiesSince !== undefined && !ys.has(id) && (db.InstanceCreateTime?.getTime() ?? 0) >= this.emptyCopiesSince ? { rows: 0 } : {}),
          // Its parameter group is one of the read-only groups the deployment creates (staging.readOnly).
          ...((db.DBParameterGroups?.[0]?.DBParameterGroupName ?? '').startsWith(readOnlyParameterGroupName('')) ? { readOnly: true } : {}),
        }),
      });
    }
    // dns-switch: each pair's private hosted zone; the simulated DNS follows every change once Route 53 has it INSYNC.
    const dnsPairs = config.pairs.flatMap((p) => (p.refresh.mode === 'dns-switch' ? [{ pair: p, refresh: p.refresh }] : []));
    if (dnsPairs.length > 0) {
      const route53 = new SimRoute53(this.clock, this.random);
      for (const { refresh } of dnsPairs) {
        if (route53.zones.has(refresh.dns.hostedZoneId)) continue;
        route53.createHostedZone(refresh.dns.recordName.replace(/^[^.]+\./, ''), { id: refresh.dns.hostedZoneId, vpc: { region: config.region, vpcId: refresh.validation.vpc.vpcId } });
      }
      route53.onRecordChange((name, target, ttl) => (target ? this.probes?.dns.upsertRecord(name, target, ttl) : this.probes?.dns.deleteRecord(name)));
      this.route53 = route53;
    }
  }

  /** Builds the account: dynalite, the ledger table, y, x's snapshot history, the functions and schedules. */
  public static async create(options: SimulationOptions): Promise<Simulation> {
    const full = parseConfig(options.config);
    const region = full.pairs[0]?.replica.region;
    // Overrides are config as people write it: the pair with them is parsed again, defaults filled in.
    const configured = full.pairs
      .filter((p) => p.replica.region === region)
      .map((p) => {
        const refresh = refreshFor(p, options.mode);
        return options.pairOverrides || refresh ? pairSchema.parse({ ...p, ...(refresh ? { refresh } : {}), ...options.pairOverrides }) : p;
      });
    const aurora = options.engine;
    // Staging hook files are read from the repository, as the CDK app reads them when it synthesizes.
    const pairs = embedHookSql(isAuroraEngine(aurora) ? configured.map((p) => (p.replica.kind === 'cluster' ? p : asClusterPair(p, aurora))) : configured, join(__dirname, '..', '..'));
    checkFaultsApply(options.faults ?? [], pairs, full);
    const withCopy = pairs.some((p) => copiesSnapshots(p, full));
    const stack = await replicaStackDefinition({
      account: full.account,
      region: region ?? '',
      replicaIds: pairs.map((p) => p.id),
      clusterIds: pairs.filter((p) => p.replica.kind === 'cluster').map((p) => p.id),
      rtoTargetMinutes: full.rtoTargetMinutes,
      alarms: full.alarms,
      functions: ['start-refresh', 'on-rds-event', 'watchdog', ...(pairs.some((p) => copiesSnapshots(p, full) && p.copy.retention.enabled) ? ['retention'] : [])],
      manualSnapshotAlarms: pairs.filter((p) => copiesSnapshots(p, full)).map((p) => ({ replicaId: p.id, region: p.replica.region, threshold: p.copy.manualSnapshotAlertAt })),
      copyFunction: withCopy,
      watchdogIntervalMinutes: full.watchdogIntervalMinutes,
    });
    const dynamo = await startDynalite();
    const table = await dynamo.createLedgerTable('replica-refresh-ledger');
    // The functions find the subscription by the name the stack gives it (Ref of the AWS::RDS::EventSubscription).
    const config = simRuntimeConfig(full, pairs, table, 'replica-refresh-notifications', stack.eventPaths.map((e) => e.subscriptionName));
    const configDir = mkdtempSync(join(tmpdir(), 'replica-refresh-sim-config-'));
    const sim = new Simulation(dynamo, full, stageRuntimeConfig(config, join(configDir, 'replica')), configDir, options, stack);
    await sim.build();
    return sim;
  }

  /** Whether the project copies this pair's snapshots ({@link copiesSnapshots}: always with a vault). */
  public copies(pair: PairConfig): boolean {
    return copiesSnapshots(pair, this.fullConfig);
  }

  /** The pairs simulated. */
  public get pairs(): PairConfig[] {
    return this.config.pairs;
  }

  /** RDS in x's region of the first pair whose snapshots the project copies. */
  public get sourceRds(): SimRds | undefined {
    const pair = this.pairs.find((p) => this.copies(p));
    return pair ? this.regions.get(pair.source.region) : undefined;
  }

  /** The copy function of the first source region. */
  public get copySnapshot(): SimLambda | undefined {
    return [...this.copyFunctions.values()][0]?.fn;
  }

  /** The copy function's delay queue of the first source region. */
  public get deferQueue(): SimQueue | undefined {
    return [...this.copyFunctions.values()][0]?.queue;
  }

  /** The key x is encrypted with in its region. */
  public sourceKeyArn(region: string): string {
    return `arn:aws:kms:${region}:${this.config.account}:key/sim-source-key`;
  }

  private regionRds(region: string): SimRds {
    let sim = this.regions.get(region);
    if (!sim) {
      sim = new SimRds(region, this.config.account, this.clock, this.random, { ...this.baseTimings });
      sim.regions = this.regions;
      sim.kms = this.kms;
      sim.observer = (event) => this.observeRdsEvent(region, event);
      this.regions.set(region, sim);
    }
    return sim;
  }

  private step(replica: string, kind: Step['kind'], text: string): void {
    this.onStep({ time: this.clock.now(), replica, kind, text });
  }

  /**
   * The IAM actions each function's code called, by function (`rds:DescribeDBInstances`, …): one per SDK command, as the
   * Service Authorization Reference names the action of each API operation. What its role is granted is compared with
   * this (test/scripts/sim/grants.test.ts).
   */
  public readonly actionsCalled = new Map<string, Set<string>>();

  private called(fn: string, service: string, command: string): void {
    let set = this.actionsCalled.get(fn);
    if (!set) this.actionsCalled.set(fn, (set = new Set()));
    set.add(`${service}:${command.replace(/Command$/, '')}`);
  }

  /** An RDS client of one function in one region, answered by the simulator (its calls recorded as the function's). */
  private simRdsClient(fn: string, region: string): ReturnType<typeof replicaRdsClient> {
    const client = retryWithoutDelay(replicaRdsClient(region, { credentials: SIM_CREDENTIALS }));
    answerFromSimulator(client, (command, input) => {
      this.called(fn, 'rds', command);
      // Fault crash-before-writer: the function dies (an error that is no AWS answer) as it is about to create the writer.
      const cluster = typeof input.DBClusterIdentifier === 'string' ? this.regions.get(region)?.clusters.clusters.get(input.DBClusterIdentifier.toLowerCase()) : undefined;
      if (this.crashBeforeWriter && fn === 'on-rds-event' && command === 'CreateDBInstanceCommand' && cluster && (cluster.DBClusterMembers ?? []).length === 0) {
        return Promise.reject(new Error("simulated crash: on-rds-event died between the cluster's restore and its writer's creation"));
      }
      const refused = this.refuseWhen?.(fn, command, input);
      if (refused) return Promise.reject(refused);
      const broken = this.breakWhen?.(fn, command, input);
      if (broken) return Promise.reject(new Error(`simulated failure: ${broken}`));
      return this.rdsCall(region, command, input);
    });
    return client;
  }

  /** A runtime for one function: the same handler and adapter code, with clients answered by the simulator. */
  private runtimeFor(fn: string): Runtime {
    return runtime(this.configSource, {
      clients: (cfg) => {
        const replicaRds = this.simRdsClient(fn, cfg.region);
        const sns = retryWithoutDelay(notifyClient(cfg.region, { credentials: SIM_CREDENTIALS }));
        answerFromSimulator(sns, (command, input) => (this.called(fn, 'sns', command), Promise.resolve(this.snsCall(command, input))));
        const dynamo = retryWithoutDelay(ledgerClient(cfg.region, { ...this.dynamo.transport, credentials: SIM_CREDENTIALS }));
        interceptCalls(dynamo, (command, _input, pass) => (this.called(fn, 'dynamodb', command), this.dynamoCall(command, pass)));
        const secrets = retryWithoutDelay(secretsClient(cfg.region, { credentials: SIM_CREDENTIALS }));
        answerFromSimulator(secrets, (command, input) => (this.called(fn, 'secretsmanager', command), this.secretsCall(command, input)));
        const ssm = retryWithoutDelay(parametersClient(cfg.region, { credentials: SIM_CREDENTIALS }));
        answerFromSimulator(ssm, (command, input) => (this.called(fn, 'ssm', command), this.ssmCall(command, input)));
        return { replicaRds, sns, dynamo, secrets, ssm };
      },
      now: this.clock.now,
      randomId: () => this.random.hex6(),
      telemetry: this.telemetry,
      ...(this.validator ? { validator: this.invoking(fn, this.validator) } : {}),
      ...(this.route53 ? { dns: this.dnsFor(fn) } : {}),
    });
  }

  /**
   * The SQL runner as one function reaches it: in AWS an Invoke of the pair's runner function (lambdas/validation/copy.ts),
   * whose IAM action is lambda:InvokeFunction, recorded as the caller's; the runner itself runs in process.
   */
  private invoking(fn: string, runner: SimValidator): CopyValidator {
    return {
      validate: (request) => (this.called(fn, 'lambda', 'InvokeFunctionCommand'), runner.validate(request)),
      runHooks: (request) => (this.called(fn, 'lambda', 'InvokeFunctionCommand'), runner.runHooks(request)),
    };
  }

  /** Route 53 as one function reaches it: the real adapter over a client answered by the simulated Route 53. */
  private dnsFor(fn: string): Route53Adapter {
    const client = retryWithoutDelay(route53Client({ credentials: SIM_CREDENTIALS }));
    answerFromSimulator(client, (command, input) => (this.called(fn, 'route53', command), this.route53!.handle(command, input)));
    return new Route53Adapter(client);
  }

  /**
   * The swap modes' validation function: validateCopy against the copy's real PostgreSQL, with the password read as
   * the deployed function reads it (its own Secrets Manager calls, recorded as validate-copy's).
   */
  private get validator(): SimValidator | undefined {
    if (!this.probes || !this.pairs.some((p) => p.refresh.mode !== 'delete-first' || p.staging !== undefined)) return undefined;
    if (!this.simValidator) {
      const secrets = retryWithoutDelay(secretsClient(this.config.region, { credentials: SIM_CREDENTIALS }));
      answerFromSimulator(secrets, (command, input) => (this.called('validate-copy', 'secretsmanager', command), this.secretsCall(command, input)));
      this.simValidator = new SimValidator({
        probes: this.probes,
        rds: this.rds,
        secrets: new SecretsAdapter(secrets),
        now: this.clock.now,
        breakHooks: () => this.hooksBroken,
        onHooks: (pairId, targetId, result) =>
          this.step(pairId, 'hooks', result.ok ? `staging hooks ran on ${targetId}: ${result.steps.map((st) => `${st.name} ${st.status}`).join(', ')}; clients get it from now: the downtime window ends` : `staging hooks FAILED on ${targetId}: ${result.error ?? 'a hook failed'}`),
        onValidation: (pairId, copyId, result) =>
          this.step(pairId, 'validation', result.ok ? `${copyId} passed its validation (${result.steps.map((st) => st.name).join(', ')})` : `${copyId} FAILED its validation: ${result.error ?? 'a check failed'}`),
      });
    }
    return this.simValidator;
  }

  /**
   * The copy function's configuration in each source region, as its stack would deploy it: the file of its pairs and
   * the environment naming its queue, topic and the project key of the replica region.
   */
  private copyConfigs(): Map<string, ConfigSource> {
    const out = new Map<string, ConfigSource>();
    const { account } = this.config;
    for (const region of new Set(this.pairs.filter((p) => this.copies(p)).map((p) => p.source.region))) {
      const pairs = this.pairs.filter((p) => this.copies(p) && p.source.region === region);
      // Without a configured key, y's stack creates one and hands its ARN to the copy function.
      const projectKeys = pairs.some((p) => !p.copy.replicaKmsKeyArn) ? [{ region: this.config.region, keyArn: this.replicaKeyArn }] : [];
      out.set(
        region,
        stageCopyConfig(
          {
            region,
            account,
            deferQueueUrl: `https://sqs.${region}.amazonaws.com/${account}/replica-refresh-copy-defer`,
            notificationTopicArn: `arn:aws:sns:${region}:${account}:replica-refresh-notifications`,
            pairs,
          },
          projectKeys,
          join(this.configDir, `copy-${region}`),
        ),
      );
    }
    return out;
  }

  /** The copy function's runtime: the real wiring, with clients answered by the simulator. */
  private copyRuntimeFor(source: ConfigSource, queue: SimQueue): CopyRuntime {
    return copyRuntime(source, {
      clients: (cfg) => {
        const sqs = retryWithoutDelay(queueClient(cfg.region, { credentials: SIM_CREDENTIALS }));
        answerFromSimulator(sqs, (command, input) => (this.called('copy-snapshot', 'sqs', command), Promise.resolve(queue.handle(command, input))));
        const sns = retryWithoutDelay(notifyClient(cfg.notificationTopicArn.split(':')[3] ?? cfg.region, { credentials: SIM_CREDENTIALS }));
        answerFromSimulator(sns, (command, input) => (this.called('copy-snapshot', 'sns', command), Promise.resolve(this.snsCall(command, input))));
        return {
          rds: (place) => {
            // One simulated account: a call signed with its credentials always reaches its own resources.
            requireHomeAccount({ account: cfg.account, region: cfg.region }, place, 'RDS');
            const rds = retryWithoutDelay(replicaRdsClient(place.region, { credentials: SIM_CREDENTIALS }));
            answerFromSimulator(rds, (command, input) => (this.called('copy-snapshot', 'rds', command), this.rdsCall(place.region, command, input)));
            return rds;
          },
          sqs,
          sns,
        };
      },
      now: this.clock.now,
      telemetry: this.telemetry,
    });
  }

  private async build(): Promise<void> {
    // The handler modules build a Lambda runtime when loaded; they read the same configuration.
    // (Only at their first load in this process: the simulation builds its own runtimes below.)
    process.env[CONFIG_FILE_ENV] ??= this.configSource.env[CONFIG_FILE_ENV];
    process.env[RESOURCES_ENV] ??= this.configSource.env[RESOURCES_ENV];
    const copyConfigs = this.copyConfigs();
    const firstCopy = [...copyConfigs.values()][0];
    if (firstCopy) {
      process.env[COPY_CONFIG_FILE_ENV] ??= firstCopy.env[COPY_CONFIG_FILE_ENV];
      process.env[COPY_RESOURCES_ENV] ??= firstCopy.env[COPY_RESOURCES_ENV];
    }
    const [{ createHandler: startHandler }, { createHandler: eventHandler }, { createHandler: watchdogHandler }, { createHandler: retentionHandler }] = await Promise.all([
      import('../../lambdas/handlers/start-refresh'),
      import('../../lambdas/handlers/on-rds-event'),
      import('../../lambdas/handlers/watchdog'),
      import('../../lambdas/handlers/retention'),
    ]);
    const toDlq = (letter: DeadLetter) => {
      this.deadLetters.push(letter);
      this.step('*', 'dead-letter', `${letter.function} failed all its attempts; the event went to its on-failure queue (${letter.error})`);
    };
    const observe = (inv: Invocation) => this.observeInvocation(inv);
    const start = startHandler(this.runtimeFor('start-refresh'));
    const events = eventHandler(this.runtimeFor('on-rds-event'));
    const dog = watchdogHandler(this.runtimeFor('watchdog'));
    // As the handler module wires it (withClusterCalls): the cluster calls on a client of their own, when a pair is Aurora.
    const retentionRuntime = this.runtimeFor('retention');
    const expire = retentionHandler({ ...retentionRuntime, deps: { ...retentionRuntime.deps, ...(this.pairs.some((p) => p.source.kind === 'cluster') ? { clusters: new RdsClusterAdapter(this.simRdsClient('retention', this.config.region)) } : {}) } });
    // Retry settings as the CDK app configures them: start-refresh, the watchdog and retention 0, on-rds-event 2.
    this.startRefresh = new SimLambda('start-refresh', this.clock, this.random, (e) => start(e), 0, toDlq, undefined, observe);
    this.onRdsEvent = new SimLambda('on-rds-event', this.clock, this.random, (e) => events(e), 2, toDlq, undefined, observe);
    this.watchdog = new SimLambda('watchdog', this.clock, this.random, (e) => dog(e), 0, toDlq, undefined, observe);
    this.retention = new SimLambda('retention', this.clock, this.random, (e) => expire(e), 0, toDlq, undefined, observe);
    this.eventsTopic.subscribe(this.onRdsEvent);

    if (firstCopy) {
      const { createHandler: copyHandler } = await import('../../lambdas/handlers/copy-snapshot');
      for (const [region, source] of copyConfigs) {
        const config = loadCopyRuntimeConfig(source);
        const queue = new SimQueue(`https://sqs.${region}.amazonaws.com/${config.account}/replica-refresh-copy-defer`, `arn:aws:sqs:${region}:${config.account}:replica-refresh-copy-defer`, this.clock, this.random, { visibilityTimeoutSeconds: 360, maxReceiveCount: 3 }, (message, error) =>
          toDlq({ function: 'copy-snapshot', time: this.clock.now(), event: message.body, error }),
        );
        const handler = copyHandler(this.copyRuntimeFor(source, queue));
        // EventBridge invokes asynchronously (two retries); the delay queue's event source mapping synchronously.
        const fn = new SimLambda('copy-snapshot', this.clock, this.random, (e) => handler(e), 2, toDlq, undefined, observe);
        queue.subscribe(fn);
        this.copyFunctions.set(region, { fn, queue, config });
        // The EventBridge rule in x's region: snapshot "creation" events of RDS go to the copy function.
        this.regionRds(region).eventBus.push((event) => {
          if (event.sourceType === 'db-snapshot' && event.category === 'creation') this.putSnapshotEvent(region, fn, event);
          // The cluster rule (SnapshotEvents' ClusterRule): a cluster snapshot created, automated 0169 or manual 0075.
          if (event.sourceType === 'db-cluster-snapshot' && CLUSTER_SNAPSHOT_CREATED_EVENTS.includes(event.eventId)) this.putSnapshotEvent(region, fn, event);
        });
      }
    }

    if (this.fullConfig.vault) {
      this.vault = await SimVault.create({
        clock: this.clock,
        dynamo: this.dynamo,
        full: this.fullConfig,
        runtime: this.config,
        runtimeEnv: this.configSource.env,
        regions: this.regions,
        kms: this.kms,
        projectKeyArn: this.replicaKeyArn,
        timings: this.baseTimings,
        telemetry: this.telemetry,
        configDir: this.configDir,
        called: (fn, service, command) => this.called(fn, service, command),
        productionRds: (region, command, input) => this.rdsCall(region, command, input),
        productionSns: (command, input) => this.snsCall(command, input),
        toDlq,
        observe,
        step: (replica, text) => this.step(replica, 'vault', text),
      });
    }

    for (const pair of this.pairs) this.seedPair(pair);
    this.createEventSubscription();
    this.startAlarms();
    this.scheduleNights();
  }

  /**
   * What CloudFormation does for the stack's AWS::RDS::EventSubscription: CreateEventSubscription with the synthesized
   * properties, once y exists. If RDS refuses (SourceNotFound for a listed y that does not exist), the deployment fails;
   * the simulation carries on without a subscription so that the functions meet what they would.
   */
  private createEventSubscription(): void {
    this.rds.subscriptionObserver = (sub, from) => this.observeSubscription(sub, from);
    // One per source type the stack defines (DB instances; Aurora clusters when a pair is one), to the same topic.
    for (const e of this.stack.eventPaths) this.createOneEventSubscription(e);
  }

  private createOneEventSubscription(e: ReplicaStackDefinition['eventPath']): void {
    try {
      this.rds.deploy('CreateEventSubscriptionCommand', {
        SubscriptionName: e.subscriptionName,
        SnsTopicArn: e.snsTopicArn,
        ...(e.sourceType ? { SourceType: e.sourceType } : {}),
        ...(e.sourceIds ? { SourceIds: e.sourceIds } : {}),
        ...(e.eventCategories ? { EventCategories: e.eventCategories } : {}),
        Enabled: e.enabled,
      });
    } catch (err) {
      this.subscriptionFailed(e.subscriptionName, err);
      return;
    }
    void this.rds.activateSubscription(e.subscriptionName);
  }

  private subscriptionFailed(name: string, err: unknown): void {
    const e = err as Error;
    this.eventSubscriptionError = `${e.name}: ${e.message}`;
    this.step('*', 'event-path', `CreateEventSubscription ${name} refused: ${this.eventSubscriptionError}: the stack would fail to deploy; its RDS events do not reach on-rds-event`);
  }

  private observeSubscription(sub: EventSubscriptionRecord, from: string): void {
    // Its creation is the deployment's, before the simulated nights: not narrated.
    if (from === 'creating' && sub.status === 'active' && this.clock.millis === this.start.getTime()) return;
    const last = sub.log.at(-1);
    const why = sub.status === 'no-permission' && last ? ` (RDS's publish of ${last.eventId} for ${last.sourceId} was denied: ${this.eventsTopic.denied.at(-1)?.action ?? '?'} ${this.eventsTopic.denied.at(-1)?.decision.result ?? ''})` : '';
    this.step('*', 'event-path', `event subscription ${sub.name}: ${from} → ${sub.status}${why}`);
  }

  /**
   * The project's CloudWatch alarms, from the synthesized Monitoring construct, on the metrics the functions emit, the
   * Lambda Errors metric of each function and the depth of each failure queue. Each alarm's action notifies the
   * notifications topic (PipelineMonitoring: one SnsAction on every alarm).
   */
  private startAlarms(): void {
    this.cloudwatch = new SimCloudWatch(this.clock, this.telemetry, this.stack.alarms, (t) => this.alarmChanged(t));
    for (const [fn, queue] of Object.entries(this.stack.failureQueues)) {
      // ApproximateNumberOfMessagesVisible: the messages in the queue; a dead letter stays until someone redrives it.
      this.cloudwatch.gauge('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: queue }, (t) => this.deadLetters.filter((d) => d.function === fn && d.time.getTime() <= t).length);
    }
    // SNS's deliveries to on-rds-event do not fail in the simulation: its dead-letter queue stays empty.
    this.cloudwatch.gauge('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: this.stack.deliveryDeadLetterQueue }, () => 0);
    this.cloudwatch.start();
  }

  /**
   * An alarm's or a contributor's state change: a line (`ALARM <name> replica=<id> (...)`), and the alarm action, a
   * message to the notifications topic. A contributor's message carries its id and attributes: CloudWatch sends
   * notifications at the alarm level and the contributor level of a Metrics Insights alarm, a contributor's "a
   * simplified state reason ... without the detailed state reason data block" ("Acting on alarm changes"); how its
   * SNS message names the contributor is not shown there, so the fields take the names of the AlarmContributor type.
   */
  private alarmChanged(t: AlarmTransition): void {
    const who = t.contributor ? ` ${Object.entries(t.contributor.attributes).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
    const replica = t.contributor?.attributes.replica ?? '*';
    if (t.to === 'ALARM') {
      this.alarms.push({ time: t.time, name: t.name, ...(t.contributor ? { contributor: t.contributor.attributes } : {}) });
      this.step(replica, 'alarm', `ALARM ${t.name}${who} (${t.reason})`);
    } else if (t.to === 'OK' && t.from === 'ALARM') {
      this.step(replica, 'alarm', `OK ${t.name}${who}`);
    } else {
      return;
    }
    // The alarm action: CloudWatch publishes the state change to the notifications topic.
    this.notifications.publish(
      JSON.stringify({
        AlarmName: t.name,
        NewStateValue: t.to,
        OldStateValue: t.from,
        NewStateReason: t.reason,
        StateChangeTime: t.time.toISOString(),
        ...(t.contributor ? { AlarmContributor: { ContributorId: t.contributor.id, ContributorAttributes: t.contributor.attributes } } : {}),
      }),
      `${t.to}: "${t.name}"${who} in ${this.config.region}`,
      { source: 'cloudwatch-alarm', ...(t.contributor?.attributes.replica ? { replica: t.contributor.attributes.replica } : {}) },
    );
  }

  private seedPair(pair: PairConfig): void {
    if (pair.replica.kind === 'cluster') {
      const src = this.regionRds(pair.source.region);
      seedClusterPair(pair, {
        start: this.start,
        source: src,
        replica: this.rds,
        sourceKeyArn: this.kms.create(src.region, 'sim-source-key', `${pair.source.identifier}-key`),
        copyKeyArn: this.copyKeyFor(pair),
        copied: this.copies(pair),
        sourcePassword: sourcePassword(pair),
        secrets: this.secrets,
        ssm: this.ssm,
        randomHex: () => this.random.hex6(),
      });
      return;
    }
    const e = this.engine;
    this.rds.subnetGroups.add('staging-private');
    this.rds.addParameterGroup(e.parameterGroup.name, e.engine, e.replicaVersion, e.parameterGroup.parameters);
    // staging.readOnly: the read-only group the deployment creates for the pair's family (infra/features/staging-safety.ts).
    const family = pair.staging?.readOnly ? pair.staging.parameterGroupFamily : undefined;
    const readOnly = family ? Object.entries(READ_ONLY_PARAMETERS).find(([prefix]) => family.startsWith(prefix))?.[1] : undefined;
    if (family && readOnly) this.rds.addParameterGroup(readOnlyParameterGroupName(family), e.engine, e.replicaVersion, { [readOnly.name]: readOnly.value });
    if (!e.optionGroup.startsWith('default:')) this.rds.addOptionGroup(e.optionGroup, e.engine, e.sourceVersion.split('.')[0] ?? '');
    if (pair.source.mode === 'backup-replication') {
      this.seedReplicatedPair(pair);
      // With a vault the project also copies x's automated snapshots into y's region (copiesSnapshots).
      if (this.copies(pair)) this.seedSourceWithCopies(pair);
    } else if (this.copies(pair)) this.seedCopiedPair(pair);
    else if (pair.source.region === pair.replica.region) this.seedSameRegionPair(pair);
    else {
      // Something else copies x's snapshots into the replica region (copy.enabled false): the copies of the last three
      // days are already there; y holds the oldest.
      const copies = [2, 1, 0].map((daysAgo) => this.copyFor(pair, new Date(this.start.getTime() - daysAgo * DAY)));
      for (const c of copies) {
        const snap = this.rds.arriveCopy(c);
        snap.Status = 'available';
        snap.PercentProgress = 100;
      }
      const oldest = copies[0]!;
      this.rds.instances.set(pair.replica.identifier, initialReplica(this.rds, pair, { snapshotId: oldest.id, dataTime: oldest.dataTime }, e));
    }
    this.seedReplicaAccess(pair);
    this.seedDnsRecord(pair);
  }

  /**
   * A dns-switch pair's record, as its owner set it up before adopting the mode: a CNAME in the pair's private
   * hosted zone pointing at y's endpoint (the first refresh moves it to <y>-a). The zone itself was created with the
   * simulation; this change is the account's setup, not a call of the functions.
   */
  private seedDnsRecord(pair: PairConfig): void {
    if (pair.refresh.mode !== 'dns-switch' || !this.route53) return;
    const address = this.rds.instances.get(pair.replica.identifier)?.Endpoint?.Address;
    if (!address) return;
    const { dns } = pair.refresh;
    void this.route53.handle('ChangeResourceRecordSetsCommand', {
      HostedZoneId: dns.hostedZoneId,
      ChangeBatch: { Comment: 'set up by the account owner', Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: dns.recordName, Type: 'CNAME', TTL: dns.ttlSeconds, ResourceRecords: [{ Value: address }] } }] },
    });
  }

  /**
   * What y had besides its settings: master credentials as the pair's mode left them after the last refresh (the
   * pair's secret, an RDS-managed secret with its ARN published, or x's), and, when config lists them, an associated
   * IAM role per ARN and RDS Proxies targeting y.
   */
  private seedReplicaAccess(pair: PairConfig): void {
    const y = this.rds.instances.get(pair.replica.identifier);
    if (!y) return;
    const creds = pair.credentials;
    if (creds.mode === 'secret') {
      const staging = `staging-${pair.replica.identifier}-Pw2`;
      try {
        this.secrets.adopt(creds.secretArn, JSON.stringify({ username: this.engine.masterUsername, [creds.passwordKey]: staging }));
      } catch {
        // A secret of another region or account: the functions will not find it, as in AWS.
      }
      this.rds.seedPassword(y, staging);
    } else if (creds.mode === 'managed') {
      const password = `staging-managed-${this.random.hex6()}`;
      const secret = this.secrets.create(`rds!db-seed-${pair.replica.identifier}`, JSON.stringify({ username: this.engine.masterUsername, password }), { owningService: 'rds', ...(creds.kmsKeyId ? { kmsKeyId: creds.kmsKeyId } : {}) });
      y.MasterUserSecret = { SecretArn: secret.arn, SecretStatus: 'active', KmsKeyId: secret.kmsKeyId };
      this.rds.seedPassword(y, password);
      const name = managedSecretParameter(pair);
      if (name) void this.ssm.handle('PutParameterCommand', { Name: name, Value: secret.arn, Type: 'String', Overwrite: true });
    } else {
      this.rds.seedPassword(y, sourcePassword(pair));
    }
    if (pair.associatedRoleArns?.length && this.engine.roleFeature) {
      // One feature per role at most (DBInstanceRoleAlreadyExists otherwise): the first role gets the engine's S3 feature.
      const features = this.engine.family === 'postgres' ? ['s3Import', 's3Export', 'Lambda'] : [this.engine.roleFeature];
      y.AssociatedRoles = pair.associatedRoleArns.slice(0, features.length).map((roleArn, i) => ({ RoleArn: roleArn, FeatureName: features[i], Status: 'ACTIVE' }));
    }
    if (this.engine.proxyEngineFamily) {
      (pair.rdsProxyArns ?? []).forEach((proxyArn, i) => this.rds.seedProxy(`${pair.replica.identifier}-proxy${i ? `-${i + 1}` : ''}`, proxyArn, this.engine.proxyEngineFamily!, [pair.replica.identifier]));
    }
  }

  /**
   * x's automated backups replicating into the replica region (a week of restore window, a lag of one to five
   * minutes, encrypted with the replica key); y was restored from them a day ago.
   */
  private seedReplicatedPair(pair: PairConfig): void {
    const x = pair.source.identifier;
    const e = this.engine;
    const arn = `arn:aws:rds:${this.rds.region}:${this.rds.account}:auto-backup:ab-${`${x}sim`.replace(/[^a-z0-9]/g, '').padEnd(26, '0').slice(0, 26)}`;
    this.rds.replicatedBackups.set(arn, {
      backup: {
        DBInstanceAutomatedBackupsArn: arn,
        DBInstanceArn: `arn:aws:rds:${pair.source.region}:${this.rds.account}:db:${x}`,
        DBInstanceIdentifier: x,
        DbiResourceId: pair.source.dbiResourceId ?? SOURCE_DBI_RESOURCE_ID,
        Region: pair.source.region,
        Status: 'replicating',
        RestoreWindow: { EarliestTime: new Date(this.start.getTime() - 7 * DAY) },
        Engine: e.engine,
        EngineVersion: e.sourceVersion,
        AllocatedStorage: 200,
        Port: e.defaultPort,
        StorageType: 'gp3',
        MasterUsername: e.masterUsername,
        LicenseModel: e.licenseModel,
        Encrypted: true,
        KmsKeyId: pair.backupReplication.kmsKeyArn ?? this.replicaKeyArn,
        BackupRetentionPeriod: pair.backupReplication.retentionDays,
      },
      lagSeconds: Math.round(this.random.duration(uniform(60, 300)) / 1000),
      masterPassword: sourcePassword(pair),
    });
    const dataTime = new Date(this.start.getTime() - DAY + 3 * 3_600_000);
    this.rds.instances.set(pair.replica.identifier, initialReplica(this.rds, pair, { snapshotId: `${x}@${dataTime.toISOString()}`, dataTime }, e));
  }

  /** The key a pair's copies are encrypted with: the configured one, or the one y's stack creates. */
  private copyKeyFor(pair: PairConfig): string {
    return pair.copy.replicaKmsKeyArn ?? this.replicaKeyArn;
  }

  /**
   * x in its region with the automated snapshots of the last three days; their copies in the replica
   * region, as the pipeline made them (owned, re-encrypted with the replica key); y holds the oldest.
   */
  private seedCopiedPair(pair: PairConfig): void {
    const oldest = this.seedSourceWithCopies(pair)[0]!;
    this.rds.instances.set(pair.replica.identifier, initialReplica(this.rds, pair, { snapshotId: oldest.DBSnapshotIdentifier ?? '', dataTime: oldest.OriginalSnapshotCreateTime ?? this.start }, this.engine));
  }

  /**
   * x in its region with its automated snapshots of the last three days (RDS takes one a day in the backup window;
   * they are named `rds:<x>-<time>`), oldest first.
   */
  private seedSource(pair: PairConfig): DBSnapshot[] {
    const src = this.regionRds(pair.source.region);
    const x = pair.source.identifier;
    if (!src.instances.has(x)) {
      const db = sourceInstance(src, pair, this.kms.create(src.region, 'sim-source-key', `${x}-key`), this.engine);
      src.instances.set(x, db);
      src.seedPassword(db, sourcePassword(pair));
    }
    return [2, 1, 0].map((daysAgo) => {
      const at = backupTime(new Date(this.start.getTime() - daysAgo * DAY));
      const id = `rds:${x}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
      return src.snapshots.get(id) ?? src.seedSnapshot(x, id, 'automated', at);
    });
  }

  /** {@link seedSource}, and the copies the pipeline made of each snapshot in y's region (owned, under the copy key), oldest first. */
  private seedSourceWithCopies(pair: PairConfig): DBSnapshot[] {
    const src = this.regionRds(pair.source.region);
    return this.seedSource(pair).map((source) =>
      this.rds.seedCopy(source, src.region, copyTargetOf(pair, source.DBSnapshotIdentifier ?? ''), this.copyKeyFor(pair), [
        { Key: pair.ownershipTag.key, Value: pair.ownershipTag.value },
        { Key: COPY_TAGS.source, Value: source.DBSnapshotArn ?? '' },
      ]),
    );
  }

  /**
   * x and y in one region, nothing copied: y is restored from x's own automated snapshots, which are already there
   * (snapshotTypes "automated"); y holds the oldest.
   */
  private seedSameRegionPair(pair: PairConfig): void {
    const oldest = this.seedSource(pair)[0]!;
    this.rds.instances.set(pair.replica.identifier, initialReplica(this.rds, pair, { snapshotId: oldest.DBSnapshotIdentifier ?? '', dataTime: oldest.OriginalSnapshotCreateTime ?? this.start }, this.engine));
  }

  /** The copy of x's nightly automated snapshot taken on `day` (at 00:10 UTC), for pairs the project does not copy for. */
  private copyFor(pair: PairConfig, day: Date) {
    const dataTime = backupTime(day);
    const stamp = dataTime.toISOString().slice(0, 16).replace(/[T:]/g, '-');
    return {
      id: `${pair.source.identifier}-${stamp}`,
      sourceInstanceId: pair.source.identifier,
      sourceDbiResourceId: pair.source.dbiResourceId ?? SOURCE_DBI_RESOURCE_ID,
      sourceRegion: pair.source.region,
      sourceSnapshotId: `rds:${pair.source.identifier}-${stamp}`,
      dataTime,
      engine: this.engine.engine,
      engineVersion: this.engine.sourceVersion,
      allocatedStorage: 200,
      port: this.engine.defaultPort,
      kmsKeyId: this.replicaKeyArn,
      storageType: 'gp3',
      licenseModel: this.engine.licenseModel,
      instanceClass: this.engine.sourceClass,
      masterUsername: this.engine.masterUsername,
      masterPassword: sourcePassword(pair),
    };
  }

  /** Arms the faults of a night (1-based) at its start, and disarms them at its end. */
  private faultsFor(night: number): FaultName[] {
    return this.faults.filter((f) => f.night === undefined || f.night === night).map((f) => f.name);
  }

  private scheduleNights(): void {
    // Nights are counted from the start (midday): night n runs from start + (n-1) days to start + n days.
    for (let n = 1; n <= 366; n++) {
      const from = this.start.getTime() + (n - 1) * DAY;
      this.clock.at(from, `night ${n} begins`, () => this.beginNight(n, from));
    }
    const repeat = (label: string, everyMinutes: number, fire: () => void) => {
      const every = everyMinutes * 60_000;
      const tick = (at: number) =>
        this.clock.at(at, label, () => {
          fire();
          tick(at + every);
        });
      tick(Math.ceil(this.start.getTime() / every) * every);
    };
    repeat('watchdog schedule', this.fullConfig.watchdogIntervalMinutes, () => this.watchdog.invokeAsync({ trigger: 'watchdog' }));
    for (const { fn, config } of this.copyFunctions.values()) {
      repeat('copy sweep schedule', Math.min(...config.pairs.map((p) => p.copy.sweepIntervalMinutes)), () => fn.invokeAsync({ trigger: 'sweep' }));
    }
  }

  private beginNight(night: number, from: number): void {
    const faults = this.faultsFor(night);
    for (const sim of this.regions.values()) sim.timings = { ...this.baseTimings };
    this.rds.faults = {
      throttleRate: 0,
      restoreCapacityFailures: faults.includes('restore-capacity-persistent') ? 1_000 : faults.includes('restore-capacity') ? 2 : 0,
      // The night starts at 12:00 UTC, its refresh at 02:00 UTC; the shortage lasts until 01:00 UTC the night after.
      ...(faults.includes('capacity-outage') ? { restoreCapacityUntil: from + 37 * 3_600_000 } : this.rds.faults.restoreCapacityUntil !== undefined ? { restoreCapacityUntil: this.rds.faults.restoreCapacityUntil } : {}),
      dropDeletionEvents: faults.includes('lost-deletion-event'),
      restoreEndsIncompatible: faults.includes('fail-after-restore'),
    };
    this.eventsTopic.faults = { copies: faults.includes('duplicate-events') ? 3 : 1, reorderSeconds: faults.includes('reorder-events') ? 600 : 0 };
    this.crashArmed = faults.includes('crash-after-delete');
    this.crashBeforeWriter = faults.includes('crash-before-writer');
    this.emptyCopiesSince = faults.includes('validation-fails') ? from : undefined;
    this.hooksBroken = faults.includes('hook-fails');
    this.onRdsEvent.failWhen = faults.includes('on-event-fails') ? () => 'simulated crash of on-rds-event' : undefined;
    this.lostSnapshotEvents = faults.includes('lost-snapshot-events');
    for (const e of this.rds.replicatedBackups.values()) e.frozenAt = faults.includes('replication-stalled') ? new Date(from - 2 * 3_600_000) : undefined;
    this.rds.crossRegionCopyLimit = faults.includes('copy-quota-5') ? 5 : this.copyLimit;
    // Tonight's copies into the replica region take 3 hours.
    if (faults.includes('newest-copying')) this.rds.timings = { ...this.baseTimings, copy: fixed(3 * 3600) };
    for (const f of faults) this.step('*', 'fault', `night ${night}: ${f}: ${FAULTS[f]}`);
    // From this night on (it stays broken): the topic policy as someone edited it, without the statement for RDS.
    if (faults.includes('dead-event-path')) this.eventsTopic.policy = withoutServicePrincipal(this.eventsTopic.policy, RDS_EVENTS_PRINCIPAL);
    if (faults.includes('copy-quota-5')) {
      // Five copies of another instance fill the account's in-flight copies from 00:00 to 00:50 UTC.
      this.clock.at(from + 12 * 3_600_000, 'copies of another instance', () => {
        for (let i = 1; i <= 5; i++) {
          this.rds.arriveCopy(
            { id: `billing-prod-night-${night}-${i}`, sourceInstanceId: 'billing-prod', sourceDbiResourceId: 'db-SIMBILLINGPROD00000000001', sourceRegion: 'us-east-1', sourceSnapshotId: `rds:billing-prod-night-${night}-${i}`, dataTime: this.clock.now(), engine: 'mysql', allocatedStorage: 500, port: 3306 },
            fixed(50 * 60),
          );
        }
      });
    }

    // The retention schedules as RetentionSchedules deploys them: one per retention cron and zone, naming its pairs.
    const expiring = this.pairs.filter((p) => this.copies(p) && p.copy.retention.enabled);
    for (const group of retentionGroups(expiring.map((p) => ({ replicaId: p.id, cron: p.copy.retention.cron, timeZone: scheduleTimeZone(this.fullConfig, p) })))) {
      const at = nextFire(group.cron, group.timeZone, new Date(from));
      // The schedule's flexible window: any time in the quarter hour after the cron time.
      if (at.getTime() < from + DAY) {
        this.clock.at(at.getTime() + this.random.duration(uniform(0, 15 * 60)), `retention ${group.cron} ${group.timeZone}`, () => this.retention.invokeAsync({ trigger: 'retention', replicas: [...group.replicaIds] }));
      }
    }

    for (const pair of this.pairs) {
      const y = pair.replica.identifier;
      const fire = nextFire(pair.schedule.cron, scheduleTimeZone(this.fullConfig, pair), new Date(from));
      // x's nightly automated snapshot where the project copies it or, x and y in one region, restores y from it.
      if (this.copies(pair) || (pair.source.mode === 'snapshot-copy' && pair.source.region === pair.replica.region)) this.beginCopyNight(pair, from, faults);
      else if (pair.source.mode === 'snapshot-copy') this.scriptCopy(pair, from, fire, faults);

      if (faults.includes('throttle')) {
        // Throttled from 10 minutes before the refresh for 2 hours. The SDK retries each throttled call as against AWS, as often,
        // but without its real-time backoff (retryWithoutDelay in middleware.ts): the virtual clock never counted those waits.
        this.clock.at(fire.getTime() - 10 * 60_000, 'throttling on', () => void (this.rds.faults.throttleRate = 0.3));
        this.clock.at(fire.getTime() + 2 * 3_600_000, 'throttling off', () => void (this.rds.faults.throttleRate = 0));
      }
      if (fire.getTime() < from + DAY && pair.schedule.enabled) {
        // What clients see of the refresh: the probe runs from a minute before it until a minute after its run closes.
        if (this.probing) this.probes?.open(pair, new Date(fire.getTime() - PROBE_MARGIN_MS));
        this.clock.at(fire, `schedule ${y}`, () => {
          this.step(y, 'schedule', 'schedule fired: start-refresh invoked');
          this.startRefresh.invokeAsync({ replica: pair.id, trigger: 'schedule', requestId: `sim-exec-${night}-${y}`, scheduledTime: fire.toISOString() });
        });
        if (faults.includes('second-start')) {
          this.clock.at(fire.getTime() + 10 * 60_000, `drill ${y}`, async () => {
            this.step(y, 'drill', 'a drill is started while the nightly run is active');
            await this.startRefresh.invoke({ replica: pair.id, trigger: 'drill' }).catch(() => undefined);
          });
        }
      }
      if (faults.includes('manual-deletion')) {
        this.clock.at(from + 2 * 3_600_000, `manual deletion ${y}`, () => {
          try {
            if (this.rds.deleteByHand(y)) this.step(y, 'fault', `someone deletes ${y} by hand`);
            else this.step(y, 'fault', `someone would delete ${y} by hand, but it is not there (or already being deleted)`);
          } catch (err) {
            // RDS refuses a delete in some states (creating, modifying, ...): the person gives up.
            this.step(y, 'fault', `someone tries to delete ${y} by hand and RDS refuses: ${err instanceof Error ? err.message : String(err)}`);
          }
        });
      }
    }
  }

  /** For pairs whose copies something else makes: tonight's copy simply arrives in the replica region. */
  private scriptCopy(pair: PairConfig, from: number, fire: Date, faults: FaultName[]): void {
    const y = pair.replica.identifier;
    const copy = this.copyFor(pair, new Date(from + DAY));
    if (faults.includes('no-snapshot')) {
      for (const [id, s] of this.rds.snapshots) if (s.DBInstanceIdentifier === pair.source.identifier) this.rds.snapshots.delete(id);
      this.skipCopy.add(copy.id);
    }
    // Normally the copy lands well before the refresh; with newest-copying it starts 10 minutes before and takes 3 hours.
    const slow = faults.includes('newest-copying');
    const copyStart = slow ? fire.getTime() - 10 * 60_000 : copy.dataTime.getTime() + 30 * 60_000;
    this.clock.at(copyStart, `copy ${copy.id}`, () => {
      if (this.skipCopy.has(copy.id)) return;
      this.rds.arriveCopy(copy, slow ? fixed(3 * 3600) : undefined);
      this.step(y, 'snapshot', `copy ${copy.id} of x's snapshot is arriving in ${this.config.region}`);
    });
  }

  /**
   * For pairs the project copies for: x's automated backup at 00:10 UTC in x's region, from which the
   * copy pipeline takes over; the extra snapshots on their schedule (retention is scheduled per group, in beginNight).
   */
  private beginCopyNight(pair: PairConfig, from: number, faults: FaultName[]): void {
    const src = this.regionRds(pair.source.region);
    const x = pair.source.identifier;
    const zone = scheduleTimeZone(this.fullConfig, pair);
    if (faults.includes('no-snapshot')) {
      for (const [id, s] of this.rds.snapshots) if (s.DBInstanceIdentifier === x) this.rds.snapshots.delete(id);
      for (const [id, s] of src.snapshots) if (s.DBInstanceIdentifier === x) src.snapshots.delete(id);
    } else {
      this.clock.at(backupTime(new Date(from + DAY)), `automated snapshot of ${x}`, () => void (pair.source.kind === 'cluster' ? src.clusters.takeAutomatedClusterSnapshot(x) : src.takeAutomatedSnapshot(x)));
    }
    const extra = this.copies(pair) ? pair.copy.extraSnapshots : undefined;
    const copyFn = this.copyFunctions.get(pair.source.region)?.fn;
    if (extra && copyFn) {
      const extraZone = extra.timeZone ?? zone;
      for (let at = nextFire(extra.cron, extraZone, new Date(from)); at.getTime() < from + DAY; at = nextFire(extra.cron, extraZone, at)) {
        const scheduledTime = at.toISOString();
        this.clock.at(at, `extra snapshot ${x}`, () => copyFn.invokeAsync({ trigger: 'extra-snapshot', replica: pair.id, scheduledTime }));
      }
    }
  }

  // ---- the boundary: calls the handlers make ---------------------------------------------------

  private async rdsCall(region: string, command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const sim = this.regions.get(region);
    if (!sim) throw new Error(`the simulation has no RDS in ${region}`);
    let out: Record<string, unknown>;
    try {
      out = await sim.handle(command, input);
    } catch (err) {
      // RDS refusing a request the functions sent (not a throttle, a busy instance or a missing resource) is what the
      // simulation is for: say which request and why.
      const e = err as Error;
      const expected = ['Throttling', 'InvalidDBInstanceStateFault', 'DBInstanceNotFoundFault', 'DBSnapshotNotFoundFault', 'SubscriptionNotFoundFault', 'DBInstanceAlreadyExistsFault', 'InsufficientDBInstanceCapacityFault', 'DBProxyTargetAlreadyRegisteredFault', 'DBInstanceRoleAlreadyExistsFault', 'SnapshotQuotaExceededFault', 'DBSnapshotAlreadyExistsFault', 'DBClusterNotFoundFault', 'DBClusterSnapshotNotFoundFault', 'DBClusterAlreadyExistsFault', 'DBClusterSnapshotAlreadyExistsFault', 'InvalidDBClusterStateFault'];
      if (!expected.includes(e.name)) {
        const id = text(input.DBInstanceIdentifier ?? input.DBClusterIdentifier ?? input.TargetDBInstanceIdentifier ?? input.DBProxyName ?? input.SubscriptionName ?? '*');
        const sent = Object.keys(input).filter((k) => !['DBInstanceIdentifier', 'DBClusterIdentifier', 'ApplyImmediately'].includes(k));
        this.step(id, 'rejected', `RDS rejected ${command.replace(/Command$/, '')} (${sent.join(', ')}): ${e.name}: ${e.message}`);
      }
      throw err;
    }
    if (sim !== this.rds) return out;
    const id = (input.DBInstanceIdentifier as string | undefined) ?? '';
    if (command === 'DeleteDBInstanceCommand') {
      const isY = this.pairs.some((p) => p.replica.identifier === id);
      // An Aurora y's members are deleted before its cluster (the cluster target's gateway).
      const member = this.rds.instances.get(id)?.DBClusterIdentifier;
      const what = isY ? ': y stops serving' : member ? ` (a member of cluster ${member}, deleted before it)` : ' (an instance a swap mode ran beside y)';
      this.step(id, 'delete', `DeleteDBInstance ${id} accepted${what}`);
      if (this.crashArmed) this.crashPending = true;
    }
    if (command === 'RestoreDBInstanceFromDBSnapshotCommand') this.step(id, 'restore', `RestoreDBInstanceFromDBSnapshot ${id} from ${String(input.DBSnapshotIdentifier)} accepted`);
    if (command === 'RestoreDBInstanceToPointInTimeCommand') {
      const target = String(input.TargetDBInstanceIdentifier);
      this.step(target, 'restore', `RestoreDBInstanceToPointInTime ${target} to ${(input.RestoreTime as Date | undefined)?.toISOString() ?? 'the latest restorable time'} accepted (x's replicated backups)`);
    }
    if (command === 'ModifyDBInstanceCommand' && input.NewDBInstanceIdentifier !== undefined) {
      this.step(id, 'switch', `ModifyDBInstance ${id} → ${text(input.NewDBInstanceIdentifier)} accepted: renaming (the new name resolves in about 10 minutes, then the instance reboots)`);
    } else if (command === 'ModifyDBInstanceCommand' && input.DeletionProtection === undefined) {
      // Setting names only: a password never reaches the narration.
      const keys = Object.keys(input).filter((k) => !['DBInstanceIdentifier', 'ApplyImmediately'].includes(k));
      const credentials = keys.some((k) => k === 'MasterUserPassword' || k === 'ManageMasterUserPassword');
      this.step(id, credentials ? 'credentials' : 'modify', `post-restore ModifyDBInstance applied (${keys.join(', ')})`);
    }
    if (command === 'AddRoleToDBInstanceCommand') this.step(id, 'modify', `AddRoleToDBInstance ${String(input.RoleArn)} (${String(input.FeatureName)}) accepted`);
    if (command === 'RegisterDBProxyTargetsCommand') this.step(((input.DBInstanceIdentifiers as string[] | undefined) ?? [])[0] ?? '*', 'modify', `RegisterDBProxyTargets ${String(input.DBProxyName)} accepted`);
    return out;
  }

  private async secretsCall(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.secrets.handle(command, input);
  }

  private async ssmCall(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out = await this.ssm.handle(command, input);
    if (command === 'PutParameterCommand') this.step('*', 'credentials', `SSM parameter ${String(input.Name)} set to ${String(input.Value)}`);
    return out;
  }

  private snsCall(command: string, input: Record<string, unknown>): Record<string, unknown> {
    if (command !== 'PublishCommand') throw new Error(`the simulated SNS does not implement ${command}`);
    const attrs = Object.fromEntries(Object.entries((input.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>).map(([k, v]) => [k, v.StringValue ?? '']));
    const id = this.notifications.publish((input.Message as string | undefined) ?? '', input.Subject as string | undefined, attrs);
    const replica = attrs.replica ?? '*';
    const kind = attrs.kind ?? '';
    if (kind === 'refresh.succeeded' || kind === 'refresh.failed') this.step(replica, 'closed', `run closed, notification sent: ${String(input.Subject)}`);
    // A run that closed or was refused ends the probe's window over it (a refusal left y serving: its figure is the proof).
    if ((kind === 'refresh.succeeded' || kind === 'refresh.failed' || kind === 'refresh.refused') && attrs.runId) this.probes?.close(replica, attrs.runId);
    else this.step(replica, 'alert', `alert sent: ${String(input.Subject)}`);
    return { MessageId: id };
  }

  private async dynamoCall(command: string, pass: () => Promise<unknown>): Promise<unknown> {
    if (this.crashPending && (command === 'UpdateItemCommand' || command === 'UpdateCommand')) {
      this.crashPending = false;
      this.crashArmed = false;
      throw new Error('simulated crash: start-refresh died after DeleteDBInstance, before recording it');
    }
    return pass();
  }

  /** EventBridge in x's region: an RDS snapshot event, as the default bus delivers it to the copy function's rule. */
  private putSnapshotEvent(region: string, fn: SimLambda, event: EmittedEvent): void {
    if (this.lostSnapshotEvents) return;
    const strip = this.snapshotEventIds === 'without-prefix' || (this.snapshotEventIds === 'either' && this.random.chance(0.5));
    fn.invokeAsync({
      version: '0',
      id: `sim-eb-${++this.eventSeq}`,
      'detail-type': event.sourceType === 'db-cluster-snapshot' ? 'RDS DB Cluster Snapshot Event' : 'RDS DB Snapshot Event',
      source: 'aws.rds',
      account: this.config.account,
      time: event.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: [event.sourceArn],
      detail: {
        EventCategories: [event.category],
        SourceType: event.sourceType === 'db-cluster-snapshot' ? 'CLUSTER_SNAPSHOT' : 'SNAPSHOT',
        SourceArn: event.sourceArn,
        Date: event.time.toISOString(),
        Message: event.message,
        SourceIdentifier: strip ? event.sourceId.replace(/^rds:/, '') : event.sourceId,
        EventID: event.eventId,
      },
    });
  }

  private observeRdsEvent(region: string, event: EmittedEvent): void {
    if (event.sourceType === 'db-snapshot') {
      this.observeSnapshotEvent(region, event);
      return;
    }
    if (region !== this.config.region) return;
    if (event.sourceType === 'db-cluster') {
      if (event.eventId === 'RDS-EVENT-0171') this.step(event.sourceId, 'deleted', `cluster ${event.sourceId} deleted (RDS-EVENT-0171${this.rds.faults.dropDeletionEvents ? ', event lost' : ''})`);
      if (event.eventId === 'RDS-EVENT-0170') this.step(event.sourceId, 'available', `cluster ${event.sourceId} created, no instance yet: its endpoints wait for a writer (RDS-EVENT-0170)`);
      return;
    }
    if (event.eventId === 'RDS-EVENT-0005' && this.rds.instances.get(event.sourceId)?.DBClusterIdentifier) {
      this.step(event.sourceId, 'usable', `${event.sourceId} created in cluster ${this.rds.instances.get(event.sourceId)?.DBClusterIdentifier ?? '?'} (RDS-EVENT-0005)`);
    }
    if (event.eventId === 'RDS-EVENT-0003') this.step(event.sourceId, 'deleted', `${event.sourceId} deleted (RDS-EVENT-0003${this.rds.faults.dropDeletionEvents ? ', event lost' : ''})`);
    if (event.eventId === 'RDS-EVENT-0043' || event.eventId === 'RDS-EVENT-0019') {
      // The narration says what the report measures: the window ends when clients get y (after its staging hooks, or at a swap's switch).
      const pair = this.pairs.find((p) => p.replica.identifier === event.sourceId);
      const what = !pair ? 'restored beside y, not serving clients yet' : (pair.staging?.hooks.afterRestore.length ?? 0) > 0 ? 'restored, kept isolated until its staging hooks pass' : 'restored and serving: the downtime window ends';
      this.step(event.sourceId, 'usable', `${event.sourceId} ${what} (backing-up; ${event.eventId})`);
    }
    if (event.eventId === 'RDS-EVENT-0002') this.step(event.sourceId, 'available', `${event.sourceId} available (baseline backup finished)`);
  }

  private observeSnapshotEvent(region: string, event: EmittedEvent): void {
    const snap: DBSnapshot | undefined = this.regions.get(region)?.snapshots.get(event.sourceId);
    const pair = snap && this.pairs.find((p) => this.copies(p) && p.source.identifier === snap.DBInstanceIdentifier);
    if (!snap || !pair) return;
    const y = pair.replica.identifier;
    if (region === pair.source.region && (event.eventId === 'RDS-EVENT-0091' || event.eventId === 'RDS-EVENT-0042')) {
      this.step(y, 'source-snapshot', `${snap.SnapshotType} snapshot ${event.sourceId} of ${pair.source.identifier} available in ${region} (${event.eventId})`);
    }
    if (region === pair.replica.region && event.eventId === 'RDS-EVENT-0060') {
      this.step(y, 'copy', `copy ${event.sourceId} available in ${region} (RDS-EVENT-0060), encrypted with ${snap.KmsKeyId?.split(':').pop() ?? 'no key'}`);
    }
  }

  private observeInvocation(inv: Invocation): void {
    // Lambda's Errors metric: "The number of invocations that result in a function error" (Lambda Developer Guide,
    // "Types of metrics for Lambda functions"), per function name.
    this.telemetry.put('AWS/Lambda', 'Errors', inv.outcome === 'error' ? 1 : 0, { FunctionName: inv.function }, inv.time);
    // Invocations: "The number of times that your function code is invoked, including successful invocations and
    // invocations that result in a function error" (same page).
    this.telemetry.put('AWS/Lambda', 'Invocations', 1, { FunctionName: inv.function }, inv.time);
    if (inv.outcome === 'error') {
      this.step('*', 'error', `${inv.function} attempt ${inv.attempt} failed: ${inv.error}`);
      return;
    }
    if (inv.function === 'start-refresh') {
      const r = inv.result as { outcome: string; reason?: string; snapshot?: { id: string; dataTime?: string }; runId?: string; healsRunId?: string };
      const replica = (inv.event as { replica?: string }).replica ?? '*';
      if ((inv.event as { trigger?: string }).trigger === 'schedule' && r.runId) this.probes?.bind(replica, r.runId);
      if (r.outcome === 'started') this.step(replica, 'preflight', `start-refresh done: preflight passed, y's settings captured, run ${r.runId} restores from ${r.snapshot?.id} (data from ${r.snapshot?.dataTime ?? '?'})`);
      else if (r.outcome === 'healing') this.step(replica, 'preflight', `start-refresh done: ${replica} was missing after run ${r.healsRunId ?? '?'}, which deleted it; heal run ${r.runId} restores it`);
      else this.step(replica, 'preflight', `start-refresh done: ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`);
    }
    if (inv.function === 'watchdog') {
      for (const o of (inv.result as { replica: string; action: string }[]) ?? []) {
        if (o.action.startsWith('event-path:')) {
          // The watchdog reports the event path on every pass: narrated when its finding changes.
          // The watchdog reports each subscription (a cluster subscription's finding names it): narrated per subscription.
          const which = /\(([^)]+)\)$/.exec(o.action)?.[1] ?? '';
          const last = this.lastEventPathFinding.get(which);
          const healthy = o.action.startsWith('event-path:ok');
          if (o.action !== last && (!healthy || last !== undefined)) this.step(o.replica, 'watchdog', `watchdog: ${o.action}`);
          this.lastEventPathFinding.set(which, o.action);
        } else if (o.action !== 'idle' && !o.action.startsWith('waiting:')) this.step(o.replica, 'watchdog', `watchdog: ${o.action}`);
      }
    }
    if (inv.function === 'copy-snapshot') for (const o of (inv.result as CopyInvocationOutcome[] | undefined) ?? []) this.narrateCopy(o);
    if (inv.function === 'retention') {
      for (const p of (inv.result as RetentionPass[] | undefined) ?? []) {
        this.step(p.replica, 'retention', `retention pass: ${p.deleted.length > 0 ? `deleted ${p.deleted.join(', ')}` : 'nothing expired'}; kept ${p.kept}${p.skipped.length > 0 ? `; skipped ${p.skipped.join(', ')}` : ''}`);
      }
    }
  }

  private narrateCopy(o: CopyInvocationOutcome): void {
    const y = o.replica ?? '*';
    const out = o.outcome;
    const copyApi = this.pairs.find((p) => p.id === o.replica)?.source.kind === 'cluster' ? 'CopyDBClusterSnapshot' : 'CopyDBSnapshot';
    if (out.action === 'copied') this.step(y, 'copy', `copy-snapshot: ${copyApi} ${o.snapshotId ?? '?'} → ${out.targetId} in ${this.config.region} started`);
    // A refusal by RDS reads "RetryableRdsError: CopyDBSnapshot <arn> to <id>: <fault>: <message>": the fault says enough.
    if (out.action === 'defer') this.step(y, 'copy', `copy-snapshot: ${o.snapshotId ?? '?'} waits ${out.delaySeconds} s in the delay queue: ${/\b(\w+(Fault|Exception)|Throttling): .*$/.exec(out.reason)?.[0] ?? out.reason}`);
    if (out.action === 'error') this.step(y, 'copy', `copy-snapshot: ${o.snapshotId ?? '?'} not copied: ${out.reason}`);
    if (out.action === 'snapshot-taken') this.step(y, 'source-snapshot', `copy-snapshot: extra snapshot ${out.snapshotId} requested`);
    if (out.action === 'source-snapshot-deleted') this.step(y, 'copy', `copy-snapshot: extra snapshot ${out.snapshotId} deleted from x's region, its copy is available`);
  }

  // ---- running -----------------------------------------------------------------------------

  /** Runs the simulation until a time. */
  public async runUntil(time: Date | number, speed = 0): Promise<void> {
    await this.clock.run(time, speed);
  }

  /** Runs `nights` nights from the start (each to the next midday). */
  public async runNights(nights: number, speed = 0): Promise<void> {
    await this.runUntil(this.start.getTime() + nights * DAY, speed);
  }

  /** When the simulated history begins: the report's period starts here, never before. */
  public get historyStart(): Date {
    return this.start;
  }

  /**
   * An RDS client for the operator's commands (`npm run status`) in one region, answered by the simulator like the
   * functions' clients (its calls are recorded as `operator`'s, outside every function's grants).
   */
  public operatorRdsClient(region: string): ReturnType<typeof replicaRdsClient> {
    return this.simRdsClient('operator', region);
  }

  /** Route 53 for the operator's commands (dns-switch pairs' records), recorded as `operator`'s; undefined without such pairs. */
  public operatorDns(): Route53Adapter | undefined {
    return this.route53 ? this.dnsFor('operator') : undefined;
  }

  /** Invokes start-refresh synchronously, as `drill` does. */
  public async drill(replica: string, snapshotId?: string): Promise<unknown> {
    return this.startRefresh.invoke({ replica, trigger: 'drill', ...(snapshotId ? { snapshotId } : {}) });
  }

  /** Closed and refused runs of a replica, oldest first. */
  public async history(replica: string): Promise<RunRecord[]> {
    return (await this.ledger.listRuns(replica)).reverse();
  }

  /** The replica's active run, if any. */
  public async activeRun(replica: string): Promise<RunRecord | undefined> {
    return this.ledger.getActiveRun(replica);
  }

  /** Notifications of a kind. */
  public notified(kind?: string): { time: Date; subject?: string; message: string; attributes: Record<string, string> }[] {
    return this.notifications.messages.filter((m) => !kind || m.attributes.kind === kind);
  }

  /** Stops dynalite. */
  public async close(): Promise<void> {
    await this.probes?.closeAll();
    await this.dynamo.stop();
    rmSync(this.configDir, { recursive: true, force: true });
  }
}
