/**
 * The target seam: what a replica is (an RDS DB instance, or an Aurora DB cluster with its member instances) and the
 * RDS calls for that kind. The refresh logic asks the pair's target (registry.ts) for its states, its settings and the
 * decisions made from them, and makes its RDS calls through the target's gateway; it never reads a kind's own
 * settings. A new kind of target is a new folder beside `instance/` and `cluster/` and one line in the registry.
 */
import type { PairConfig, SettingsOverrides } from '../kernel/config';
import type { AssociatedRole, Drift, ProxyTarget, SnapshotView, TargetSettings, TargetView } from '../kernel/model';
import type { ModifyChanges, ReplicaRds } from '../kernel/ports';

/** The kinds of replica the project refreshes. */
export type TargetKind = 'instance' | 'cluster';

/** What an RDS event about one of a pair's resources means for a refresh. */
/**
 * What an RDS event about a target's resource says: it is gone, it serves, it failed, or it restarted (a reboot ended,
 * as after a rename: RDS-EVENT-0006 for an instance).
 */
export type TargetSignal = 'deleted' | 'usable' | 'failed' | 'restarted';

/** The settings a restore may send for an engine, and a note for each change the engine's rules made. */
export interface ShapedSettings {
  settings: TargetSettings;
  notes: string[];
}

/**
 * One post-restore call: a group of settings RDS accepts or rejects together, in the terms of the target kind that
 * made it (its model makes it, its gateway applies it).
 */
export interface PostRestoreGroup {
  group: string;
  changes: Readonly<Record<string, unknown>>;
}

/** A restore request, already complete: nothing is left to RDS defaults. */
export interface TargetRestoreRequest {
  identifier: string;
  snapshotIdentifier: string;
  /** The engine to restore (an Aurora cluster's restore must name it). */
  engine?: string;
  /**
   * The engine version to restore an Aurora cluster at (RestoreDBClusterFromSnapshot EngineVersion). Absent: RDS
   * chooses ("If you don't specify an engine version, the default version for the database engine in the AWS Region is
   * used", API reference).
   */
  engineVersion?: string;
  settings: TargetSettings;
  /** Tags to put on the new y: y's own plus lineage. */
  tags: Record<string, string>;
  /** Restore x's replicated automated backups to this time instead of a snapshot (mode `backup-replication`, instances). */
  pointInTime?: { automatedBackupsArn: string; restoreTime: Date };
}

/** One post-restore change: a group of settings, or y's master credentials. */
export interface TargetChanges extends Omit<ModifyChanges, 'settings'> {
  settings?: PostRestoreGroup['changes'];
}

/** What the preflight needs to know of a replica beyond its state and tags. */
export interface TargetFacts {
  /** `aurora-postgresql, writer db.r6g.large + 1 reader`: what y is, in a line. */
  summary: string;
  /** Enhanced Monitoring roles the new y needs passed to it (its own or its members'). */
  monitoringRoleArns: string[];
  associatedRoles: AssociatedRole[];
  /** The storage a restore must give at least (instances), or undefined (the cluster volume grows by itself). */
  allocatedStorage?: number;
  /** Active Directory domains y is joined to. */
  domainMemberships: string[];
  /** What the preflight must refuse for this kind, each with what to do (an Aurora member not named in config, say). */
  problems: { id: string; detail: string }[];
}

