/**
 * The settings catalog of an Aurora DB cluster and of its member instances: every setting a refresh captures from the
 * replica cluster and gives the new one back, in two tables. As the instance catalog (../instance/catalog.ts), each
 * entry says how RDS reports it and how the new cluster gets it: RestoreDBClusterFromSnapshot for the cluster's own
 * settings, a post-restore ModifyDBCluster for what a restore cannot set, and CreateDBInstance (with
 * DBClusterIdentifier) for each member, since a restore creates no instance (RDS-NOTES, "Per-engine restore rules").
 *
 * Which parameter goes where is the RDS API reference's (the SDK's request types carry its text):
 * - RestoreDBClusterFromSnapshot takes the subnet group, security groups, port, IAM authentication, log exports,
 *   deletion protection, copy-tags-to-snapshot, the cluster parameter group, the backtrack window ("Currently,
 *   Backtrack is only supported for Aurora MySQL DB clusters"), the Serverless v2 scaling, the storage type, the
 *   backup retention and window ("Valid for Cluster Type: Aurora DB clusters and Multi-AZ DB clusters") and KmsKeyId.
 *   It has no PreferredMaintenanceWindow: ModifyDBCluster sets it ("Valid for Cluster Type: Aurora DB clusters and
 *   Multi-AZ DB clusters").
 * - CreateDBInstance of an Aurora member takes the class, the DB parameter group, the promotion tier, public access,
 *   minor version upgrades, the maintenance window, the CA certificate, Enhanced Monitoring and Performance Insights.
 *   The rest is the cluster's: security groups ("The associated list of EC2 VPC security groups is managed by the DB
 *   cluster"), port, engine version, encryption and KMS key, copy-tags-to-snapshot, IAM authentication, log exports,
 *   deletion protection ("You can enable or disable deletion protection for the DB cluster"), and the Database
 *   Insights mode ("Aurora DB instances inherit this value from the DB cluster").
 *
 * Only the SDK's request and response *types* are used: the catalog makes no call.
 */
import type { CreateDBInstanceMessage, DBCluster, DBInstance, ModifyDBClusterMessage, RestoreDBClusterFromSnapshotMessage } from '@aws-sdk/client-rds';
import type { ClusterSettings, MemberSettings } from '../../kernel/model';

/** The Aurora engines a cluster pair may name. */
export type AuroraEngine = 'aurora-postgresql' | 'aurora-mysql';

export type { ClusterSettings, MemberSettings, ServerlessV2Scaling } from '../../kernel/model';

/** A cluster setting the catalog holds (tags travel with the restore's Tags). */
export type ClusterKey = Exclude<keyof ClusterSettings, 'tags'>;
/** A member setting the catalog holds (the identifier, the role and the tags are the request's own). */
export type MemberKey = Exclude<keyof MemberSettings, 'id' | 'writer' | 'tags'>;

/** What RestoreDBClusterFromSnapshot may carry besides the names, the engine and the tags. */
export type ClusterRestoreParameters = Partial<Omit<RestoreDBClusterFromSnapshotMessage, 'DBClusterIdentifier' | 'SnapshotIdentifier' | 'Engine' | 'Tags'>>;
/** What CreateDBInstance of a member may carry besides its names, engine and tags. */
export type MemberCreateParameters = Partial<Omit<CreateDBInstanceMessage, 'DBInstanceIdentifier' | 'DBClusterIdentifier' | 'Engine' | 'Tags'>>;

/** One cluster setting. */
export interface ClusterSettingSpec<K extends ClusterKey = ClusterKey> {
  name: K;
  read(cluster: DBCluster): ClusterSettings[K] | undefined;
  /** How the restore sets it; absent: `modify` does. */
  restore?(value: NonNullable<ClusterSettings[K]>): ClusterRestoreParameters;
  /** The post-restore ModifyDBCluster that sets it. */
  modify?(value: NonNullable<ClusterSettings[K]>): Partial<ModifyDBClusterMessage>;
  /** The engines that accept it (absent: both); the restore leaves it out for the other, with a note. */
  engines?: readonly AuroraEngine[];
  /** Where that restriction is documented. */
  enginesWhy?: string;
}

