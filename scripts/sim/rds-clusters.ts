/**
 * Aurora DB clusters in the simulated RDS of one region. SimRds owns one {@link SimClusters} and delegates the cluster
 * API to it: clusters restored from DB cluster snapshots, their member DB instances (kept in SimRds.instances with
 * DBClusterIdentifier set, as DescribeDBInstances lists them), cluster endpoints that serve only once a writer is
 * available, cluster snapshots (automated, manual, final, cross-region copies with Aurora's own in-flight limit), DB
 * cluster parameter groups per engine family, Serverless v2 capacity, backtrack, master credentials, tags and the
 * cluster events. Each rule cites where it is documented; "assumed" marks what the documentation does not settle.
 *
 * Sources, cited below by short name:
 * - API reference: the RDS API reference page of the operation (the same text as the SDK's model documentation in
 *   @aws-sdk/client-rds).
 * - Aurora UG: the Amazon Aurora User Guide, by section.
 * - RDS-NOTES: ../shared/RDS-NOTES.md, the team's verified RDS facts.
 * - A capture: a public repository quoting what RDS answered (named where used).
 */
import type { DBCluster, DBClusterEndpoint, DBClusterMember, DBClusterSnapshot, DBInstance, ServerlessV2ScalingConfiguration, Tag } from '@aws-sdk/client-rds';
import {
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterParameterGroupNotFoundFault,
  DBClusterQuotaExceededFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBParameterGroupNotFoundFault,
  DBSnapshotNotFoundFault,
  DBSubnetGroupNotFoundFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  KMSKeyNotAccessibleFault,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import type { VirtualClock } from './clock';
import type { SimKey } from './kms';
import type { Distribution, Random } from './random';
import { uniform } from './random';
import type { SimRds } from './rds';
import type { ParameterGroup } from './rds-rules';
import { rdsError, text } from './rds-rules';
import { clusterAttributesResult, mayUse, modifyClusterRestoreAttribute, parseClusterSnapshotArn, PUBLIC, sharedClusterView, sharedCopyNeedsKey, sourceKeyNotAccessible } from './sharing';

/** How long Aurora takes, by default. All assumed (the documentation gives no durations) unless said otherwise. */
export interface ClusterTimings {
  /** RestoreDBClusterFromSnapshot accepted → cluster available (a public capture shows about 80 s for a small cluster). */
  create: Distribution;
  /** CreateDBInstance of a member accepted → member available. */
  instanceCreate: Distribution;
  /** DeleteDBInstance of a member accepted → member gone. */
  instanceDelete: Distribution;
  /** DeleteDBCluster accepted (after any final snapshot) → cluster gone. */
  delete: Distribution;
  /** A cluster snapshot (automated, CreateDBClusterSnapshot): creating → available. */
  snapshot: Distribution;
  /** The final snapshot of DeleteDBCluster: creating → available. */
  finalSnapshot: Distribution;
  /** A cross-region cluster snapshot copy: copying → available ("can take hours", Aurora UG, "DB cluster snapshot copying"). */
  copy: Distribution;
  /** A failover to a reader after the writer is deleted ("often less than 30 seconds", assumed up to a minute). */
  failover: Distribution;
}

/** The default durations (assumed; see {@link ClusterTimings}). */
export const DEFAULT_CLUSTER_TIMINGS: ClusterTimings = {
  create: uniform(60, 600),
  instanceCreate: uniform(300, 900),
  instanceDelete: uniform(120, 480),
  delete: uniform(60, 300),
  snapshot: uniform(60, 600),
  finalSnapshot: uniform(60, 300),
  copy: uniform(1200, 3600),
  failover: uniform(15, 60),
};

/** What SimClusters needs of its SimRds that SimRds keeps private: its helpers, handed over by SimRds itself. */
export interface RdsInternals {
  /** MaxRecords (20-100) / Marker pagination, as every Describe* of SimRds pages. */
  page<T>(items: T[], input: Record<string, unknown>): { items: T[]; marker?: string };
  /** The values of one Filters entry, or undefined when there is none. */
  filterValues(filters: unknown, name: string): string[] | undefined;
  /** What goes with a deleted instance: its managed secret, proxy targets, and the subscriptions that listed it. */
  instanceGone(db: DBInstance): void;
  /** Tags merged by key, later lists winning. */
  mergeTags(...lists: (Tag[] | undefined)[]): Tag[];
  /** A UUID from the simulation's seeded randomness. */
  uuid(): string;
  /**
   * The enabled key a KmsKeyId names for this account in this region: one of its own, or another simulated account's key
   * named by its ARN whose key policy admits this account (SimRds.resolveKmsKey; kms.ts).
   */
  resolveKmsKey(id: string): SimKey | undefined;
}

/** The engines the simulated clusters run: Aurora only (Multi-AZ DB clusters of RDS are not simulated). */
export const AURORA_ENGINES: readonly string[] = ['aurora-postgresql', 'aurora-mysql'];

/**
 * The DB (cluster) parameter group family of an Aurora engine version: aurora-postgresql16, aurora-mysql8.0
 * (CreateDBClusterParameterGroup API reference, DBParameterGroupFamily: "Aurora MySQL Example: aurora-mysql5.7,
 * aurora-mysql8.0; Aurora PostgreSQL Example: aurora-postgresql14"; Aurora MySQL versions look like
 * 8.0.mysql_aurora.3.05.2). Member instances' DB parameter groups have the same family names.
 */
export function clusterParameterGroupFamily(engine: string, version: string): string {
  const [major = '', minor = ''] = version.split('.');
  return engine === 'aurora-mysql' ? `aurora-mysql${major}.${minor}` : `${engine}${major}`;
}

/**
 * A cluster's writer endpoint, `<cluster>.cluster-<suffix>.<region>.rds.amazonaws.com` (the form of the Aurora User
 * Guide's examples, "Types of Aurora endpoints"; the simulation's suffix is `sim`, as for instances).
 */
export function clusterEndpoint(clusterId: string, region: string): string {
  return `${clusterId}.cluster-sim.${region}.rds.amazonaws.com`;
}

/** CreateDBCluster API reference, Port: "Default: RDS for MySQL and Aurora MySQL - 3306; RDS for PostgreSQL and Aurora PostgreSQL - 5432". */
export function defaultClusterPort(engine: string): number {
  return engine === 'aurora-mysql' ? 3306 : 5432;
}

/**
 * Log types per engine (ModifyDBCluster API reference, CloudwatchLogsExportConfiguration: "Aurora MySQL - audit | error
 * | general | instance | slowquery | iam-db-auth-error; Aurora PostgreSQL - instance | postgresql | iam-db-auth-error").
 */
const CLUSTER_LOG_TYPES: Readonly<Record<string, readonly string[]>> = {
  'aurora-mysql': ['audit', 'error', 'general', 'instance', 'slowquery', 'iam-db-auth-error'],
  'aurora-postgresql': ['instance', 'postgresql', 'iam-db-auth-error'],
};

/** Statuses from which a member instance can be deleted: those of an instance (rds.ts deleteDBInstance). */
const MEMBER_DELETABLE = ['available', 'backing-up', 'stopped', 'failed', 'incompatible-parameters', 'incompatible-network'];

/** Member statuses that serve connections. */
const SERVING = ['available', 'backing-up', 'modifying'];

const meta = () => ({ $metadata: { httpStatusCode: 400 } });
const combination = (message: string) => rdsError('InvalidParameterCombination', message);
const invalidValue = (message: string) => rdsError('InvalidParameterValue', message);
/** A request the simulator does not model; named as rds.ts names its own (UnsupportedOperation). */
const unsupported = (message: string) => rdsError('UnsupportedOperation', message);

/**
 * Identifiers: "Must contain from 1 to 63 letters, numbers, or hyphens. First character must be a letter. Can't end
 * with a hyphen or contain two consecutive hyphens." (RestoreDBClusterFromSnapshot DBClusterIdentifier,
 * CreateDBClusterSnapshot / CopyDBClusterSnapshot snapshot identifiers); a final snapshot identifier may have 255
 * (DeleteDBCluster FinalDBSnapshotIdentifier).
 */
function checkIdentifier(param: string, id: string, max = 63): void {
  const ok = new RegExp(`^[A-Za-z][A-Za-z0-9-]{0,${max - 1}}$`).test(id) && !id.includes('--') && !id.endsWith('-');
  // The message RDS gives for an invalid identifier (as rds.ts words it for snapshots).
  if (!ok) throw invalidValue(`The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`);
}

/** The numbers of a version string, for ordering: 16.6 → [16, 6]; 8.0.mysql_aurora.3.05.2 → [8, 0, 3, 5, 2]. */
function versionParts(v: string): number[] {
  return (v.match(/\d+/g) ?? []).map(Number);
}

function versionBefore(a: string, b: string): boolean {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
}

/**
 * Serverless v2 capacity (ServerlessV2ScalingConfiguration API reference): ACUs "in half-step increments"; MinCapacity
 * "the smallest value that you can use is 0" (versions with auto-pause; 0.5 otherwise: not told apart here, assumed
 * every version supports auto-pause); MaxCapacity "The largest value that you can use is 256 for recent Aurora
 * versions, or 128 for older versions" (256 here) and "must be higher than 0.5 ACUs" (CloudFormation
 * AWS::RDS::DBCluster ServerlessV2ScalingConfiguration); SecondsUntilAutoPause "between 300 seconds (five minutes) and
 * 86,400 seconds (one day)". Minimum not above maximum (assumed from the meaning). Messages unconfirmed.
 */
function checkServerlessV2(cfg: ServerlessV2ScalingConfiguration): void {
  const { MinCapacity: min, MaxCapacity: max, SecondsUntilAutoPause: pause } = cfg;
  const halfStep = (n: number) => Number.isFinite(n) && Number.isInteger(n * 2);
  if (min === undefined || max === undefined) throw combination('ServerlessV2ScalingConfiguration needs both MinCapacity and MaxCapacity.');
  if (!halfStep(min) || min < 0 || (min > 0 && min < 0.5) || min > 256) throw invalidValue(`Invalid MinCapacity ${min}: specify 0 or 0.5 to 256 ACUs in half-step increments.`);
  if (!halfStep(max) || max < 1 || max > 256) throw invalidValue(`Invalid MaxCapacity ${max}: specify 1 to 256 ACUs in half-step increments.`);
  if (min > max) throw combination(`MinCapacity ${min} can't be greater than MaxCapacity ${max}.`);
  if (pause !== undefined && (!Number.isInteger(pause) || pause < 300 || pause > 86_400)) throw invalidValue(`Invalid SecondsUntilAutoPause ${pause}: specify 300 to 86400 seconds.`);
}

/**
 * BacktrackWindow: "Currently, Backtrack is only supported for Aurora MySQL DB clusters" and "If specified, this value
 * must be set to a number from 0 to 259,200 (72 hours)" (RestoreDBClusterFromSnapshot / ModifyDBCluster API
 * reference). The message for another engine is the one RDS gave for an engine without backtrack
 * (hashicorp/terraform-provider-aws issue #4640: "Backtrack is not enabled for the aurora-mysql engine.").
 */
function checkBacktrack(engine: string, window: unknown): void {
  if (window === undefined) return;
  if (engine !== 'aurora-mysql') throw invalidValue(`Backtrack is not enabled for the ${engine} engine.`);
  const n = Number(window);
  if (!Number.isInteger(n) || n < 0 || n > 259_200) throw invalidValue(`Invalid BacktrackWindow ${text(window)}: it must be a number from 0 to 259200 seconds (72 hours).`);
}

/** Log types the engine exports (see CLUSTER_LOG_TYPES); message unconfirmed, worded as rds-rules.ts words it for instances. */
function checkLogTypes(engine: string, types: readonly string[]): void {
  const known = CLUSTER_LOG_TYPES[engine] ?? [];
  const bad = types.find((t) => !known.includes(t));
  if (bad !== undefined) throw combination(`You cannot use the log type '${bad}' with engine ${engine}; it exports ${known.join(', ')}.`);
}

/** Port: "Constraints: This value must be 1150-65535" (RestoreDBClusterFromSnapshot API reference); message unconfirmed. */
function checkPort(port: unknown): void {
  if (port === undefined) return;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1150 || n > 65535) throw invalidValue(`Invalid port ${text(port)}: the port must be between 1150 and 65535.`);
}

/** BackupRetentionPeriod "Must be a value from 1 to 35" (ModifyDBCluster API reference); message unconfirmed. */
function checkRetention(days: unknown): void {
  if (days === undefined) return;
  const n = Number(days);
  if (!Number.isInteger(n) || n < 1 || n > 35) throw invalidValue(`Invalid BackupRetentionPeriod ${text(days)}: it must be a value from 1 to 35.`);
}