/** What a replica of one kind is: its events, its IAM scope, its states, and its settings and how they travel. */
export interface TargetModel {
  kind: TargetKind;
  /** The `SourceType` of its RDS events and of the event subscription that covers it. */
  eventSourceType: 'db-instance' | 'db-cluster';
  /** The resource type in its ARN (`arn:<partition>:rds:<region>:<account>:<type>:<id>`): the IAM scope of every mutating call. */
  arnResourceType: 'db' | 'cluster';
  /** A word for it in messages: `instance`, `cluster`. */
  noun: string;
  /** The RDS operation that deletes it, as messages name it. */
  deleteApi: 'DeleteDBInstance' | 'DeleteDBCluster';
  /** States from which it can be deleted for a refresh. */
  deletableStates: ReadonlySet<string>;
  /** Failed states a failed run of the project may leave it in, which the next refresh replaces. */
  replaceableFailedStates: ReadonlySet<string>;
  /**
   * Whether a delete of it has begun though it is not `deleting` itself: an Aurora cluster some of whose members
   * (`desired`'s) are deleting or gone. A start that died there left it half deleted, and the delete must go on.
   */
  deleteStarted(view: TargetView, desired: TargetSettings | undefined): boolean;
  /** Whether it serves connections (a cluster: it and its writer are available). */
  usable(view: TargetView): boolean;
  /** Whether a restore of it will not come good by itself; the state at fault, or undefined. */
  failed(view: TargetView): string | undefined;
  /** What the preflight needs of it. */
  facts(view: TargetView, pair: PairConfig): TargetFacts;
  /** Whether an RDS event's source is one of the pair's physical resources (y, or an Aurora y's member instance). */
  owns(pair: PairConfig, sourceType: string, sourceId: string): boolean;
  /** What an RDS event about one of the pair's resources means for a refresh, or undefined when nothing. */
  signalOf(pair: PairConfig, event: { sourceType: string; sourceId: string; eventId: string }): TargetSignal | undefined;
  /** The settings the new replica must have: the live (or recorded) ones with config overrides on top. */
  desiredSettings(live: TargetSettings, overrides: SettingsOverrides, engine?: string): TargetSettings;
  /** The settings a restore from `snapshot` needs (storage at least the snapshot's; any zone after a capacity shortage). */
  restoreSettings(desired: TargetSettings, snapshot: SnapshotView, opts: { anyZone: boolean }): TargetSettings;
  /** The settings a restore of this engine may send, with a note for each change. */
  shapeRestore(engine: string | undefined, desired: TargetSettings): ShapedSettings;
  /** The post-restore calls, one per group that differs. */
  postRestoreGroups(desired: TargetSettings, restored: TargetView): PostRestoreGroup[];
  /** The post-restore group a setting of the drift list belongs to, for RDS's error on it. */
  groupOfSetting(setting: string): string | undefined;
  /** The IAM roles the new replica must get back. */
  missingRoles(desired: TargetSettings, restored: TargetView): AssociatedRole[];
  /** Every desired setting the replica does not have. */
  driftOf(desired: TargetSettings, actual: TargetView): Drift[];
}

/**
 * The RDS calls a refresh makes on its target, in the target's own terms: an instance gateway calls
 * DescribeDBInstances, DeleteDBInstance, RestoreDBInstanceFromDBSnapshot…; a cluster gateway calls the cluster APIs
 * and its members'. The refresh logic reaches RDS for its target only through this. Errors surface as
 * RetryableRdsError / PermanentRdsError, or the result says "not found".
 */
export interface TargetGateway {
  /** The target as it is now, or undefined when it does not exist. */
  describe(id: string): Promise<TargetView | undefined>;
  /** Every target of this kind in the region, by identifier, in as few paged calls as RDS allows. */
  list(): Promise<Map<string, TargetView>>;
  /** The identifiers of every target of this kind in the region: as {@link list}, or cheaper where RDS allows. */
  identifiers(): Promise<ReadonlySet<string>>;
  disableDeletionProtection(id: string): Promise<void>;
  /**
   * Deletes the target (a cluster: its members first, then the cluster); `finalSnapshotId` takes a final snapshot first.
   * @returns the member instances whose deletion was requested (none for an instance)
   */
  delete(id: string, finalSnapshotId?: string): Promise<{ members: string[] }>;
  /** Starts a restore; `already-exists` when a target of that name exists. */
  restore(request: TargetRestoreRequest): Promise<'requested' | 'already-exists'>;
  /**
   * What a restore leaves to do before the target can serve: an Aurora cluster restored from a snapshot has no
   * instance, and its endpoints stay `creating` until its writer is created (RDS-NOTES, Aurora).
   * @returns `created` when this call asked for it, `waiting` while the target is not ready for it, `done` when nothing is left
   */
  completeRestore(view: TargetView, desired: TargetSettings): Promise<'created' | 'waiting' | 'done'>;
  /**
   * Applies one group of what a restore cannot set, immediately.
   * @returns 'busy' while the target's state refuses modifications
   */
  modify(id: string, changes: TargetChanges): Promise<'modified' | 'busy'>;
  /**
   * Stops the target (dns-switch keeps an old slot stopped rather than deleted, when configured).
   * @returns 'busy' while its state refuses a stop; undefined for a kind that cannot be stopped this way
   */
  stop?(id: string): Promise<'stopped' | 'busy'>;
  /** Associates an IAM role with the target for a feature. */
  addRole(id: string, roleArn: string, featureName: string): Promise<'added' | 'already-associated' | 'busy'>;
  /** The RDS Proxy target groups that list the target. */
  proxyTargetsOf(id: string): Promise<ProxyTarget[]>;
  /** Registers the target with a proxy's target group. */
  registerProxyTarget(target: ProxyTarget, id: string): Promise<'registered' | 'already-registered'>;
  /** Where the target's restore sources are found: x's snapshots (of its kind) in the replica region. */
  snapshots: Pick<ReplicaRds, 'describeSnapshot' | 'listSnapshots' | 'describeReplicatedBackups'>;
}

/** One gateway per kind of target, built once per cold start from the region's adapters (a kind no pair uses may be absent). */
export type TargetGateways = Readonly<Partial<Record<TargetKind, TargetGateway>>>;
