/**
 * The Aurora cluster's settings catalog: what a refresh reads from the replica cluster and its members, and the
 * requests that give the new cluster and members the same (RestoreDBClusterFromSnapshot, ModifyDBCluster,
 * CreateDBInstance), with the engine rules the API reference states.
 */
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import {
  CLUSTER_CATALOG,
  MEMBER_CATALOG,
  clusterDrift,
  clusterModifyParameters,
  clusterRestoreParameters,
  memberCreateParameters,
  readClusterSettings,
  readMemberSettings,
} from '../../../../lambdas/targets/cluster/catalog';

/** y as DescribeDBClusters reports a provisioned-and-serverless Aurora MySQL cluster. */
const Y: DBCluster = {
  DBClusterIdentifier: 'orders-staging',
  Engine: 'aurora-mysql',
  Status: 'available',
  DBClusterParameterGroup: 'staging-aurora-mysql8',
  DBSubnetGroup: 'staging-private',
  VpcSecurityGroups: [
    { VpcSecurityGroupId: 'sg-1', Status: 'active' },
    { VpcSecurityGroupId: 'sg-old', Status: 'removing' },
  ],
  Port: 3306,
  IAMDatabaseAuthenticationEnabled: true,
  EnabledCloudwatchLogsExports: ['error', 'slowquery'],
  DeletionProtection: true,
  CopyTagsToSnapshot: true,
  BacktrackWindow: 86_400,
  ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
  StorageType: 'aurora-iopt1',
  BackupRetentionPeriod: 7,
  PreferredBackupWindow: '01:00-01:30',
  PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
  TagList: [{ Key: 'team', Value: 'orders' }],
  DBClusterMembers: [
    { DBInstanceIdentifier: 'orders-staging-1', IsClusterWriter: true, PromotionTier: 0 },
    { DBInstanceIdentifier: 'orders-staging-2', IsClusterWriter: false, PromotionTier: 1 },
  ],
};

const WRITER: DBInstance = {
  DBInstanceIdentifier: 'orders-staging-1',
  DBClusterIdentifier: 'orders-staging',
  DBInstanceClass: 'db.r7g.large',
  DBParameterGroups: [{ DBParameterGroupName: 'staging-aurora-mysql8-instance', ParameterApplyStatus: 'in-sync' }],
  PromotionTier: 0,
  PubliclyAccessible: false,
  AutoMinorVersionUpgrade: true,
  PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
  CACertificateIdentifier: 'rds-ca-rsa2048-g1',
  MonitoringInterval: 60,
  MonitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring-role',
  PerformanceInsightsEnabled: true,
  PerformanceInsightsRetentionPeriod: 7,
  TagList: [{ Key: 'team', Value: 'orders' }],
};

const READER: DBInstance = { ...WRITER, DBInstanceIdentifier: 'orders-staging-2', DBInstanceClass: 'db.serverless', PromotionTier: 1, MonitoringInterval: 0, PerformanceInsightsEnabled: false };