/**
 * MasterUserPassword of a cluster: "Must contain from 8 to 41 characters. Can contain any printable ASCII character
 * except "/", """, or "@"." (ModifyDBCluster API reference). Messages unconfirmed; the value itself is never echoed.
 */
function checkPassword(password: string): void {
  if (password.length < 8 || password.length > 41) throw invalidValue('The parameter MasterUserPassword is not a valid password because it is shorter than 8 or longer than 41 characters.');
  if (!/^[\x20-\x7e]*$/.test(password) || /[/"@]/.test(password)) throw invalidValue("The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"' are allowed.");
}

/** The region of a cluster snapshot ARN, or undefined. */
function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[3];
}

/** The Aurora clusters of one simulated region. */
export class SimClusters {
  public readonly clusters = new Map<string, DBCluster>();
  public readonly snapshots = new Map<string, DBClusterSnapshot>();
  /** Custom DB cluster parameter groups, with their family (the default.<family> groups always exist). */
  public readonly parameterGroups = new Map<string, ParameterGroup>();
  public timings: ClusterTimings = DEFAULT_CLUSTER_TIMINGS;
  /**
   * Cross-region cluster snapshot copies allowed in flight into this region: "You can have up to five snapshot copy
   * requests in progress to a single destination Region per account" (Aurora UG, "DB cluster snapshot copying",
   * Limitations; RDS-NOTES). Counted apart from the instance snapshot copies of SimRds (assumed).
   */
  public crossRegionCopyLimit = 5;
  /** Manual cluster snapshots allowed in this region (RDS-NOTES: "100 manual cluster snapshots", adjustable). */
  public manualSnapshotQuota = 100;
  /** DB clusters allowed in this region (Aurora UG, "Quotas in Amazon Aurora": 40 DB clusters, adjustable). */
  public clusterQuota = 40;
  /** The most cross-region cluster copies ever in flight into this region at once. */
  public copyHighWater = 0;
  /** Master passwords, which RDS never returns: of each cluster and of each cluster snapshot. */
  private readonly passwords = new WeakMap<object, string>();
  /** Clusters whose DeleteDBCluster was accepted (they stay `available` while the final snapshot is taken). */
  private readonly deleting = new WeakSet<DBCluster>();
  /** When each copy in progress started and will finish, for PercentProgress. */
  private readonly copyWindows = new Map<DBClusterSnapshot, { start: number; end: number }>();
  /**
   * Each manual cluster snapshot's restore attribute: the accounts it is shared with, or `all`
   * (ModifyDBClusterSnapshotAttribute; sharing.ts). Keyed by the snapshot itself, so it goes with it: a deleted snapshot's
   * sharing is gone, and a new snapshot of the same identifier starts unshared.
   */
  private readonly restoreAttributes = new WeakMap<DBClusterSnapshot, string[]>();

  public constructor(
    private readonly rds: SimRds,
    private readonly internals: RdsInternals,
    private readonly clock: VirtualClock,
    private readonly random: Random,
  ) {}

  // ---- helpers for tests and the world ---------------------------------------------------------

  /**
   * Adds a custom DB cluster parameter group for an Aurora engine version. A group belongs to one family ("can be
   * applied only to a DB cluster running a database engine and engine version compatible with that DB cluster parameter
   * group family", CreateDBClusterParameterGroup API reference).
   */
  public addClusterParameterGroup(name: string, engine: string, version: string, parameters: Record<string, string> = {}): void {
    this.parameterGroups.set(name, { family: clusterParameterGroupFamily(engine, version), parameters });
  }

  /** Adds a custom DB parameter group for Aurora member instances (kept with SimRds's instance parameter groups). */
  public addInstanceParameterGroup(name: string, engine: string, version: string, parameters: Record<string, string> = {}): void {
    this.rds.parameterGroups.set(name, { family: clusterParameterGroupFamily(engine, version), parameters });
  }

  /** A cluster's current master password (tests only: RDS never returns it). */
  public masterPassword(clusterId: string): string | undefined {
    const c = this.clusters.get(clusterId.toLowerCase());
    return c ? this.passwords.get(c) : undefined;
  }

  /** Sets a seeded cluster's master password (history before the simulation starts). */
  public seedPassword(clusterId: string, password: string): void {
    const c = this.clusters.get(clusterId.toLowerCase());
    if (!c) throw new Error(`seedPassword: no cluster ${clusterId} in ${this.rds.region}`);
    this.passwords.set(c, password);
  }

  /** A cluster snapshot's master password: the cluster's when it was taken (tests only). */
  public snapshotPassword(snapshotId: string): string | undefined {
    const s = this.snapshots.get(snapshotId);
    return s ? this.passwords.get(s) : undefined;
  }

  /** Whether the cluster's endpoints serve: its writer endpoint is available (see DescribeDBClusterEndpoints). */
  public endpointsReady(clusterId: string): boolean {
    const c = this.clusters.get(clusterId.toLowerCase());
    return c !== undefined && this.endpointStatus(c, 'WRITER') === 'available';
  }

  /** Cross-region cluster snapshot copies in flight into this region now. */
  public crossRegionCopiesInFlight(): number {
    let n = 0;
    for (const s of this.snapshots.values()) if (s.Status === 'copying' && regionOfArn(s.SourceDBClusterSnapshotArn) !== this.rds.region) n++;
    return n;
  }

  /**
   * x as a running Aurora cluster, history before the simulation starts: available, with an available writer (and
   * readers), its endpoints serving.
   */
  public seedCluster(input: {
    id: string;
    engine: string;
    engineVersion: string;
    port?: number;
    kmsKeyId?: string;
    masterUsername?: string;
    masterPassword?: string;
    tags?: Tag[];
    backupRetentionPeriod?: number;
    copyTagsToSnapshot?: boolean;
    deletionProtection?: boolean;
    serverlessV2?: ServerlessV2ScalingConfiguration;
    /** Member instances, the first the writer. */
    members?: { id: string; instanceClass: string }[];
    createdAt?: Date;
  }): DBCluster {
    const id = input.id.toLowerCase();
    const created = input.createdAt ?? this.clock.now();
    const c = this.newCluster(id, {
      engine: input.engine,
      version: input.engineVersion,
      port: input.port ?? defaultClusterPort(input.engine),
      masterUsername: input.masterUsername ?? (input.engine === 'aurora-mysql' ? 'admin' : 'postgres'),
      kmsKeyId: input.kmsKeyId,
      parameterGroup: `default.${clusterParameterGroupFamily(input.engine, input.engineVersion)}`,
      subnetGroup: 'default',
      tags: input.tags ?? [],
    });
    Object.assign(c, {
      Status: 'available',
      ClusterCreateTime: created,
      BackupRetentionPeriod: input.backupRetentionPeriod ?? 1,
      CopyTagsToSnapshot: input.copyTagsToSnapshot ?? false,
      DeletionProtection: input.deletionProtection ?? false,
      ...(input.serverlessV2 ? { ServerlessV2ScalingConfiguration: structuredClone(input.serverlessV2) } : {}),
    });
    if (input.masterPassword !== undefined) this.passwords.set(c, input.masterPassword);
    this.clusters.set(id, c);
    for (const m of input.members ?? []) {
      const db = this.newMember(c, m.id.toLowerCase(), { DBInstanceClass: m.instanceClass });
      db.DBInstanceStatus = 'available';
      db.InstanceCreateTime = created;
      db.Endpoint = { Address: `${db.DBInstanceIdentifier ?? ''}.sim.${this.rds.region}.rds.amazonaws.com`, Port: c.Port };
      this.rds.instances.set(db.DBInstanceIdentifier ?? '', db);
    }
    return c;
  }

  /** An available snapshot of a cluster taken at `at` (history before the simulation starts). */
  public seedClusterSnapshot(clusterId: string, id: string, type: 'automated' | 'manual', at: Date, tags: Tag[] = []): DBClusterSnapshot {
    const c = this.clusters.get(clusterId.toLowerCase());
    if (!c) throw new Error(`seedClusterSnapshot: no cluster ${clusterId} in ${this.rds.region}`);
    const snap = this.snapshotOf(c, id, type, 'available');
    snap.SnapshotCreateTime = at;
    snap.TagList = this.internals.mergeTags(snap.TagList, tags);
    this.snapshots.set(id, snap);
    return snap;
  }

  /** A cross-region copy that the project's pipeline made before the simulation starts: available. */
  public seedClusterCopy(source: DBClusterSnapshot, targetId: string, kmsKeyId: string | undefined, tags: Tag[] = []): DBClusterSnapshot {
    const from = this.rds.regions.get(regionOfArn(source.DBClusterSnapshotArn) ?? '')?.clusters ?? this;
    const copy = this.copyOf(source, targetId, kmsKeyId, this.internals.mergeTags(source.TagList, tags), from);
    copy.Status = 'available';
    copy.PercentProgress = 100;
    this.snapshots.set(targetId, copy);
    return copy;
  }

  /**
   * A copy of one of x's cluster snapshots arriving from the source region: `copying` now, `available` after the copy
   * time. No event marks either end: the DB cluster snapshot events list no copy events (Aurora UG, "Amazon RDS event
   * categories and event messages for Aurora", DB cluster snapshot events; Neptune's list, with the same RDS ids,
   * likewise: only 0074/0075, 0162-0164, 0168/0169). Assumed none is emitted: a copy's end is seen by polling.
   */
  public arriveClusterCopy(
    input: {
      id: string;
      sourceClusterId: string;
      sourceClusterResourceId: string;
      sourceRegion: string;
      sourceSnapshotId: string;
      dataTime: Date;
      engine: string;
      engineVersion: string;
      port?: number;
      kmsKeyId?: string;
      type?: string;
      tags?: Tag[];
      masterUsername?: string;
      masterPassword?: string;
    },
    copyTime: Distribution = this.timings.copy,
  ): DBClusterSnapshot {
    const snap: DBClusterSnapshot = {
      DBClusterSnapshotIdentifier: input.id,
      DBClusterSnapshotArn: this.rds.arn('cluster-snapshot', input.id),
      DBClusterIdentifier: input.sourceClusterId,
      DbClusterResourceId: input.sourceClusterResourceId,
      SnapshotType: input.type ?? 'manual',
      Status: 'copying',
      Engine: input.engine,
      EngineVersion: input.engineVersion,
      EngineMode: 'provisioned',
      Port: input.port ?? defaultClusterPort(input.engine),
      MasterUsername: input.masterUsername ?? (input.engine === 'aurora-mysql' ? 'admin' : 'postgres'),
      AllocatedStorage: 1,
      StorageType: 'aurora',
      // DBClusterSnapshot has no OriginalSnapshotCreateTime: a copy is assumed to keep its source's SnapshotCreateTime
      // (the time of its data; unconfirmed).
      SnapshotCreateTime: input.dataTime,
      StorageEncrypted: input.kmsKeyId !== undefined,
      ...(input.kmsKeyId !== undefined ? { KmsKeyId: input.kmsKeyId } : {}),
      SourceDBClusterSnapshotArn: `arn:aws:rds:${input.sourceRegion}:${this.rds.account}:cluster-snapshot:${input.sourceSnapshotId}`,
      PercentProgress: 0,
      IAMDatabaseAuthenticationEnabled: false,
      TagList: structuredClone(input.tags ?? []),
    };
    if (input.masterPassword !== undefined) this.passwords.set(snap, input.masterPassword);
    this.snapshots.set(input.id, snap);
    this.startCopy(snap, copyTime);
    return snap;
  }

  /**
   * The nightly automated backup of a cluster: `rds:<cluster>-YYYY-MM-DD-HH-MM` (RDS-NOTES, automated snapshot ids),
   * creating (RDS-EVENT-0168) then available (RDS-EVENT-0169; RDS-NOTES: "Aurora does emit 0169"). Automated snapshots
   * older than the cluster's backup retention go.
   */
  public takeAutomatedClusterSnapshot(clusterId: string): DBClusterSnapshot | undefined {
    const c = this.clusters.get(clusterId.toLowerCase());
    if (!c || c.Status !== 'available' || this.deleting.has(c)) return undefined;
    const stamp = this.clock.now().toISOString().slice(0, 16).replace(/[T:]/g, '-');
    const id = `rds:${c.DBClusterIdentifier ?? ''}-${stamp}`;
    const existing = this.snapshots.get(id);
    if (existing) return existing;
    const keepMs = (c.BackupRetentionPeriod ?? 1) * 86_400_000;
    for (const [sid, s] of this.snapshots) {
      if (s.SnapshotType === 'automated' && s.DbClusterResourceId === c.DbClusterResourceId && this.clock.millis - (s.SnapshotCreateTime?.getTime() ?? 0) > keepMs) this.snapshots.delete(sid);
    }
    return this.startSnapshot(c, id, 'automated');
  }

