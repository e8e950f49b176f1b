import {
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  InvalidDBSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { VirtualClock } from '../../../scripts/sim/clock';
import type { EmittedEvent, RdsTimings } from '../../../scripts/sim/rds';
import { SimRds } from '../../../scripts/sim/rds';
import { Random, fixed } from '../../../scripts/sim/random';
import { twoRegions } from '../../support/regions';

const TIMINGS: RdsTimings = {
  delete: fixed(300),
  restore: fixed(1200),
  baselineBackup: fixed(600),
  copy: fixed(1800),
  snapshot: fixed(600),
  finalSnapshot: fixed(120),
  eventDelay: fixed(5),
};

function world() {
  const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
  const rds = new SimRds('eu-central-1', '111111111111', clock, new Random(1), TIMINGS);
  const events: EmittedEvent[] = [];
  rds.eventBus.push((e) => {
    if (e.sourceType === 'db-instance' && e.sourceId === 'y' && ['deletion', 'restoration', 'creation', 'backup'].includes(e.category)) events.push(e);
  });
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

/** x encrypted in eu-west-1, the copy destination eu-central-1, keys in both regions. */
function regions() {
  const { clock, kms, sourceKey, replicaKey, source, replica } = twoRegions({ start: '2026-11-21T00:00:00Z', seed: 1, timings: TIMINGS, replicaKeyAlias: 'copies' });
  source.instances.set('x', {
    DBInstanceIdentifier: 'x',
    DBInstanceArn: source.arn('db', 'x'),
    DBInstanceStatus: 'available',
    DbiResourceId: 'db-X',
    Engine: 'postgres',
    AllocatedStorage: 100,
    StorageEncrypted: true,
    KmsKeyId: sourceKey,
    CopyTagsToSnapshot: true,
    BackupRetentionPeriod: 7,
    TagList: [{ Key: 'team', Value: 'orders' }],
  });
  const events: EmittedEvent[] = [];
  for (const r of [source, replica]) r.eventBus.push((e) => void (e.sourceType === 'db-snapshot' && events.push(e)));
  /** What the SDK sends for a cross-region copy: the source's ARN and a URL presigned for its region. */
  const copyInput = (sourceId: string, target: string, extra: Record<string, unknown> = {}) => {
    const arn = source.arn('snapshot', sourceId);
    const url = `https://rds.eu-west-1.amazonaws.com/?Action=CopyDBSnapshot&DestinationRegion=eu-central-1&SourceDBSnapshotIdentifier=${encodeURIComponent(arn)}&X-Amz-Credential=${encodeURIComponent('SIM/20261121/eu-west-1/rds/aws4_request')}`;
    return { SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: target, PreSignedUrl: url, ...extra };
  };
  return { clock, kms, source, replica, sourceKey, replicaKey, events, copyInput };
}

describe('SimRds snapshots across regions', () => {
  it("takes x's automated snapshot (0090 then 0091) and manual ones (0040 then 0042), and deletes only available manual ones (0041)", async () => {
    const { clock, source, events } = regions();
    source.takeAutomatedSnapshot('x');
    await source.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: 'x', DBSnapshotIdentifier: 'x-manual-1', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(source.snapshots.get('rds:x-2026-11-21-00-00')).toMatchObject({ SnapshotType: 'automated', Status: 'creating', Encrypted: true });
    await expect(source.handle('DeleteDBSnapshotCommand', { DBSnapshotIdentifier: 'x-manual-1' })).rejects.toBeInstanceOf(InvalidDBSnapshotStateFault);
    await expect(source.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: 'x', DBSnapshotIdentifier: 'x-manual-1' })).rejects.toBeInstanceOf(DBSnapshotAlreadyExistsFault);
    await expect(source.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: 'x', DBSnapshotIdentifier: 'rds:x' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await clock.run(clock.millis + 700_000);
    expect(source.snapshots.get('x-manual-1')).toMatchObject({ Status: 'available', TagList: [{ Key: 'team', Value: 'orders' }, { Key: 'k', Value: 'v' }] });
    await expect(source.handle('DeleteDBSnapshotCommand', { DBSnapshotIdentifier: 'rds:x-2026-11-21-00-00' })).rejects.toBeInstanceOf(InvalidDBSnapshotStateFault);
    await source.handle('DeleteDBSnapshotCommand', { DBSnapshotIdentifier: 'x-manual-1' });
    await expect(source.handle('DeleteDBSnapshotCommand', { DBSnapshotIdentifier: 'x-manual-1' })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await clock.run(clock.millis + 10_000);
    expect(events.map((e) => `${e.eventId} ${e.sourceId}`).sort()).toEqual(
      ['RDS-EVENT-0040 x-manual-1', 'RDS-EVENT-0041 x-manual-1', 'RDS-EVENT-0042 x-manual-1', 'RDS-EVENT-0090 rds:x-2026-11-21-00-00', 'RDS-EVENT-0091 rds:x-2026-11-21-00-00'].sort(),
    );
  });

  it('copies across regions as RDS does: copying then available, re-encrypted, data time, source and tags kept, 0059 and 0060', async () => {
    const { clock, source, replica, replicaKey, events, copyInput } = regions();
    const snap = source.seedSnapshot('x', 'rds:x-2026-11-20-00-10', 'automated', new Date('2026-11-20T00:10:00Z'));
    const out = await replica.handle('CopyDBSnapshotCommand', copyInput('rds:x-2026-11-20-00-10', 'x-2026-11-20-00-10', { KmsKeyId: 'alias/copies', CopyTags: true, Tags: [{ Key: 'owner', Value: 'me' }] }));
    expect(out.DBSnapshot).toMatchObject({ Status: 'copying', PercentProgress: 0 });
    expect(replica.crossRegionCopiesInFlight()).toBe(1);
    await clock.run(clock.millis + 900_000);
    const [halfway] = (await replica.handle('DescribeDBSnapshotsCommand', { DBSnapshotIdentifier: 'x-2026-11-20-00-10' })).DBSnapshots as { PercentProgress: number }[];
    expect(halfway?.PercentProgress).toBe(50);
    await clock.run(clock.millis + 910_000);
    expect(replica.snapshots.get('x-2026-11-20-00-10')).toMatchObject({
      Status: 'available',
      SnapshotType: 'manual',
      DBInstanceIdentifier: 'x',
      DbiResourceId: 'db-X',
      Encrypted: true,
      KmsKeyId: replicaKey,
      SourceRegion: 'eu-west-1',
      SourceDBSnapshotIdentifier: snap.DBSnapshotArn,
      OriginalSnapshotCreateTime: new Date('2026-11-20T00:10:00Z'),
      TagList: [{ Key: 'team', Value: 'orders' }, { Key: 'owner', Value: 'me' }],
    });
    expect(events.map((e) => e.eventId)).toEqual(['RDS-EVENT-0059', 'RDS-EVENT-0060']);
  });

  it('refuses copies RDS refuses, with its fault classes', async () => {
    const { clock, source, replica, replicaKey, sourceKey, copyInput } = regions();
    source.seedSnapshot('x', 's1', 'manual', new Date('2026-11-20T00:10:00Z'));
    source.takeAutomatedSnapshot('x');
    const refused = (input: Record<string, unknown>) => replica.handle('CopyDBSnapshotCommand', input);
    await expect(refused(copyInput('nope', 'c1', { KmsKeyId: replicaKey }))).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await expect(refused(copyInput('rds:x-2026-11-21-00-00', 'c1', { KmsKeyId: replicaKey }))).rejects.toBeInstanceOf(InvalidDBSnapshotStateFault);
    await expect(refused(copyInput('s1', 'c1'))).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'Must specify new KMS key for cross region encrypted snapshot copy.' });
    // A key of the source region, or one that does not exist, is no key here.
    await expect(refused(copyInput('s1', 'c1', { KmsKeyId: sourceKey }))).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await expect(refused(copyInput('s1', 'c1', { KmsKeyId: 'alias/missing' }))).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await expect(refused(copyInput('s1', 'rds:c1', { KmsKeyId: replicaKey }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    // Without the URL presigned for the source region (a client in the wrong region, say).
    await expect(refused({ ...copyInput('s1', 'c1', { KmsKeyId: replicaKey }), PreSignedUrl: undefined })).rejects.toMatchObject({ message: 'PreSignedUrl could not be authenticated.' });
    await refused(copyInput('s1', 'c1', { KmsKeyId: replicaKey }));
    await expect(refused(copyInput('s1', 'c1', { KmsKeyId: replicaKey }))).rejects.toBeInstanceOf(DBSnapshotAlreadyExistsFault);

    // The account's cross-region copies in flight.
    replica.crossRegionCopyLimit = 2;
    await refused(copyInput('s1', 'c2', { KmsKeyId: replicaKey }));
    await expect(refused(copyInput('s1', 'c3', { KmsKeyId: replicaKey }))).rejects.toMatchObject({ name: 'SnapshotQuotaExceededFault', message: 'Cannot copy more than 2 snapshots across regions' });
    await clock.run(clock.millis + 1_810_000);
    await refused(copyInput('s1', 'c3', { KmsKeyId: replicaKey }));
    expect(replica.copyHighWater).toBe(2);

    // The region's manual snapshots.
    replica.manualSnapshotQuota = 3;
    await expect(refused(copyInput('s1', 'c4', { KmsKeyId: replicaKey }))).rejects.toBeInstanceOf(SnapshotQuotaExceededFault);
    expect(replica.calls.filter((c) => c.command === 'CopyDBSnapshotCommand').map((c) => c.outcome)).toEqual([
      'DBSnapshotNotFoundFault',
      'InvalidDBSnapshotStateFault',
      'InvalidParameterValue',
      'KMSKeyNotAccessibleFault',
      'KMSKeyNotAccessibleFault',
      'InvalidParameterValue',
      'InvalidParameterValue',
      'ok',
      'DBSnapshotAlreadyExistsFault',
      'ok',
      'SnapshotQuotaExceededFault',
      'ok',
      'SnapshotQuotaExceededFault',
    ]);
  });

  it('reads and adds tags by ARN', async () => {
    const { source } = regions();
    const snap = source.seedSnapshot('x', 's1', 'manual', new Date('2026-11-20T00:10:00Z'));
    await source.handle('AddTagsToResourceCommand', { ResourceName: snap.DBSnapshotArn, Tags: [{ Key: 'a', Value: '1' }] });
    expect((await source.handle('ListTagsForResourceCommand', { ResourceName: snap.DBSnapshotArn })).TagList).toEqual([{ Key: 'team', Value: 'orders' }, { Key: 'a', Value: '1' }]);
    await expect(source.handle('ListTagsForResourceCommand', { ResourceName: source.arn('snapshot', 'nope') })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
  });
});

describe('SimRds: renaming a DB instance (ModifyDBInstance NewDBInstanceIdentifier), as the RDS User Guide describes it', () => {
  async function restoredY() {
    const w = world();
    w.copy('s1', '2026-11-20T00:10:00Z');
    await w.clock.run(w.clock.millis + 1800_000);
    await w.rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1' });
    await w.clock.run(w.clock.millis + 1200_000 + 600_000 + 1000);
    return w;
  }

  it('answers to the new name at once, is renaming for about 10 minutes, then reboots, then serves with RDS-EVENT-0006; tags and resource id stay', async () => {
    const { clock, rds } = await restoredY();
    const before = structuredClone(rds.instances.get('y')!);
    const all: EmittedEvent[] = [];
    rds.eventBus.push((e) => all.push(e));
    const started = clock.millis;
    await rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y', NewDBInstanceIdentifier: 'Y-Old-1', ApplyImmediately: true });
    expect(rds.instances.has('y')).toBe(false);
    const renamed = rds.instances.get('y-old-1')!;
    expect(renamed).toMatchObject({ DBInstanceIdentifier: 'y-old-1', DBInstanceStatus: 'renaming', DbiResourceId: before.DbiResourceId, TagList: before.TagList });
    expect(renamed.Endpoint?.Address).toBe('y-old-1.sim.eu-central-1.rds.amazonaws.com');
    expect(rds.renames).toEqual([{ from: 'y', to: 'y-old-1', dbiResourceId: before.DbiResourceId, at: new Date(started) }]);
    // A modify while it is renaming is refused.
    await expect(rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y-old-1', BackupRetentionPeriod: 3, ApplyImmediately: true })).rejects.toMatchObject({ name: 'InvalidDBInstanceStateFault' });
    // Its state every 5 s: renaming for 9 to 11 minutes, then rebooting, then available.
    const seen: { at: number; status: string }[] = [];
    for (let t = 5_000; t <= 760_000; t += 5_000) {
      await clock.run(started + t);
      if (seen.at(-1)?.status !== renamed.DBInstanceStatus) seen.push({ at: t, status: renamed.DBInstanceStatus ?? '' });
    }
    expect(seen.map((x) => x.status)).toEqual(['renaming', 'rebooting', 'available']);
    expect(seen[1]!.at).toBeGreaterThanOrEqual(540_000);
    expect(seen[1]!.at).toBeLessThanOrEqual(665_000);
    expect(all.filter((e) => e.sourceId === 'y-old-1').map((e) => e.eventId)).toEqual(['RDS-EVENT-0006']);
  });

  it('refuses a name in use and an invalid one; without ApplyImmediately the rename waits for the maintenance window', async () => {
    const { rds, copy, clock } = await restoredY();
    copy('s2', '2026-11-20T00:10:00Z');
    await clock.run(clock.millis + 1800_000);
    await rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'z', DBSnapshotIdentifier: 's2' });
    await expect(rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y', NewDBInstanceIdentifier: 'z', ApplyImmediately: true })).rejects.toBeInstanceOf(DBInstanceAlreadyExistsFault);
    await expect(rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y', NewDBInstanceIdentifier: 'y--old', ApplyImmediately: true })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y', NewDBInstanceIdentifier: 'y-later' });
    expect(rds.instances.get('y')).toMatchObject({ DBInstanceStatus: 'available', PendingModifiedValues: { DBInstanceIdentifier: 'y-later' } });
  });
});
