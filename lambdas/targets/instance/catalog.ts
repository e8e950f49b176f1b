/**
 * The settings catalog of an RDS DB instance: every setting a refresh captures from y and gives the new y back, in one
 * table. Each entry says how DescribeDBInstances reports it (and a pending modification of it), how a restore sets it
 * (RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime take the same parameters), or else which
 * post-restore ModifyDBInstance group sets it, whether the drift check compares it, and which engines' restores
 * accept it. The adapter builds its requests from this table and the drift check reads it; a new setting is one new
 * entry. Tags, IAM roles (AddRoleToDBInstance) and RDS Proxy targets have calls of their own and are not here.
 *
 * Only the SDK's request and response *types* are used: the catalog makes no call.
 */
import type { DBInstance, ModifyDBInstanceMessage, PendingModifiedValues, RestoreDBInstanceFromDBSnapshotMessage } from '@aws-sdk/client-rds';
import type { InstanceSettings } from '../../kernel/model';
import type { EngineFamily } from './engines';

/** The settings the catalog holds (tags, roles and proxy targets have their own calls). */
export type CatalogKey = Exclude<keyof InstanceSettings, 'tags' | 'associatedRoles' | 'proxyTargets'>;

/** A group of settings RestoreDBInstanceFromDBSnapshot cannot set, applied with its own ModifyDBInstance. */
export type ModifyGroupName = 'maintenance-window' | 'enhanced-monitoring' | 'performance-insights' | 'storage-autoscaling' | 'network';

/** The parameters both kinds of restore share. */
export type RestoreParameters = Partial<Omit<RestoreDBInstanceFromDBSnapshotMessage, 'DBInstanceIdentifier' | 'DBSnapshotIdentifier' | 'Tags'>>;

/** One setting. */
export interface SettingSpec<K extends CatalogKey = CatalogKey> {
  name: K;
  /** Its value as DescribeDBInstances reports it (the instance's settings so far). */
  read(db: DBInstance, so: Partial<InstanceSettings>): InstanceSettings[K] | undefined;
  /** A modification RDS accepted and has not applied yet; it counts as applied. */
  pending?(p: PendingModifiedValues, live: Partial<InstanceSettings>): InstanceSettings[K] | undefined;
  /** How a restore sets it; absent: a restore cannot, and `modify` says what does. */
  restore?(value: NonNullable<InstanceSettings[K]>, all: InstanceSettings): RestoreParameters;
  /** The post-restore ModifyDBInstance that sets it (each group in its own call, so one rejected value loses only its group). */
  modify?: { group: ModifyGroupName; apply(value: NonNullable<InstanceSettings[K]>): Partial<ModifyDBInstanceMessage> };
  /** The drift check compares it after the refresh. */
  compared: boolean;
  /** The engine families whose restore accepts it (absent: every engine); the restore drops it for the others. */
  restoreEngines?: readonly EngineFamily[];
  /** The documentation of that restriction. */
  restoreEnginesWhy?: string;
  /** The note the run records when a restore leaves the setting out for an engine. */
  restoreDroppedNote?(family: EngineFamily): string;
}

function spec<K extends CatalogKey>(s: SettingSpec<K>): SettingSpec<K> {
  return s;
}

