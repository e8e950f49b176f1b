import {
  DBSubnetGroupNotFoundFault,
  InsufficientDBInstanceCapacityFault,
  RDSServiceException,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { handleInvocation } from '../../../lambdas/events/on-event';
import { LINEAGE_TAGS } from '../../../lambdas/targets/instance/settings';
import { startRefresh } from '../../../lambdas/refresh/start';
import { runWatchdog } from '../../../lambdas/refresh/watchdog';
import { Y, eventBridgeEvent, rdsMessage, snsEvent } from '../../support/fixtures';
import type { Clock } from '../../support/harness';
import { published, publishedKinds, snsMock } from '../../support/harness';
import { FRESH_SNAPSHOT, workflowWorld } from '../../support/workflow';

const fresh = FRESH_SNAPSHOT;
const meta = { $metadata: {} };
const world = workflowWorld();
const { rds } = world;

async function setup(pairChanges: Record<string, unknown> = {}) {
  return world.setup({ pair: pairChanges });
}

/** Starts a run and lets RDS finish the deletion: y is gone, the deletion event is due. */
async function startedAndDeleted(ctx: Awaited<ReturnType<typeof setup>>) {
  const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
  if (started.outcome !== 'started') throw new Error(`run did not start: ${JSON.stringify(started)}`);
  ctx.clock.advanceMinutes(6);
  rds.finishDeletion();
  return started.runId;
}

const deleted = (clock: Clock) => snsEvent(rdsMessage('RDS-EVENT-0003', Y, clock.now(), 'DB instance deleted'));
const restored = (clock: Clock) => snsEvent(rdsMessage('RDS-EVENT-0043', Y, clock.now(), `Restored from snapshot ${fresh.DBSnapshotIdentifier}`));

describe('handleInvocation: the loop', () => {
  it('restores on deletion and closes on usable, with y\'s settings and true timestamps', async () => {
    const ctx = await setup();
    const runId = await startedAndDeleted(ctx);
    const deletionTime = ctx.clock.now();
    expect(await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock))).toEqual([{ eventId: 'RDS-EVENT-0003', sourceId: Y, action: 'restore:requested' }]);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
    expect(rds.instance?.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'orders' },
        { Key: LINEAGE_TAGS.sourceSnapshot, Value: fresh.DBSnapshotIdentifier },
        { Key: LINEAGE_TAGS.sourceSnapshotTime, Value: '2026-11-21T01:10:00.000Z' },
        { Key: LINEAGE_TAGS.runId, Value: runId },
      ]),
    );

    ctx.clock.advanceMinutes(25);
    rds.finishRestore('backing-up');
    expect(await handleInvocation(ctx.deps, ctx.config, restored(ctx.clock))).toEqual([{ eventId: 'RDS-EVENT-0043', sourceId: Y, action: 'finish:closed' }]);
    // Backup retention and window travel with the restore; the rest of what a restore resets follows in one modify.
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { BackupRetentionPeriod: 3, PreferredBackupWindow: '01:00-01:30' });
    // What a restore resets follows in one modify per settings group, so one rejected value cannot lose the rest.
    expect(rds.mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { PreferredMaintenanceWindow: 'sun:04:00-sun:04:30' });
    expect(rds.mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { MonitoringInterval: 30 });
    expect(rds.mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { EnablePerformanceInsights: true });
    expect(rds.mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { MaxAllocatedStorage: 1000 });
    expect(rds.mock).toHaveReceivedCommandTimes(ModifyDBInstanceCommand, 4);

    const [run] = await ctx.deps.ledger.listRuns(Y);
    expect(run).toMatchObject({
      runId,
      status: 'succeeded',
      deleteRequestedAt: '2026-11-21T02:00:00.000Z',
      deletedAt: deletionTime.toISOString(),
      deletedSource: 'event',
      restoreRequestedAt: '2026-11-21T02:06:00.000Z',
      usableAt: '2026-11-21T02:31:00.000Z',
      usableSource: 'event',
      snapshot: { id: fresh.DBSnapshotIdentifier, dataTime: '2026-11-21T01:10:00.000Z' },
      drift: [],
    });
    expect(await ctx.deps.ledger.getActiveRun(Y)).toBeUndefined();
    expect(published()).toEqual([expect.objectContaining({ kind: 'refresh.succeeded', severity: 'info', json: expect.objectContaining({ downtimeSeconds: 1860, restoreSeconds: 1500, dataAgeSeconds: 4860 }) as unknown })]);
    expect(ctx.deps.telemetry.total('RefreshSucceeded', { replica: Y })).toBe(1);
    expect(ctx.deps.telemetry.total('DowntimeSeconds', { replica: Y })).toBe(1860);
  });

  it('restores once for a deletion event delivered three times, and closes once for repeated usable events', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    const outcomes = await Promise.all([1, 2, 3].map(() => handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock))));
    expect(outcomes.flat().map((o) => o.action).sort()).toEqual(['ignored:duplicate', 'ignored:duplicate', 'restore:requested']);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
    ctx.clock.advanceMinutes(20);
    rds.finishRestore('available');
    const finishes = await Promise.all([1, 2, 3].map(() => handleInvocation(ctx.deps, ctx.config, restored(ctx.clock))));
    expect(finishes.flat().map((o) => o.action).sort()).toEqual(['finish:closed', 'ignored:duplicate', 'ignored:duplicate']);
    expect(publishedKinds()).toEqual(['refresh.succeeded']);
    expect(await ctx.deps.ledger.listRuns(Y)).toHaveLength(1);
  });

  it('accepts the EventBridge form of the same events', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    expect((await handleInvocation(ctx.deps, ctx.config, eventBridgeEvent('RDS-EVENT-0003', Y, ctx.clock.now())))[0]?.action).toBe('restore:requested');
    rds.finishRestore();
    expect((await handleInvocation(ctx.deps, ctx.config, eventBridgeEvent('RDS-EVENT-0005', Y, ctx.clock.now())))[0]?.action).toBe('finish:closed');
  });

  it('ignores a usable event that arrives before the deletion event (out of order), then acts on both in turn', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    expect((await handleInvocation(ctx.deps, ctx.config, restored(ctx.clock)))[0]?.action).toBe('ignored:no-run-waiting');
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:requested');
  });

  it("records the last event that acted on a pair, for npm run status; an event it ignores is not recorded", async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0003', 'someone-elses-db', ctx.clock.now())));
    expect(await ctx.deps.ledger.lastEvent(Y)).toBeUndefined();
    await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock));
    expect(await ctx.deps.ledger.lastEvent(Y)).toEqual({ eventId: 'RDS-EVENT-0003', sourceId: Y, at: ctx.clock.now().toISOString(), receivedAt: ctx.clock.now().toISOString() });
  });

  it('an event that acted is not failed (nor redelivered) when recording it for status fails', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    ctx.deps.ledger.noteEvent = () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:requested');
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
  });

  it('ignores a stale deletion event from before the run', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    const yesterday = snsEvent(rdsMessage('RDS-EVENT-0003', Y, new Date('2026-11-20T02:05:00Z')));
    expect((await handleInvocation(ctx.deps, ctx.config, yesterday))[0]?.action).toBe('ignored:stale-event');
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
  });

  it('waits when the deletion event comes while the old y still exists', async () => {
    const ctx = await setup();
    await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:not-yet-deleted');
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'deleting', restoreAttempts: 0 });
    rds.finishDeletion();
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:requested');
  });

  it('does not call y usable on RDS-EVENT-0043 while y is still creating, and waits for the next signal', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock));
    ctx.clock.advanceMinutes(20);
    // 0043 can arrive while y is still `creating` (RDS-NOTES): DescribeDBInstances decides, not the event.
    expect((await handleInvocation(ctx.deps, ctx.config, restored(ctx.clock)))[0]?.action).toBe('ignored:not-yet-usable');
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'restoring' });
    expect(await ctx.deps.ledger.getActiveRun(Y)).not.toHaveProperty('usableAt');
    ctx.clock.advanceMinutes(3);
    rds.finishRestore('backing-up');
    const documented = snsEvent(rdsMessage('RDS-EVENT-0008', Y, ctx.clock.now(), 'DB instance restored from a DB snapshot'));
    expect((await handleInvocation(ctx.deps, ctx.config, documented))[0]?.action).toBe('finish:closed');
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ status: 'succeeded', usableAt: '2026-11-21T02:29:00.000Z', usableSource: 'event' });
  });

  it('leaves the post-restore modify to the watchdog while y serves but refuses modifications', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock));
    ctx.clock.advanceMinutes(20);
    rds.finishRestore('backing-up');
    rds.modifyRefusedIn.add('backing-up');
    expect((await handleInvocation(ctx.deps, ctx.config, restored(ctx.clock)))[0]?.action).toBe('finish:busy');
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'finishing', usableAt: '2026-11-21T02:26:00.000Z' });
    expect(published()).toEqual([]);
  });
});

