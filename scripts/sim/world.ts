/**
 * A simulated AWS account for the replica region, running the project's real handlers: the schedule
 * and the watchdog on a virtual clock, RDS and its event subscription, SNS → Lambda delivery with
 * Lambda's retry policy and on-failure destination, the ledger in dynalite, and the notifications
 * topic. Faults can be switched on per night.
 */
import type { DBInstance } from '@aws-sdk/client-rds';
import { DynamoLedger, ledgerClient } from '../../lambdas/aws/ledger';
import { notifyClient } from '../../lambdas/aws/notify';
import { replicaRdsClient } from '../../lambdas/aws/rds';
import { RDS_EVENT_CATEGORIES } from '../../lambdas/core/events';
import type { RunRecord } from '../../lambdas/core/model';
import type { Config, PairConfig, RuntimeConfig } from '../../lambdas/shared/config';
import { RUNTIME_CONFIG_ENV, parseConfig, runtimeConfigSchema, scheduleTimeZone } from '../../lambdas/shared/config';
import type { Runtime } from '../../lambdas/shared/runtime';
import { runtime } from '../../lambdas/shared/runtime';
import { VirtualClock } from './clock';
import { nextFire } from './cron';
import type { LocalDynamo } from './dynamo';
import { startDynalite } from './dynamo';
import type { DeadLetter, Invocation } from './lambda';
import { SimLambda, SimTopic } from './lambda';
import { answerFromSimulator, interceptCalls } from './middleware';
import type { EmittedEvent, RdsTimings } from './rds';
import { DEFAULT_TIMINGS, SimRds } from './rds';
import { Random } from './random';
import { SimTelemetry } from './telemetry';

/** Credentials the simulated clients sign with; nothing leaves the process. */
const SIM_CREDENTIALS = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };

/** Every fault the simulation can inject, with what it does. */
export const FAULTS = {
  'duplicate-events': 'every RDS event is delivered to on-rds-event three times',
  'reorder-events': 'every RDS event is held back a random 0-10 minutes, so events overtake each other',
  throttle: '30% of RDS API calls are throttled around the refresh (the SDK retries them with backoff)',
  'lost-deletion-event': "y's deletion event never arrives; the watchdog has to notice",
  'restore-capacity': 'the first two restore attempts fail with InsufficientDBInstanceCapacity',
  'restore-capacity-persistent': 'every restore attempt fails with InsufficientDBInstanceCapacity',
  'no-snapshot': "no snapshot of x is in the replica region at the start of the night",
  'newest-copying': "tonight's copy of x's snapshot is still copying when the refresh starts",
  'crash-after-delete': 'start-refresh dies right after DeleteDBInstance, before it records the delete',
  'on-event-fails': 'on-rds-event fails every invocation that night, through all its retries',
  'second-start': 'a drill is started 10 minutes after the nightly refresh, while it runs',
  'manual-deletion': 'someone deletes y by hand at 14:00 UTC, outside any run',
} as const;

/** A fault's name. */
export type FaultName = keyof typeof FAULTS;

/** A fault switched on for one night (1-based) or for every night. */
export interface FaultSpec {
  name: FaultName;
  night?: number;
}

/** One thing that happened, for people watching the simulation. */
export interface Step {
  time: Date;
  replica: string;
  kind: 'schedule' | 'preflight' | 'delete' | 'deleted' | 'restore' | 'usable' | 'available' | 'modify' | 'closed' | 'alert' | 'watchdog' | 'error' | 'dead-letter' | 'fault' | 'snapshot' | 'drill';
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
}

const DAY = 86_400_000;

