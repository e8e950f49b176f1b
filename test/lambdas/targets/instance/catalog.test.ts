/**
 * The instance settings catalog: one table drives what DescribeDBInstances is read as, what a restore sends, what the
 * post-restore ModifyDBInstance groups send, and what the drift check compares.
 */
import { toInstanceView } from '../../../../lambdas/aws/rds';
import { COMPARED_SETTINGS, INSTANCE_CATALOG, MODIFY_GROUPS, modifyParameters, readSettings, restoreParameters } from '../../../../lambdas/targets/instance/catalog';
import { INSTANCE_TARGET } from '../../../../lambdas/targets/instance/model';
import { target, targetOf } from '../../../../lambdas/targets/registry';
import { pair, yInstance } from '../../../support/fixtures';

describe('instance settings catalog', () => {
  it('names every setting once, and each is set by the restore or by one post-restore group; only the network ones by both', () => {
    const names = INSTANCE_CATALOG.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of INSTANCE_CATALOG) expect(Boolean(s.restore) || Boolean(s.modify)).toBe(true);
    // A pair with staging hooks is restored isolated and gets y's network settings back by a modify (refresh/hooks.ts).
    expect(INSTANCE_CATALOG.filter((s) => s.restore && s.modify).map((s) => s.name)).toEqual(['vpcSecurityGroupIds', 'publiclyAccessible']);
  });

  it('groups the post-restore settings as RDS accepts or rejects them together', () => {
    expect(MODIFY_GROUPS).toEqual({
      'maintenance-window': ['preferredMaintenanceWindow'],
      'enhanced-monitoring': ['monitoringInterval', 'monitoringRoleArn'],
      'performance-insights': ['performanceInsightsEnabled', 'performanceInsightsRetentionPeriod', 'databaseInsightsMode'],
      'storage-autoscaling': ['maxAllocatedStorage'],
      network: ['vpcSecurityGroupIds', 'publiclyAccessible'],
    });
    // The PI key rides with its group when PI is first enabled, and is never compared (it cannot change later).
    expect(COMPARED_SETTINGS).not.toContain('performanceInsightsKmsKeyId');
  });

  it('reads y from DescribeDBInstances and sends every restorable setting back in the restore, and the rest in the modify', () => {
    const db = yInstance({ MultiAZ: false, AvailabilityZone: 'eu-central-1b', MaxAllocatedStorage: 500, PreferredMaintenanceWindow: 'sun:03:00-sun:03:30', MonitoringInterval: 60, MonitoringRoleArn: 'arn:aws:iam::111111111111:role/mon' });
    const read = readSettings(db);
    const restore = restoreParameters(toInstanceView(db).settings);
    expect(restore).toMatchObject({ DBInstanceClass: db.DBInstanceClass, AvailabilityZone: 'eu-central-1b', MultiAZ: false, DBParameterGroupName: db.DBParameterGroups?.[0]?.DBParameterGroupName });
    // What a restore cannot set is never in the restore request.
    for (const key of ['MaxAllocatedStorage', 'PreferredMaintenanceWindow', 'MonitoringInterval', 'EnablePerformanceInsights']) expect(restore).not.toHaveProperty(key);
    expect(modifyParameters({ maxAllocatedStorage: read.maxAllocatedStorage, monitoringInterval: 60, monitoringRoleArn: read.monitoringRoleArn })).toEqual({
      MaxAllocatedStorage: 500,
      MonitoringInterval: 60,
      MonitoringRoleArn: 'arn:aws:iam::111111111111:role/mon',
    });
  });

  it('sends no zone for a Multi-AZ y, and refuses a modify of a setting the restore sets', () => {
    const settings = { ...toInstanceView(yInstance()).settings, multiAz: true, availabilityZone: 'eu-central-1a' };
    expect(restoreParameters(settings)).not.toHaveProperty('AvailabilityZone');
    expect(() => modifyParameters({ instanceClass: 'db.r6g.xlarge' })).toThrow('instanceClass is not set by ModifyDBInstance after a restore');
  });
});

describe('target registry', () => {
  it("gives an instanceId pair the instance target, whose states and catalog are the instance's", () => {
    expect(targetOf(pair())).toBe(INSTANCE_TARGET);
    expect(target('instance')).toMatchObject({ kind: 'instance', eventSourceType: 'db-instance', arnResourceType: 'db' });
    expect(INSTANCE_TARGET.usable({ status: 'backing-up' } as never)).toBe(true);
    expect(INSTANCE_TARGET.failed({ status: 'incompatible-parameters' } as never)).toBe('incompatible-parameters');
    expect(INSTANCE_TARGET.deletableStates.has('incompatible-parameters')).toBe(false);
    expect(INSTANCE_TARGET.replaceableFailedStates.has('incompatible-parameters')).toBe(true);
  });
});