describe('handleInvocation: post-restore settings in groups', () => {
  it('applies every other group when RDS rejects one, and records the rejected one as drift with RDS\'s error and an alert', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock));
    ctx.clock.advanceMinutes(20);
    rds.finishRestore('backing-up');
    const rejection = new RDSServiceException({ name: 'InvalidParameterCombination', $fault: 'client', message: 'Max storage size must be greater than storage size by at least 10%', $metadata: {} });
    rds.modifyRejects.set('MaxAllocatedStorage', rejection);
    expect((await handleInvocation(ctx.deps, ctx.config, restored(ctx.clock)))[0]?.action).toBe('finish:closed');
    // The other three groups went through.
    expect(rds.instance).toMatchObject({ PreferredMaintenanceWindow: 'sun:04:00-sun:04:30', MonitoringInterval: 30, PerformanceInsightsEnabled: true });
    const [run] = await ctx.deps.ledger.listRuns(Y);
    expect(run?.rejectedGroups).toEqual([{ group: 'storage-autoscaling', error: expect.stringContaining('InvalidParameterCombination') as unknown }]);
    expect(run?.drift).toEqual([{ setting: 'maxAllocatedStorage', expected: 1000, actual: null, error: expect.stringContaining('at least 10%') as unknown }]);
    expect(published()[0]).toMatchObject({ kind: 'refresh.succeeded', severity: 'alert' });
    expect(published()[0]?.text).toContain('maxAllocatedStorage: expected 1000, found null (RDS rejected it: ');
  });
});