describe('the Aurora cluster catalog', () => {
  it('reads every cluster setting the issue names, leaving out security groups being removed', () => {
    expect(readClusterSettings(Y)).toEqual({
      clusterParameterGroupName: 'staging-aurora-mysql8',
      subnetGroupName: 'staging-private',
      vpcSecurityGroupIds: ['sg-1'],
      port: 3306,
      iamDatabaseAuthentication: true,
      cloudwatchLogsExports: ['error', 'slowquery'],
      deletionProtection: true,
      copyTagsToSnapshot: true,
      backtrackWindow: 86_400,
      serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 16 },
      storageType: 'aurora-iopt1',
      backupRetentionPeriod: 7,
      preferredBackupWindow: '01:00-01:30',
      preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      tags: { team: 'orders' },
    });
  });

  it('restores every cluster setting a restore takes, and sets the maintenance window with ModifyDBCluster', () => {
    const desired = readClusterSettings(Y);
    const { parameters, notes } = clusterRestoreParameters('aurora-mysql', desired);
    expect(parameters).toEqual({
      DBClusterParameterGroupName: 'staging-aurora-mysql8',
      DBSubnetGroupName: 'staging-private',
      VpcSecurityGroupIds: ['sg-1'],
      Port: 3306,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['error', 'slowquery'],
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      BacktrackWindow: 86_400,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      StorageType: 'aurora-iopt1',
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: '01:00-01:30',
    });
    expect(notes).toEqual([]);
    // The restored cluster has RDS's random window: only that differs, only that is modified.
    const restored = { ...desired, preferredMaintenanceWindow: 'wed:03:10-wed:03:40' };
    expect(clusterModifyParameters(desired, restored)).toEqual({ PreferredMaintenanceWindow: 'sun:05:00-sun:05:30' });
    expect(clusterModifyParameters(desired, desired)).toEqual({});
  });

  it('leaves the backtrack window out of an Aurora PostgreSQL restore, with a note, and out of its drift', () => {
    const desired = { ...readClusterSettings(Y), backtrackWindow: 3600 };
    const { parameters, notes } = clusterRestoreParameters('aurora-postgresql', desired);
    expect(parameters).not.toHaveProperty('BacktrackWindow');
    expect(notes).toEqual(['backtrackWindow not sent: RestoreDBClusterFromSnapshot, BacktrackWindow: "Currently, Backtrack is only supported for Aurora MySQL DB clusters"']);
    const actual = { ...desired, backtrackWindow: undefined };
    expect(clusterDrift('aurora-postgresql', { cluster: desired, members: [] }, { cluster: actual, members: [] })).toEqual([]);
    expect(clusterDrift('aurora-mysql', { cluster: desired, members: [] }, { cluster: actual, members: [] })).toEqual([{ setting: 'backtrackWindow', expected: 3600, actual: undefined }]);
  });

  it("reads each member's settings and creates it with them; the cluster's settings are not repeated on a member", () => {
    const writer = readMemberSettings(WRITER, true);
    expect(writer).toEqual({
      id: 'orders-staging-1',
      writer: true,
      instanceClass: 'db.r7g.large',
      parameterGroupName: 'staging-aurora-mysql8-instance',
      promotionTier: 0,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      caCertificateIdentifier: 'rds-ca-rsa2048-g1',
      monitoringInterval: 60,
      monitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring-role',
      performanceInsightsEnabled: true,
      performanceInsightsRetentionPeriod: 7,
      tags: { team: 'orders' },
    });
    const create = memberCreateParameters(writer);
    expect(create).toEqual({
      DBInstanceClass: 'db.r7g.large',
      DBParameterGroupName: 'staging-aurora-mysql8-instance',
      PromotionTier: 0,
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
      MonitoringInterval: 60,
      MonitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring-role',
      EnablePerformanceInsights: true,
      PerformanceInsightsRetentionPeriod: 7,
    });
    // Managed by the cluster (CreateDBInstance API reference, each "Amazon Aurora" note): never on a member.
    for (const key of ['VpcSecurityGroupIds', 'Port', 'EngineVersion', 'StorageEncrypted', 'KmsKeyId', 'CopyTagsToSnapshot', 'EnableIAMDatabaseAuthentication', 'EnableCloudwatchLogsExports', 'DeletionProtection', 'DatabaseInsightsMode']) {
      expect(create).not.toHaveProperty(key);
    }
    // A reader without Enhanced Monitoring or Performance Insights asks for neither.
    expect(memberCreateParameters(readMemberSettings(READER, false))).not.toHaveProperty('MonitoringInterval');
    expect(memberCreateParameters(readMemberSettings(READER, false))).not.toHaveProperty('EnablePerformanceInsights');
  });

  it('reports a member missing, a member extra, a swapped writer and a member setting by the member\'s name', () => {
    const cluster = readClusterSettings(Y);
    const desired = { cluster, members: [readMemberSettings(WRITER, true), readMemberSettings(READER, false)] };
    expect(clusterDrift('aurora-mysql', desired, desired)).toEqual([]);
    const actual = {
      cluster,
      members: [
        { ...readMemberSettings(WRITER, false), instanceClass: 'db.r7g.xlarge' },
        { ...readMemberSettings(READER, false), id: 'orders-staging-3' },
      ],
    };
    expect(clusterDrift('aurora-mysql', desired, actual)).toEqual([
      { setting: 'orders-staging-1.writer', expected: true, actual: false },
      { setting: 'orders-staging-1.instanceClass', expected: 'db.r7g.large', actual: 'db.r7g.xlarge' },
      { setting: 'orders-staging-2', expected: 'reader', actual: 'missing' },
      { setting: 'orders-staging-3', expected: 'absent', actual: 'reader' },
    ]);
  });

  it('gives every catalog entry a way to the new cluster: the restore or ModifyDBCluster; every member entry a read', () => {
    for (const spec of CLUSTER_CATALOG) expect([spec.name, spec.restore !== undefined || spec.modify !== undefined]).toEqual([spec.name, true]);
    expect(MEMBER_CATALOG.map((s) => s.name).sort()).toEqual(
      ['autoMinorVersionUpgrade', 'caCertificateIdentifier', 'instanceClass', 'monitoringInterval', 'monitoringRoleArn', 'parameterGroupName', 'performanceInsightsEnabled', 'performanceInsightsKmsKeyId', 'performanceInsightsRetentionPeriod', 'preferredMaintenanceWindow', 'promotionTier', 'publiclyAccessible'].sort(),
    );
  });
});