/** One member setting. */
export interface MemberSettingSpec<K extends MemberKey = MemberKey> {
  name: K;
  read(db: DBInstance): MemberSettings[K] | undefined;
  create(value: NonNullable<MemberSettings[K]>, all: MemberSettings): MemberCreateParameters;
}

function cluster<K extends ClusterKey>(s: ClusterSettingSpec<K>): ClusterSettingSpec<K> {
  return s;
}

function member<K extends MemberKey>(s: MemberSettingSpec<K>): MemberSettingSpec<K> {
  return s;
}

/** Every cluster setting, in the order requests are built and drift is listed. */
export const CLUSTER_CATALOG: readonly ClusterSettingSpec[] = [
  cluster({ name: 'clusterParameterGroupName', read: (c) => c.DBClusterParameterGroup, restore: (v) => ({ DBClusterParameterGroupName: v }) }),
  cluster({ name: 'subnetGroupName', read: (c) => c.DBSubnetGroup, restore: (v) => ({ DBSubnetGroupName: v }) }),
  cluster({
    name: 'vpcSecurityGroupIds',
    // Groups being removed are on their way out.
    read: (c) => (c.VpcSecurityGroups ?? []).filter((g) => g.Status !== 'removing').flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    restore: (v) => (v.length > 0 ? { VpcSecurityGroupIds: v } : {}),
  }),
  cluster({ name: 'port', read: (c) => c.Port, restore: (v) => ({ Port: v }) }),
  cluster({ name: 'iamDatabaseAuthentication', read: (c) => c.IAMDatabaseAuthenticationEnabled ?? false, restore: (v) => ({ EnableIAMDatabaseAuthentication: v }) }),
  cluster({ name: 'cloudwatchLogsExports', read: (c) => c.EnabledCloudwatchLogsExports ?? [], restore: (v) => (v.length > 0 ? { EnableCloudwatchLogsExports: v } : {}) }),
  cluster({ name: 'deletionProtection', read: (c) => c.DeletionProtection ?? false, restore: (v) => ({ DeletionProtection: v }) }),
  cluster({ name: 'copyTagsToSnapshot', read: (c) => c.CopyTagsToSnapshot ?? false, restore: (v) => ({ CopyTagsToSnapshot: v }) }),
  cluster({
    name: 'backtrackWindow',
    read: (c) => c.BacktrackWindow,
    restore: (v) => ({ BacktrackWindow: v }),
    engines: ['aurora-mysql'],
    enginesWhy: 'RestoreDBClusterFromSnapshot, BacktrackWindow: "Currently, Backtrack is only supported for Aurora MySQL DB clusters"',
  }),
  cluster({
    name: 'serverlessV2Scaling',
    read: (c) => {
      const s = c.ServerlessV2ScalingConfiguration;
      if (s?.MinCapacity === undefined || s.MaxCapacity === undefined) return undefined;
      return { minCapacity: s.MinCapacity, maxCapacity: s.MaxCapacity, ...(s.SecondsUntilAutoPause !== undefined ? { secondsUntilAutoPause: s.SecondsUntilAutoPause } : {}) };
    },
    restore: (v) => ({ ServerlessV2ScalingConfiguration: { MinCapacity: v.minCapacity, MaxCapacity: v.maxCapacity, ...(v.secondsUntilAutoPause !== undefined ? { SecondsUntilAutoPause: v.secondsUntilAutoPause } : {}) } }),
  }),
  cluster({ name: 'storageType', read: (c) => c.StorageType, restore: (v) => ({ StorageType: v }) }),
  // KmsKeyId: "When you don't specify a value ... the restored DB cluster is encrypted using the KMS key that was used
  // to encrypt the DB snapshot" (RestoreDBClusterFromSnapshot API reference): the copy's key, not y's own.
  cluster({ name: 'kmsKeyId', read: (c) => c.KmsKeyId, restore: (v) => ({ KmsKeyId: v }) }),
  cluster({ name: 'backupRetentionPeriod', read: (c) => c.BackupRetentionPeriod ?? 1, restore: (v) => ({ BackupRetentionPeriod: v }) }),
  cluster({ name: 'preferredBackupWindow', read: (c) => c.PreferredBackupWindow, restore: (v) => ({ PreferredBackupWindow: v }) }),
  cluster({ name: 'preferredMaintenanceWindow', read: (c) => c.PreferredMaintenanceWindow, modify: (v) => ({ PreferredMaintenanceWindow: v }) }),
  cluster({
    name: 'databaseInsightsMode',
    read: (c) => c.DatabaseInsightsMode,
    // RestoreDBClusterFromSnapshot has no DatabaseInsightsMode; ModifyDBCluster does: "If you change the value from
    // standard to advanced, you must set the PerformanceInsightsEnabled parameter to true and the
    // PerformanceInsightsRetentionPeriod parameter to 465" (ModifyDBCluster API reference).
    modify: (v) => (v === 'advanced' ? { DatabaseInsightsMode: 'advanced', EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 465 } : { DatabaseInsightsMode: v as 'standard' }),
  }),
];