  // ---- the API ----------------------------------------------------------------------------------

  /**
   * DescribeDBClusters: by DBClusterIdentifier (identifier or ARN; "isn't case-sensitive"), or the documented filters
   * db-cluster-id (identifiers and ARNs), db-cluster-resource-id and engine, paged (MaxRecords 20-100, Marker) (API
   * reference). DBClusterNotFoundFault for an unknown identifier ("DBCluster <id> not found.", the form RDS gives for
   * instances; assumed the same).
   */
  public describeDBClusters(input: Record<string, unknown>): Record<string, unknown> {
    const id = input.DBClusterIdentifier as string | undefined;
    if (id !== undefined) return { DBClusters: [structuredClone(this.cluster(id))] };
    const ids = this.internals.filterValues(input.Filters, 'db-cluster-id');
    const resources = this.internals.filterValues(input.Filters, 'db-cluster-resource-id');
    const engines = this.internals.filterValues(input.Filters, 'engine');
    const all = [...this.clusters.values()]
      .filter((c) => !ids || ids.some((v) => v.toLowerCase() === c.DBClusterIdentifier || v === c.DBClusterArn))
      .filter((c) => !resources || resources.includes(c.DbClusterResourceId ?? ''))
      .filter((c) => !engines || engines.includes(c.Engine ?? ''));
    const { items, marker } = this.internals.page(all, input);
    return { DBClusters: structuredClone(items), ...(marker ? { Marker: marker } : {}) };
  }

  /**
   * DescribeDBClusterEndpoints: the cluster's WRITER and READER endpoints with their status ("creating, available,
   * deleting, inactive, modifying", DBClusterEndpoint API reference). A restored cluster has no instance and "the
   * cluster endpoints stay creating" until a writer is created (RDS-NOTES, Aurora); the writer endpoint serves once the
   * writer is available, the reader endpoint once any member is ("If the cluster contains only a primary instance and
   * no Aurora Replicas, the reader endpoint connects to the primary instance", Aurora UG, "Reader endpoint"). After the
   * last instance is deleted the endpoints are assumed to report creating again (unconfirmed).
   */
  public describeDBClusterEndpoints(input: Record<string, unknown>): Record<string, unknown> {
    const id = input.DBClusterIdentifier as string | undefined;
    const list = id !== undefined ? [this.cluster(id)] : [...this.clusters.values()];
    const types = this.internals.filterValues(input.Filters, 'db-cluster-endpoint-type');
    const endpoints: DBClusterEndpoint[] = [];
    for (const c of list) {
      for (const type of ['WRITER', 'READER'] as const) {
        if (types && !types.map((t) => t.toUpperCase()).includes(type)) continue;
        // The built-in endpoints are assumed to carry the cluster's identifier (unconfirmed).
        endpoints.push({
          DBClusterEndpointIdentifier: c.DBClusterIdentifier,
          DBClusterIdentifier: c.DBClusterIdentifier,
          Endpoint: type === 'WRITER' ? c.Endpoint : c.ReaderEndpoint,
          Status: this.endpointStatus(c, type),
          EndpointType: type,
        });
      }
    }
    const { items, marker } = this.internals.page(endpoints, input);
    return { DBClusterEndpoints: items, ...(marker ? { Marker: marker } : {}) };
  }

  /**
   * RestoreDBClusterFromSnapshot (API reference). "This operation only restores the DB cluster, not the DB instances
   * for that DB cluster. You must invoke the CreateDBInstance operation ... You can create DB instances only after the
   * RestoreDBClusterFromSnapshot operation has completed and the DB cluster is available." The cluster is `creating`,
   * then `available` with RDS-EVENT-0170 (RDS-NOTES: "cluster created (also after a restore)"; "DB cluster created" in a
   * public capture of the SNS message). Restores from DB (instance) snapshots are not simulated.
   *
   * Another account's cluster snapshot of this region shared with this one (or public) is restored directly, named by
   * its ARN, encrypted or not: "Sharing a manual DB cluster snapshot, whether encrypted or unencrypted, enables authorized
   * AWS accounts to directly restore a DB cluster from the snapshot instead of taking a copy of it and restoring from
   * that"; "When you restore a DB cluster from a shared snapshot using the AWS CLI or Amazon RDS API, you must specify the
   * Amazon Resource Name (ARN) of the shared snapshot as the snapshot identifier" (Aurora User Guide, "Sharing a DB
   * cluster snapshot"). Unlike a DB instance (sharing.ts, sharedEncryptedRestore), no copy is needed; an encrypted one
   * needs its KMS key to admit this account (checkSourceKey). The cluster is this account's; it holds the snapshot's
   * data, master user and password.
   */
  public restoreDBClusterFromSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const rawId = text(input.DBClusterIdentifier);
    checkIdentifier('DBClusterIdentifier', rawId);
    // "This parameter isn't case-sensitive" (DBClusterIdentifier); RDS keeps identifiers in lowercase.
    const id = rawId.toLowerCase();
    const engine = text(input.Engine);
    if (!AURORA_ENGINES.includes(engine)) {
      if (engine === 'postgres' || engine === 'mysql') throw unsupported('the simulator does not implement Multi-AZ DB clusters (engine postgres or mysql): only aurora-postgresql and aurora-mysql');
      // Engine is required (API reference); message unconfirmed.
      throw invalidValue(`Invalid DB engine: ${engine || '(none)'}`);
    }
    // "DBClusterAlreadyExistsFault: The user already has a DB cluster with the given identifier" (API reference); the
    // message RDS gives is assumed.
    if (this.clusters.has(id)) throw new DBClusterAlreadyExistsFault({ message: 'DB Cluster already exists', ...meta() });
    const snapId = text(input.SnapshotIdentifier);
    const own = this.snapshotByIdOrArn(snapId);
    // Another account's, by its ARN: only one shared with this account (or public), of this region (a restore reads a
    // snapshot of its own region; one of another region is copied first).
    const shared = own ? undefined : this.sharedSnapshot(snapId);
    const from = shared && shared.owner.rds.region === this.rds.region ? shared.owner : this;
    const snap = own ?? (from !== this ? shared?.snap : undefined);
    if (!snap) {
      // "You can use either the name or the ARN to specify a DB cluster snapshot. However, you can use only the ARN to
      // specify a DB snapshot" (SnapshotIdentifier).
      if (snapId.includes(':snapshot:')) throw unsupported('the simulator restores clusters only from DB cluster snapshots');
      throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot not found: ${snapId}`, ...meta() });
    }
    // InvalidDBClusterSnapshotStateFault: "The supplied value isn't a valid DB cluster snapshot state" (API reference);
    // only available snapshots can be restored (RDS-NOTES). Message assumed.
    if (snap.Status !== 'available') throw new InvalidDBClusterSnapshotStateFault({ message: `DB cluster snapshot ${snap.DBClusterSnapshotIdentifier ?? snapId} is not in the available state (${snap.Status ?? '?'}).`, ...meta() });
    // Engine "Constraint: Must be compatible with the engine of the source" (API reference); message assumed.
    if (snap.Engine !== engine) throw combination(`The engine ${engine} is not compatible with the engine ${snap.Engine ?? '?'} of DB cluster snapshot ${snap.DBClusterSnapshotIdentifier ?? snapId}.`);
    if (this.clusters.size >= this.clusterQuota) throw new DBClusterQuotaExceededFault({ message: 'The request would result in you exceeding the allowed number of DB clusters.', ...meta() });
    if (from !== this) this.checkSourceKey(from, snap);

    // EngineVersion: the API reference says an unspecified version is "the default version for the database engine in
    // the Amazon Web Services Region"; the simulator has no Region defaults and assumes the snapshot's version. A version
    // below the snapshot's cannot hold its data (assumed refused; message unconfirmed).
    const version = (input.EngineVersion as string | undefined) ?? snap.EngineVersion ?? '';
    if (snap.EngineVersion && versionBefore(version, snap.EngineVersion)) throw combination(`Cannot restore a DB cluster snapshot of version ${snap.EngineVersion} to the lower version ${version}.`);
    checkPort(input.Port);
    checkBacktrack(engine, input.BacktrackWindow);
    checkRetention(input.BackupRetentionPeriod);
    if (input.ServerlessV2ScalingConfiguration !== undefined) checkServerlessV2(input.ServerlessV2ScalingConfiguration as ServerlessV2ScalingConfiguration);
    checkLogTypes(engine, (input.EnableCloudwatchLogsExports as string[] | undefined) ?? []);
    // DBSubnetGroupName "If supplied, must match the name of an existing DBSubnetGroup" (API reference).
    const subnet = (input.DBSubnetGroupName as string | undefined) ?? 'default';
    if (!this.rds.subnetGroups.has(subnet)) throw new DBSubnetGroupNotFoundFault({ message: `DBSubnetGroup ${subnet} not found.`, ...meta() });
    const pg = this.checkClusterParameterGroup(input.DBClusterParameterGroupName as string | undefined, engine, version);
    // KmsKeyId "When you don't specify a value ... If the DB snapshot or DB cluster snapshot in SnapshotIdentifier is
    // encrypted, then the restored DB cluster is encrypted using the KMS key that was used to encrypt [it] ... isn't
    // encrypted, then the restored DB cluster isn't encrypted" (API reference). A key given for an unencrypted snapshot
    // encrypts the restored cluster ("you can restore an unencrypted snapshot to an encrypted Aurora DB cluster. To do
    // this, specify a KMS key when you restore", Aurora UG, "Encrypting Amazon Aurora resources").
    const key = input.KmsKeyId !== undefined ? this.resolveKey(text(input.KmsKeyId), 'The specified KMS key') : snap.StorageEncrypted ? snap.KmsKeyId : undefined;

    const c = this.newCluster(id, {
      engine,
      version,
      // Port "Default: The same port as the original DB cluster" (API reference).
      port: input.Port !== undefined ? Number(input.Port) : (snap.Port ?? defaultClusterPort(engine)),
      masterUsername: snap.MasterUsername ?? '',
      kmsKeyId: key,
      parameterGroup: pg,
      subnetGroup: subnet,
      // Tags given, else the snapshot's (as a restored instance takes its snapshot's tags, RDS-NOTES; assumed for clusters);
      // of a shared snapshot, none: its owner's tags are not shown to this account (sharing.ts, sharedClusterView; assumed).
      tags: (input.Tags as Tag[] | undefined) ?? (from !== this ? [] : structuredClone(snap.TagList ?? [])),
    });
    Object.assign(c, {
      // "If you don't specify a security group, the new DB cluster is associated with the default security group."
      VpcSecurityGroups: ((input.VpcSecurityGroupIds as string[] | undefined) ?? ['sg-default']).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
      ...(input.AvailabilityZones !== undefined ? { AvailabilityZones: [...(input.AvailabilityZones as string[])] } : {}),
      // "By default, deletion protection isn't enabled"; CopyTagsToSnapshot "The default is not to copy them"; IAM
      // mapping "By default, mapping isn't enabled"; BackupRetentionPeriod "Default: 1" (API reference).
      DeletionProtection: input.DeletionProtection === true,
      CopyTagsToSnapshot: input.CopyTagsToSnapshot === true,
      IAMDatabaseAuthenticationEnabled: input.EnableIAMDatabaseAuthentication === true,
      BackupRetentionPeriod: input.BackupRetentionPeriod !== undefined ? Number(input.BackupRetentionPeriod) : 1,
      ...(input.PreferredBackupWindow !== undefined ? { PreferredBackupWindow: text(input.PreferredBackupWindow) } : {}),
      EnabledCloudwatchLogsExports: [...((input.EnableCloudwatchLogsExports as string[] | undefined) ?? [])],
      ...(input.BacktrackWindow !== undefined && Number(input.BacktrackWindow) > 0 ? { BacktrackWindow: Number(input.BacktrackWindow) } : {}),
      ...(input.ServerlessV2ScalingConfiguration !== undefined ? { ServerlessV2ScalingConfiguration: structuredClone(input.ServerlessV2ScalingConfiguration as ServerlessV2ScalingConfiguration) } : {}),
    });
    // The restored cluster holds the snapshot's data: its master user and password (RDS-NOTES, "Credentials").
    const password = from.passwords.get(snap);
    if (password !== undefined) this.passwords.set(c, password);
    this.clusters.set(id, c);
    this.clock.after(this.random.duration(this.timings.create), `restore cluster ${id}`, () => {
      if (this.clusters.get(id) !== c) return;
      c.Status = 'available';
      this.rds.emit('db-cluster', id, 'RDS-EVENT-0170', 'creation', 'DB cluster created');
    });
    return { DBCluster: structuredClone(c) };
  }

  /**
   * CreateDBInstance, for Aurora cluster members only (with DBClusterIdentifier). The first member is the writer, later
   * ones readers (Aurora UG, "Amazon Aurora DB clusters": one writer, up to 15 Aurora Replicas). The member is
   * `creating`, then `available` with RDS-EVENT-0005 ("instance created", RDS-NOTES).
   */
  public createDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const rawId = text(input.DBInstanceIdentifier);
    checkIdentifier('DBInstanceIdentifier', rawId);
    // DBInstanceIdentifier "This parameter is stored as a lowercase string" (API reference).
    const id = rawId.toLowerCase();
    if (input.DBClusterIdentifier === undefined) throw unsupported('the simulator implements CreateDBInstance only for Aurora cluster members (with DBClusterIdentifier)');
    if (this.rds.instances.has(id)) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta() });
    const c = this.cluster(text(input.DBClusterIdentifier));
    // Settings the cluster owns, which "doesn't apply to Amazon Aurora DB instances" (CreateDBInstance API reference):
    // refused with the messages RDS gives (public captures: "The requested DB Instance will be a member of a DB Cluster.
    // Set backup retention period / backup window / vpc security group / master user password for the DB Cluster.",
    // "Deletion Protection can only be applied on the Cluster level, not for individual instances",
    // hashicorp/terraform-provider-aws PR #6009; the storage, user name and database name messages as moto records
    // them). Other such settings (StorageType, KmsKeyId, Port, ...) are assumed ignored.
    const owned: [string, string][] = [
      ['AllocatedStorage', "The requested DB instance will be a member of a DB cluster. You don't need to set storage size."],
      ['MasterUsername', 'The requested DB Instance will be a member of a DB Cluster. Set master user name for the DB Cluster.'],
      ['MasterUserPassword', 'The requested DB Instance will be a member of a DB Cluster. Set master user password for the DB Cluster.'],
      ['DBName', 'The requested DB Instance will be a member of a DB Cluster. Set database name for the DB Cluster.'],
      ['BackupRetentionPeriod', 'The requested DB Instance will be a member of a DB Cluster. Set backup retention period for the DB Cluster.'],
      ['PreferredBackupWindow', 'The requested DB Instance will be a member of a DB Cluster. Set backup window for the DB Cluster.'],
      ['VpcSecurityGroupIds', 'The requested DB Instance will be a member of a DB Cluster. Set vpc security group for the DB Cluster.'],
      ['DeletionProtection', 'Deletion Protection can only be applied on the Cluster level, not for individual instances'],
    ];
    for (const [param, message] of owned) if (input[param] !== undefined) throw combination(message);
    // Engine must be the cluster's: the message RDS gives (aws-controllers-k8s rds-controller test fixture).
    const engine = text(input.Engine);
    if (engine !== c.Engine) throw combination(`The engine name requested for your DB instance (${engine}) doesn't match the engine name of your DB cluster (${c.Engine ?? '?'}).`);
    // "The engine version that you requested for your DB instance (x) does not match the engine version of your DB
    // cluster (y)." (the message as moto records it).
    if (input.EngineVersion !== undefined && text(input.EngineVersion) !== c.EngineVersion) {
      throw combination(`The engine version that you requested for your DB instance (${text(input.EngineVersion)}) does not match the engine version of your DB cluster (${c.EngineVersion ?? '?'}).`);
    }
    // DBInstanceClass is required (API reference); message unconfirmed.
    const cls = text(input.DBInstanceClass);
    if (!cls) throw invalidValue('The parameter DBInstanceClass must be provided and must not be blank.');
    // "You can create DB instances only after the RestoreDBClusterFromSnapshot operation has completed and the DB
    // cluster is available" (RestoreDBClusterFromSnapshot API reference); message assumed.
    if (c.Status !== 'available' || this.deleting.has(c)) throw new InvalidDBClusterStateFault({ message: `DB cluster ${c.DBClusterIdentifier ?? '?'} is not in the available state (${this.deleting.has(c) ? 'deleting' : (c.Status ?? '?')}).`, ...meta() });
    // db.serverless needs the cluster's capacity range first: "If you have an Aurora cluster, you must set this
    // attribute before you add a DB instance that uses the db.serverless DB instance class" (CloudFormation
    // ServerlessV2ScalingConfiguration); the message RDS gives (terraform-aws-modules/terraform-aws-rds-aurora #537).
    if (cls === 'db.serverless' && !c.ServerlessV2ScalingConfiguration) {
      throw new InvalidDBClusterStateFault({ message: 'Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance.', ...meta() });
    }
    // PromotionTier "Default: 1; Valid Values: 0 - 15" (API reference); message unconfirmed.
    if (input.PromotionTier !== undefined && (!Number.isInteger(Number(input.PromotionTier)) || Number(input.PromotionTier) < 0 || Number(input.PromotionTier) > 15)) {
      throw invalidValue(`Invalid PromotionTier ${text(input.PromotionTier)}: valid values are 0 to 15.`);
    }
    // DBParameterGroupName: an existing group of the engine version's family (DBParameterGroupNotFoundFault; the family
    // rule and its message as rds-rules.ts has them for instances, "for this instance").
    const pgName = input.DBParameterGroupName as string | undefined;
    const family = clusterParameterGroupFamily(c.Engine ?? '', c.EngineVersion ?? '');
    if (pgName !== undefined) {
      const pg = this.rds.parameterGroups.get(pgName) ?? (pgName.startsWith('default.') ? { family: pgName.slice('default.'.length), parameters: {} } : undefined);
      if (!pg) throw new DBParameterGroupNotFoundFault({ message: `DBParameterGroup not found: ${pgName}`, ...meta() });
      if (pg.family !== family) throw combination(`The parameter group ${pgName} with DBParameterGroupFamily ${pg.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${family}.`);
    }
    const db = this.newMember(c, id, input);
    this.rds.instances.set(id, db);
    this.clock.after(this.random.duration(this.timings.instanceCreate), `create ${id}`, () => {
      if (this.rds.instances.get(id) !== db || db.DBInstanceStatus !== 'creating') return;
      db.DBInstanceStatus = 'available';
      db.Endpoint = { Address: `${id}.sim.${this.rds.region}.rds.amazonaws.com`, Port: c.Port };
      this.rds.emit('db-instance', id, 'RDS-EVENT-0005', 'creation', 'DB instance created', db.DbiResourceId);
    });
    return { DBInstance: structuredClone(db) };
  }

