import { DBInstanceAlreadyExistsFault, DBInstanceNotFoundFault, DBSnapshotNotFoundFault, InvalidDBSnapshotStateFault } from '@aws-sdk/client-rds';
import { VirtualClock } from '../../../scripts/sim/clock';
import type { EmittedEvent } from '../../../scripts/sim/rds';
import { SimRds } from '../../../scripts/sim/rds';
import { Random, fixed } from '../../../scripts/sim/random';

function world() {
  const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
  const rds = new SimRds('eu-central-1', '111111111111', clock, new Random(1), {
    delete: fixed(300),
    restore: fixed(1200),
    baselineBackup: fixed(600),
    copy: fixed(1800),
    finalSnapshot: fixed(120),
    eventDelay: fixed(5),
  });
  const events: EmittedEvent[] = [];
  rds.subscriptions.push({ sourceType: 'db-instance', sourceIds: ['y'], categories: ['deletion', 'restoration', 'creation', 'backup'], deliver: (e) => events.push(e) });
  const copy = (id: string, dataTime: string, instance = 'x') =>
    rds.arriveCopy({ id, sourceInstanceId: instance, sourceDbiResourceId: `db-${instance.toUpperCase()}`, sourceRegion: 'eu-west-1', sourceSnapshotId: `rds:${id}`, dataTime: new Date(dataTime), engine: 'postgres', allocatedStorage: 100, port: 5432 });
  return { clock, rds, events, copy };
}

describe('SimRds', () => {
  it('pages DescribeDBSnapshots with server-side filters and validates MaxRecords like RDS', async () => {
    const { rds, copy } = world();
    for (let i = 0; i < 45; i++) copy(`x-${i}`, '2026-11-20T00:00:00Z');
    for (let i = 0; i < 30; i++) copy(`other-${i}`, '2026-11-20T00:00:00Z', 'other');
    const first = await rds.handle('DescribeDBSnapshotsCommand', { Filters: [{ Name: 'db-instance-id', Values: ['x'] }], MaxRecords: 20 });
    expect((first.DBSnapshots as unknown[]).length).toBe(20);
    const second = await rds.handle('DescribeDBSnapshotsCommand', { Filters: [{ Name: 'db-instance-id', Values: ['x'] }], MaxRecords: 20, Marker: first.Marker });
    const third = await rds.handle('DescribeDBSnapshotsCommand', { Filters: [{ Name: 'db-instance-id', Values: ['x'] }], MaxRecords: 20, Marker: second.Marker });
    expect((third.DBSnapshots as unknown[]).length).toBe(5);
    expect(third.Marker).toBeUndefined();
    await expect(rds.handle('DescribeDBSnapshotsCommand', { MaxRecords: 10 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(rds.handle('DescribeDBSnapshotsCommand', { DBSnapshotIdentifier: 'nope' })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
  });

  it('walks a restore through creating → backing-up → available, emitting the real event ids', async () => {
    const { clock, rds, events, copy } = world();
    copy('s1', '2026-11-20T00:10:00Z');
    // Still copying: not restorable yet.
    await expect(rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1' })).rejects.toBeInstanceOf(InvalidDBSnapshotStateFault);
    await clock.run(clock.millis + 1800_000);
    await rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1', StorageType: 'gp3' });
    expect(rds.instances.get('y')?.DBInstanceStatus).toBe('creating');
    await expect(rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1' })).rejects.toBeInstanceOf(DBInstanceAlreadyExistsFault);
    await clock.run(clock.millis + 1200_000);
    expect(rds.instances.get('y')?.DBInstanceStatus).toBe('backing-up');
    await clock.run(clock.millis + 610_000);
    expect(rds.instances.get('y')?.DBInstanceStatus).toBe('available');
    expect(events.map((e) => e.eventId)).toEqual(['RDS-EVENT-0043', 'RDS-EVENT-0005', 'RDS-EVENT-0001', 'RDS-EVENT-0002']);
    // Settings a restore was not given fall back to RDS defaults, as in AWS.
    expect(rds.instances.get('y')).toMatchObject({ MonitoringInterval: 0, PerformanceInsightsEnabled: false, DBSubnetGroup: { DBSubnetGroupName: 'default' } });
  });

  it('rejects restores RDS would reject', async () => {
    const { clock, rds, copy } = world();
    copy('s1', '2026-11-20T00:10:00Z');
    await clock.run(clock.millis + 1800_000);
    await expect(rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1', StorageType: 'gp2', Iops: 3000 })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1', MultiAZ: true, AvailabilityZone: 'eu-central-1a' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1', DBSubnetGroupName: 'missing' })).rejects.toMatchObject({ name: 'DBSubnetGroupNotFoundFault' });
  });

  it('deletes after the delete time, refusing protected instances and a missing final snapshot name', async () => {
    const { clock, rds, events, copy } = world();
    copy('s1', '2026-11-20T00:10:00Z');
    await clock.run(clock.millis + 1800_000);
    await rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1', DeletionProtection: true });
    await clock.run(clock.millis + 1200_000);
    await expect(rds.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y', SkipFinalSnapshot: true })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y', DeletionProtection: false, ApplyImmediately: true });
    await expect(rds.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await rds.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y', SkipFinalSnapshot: true });
    await clock.run(clock.millis + 310_000);
    await expect(rds.handle('DescribeDBInstancesCommand', { DBInstanceIdentifier: 'y' })).rejects.toBeInstanceOf(DBInstanceNotFoundFault);
    expect(events.map((e) => e.eventId)).toContain('RDS-EVENT-0003');
  });

  it('throttles at the configured rate with the error the SDK retries', async () => {
    const { rds } = world();
    rds.faults.throttleRate = 1;
    await expect(rds.handle('DescribeDBInstancesCommand', {})).rejects.toMatchObject({ name: 'Throttling', $fault: 'client' });
  });
});
