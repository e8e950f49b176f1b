/**
 * What production tells the vault about each snapshot it shares (issue 18): whose data it holds (the pair, x), how
 * old the data is, and x's settings as the pipeline recorded them when it shared the copy. The vault keeps the
 * manifest in its own ledger, so that `recover` can rebuild x in the vault region without calling x's region (or
 * production at all). Only the settings that mean the same in another account and region travel: x's subnet group,
 * security groups, parameter and option groups, monitoring role and IAM roles are production's, and the vault's
 * `recovery` section names the vault's own.
 */
import * as z from 'zod/mini';
import type { ClusterTargetSettings, InstanceSettings } from '../kernel/model';

/** The settings of x that mean the same in the vault account and region. */
export const portableSettingsSchema = z.strictObject({
  instanceClass: z.string().check(z.minLength(1)),
  multiAz: z.boolean(),
  storageType: z.optional(z.string()),
  allocatedStorage: z.optional(z.number()),
  maxAllocatedStorage: z.optional(z.number()),
  iops: z.optional(z.number()),
  storageThroughput: z.optional(z.number()),
  port: z.optional(z.number()),
  iamDatabaseAuthentication: z.boolean(),
  cloudwatchLogsExports: z.array(z.string()),
  caCertificateIdentifier: z.optional(z.string()),
  autoMinorVersionUpgrade: z.boolean(),
  copyTagsToSnapshot: z.boolean(),
  deletionProtection: z.boolean(),
  networkType: z.optional(z.string()),
  engineLifecycleSupport: z.optional(z.string()),
  dedicatedLogVolume: z.optional(z.boolean()),
  licenseModel: z.optional(z.string()),
  processorFeatures: z.optional(z.record(z.string(), z.string())),
  backupRetentionPeriod: z.number(),
  preferredBackupWindow: z.optional(z.string()),
  preferredMaintenanceWindow: z.optional(z.string()),
  tags: z.record(z.string(), z.string()),
});

/** x's settings that travel to the vault. */
export type PortableSettings = z.output<typeof portableSettingsSchema>;

/**
 * One member of an Aurora x, as it travels: its role and class, and what means the same in the vault. Its name, its
 * parameter group, its monitoring role and Performance Insights key are production's and stay behind; the recovered
 * cluster's members are named after the recovered cluster.
 */
export const portableMemberSchema = z.strictObject({
  writer: z.boolean(),
  instanceClass: z.string().check(z.minLength(1)),
  promotionTier: z.optional(z.number()),
  autoMinorVersionUpgrade: z.boolean(),
  preferredMaintenanceWindow: z.optional(z.string()),
  caCertificateIdentifier: z.optional(z.string()),
  tags: z.record(z.string(), z.string()),
});

/** The settings of an Aurora x that mean the same in the vault account and region, its members writer first. */
export const portableClusterSettingsSchema = z.strictObject({
  port: z.optional(z.number()),
  iamDatabaseAuthentication: z.boolean(),
  cloudwatchLogsExports: z.array(z.string()),
  deletionProtection: z.boolean(),
  copyTagsToSnapshot: z.boolean(),
  backtrackWindow: z.optional(z.number()),
  serverlessV2Scaling: z.optional(z.strictObject({ minCapacity: z.number(), maxCapacity: z.number(), secondsUntilAutoPause: z.optional(z.number()) })),
  storageType: z.optional(z.string()),
  backupRetentionPeriod: z.number(),
  preferredBackupWindow: z.optional(z.string()),
  preferredMaintenanceWindow: z.optional(z.string()),
  tags: z.record(z.string(), z.string()),
  members: z.array(portableMemberSchema).check(z.minLength(1)),
});

/** An Aurora x's settings that travel to the vault. */
export type PortableClusterSettings = z.output<typeof portableClusterSettingsSchema>;

const isoTime = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'));

/** The message production's share function sends to the vault's inbox, one per shared snapshot. */
export const manifestSchema = z.strictObject({
  version: z.literal(1),
  pairId: z.string().check(z.minLength(1)),
  sourceInstanceId: z.string().check(z.minLength(1)),
  sourceRegion: z.string().check(z.minLength(1)),
  sourceDbiResourceId: z.optional(z.string()),
  /** What x is: a DB instance (absent) or an Aurora DB cluster (`sourceInstanceId` is then its cluster identifier). */
  kind: z.optional(z.enum(['instance', 'cluster'])),
  /** The shared snapshot: production's copy in y's region, by ARN (how the vault names a shared snapshot). */
  snapshotArn: z.string().check(z.regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(?:cluster-)?snapshot:.+$/, 'must be a DB snapshot or DB cluster snapshot ARN')),
  /** When x's data was captured (the snapshot's OriginalSnapshotCreateTime). */
  dataTime: isoTime,
  /** When production shared it. */
  sharedAt: isoTime,
  engine: z.string().check(z.minLength(1)),
  engineVersion: z.optional(z.string()),
  /** x's settings when the snapshot was shared; absent when x could not be read then (the snapshot's own attributes serve). */
  settings: z.optional(portableSettingsSchema),
  /** An Aurora x's settings when the snapshot was shared; absent when x could not be read then. */
  clusterSettings: z.optional(portableClusterSettingsSchema),
});

/** A manifest. */
export type Manifest = z.output<typeof manifestSchema>;