/** Every member setting, in the order requests are built and drift is listed. */
export const MEMBER_CATALOG: readonly MemberSettingSpec[] = [
  member({ name: 'instanceClass', read: (db) => db.DBInstanceClass ?? '', create: (v) => ({ DBInstanceClass: v }) }),
  member({ name: 'parameterGroupName', read: (db) => db.DBParameterGroups?.[0]?.DBParameterGroupName, create: (v) => ({ DBParameterGroupName: v }) }),
  member({ name: 'promotionTier', read: (db) => db.PromotionTier, create: (v) => ({ PromotionTier: v }) }),
  member({ name: 'publiclyAccessible', read: (db) => db.PubliclyAccessible ?? false, create: (v) => ({ PubliclyAccessible: v }) }),
  member({ name: 'autoMinorVersionUpgrade', read: (db) => db.AutoMinorVersionUpgrade ?? true, create: (v) => ({ AutoMinorVersionUpgrade: v }) }),
  member({ name: 'preferredMaintenanceWindow', read: (db) => db.PreferredMaintenanceWindow, create: (v) => ({ PreferredMaintenanceWindow: v }) }),
  member({ name: 'caCertificateIdentifier', read: (db) => db.CACertificateIdentifier, create: (v) => ({ CACertificateIdentifier: v }) }),
  member({
    name: 'monitoringInterval',
    read: (db) => db.MonitoringInterval ?? 0,
    // Enhanced Monitoring needs its role whenever the interval is not 0 (CreateDBInstance, MonitoringRoleArn).
    create: (v, all) => (v > 0 && all.monitoringRoleArn ? { MonitoringInterval: v, MonitoringRoleArn: all.monitoringRoleArn } : {}),
  }),
  member({ name: 'monitoringRoleArn', read: (db) => db.MonitoringRoleArn, create: () => ({}) }),
  member({
    name: 'performanceInsightsEnabled',
    read: (db) => db.PerformanceInsightsEnabled ?? false,
    create: (v, all) =>
      v
        ? {
            EnablePerformanceInsights: true,
            ...(all.performanceInsightsRetentionPeriod !== undefined ? { PerformanceInsightsRetentionPeriod: all.performanceInsightsRetentionPeriod } : {}),
            ...(all.performanceInsightsKmsKeyId !== undefined ? { PerformanceInsightsKMSKeyId: all.performanceInsightsKmsKeyId } : {}),
          }
        : {},
  }),
  member({ name: 'performanceInsightsRetentionPeriod', read: (db) => db.PerformanceInsightsRetentionPeriod, create: () => ({}) }),
  member({ name: 'performanceInsightsKmsKeyId', read: (db) => db.PerformanceInsightsKMSKeyId, create: () => ({}) }),
];

