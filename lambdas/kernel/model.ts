/**
 * The domain's plain data: what the core decides on. Adapters translate AWS shapes into these,
 * so nothing here knows the SDK.
 */

/**
 * The settings of y that a refresh must carry to the new y. Names follow the RDS API loosely;
 * each maps to a parameter of RestoreDBInstanceFromDBSnapshot or, where a restore cannot set it,
 * of the ModifyDBInstance that follows.
 */
export interface InstanceSettings {
  /** The target kind these settings belong to (absent: a DB instance, as every record written before clusters). */
  kind?: 'instance';
  instanceClass: string;
  subnetGroupName?: string;
  vpcSecurityGroupIds: string[];
  parameterGroupName?: string;
  optionGroupName?: string;
  multiAz: boolean;
  publiclyAccessible: boolean;
  availabilityZone?: string;
  storageType?: string;
  allocatedStorage?: number;
  maxAllocatedStorage?: number;
  iops?: number;
  storageThroughput?: number;
  port?: number;
  iamDatabaseAuthentication: boolean;
  cloudwatchLogsExports: string[];
  caCertificateIdentifier?: string;
  autoMinorVersionUpgrade: boolean;
  copyTagsToSnapshot: boolean;
  deletionProtection: boolean;
  networkType?: string;
  /** Extended Support enrolment; left to RDS's default it would opt y into paid Extended Support. */
  engineLifecycleSupport?: string;
  dedicatedLogVolume?: boolean;
  licenseModel?: string;
  /** CPU options (Oracle, SQL Server), by feature name. */
  processorFeatures?: Record<string, string>;
  backupTarget?: string;
  backupRetentionPeriod: number;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  monitoringInterval: number;
  monitoringRoleArn?: string;
  performanceInsightsEnabled: boolean;
  performanceInsightsKmsKeyId?: string;
  performanceInsightsRetentionPeriod?: number;
  /** CloudWatch Database Insights: `standard` or `advanced` (advanced needs Performance Insights). */
  databaseInsightsMode?: string;
  /** IAM roles associated with y for a feature (AddRoleToDBInstance after the restore). */
  associatedRoles?: AssociatedRole[];
  /** RDS Proxy target groups y was registered with (RegisterDBProxyTargets after the restore). */
  proxyTargets?: ProxyTarget[];
  /** y's own tags, without the project's lineage tags. */
  tags: Record<string, string>;
}

/** An IAM role associated with an instance for one feature (s3Import, S3_INTEGRATION, …). */
export interface AssociatedRole {
  roleArn: string;
  featureName: string;
}

/** A proxy's target group that lists an instance. */
export interface ProxyTarget {
  proxyName: string;
  proxyArn: string;
  targetGroupName: string;
}

/** A DB instance as the core sees it. */
export interface InstanceView {
  kind?: 'instance';
  id: string;
  arn: string;
  status: string;
  engine: string;
  engineVersion?: string;
  dbiResourceId?: string;
  /** Active Directory domains y is joined to; a restore cannot carry these across yet. */
  domainMemberships: string[];
  createdAt?: Date;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  settings: InstanceSettings;
  /** Values of a modification accepted but not yet applied, by {@link InstanceSettings} name. */
  pending: Partial<InstanceSettings>;
  /** All tags, lineage included. */
  tags: Record<string, string>;
  /** The master user name (a restore carries the snapshot's, i.e. x's). */
  masterUsername?: string;
  /** The RDS-managed master secret, when RDS manages the password. */
  masterUserSecretArn?: string;
  /** That secret's status (MasterUserSecret.SecretStatus): `creating` until RDS has stored the password, then `active`. */
  masterUserSecretStatus?: string;
  /** Where clients connect (DescribeDBInstances Endpoint), once RDS has assigned it. */
  endpoint?: { address: string; port: number };
}

/** Aurora Serverless v2 capacity, in Aurora capacity units. */
export interface ServerlessV2Scaling {
  minCapacity: number;
  maxCapacity: number;
  /** Seconds of idleness before a cluster with a minimum of 0 ACUs pauses. */
  secondsUntilAutoPause?: number;
}