/** Every setting, in the order requests are built and drift is listed. */
export const INSTANCE_CATALOG: readonly SettingSpec[] = [
  spec({ name: 'instanceClass', read: (db) => db.DBInstanceClass ?? '', pending: (p) => p.DBInstanceClass, restore: (v) => ({ DBInstanceClass: v }), compared: true }),
  spec({ name: 'subnetGroupName', read: (db) => db.DBSubnetGroup?.DBSubnetGroupName, pending: (p) => p.DBSubnetGroupName, restore: (v) => ({ DBSubnetGroupName: v }), compared: true }),
  spec({
    name: 'vpcSecurityGroupIds',
    // Groups being removed are on their way out.
    read: (db) => (db.VpcSecurityGroups ?? []).filter((g) => g.Status !== 'removing').flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [])),
    restore: (v) => (v.length > 0 ? { VpcSecurityGroupIds: v } : {}),
    // Restored with y's own groups; a pair with staging hooks restores into its isolation group and gets y's back
    // here once the hooks passed (lambdas/refresh/hooks.ts).
    modify: { group: 'network', apply: (v) => (v.length > 0 ? { VpcSecurityGroupIds: v } : {}) },
    compared: true,
  }),
  spec({ name: 'parameterGroupName', read: (db) => db.DBParameterGroups?.[0]?.DBParameterGroupName, restore: (v) => ({ DBParameterGroupName: v }), compared: true }),
  spec({ name: 'optionGroupName', read: (db) => db.OptionGroupMemberships?.[0]?.OptionGroupName, restore: (v) => ({ OptionGroupName: v }), compared: true }),
  spec({ name: 'multiAz', read: (db) => db.MultiAZ ?? false, pending: (p) => p.MultiAZ, restore: (v) => ({ MultiAZ: v }), compared: true }),
  spec({ name: 'publiclyAccessible', read: (db) => db.PubliclyAccessible ?? false, restore: (v) => ({ PubliclyAccessible: v }), modify: { group: 'network', apply: (v) => ({ PubliclyAccessible: v }) }, compared: true }),
  spec({ name: 'storageType', read: (db) => db.StorageType, pending: (p) => p.StorageType, restore: (v) => ({ StorageType: v }), compared: true }),
  spec({
    name: 'allocatedStorage',
    read: (db) => db.AllocatedStorage,
    pending: (p) => p.AllocatedStorage,
    restore: (v) => ({ AllocatedStorage: v }),
    compared: true,
    restoreEngines: ['postgres', 'mysql', 'mariadb', 'oracle', 'db2', 'other'],
    restoreEnginesWhy: "RestoreDBInstanceFromDBSnapshot, AllocatedStorage: \"This setting isn't valid for RDS for SQL Server\" (the size is the snapshot's)",
    restoreDroppedNote: () => "AllocatedStorage not sent: RDS for SQL Server restores at the snapshot's size",
  }),
  spec({ name: 'maxAllocatedStorage', read: (db) => db.MaxAllocatedStorage, modify: { group: 'storage-autoscaling', apply: (v) => ({ MaxAllocatedStorage: v }) }, compared: true }),
  spec({ name: 'iops', read: (db) => db.Iops, pending: (p) => p.Iops, restore: (v) => ({ Iops: v }), compared: true }),
  spec({ name: 'storageThroughput', read: (db) => db.StorageThroughput, pending: (p) => p.StorageThroughput, restore: (v) => ({ StorageThroughput: v }), compared: true }),
  spec({ name: 'port', read: (db) => db.Endpoint?.Port ?? (db.DbInstancePort ? db.DbInstancePort : undefined), pending: (p) => p.Port, restore: (v) => ({ Port: v }), compared: true }),
  spec({
    name: 'iamDatabaseAuthentication',
    read: (db) => db.IAMDatabaseAuthenticationEnabled ?? false,
    pending: (p) => p.IAMDatabaseAuthenticationEnabled,
    restore: (v) => ({ EnableIAMDatabaseAuthentication: v }),
    compared: true,
  }),
  spec({
    name: 'cloudwatchLogsExports',
    read: (db) => db.EnabledCloudwatchLogsExports ?? [],
    pending: (p, live) => {
      const logs = p.PendingCloudwatchLogsExports;
      return logs ? [...new Set([...(live.cloudwatchLogsExports ?? []), ...(logs.LogTypesToEnable ?? [])])].filter((l) => !(logs.LogTypesToDisable ?? []).includes(l)) : undefined;
    },
    restore: (v) => (v.length > 0 ? { EnableCloudwatchLogsExports: v } : {}),
    compared: true,
  }),
  spec({ name: 'caCertificateIdentifier', read: (db) => db.CACertificateIdentifier, pending: (p) => p.CACertificateIdentifier, restore: (v) => ({ CACertificateIdentifier: v }), compared: true }),
  spec({ name: 'autoMinorVersionUpgrade', read: (db) => db.AutoMinorVersionUpgrade ?? false, restore: (v) => ({ AutoMinorVersionUpgrade: v }), compared: true }),
  spec({ name: 'copyTagsToSnapshot', read: (db) => db.CopyTagsToSnapshot ?? false, restore: (v) => ({ CopyTagsToSnapshot: v }), compared: true }),
  spec({ name: 'deletionProtection', read: (db) => db.DeletionProtection ?? false, restore: (v) => ({ DeletionProtection: v }), compared: true }),
  spec({ name: 'networkType', read: (db) => db.NetworkType, restore: (v) => ({ NetworkType: v }), compared: true }),
  spec({
    name: 'engineLifecycleSupport',
    read: (db) => db.EngineLifecycleSupport,
    restore: (v) => ({ EngineLifecycleSupport: v }),
    compared: true,
    restoreEngines: ['mysql', 'postgres'],
    restoreEnginesWhy: 'EngineLifecycleSupport: "valid for RDS for MySQL and RDS for PostgreSQL" only (Extended Support)',
    restoreDroppedNote: (family) => `EngineLifecycleSupport not sent: RDS for ${family} has no Extended Support setting (MySQL and PostgreSQL only)`,
  }),
  spec({ name: 'dedicatedLogVolume', read: (db) => db.DedicatedLogVolume, restore: (v) => ({ DedicatedLogVolume: v }), compared: true }),
  spec({ name: 'licenseModel', read: (db) => db.LicenseModel, restore: (v) => ({ LicenseModel: v }), compared: true }),
  spec({
    name: 'processorFeatures',
    read: (db) => (db.ProcessorFeatures?.length ? Object.fromEntries(db.ProcessorFeatures.map((f) => [f.Name ?? '', f.Value ?? ''])) : undefined),
    restore: (v) => ({ ProcessorFeatures: Object.entries(v).map(([Name, Value]) => ({ Name, Value })) }),
    compared: true,
  }),
  spec({ name: 'backupTarget', read: (db) => db.BackupTarget, restore: (v) => ({ BackupTarget: v }), compared: true }),
  spec({
    name: 'availabilityZone',
    // A Multi-AZ instance has no zone of its own to keep.
    read: (db) => (db.MultiAZ ? undefined : db.AvailabilityZone),
    // "You can't specify the AvailabilityZone parameter if the DB instance is a Multi-AZ deployment" (API reference).
    restore: (v, all) => (all.multiAz ? {} : { AvailabilityZone: v }),
    compared: true,
  }),
  // Backups go with the restore itself, so no baseline backup starts on the snapshot's retention and then blocks the modify.
  spec({ name: 'backupRetentionPeriod', read: (db) => db.BackupRetentionPeriod ?? 0, pending: (p) => p.BackupRetentionPeriod, restore: (v) => ({ BackupRetentionPeriod: v }), compared: true }),
  spec({ name: 'preferredBackupWindow', read: (db) => db.PreferredBackupWindow, restore: (v) => ({ PreferredBackupWindow: v }), compared: true }),
  spec({ name: 'preferredMaintenanceWindow', read: (db) => db.PreferredMaintenanceWindow, modify: { group: 'maintenance-window', apply: (v) => ({ PreferredMaintenanceWindow: v }) }, compared: true }),
  // Enhanced monitoring: the interval and its role travel in one call.
  spec({ name: 'monitoringInterval', read: (db) => db.MonitoringInterval ?? 0, modify: { group: 'enhanced-monitoring', apply: (v) => ({ MonitoringInterval: v }) }, compared: true }),
  spec({ name: 'monitoringRoleArn', read: (db) => db.MonitoringRoleArn, modify: { group: 'enhanced-monitoring', apply: (v) => ({ MonitoringRoleArn: v }) }, compared: true }),
  // Performance Insights, its key, retention and the Database Insights mode travel in one call.
  spec({
    name: 'performanceInsightsEnabled',
    read: (db) => db.PerformanceInsightsEnabled ?? false,
    modify: { group: 'performance-insights', apply: (v) => ({ EnablePerformanceInsights: v }) },
    compared: true,
  }),
  // PI takes its key only when it is first enabled (it cannot change later): set with the group, never compared.
  spec({ name: 'performanceInsightsKmsKeyId', read: (db) => db.PerformanceInsightsKMSKeyId, modify: { group: 'performance-insights', apply: (v) => ({ PerformanceInsightsKMSKeyId: v }) }, compared: false }),
  spec({
    name: 'performanceInsightsRetentionPeriod',
    read: (db) => db.PerformanceInsightsRetentionPeriod,
    modify: { group: 'performance-insights', apply: (v) => ({ PerformanceInsightsRetentionPeriod: v }) },
    compared: true,
  }),
  spec({
    name: 'databaseInsightsMode',
    read: (db) => db.DatabaseInsightsMode,
    modify: { group: 'performance-insights', apply: (v) => ({ DatabaseInsightsMode: v as 'standard' | 'advanced' }) },
    compared: true,
  }),
];