/** A message that is no manifest: what was wrong, field by field. */
export class ManifestError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/**
 * Parses an inbox message.
 * @throws ManifestError naming each field at fault
 */
export function parseManifest(body: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new ManifestError(`the message is not JSON (${(err as Error).message})`);
  }
  const result = manifestSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ManifestError(`the message is no vault manifest: ${result.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ')}`);
}

/** The portable part of x's settings. */
export function portableSettings(s: InstanceSettings): PortableSettings {
  const out: PortableSettings = {
    instanceClass: s.instanceClass,
    multiAz: s.multiAz,
    iamDatabaseAuthentication: s.iamDatabaseAuthentication,
    cloudwatchLogsExports: [...s.cloudwatchLogsExports],
    autoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
    copyTagsToSnapshot: s.copyTagsToSnapshot,
    deletionProtection: s.deletionProtection,
    backupRetentionPeriod: s.backupRetentionPeriod,
    tags: { ...s.tags },
  };
  const optional = ['storageType', 'allocatedStorage', 'maxAllocatedStorage', 'iops', 'storageThroughput', 'port', 'caCertificateIdentifier', 'networkType', 'engineLifecycleSupport', 'dedicatedLogVolume', 'licenseModel', 'processorFeatures', 'preferredBackupWindow', 'preferredMaintenanceWindow'] as const;
  for (const key of optional) if (s[key] !== undefined) (out as Record<string, unknown>)[key] = s[key];
  return out;
}

/** The portable part of an Aurora x's settings: the cluster's, and each member's role and class. */
export function portableClusterSettings(s: ClusterTargetSettings): PortableClusterSettings {
  const out: PortableClusterSettings = {
    iamDatabaseAuthentication: s.iamDatabaseAuthentication,
    cloudwatchLogsExports: [...s.cloudwatchLogsExports],
    deletionProtection: s.deletionProtection,
    copyTagsToSnapshot: s.copyTagsToSnapshot,
    backupRetentionPeriod: s.backupRetentionPeriod,
    tags: { ...s.tags },
    members: [...s.members]
      .sort((a, b) => Number(b.writer) - Number(a.writer))
      .map((m) => {
        const member: PortableClusterSettings['members'][number] = { writer: m.writer, instanceClass: m.instanceClass, autoMinorVersionUpgrade: m.autoMinorVersionUpgrade, tags: { ...m.tags } };
        for (const key of ['promotionTier', 'preferredMaintenanceWindow', 'caCertificateIdentifier'] as const) if (m[key] !== undefined) (member as Record<string, unknown>)[key] = m[key];
        return member;
      }),
  };
  for (const key of ['port', 'backtrackWindow', 'storageType', 'preferredBackupWindow', 'preferredMaintenanceWindow'] as const) if (s[key] !== undefined) (out as Record<string, unknown>)[key] = s[key];
  if (s.serverlessV2Scaling) out.serverlessV2Scaling = { ...s.serverlessV2Scaling };
  return out;
}

/** Where a recovered x goes in the vault region: the vault's own groups (`vault.recovery`). */
export interface RecoveryPlacement {
  subnetGroupName?: string;
  securityGroupIds?: string[];
  parameterGroupName?: string;
  optionGroupName?: string;
}

/**
 * The settings a recovery restores an Aurora x with: its portable settings, in the vault's subnet group and security
 * groups, its members named `<cluster>-1` (the writer), `<cluster>-2`, …, never public, without production's monitoring
 * role, Performance Insights key, IAM roles or parameter groups (the vault's `recovery` parameter and option groups are
 * DB instance groups: a cluster gets RDS's default cluster parameter group). The storage key is the restore's: the vault
 * copy's (the vault key).
 */
export function recoveryClusterSettings(portable: PortableClusterSettings, placement: RecoveryPlacement, clusterId: string): ClusterTargetSettings {
  const { members, ...cluster } = portable;
  return {
    kind: 'cluster',
    ...cluster,
    vpcSecurityGroupIds: [...(placement.securityGroupIds ?? [])],
    ...(placement.subnetGroupName ? { subnetGroupName: placement.subnetGroupName } : {}),
    cloudwatchLogsExports: [...cluster.cloudwatchLogsExports],
    tags: { ...cluster.tags },
    members: members.map((m, i) => ({ ...m, id: `${clusterId}-${i + 1}`, publiclyAccessible: false, monitoringInterval: 0, performanceInsightsEnabled: false, tags: { ...m.tags } })),
  };
}

/**
 * The settings a recovery restores x with: x's portable settings, the vault's own groups, never public, without
 * production's monitoring role, Performance Insights key or IAM roles (none exist in the vault account).
 */
export function recoverySettings(portable: PortableSettings, placement: RecoveryPlacement): InstanceSettings {
  return {
    ...portable,
    vpcSecurityGroupIds: [...(placement.securityGroupIds ?? [])],
    ...(placement.subnetGroupName ? { subnetGroupName: placement.subnetGroupName } : {}),
    ...(placement.parameterGroupName ? { parameterGroupName: placement.parameterGroupName } : {}),
    ...(placement.optionGroupName ? { optionGroupName: placement.optionGroupName } : {}),
    publiclyAccessible: false,
    monitoringInterval: 0,
    performanceInsightsEnabled: false,
    cloudwatchLogsExports: [...portable.cloudwatchLogsExports],
    tags: { ...portable.tags },
  };
}
