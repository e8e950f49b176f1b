/**
 * The source mode `backup-replication`: y is restored from x's automated backups replicated into y's
 * region, to their latest restorable time, through the same loop, ledger and measures as snapshot copies.
 */
import type { DBInstanceAutomatedBackup } from '@aws-sdk/client-rds';
import { DeleteDBInstanceCommand, RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand } from '@aws-sdk/client-rds';
import { measure } from '../../../lambdas/reporting/measures';
import { handleInvocation } from '../../../lambdas/events/on-event';
import { LINEAGE_TAGS } from '../../../lambdas/targets/instance/settings';
import { REPLICATED_BACKUP, chooseRestorePoint } from '../../../lambdas/sources/snapshots';
import { startRefresh } from '../../../lambdas/refresh/start';
import { runWatchdog } from '../../../lambdas/refresh/watchdog';
import { ACCOUNT, REPLICA_REGION, X, Y, pair, rdsMessage, snsEvent } from '../../support/fixtures';
import { publishedKinds } from '../../support/harness';
import { FRESH_SNAPSHOT, workflowWorld } from '../../support/workflow';

const world = workflowWorld({ source: { instanceId: X, region: 'eu-west-1', mode: 'backup-replication' }, backupReplication: { maxLagMinutes: 30 } });
const { rds } = world;
const ARN = `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:auto-backup:ab-orders0prod0replicated0001`;