  /**
   * DeleteDBInstance of a cluster member (SimRds hands members over). "DB instances in a DB cluster can be deleted even
   * when deletion protection is enabled for the DB cluster" (CreateDBInstance API reference, DeletionProtection). No
   * final snapshot: "You can't take a final snapshot when deleting a DB instance in a DB cluster" (AWS CLI example
   * delete-db-cluster), refused with the message RDS gives (cloud-custodian issue #1153); SkipFinalSnapshot is not
   * needed (the same example deletes a member without it). Deleting the writer of a cluster with readers fails over:
   * "If you delete the writer instance, then Aurora automatically promotes the reader instance to a writer instance"
   * (AWS Knowledge Center, "rds-error-delete-aurora-cluster").
   */
  public deleteMember(db: DBInstance, input: Record<string, unknown>): Record<string, unknown> {
    const id = db.DBInstanceIdentifier ?? '';
    if (input.FinalDBSnapshotIdentifier !== undefined) throw combination('FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance');
    // As rds.ts refuses an instance in another state; message as rds.ts words it.
    if (!MEMBER_DELETABLE.includes(db.DBInstanceStatus ?? '')) throw new InvalidDBInstanceStateFault({ message: `Instance ${id} is not in a state that allows deletion (${db.DBInstanceStatus ?? '?'}).`, ...meta() });
    db.DBInstanceStatus = 'deleting';
    const c = this.clusters.get(db.DBClusterIdentifier ?? '');
    if (c && c.DBClusterMembers?.some((m) => m.DBInstanceIdentifier === id && m.IsClusterWriter)) this.failover(c, id);
    this.clock.after(this.random.duration(this.timings.instanceDelete), `delete ${id}`, () => {
      if (this.rds.instances.get(id) !== db) return;
      this.rds.instances.delete(id);
      if (c) c.DBClusterMembers = (c.DBClusterMembers ?? []).filter((m) => m.DBInstanceIdentifier !== id);
      this.rds.emit('db-instance', id, 'RDS-EVENT-0003', 'deletion', 'DB instance deleted', db.DbiResourceId);
      this.internals.instanceGone(db);
    });
    return { DBInstance: structuredClone(db) };
  }

  /**
   * ModifyDBInstance of a cluster member: the settings the cluster owns are refused, pointing to ModifyDBCluster. The
   * message RDS gives for backup retention (Optum/dce issue #244) and deletion protection (crossplane-contrib/provider-aws
   * issue #1529); the other settings by the same pattern (assumed).
   */
  public checkMemberModify(input: Record<string, unknown>): void {
    const owned: Record<string, string> = {
      BackupRetentionPeriod: 'backup retention',
      DeletionProtection: 'deletion protection',
      PreferredBackupWindow: 'backup window',
      MasterUserPassword: 'master user password',
      ManageMasterUserPassword: 'master user password',
      EnableIAMDatabaseAuthentication: 'IAM database authentication',
      VpcSecurityGroupIds: 'vpc security group',
      CloudwatchLogsExportConfiguration: 'log exports',
    };
    for (const [param, what] of Object.entries(owned)) {
      if (input[param] !== undefined) throw combination(`The specified DB Instance is a member of a cluster. Modify ${what} for the DB Cluster using the ModifyDbCluster API`);
    }
  }