/** An Aurora cluster's own settings (the catalog: targets/cluster/catalog.ts). */
export interface ClusterSettings {
  clusterParameterGroupName?: string;
  subnetGroupName?: string;
  vpcSecurityGroupIds: string[];
  port?: number;
  iamDatabaseAuthentication: boolean;
  cloudwatchLogsExports: string[];
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  /** Seconds; Aurora MySQL only. */
  backtrackWindow?: number;
  serverlessV2Scaling?: ServerlessV2Scaling;
  /** `aurora` or `aurora-iopt1` (I/O-Optimized). */
  storageType?: string;
  /** The KMS key of its storage: the restore sets it (a copy's key otherwise). */
  kmsKeyId?: string;
  backupRetentionPeriod: number;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  /** CloudWatch Database Insights: `standard` or `advanced`; Aurora instances inherit it from the cluster. */
  databaseInsightsMode?: string;
  tags: Record<string, string>;
}

/** One member instance's settings. */
export interface MemberSettings {
  /** Its identifier: the new member is created under the same name. */
  id: string;
  /** The writer is created first; readers follow. */
  writer: boolean;
  instanceClass: string;
  parameterGroupName?: string;
  promotionTier?: number;
  publiclyAccessible: boolean;
  autoMinorVersionUpgrade: boolean;
  preferredMaintenanceWindow?: string;
  caCertificateIdentifier?: string;
  monitoringInterval: number;
  monitoringRoleArn?: string;
  performanceInsightsEnabled: boolean;
  performanceInsightsRetentionPeriod?: number;
  performanceInsightsKmsKeyId?: string;
  tags: Record<string, string>;
}

/** What a refresh captures of an Aurora cluster y and gives the new one: the cluster's settings and each member's. */
export interface ClusterTargetSettings extends ClusterSettings {
  kind: 'cluster';
  /** The members, writer first. */
  members: MemberSettings[];
  /** IAM roles associated with the cluster for a feature (AddRoleToDBCluster after the restore). */
  associatedRoles?: AssociatedRole[];
  /** RDS Proxy target groups the cluster was registered with (RegisterDBProxyTargets, DBClusterIdentifiers). */
  proxyTargets?: ProxyTarget[];
}

/** One member instance of a cluster as it is now. */
export interface ClusterMemberView {
  id: string;
  arn: string;
  /** Its own DBInstanceStatus; `unknown` when DescribeDBInstances did not list it (yet). */
  status: string;
  writer: boolean;
  createdAt?: Date;
  settings: MemberSettings;
}

/** An Aurora DB cluster with its members, as the core sees it (targets/cluster/view.ts reads it). */
export interface ClusterView {
  kind: 'cluster';
  id: string;
  arn: string;
  /** The cluster's own Status. */
  status: string;
  /** `aurora-postgresql` or `aurora-mysql`, as RDS reports it. */
  engine: string;
  engineVersion?: string;
  /** DbClusterResourceId: the cluster behind the name, as DbiResourceId is an instance's. */
  resourceId?: string;
  createdAt?: Date;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  settings: ClusterTargetSettings;
  members: ClusterMemberView[];
  tags: Record<string, string>;
  masterUsername?: string;
  masterUserSecretArn?: string;
  /** The RDS-managed master secret's status (MasterUserSecret.SecretStatus): creating, active, rotating, impaired. */
  masterUserSecretStatus?: string;
}

/** A replica's settings, whatever its kind: what a run captures, records and restores with. */
export type TargetSettings = InstanceSettings | ClusterTargetSettings;

/** A replica as it is now, whatever its kind. */
export type TargetView = InstanceView | ClusterView;

/** A DB snapshot as the core sees it. */
export interface SnapshotView {
  id: string;
  arn: string;
  instanceId: string;
  dbiResourceId?: string;
  type: string;
  status: string;
  engine?: string;
  engineVersion?: string;
  allocatedStorage?: number;
  /** When x's data was captured: OriginalSnapshotCreateTime, else SnapshotCreateTime. */
  dataTime?: Date;
  /** When this copy was created in its region. */
  createdAt?: Date;
  encrypted: boolean;
  kmsKeyId?: string;
  sourceRegion?: string;
  /** For a copy: the ARN of the snapshot it was copied from. */
  sourceSnapshotArn?: string;
  percentProgress?: number;
  /** The snapshot's tags, when the listing returned them. */
  tags?: Record<string, string>;
}

