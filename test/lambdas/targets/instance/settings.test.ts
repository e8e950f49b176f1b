import { toInstanceView } from '../../../../lambdas/aws/rds';
import { LINEAGE_TAGS, desiredSettings, driftOf, lineageOf, lineageTags, ownTags, missingRoles, postRestoreGroups } from '../../../../lambdas/targets/instance/settings';
import { yInstance } from '../../../support/fixtures';

const y = toInstanceView(yInstance());

describe('desiredSettings', () => {
  it('carries every live setting and y\'s own tags, without lineage', () => {
    const d = desiredSettings(y.settings, {});
    expect(d).toMatchObject({
      instanceClass: 'db.r6g.large',
      subnetGroupName: 'staging-private',
      vpcSecurityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
      parameterGroupName: 'staging-pg16',
      optionGroupName: 'default:postgres-16',
      multiAz: false,
      availabilityZone: 'eu-central-1b',
      publiclyAccessible: false,
      storageType: 'gp3',
      allocatedStorage: 400,
      maxAllocatedStorage: 1000,
      iops: 12000,
      storageThroughput: 500,
      port: 6543,
      iamDatabaseAuthentication: true,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      caCertificateIdentifier: 'rds-ca-rsa4096-g1',
      autoMinorVersionUpgrade: false,
      copyTagsToSnapshot: true,
      deletionProtection: false,
      backupRetentionPeriod: 3,
      monitoringInterval: 30,
      performanceInsightsEnabled: true,
      performanceInsightsRetentionPeriod: 7,
    });
    expect(d.tags).toEqual({ 'replica-refresh:managed': 'true', team: 'orders', 'cost-center': 'cc-42' });
  });

  it('applies overrides on top, merging tags', () => {
    const d = desiredSettings(y.settings, { instanceClass: 'db.t4g.medium', multiAz: true, tags: { env: 'staging' } });
    expect(d.instanceClass).toBe('db.t4g.medium');
    expect(d.multiAz).toBe(true);
    expect(d.availabilityZone).toBeUndefined();
    expect(d.tags).toEqual({ 'replica-refresh:managed': 'true', team: 'orders', 'cost-center': 'cc-42', env: 'staging' });
  });

  it('drops IOPS and throughput for gp2, and the role when monitoring is off', () => {
    const d = desiredSettings(y.settings, { storageType: 'gp2', monitoringInterval: 0 });
    expect(d.iops).toBeUndefined();
    expect(d.storageThroughput).toBeUndefined();
    expect(d.monitoringRoleArn).toBeUndefined();
  });

  it('drops gp3 IOPS and throughput below the provisioning threshold, where RDS rejects them', () => {
    const small = toInstanceView(yInstance({ AllocatedStorage: 100, Iops: 3000, StorageThroughput: 125 })).settings;
    expect(desiredSettings(small, {}, 'postgres')).not.toHaveProperty('iops');
    expect(desiredSettings(small, {}, 'postgres')).not.toHaveProperty('storageThroughput');
    expect(desiredSettings({ ...small, allocatedStorage: 250 }, {}, 'oracle-ee')).toMatchObject({ iops: 3000, storageThroughput: 125 });
    expect(desiredSettings(toInstanceView(yInstance()).settings, {}, 'postgres')).toMatchObject({ iops: 12000, storageThroughput: 500 });
  });

  it('drops throughput for io1 but keeps its IOPS', () => {
    const d = desiredSettings(y.settings, { storageType: 'io1' });
    expect(d.iops).toBe(12000);
    expect(d.storageThroughput).toBeUndefined();
  });
});

describe('lineage', () => {
  it('round-trips through tags', () => {
    const tags = lineageTags({ snapshotId: 's1', dataTime: '2026-11-21T01:00:00.000Z', runId: 'r1', refreshedAt: new Date('2026-11-21T02:00:00Z') });
    expect(tags).toEqual({
      [LINEAGE_TAGS.sourceSnapshot]: 's1',
      [LINEAGE_TAGS.sourceSnapshotTime]: '2026-11-21T01:00:00.000Z',
      [LINEAGE_TAGS.runId]: 'r1',
      [LINEAGE_TAGS.refreshedAt]: '2026-11-21T02:00:00.000Z',
    });
    expect(lineageOf(tags)).toEqual({ snapshotId: 's1', dataTime: new Date('2026-11-21T01:00:00.000Z') });
  });
  it('ignores an unparseable lineage time', () => {
    expect(lineageOf({ [LINEAGE_TAGS.sourceSnapshotTime]: 'soon' })).toEqual({});
  });
  it('never carries aws: tags', () => {
    expect(ownTags({ 'aws:cloudformation:stack-name': 's', team: 'a' })).toEqual({ team: 'a' });
  });
});