/** The settings each post-restore group sets (the PI key rides with its group but is not a reason to send it). */
export const MODIFY_GROUPS: Readonly<Record<ModifyGroupName, readonly CatalogKey[]>> = (() => {
  const groups: Record<ModifyGroupName, CatalogKey[]> = { 'maintenance-window': [], 'enhanced-monitoring': [], 'performance-insights': [], 'storage-autoscaling': [], network: [] };
  for (const s of INSTANCE_CATALOG) if (s.modify && s.compared) groups[s.modify.group].push(s.name);
  return groups;
})();

/** The settings the drift check compares, in catalog order. */
export const COMPARED_SETTINGS: readonly CatalogKey[] = INSTANCE_CATALOG.filter((s) => s.compared).map((s) => s.name);

function entry(name: CatalogKey): SettingSpec {
  const found = INSTANCE_CATALOG.find((s) => s.name === name);
  if (!found) throw new Error(`setting ${name} is not in the instance catalog`);
  return found;
}

/** y's settings as DescribeDBInstances reports them (tags and roles are added by the caller). */
export function readSettings(db: DBInstance): Partial<InstanceSettings> {
  const out: Partial<InstanceSettings> = {};
  for (const s of INSTANCE_CATALOG) {
    const v = s.read(db, out);
    if (v !== undefined) (out as Record<string, unknown>)[s.name] = v;
  }
  return out;
}