describe('handleInvocation: failures', () => {
  it('retries a restore that failed for capacity with backoff, in another zone, then fails the run and alerts', async () => {
    const ctx = await setup({ maxRestoreAttempts: 2 });
    await startedAndDeleted(ctx);
    rds.restoreFailures = [new InsufficientDBInstanceCapacityFault({ message: 'no capacity', ...meta }), new InsufficientDBInstanceCapacityFault({ message: 'no capacity', ...meta })];
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:retry-later');
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'deleted', restoreAttempts: 1, lastErrorCode: 'InsufficientDBInstanceCapacityFault', nextRetryAt: '2026-11-21T02:08:00.000Z' });
    expect(published()).toEqual([]);
    // A repeated deletion event does not jump the backoff (it is the run's); the watchdog waits for it.
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:retry-later');
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
    ctx.clock.advanceMinutes(1);
    expect((await runWatchdog(ctx.deps, ctx.config)).map((o) => o.action)).toEqual(['waiting:retry']);
    ctx.clock.advanceMinutes(1);
    expect((await runWatchdog(ctx.deps, ctx.config)).map((o) => o.action)).toEqual(['restore:failed']);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 2);
    // The second attempt let RDS pick the zone.
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)[1]?.args[0].input.AvailabilityZone).toBeUndefined();
    const [run] = await ctx.deps.ledger.listRuns(Y);
    expect(run).toMatchObject({ status: 'failed', restoreAttempts: 2 });
    expect(run?.errors).toHaveLength(2);
    expect(published()).toEqual([expect.objectContaining({ kind: 'refresh.failed', severity: 'alert' })]);
    expect(published()[0]?.text).toContain(`${Y} DOES NOT EXIST`);
    // y did not come back: the RTO alarm's metric counts it, as the report and drill do.
    expect(ctx.deps.telemetry.total('RtoMissed', { replica: Y })).toBe(1);
    expect(ctx.deps.telemetry.total('RefreshFailed', { replica: Y })).toBe(1);
  });

  it('recovers when a retry succeeds', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    rds.restoreFailures = [new InsufficientDBInstanceCapacityFault({ message: 'no capacity', ...meta })];
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:retry-later');
    ctx.clock.advanceMinutes(5);
    expect((await runWatchdog(ctx.deps, ctx.config)).map((o) => o.action)).toEqual(['restore:requested']);
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'restoring', restoreAttempts: 2 });
  });

  it('fails at once and alerts on a restore RDS rejects as invalid', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    rds.restoreFailures = [new RDSServiceException({ name: 'InvalidParameterCombination', $fault: 'client', message: 'You can\'t specify IOPS for storage size less than 400', ...meta })];
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:failed');
    expect(published()[0]?.text).toContain('InvalidParameterCombination');
  });

  it('fails at once and alerts on a restore RDS rejects for good', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    rds.restoreFailures = [new DBSubnetGroupNotFoundFault({ message: 'DBSubnetGroup staging-private not found', ...meta })];
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('restore:failed');
    expect(published()[0]?.text).toContain('DBSubnetGroupNotFoundFault');
  });

  it('fails the run and alerts on a creation-failed event during the restore', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock));
    const failedEvent = snsEvent(rdsMessage('RDS-EVENT-0353', Y, ctx.clock.now(), 'insufficient resource limits'));
    expect((await handleInvocation(ctx.deps, ctx.config, failedEvent))[0]?.action).toBe('failed-run');
    expect((await ctx.deps.ledger.listRuns(Y))[0]?.status).toBe('failed');
    expect(publishedKinds()).toEqual(['refresh.failed']);
  });

  it('alerts on a KMS failure event outside any run', async () => {
    const ctx = await setup();
    const kms = snsEvent(rdsMessage('RDS-EVENT-0419', Y, ctx.clock.now(), 'instance inaccessible'));
    expect((await handleInvocation(ctx.deps, ctx.config, kms))[0]?.action).toBe('alerted:rds-failure');
    expect(publishedKinds()).toEqual(['replica.rds-failure']);
  });
});