/**
 * x's automated backups replicated into y's region (mode `backup-replication`): y is restored to a
 * point in time within their restore window.
 */
export interface ReplicatedBackupView {
  /** DBInstanceAutomatedBackupsArn, which a restore names. */
  arn: string;
  instanceId: string;
  dbiResourceId?: string;
  /** The region the backups are replicated from (x's). */
  sourceRegion: string;
  /** `replicating` while x's backups flow in; also pending, retained, … */
  status: string;
  earliestTime?: Date;
  /** The latest restorable time: how fresh y's data can be. */
  latestTime?: Date;
  engine?: string;
  engineVersion?: string;
  allocatedStorage?: number;
  encrypted: boolean;
  kmsKeyId?: string;
}

/** The phase an active run is in. */
/**
 * The phase an active run is in. Delete-first: deleting → deleted → restoring → finishing. A swap mode, which restores
 * a copy beside y: preparing → restoring → finishing → switching (refresh/machine.ts has the table).
 */
export type RunPhase = 'deleting' | 'deleted' | 'preparing' | 'restoring' | 'finishing' | 'switching';

/** How a closed or refused run ended. */
export type RunOutcome = 'succeeded' | 'failed' | 'refused';

/** An RDS event about a replica as on-rds-event received it: the event path's last sign of life (`npm run status`). */
export interface ReceivedEvent {
  eventId: string;
  sourceId: string;
  /** The event's own time (ISO), when it had one. */
  at?: string;
  /** When on-rds-event handled it (ISO). */
  receivedAt: string;
}

/** What started a run. */
/** `restore`: the operator's `npm run restore`, which brings back a missing y and never deletes one. */
export type RunTrigger = 'schedule' | 'drill' | 'restore' | 'unmanaged-deletion' | 'heal';

/**
 * The settings y must have: the one source of truth a restore uses when y itself cannot be trusted (the project
 * restored it and did not finish configuring it). Changed only by a successful run whose drift check was clean, or
 * by the operator.
 */
export interface DesiredRecord {
  replicaId: string;
  settings: TargetSettings;
  engine?: string;
  capturedAt: string;
  /** `run`: the settings a clean successful run restored y with; `operator`: set by hand. */
  source: 'run' | 'operator';
  runId?: string;
}

/** One validation check of a swap mode's new copy (lambdas/sql/steps.ts's StepResult, as the run records it). */
export interface ValidationStepResult {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  ms: number;
  rows?: number;
  error?: string;
}

/** One preflight check and its verdict. */
export interface CheckResult {
  id: string;
  ok: boolean;
  detail: string;
}

/** The snapshot a run restores from. */
export interface ChosenSnapshot {
  id: string;
  arn: string;
  type: string;
  /** ISO time of x's data (original creation time). */
  dataTime?: string;
  createdAt?: string;
}

/** A difference between a setting y had and the one the new y has. */
export interface Drift {
  setting: string;
  expected: unknown;
  actual: unknown;
  /** RDS's error when it rejected the change that would have set it. */
  error?: string;
}

/**
 * One refresh of one replica: the ledger's item, the handoff between functions and the history.
 * Every time is an ISO-8601 UTC string.
 */