/** x's replicated backups, restorable up to `latest` (the clock starts at 02:00 UTC). */
function replicated(latest: string, overrides: Partial<DBInstanceAutomatedBackup> = {}): DBInstanceAutomatedBackup {
  return {
    DBInstanceAutomatedBackupsArn: ARN,
    DBInstanceArn: `arn:aws:rds:eu-west-1:${ACCOUNT}:db:${X}`,
    DBInstanceIdentifier: X,
    DbiResourceId: 'db-SIMSOURCEXPRODUCTION0000001',
    Region: 'eu-west-1',
    Status: 'replicating',
    RestoreWindow: { EarliestTime: new Date('2026-11-14T02:00:00Z'), LatestTime: new Date(latest) },
    Engine: 'postgres',
    EngineVersion: '16.6',
    AllocatedStorage: 200,
    Encrypted: true,
    KmsKeyId: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/replica-key`,
    ...overrides,
  };
}

describe('chooseRestorePoint', () => {
  const p = pair({ source: { instanceId: X, region: 'eu-west-1', mode: 'backup-replication' } });
  const view = (b: DBInstanceAutomatedBackup) => ({
    arn: b.DBInstanceAutomatedBackupsArn ?? '',
    instanceId: b.DBInstanceIdentifier ?? '',
    sourceRegion: b.Region ?? '',
    status: b.Status ?? '',
    encrypted: true,
    ...(b.RestoreWindow?.LatestTime ? { latestTime: b.RestoreWindow.LatestTime } : {}),
  });

  it('names the restore point after x and one second before its latest restorable time, which RestoreTime must precede', () => {
    expect(chooseRestorePoint([view(replicated('2026-11-21T01:55:00.400Z'))], p).snapshot).toMatchObject({ id: `${X}@2026-11-21T01:54:59.000Z`, arn: ARN, type: REPLICATED_BACKUP, dataTime: new Date('2026-11-21T01:54:59Z') });
  });

  it.each([
    ['nothing replicated', [], 'no automated backups of orders-prod are replicated from eu-west-1'],
    ['replication paused', [view(replicated('2026-11-21T01:55:00Z', { Status: 'pending' }))], 'are pending, not replicating'],
    ['no restorable time yet', [view(replicated('2026-11-21T01:55:00Z', { RestoreWindow: {} }))], 'no restorable time yet'],
  ])('says why there is nothing to restore from: %s', (_name, backups, reason) => {
    expect(chooseRestorePoint(backups, p)).toEqual({ reason: expect.stringContaining(reason) as unknown });
  });
});

describe('a refresh in backup-replication mode', () => {
  it('restores y to the latest restorable time, with its settings and lineage, and measures the data age from it', async () => {
    const ctx = await world.setup({ replicatedBackups: [replicated('2026-11-21T01:56:00Z')], snapshots: [] });
    const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
    expect(started).toMatchObject({ outcome: 'started', snapshot: { id: `${X}@2026-11-21T01:55:59.000Z`, type: REPLICATED_BACKUP } });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);

    // Replication moves on while y is deleted: the restore reads the window again and takes the newest time.
    ctx.clock.advanceMinutes(6);
    rds.finishDeletion();
    rds.replicatedBackups = [replicated('2026-11-21T02:01:00Z')];
    const deleted = snsEvent(rdsMessage('RDS-EVENT-0003', Y, ctx.clock.now(), 'DB instance deleted'));
    expect(await handleInvocation(ctx.deps, ctx.config, deleted)).toEqual([{ eventId: 'RDS-EVENT-0003', sourceId: Y, action: 'restore:requested' }]);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceToPointInTimeCommand, {
      TargetDBInstanceIdentifier: Y,
      SourceDBInstanceAutomatedBackupsArn: ARN,
      RestoreTime: new Date('2026-11-21T02:00:59Z'),
      DBInstanceClass: 'db.r6g.large',
      VpcSecurityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
      BackupRetentionPeriod: 3,
    });
    expect(rds.instance?.TagList).toEqual(expect.arrayContaining([{ Key: LINEAGE_TAGS.sourceSnapshotTime, Value: '2026-11-21T02:00:59.000Z' }, { Key: 'team', Value: 'orders' }]));

    ctx.clock.advanceMinutes(20);
    rds.finishRestore('backing-up');
    // A point-in-time restore announces itself with RDS-EVENT-0019, not 0043.
    const usable = snsEvent(rdsMessage('RDS-EVENT-0019', Y, ctx.clock.now(), 'Restored from DB instance orders-prod to 2026-11-21 02:01:00'));
    expect(await handleInvocation(ctx.deps, ctx.config, usable)).toEqual([{ eventId: 'RDS-EVENT-0019', sourceId: Y, action: 'finish:closed' }]);
    const [run] = await ctx.deps.ledger.listRuns(Y);
    expect(run).toMatchObject({ status: 'succeeded', snapshot: { id: `${X}@2026-11-21T02:00:59.000Z`, arn: ARN, type: REPLICATED_BACKUP, dataTime: '2026-11-21T02:00:59.000Z' } });
    // Data age (RPO): from the restore time (02:00:59) to y serving again (02:26), minutes rather than a day.
    expect(measure(run!).dataAgeSeconds).toBe(25 * 60 + 1);
    expect(publishedKinds()).toEqual(['refresh.succeeded']);
  });

  it('refuses, deleting nothing, when the latest restorable time lags beyond maxLagMinutes', async () => {
    const ctx = await world.setup({ replicatedBackups: [replicated('2026-11-21T01:00:00Z')] });
    const result = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
    expect(result).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('60 min old, over backupReplication.maxLagMinutes (30)') as unknown });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
    expect(publishedKinds()).toEqual(['refresh.refused']);
  });

  it('refuses when replication is not running, naming what to do', async () => {
    const ctx = await world.setup({ replicatedBackups: [replicated('2026-11-21T01:59:00Z', { Status: 'retained' })] });
    const result = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
    expect(result).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('are retained, not replicating') as unknown });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
  });

  it('still restores a pinned snapshot from the snapshot, for a drill of an older state', async () => {
    const ctx = await world.setup({ replicatedBackups: [replicated('2026-11-21T01:59:00Z')], snapshots: [FRESH_SNAPSHOT] });
    const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'drill', snapshotId: FRESH_SNAPSHOT.DBSnapshotIdentifier! });
    expect(started).toMatchObject({ outcome: 'started', snapshot: { id: FRESH_SNAPSHOT.DBSnapshotIdentifier } });
    ctx.clock.advanceMinutes(20);
    rds.finishDeletion();
    await runWatchdog(ctx.deps, ctx.config);
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBSnapshotIdentifier: FRESH_SNAPSHOT.DBSnapshotIdentifier });
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceToPointInTimeCommand, 0);
  });
});