describe('handleInvocation: deletions outside any run', () => {
  it('alerts and does not restore, by default', async () => {
    const ctx = await setup();
    rds.instance = undefined;
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('unmanaged-deletion:alerted');
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
    expect(published()[0]).toMatchObject({ kind: 'replica.deleted-outside-run', severity: 'alert' });
    expect(published()[0]?.text).toContain('restoreUnmanagedDeletions is off');
  });

  it('restores with the last captured settings when config opts in', async () => {
    const ctx = await setup({ restoreUnmanagedDeletions: true });
    await startedAndDeleted(ctx);
    await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock));
    rds.finishRestore();
    await handleInvocation(ctx.deps, ctx.config, restored(ctx.clock));
    snsMock.reset();
    rds.mock.resetHistory();
    // Someone deletes y by hand the next day.
    ctx.clock.advanceMinutes(24 * 60);
    rds.instance = undefined;
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('unmanaged-deletion:restoring');
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBInstanceIdentifier: Y, DBInstanceClass: 'db.r6g.large', Port: 6543, DBSubnetGroupName: 'staging-private' });
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ trigger: 'unmanaged-deletion', phase: 'restoring' });
    expect(publishedKinds()).toEqual(['replica.deleted-outside-run']);
  });

  it('alerts instead of restoring with RDS defaults when no settings were ever captured', async () => {
    const ctx = await setup({ restoreUnmanagedDeletions: true });
    rds.instance = undefined;
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('unmanaged-deletion:no-settings');
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
  });

  it('ignores a late deletion event once y is back', async () => {
    const ctx = await setup();
    expect((await handleInvocation(ctx.deps, ctx.config, deleted(ctx.clock)))[0]?.action).toBe('ignored:stale-event');
    expect(published()).toEqual([]);
  });
});

describe('handleInvocation: what is ignored', () => {
  it.each([
    ['another instance', snsEvent(rdsMessage('RDS-EVENT-0003', 'billing-staging', new Date()))],
    ['x itself', snsEvent(rdsMessage('RDS-EVENT-0003', 'orders-prod', new Date()))],
    ['an event the loop does not act on', snsEvent(rdsMessage('RDS-EVENT-0034', Y, new Date()))],
    ['a snapshot event', snsEvent(rdsMessage('RDS-EVENT-0042', Y, new Date(), 'created', { 'Event Source': 'db-snapshot' }))],
    ['the subscription confirmation text', snsEvent('You have chosen to subscribe to the topic')],
    ['garbage', { foo: 'bar' }],
  ])('ignores %s: no RDS call, no ledger write, counted', async (_name, input) => {
    const ctx = await setup();
    const outcomes = await handleInvocation(ctx.deps, ctx.config, input);
    expect(outcomes.every((o) => o.action.startsWith('ignored:'))).toBe(true);
    expect(rds.mock.calls()).toHaveLength(0);
    expect(await ctx.deps.ledger.listRuns(Y)).toEqual([]);
    expect(ctx.deps.telemetry.total('EventsIgnored')).toBe(outcomes.length);
  });
});