export interface RunRecord {
  replicaId: string;
  runId: string;
  sourceId: string;
  trigger: RunTrigger;
  /** The engine of y, for the restore's storage rules. */
  engine?: string;
  /** A heal run: the run that deleted y and did not bring it back. */
  healsRunId?: string;
  /** The schedule execution (or caller) id, so a duplicated start is recognised. */
  requestId?: string;
  status: 'active' | RunOutcome;
  phase?: RunPhase;
  /** Moves on with every write of the active run; a lifecycle transition is conditional on it (refresh/machine.ts). */
  version?: number;
  startedAt: string;
  preflightFinishedAt?: string;
  deleteRequestedAt?: string;
  /** start-refresh stopped before recording the delete: deleteRequestedAt is the end of its preflight, the latest moment before it. */
  deleteRequestedEstimated?: boolean;
  deletedAt?: string;
  deletedSource?: 'event' | 'poll';
  /** An Aurora y: the member instances whose deletion this run requested before the cluster's. */
  deletedMembers?: string[];
  restoreClaimedAt?: string;
  /** The first restore attempt's claim: restore time (RTO) counts from here, failed attempts and backoff included. */
  firstRestoreAttemptAt?: string;
  restoreRequestedAt?: string;
  /** An Aurora y: when the writer of the restored cluster was requested (CreateDBInstance, once the cluster was available). */
  writerRequestedAt?: string;
  restoreAttempts: number;
  /** After a retryable restore failure: not before this time. */
  nextRetryAt?: string;
  /** The error code of the last failed restore attempt. */
  lastErrorCode?: string;
  usableAt?: string;
  usableSource?: 'event' | 'poll';
  /** When the watchdog first saw the restored target serving before RDS's event said so (refresh/lifecycle.ts usableWithoutEvent). */
  usablePolledAt?: string;
  modifiedAt?: string;
  closedAt?: string;
  /** When the closing notification was sent; a closed run without it is notified by whoever finds it. */
  notifiedAt?: string;
  deadlineAlertedAt?: string;
  /** Snapshot pinned by an on-demand start; it wins over the newest. */
  pinnedSnapshotId?: string;
  /** The snapshot preflight chose. */
  plannedSnapshot?: ChosenSnapshot;
  /** The snapshot the restore used. */
  snapshot?: ChosenSnapshot;
  finalSnapshotId?: string;
  checks: CheckResult[];
  /** y's settings before deletion, with config overrides applied: what the new y must have. */
  desired?: TargetSettings;
  drift?: Drift[];
  /** Post-restore settings groups RDS rejected, with its error: they show as drift and raise an alert. */
  rejectedGroups?: { group: string; error: string }[];
  /** The refresh mode the run followed (`refresh.mode`; absent on runs from before modes: delete-first). */
  mode?: 'delete-first' | 'rename-swap' | 'dns-switch';
  /**
   * A swap mode: the instance this run restores beside y (`<y>-next-<run>`); every restore step works on it, and y
   * keeps serving until the switch. Absent: the run restores y itself (delete-first).
   */
  copyId?: string;
  /**
   * A swap mode: the name the instance that served ends under (rename-swap: `<y>-old-<run>`, kept `keepOldHours`;
   * dns-switch: the old slot), and its DbiResourceId, which housekeeping checks before it deletes anything by that name.
   */
  retiredId?: string;
  retiredResourceId?: string;
  /** The new copy's validation over a database connection: each check, in order (swap modes). */
  validation?: ValidationStepResult[];
  validatedAt?: string;
  /** The switch began (rename-swap: y was asked to take its retired name): clients lose y from here. */
  switchRequestedAt?: string;
  /** rename-swap: when the copy was asked to take y's name. */
  promoteRequestedAt?: string;
  /** dns-switch: when the idle instance (a stopped or left-over one) was asked to be deleted before the restore. */
  idleDeleteRequestedAt?: string;
  /** dns-switch: the Route 53 change that pointed the record at the copy, and when Route 53 was first seen INSYNC. */
  dnsChangeId?: string;
  dnsInsyncAt?: string;
  /** The staging hooks' results (issue 17), file by file, and when they finished (and passed). */
  hooks?: ValidationStepResult[];
  hooksFinishedAt?: string;
  hooksPassedAt?: string;
  /** The new copy serves under y's name: clients have y back from here. */
  switchedAt?: string;
  switchedSource?: 'event' | 'poll';
  /** A switch that failed half way is being undone, and why: the watchdog carries the rollback on until y is the old instance again. */
  rollbackReason?: string;
  /** A switch that failed half way was undone: y's name went back to the old instance. */
  rolledBackAt?: string;
  /** When y's master credentials were set as the pair chose (modes `secret` and `managed`). */
  credentialsSetAt?: string;
  /** Mode `managed`: the new RDS-managed secret's ARN, published for applications. */
  masterUserSecretArn?: string;
  /** Changes the per-engine rules made to the restore request, and why. */
  restoreNotes?: string[];
  errors: string[];
  /** Why a failed or refused run ended so. */
  reason?: string;
  /**
   * What clients saw: the seconds a SQL probe's queries through y's name failed during the run (the simulation's
   * probe, or `npm run probe` against a deployed y), recorded after the run by whoever measured it.
   */
  clientDowntimeSeconds?: number;
}