/** y's settings at the start: a realistic, non-default staging instance. */
function initialReplica(sim: SimRds, pair: PairConfig, lineage: { snapshotId: string; dataTime: Date }): DBInstance {
  const id = pair.replica.instanceId;
  return {
    DBInstanceIdentifier: id,
    DBInstanceArn: sim.arn('db', id),
    DBInstanceStatus: 'available',
    Engine: 'postgres',
    EngineVersion: '16.4',
    DbiResourceId: `db-SIMINITIAL${id.toUpperCase().replace(/[^A-Z0-9]/g, '')}`.slice(0, 30),
    InstanceCreateTime: new Date(lineage.dataTime.getTime() + 2 * 3_600_000),
    DBInstanceClass: 'db.r6g.large',
    DBSubnetGroup: { DBSubnetGroupName: 'staging-private' },
    VpcSecurityGroups: [
      { VpcSecurityGroupId: 'sg-0aaa1111', Status: 'active' },
      { VpcSecurityGroupId: 'sg-0bbb2222', Status: 'active' },
    ],
    DBParameterGroups: [{ DBParameterGroupName: 'staging-pg16', ParameterApplyStatus: 'in-sync' }],
    OptionGroupMemberships: [{ OptionGroupName: 'default:postgres-16', Status: 'in-sync' }],
    MultiAZ: false,
    AvailabilityZone: `${pair.replica.region}b`,
    PubliclyAccessible: false,
    StorageType: 'gp3',
    AllocatedStorage: 200,
    // What DescribeDBInstances reports for gp3 below 400 GiB: the baseline, which a restore must not name.
    Iops: 3000,
    StorageThroughput: 125,
    MaxAllocatedStorage: 500,
    Endpoint: { Address: `${id}.sim.${pair.replica.region}.rds.amazonaws.com`, Port: 6543 },
    DbInstancePort: 6543,
    IAMDatabaseAuthenticationEnabled: true,
    EnabledCloudwatchLogsExports: ['postgresql'],
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

/** The simulated account. */
export class Simulation {
  public readonly clock: VirtualClock;
  public readonly random: Random;
  public readonly rds: SimRds;
  public readonly eventsTopic: SimTopic;
  public readonly notifications: SimTopic;
  public readonly deadLetters: DeadLetter[] = [];
  /** Alarms that fired: the DLQ alarms and function-error alarms of the CDK app. */
  public readonly alarms: { time: Date; name: string }[] = [];
  public readonly telemetry = new SimTelemetry();
  public readonly config: RuntimeConfig;
  public readonly ledger: DynamoLedger;
  public startRefresh!: SimLambda;
  public onRdsEvent!: SimLambda;
  public watchdog!: SimLambda;
  private readonly start: Date;
  private readonly faults: FaultSpec[];
  private readonly onStep: (step: Step) => void;
  private crashArmed = false;
  private crashPending = false;
  private readonly skipCopy = new Set<string>();

  private constructor(
    private readonly dynamo: LocalDynamo,
    public readonly fullConfig: Config,
    config: RuntimeConfig,
    options: SimulationOptions,
  ) {
    this.start = options.start ?? new Date('2026-11-16T12:00:00Z');
    this.clock = new VirtualClock(this.start);
    this.random = new Random(options.seed ?? 1);
    this.config = config;
    this.faults = options.faults ?? [];
    this.onStep = options.onStep ?? (() => undefined);
    this.rds = new SimRds(config.region, config.account, this.clock, this.random, { ...DEFAULT_TIMINGS, ...options.timings });
    this.eventsTopic = new SimTopic(`arn:aws:sns:${config.region}:${config.account}:replica-refresh-rds-events`, this.clock, this.random);
    this.notifications = new SimTopic(config.notificationTopicArn, this.clock, this.random);
    this.ledger = new DynamoLedger(ledgerClient(config.region, { endpoint: dynamo.endpoint, credentials: SIM_CREDENTIALS }), config.ledgerTableName);
  }

  /** Builds the account: dynalite, the ledger table, y, x's snapshot history, the functions and schedules. */
  public static async create(options: SimulationOptions): Promise<Simulation> {
    const full = parseConfig(options.config);
    const region = full.pairs[0]?.replica.region;
    const pairs = full.pairs.filter((p) => p.replica.region === region).map((p) => ({ ...p, ...(options.pairOverrides ?? {}) }));
    const dynamo = await startDynalite();
    const table = await dynamo.createLedgerTable('replica-refresh-ledger');
    const config = runtimeConfigSchema.parse({
      region,
      account: full.account,
      timeZone: full.timeZone,
      rtoTargetMinutes: full.rtoTargetMinutes,
      ledgerTableName: table,
      notificationTopicArn: `arn:aws:sns:${region}:${full.account}:replica-refresh-notifications`,
      pairs,
    });
    const sim = new Simulation(dynamo, full, config, options);
    await sim.build();
    return sim;
  }

  /** The pairs simulated. */
  public get pairs(): PairConfig[] {
    return this.config.pairs;
  }

  private step(replica: string, kind: Step['kind'], text: string): void {
    this.onStep({ time: this.clock.now(), replica, kind, text });
  }

  /** A runtime for one function: the same handler and adapter code, with clients answered by the simulator. */
  private runtimeFor(): Runtime {
    return runtime({ [RUNTIME_CONFIG_ENV]: JSON.stringify(this.config) }, {
      clients: (cfg) => {
        const replicaRds = replicaRdsClient(cfg.region, { credentials: SIM_CREDENTIALS });
        answerFromSimulator(replicaRds, (command, input) => this.rdsCall(command, input));
        const sns = notifyClient(cfg.region, { credentials: SIM_CREDENTIALS });
        answerFromSimulator(sns, (command, input) => Promise.resolve(this.snsCall(command, input)));
        const dynamo = ledgerClient(cfg.region, { endpoint: this.dynamo.endpoint, credentials: SIM_CREDENTIALS });
        interceptCalls(dynamo, (command, _input, pass) => this.dynamoCall(command, pass));
        return { replicaRds, sns, dynamo };
      },
      now: this.clock.now,
      randomId: () => this.random.hex6(),
      telemetry: this.telemetry,
    });
  }

  private async build(): Promise<void> {
    // The handler modules build a Lambda runtime when loaded; they read the same configuration.
    process.env[RUNTIME_CONFIG_ENV] ??= JSON.stringify(this.config);
    const [{ createHandler: startHandler }, { createHandler: eventHandler }, { createHandler: watchdogHandler }] = await Promise.all([
      import('../../lambdas/handlers/start-refresh'),
      import('../../lambdas/handlers/on-rds-event'),
      import('../../lambdas/handlers/watchdog'),
    ]);
    const toDlq = (letter: DeadLetter) => {
      this.deadLetters.push(letter);
      this.alarms.push({ time: this.clock.now(), name: `${letter.function} on-failure queue not empty` });
      this.step('*', 'dead-letter', `${letter.function} failed all its attempts; the event went to its on-failure queue and the alarm fired (${letter.error})`);
      this.notifications.publish(`ALARM: ${letter.function} on-failure queue not empty`, `ALARM: replica-refresh ${letter.function} dead letters`, { severity: 'alert', kind: 'alarm.dlq', replica: '*' });
    };
    const observe = (inv: Invocation) => this.observeInvocation(inv);
    const start = startHandler(this.runtimeFor());
    const events = eventHandler(this.runtimeFor());
    const dog = watchdogHandler(this.runtimeFor());
    // Retry settings as the CDK app configures them: start-refresh and the watchdog 0, on-rds-event 2.
    this.startRefresh = new SimLambda('start-refresh', this.clock, this.random, (e) => start(e), 0, toDlq, undefined, observe);
    this.onRdsEvent = new SimLambda('on-rds-event', this.clock, this.random, (e) => events(e), 2, toDlq, undefined, observe);
    this.watchdog = new SimLambda('watchdog', this.clock, this.random, (e) => dog(e), 0, toDlq, undefined, observe);
    this.eventsTopic.subscribe(this.onRdsEvent);

    this.rds.subscriptions.push({
      sourceType: 'db-instance',
      sourceIds: this.pairs.map((p) => p.replica.instanceId),
      categories: [...RDS_EVENT_CATEGORIES],
      deliver: (event) => this.publishRdsEvent(event),
    });
    this.rds.observer = (event) => this.observeRdsEvent(event);

    for (const pair of this.pairs) this.seedPair(pair);
    this.scheduleNights();
  }

  private seedPair(pair: PairConfig): void {
    this.rds.subnetGroups.add('staging-private');
    this.rds.parameterGroups.add('staging-pg16');
    // x's copies of the last three days are already in the replica region; y holds the oldest.
    const copies = [2, 1, 0].map((daysAgo) => this.copyFor(pair, new Date(this.start.getTime() - daysAgo * DAY)));
    for (const c of copies) {
      const snap = this.rds.arriveCopy(c);
      snap.Status = 'available';
      snap.PercentProgress = 100;
    }
    const oldest = copies[0]!;
    this.rds.instances.set(pair.replica.instanceId, initialReplica(this.rds, pair, { snapshotId: oldest.id, dataTime: oldest.dataTime }));
  }

  /** The copy of x's nightly automated snapshot taken on `day` (at 00:10 UTC). */
  private copyFor(pair: PairConfig, day: Date) {
    const dataTime = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 0, 10));
    const stamp = dataTime.toISOString().slice(0, 16).replace(/[T:]/g, '-');
    return {
      id: `${pair.source.instanceId}-${stamp}`,
      sourceInstanceId: pair.source.instanceId,
      sourceDbiResourceId: pair.source.dbiResourceId ?? 'db-SIMSOURCEXPRODUCTION0000001',
      sourceRegion: pair.source.region,
      sourceSnapshotId: `rds:${pair.source.instanceId}-${stamp}`,
      dataTime,
      engine: 'postgres',
      engineVersion: '16.6',
      allocatedStorage: 200,
      port: 5432,
      kmsKeyId: `arn:aws:kms:${pair.replica.region}:${this.config.account}:key/sim-replica-key`,
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
    const every = this.fullConfig.watchdogIntervalMinutes * 60_000;
    const tick = (at: number) =>
      this.clock.at(at, 'watchdog schedule', () => {
        this.watchdog.invokeAsync({ trigger: 'watchdog' });
        tick(at + every);
      });
    tick(Math.ceil(this.start.getTime() / every) * every);
  }

  private beginNight(night: number, from: number): void {
    const faults = this.faultsFor(night);
    this.rds.faults = {
      throttleRate: 0,
      restoreCapacityFailures: faults.includes('restore-capacity-persistent') ? 1_000 : faults.includes('restore-capacity') ? 2 : 0,
      dropDeletionEvents: faults.includes('lost-deletion-event'),
    };
    this.eventsTopic.faults = { copies: faults.includes('duplicate-events') ? 3 : 1, reorderSeconds: faults.includes('reorder-events') ? 600 : 0 };
    this.crashArmed = faults.includes('crash-after-delete');
    this.onRdsEvent.failWhen = faults.includes('on-event-fails') ? () => 'simulated crash of on-rds-event' : undefined;
    for (const f of faults) this.step('*', 'fault', `night ${night}: ${f}: ${FAULTS[f]}`);

    for (const pair of this.pairs) {
      const y = pair.replica.instanceId;
      // x's automated snapshot of the coming night, copied into the replica region.
      const copy = this.copyFor(pair, new Date(from + DAY));
      if (faults.includes('no-snapshot')) {
        for (const [id, s] of this.rds.snapshots) if (s.DBInstanceIdentifier === pair.source.instanceId) this.rds.snapshots.delete(id);
        this.skipCopy.add(copy.id);
      }
      const fire = nextFire(pair.schedule.cron, scheduleTimeZone(this.fullConfig, pair), new Date(from));
      // Normally the copy lands well before the refresh; with newest-copying it starts 10 minutes before and takes 3 hours.
      const slow = faults.includes('newest-copying');
      const copyStart = slow ? fire.getTime() - 10 * 60_000 : copy.dataTime.getTime() + 30 * 60_000;
      this.clock.at(copyStart, `copy ${copy.id}`, () => {
        if (this.skipCopy.has(copy.id)) return;
        this.rds.arriveCopy(copy, slow ? { kind: 'fixed', seconds: 3 * 3600 } : undefined);
        this.step(y, 'snapshot', `copy ${copy.id} of x's snapshot is arriving in ${this.config.region}`);
      });

      if (faults.includes('throttle')) {
        // Throttled from 10 minutes before the refresh for 2 hours: the SDK's retries back off in real time, so a whole day would be slow to simulate.
        this.clock.at(fire.getTime() - 10 * 60_000, 'throttling on', () => void (this.rds.faults.throttleRate = 0.3));
        this.clock.at(fire.getTime() + 2 * 3_600_000, 'throttling off', () => void (this.rds.faults.throttleRate = 0));
      }
      if (fire.getTime() < from + DAY && pair.schedule.enabled) {
        this.clock.at(fire, `schedule ${y}`, () => {
          this.step(y, 'schedule', 'schedule fired: start-refresh invoked');
          this.startRefresh.invokeAsync({ replica: y, trigger: 'schedule', requestId: `sim-exec-${night}-${y}`, scheduledTime: fire.toISOString() });
        });
        if (faults.includes('second-start')) {
          this.clock.at(fire.getTime() + 10 * 60_000, `drill ${y}`, async () => {
            this.step(y, 'drill', 'a drill is started while the nightly run is active');
            await this.startRefresh.invoke({ replica: y, trigger: 'drill' }).catch(() => undefined);
          });
        }
      }
      if (faults.includes('manual-deletion')) {
        this.clock.at(from + 2 * 3_600_000, `manual deletion ${y}`, () => {
          this.step(y, 'fault', `someone deletes ${y} by hand`);
          this.rds.deleteByHand(y);
        });
      }
    }
  }

  // ---- the boundary: calls the handlers make ---------------------------------------------------

  private async rdsCall(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out = await this.rds.handle(command, input);
    const id = (input.DBInstanceIdentifier as string | undefined) ?? '';
    if (command === 'DeleteDBInstanceCommand') {
      this.step(id, 'delete', `DeleteDBInstance ${id} accepted: y stops serving`);
      if (this.crashArmed) this.crashPending = true;
    }
    if (command === 'RestoreDBInstanceFromDBSnapshotCommand') this.step(id, 'restore', `RestoreDBInstanceFromDBSnapshot ${id} from ${String(input.DBSnapshotIdentifier)} accepted`);
    if (command === 'ModifyDBInstanceCommand' && input.DeletionProtection === undefined) this.step(id, 'modify', `post-restore ModifyDBInstance applied (${Object.keys(input).filter((k) => !['DBInstanceIdentifier', 'ApplyImmediately'].includes(k)).join(', ')})`);
    return out;
  }

  private snsCall(command: string, input: Record<string, unknown>): Record<string, unknown> {
    if (command !== 'PublishCommand') throw new Error(`the simulated SNS does not implement ${command}`);
    const attrs = Object.fromEntries(Object.entries((input.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>).map(([k, v]) => [k, v.StringValue ?? '']));
    const id = this.notifications.publish((input.Message as string | undefined) ?? '', input.Subject as string | undefined, attrs);
    const replica = attrs.replica ?? '*';
    const kind = attrs.kind ?? '';
    if (kind === 'refresh.succeeded' || kind === 'refresh.failed') this.step(replica, 'closed', `run closed, notification sent: ${String(input.Subject)}`);
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

  private publishRdsEvent(event: EmittedEvent): void {
    const body = {
      'Event Source': event.sourceType,
      'Event Time': event.time.toISOString().replace('T', ' ').replace('Z', ''),
      'Identifier Link': `https://console.aws.amazon.com/rds/home?region=${this.config.region}#dbinstance:id=${event.sourceId}`,
      'Source ID': event.sourceId,
      'Source ARN': event.sourceArn,
      'Event ID': `http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#${event.eventId}`,
      'Event Message': event.message,
    };
    this.eventsTopic.publish(JSON.stringify(body), 'RDS Notification Message');
  }

  private observeRdsEvent(event: EmittedEvent): void {
    if (event.sourceType !== 'db-instance') return;
    if (event.eventId === 'RDS-EVENT-0003') this.step(event.sourceId, 'deleted', `${event.sourceId} deleted (RDS-EVENT-0003${this.rds.faults.dropDeletionEvents ? ', event lost' : ''})`);
    if (event.eventId === 'RDS-EVENT-0043') this.step(event.sourceId, 'usable', `${event.sourceId} restored and serving (backing-up; RDS-EVENT-0043)`);
    if (event.eventId === 'RDS-EVENT-0002') this.step(event.sourceId, 'available', `${event.sourceId} available (baseline backup finished)`);
  }

  private observeInvocation(inv: Invocation): void {
    if (inv.outcome === 'error') {
      this.step('*', 'error', `${inv.function} attempt ${inv.attempt} failed: ${inv.error}`);
      this.alarms.push({ time: inv.time, name: `${inv.function} errors` });
      return;
    }
    if (inv.function === 'start-refresh') {
      const r = inv.result as { outcome: string; reason?: string; snapshot?: { id: string; dataTime?: string }; runId?: string };
      const replica = (inv.event as { replica?: string }).replica ?? '*';
      if (r.outcome === 'started') this.step(replica, 'preflight', `start-refresh done: preflight passed, y's settings captured, run ${r.runId} restores from ${r.snapshot?.id} (data from ${r.snapshot?.dataTime ?? '?'})`);
      else this.step(replica, 'preflight', `start-refresh done: ${r.outcome}${r.reason ? `: ${r.reason}` : ''}`);
    }
    if (inv.function === 'watchdog') {
      for (const o of (inv.result as { replica: string; action: string }[]) ?? []) {
        if (o.action !== 'idle' && !o.action.startsWith('waiting:')) this.step(o.replica, 'watchdog', `watchdog: ${o.action}`);
      }
    }
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
    await this.dynamo.stop();
  }
}