function tagsOf(list: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

/** The cluster's settings as DescribeDBClusters reports them. */
export function readClusterSettings(c: DBCluster): ClusterSettings {
  const read: Partial<Record<ClusterKey, unknown>> = {};
  for (const spec of CLUSTER_CATALOG) {
    const value = spec.read(c);
    if (value !== undefined) read[spec.name] = value;
  }
  return { ...(read as Omit<ClusterSettings, 'tags'>), tags: tagsOf(c.TagList) };
}

/** A member's settings as DescribeDBInstances reports them; `writer` from the cluster's DBClusterMembers. */
export function readMemberSettings(db: DBInstance, writer: boolean): MemberSettings {
  const read: Partial<Record<MemberKey, unknown>> = {};
  for (const spec of MEMBER_CATALOG) {
    const value = spec.read(db);
    if (value !== undefined) read[spec.name] = value;
  }
  return { ...(read as Omit<MemberSettings, 'id' | 'writer' | 'tags'>), id: db.DBInstanceIdentifier ?? '', writer, tags: tagsOf(db.TagList) };
}

/** The parameters of RestoreDBClusterFromSnapshot for these settings on this engine, and a note for each left out. */
export function clusterRestoreParameters(engine: AuroraEngine, desired: ClusterSettings): { parameters: ClusterRestoreParameters; notes: string[] } {
  let parameters: ClusterRestoreParameters = {};
  const notes: string[] = [];
  for (const spec of CLUSTER_CATALOG) {
    const value = desired[spec.name];
    if (value === undefined || !spec.restore) continue;
    if (spec.engines && !spec.engines.includes(engine)) {
      notes.push(`${spec.name} not sent: ${spec.enginesWhy ?? `not accepted for ${engine}`}`);
      continue;
    }
    parameters = { ...parameters, ...(spec.restore as (v: typeof value) => ClusterRestoreParameters)(value) };
  }
  return { parameters, notes };
}

/** The ModifyDBCluster parameters after the restore: what a restore cannot set, where the restored cluster differs. */
export function clusterModifyParameters(desired: ClusterSettings, restored: ClusterSettings): Partial<ModifyDBClusterMessage> {
  let parameters: Partial<ModifyDBClusterMessage> = {};
  for (const spec of CLUSTER_CATALOG) {
    const value = desired[spec.name];
    if (value === undefined || !spec.modify || same(value, restored[spec.name])) continue;
    parameters = { ...parameters, ...(spec.modify as (v: typeof value) => Partial<ModifyDBClusterMessage>)(value) };
  }
  return parameters;
}

/** The CreateDBInstance parameters of one member (the request adds its names, the engine and the tags). */
export function memberCreateParameters(desired: MemberSettings): MemberCreateParameters {
  let parameters: MemberCreateParameters = {};
  for (const spec of MEMBER_CATALOG) {
    const value = desired[spec.name];
    if (value === undefined) continue;
    parameters = { ...parameters, ...(spec.create as (v: typeof value, all: MemberSettings) => MemberCreateParameters)(value, desired) };
  }
  return parameters;
}

/** One setting the new cluster or one of its members does not have. */
export interface ClusterDrift {
  /** `serverlessV2Scaling`, or `<member id>.instanceClass`. */
  setting: string;
  expected: unknown;
  actual: unknown;
}

/**
 * Every desired setting the new cluster and its members lack: the cluster's (an engine's unaccepted setting left out),
 * each member's by identifier, and a member missing or extra.
 */
export function clusterDrift(engine: AuroraEngine, desired: { cluster: ClusterSettings; members: MemberSettings[] }, actual: { cluster: ClusterSettings; members: MemberSettings[] }): ClusterDrift[] {
  const drift: ClusterDrift[] = [];
  for (const spec of CLUSTER_CATALOG) {
    if (spec.engines && !spec.engines.includes(engine)) continue;
    const want = desired.cluster[spec.name];
    if (want !== undefined && !same(want, actual.cluster[spec.name])) drift.push({ setting: spec.name, expected: want, actual: actual.cluster[spec.name] });
  }
  const actualById = new Map(actual.members.map((m) => [m.id, m]));
  for (const want of desired.members) {
    const got = actualById.get(want.id);
    if (!got) {
      drift.push({ setting: `${want.id}`, expected: want.writer ? 'writer' : 'reader', actual: 'missing' });
      continue;
    }
    if (got.writer !== want.writer) drift.push({ setting: `${want.id}.writer`, expected: want.writer, actual: got.writer });
    for (const spec of MEMBER_CATALOG) {
      const value = want[spec.name];
      if (value !== undefined && !same(value, got[spec.name])) drift.push({ setting: `${want.id}.${spec.name}`, expected: value, actual: got[spec.name] });
    }
  }
  for (const extra of actual.members) if (!desired.members.some((m) => m.id === extra.id)) drift.push({ setting: extra.id, expected: 'absent', actual: extra.writer ? 'writer' : 'reader' });
  return drift;
}

/** Deep equality of setting values (lists of security groups and log types compare as sets). */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = (list: readonly unknown[]) => list.map(String).sort().join('\u0000');
    return a.length === b.length && key(a as unknown[]) === key(b as unknown[]);
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}