/** Modifications RDS accepted and has not applied yet, by setting. */
export function readPending(p: PendingModifiedValues | undefined, live: Partial<InstanceSettings>): Partial<InstanceSettings> {
  const out: Partial<InstanceSettings> = {};
  if (!p) return out;
  for (const s of INSTANCE_CATALOG) {
    const v = s.pending?.(p, live);
    if (v !== undefined) (out as Record<string, unknown>)[s.name] = v;
  }
  return out;
}

/** The parameters a restore sends for these settings. */
export function restoreParameters(settings: InstanceSettings): RestoreParameters {
  let out: RestoreParameters = {};
  for (const s of INSTANCE_CATALOG) {
    const v = settings[s.name];
    if (v === undefined || !s.restore) continue;
    out = { ...out, ...(s.restore as (value: unknown, all: InstanceSettings) => RestoreParameters)(v, settings) };
  }
  return out;
}

/** The ModifyDBInstance parameters for these (post-restore) settings. */
export function modifyParameters(changes: Partial<InstanceSettings>): Partial<ModifyDBInstanceMessage> {
  let out: Partial<ModifyDBInstanceMessage> = {};
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const s = entry(name as CatalogKey);
    if (!s.modify) throw new Error(`setting ${name} is not set by ModifyDBInstance after a restore`);
    out = { ...out, ...(s.modify.apply as (v: unknown) => Partial<ModifyDBInstanceMessage>)(value) };
  }
  return out;
}