  /**
   * DeleteDBCluster (API reference). Refused while deletion protection is on, with the message RDS gives (Aurora UG,
   * "Deleting an Aurora Serverless v1 DB cluster": "InvalidParameterCombination ... Cannot delete protected Cluster,
   * please disable deletion protection and try again."), and while "it contains DB instances that aren't in the deleting
   * state" (AWS CLI example delete-db-cluster), with the message RDS gives (moto PR #6998, "confirmed against actual
   * AWS"; localstack issue #10215). SkipFinalSnapshot "By default, this parameter is disabled, so RDS creates a final DB
   * cluster snapshot. If SkipFinalSnapshot is disabled, you must specify a value for the FinalDBSnapshotIdentifier
   * parameter"; both together "results in an error" (the message RDS gives: crossplane-contrib/provider-aws issue #1423).
   * "The status of the DB cluster is available while the snapshot is being taken" (AWS CLI example); then `deleting`,
   * then gone with RDS-EVENT-0171. "When you delete a DB cluster, all automated backups for that DB cluster are deleted
   * ... Manual DB cluster snapshots of the specified DB cluster are not deleted."
   */
  public deleteDBCluster(input: Record<string, unknown>): Record<string, unknown> {
    const c = this.cluster(text(input.DBClusterIdentifier));
    const id = c.DBClusterIdentifier ?? '';
    if (c.DeletionProtection) throw combination('Cannot delete protected Cluster, please disable deletion protection and try again.');
    const live = (c.DBClusterMembers ?? []).filter((m) => {
      const db = this.rds.instances.get(m.DBInstanceIdentifier ?? '');
      return db !== undefined && db.DBInstanceStatus !== 'deleting';
    });
    if (live.length > 0) throw new InvalidDBClusterStateFault({ message: 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.', ...meta() });
    // Message assumed.
    if (c.Status !== 'available' || this.deleting.has(c)) throw new InvalidDBClusterStateFault({ message: `DB cluster ${id} is not in a state that allows deletion (${this.deleting.has(c) ? 'deleting' : (c.Status ?? '?')}).`, ...meta() });
    const skip = input.SkipFinalSnapshot === true;
    const finalId = input.FinalDBSnapshotIdentifier as string | undefined;
    if (skip && finalId !== undefined) throw combination('You cannot specify both FinalDBSnapshotIdentifier and SkipFinalSnapshot');
    // The instance form of the message (rds.ts), assumed the same for clusters.
    if (!skip && finalId === undefined) throw combination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
    if (finalId !== undefined) {
      checkIdentifier('FinalDBSnapshotIdentifier', finalId, 255);
      this.checkNewSnapshot(finalId);
    }
    this.deleting.add(c);
    // A cluster whose members are still being deleted is not gone before them: DeleteDBCluster accepts members in
    // `deleting` ("it still contains DB instances in non-deleting state" is the refusal), and the cluster is assumed to
    // stay `deleting` until its last instance is gone (inferred; unconfirmed), checked every 30 s.
    const finish = () => {
      if (this.clusters.get(id) !== c) return;
      if ((c.DBClusterMembers ?? []).some((m) => this.rds.instances.get(m.DBInstanceIdentifier ?? '')?.DBClusterIdentifier === id)) {
        this.clock.after(30_000, `delete cluster ${id} (members still deleting)`, finish);
        return;
      }
      this.clusters.delete(id);
      for (const [sid, s] of this.snapshots) if (s.SnapshotType === 'automated' && s.DbClusterResourceId === c.DbClusterResourceId) this.snapshots.delete(sid);
      // The cluster's RDS-managed master secret goes with it (as an instance's does, RDS-NOTES; assumed for clusters).
      if (c.MasterUserSecret?.SecretArn) this.rds.secretsManager.purge(c.MasterUserSecret.SecretArn);
      this.rds.emit('db-cluster', id, 'RDS-EVENT-0171', 'deletion', 'DB cluster deleted');
    };
    const gone = () => {
      c.Status = 'deleting';
      this.clock.after(this.random.duration(this.timings.delete), `delete cluster ${id}`, finish);
    };
    if (finalId === undefined) {
      gone();
    } else {
      const snap = this.startSnapshot(c, finalId, 'manual', [], this.timings.finalSnapshot, gone);
      this.snapshots.set(finalId, snap);
    }
    return { DBCluster: structuredClone(c) };
  }

  /**
   * ModifyDBCluster (API reference), applied at once except what ApplyImmediately defers: "The ApplyImmediately
   * parameter only affects the EnableIAMDatabaseAuthentication, MasterUserPassword, and NewDBClusterIdentifier values
   * ... All other changes are applied immediately" (API reference, earlier wording); the current wording applies
   * "changing the master password" immediately regardless, so only IAM authentication waits for the maintenance window
   * (shown in PendingModifiedValues; the simulator has no maintenance windows: it stays pending until a request with
   * ApplyImmediately, which applies "the modifications in this request and any pending modifications").
   */
  public modifyDBCluster(input: Record<string, unknown>): Record<string, unknown> {
    const c = this.cluster(text(input.DBClusterIdentifier));
    const id = c.DBClusterIdentifier ?? '';
    const engine = c.Engine ?? '';
    for (const p of ['NewDBClusterIdentifier', 'EngineVersion', 'AllowMajorVersionUpgrade', 'DBInstanceParameterGroupName', 'StorageType', 'EngineMode', 'Domain', 'RotateMasterUserPassword']) {
      if (input[p] !== undefined) throw unsupported(`the simulator does not implement ModifyDBCluster ${p}`);
    }
    // InvalidDBClusterStateFault "The requested operation can't be performed while the cluster is in this state" (API
    // reference); message assumed.
    if (c.Status !== 'available' || this.deleting.has(c)) throw new InvalidDBClusterStateFault({ message: `DB cluster ${id} is not available for modification (${this.deleting.has(c) ? 'deleting' : (c.Status ?? '?')}).`, ...meta() });
    checkRetention(input.BackupRetentionPeriod);
    checkPort(input.Port);
    checkBacktrack(engine, input.BacktrackWindow);
    // "If you have an existing cluster and you want to turn on backtrack, first create a new cluster from a snapshot"
    // (AWS Knowledge Center, "aurora-mysql-cluster-backtrack"); "If you turn off backtracking entirely for a cluster by
    // setting the backtrack window to 0, you can't enable backtrack again for that cluster" (Aurora UG, "Configuring
    // backtracking"). Message unconfirmed.
    if (input.BacktrackWindow !== undefined && Number(input.BacktrackWindow) > 0 && !(c.BacktrackWindow && c.BacktrackWindow > 0)) {
      throw combination(`Backtrack can't be turned on for DB cluster ${id}: it was created without backtracking. Restore a snapshot with a BacktrackWindow instead.`);
    }
    let scaling: ServerlessV2ScalingConfiguration | undefined;
    if (input.ServerlessV2ScalingConfiguration !== undefined) {
      // A request naming one bound keeps the other (assumed).
      scaling = { ...(c.ServerlessV2ScalingConfiguration ?? {}), ...(input.ServerlessV2ScalingConfiguration as ServerlessV2ScalingConfiguration) };
      checkServerlessV2(scaling);
    }
    const logs = input.CloudwatchLogsExportConfiguration as { EnableLogTypes?: string[]; DisableLogTypes?: string[] } | undefined;
    if (logs) {
      checkLogTypes(engine, [...(logs.EnableLogTypes ?? []), ...(logs.DisableLogTypes ?? [])]);
      // Message unconfirmed.
      const both = (logs.EnableLogTypes ?? []).find((t) => (logs.DisableLogTypes ?? []).includes(t));
      if (both !== undefined) throw combination(`The log type '${both}' can't be both enabled and disabled.`);
    }
    this.checkCredentials(input, c);
    const pgName = input.DBClusterParameterGroupName as string | undefined;
    if (pgName !== undefined) this.checkClusterParameterGroup(pgName, engine, c.EngineVersion ?? '');
    const sgs = input.VpcSecurityGroupIds as string[] | undefined;

    // Applied.
    if (input.DeletionProtection !== undefined) c.DeletionProtection = input.DeletionProtection === true;
    if (input.CopyTagsToSnapshot !== undefined) c.CopyTagsToSnapshot = input.CopyTagsToSnapshot === true;
    if (input.BackupRetentionPeriod !== undefined) c.BackupRetentionPeriod = Number(input.BackupRetentionPeriod);
    if (input.PreferredBackupWindow !== undefined) c.PreferredBackupWindow = text(input.PreferredBackupWindow);
    if (input.PreferredMaintenanceWindow !== undefined) c.PreferredMaintenanceWindow = text(input.PreferredMaintenanceWindow);
    if (input.Port !== undefined) c.Port = Number(input.Port);
    if (input.BacktrackWindow !== undefined) c.BacktrackWindow = Number(input.BacktrackWindow);
    if (scaling) c.ServerlessV2ScalingConfiguration = scaling;
    if (logs) {
      const now = new Set([...(c.EnabledCloudwatchLogsExports ?? []), ...(logs.EnableLogTypes ?? [])]);
      for (const t of logs.DisableLogTypes ?? []) now.delete(t);
      c.EnabledCloudwatchLogsExports = [...now];
    }
    if (sgs) {
      c.VpcSecurityGroups = sgs.map((g) => ({ VpcSecurityGroupId: g, Status: 'active' }));
      // "The associated list of EC2 VPC security groups is managed by the DB cluster" (CreateDBInstance VpcSecurityGroupIds).
      for (const db of this.members(c)) db.VpcSecurityGroups = structuredClone(c.VpcSecurityGroups);
    }
    if (pgName !== undefined && pgName !== c.DBClusterParameterGroup) {
      c.DBClusterParameterGroup = pgName;
      // A new cluster parameter group takes effect when the instances reboot ("reboot the DB instances in the DB cluster
      // without failover for the changes to take effect", Aurora UG, "Associating a DB cluster parameter group with a DB
      // cluster"); RebootDBInstance is not simulated, so members stay pending-reboot.
      for (const m of c.DBClusterMembers ?? []) m.DBClusterParameterGroupStatus = 'pending-reboot';
    }
    const pending = { ...(c.PendingModifiedValues ?? {}) };
    if (input.EnableIAMDatabaseAuthentication !== undefined) pending.IAMDatabaseAuthenticationEnabled = input.EnableIAMDatabaseAuthentication === true;
    if (input.ApplyImmediately === true && pending.IAMDatabaseAuthenticationEnabled !== undefined) {
      c.IAMDatabaseAuthenticationEnabled = pending.IAMDatabaseAuthenticationEnabled;
      for (const db of this.members(c)) db.IAMDatabaseAuthenticationEnabled = c.IAMDatabaseAuthenticationEnabled;
      delete pending.IAMDatabaseAuthenticationEnabled;
    }
    if (Object.keys(pending).length > 0) c.PendingModifiedValues = pending;
    else delete c.PendingModifiedValues;
    this.applyCredentials(input, c);
    return { DBCluster: structuredClone(c) };
  }

  /**
   * CreateDBClusterSnapshot (API reference): `creating`, then `available`, with RDS-EVENT-0074 and RDS-EVENT-0075
   * (RDS-NOTES; "Manual cluster snapshot created" in a public capture of the SNS message). The cluster must be available:
   * the message RDS gives ("Can't create a snapshot because the database cluster ... isn't currently in the available
   * state", hashicorp/terraform-provider-aws PR #40333).
   */
  public createDBClusterSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const snapId = text(input.DBClusterSnapshotIdentifier);
    checkIdentifier('DBClusterSnapshotIdentifier', snapId);
    const c = this.cluster(text(input.DBClusterIdentifier));
    if (c.Status !== 'available' || this.deleting.has(c)) throw new InvalidDBClusterStateFault({ message: `Can't create a snapshot because the database cluster ${c.DBClusterIdentifier ?? '?'} isn't currently in the available state.`, ...meta() });
    // "This parameter is stored as a lowercase string" (DBClusterSnapshotIdentifier).
    const id = snapId.toLowerCase();
    this.checkNewSnapshot(id);
    const snap = this.startSnapshot(c, id, 'manual', input.Tags as Tag[] | undefined);
    return { DBClusterSnapshot: structuredClone(snap) };
  }

  /**
   * DeleteDBClusterSnapshot (API reference): "If the snapshot is being copied, the copy operation is terminated" ("To
   * cancel the copy operation once it is in progress, delete the target DB cluster snapshot ... while that DB cluster
   * snapshot is in copying status", CopyDBClusterSnapshot); otherwise "The DB cluster snapshot must be in the available
   * state to be deleted". Automated snapshots go with their retention, not by this call (as for instances: assumed).
   * No deletion event is documented for cluster snapshots. Messages assumed.
   */
  public deleteDBClusterSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const id = text(input.DBClusterSnapshotIdentifier);
    const snap = this.snapshots.get(id) ?? this.snapshots.get(id.toLowerCase());
    if (!snap) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot not found: ${id}`, ...meta() });
    if (snap.SnapshotType !== 'manual') throw new InvalidDBClusterSnapshotStateFault({ message: `Only manual snapshots can be deleted; ${id} is ${snap.SnapshotType ?? '?'}.`, ...meta() });
    if (snap.Status !== 'available' && snap.Status !== 'copying') throw new InvalidDBClusterSnapshotStateFault({ message: `Cannot delete the snapshot because it is not in available state (${snap.Status ?? '?'}).`, ...meta() });
    this.snapshots.delete(snap.DBClusterSnapshotIdentifier ?? id);
    this.copyWindows.delete(snap);
    // Its sharing goes with it (restoreAttributes is keyed by the snapshot; said here for the reader).
    this.restoreAttributes.delete(snap);
    return { DBClusterSnapshot: structuredClone(snap) };
  }

  /**
   * DescribeDBClusterSnapshots (API reference): DBClusterIdentifier "can't be used in conjunction with the
   * DBClusterSnapshotIdentifier parameter"; a DBClusterSnapshotIdentifier "for an automated snapshot, the SnapshotType
   * parameter must also be specified" (what RDS answers otherwise is unconfirmed: assumed not found); without
   * SnapshotType "both automated and manual DB cluster snapshots are returned", other accounts' shared and public ones
   * with IncludeShared / IncludePublic (sharedWithThisAccount); another account's snapshot named by its ARN only when
   * shared with this account or public (sharedSnapshot; that no IncludeShared is needed to describe one by ARN is
   * assumed, as rds.ts assumes for DB snapshots; unconfirmed); filters db-cluster-id (identifiers and ARNs), db-cluster-snapshot-id, snapshot-type, engine;
   * DbClusterResourceId; MaxRecords 20-100 with Marker. DBClusterIdentifier "If supplied, must match the identifier of
   * an existing DBCluster": not enforced (a copy's cluster lives in another region; what RDS answers is unconfirmed, so
   * prefer the db-cluster-id filter, as RDS-NOTES advises for instances).
   */
  public describeDBClusterSnapshots(input: Record<string, unknown>): Record<string, unknown> {
    this.updateProgress();
    const byCluster = input.DBClusterIdentifier as string | undefined;
    const id = input.DBClusterSnapshotIdentifier as string | undefined;
    if (byCluster !== undefined && id !== undefined) throw combination('DBClusterIdentifier can\'t be used in conjunction with DBClusterSnapshotIdentifier.');
    const type = input.SnapshotType as string | undefined;
    if (id !== undefined) {
      const snap = this.snapshotByIdOrArn(id);
      const shared = snap ? undefined : this.sharedSnapshot(id);
      if (shared && shared.owner.rds.region === this.rds.region) {
        const view = sharedClusterView(shared.snap, shared.values.includes(this.rds.account) ? 'shared' : 'public');
        // A SnapshotType other than the view's finds nothing (assumed, as for this account's own snapshots).
        if (type === undefined || type === view.SnapshotType) return { DBClusterSnapshots: [view] };
      }
      if (!snap || (snap.SnapshotType === 'automated' && type !== 'automated') || (type !== undefined && snap.SnapshotType !== type)) {
        throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot not found: ${id}`, ...meta() });
      }
      return { DBClusterSnapshots: [structuredClone(snap)] };
    }
    const clusterIds = this.internals.filterValues(input.Filters, 'db-cluster-id');
    const snapshotIds = this.internals.filterValues(input.Filters, 'db-cluster-snapshot-id');
    const typeFilter = this.internals.filterValues(input.Filters, 'snapshot-type');
    const engines = this.internals.filterValues(input.Filters, 'engine');
    const resource = input.DbClusterResourceId as string | undefined;
    const types = type !== undefined ? [type] : ['automated', 'manual', ...(input.IncludeShared === true ? ['shared'] : []), ...(input.IncludePublic === true ? ['public'] : [])];
    // The ARN of a snapshot's cluster: in the snapshot's own account and region (another account's, for a shared one).
    const clusterArn = (s: DBClusterSnapshot) => {
      const owner = parseClusterSnapshotArn(s.DBClusterSnapshotArn ?? '');
      return `arn:aws:rds:${owner?.region ?? this.rds.region}:${owner?.account ?? this.rds.account}:cluster:${s.DBClusterIdentifier ?? ''}`;
    };
    const all = [...[...this.snapshots.values()].filter((s) => types.includes(s.SnapshotType ?? '')), ...this.sharedWithThisAccount(input)]
      .filter((s) => byCluster === undefined || byCluster.toLowerCase() === s.DBClusterIdentifier || byCluster === clusterArn(s))
      .filter((s) => !clusterIds || clusterIds.some((v) => v.toLowerCase() === s.DBClusterIdentifier || v === clusterArn(s)))
      .filter((s) => !snapshotIds || snapshotIds.includes(s.DBClusterSnapshotIdentifier ?? ''))
      .filter((s) => !typeFilter || typeFilter.includes(s.SnapshotType ?? ''))
      .filter((s) => !engines || engines.includes(s.Engine ?? ''))
      .filter((s) => resource === undefined || s.DbClusterResourceId === resource);
    const { items, marker } = this.internals.page(all, input);
    return { DBClusterSnapshots: structuredClone(items), ...(marker ? { Marker: marker } : {}) };
  }

  /**
   * CopyDBClusterSnapshot (API reference), called in the destination region. The source: an identifier here, or "If the
   * source snapshot is in a different Amazon Web Services Region than the copy, specify a valid DB cluster snapshot ARN"
   * ("Must specify a valid source snapshot in the available state"). KmsKeyId: "To copy an encrypted DB cluster snapshot
   * to another Amazon Web Services Region, you must set KmsKeyId" (keys never leave their region); without it a copy in
   * the region keeps the source's key; "If you copy an unencrypted DB cluster snapshot and specify a value for the
   * KmsKeyId parameter, an error is returned". PreSignedUrl "applies only to Amazon Web Services GovCloud (US) Regions.
   * It's ignored in other Amazon Web Services Regions" (not checked). "CopyTags ... By default, tags are not copied."
   * The copy is manual ("After you copy a snapshot, the copy is a manual snapshot", Aurora UG). Quotas: the region's
   * manual cluster snapshots and the cross-region copies in flight (see crossRegionCopyLimit), SnapshotQuotaExceededFault.
   *
   * Another account's snapshot: "To copy a DB cluster snapshot from a shared manual DB cluster snapshot,
   * SourceDBClusterSnapshotIdentifier must be the Amazon Resource Name (ARN) of the shared DB cluster snapshot" (API
   * reference); found only when shared with this account or public (sharedSnapshot), in this region or, in one step,
   * another (sharing.ts, header: "You can copy snapshots to another AWS Region or account in a single step", Aurora UG,
   * "DB cluster snapshot copying"). An encrypted one needs a KmsKeyId ("If you copy an encrypted DB cluster snapshot that
   * is shared from another Amazon Web Services account, then you must specify a value for KmsKeyId", API reference;
   * sharing.ts, sharedCopyNeedsKey) of this region, and its own key must admit this account ("(If the snapshot is
   * encrypted) Using Account A, update the key policy for the KMS key, first adding the ARN of Account B as a Principal,
   * and then allow the kms:CreateGrant action", Aurora UG, "Copying a DB cluster snapshot across accounts"; sharing.ts,
   * sourceKeyNotAccessible). The copy is this account's manual snapshot under the key given.
   */
  public copyDBClusterSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const targetRaw = text(input.TargetDBClusterSnapshotIdentifier);
    checkIdentifier('TargetDBClusterSnapshotIdentifier', targetRaw);
    const targetId = targetRaw.toLowerCase();
    const sourceId = text(input.SourceDBClusterSnapshotIdentifier);
    const { from, snap: source } = this.copySource(sourceId);
    if (source.Status !== 'available') throw new InvalidDBClusterSnapshotStateFault({ message: `DB cluster snapshot ${source.DBClusterSnapshotIdentifier ?? sourceId} is not in the available state (${source.Status ?? '?'}).`, ...meta() });
    // Across regions: a copy of another account's snapshot of this region is not a cross-region copy.
    const cross = from.rds.region !== this.rds.region;
    const shared = from.rds.account !== this.rds.account;
    let key: string | undefined;
    if (input.KmsKeyId !== undefined) {
      // Error class and message assumed.
      if (!source.StorageEncrypted) throw combination('KmsKeyId can\'t be specified when copying an unencrypted DB cluster snapshot.');
      if (shared) this.checkSourceKey(from, source);
      key = this.resolveKey(text(input.KmsKeyId), 'The target KMS key');
    } else if (source.StorageEncrypted) {
      if (shared) throw sharedCopyNeedsKey();
      // The message RDS gives for an instance snapshot (RDS-NOTES; rds.ts), assumed the same for cluster snapshots.
      if (cross) throw invalidValue('Must specify new KMS key for cross region encrypted snapshot copy.');
      key = source.KmsKeyId;
    }
    this.checkNewSnapshot(targetId);
    // Message as rds.ts words it for instance snapshots (unconfirmed).
    if (cross && this.crossRegionCopiesInFlight() >= this.crossRegionCopyLimit) {
      throw new SnapshotQuotaExceededFault({ message: `Cannot copy more than ${this.crossRegionCopyLimit} snapshots across regions`, ...meta() });
    }
    const tags = this.internals.mergeTags(input.CopyTags === true ? source.TagList : [], input.Tags as Tag[] | undefined);
    const copy = this.copyOf(source, targetId, key, tags, from);
    this.snapshots.set(targetId, copy);
    this.startCopy(copy, cross ? this.timings.copy : this.timings.snapshot);
    return { DBClusterSnapshot: structuredClone(copy) };
  }

  /**
   * ModifyDBClusterSnapshotAttribute (AttributeName restore): shares a manual cluster snapshot of this account with other
   * accounts, or makes it public, by the rules of sharing.ts (modifyClusterRestoreAttribute). The snapshot is named by its
   * identifier (stored in lowercase, as every cluster snapshot identifier; its ARN is assumed to be accepted too); one
   * that does not exist is DBClusterSnapshotNotFoundFault ("DBClusterSnapshotIdentifier doesn't refer to an existing DB
   * cluster snapshot", API reference, Errors; message in the form this file gives it elsewhere, assumed). Whether the
   * snapshot is encrypted with the account's AWS managed key aws/rds is its SimKms's to say (kms.ts, isAwsManaged).
   */
  public modifyDBClusterSnapshotAttribute(input: Record<string, unknown>): Record<string, unknown> {
    const id = text(input.DBClusterSnapshotIdentifier);
    const snap = this.snapshotByIdOrArn(id);
    if (!snap) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot not found: ${id}`, ...meta() });
    const values = modifyClusterRestoreAttribute(snap, input, this.restoreAttributes.get(snap) ?? [], this.rds.kms?.isAwsManaged(snap.KmsKeyId) ?? false);
    this.restoreAttributes.set(snap, values);
    return { DBClusterSnapshotAttributesResult: clusterAttributesResult(snap.DBClusterSnapshotIdentifier ?? id, values) };
  }

  /**
   * DescribeDBClusterSnapshotAttributes: "When sharing snapshots with other Amazon Web Services accounts,
   * DescribeDBClusterSnapshotAttributes returns the restore attribute and a list of IDs for the Amazon Web Services
   * accounts that are authorized to copy or restore the manual DB cluster snapshot" (API reference); empty when it is not
   * shared (sharing.ts, clusterAttributesResult). Of this account's snapshots only (another account's is not found);
   * an automated one answers an empty attribute, as for DB snapshots (assumed). DBClusterSnapshotNotFoundFault otherwise
   * (API reference, Errors).
   */
  public describeDBClusterSnapshotAttributes(input: Record<string, unknown>): Record<string, unknown> {
    const id = text(input.DBClusterSnapshotIdentifier);
    const snap = this.snapshotByIdOrArn(id);
    if (!snap) throw new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot not found: ${id}`, ...meta() });
    return { DBClusterSnapshotAttributesResult: clusterAttributesResult(snap.DBClusterSnapshotIdentifier ?? id, this.restoreAttributes.get(snap) ?? []) };
  }

  /**
   * The cluster or cluster snapshot an AddTagsToResource / ListTagsForResource ARN names. Their documented errors
   * include DBClusterNotFoundFault but no DBClusterSnapshotNotFoundFault: a missing cluster snapshot is assumed to be
   * DBSnapshotNotFoundFault.
   */
  public resourceByArn(arn: string): { TagList?: Tag[] } {
    if (arn.includes(':cluster-snapshot:')) {
      const snap = [...this.snapshots.values()].find((s) => s.DBClusterSnapshotArn === arn);
      if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${arn} not found.`, ...meta() });
      return snap;
    }
    const c = [...this.clusters.values()].find((x) => x.DBClusterArn === arn);
    if (!c) throw new DBClusterNotFoundFault({ message: `DBCluster ${arn} not found.`, ...meta() });
    return c;
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** The cluster an identifier or ARN names ("This parameter isn't case-sensitive"), or DBClusterNotFoundFault. */
  private cluster(idOrArn: string): DBCluster {
    const c = this.clusters.get(idOrArn.toLowerCase()) ?? [...this.clusters.values()].find((x) => x.DBClusterArn === idOrArn);
    if (!c) throw new DBClusterNotFoundFault({ message: `DBCluster ${idOrArn} not found.`, ...meta() });
    return c;
  }

  /**
   * Another account's manual cluster snapshot, named by its ARN, that this account may copy or restore: shared with it,
   * or public (sharing.ts, mayUse: "If a value of all is in the list, then the manual DB cluster snapshot is public and
   * available for any Amazon Web Services account to copy or restore", DBClusterSnapshotAttribute API reference).
   * Undefined for this account's own ARNs, for accounts and regions not simulated, and for snapshots this account may
   * not use: to it they do not exist (DBClusterSnapshotNotFoundFault).
   */
  private sharedSnapshot(arn: string): { owner: SimClusters; snap: DBClusterSnapshot; values: string[] } | undefined {
    const parts = parseClusterSnapshotArn(arn);
    if (!parts || parts.account === this.rds.account) return undefined;
    const owner = this.rds.cloud.get(`${parts.account}/${parts.region}`)?.clusters;
    const snap = owner?.snapshots.get(parts.id) ?? owner?.snapshots.get(parts.id.toLowerCase());
    if (!owner || !snap || snap.SnapshotType !== 'manual') return undefined;
    const values = owner.restoreAttributes.get(snap) ?? [];
    return mayUse(values, this.rds.account) ? { owner, snap, values } : undefined;
  }

  /**
   * Other accounts' cluster snapshots of this region that DescribeDBClusterSnapshots lists for this account: `shared`
   * ones with IncludeShared ("Specifies whether to include shared manual DB cluster snapshots from other Amazon Web
   * Services accounts that this Amazon Web Services account has been given permission to copy or restore. By default,
   * these snapshots are not included"), `public` ones with IncludePublic ("Specifies whether to include manual DB cluster
   * snapshots that are public ... By default, the public snapshots are not included"; "The IncludeShared and
   * IncludePublic parameters don't apply for SnapshotType values of manual or automated. The IncludePublic parameter
   * doesn't apply when SnapshotType is set to shared. The IncludeShared parameter doesn't apply when SnapshotType is set
   * to public", DescribeDBClusterSnapshots API reference). SnapshotType shared without IncludeShared lists none, as
   * rds.ts assumes for DB snapshots (callers pass both; that RDS requires both is unconfirmed).
   */
  private sharedWithThisAccount(input: Record<string, unknown>): DBClusterSnapshot[] {
    const type = input.SnapshotType as string | undefined;
    const shared = input.IncludeShared === true && (type === undefined || type === 'shared');
    const pub = input.IncludePublic === true && (type === undefined || type === 'public');
    if (!shared && !pub) return [];
    const out: DBClusterSnapshot[] = [];
    for (const owner of this.rds.cloud.values()) {
      if (owner.account === this.rds.account || owner.region !== this.rds.region) continue;
      for (const snap of owner.clusters.snapshots.values()) {
        const values = snap.SnapshotType === 'manual' ? (owner.clusters.restoreAttributes.get(snap) ?? []) : [];
        if (shared && values.includes(this.rds.account)) out.push(sharedClusterView(snap, 'shared'));
        else if (pub && values.includes(PUBLIC)) out.push(sharedClusterView(snap, 'public'));
      }
    }
    return out;
  }

  /**
   * What a copy of, or a restore from, another account's encrypted cluster snapshot needs of its KMS key: a key policy
   * that admits this account ("(If the snapshot is encrypted) Using Account A, update the key policy for the KMS key,
   * first adding the ARN of Account B as a Principal, and then allow the kms:CreateGrant action", Aurora UG, "Copying a DB
   * cluster snapshot across accounts"; "Share the AWS KMS key that was used to encrypt the snapshot with any accounts that
   * you want to be able to access the snapshot", the same rule in the Neptune and DocumentDB guides for their cluster
   * snapshots). An AWS managed aws/rds key never admits another account (kms.ts), nor does a disabled key. Without a KMS
   * simulated for the owner, its key is taken as usable. KMSKeyNotAccessibleFault with RDS's wording for a copy
   * (sharing.ts, sourceKeyNotAccessible; assumed the same for a restore).
   */
  private checkSourceKey(owner: SimClusters, snap: DBClusterSnapshot): void {
    if (!snap.StorageEncrypted) return;
    const keyArn = snap.KmsKeyId ?? '';
    if (owner.rds.kms && !owner.rds.kms.resolve(keyArn, owner.rds.region, this.rds.account)) throw sourceKeyNotAccessible(keyArn);
  }

  private snapshotByIdOrArn(idOrArn: string): DBClusterSnapshot | undefined {
    return this.snapshots.get(idOrArn) ?? this.snapshots.get(idOrArn.toLowerCase()) ?? [...this.snapshots.values()].find((s) => s.DBClusterSnapshotArn === idOrArn);
  }

  /** The member instances of a cluster that exist. */
  private members(c: DBCluster): DBInstance[] {
    return (c.DBClusterMembers ?? []).map((m) => this.rds.instances.get(m.DBInstanceIdentifier ?? '')).filter((d): d is DBInstance => d !== undefined);
  }

  private endpointStatus(c: DBCluster, type: 'WRITER' | 'READER'): string {
    if (c.Status === 'deleting') return 'deleting';
    if (c.Status !== 'available') return 'creating';
    const serving = (m: DBClusterMember) => SERVING.includes(this.rds.instances.get(m.DBInstanceIdentifier ?? '')?.DBInstanceStatus ?? '');
    const members = c.DBClusterMembers ?? [];
    const ok = type === 'WRITER' ? members.some((m) => m.IsClusterWriter && serving(m)) : members.some(serving);
    return ok ? 'available' : 'creating';
  }

  /** An existing custom or default DB cluster parameter group of the engine version's family; its name. */
  private checkClusterParameterGroup(name: string | undefined, engine: string, version: string): string {
    const family = clusterParameterGroupFamily(engine, version);
    // "If this argument is omitted, the default DB cluster parameter group for the specified engine is used" (API
    // reference); a public capture shows default.aurora-postgresql10.
    if (name === undefined) return `default.${family}`;
    const pg = this.parameterGroups.get(name) ?? (name.startsWith('default.') ? { family: name.slice('default.'.length), parameters: {} } : undefined);
    // DBClusterParameterGroupNotFoundFault "DBClusterParameterGroupName doesn't refer to an existing DB cluster parameter
    // group" (API reference); message assumed.
    if (!pg) throw new DBClusterParameterGroupNotFoundFault({ message: `DBClusterParameterGroup not found: ${name}`, ...meta() });
    // The family rule (CreateDBClusterParameterGroup API reference) with the message RDS gives for instance groups
    // (rds-rules.ts), worded for a cluster (assumed).
    if (pg.family !== family) throw combination(`The parameter group ${name} with DBParameterGroupFamily ${pg.family} can't be used for this cluster. Use a parameter group with DBParameterGroupFamily ${family}.`);
    return name;
  }

  /**
   * A key ARN for a KmsKeyId in this region, or KMSKeyNotAccessibleFault (keys never cross regions, kms.ts): one of this
   * account's, or another simulated account's named by its ARN whose key policy admits this account ("To use a KMS key
   * in a different Amazon Web Services account, specify the key ARN or alias ARN", RestoreDBClusterFromSnapshot API
   * reference, KmsKeyId; SimRds.resolveKmsKey).
   */
  private resolveKey(requested: string, what: string): string {
    const key = this.rds.kms ? this.internals.resolveKmsKey(requested)?.arn : requested;
    // The message RDS gives for an instance snapshot copy (rds.ts), assumed the same here.
    if (!key) throw new KMSKeyNotAccessibleFault({ message: `${what} [${requested}] does not exist, is not enabled or you do not have permissions to access it.`, ...meta() });
    return key;
  }

  /** A new manual snapshot's identifier is free and the region's quota has room. */
  private checkNewSnapshot(id: string): void {
    // Messages assumed.
    if (this.snapshots.has(id)) throw new DBClusterSnapshotAlreadyExistsFault({ message: `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`, ...meta() });
    const manual = [...this.snapshots.values()].filter((s) => s.SnapshotType === 'manual').length;
    if (manual >= this.manualSnapshotQuota) throw new SnapshotQuotaExceededFault({ message: `Cannot create more than ${this.manualSnapshotQuota} manual cluster snapshots`, ...meta() });
  }

  /**
   * MasterUserPassword and ManageMasterUserPassword of ModifyDBCluster (API reference): MasterUserPassword "Can't be
   * specified if ManageMasterUserPassword is turned on"; turning management off on a cluster that has it "then you must
   * specify MasterUserPassword"; MasterUserSecretKmsKeyId only when turning it on ("If the DB cluster already manages
   * the master user password ..., you can't change the KMS key"). As rds-rules.ts checks an instance; messages
   * unconfirmed.
   */
  private checkCredentials(input: Record<string, unknown>, c: DBCluster): void {
    if (input.MasterUserPassword !== undefined && input.ManageMasterUserPassword === true) throw combination("You can't specify MasterUserPassword and ManageMasterUserPassword together: RDS generates the password of a managed master user.");
    if (input.MasterUserPassword !== undefined && c.MasterUserSecret && input.ManageMasterUserPassword !== false) {
      throw combination(`You can't specify MasterUserPassword for ${c.DBClusterIdentifier ?? '?'}: its master user password is managed in Secrets Manager (turn ManageMasterUserPassword off with the new password).`);
    }
    if (input.ManageMasterUserPassword === false && c.MasterUserSecret && input.MasterUserPassword === undefined) throw combination('To stop managing the master user password in Secrets Manager, specify MasterUserPassword.');
    if (input.MasterUserPassword !== undefined) checkPassword(text(input.MasterUserPassword));
    if (input.MasterUserSecretKmsKeyId !== undefined && (input.ManageMasterUserPassword !== true || c.MasterUserSecret)) throw combination('MasterUserSecretKmsKeyId is valid only when turning on ManageMasterUserPassword.');
    if (input.MasterUserSecretKmsKeyId !== undefined) this.resolveKey(text(input.MasterUserSecretKmsKeyId), 'The specified KMS key');
  }

  /** Applies checked credentials: a managed secret, or a new password (turning management off deletes the secret). */
  private applyCredentials(input: Record<string, unknown>, c: DBCluster): void {
    if (input.ManageMasterUserPassword === true && !c.MasterUserSecret) {
      this.manageMasterPassword(c, input.MasterUserSecretKmsKeyId as string | undefined);
    } else if (input.MasterUserPassword !== undefined) {
      if (input.ManageMasterUserPassword === false && c.MasterUserSecret?.SecretArn) {
        this.rds.secretsManager.purge(c.MasterUserSecret.SecretArn);
        delete c.MasterUserSecret;
      }
      this.passwords.set(c, text(input.MasterUserPassword));
    }
  }

  /**
   * RDS-managed master credentials of a cluster, as rds.ts keeps them for an instance (User Guide, "Password management
   * with Amazon RDS and AWS Secrets Manager"): a secret holding {"username","password"}, encrypted with
   * MasterUserSecretKmsKeyId or "the aws/secretsmanager KMS key" (ModifyDBCluster API reference), `creating` then
   * `active`. Its name `rds!cluster-<uuid>` and tag aws:rds:primaryDBClusterArn follow the instance secret's form
   * (`rds!db-<uuid>`, aws:rds:primaryDBInstanceArn): assumed.
   */
  private manageMasterPassword(c: DBCluster, kmsKeyId: string | undefined): void {
    const sm = this.rds.secretsManager;
    const keyArn = kmsKeyId !== undefined ? this.resolveKey(kmsKeyId, 'The specified KMS key') : sm.defaultKmsKeyArn;
    const password = `sim-managed-${this.random.hex6()}${this.random.hex6()}${this.random.hex6()}`;
    const secret = sm.create(`rds!cluster-${this.internals.uuid()}`, JSON.stringify({ username: c.MasterUsername ?? 'admin', password }), {
      kmsKeyId: keyArn,
      owningService: 'rds',
      tags: [{ Key: 'aws:rds:primaryDBClusterArn', Value: c.DBClusterArn ?? '' }],
    });
    const current = { SecretArn: secret.arn, SecretStatus: 'creating', KmsKeyId: keyArn };
    c.MasterUserSecret = current;
    this.passwords.set(c, password);
    this.clock.after(60_000, `managed secret of cluster ${c.DBClusterIdentifier ?? '?'} active`, () => {
      if (c.MasterUserSecret === current) current.SecretStatus = 'active';
    });
  }

  /** A new cluster record, `creating`, with no members. */
  private newCluster(
    id: string,
    s: { engine: string; version: string; port: number; masterUsername: string; kmsKeyId: string | undefined; parameterGroup: string; subnetGroup: string; tags: Tag[] },
  ): DBCluster {
    const now = this.clock.now();
    const region = this.rds.region;
    // The shape of a RestoreDBClusterFromSnapshot answer in a public capture (2021): Status creating, both endpoints
    // named at once, DBClusterMembers [], EngineMode provisioned, a cluster-... resource id.
    return {
      DBClusterIdentifier: id,
      DBClusterArn: this.rds.arn('cluster', id),
      DbClusterResourceId: `cluster-SIM${now.getTime().toString(36).toUpperCase()}${this.random.hex6().toUpperCase()}`,
      Status: 'creating',
      Engine: s.engine,
      EngineVersion: s.version,
      EngineMode: 'provisioned',
      Port: s.port,
      Endpoint: clusterEndpoint(id, region),
      ReaderEndpoint: `${id}.cluster-ro-sim.${region}.rds.amazonaws.com`,
      MasterUsername: s.masterUsername,
      DBClusterMembers: [],
      DBClusterParameterGroup: s.parameterGroup,
      DBSubnetGroup: s.subnetGroup,
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-default', Status: 'active' }],
      AvailabilityZones: [`${region}a`, `${region}b`, `${region}c`],
      MultiAZ: false,
      AllocatedStorage: 1,
      StorageType: 'aurora',
      StorageEncrypted: s.kmsKeyId !== undefined,
      ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
      IAMDatabaseAuthenticationEnabled: false,
      ClusterCreateTime: now,
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      BackupRetentionPeriod: 1,
      PreferredBackupWindow: '22:00-22:30',
      PreferredMaintenanceWindow: 'mon:00:00-mon:00:30',
      EnabledCloudwatchLogsExports: [],
      AssociatedRoles: [],
      TagList: s.tags,
    };
  }

  /**
   * A member instance of a cluster, `creating`, added to the cluster's members: the writer if the cluster has none yet.
   * What the cluster manages (storage, encryption, master user, security groups, IAM authentication, backups: "This
   * setting doesn't apply to Amazon Aurora DB instances", CreateDBInstance API reference) is the cluster's.
   */
  private newMember(c: DBCluster, id: string, input: Record<string, unknown>): DBInstance {
    const now = this.clock.now();
    const family = clusterParameterGroupFamily(c.Engine ?? '', c.EngineVersion ?? '');
    const writer = !(c.DBClusterMembers ?? []).some((m) => m.IsClusterWriter);
    // PromotionTier "Default: 1" (API reference).
    const tier = input.PromotionTier !== undefined ? Number(input.PromotionTier) : 1;
    (c.DBClusterMembers ??= []).push({ DBInstanceIdentifier: id, IsClusterWriter: writer, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: tier });
    return {
      DBInstanceIdentifier: id,
      DBInstanceArn: this.rds.arn('db', id),
      DBInstanceStatus: 'creating',
      DBClusterIdentifier: c.DBClusterIdentifier,
      Engine: c.Engine,
      EngineVersion: c.EngineVersion,
      DbiResourceId: `db-SIM${now.getTime().toString(36).toUpperCase()}${this.random.hex6().toUpperCase()}`,
      InstanceCreateTime: now,
      DBInstanceClass: text(input.DBInstanceClass),
      PromotionTier: tier,
      DBSubnetGroup: { DBSubnetGroupName: c.DBSubnetGroup },
      VpcSecurityGroups: structuredClone(c.VpcSecurityGroups ?? []),
      DBParameterGroups: [{ DBParameterGroupName: (input.DBParameterGroupName as string | undefined) ?? `default.${family}`, ParameterApplyStatus: 'in-sync' }],
      AvailabilityZone: (input.AvailabilityZone as string | undefined) ?? `${this.rds.region}a`,
      MultiAZ: false,
      // PubliclyAccessible "defaults to false for Aurora instances" without a DBSubnetGroup (API reference).
      PubliclyAccessible: input.PubliclyAccessible === true,
      StorageType: 'aurora',
      AllocatedStorage: 1,
      MasterUsername: c.MasterUsername,
      IAMDatabaseAuthenticationEnabled: c.IAMDatabaseAuthenticationEnabled,
      StorageEncrypted: c.StorageEncrypted,
      ...(c.KmsKeyId !== undefined ? { KmsKeyId: c.KmsKeyId } : {}),
      BackupRetentionPeriod: c.BackupRetentionPeriod,
      CACertificateIdentifier: (input.CACertificateIdentifier as string | undefined) ?? 'rds-ca-rsa2048-g1',
      AutoMinorVersionUpgrade: input.AutoMinorVersionUpgrade !== false,
      // Deletion protection is the cluster's, not the instance's (see DeleteDBCluster).
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
      MonitoringInterval: input.MonitoringInterval !== undefined ? Number(input.MonitoringInterval) : 0,
      ...(input.MonitoringRoleArn !== undefined ? { MonitoringRoleArn: text(input.MonitoringRoleArn) } : {}),
      // PreferredMaintenanceWindow: "The default is a 30-minute window selected at random from an 8-hour block of time
      // for each Amazon Web Services Region, occurring on a random day of the week" (CreateDBInstance API reference);
      // the simulation picks one fixed window for the unnamed case.
      PreferredMaintenanceWindow: (input.PreferredMaintenanceWindow as string | undefined) ?? 'wed:03:30-wed:04:00',
      PerformanceInsightsEnabled: input.EnablePerformanceInsights === true,
      // PerformanceInsightsRetentionPeriod "Default: 7 days" (CreateDBInstance API reference); the key defaults to "your
      // default KMS key" (aws/rds, assumed here by its alias).
      ...(input.EnablePerformanceInsights === true
        ? { PerformanceInsightsRetentionPeriod: input.PerformanceInsightsRetentionPeriod !== undefined ? Number(input.PerformanceInsightsRetentionPeriod) : 7, PerformanceInsightsKMSKeyId: (input.PerformanceInsightsKMSKeyId as string | undefined) ?? 'alias/aws/rds' }
        : {}),
      EnabledCloudwatchLogsExports: [],
      AssociatedRoles: [],
      NetworkType: 'IPV4',
      TagList: structuredClone((input.Tags as Tag[] | undefined) ?? []),
    };
  }

  /**
   * The writer `from` is going: the reader of the best promotion tier becomes the writer ("Aurora promotes the Aurora
   * Replica with the highest priority (tier 0 first) ... If two or more Aurora Replicas share the same priority, then
   * Amazon RDS promotes the replica that is largest in size ... an arbitrary replica", Aurora UG, "Fault tolerance for an
   * Aurora DB cluster": here the one created first among equals, and a serving reader before one still creating). The
   * failover starts with RDS-EVENT-0072 and ends with RDS-EVENT-0071 (Aurora UG, DB cluster events: "Started same AZ
   * failover to DB instance: name" / "Completed failover to DB instance: name"). Without readers the cluster has no
   * writer until one is created.
   */
  private failover(c: DBCluster, from: string): void {
    const status = (m: DBClusterMember) => this.rds.instances.get(m.DBInstanceIdentifier ?? '')?.DBInstanceStatus ?? '';
    const readers = (c.DBClusterMembers ?? []).filter((m) => m.DBInstanceIdentifier !== from && status(m) !== 'deleting' && status(m) !== '');
    const rank = (m: DBClusterMember) => (SERVING.includes(status(m)) ? 0 : 100) + (m.PromotionTier ?? 1);
    const next = readers.reduce<DBClusterMember | undefined>((best, m) => (best === undefined || rank(m) < rank(best) ? m : best), undefined);
    for (const m of c.DBClusterMembers ?? []) if (m.DBInstanceIdentifier === from) m.IsClusterWriter = false;
    if (!next) return;
    const name = next.DBInstanceIdentifier ?? '';
    const id = c.DBClusterIdentifier ?? '';
    this.rds.emit('db-cluster', id, 'RDS-EVENT-0072', 'failover', `Started same AZ failover to DB instance: ${name}`);
    this.clock.after(this.random.duration(this.timings.failover), `failover ${id} to ${name}`, () => {
      if (this.clusters.get(id) !== c || !this.rds.instances.has(name)) return;
      for (const m of c.DBClusterMembers ?? []) m.IsClusterWriter = m.DBInstanceIdentifier === name;
      this.rds.emit('db-cluster', id, 'RDS-EVENT-0071', 'failover', `Completed failover to DB instance: ${name}`);
    });
  }

  /** What a snapshot of a cluster holds, before it is stored. */
  private snapshotOf(c: DBCluster, id: string, type: string, status: string): DBClusterSnapshot {
    const snap: DBClusterSnapshot = {
      DBClusterSnapshotIdentifier: id,
      DBClusterSnapshotArn: this.rds.arn('cluster-snapshot', id),
      DBClusterIdentifier: c.DBClusterIdentifier,
      DbClusterResourceId: c.DbClusterResourceId,
      SnapshotType: type,
      Status: status,
      Engine: c.Engine,
      EngineVersion: c.EngineVersion,
      EngineMode: 'provisioned',
      Port: c.Port,
      MasterUsername: c.MasterUsername,
      AllocatedStorage: c.AllocatedStorage,
      StorageType: c.StorageType,
      AvailabilityZones: [...(c.AvailabilityZones ?? [])],
      ClusterCreateTime: c.ClusterCreateTime,
      SnapshotCreateTime: this.clock.now(),
      StorageEncrypted: c.StorageEncrypted,
      ...(c.KmsKeyId !== undefined ? { KmsKeyId: c.KmsKeyId } : {}),
      IAMDatabaseAuthenticationEnabled: c.IAMDatabaseAuthenticationEnabled,
      PercentProgress: status === 'available' ? 100 : 0,
      // CopyTagsToSnapshot: "Specifies whether to copy all tags from the DB cluster to snapshots of the DB cluster" (API reference).
      TagList: c.CopyTagsToSnapshot ? structuredClone(c.TagList ?? []) : [],
    };
    // A snapshot holds the cluster's master user and password as they are now (RDS-NOTES, "Credentials").
    const password = this.passwords.get(c);
    if (password !== undefined) this.passwords.set(snap, password);
    return snap;
  }

  /**
   * A cluster snapshot in `creating`, stored, that becomes available after the snapshot time, with its two events:
   * automated RDS-EVENT-0168 / 0169, manual RDS-EVENT-0074 / 0075, category backup (RDS-NOTES).
   */
  private startSnapshot(c: DBCluster, id: string, type: 'automated' | 'manual', tags: Tag[] = [], took: Distribution = this.timings.snapshot, then?: () => void): DBClusterSnapshot {
    const snap = this.snapshotOf(c, id, type, 'creating');
    snap.TagList = this.internals.mergeTags(snap.TagList, tags);
    this.snapshots.set(id, snap);
    const [creating, created] = type === 'automated' ? ['RDS-EVENT-0168', 'RDS-EVENT-0169'] : ['RDS-EVENT-0074', 'RDS-EVENT-0075'];
    this.rds.emit('db-cluster-snapshot', id, creating, 'backup', type === 'automated' ? 'Creating automated cluster snapshot' : 'Creating manual cluster snapshot');
    this.clock.after(this.random.duration(took), `cluster snapshot ${id}`, () => {
      if (this.snapshots.get(id) === snap) {
        snap.Status = 'available';
        snap.PercentProgress = 100;
        this.rds.emit('db-cluster-snapshot', id, created, 'backup', type === 'automated' ? 'Automated cluster snapshot created' : 'Manual cluster snapshot created');
      }
      then?.();
    });
    return snap;
  }

  /**
   * The region and snapshot a CopyDBClusterSnapshot source names: an ARN (any region of the account, or another account's
   * shared snapshot) or an identifier here.
   */
  private copySource(sourceId: string): { from: SimClusters; snap: DBClusterSnapshot } {
    const notFound = () => new DBClusterSnapshotNotFoundFault({ message: `DBClusterSnapshot not found: ${sourceId}`, ...meta() });
    if (!sourceId.startsWith('arn:')) {
      const local = this.snapshotByIdOrArn(sourceId);
      if (!local) throw notFound();
      return { from: this, snap: local };
    }
    const m = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):cluster-snapshot:(.+)$/.exec(sourceId);
    if (!m) throw invalidValue(`The parameter SourceDBClusterSnapshotIdentifier is not a valid identifier: ${sourceId}`);
    const [, region = '', account, id = ''] = m;
    // Another account's: only one shared with this account (or public) is found (see copyDBClusterSnapshot).
    if (account !== this.rds.account) {
      const shared = this.sharedSnapshot(sourceId);
      if (!shared) throw notFound();
      return { from: shared.owner, snap: shared.snap };
    }
    const from = region === this.rds.region ? this : this.rds.regions.get(region)?.clusters;
    const snap = from?.snapshots.get(id);
    if (!from || !snap) throw notFound();
    return { from, snap };
  }

  /** What CopyDBClusterSnapshot makes of a source snapshot in this region, before it is stored. */
  private copyOf(source: DBClusterSnapshot, targetId: string, kmsKeyId: string | undefined, tags: Tag[], from: SimClusters): DBClusterSnapshot {
    const copy: DBClusterSnapshot = {
      ...structuredClone(source),
      DBClusterSnapshotIdentifier: targetId,
      DBClusterSnapshotArn: this.rds.arn('cluster-snapshot', targetId),
      SnapshotType: 'manual',
      Status: 'copying',
      PercentProgress: 0,
      // "If the DB cluster snapshot was copied from a source DB cluster snapshot, the Amazon Resource Name (ARN) for the
      // source DB cluster snapshot" (DBClusterSnapshot API reference). SnapshotCreateTime is kept (see arriveClusterCopy).
      SourceDBClusterSnapshotArn: source.DBClusterSnapshotArn,
      StorageEncrypted: kmsKeyId !== undefined,
      TagList: tags,
    };
    delete copy.KmsKeyId;
    if (kmsKeyId !== undefined) copy.KmsKeyId = kmsKeyId;
    // A copy holds the same data: the same master user and password.
    const password = from.passwords.get(source);
    if (password !== undefined) this.passwords.set(copy, password);
    return copy;
  }

  /** Starts a stored copy: `copying`, then `available` after the copy time (see arriveClusterCopy on events). */
  private startCopy(snap: DBClusterSnapshot, took: Distribution): void {
    const ms = this.random.duration(took);
    this.copyWindows.set(snap, { start: this.clock.millis, end: this.clock.millis + ms });
    this.copyHighWater = Math.max(this.copyHighWater, this.crossRegionCopiesInFlight());
    const id = snap.DBClusterSnapshotIdentifier ?? '';
    this.clock.after(ms, `cluster copy ${id}`, () => {
      this.copyWindows.delete(snap);
      if (this.snapshots.get(id) !== snap) return;
      snap.Status = 'available';
      snap.PercentProgress = 100;
    });
  }

  /** Brings PercentProgress of the copies in progress up to now. */
  private updateProgress(): void {
    for (const [snap, w] of this.copyWindows) {
      if (snap.Status !== 'copying') continue;
      snap.PercentProgress = Math.min(99, Math.floor(((this.clock.millis - w.start) / Math.max(1, w.end - w.start)) * 100));
    }
  }
}