describe('postRestoreGroups', () => {
  it('sends what a restore cannot set in one call per group: maintenance window, monitoring, Performance Insights, storage autoscaling', () => {
    const desired = desiredSettings(y.settings, {});
    const restored = toInstanceView(
      yInstance({ MonitoringInterval: 0, MonitoringRoleArn: undefined, PerformanceInsightsEnabled: false, PerformanceInsightsKMSKeyId: undefined, MaxAllocatedStorage: undefined, PreferredMaintenanceWindow: 'mon:00:00-mon:00:30' }),
    );
    expect(postRestoreGroups(desired, restored)).toEqual([
      { group: 'maintenance-window', changes: { preferredMaintenanceWindow: 'sun:04:00-sun:04:30' } },
      { group: 'enhanced-monitoring', changes: { monitoringInterval: 30, monitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring' } },
      {
        group: 'performance-insights',
        changes: { performanceInsightsEnabled: true, performanceInsightsRetentionPeriod: 7, performanceInsightsKmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/pi-key' },
      },
      { group: 'storage-autoscaling', changes: { maxAllocatedStorage: 1000 } },
    ]);
  });
  it('sends the Database Insights mode with Performance Insights, which it needs', () => {
    const desired = desiredSettings(toInstanceView(yInstance({ DatabaseInsightsMode: 'advanced', PerformanceInsightsRetentionPeriod: 465 })).settings, {});
    const restored = toInstanceView(yInstance({ DatabaseInsightsMode: 'standard', PerformanceInsightsRetentionPeriod: 465 }));
    expect(postRestoreGroups(desired, restored)).toEqual([{ group: 'performance-insights', changes: { performanceInsightsEnabled: true, performanceInsightsRetentionPeriod: 465, databaseInsightsMode: 'advanced' } }]);
  });
  it('never sends a Performance Insights key to an instance that already has PI on', () => {
    const desired = desiredSettings(y.settings, {});
    const otherKey = toInstanceView(yInstance({ PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/other' }));
    expect(postRestoreGroups(desired, otherKey)).toEqual([]);
  });
  it('is empty when nothing differs', () => {
    expect(postRestoreGroups(desiredSettings(y.settings, {}), y)).toEqual([]);
  });
  it('lists the associated IAM roles the new y lacks', () => {
    const role = { RoleArn: 'arn:aws:iam::111111111111:role/s3-import', FeatureName: 's3Import', Status: 'ACTIVE' };
    const desired = desiredSettings(toInstanceView(yInstance({ AssociatedRoles: [role] })).settings, {});
    expect(missingRoles(desired, toInstanceView(yInstance()))).toEqual([{ roleArn: role.RoleArn, featureName: 's3Import' }]);
    expect(missingRoles(desired, toInstanceView(yInstance({ AssociatedRoles: [role] })))).toEqual([]);
  });
  it('counts pending modifications as done', () => {
    const pendingY = toInstanceView(yInstance({ BackupRetentionPeriod: 1, PendingModifiedValues: { BackupRetentionPeriod: 3 } }));
    expect(driftOf(desiredSettings(y.settings, {}), pendingY)).toEqual([]);
  });
});

describe('driftOf', () => {
  const desired = desiredSettings(y.settings, {});
  it('finds nothing when y came back as it was', () => {
    expect(driftOf(desired, y)).toEqual([]);
  });
  it('finds settings RDS fell back to defaults on, and tag changes', () => {
    const restored = toInstanceView(
      yInstance({
        StorageType: 'gp2',
        DBParameterGroups: [{ DBParameterGroupName: 'default.postgres16' }],
        VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-default', Status: 'active' }],
        TagList: [{ Key: 'replica-refresh:managed', Value: 'true' }, { Key: 'team', Value: 'orders' }, { Key: LINEAGE_TAGS.runId, Value: 'r2' }],
      }),
    );
    expect(driftOf(desired, restored)).toEqual([
      { setting: 'vpcSecurityGroupIds', expected: ['sg-0aaa1111', 'sg-0bbb2222'], actual: ['sg-default'] },
      { setting: 'parameterGroupName', expected: 'staging-pg16', actual: 'default.postgres16' },
      { setting: 'storageType', expected: 'gp3', actual: 'gp2' },
      { setting: 'tags.cost-center', expected: 'cc-42', actual: null },
    ]);
  });
  it('compares security groups and log exports as sets', () => {
    const reordered = toInstanceView(yInstance({ VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0bbb2222' }, { VpcSecurityGroupId: 'sg-0aaa1111' }], EnabledCloudwatchLogsExports: ['upgrade', 'postgresql'] }));
    expect(driftOf(desired, reordered)).toEqual([]);
  });
  it('counts pending log-export changes', () => {
    const pending = toInstanceView(yInstance({ EnabledCloudwatchLogsExports: ['postgresql'], PendingModifiedValues: { PendingCloudwatchLogsExports: { LogTypesToEnable: ['upgrade'] } } }));
    expect(driftOf(desired, pending)).toEqual([]);
  });
});
