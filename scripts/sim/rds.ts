/**
 * A simulated RDS (one region of one account): instances with their real status sequences, snapshots
 * (automated backups, manual snapshots, cross-region copies from the account's other regions),
 * event subscriptions, and the API's validation, pagination, quotas and fault classes. Durations come
 * from configurable distributions on the virtual clock.
 */
import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot, Filter, Tag } from '@aws-sdk/client-rds';
import {
  DBInstanceAlreadyExistsFault,
  DBInstanceAutomatedBackupNotFoundFault,
  InvalidRestoreFault,
  DBInstanceNotFoundFault,
  DBParameterGroupNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DBSubnetGroupNotFoundFault,
  InsufficientDBInstanceCapacityFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  OptionGroupNotFoundFault,
  RDSServiceException,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import type { VirtualClock } from './clock';
import type { SimKms } from './kms';
import type { Distribution, Random } from './random';
import { lognormal, uniform } from './random';

/** How long RDS takes, by default. Assumptions for a small instance (db.t4g/db.r6g.large, ≤ 500 GB), stated in the README. */
export interface RdsTimings {
  /** DeleteDBInstance accepted → instance gone. */
  delete: Distribution;
  /** Restore accepted → instance serves (status backing-up). */
  restore: Distribution;
  /** The baseline backup after a restore: backing-up → available. */
  baselineBackup: Distribution;
  /** A cross-region snapshot copy: copying → available. */
  copy: Distribution;
  /** A snapshot of an instance (the nightly automated backup, CreateDBSnapshot): creating → available. */
  snapshot: Distribution;
  /** A final snapshot taken on delete. */
  finalSnapshot: Distribution;
  /** RDS event → published to the subscription's topic. */
  eventDelay: Distribution;
}

/** The documented defaults. */
export const DEFAULT_TIMINGS: RdsTimings = {
  delete: uniform(240, 480),
  restore: lognormal(1200, 0.25),
  baselineBackup: uniform(600, 3600),
  copy: uniform(1200, 2700),
  snapshot: uniform(300, 900),
  finalSnapshot: uniform(120, 300),
  eventDelay: uniform(2, 30),
};

/** An RDS event as RDS emits it. */
export interface EmittedEvent {
  sourceType: 'db-instance' | 'db-snapshot';
  sourceId: string;
  sourceArn: string;
  eventId: string;
  category: string;
  message: string;
  time: Date;
}

/** An event subscription: which events go to which topic. */
export interface Subscription {
  sourceType: 'db-instance' | 'db-snapshot';
  sourceIds: string[];
  categories: string[];
  deliver: (event: EmittedEvent) => void;
}

/** Faults the RDS model can inject. */
export interface RdsFaults {
  /** Probability that any API call is throttled. */
  throttleRate: number;
  /** The next N restores fail with InsufficientDBInstanceCapacity. */
  restoreCapacityFailures: number;
  /** Deletion events (RDS-EVENT-0003) are never emitted. */
  dropDeletionEvents: boolean;
}

const meta = () => ({ $metadata: { httpStatusCode: 400 } });

function invalidParameter(message: string, name = 'InvalidParameterValue'): RDSServiceException {
  return new RDSServiceException({ name, $fault: 'client', message, ...meta() });
}

/** Snapshot identifiers: 1-255 letters, digits and hyphens, starting with a letter, no double or trailing hyphen. */
function isValidSnapshotId(id: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(id) && !id.includes('--') && !id.endsWith('-');
}

function invalidSnapshotId(param: string): RDSServiceException {
  return invalidParameter(`The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`);
}

/** Tags merged by key, later lists winning. */
function mergeTags(...lists: (Tag[] | undefined)[]): Tag[] {
  const out = new Map<string, Tag>();
  for (const list of lists) for (const t of list ?? []) if (t.Key) out.set(t.Key, { Key: t.Key, Value: t.Value ?? '' });
  return [...out.values()];
}

/** A string parameter of a request, or '' when it is missing or not a string. */
function param(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Statuses of a cross-region copy that count against the in-flight limit. */
const IN_FLIGHT = ['pending', 'copying'];

/** ModifyDBInstance parameters the models apply, and the DBInstance field each sets. */
export const MODIFY_FIELDS: Readonly<Record<string, keyof DBInstance>> = {
  DeletionProtection: 'DeletionProtection',
  BackupRetentionPeriod: 'BackupRetentionPeriod',
  PreferredBackupWindow: 'PreferredBackupWindow',
  PreferredMaintenanceWindow: 'PreferredMaintenanceWindow',
  MonitoringInterval: 'MonitoringInterval',
  MonitoringRoleArn: 'MonitoringRoleArn',
  EnablePerformanceInsights: 'PerformanceInsightsEnabled',
  PerformanceInsightsKMSKeyId: 'PerformanceInsightsKMSKeyId',
  PerformanceInsightsRetentionPeriod: 'PerformanceInsightsRetentionPeriod',
  MaxAllocatedStorage: 'MaxAllocatedStorage',
};

/** What each API call was, for tests and the benchmark. */
export interface ApiCall {
  time: Date;
  command: string;
  input: Record<string, unknown>;
  outcome: string;
}

/** The simulated RDS of one region. */
export class SimRds {
  public readonly instances = new Map<string, DBInstance>();
  public readonly snapshots = new Map<string, DBSnapshot>();
  public readonly subscriptions: Subscription[] = [];
  /** Groups that exist in the account; a restore naming another one fails as RDS would. */
  public readonly subnetGroups = new Set<string>(['default']);
  public readonly parameterGroups = new Set<string>();
  public readonly optionGroups = new Set<string>();
  public readonly calls: ApiCall[] = [];
  public faults: RdsFaults = { throttleRate: 0, restoreCapacityFailures: 0, dropDeletionEvents: false };
  /** Sees every event as RDS emits it, before any delivery (the simulation's narration). */
  public observer: ((event: EmittedEvent) => void) | undefined;
  /** The account's RDS in every simulated region, this one included: where cross-region copies come from. */
  public regions: ReadonlyMap<string, SimRds> = new Map();
  /** The account's KMS keys; unset, any KmsKeyId is taken as given. */
  public kms: SimKms | undefined;
  /** Cross-region copies allowed in flight into this region (20 today; 5 on older accounts). */
  public crossRegionCopyLimit = 20;
  /** Manual snapshots allowed in this region (the default quota). */
  public manualSnapshotQuota = 100;
  /** The most cross-region copies ever in flight into this region at once. */
  public copyHighWater = 0;
  private markerSeq = 0;
  private readonly markers = new Map<string, { items: unknown[]; next: number }>();
  /** When each copy in progress started and will finish, for PercentProgress. */
  private readonly copyWindows = new Map<DBSnapshot, { start: number; end: number }>();

  public constructor(
    public readonly region: string,
    public readonly account: string,
    private readonly clock: VirtualClock,
    private readonly random: Random,
    public timings: RdsTimings = DEFAULT_TIMINGS,
  ) {}

  /** The ARN of a resource in this region. */
  public arn(type: 'db' | 'snapshot' | 'es', id: string): string {
    return `arn:aws:rds:${this.region}:${this.account}:${type}:${id}`;
  }

  /** Answers one API call, as the SDK middleware hands it over. */
  public async handle(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const record: ApiCall = { time: this.clock.now(), command, input: structuredClone(input), outcome: 'ok' };
    this.calls.push(record);
    try {
      if (this.faults.throttleRate > 0 && this.random.chance(this.faults.throttleRate)) {
        throw new RDSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta() });
      }
      return await Promise.resolve(this.dispatch(command, input));
    } catch (err) {
      record.outcome = (err as Error).name;
      throw err;
    }
  }

  private dispatch(command: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (command) {
      case 'DescribeDBInstancesCommand':
        return this.describeDBInstances(input);
      case 'DescribeDBSnapshotsCommand':
        return this.describeDBSnapshots(input);
      case 'DeleteDBInstanceCommand':
        return this.deleteDBInstance(input);
      case 'RestoreDBInstanceFromDBSnapshotCommand':
        return this.restoreDBInstanceFromDBSnapshot(input);
      case 'RestoreDBInstanceToPointInTimeCommand':
        return this.restoreDBInstanceToPointInTime(input);
      case 'DescribeDBInstanceAutomatedBackupsCommand':
        return this.describeDBInstanceAutomatedBackups(input);
      case 'ModifyDBInstanceCommand':
        return this.modifyDBInstance(input);
      case 'CopyDBSnapshotCommand':
        return this.copyDBSnapshot(input);
      case 'CreateDBSnapshotCommand':
        return this.createDBSnapshot(input);
      case 'DeleteDBSnapshotCommand':
        return this.deleteDBSnapshot(input);
      case 'ListTagsForResourceCommand':
        return this.listTagsForResource(input);
      case 'AddTagsToResourceCommand':
        return this.addTagsToResource(input);
      default:
        throw invalidParameter(`the simulator does not implement ${command}`, 'UnsupportedOperation');
    }
  }

  // ---- events -------------------------------------------------------------------------------

  /** Emits an RDS event to every matching subscription, after RDS's own publishing delay. */
  public emit(sourceType: EmittedEvent['sourceType'], sourceId: string, eventId: string, category: string, message: string): void {
    const event: EmittedEvent = { sourceType, sourceId, sourceArn: this.arn(sourceType === 'db-instance' ? 'db' : 'snapshot', sourceId), eventId, category, message, time: this.clock.now() };
    this.observer?.(event);
    if (eventId === 'RDS-EVENT-0003' && this.faults.dropDeletionEvents) return;
    for (const sub of this.subscriptions) {
      if (sub.sourceType !== sourceType) continue;
      if (sub.sourceIds.length > 0 && !sub.sourceIds.includes(sourceId)) continue;
      if (sub.categories.length > 0 && !sub.categories.includes(category)) continue;
      this.clock.after(this.random.duration(this.timings.eventDelay), `publish ${eventId} ${sourceId}`, () => sub.deliver(event));
    }
  }

  // ---- pagination ---------------------------------------------------------------------------

  private page<T>(items: T[], input: Record<string, unknown>): { items: T[]; marker?: string } {
    const max = input.MaxRecords === undefined ? 100 : Number(input.MaxRecords);
    if (!Number.isInteger(max) || max < 20 || max > 100) throw invalidParameter(`MaxRecords must be between 20 and 100, got ${String(input.MaxRecords)}`);
    let list = items;
    let start = 0;
    if (input.Marker !== undefined) {
      const saved = this.markers.get(input.Marker as string);
      if (!saved) throw invalidParameter(`invalid Marker ${input.Marker as string}`);
      list = saved.items as T[];
      start = saved.next;
    }
    const out = list.slice(start, start + max);
    if (start + max >= list.length) return { items: out };
    const marker = `sim-marker-${++this.markerSeq}`;
    this.markers.set(marker, { items: list, next: start + max });
    return { items: out, marker };
  }

  private static filterValues(filters: unknown, name: string): string[] | undefined {
    const f = (filters as Filter[] | undefined)?.find((x) => x.Name === name);
    return f?.Values;
  }

  // ---- instances ----------------------------------------------------------------------------

  private describeDBInstances(input: Record<string, unknown>): Record<string, unknown> {
    const id = input.DBInstanceIdentifier as string | undefined;
    if (id !== undefined) {
      const db = this.instances.get(id);
      if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
      return { DBInstances: [structuredClone(db)] };
    }
    const ids = SimRds.filterValues(input.Filters, 'db-instance-id');
    const all = [...this.instances.values()].filter((d) => !ids || ids.includes(d.DBInstanceIdentifier ?? '') || ids.includes(d.DBInstanceArn ?? ''));
    const { items, marker } = this.page(all, input);
    return { DBInstances: structuredClone(items), ...(marker ? { Marker: marker } : {}) };
  }

  private deleteDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.DBInstanceIdentifier);
    const db = this.instances.get(id);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
    if (db.DeletionProtection) throw invalidParameter('Cannot delete protected DB Instance, please disable deletion protection and try again.', 'InvalidParameterCombination');
    if (!['available', 'backing-up', 'stopped', 'storage-full', 'storage-optimization', 'failed', 'incompatible-parameters', 'incompatible-restore'].includes(db.DBInstanceStatus ?? '')) {
      throw new InvalidDBInstanceStateFault({ message: `Instance ${id} is not in a state that allows deletion (${db.DBInstanceStatus}).`, ...meta() });
    }
    const skip = input.SkipFinalSnapshot === true;
    const finalId = input.FinalDBSnapshotIdentifier as string | undefined;
    if (!skip && !finalId) throw invalidParameter('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.', 'InvalidParameterCombination');
    if (skip && finalId) throw invalidParameter('FinalDBSnapshotIdentifier can not be specified when deleting an instance with SkipFinalSnapshot=true', 'InvalidParameterCombination');
    if (finalId && this.snapshots.has(finalId)) throw new DBSnapshotAlreadyExistsFault({ message: `Cannot create the snapshot because a snapshot with the identifier ${finalId} already exists.`, ...meta() });

    db.DBInstanceStatus = 'deleting';
    let wait = 0;
    if (finalId) {
      const snap = this.snapshotOf(db, finalId, 'manual', 'creating');
      this.snapshots.set(finalId, snap);
      wait = this.random.duration(this.timings.finalSnapshot);
      this.clock.after(wait, `final snapshot ${finalId}`, () => {
        snap.Status = 'available';
        snap.PercentProgress = 100;
        this.emit('db-snapshot', finalId, 'RDS-EVENT-0042', 'creation', 'Manual snapshot created');
      });
    }
    this.clock.after(wait + this.random.duration(this.timings.delete), `delete ${id}`, () => {
      if (this.instances.get(id) !== db) return;
      this.instances.delete(id);
      this.emit('db-instance', id, 'RDS-EVENT-0003', 'deletion', 'DB instance deleted');
    });
    return { DBInstance: structuredClone(db) };
  }

  private restoreDBInstanceFromDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.DBInstanceIdentifier);
    const snapId = String(input.DBSnapshotIdentifier);
    if (this.instances.has(id)) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta() });
    const snap = [...this.snapshots.values()].find((s) => s.DBSnapshotIdentifier === snapId || s.DBSnapshotArn === snapId);
    if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot not found: ${snapId}`, ...meta() });
    if (snap.Status !== 'available') throw new InvalidDBSnapshotStateFault({ message: `Snapshot ${snapId} is not available (${snap.Status}).`, ...meta() });
    return this.restoreInstance(id, snap, input, { eventId: 'RDS-EVENT-0043', message: `Restored from snapshot ${snap.DBSnapshotIdentifier}` });
  }

  /**
   * A point-in-time restore from replicated automated backups (SourceDBInstanceAutomatedBackupsArn), to RestoreTime
   * within their window or to the latest restorable time. The restored instance announces itself with RDS-EVENT-0019.
   */
  private restoreDBInstanceToPointInTime(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.TargetDBInstanceIdentifier);
    const arn = param(input.SourceDBInstanceAutomatedBackupsArn);
    if (!arn) throw invalidParameter('the simulator restores to a point in time only from SourceDBInstanceAutomatedBackupsArn', 'UnsupportedOperation');
    if (input.RestoreTime !== undefined && input.UseLatestRestorableTime === true) throw invalidParameter('Cannot specify both RestoreTime and UseLatestRestorableTime.', 'InvalidParameterCombination');
    if (this.instances.has(id)) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta() });
    const backups = this.replicatedBackups.get(arn);
    if (!backups) throw new DBInstanceAutomatedBackupNotFoundFault({ message: `No automated backup found for ${arn}.`, ...meta() });
    const view = this.backupView(backups);
    const { EarliestTime, LatestTime } = view.RestoreWindow ?? {};
    const at = input.UseLatestRestorableTime === true ? LatestTime : (input.RestoreTime as Date | undefined);
    if (!at || !EarliestTime || !LatestTime || at.getTime() < EarliestTime.getTime() || at.getTime() > LatestTime.getTime()) {
      throw new InvalidRestoreFault({ message: `The restore time ${at?.toISOString() ?? '(none)'} is not within the restorable window ${EarliestTime?.toISOString() ?? '?'} - ${LatestTime?.toISOString() ?? '?'}.`, ...meta() });
    }
    const asSnapshot: DBSnapshot = { Engine: view.Engine, EngineVersion: view.EngineVersion, AllocatedStorage: view.AllocatedStorage, Port: view.Port, Encrypted: view.Encrypted, KmsKeyId: view.KmsKeyId, TagList: [] };
    return this.restoreInstance(id, asSnapshot, input, { eventId: 'RDS-EVENT-0019', message: `Restored from DB instance ${view.DBInstanceIdentifier ?? '?'} to ${at.toISOString()}` });
  }

  /** x's automated backups replicated into this region, by their ARN; LatestTime follows the clock, minus the lag. */
  public readonly replicatedBackups = new Map<string, { backup: DBInstanceAutomatedBackup; lagSeconds: number; frozenAt?: Date }>();

  private backupView(entry: { backup: DBInstanceAutomatedBackup; lagSeconds: number; frozenAt?: Date }): DBInstanceAutomatedBackup {
    const latest = entry.frozenAt ?? new Date(this.clock.now().getTime() - entry.lagSeconds * 1000);
    return { ...structuredClone(entry.backup), RestoreWindow: { EarliestTime: entry.backup.RestoreWindow?.EarliestTime, LatestTime: latest } };
  }

  private describeDBInstanceAutomatedBackups(input: Record<string, unknown>): Record<string, unknown> {
    const names = SimRds.filterValues(input.Filters, 'db-instance-id');
    const resources = SimRds.filterValues(input.Filters, 'dbi-resource-id');
    const all = [...this.replicatedBackups.values()]
      .map((e) => this.backupView(e))
      .filter((b) => !names || names.includes(b.DBInstanceIdentifier ?? ''))
      .filter((b) => !resources || resources.includes(b.DbiResourceId ?? ''));
    const { items, marker } = this.page(all, input);
    return { DBInstanceAutomatedBackups: items, ...(marker ? { Marker: marker } : {}) };
  }

  /** What both kinds of restore share: the request's validation, RDS's defaults, and the status sequence. */
  private restoreInstance(id: string, snap: DBSnapshot, input: Record<string, unknown>, done: { eventId: string; message: string }): Record<string, unknown> {
    const storageType = (input.StorageType as string | undefined) ?? 'gp2';
    if (input.MultiAZ === true && input.AvailabilityZone !== undefined) throw invalidParameter('Requesting a specific availability zone is not valid for Multi-AZ instances.', 'InvalidParameterCombination');
    if (input.Iops !== undefined && !['io1', 'io2', 'gp3'].includes(storageType)) throw invalidParameter(`Iops is not supported for storage type ${storageType}`, 'InvalidParameterCombination');
    if (input.StorageThroughput !== undefined && storageType !== 'gp3') throw invalidParameter(`StorageThroughput is only supported for gp3, not ${storageType}`, 'InvalidParameterCombination');
    const storage = (input.AllocatedStorage as number | undefined) ?? snap.AllocatedStorage ?? 0;
    if (storageType === 'gp3' && (input.Iops !== undefined || input.StorageThroughput !== undefined) && storage < 400 && (snap.Engine ?? '').match(/^(postgres|mysql|mariadb)/)) {
      throw invalidParameter(`You can't specify IOPS or storage throughput for engine ${snap.Engine} and a storage size less than 400.`, 'InvalidParameterCombination');
    }
    const subnet = (input.DBSubnetGroupName as string | undefined) ?? 'default';
    if (!this.subnetGroups.has(subnet)) throw new DBSubnetGroupNotFoundFault({ message: `DBSubnetGroup ${subnet} not found.`, ...meta() });
    const pg = input.DBParameterGroupName as string | undefined;
    if (pg && !pg.startsWith('default.') && !this.parameterGroups.has(pg)) throw new DBParameterGroupNotFoundFault({ message: `DBParameterGroup not found: ${pg}`, ...meta() });
    const og = input.OptionGroupName as string | undefined;
    if (og && !og.startsWith('default:') && !this.optionGroups.has(og)) throw new OptionGroupNotFoundFault({ message: `Specified OptionGroupName: ${og} not found.`, ...meta() });
    if (this.faults.restoreCapacityFailures > 0) {
      this.faults.restoreCapacityFailures--;
      throw new InsufficientDBInstanceCapacityFault({ message: `Insufficient ${(input.DBInstanceClass as string | undefined) ?? 'instance'} capacity in the requested Availability Zone.`, ...meta() });
    }

    const now = this.clock.now();
    const db: DBInstance = {
      DBInstanceIdentifier: id,
      DBInstanceArn: this.arn('db', id),
      DBInstanceStatus: 'creating',
      Engine: snap.Engine,
      EngineVersion: snap.EngineVersion,
      DbiResourceId: `db-SIM${now.getTime().toString(36).toUpperCase()}${this.random.hex6().toUpperCase()}`,
      InstanceCreateTime: now,
      DBInstanceClass: (input.DBInstanceClass as string | undefined) ?? 'db.m5.large',
      DBSubnetGroup: { DBSubnetGroupName: subnet },
      VpcSecurityGroups: ((input.VpcSecurityGroupIds as string[] | undefined) ?? ['sg-default']).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
      DBParameterGroups: [{ DBParameterGroupName: pg ?? `default.${snap.Engine ?? 'postgres'}` , ParameterApplyStatus: 'in-sync' }],
      OptionGroupMemberships: [{ OptionGroupName: og ?? `default:${snap.Engine ?? 'postgres'}`, Status: 'in-sync' }],
      MultiAZ: (input.MultiAZ as boolean | undefined) ?? false,
      AvailabilityZone: (input.AvailabilityZone as string | undefined) ?? `${this.region}a`,
      PubliclyAccessible: (input.PubliclyAccessible as boolean | undefined) ?? false,
      StorageType: storageType,
      AllocatedStorage: (input.AllocatedStorage as number | undefined) ?? snap.AllocatedStorage,
      // gp3 reports its baseline (3000 IOPS, 125 MiB/s) below the provisioning threshold, as DescribeDBInstances does.
      Iops: (input.Iops as number | undefined) ?? (storageType === 'gp3' ? 3000 : undefined),
      StorageThroughput: (input.StorageThroughput as number | undefined) ?? (storageType === 'gp3' ? 125 : undefined),
      DbInstancePort: (input.Port as number | undefined) ?? snap.Port,
      IAMDatabaseAuthenticationEnabled: (input.EnableIAMDatabaseAuthentication as boolean | undefined) ?? false,
      EnabledCloudwatchLogsExports: (input.EnableCloudwatchLogsExports as string[] | undefined) ?? [],
      CACertificateIdentifier: (input.CACertificateIdentifier as string | undefined) ?? 'rds-ca-rsa2048-g1',
      AutoMinorVersionUpgrade: (input.AutoMinorVersionUpgrade as boolean | undefined) ?? true,
      CopyTagsToSnapshot: (input.CopyTagsToSnapshot as boolean | undefined) ?? false,
      DeletionProtection: (input.DeletionProtection as boolean | undefined) ?? false,
      NetworkType: (input.NetworkType as string | undefined) ?? 'IPV4',
      // Backups as the restore asked for (the snapshot's retention otherwise); the rest a restore resets and the modify after it must bring back.
      BackupRetentionPeriod: (input.BackupRetentionPeriod as number | undefined) ?? 1,
      PreferredBackupWindow: (input.PreferredBackupWindow as string | undefined) ?? '22:00-22:30',
      PreferredMaintenanceWindow: 'mon:00:00-mon:00:30',
      MonitoringInterval: 0,
      PerformanceInsightsEnabled: false,
      StorageEncrypted: snap.Encrypted,
      KmsKeyId: snap.KmsKeyId,
      TagList: (input.Tags as Tag[] | undefined) ?? structuredClone(snap.TagList ?? []),
    };
    this.instances.set(id, db);
    this.clock.after(this.random.duration(this.timings.restore), `restore ${id}`, () => {
      if (this.instances.get(id) !== db) return;
      db.DBInstanceStatus = 'backing-up';
      db.Endpoint = { Address: `${id}.sim.${this.region}.rds.amazonaws.com`, Port: db.DbInstancePort };
      this.emit('db-instance', id, done.eventId, 'restoration', done.message);
      this.emit('db-instance', id, 'RDS-EVENT-0005', 'creation', 'DB instance created');
      this.emit('db-instance', id, 'RDS-EVENT-0001', 'backup', 'Backing up DB instance');
      this.clock.after(this.random.duration(this.timings.baselineBackup), `baseline backup ${id}`, () => {
        if (this.instances.get(id) !== db || db.DBInstanceStatus !== 'backing-up') return;
        db.DBInstanceStatus = 'available';
        this.emit('db-instance', id, 'RDS-EVENT-0002', 'backup', 'Finished DB Instance backup');
      });
    });
    return { DBInstance: structuredClone(db) };
  }

  private modifyDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.DBInstanceIdentifier);
    const db = this.instances.get(id);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
    if (['creating', 'deleting', 'rebooting'].includes(db.DBInstanceStatus ?? '')) {
      throw new InvalidDBInstanceStateFault({ message: `Database instance is not in available state (${db.DBInstanceStatus}).`, ...meta() });
    }
    if (input.MonitoringInterval !== undefined && Number(input.MonitoringInterval) > 0 && !input.MonitoringRoleArn && !db.MonitoringRoleArn) {
      throw invalidParameter('A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.', 'InvalidParameterCombination');
    }
    // ApplyImmediately: the simulator applies at once instead of going through PendingModifiedValues.
    for (const [param, field] of Object.entries(MODIFY_FIELDS)) if (input[param] !== undefined) (db as Record<string, unknown>)[field] = input[param];
    return { DBInstance: structuredClone(db) };
  }

  // ---- snapshots ----------------------------------------------------------------------------

  private snapshotOf(db: DBInstance, id: string, type: string, status: string): DBSnapshot {
    const now = this.clock.now();
    return {
      DBSnapshotIdentifier: id,
      DBSnapshotArn: this.arn('snapshot', id),
      DBInstanceIdentifier: db.DBInstanceIdentifier,
      DbiResourceId: db.DbiResourceId,
      SnapshotType: type,
      Status: status,
      Engine: db.Engine,
      EngineVersion: db.EngineVersion,
      AllocatedStorage: db.AllocatedStorage,
      Port: db.Endpoint?.Port ?? db.DbInstancePort,
      SnapshotCreateTime: now,
      OriginalSnapshotCreateTime: now,
      Encrypted: db.StorageEncrypted,
      KmsKeyId: db.KmsKeyId,
      PercentProgress: status === 'available' ? 100 : 0,
      TagList: db.CopyTagsToSnapshot ? structuredClone(db.TagList ?? []) : [],
    };
  }

  /** Cross-region copies in flight into this region now. */
  public crossRegionCopiesInFlight(): number {
    let n = 0;
    for (const s of this.snapshots.values()) if (s.SourceRegion && s.SourceRegion !== this.region && IN_FLIGHT.includes(s.Status ?? '')) n++;
    return n;
  }

  private manualSnapshotCount(): number {
    let n = 0;
    for (const s of this.snapshots.values()) if (s.SnapshotType === 'manual') n++;
    return n;
  }

  private noteInFlight(): void {
    this.copyHighWater = Math.max(this.copyHighWater, this.crossRegionCopiesInFlight());
  }

  /** A snapshot in `creating` that becomes available after the snapshot time, with its two events. */
  private startSnapshot(db: DBInstance, id: string, type: 'automated' | 'manual', tags: Tag[] = []): DBSnapshot {
    const snap = this.snapshotOf(db, id, type, 'creating');
    snap.TagList = mergeTags(snap.TagList, tags);
    this.snapshots.set(id, snap);
    const [creating, created] = type === 'automated' ? ['RDS-EVENT-0090', 'RDS-EVENT-0091'] : ['RDS-EVENT-0040', 'RDS-EVENT-0042'];
    this.emit('db-snapshot', id, creating, 'creation', type === 'automated' ? 'Creating automated snapshot' : 'Creating manual snapshot');
    this.clock.after(this.random.duration(this.timings.snapshot), `snapshot ${id}`, () => {
      if (this.snapshots.get(id) !== snap) return;
      snap.Status = 'available';
      snap.PercentProgress = 100;
      this.emit('db-snapshot', id, created, 'creation', type === 'automated' ? 'Automated snapshot created' : 'Manual snapshot created');
    });
    return snap;
  }

  /**
   * The nightly automated backup of an instance: `rds:<id>-YYYY-MM-DD-HH-MM`, creating (RDS-EVENT-0090)
   * then available (RDS-EVENT-0091). Automated snapshots older than the instance's backup retention go.
   */
  public takeAutomatedSnapshot(instanceId: string): DBSnapshot | undefined {
    const db = this.instances.get(instanceId);
    if (!db || !['available', 'backing-up'].includes(db.DBInstanceStatus ?? '')) return undefined;
    const stamp = this.clock.now().toISOString().slice(0, 16).replace(/[T:]/g, '-');
    const id = `rds:${instanceId}-${stamp}`;
    if (this.snapshots.has(id)) return this.snapshots.get(id);
    const keepMs = (db.BackupRetentionPeriod ?? 1) * 86_400_000;
    for (const [sid, s] of this.snapshots) {
      if (s.SnapshotType === 'automated' && s.DBInstanceIdentifier === instanceId && this.clock.millis - (s.SnapshotCreateTime?.getTime() ?? 0) > keepMs) this.snapshots.delete(sid);
    }
    return this.startSnapshot(db, id, 'automated');
  }

  /** An available snapshot of an instance taken at `at` (history before the simulation starts). */
  public seedSnapshot(instanceId: string, id: string, type: 'automated' | 'manual', at: Date, tags: Tag[] = []): DBSnapshot {
    const db = this.instances.get(instanceId);
    if (!db) throw new Error(`seedSnapshot: no instance ${instanceId} in ${this.region}`);
    const snap = this.snapshotOf(db, id, type, 'available');
    snap.SnapshotCreateTime = at;
    snap.OriginalSnapshotCreateTime = at;
    snap.TagList = mergeTags(snap.TagList, tags);
    this.snapshots.set(id, snap);
    return snap;
  }

  /** What CopyDBSnapshot makes of a source snapshot in this region, before it is stored. */
  private copyOf(source: DBSnapshot, sourceRegion: string, targetId: string, kmsKeyId: string | undefined, tags: Tag[]): DBSnapshot {
    return {
      DBSnapshotIdentifier: targetId,
      DBSnapshotArn: this.arn('snapshot', targetId),
      DBInstanceIdentifier: source.DBInstanceIdentifier,
      DbiResourceId: source.DbiResourceId,
      SnapshotType: 'manual',
      Status: 'copying',
      Engine: source.Engine,
      EngineVersion: source.EngineVersion,
      AllocatedStorage: source.AllocatedStorage,
      Port: source.Port,
      SnapshotCreateTime: this.clock.now(),
      // A copy keeps the time of the data it holds.
      OriginalSnapshotCreateTime: source.OriginalSnapshotCreateTime ?? source.SnapshotCreateTime,
      ...(sourceRegion !== this.region ? { SourceRegion: sourceRegion } : {}),
      SourceDBSnapshotIdentifier: source.DBSnapshotArn,
      Encrypted: kmsKeyId !== undefined,
      KmsKeyId: kmsKeyId,
      PercentProgress: 0,
      TagList: tags,
    };
  }

  /**
   * A copy that the project's pipeline made before the simulation starts: available, with the tags
   * and key the copy request gave it.
   */
  public seedCopy(source: DBSnapshot, sourceRegion: string, targetId: string, kmsKeyId: string | undefined, tags: Tag[]): DBSnapshot {
    const snap = this.copyOf(source, sourceRegion, targetId, kmsKeyId, mergeTags(source.TagList, tags));
    snap.Status = 'available';
    snap.PercentProgress = 100;
    snap.SnapshotCreateTime = new Date((source.SnapshotCreateTime?.getTime() ?? this.clock.millis) + 30 * 60_000);
    this.snapshots.set(targetId, snap);
    return snap;
  }

  /** The region and snapshot a CopyDBSnapshot source names: an ARN (any region of the account) or an id here. */
  private copySource(sourceId: string, input: Record<string, unknown>): { from: SimRds; snap: DBSnapshot } {
    const notFound = () => new DBSnapshotNotFoundFault({ message: `DBSnapshot not found: ${sourceId}`, ...meta() });
    if (!sourceId.startsWith('arn:')) {
      const local = this.snapshots.get(sourceId);
      if (!local) throw notFound();
      return { from: this, snap: local };
    }
    const m = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):snapshot:(.+)$/.exec(sourceId);
    if (!m) throw invalidParameter(`The parameter SourceDBSnapshotIdentifier is not a valid identifier: ${sourceId}`);
    const [, region = '', account, id = ''] = m;
    // Cross-account copies are not simulated: a snapshot of another account is not found.
    if (account !== this.account) throw notFound();
    const from = region === this.region ? this : this.regions.get(region);
    const snap = from?.snapshots.get(id);
    if (from && from.region !== this.region) this.checkPresignedUrl(input, sourceId, region, snap);
    if (!from || !snap) throw notFound();
    return { from, snap };
  }

  /**
   * A cross-region copy of an encrypted snapshot needs the PreSignedUrl the SDK builds: signed for the
   * source region, naming this region as the destination. A client in the wrong region, or an SDK that
   * did not presign, meets the error RDS gives.
   */
  private checkPresignedUrl(input: Record<string, unknown>, sourceArn: string, sourceRegion: string, source: DBSnapshot | undefined): void {
    const raw = input.PreSignedUrl as string | undefined;
    if (raw === undefined && !source?.Encrypted) return;
    let ok = false;
    try {
      const url = new URL(raw ?? '');
      const q = url.searchParams;
      ok =
        url.hostname === `rds.${sourceRegion}.amazonaws.com` &&
        q.get('Action') === 'CopyDBSnapshot' &&
        q.get('DestinationRegion') === this.region &&
        q.get('SourceDBSnapshotIdentifier') === sourceArn &&
        (q.get('X-Amz-Credential') ?? '').includes(`/${sourceRegion}/rds/`);
    } catch {
      ok = false;
    }
    if (!ok) throw invalidParameter('PreSignedUrl could not be authenticated.');
  }

  private copyDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const sourceId = param(input.SourceDBSnapshotIdentifier);
    const targetId = param(input.TargetDBSnapshotIdentifier);
    if (!isValidSnapshotId(targetId)) throw invalidSnapshotId('TargetDBSnapshotIdentifier');
    const { from, snap: source } = this.copySource(sourceId, input);
    if (source.Status !== 'available') throw new InvalidDBSnapshotStateFault({ message: `Snapshot ${source.DBSnapshotIdentifier} is not in available state (${source.Status}).`, ...meta() });
    if (this.snapshots.has(targetId)) throw new DBSnapshotAlreadyExistsFault({ message: `Cannot create the snapshot because a snapshot with the identifier ${targetId} already exists.`, ...meta() });
    const cross = from !== this;
    const requested = input.KmsKeyId as string | undefined;
    let key: string | undefined;
    if (requested !== undefined) {
      key = this.kms ? this.kms.resolve(requested, this.region)?.arn : requested;
      if (!key) throw new KMSKeyNotAccessibleFault({ message: `The target KMS key [${requested}] does not exist, is not enabled or you do not have permissions to access it.`, ...meta() });
    } else if (source.Encrypted) {
      // KMS keys never leave their region: a cross-region copy of an encrypted snapshot must name a key here.
      if (cross) throw invalidParameter('Must specify new KMS key for cross region encrypted snapshot copy.');
      key = source.KmsKeyId;
    }
    if (this.manualSnapshotCount() >= this.manualSnapshotQuota) {
      throw new SnapshotQuotaExceededFault({ message: `Cannot create more than ${this.manualSnapshotQuota} manual snapshots`, ...meta() });
    }
    if (cross && this.crossRegionCopiesInFlight() >= this.crossRegionCopyLimit) {
      throw new SnapshotQuotaExceededFault({ message: `Cannot copy more than ${this.crossRegionCopyLimit} snapshots across regions`, ...meta() });
    }
    const tags = mergeTags(input.CopyTags === true ? source.TagList : [], input.Tags as Tag[] | undefined);
    const snap = this.copyOf(source, from.region, targetId, key, tags);
    this.snapshots.set(targetId, snap);
    const took = this.random.duration(this.timings.copy);
    this.copyWindows.set(snap, { start: this.clock.millis, end: this.clock.millis + took });
    this.noteInFlight();
    if (cross) this.emit('db-snapshot', targetId, 'RDS-EVENT-0059', 'notification', `Started cross region copy of snapshot ${source.DBSnapshotArn}`);
    this.clock.after(took, `copy ${targetId}`, () => {
      this.copyWindows.delete(snap);
      if (this.snapshots.get(targetId) !== snap) return;
      snap.Status = 'available';
      snap.PercentProgress = 100;
      if (cross) this.emit('db-snapshot', targetId, 'RDS-EVENT-0060', 'notification', `Finished cross region copy of snapshot ${source.DBSnapshotArn} in ${Math.round(took / 60_000)} minutes`);
    });
    return { DBSnapshot: structuredClone(snap) };
  }

  private createDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBSnapshotIdentifier);
    const instanceId = param(input.DBInstanceIdentifier);
    if (!isValidSnapshotId(id)) throw invalidSnapshotId('DBSnapshotIdentifier');
    const db = this.instances.get(instanceId);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${instanceId} not found.`, ...meta() });
    if (db.DBInstanceStatus !== 'available') throw new InvalidDBInstanceStateFault({ message: `Cannot create a snapshot because the database instance ${instanceId} is not currently in the available state.`, ...meta() });
    if (this.snapshots.has(id)) throw new DBSnapshotAlreadyExistsFault({ message: `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`, ...meta() });
    if (this.manualSnapshotCount() >= this.manualSnapshotQuota) {
      throw new SnapshotQuotaExceededFault({ message: `Cannot create more than ${this.manualSnapshotQuota} manual snapshots`, ...meta() });
    }
    const snap = this.startSnapshot(db, id, 'manual', input.Tags as Tag[] | undefined);
    return { DBSnapshot: structuredClone(snap) };
  }

  private deleteDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBSnapshotIdentifier);
    const snap = this.snapshots.get(id);
    if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${id} not found.`, ...meta() });
    if (snap.SnapshotType !== 'manual') throw new InvalidDBSnapshotStateFault({ message: `Only manual snapshots can be deleted; ${id} is ${snap.SnapshotType}.`, ...meta() });
    if (snap.Status !== 'available') throw new InvalidDBSnapshotStateFault({ message: `Cannot delete the snapshot because it is not in available state (${snap.Status}).`, ...meta() });
    this.snapshots.delete(id);
    this.emit('db-snapshot', id, 'RDS-EVENT-0041', 'deletion', 'Deleted manual snapshot');
    return { DBSnapshot: { ...structuredClone(snap), Status: 'deleted' } };
  }

  private resourceByArn(arn: string): { TagList?: Tag[] } {
    const snap = [...this.snapshots.values()].find((s) => s.DBSnapshotArn === arn);
    if (snap) return snap;
    const db = [...this.instances.values()].find((d) => d.DBInstanceArn === arn);
    if (db) return db;
    if (arn.includes(':snapshot:')) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${arn} not found.`, ...meta() });
    throw new DBInstanceNotFoundFault({ message: `DBInstance ${arn} not found.`, ...meta() });
  }

  private listTagsForResource(input: Record<string, unknown>): Record<string, unknown> {
    return { TagList: structuredClone(this.resourceByArn(param(input.ResourceName)).TagList ?? []) };
  }

  private addTagsToResource(input: Record<string, unknown>): Record<string, unknown> {
    const resource = this.resourceByArn(param(input.ResourceName));
    resource.TagList = mergeTags(resource.TagList, input.Tags as Tag[] | undefined);
    if (resource.TagList.length > 50) throw invalidParameter('Cannot add tags: a resource can have at most 50 tags.', 'TagQuotaPerResourceExceeded');
    return {};
  }

  /**
   * A copy of one of x's snapshots arriving from the source region: `copying` now, `available` after
   * the copy time. It keeps x's identifier, DbiResourceId and original creation time.
   */
  public arriveCopy(
    input: { id: string; sourceInstanceId: string; sourceDbiResourceId: string; sourceRegion: string; sourceSnapshotId: string; dataTime: Date; engine: string; engineVersion?: string; allocatedStorage: number; port: number; kmsKeyId?: string; type?: string; tags?: Tag[] },
    copyTime: Distribution = this.timings.copy,
  ): DBSnapshot {
    const snap: DBSnapshot = {
      DBSnapshotIdentifier: input.id,
      DBSnapshotArn: this.arn('snapshot', input.id),
      DBInstanceIdentifier: input.sourceInstanceId,
      DbiResourceId: input.sourceDbiResourceId,
      SnapshotType: input.type ?? 'manual',
      Status: 'copying',
      Engine: input.engine,
      EngineVersion: input.engineVersion,
      AllocatedStorage: input.allocatedStorage,
      Port: input.port,
      SnapshotCreateTime: this.clock.now(),
      OriginalSnapshotCreateTime: input.dataTime,
      SourceRegion: input.sourceRegion,
      SourceDBSnapshotIdentifier: `arn:aws:rds:${input.sourceRegion}:${this.account}:snapshot:${input.sourceSnapshotId}`,
      Encrypted: input.kmsKeyId !== undefined,
      KmsKeyId: input.kmsKeyId,
      PercentProgress: 0,
      ...(input.tags ? { TagList: structuredClone(input.tags) } : {}),
    };
    this.snapshots.set(input.id, snap);
    const took = this.random.duration(copyTime);
    this.copyWindows.set(snap, { start: this.clock.millis, end: this.clock.millis + took });
    this.noteInFlight();
    this.emit('db-snapshot', input.id, 'RDS-EVENT-0059', 'notification', 'Started cross-region snapshot copy');
    this.clock.after(took, `copy ${input.id}`, () => {
      this.copyWindows.delete(snap);
      snap.Status = 'available';
      snap.PercentProgress = 100;
      this.emit('db-snapshot', input.id, 'RDS-EVENT-0060', 'notification', 'Finished cross-region snapshot copy');
    });
    return snap;
  }

  /** Brings PercentProgress of the copies in progress up to now. */
  private updateProgress(): void {
    for (const [snap, w] of this.copyWindows) {
      if (snap.Status !== 'copying') continue;
      snap.PercentProgress = Math.min(99, Math.floor(((this.clock.millis - w.start) / Math.max(1, w.end - w.start)) * 100));
    }
  }

  private describeDBSnapshots(input: Record<string, unknown>): Record<string, unknown> {
    this.updateProgress();
    const id = input.DBSnapshotIdentifier as string | undefined;
    if (id !== undefined) {
      const snap = [...this.snapshots.values()].find((s) => s.DBSnapshotIdentifier === id || s.DBSnapshotArn === id);
      if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${id} not found.`, ...meta() });
      return { DBSnapshots: [structuredClone(snap)] };
    }
    const byInstance = (input.DBInstanceIdentifier as string | undefined) ?? undefined;
    const instanceIds = SimRds.filterValues(input.Filters, 'db-instance-id');
    const resourceIds = SimRds.filterValues(input.Filters, 'dbi-resource-id');
    const snapshotIds = SimRds.filterValues(input.Filters, 'db-snapshot-id');
    const typeFilter = SimRds.filterValues(input.Filters, 'snapshot-type');
    const engines = SimRds.filterValues(input.Filters, 'engine');
    // Like RDS: without SnapshotType, automated and manual snapshots; shared and public only when asked.
    const types = input.SnapshotType ? [input.SnapshotType as string] : ['automated', 'manual', ...(input.IncludeShared ? ['shared'] : []), ...(input.IncludePublic ? ['public'] : [])];
    const all = [...this.snapshots.values()]
      .filter((s) => types.includes(s.SnapshotType ?? ''))
      .filter((s) => !byInstance || s.DBInstanceIdentifier === byInstance)
      .filter((s) => !instanceIds || instanceIds.includes(s.DBInstanceIdentifier ?? ''))
      .filter((s) => !resourceIds || resourceIds.includes(s.DbiResourceId ?? ''))
      .filter((s) => !snapshotIds || snapshotIds.includes(s.DBSnapshotIdentifier ?? ''))
      .filter((s) => !typeFilter || typeFilter.includes(s.SnapshotType ?? ''))
      .filter((s) => !engines || engines.includes(s.Engine ?? ''));
    const { items, marker } = this.page(all, input);
    return { DBSnapshots: structuredClone(items), ...(marker ? { Marker: marker } : {}) };
  }

  /** Someone deletes an instance by hand (console, CLI): not an API call of the project's. */
  public deleteByHand(id: string): void {
    this.deleteDBInstance({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
  }
}
