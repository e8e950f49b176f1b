import { DeleteDBInstanceCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { handleInvocation } from '../../../lambdas/events/on-event';
import { startRefresh } from '../../../lambdas/refresh/start';
import { runWatchdog } from '../../../lambdas/refresh/watchdog';
import { Y, rdsMessage, snsEvent, yInstance } from '../../support/fixtures';
import { published, publishedKinds } from '../../support/harness';
import { FRESH_SNAPSHOT, workflowWorld } from '../../support/workflow';

const fresh = FRESH_SNAPSHOT;
const world = workflowWorld({ deletionEventGraceMinutes: 15, restoreDeadlineMinutes: 60, stuckRunHours: 6 });
const { rds } = world;

async function setup(pairChanges: Record<string, unknown> = {}) {
  const ctx = await world.setup({ pair: pairChanges });
  const watchdog = async () => (await runWatchdog(ctx.deps, ctx.config)).map((o) => o.action);
  return { ...ctx, watchdog };
}

async function start(ctx: Awaited<ReturnType<typeof setup>>) {
  const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
  if (started.outcome !== 'started') throw new Error(`run did not start: ${JSON.stringify(started)}`);
  return started.runId;
}

/** A refresh started and y deleted, with RDS's deletion event delivered: the run is restoring. */
async function startedAndDeleted(ctx: Awaited<ReturnType<typeof setup>>): Promise<string> {
  const runId = await start(ctx);
  rds.finishDeletion();
  await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0003', Y, ctx.clock.now())));
  return runId;
}

describe('runWatchdog', () => {
  it('only looks at y without an active run', async () => {
    const ctx = await setup();
    expect(await ctx.watchdog()).toEqual(['idle']);
    expect(rds.mock.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeDBInstancesCommand']);
    expect(published()).toEqual([]);
  });

  it('alerts once when y is missing outside any run and its deletion event was lost', async () => {
    const ctx = await setup();
    rds.instance = undefined;
    expect(await ctx.watchdog()).toEqual(['missing:alerted']);
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['missing:already-alerted']);
    expect(publishedKinds()).toEqual(['replica.deleted-outside-run']);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
    // Once a refresh has brought y back, a later disappearance alerts again.
    rds.reset(yInstance(), [fresh]);
    expect(await ctx.watchdog()).toEqual(['idle']);
    await startedAndDeleted(ctx);
    rds.finishRestore();
    await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0043', Y, ctx.clock.now())));
    rds.instance = undefined;
    expect(await ctx.watchdog()).toEqual(['missing:alerted']);
    expect(publishedKinds()).toEqual(['replica.deleted-outside-run', 'refresh.succeeded', 'replica.deleted-outside-run']);
  });

  it('completes a close that crashed after marking the run closed, sending the notification once', async () => {
    const ctx = await setup();
    const runId = await start(ctx);
    const run = await ctx.deps.ledger.getActiveRun(Y);
    await ctx.deps.ledger.moveRun(run!, { status: 'failed', closedAt: ctx.clock.now().toISOString(), reason: 'test' }, [run!.phase!]);
    expect(await ctx.watchdog()).toEqual(['idle']);
    expect(publishedKinds()).toEqual(['refresh.failed']);
    expect(await ctx.deps.ledger.getActiveRun(Y)).toBeUndefined();
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ runId, status: 'failed', notifiedAt: expect.any(String) as unknown });
  });

  it('restores y when the deletion event never arrives, and closes the run when the usable event is lost too', async () => {
    const ctx = await setup();
    await start(ctx);
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['waiting:deleting']);
    rds.finishDeletion();
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['waiting:deletion-event']);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['restore:requested']);
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBInstanceIdentifier: Y, DBSnapshotIdentifier: fresh.DBSnapshotIdentifier, DBInstanceClass: 'db.r6g.large' });
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'restoring', deletedAt: '2026-11-21T02:15:00.000Z', deletedSource: 'poll' });
    expect(ctx.deps.telemetry.total('DeletionEventMissed', { replica: Y })).toBe(1);

    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['waiting:creating']);
    rds.finishRestore('backing-up');
    ctx.clock.advanceMinutes(5);
    // y serves: the usable event may still be on its way, so the first sighting is only recorded.
    expect(await ctx.watchdog()).toEqual(['waiting:usable-event']);
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'restoring', usablePolledAt: '2026-11-21T02:25:00.000Z' });
    expect(ctx.deps.telemetry.total('UsableEventMissed', { replica: Y })).toBe(0);
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['finish:closed']);
    const [run] = await ctx.deps.ledger.listRuns(Y);
    // Usable from the first sighting: the downtime window ends there, not at the pass that closed the run.
    expect(run).toMatchObject({ status: 'succeeded', usableAt: '2026-11-21T02:25:00.000Z', usableSource: 'poll', drift: [] });
    expect(ctx.deps.telemetry.total('UsableEventMissed', { replica: Y })).toBe(1);
    expect(publishedKinds()).toEqual(['refresh.succeeded']);
    expect(await ctx.watchdog()).toEqual(['idle']);
  });

  it('leaves a usable event that is seconds or a few minutes late to finish the run, and counts nothing missed', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    ctx.clock.advanceMinutes(20);
    rds.finishRestore('backing-up');
    // RDS published the event at 02:20:00; the watchdog passes first.
    expect(await ctx.watchdog()).toEqual(['waiting:usable-event']);
    ctx.clock.advanceMinutes(2);
    // Within the grace, a second pass still waits.
    expect(await ctx.watchdog()).toEqual(['waiting:usable-event']);
    const event = snsEvent(rdsMessage('RDS-EVENT-0043', Y, new Date('2026-11-21T02:20:00Z')));
    expect((await handleInvocation(ctx.deps, ctx.config, event))[0]?.action).toMatch(/^finish/);
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ status: 'succeeded', usableAt: '2026-11-21T02:20:00.000Z', usableSource: 'event' });
    expect(ctx.deps.telemetry.total('UsableEventMissed', { replica: Y })).toBe(0);
    expect(ctx.deps.telemetry.total('NightCarriedByPolling', { replica: Y })).toBe(0);
  });

  it('does not restore twice when the late deletion event and the watchdog both act, and the event wins the record', async () => {
    const ctx = await setup();
    await start(ctx);
    rds.finishDeletion();
    ctx.clock.advanceMinutes(16);
    expect(await ctx.watchdog()).toEqual(['restore:requested']);
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ deletedAt: '2026-11-21T02:16:00.000Z', deletedSource: 'poll' });
    const late = snsEvent(rdsMessage('RDS-EVENT-0003', Y, new Date('2026-11-21T02:06:00Z')));
    // The event's time is RDS's own: it replaces the poll's on the run, and acts no further.
    expect((await handleInvocation(ctx.deps, ctx.config, late))[0]?.action).toBe('amended:deleted');
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ deletedAt: '2026-11-21T02:06:00.000Z', deletedSource: 'event' });
    expect((await handleInvocation(ctx.deps, ctx.config, late))[0]?.action).toBe('ignored:duplicate');
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
  });

  it('replaces a usable time the poll closed a run with by the later event, in history', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    ctx.clock.advanceMinutes(20);
    rds.finishRestore('backing-up');
    ctx.clock.advanceMinutes(4);
    expect(await ctx.watchdog()).toEqual(['waiting:usable-event']);
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['finish:closed']);
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ usableAt: '2026-11-21T02:24:00.000Z', usableSource: 'poll' });
    const late = snsEvent(rdsMessage('RDS-EVENT-0043', Y, new Date('2026-11-21T02:20:30Z')));
    expect((await handleInvocation(ctx.deps, ctx.config, late))[0]?.action).toBe('amended:usable');
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ usableAt: '2026-11-21T02:20:30.000Z', usableSource: 'event' });
    // An event from before the restore was requested is no one's usable time.
    const stray = snsEvent(rdsMessage('RDS-EVENT-0043', Y, new Date('2026-11-21T01:00:00Z')));
    expect((await handleInvocation(ctx.deps, ctx.config, stray))[0]?.action).toBe('ignored:no-run-waiting');
  });

  it('fails a run whose start stopped before the delete, leaving y untouched', async () => {
    const ctx = await setup();
    await ctx.deps.ledger.openRun({
      replicaId: Y,
      runId: '20261121T020000Z-crash1',
      sourceId: 'orders-prod',
      trigger: 'schedule',
      status: 'active',
      phase: 'deleting',
      startedAt: '2026-11-21T02:00:00.000Z',
      restoreAttempts: 0,
      checks: [],
      errors: [],
    });
    expect(await ctx.watchdog()).toEqual(['waiting:deletion']);
    ctx.clock.advanceMinutes(16);
    expect(await ctx.watchdog()).toEqual(['failed:start-interrupted']);
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
    expect(rds.instance?.DBInstanceStatus).toBe('available');
    expect(published()[0]).toMatchObject({ kind: 'refresh.failed', severity: 'alert' });
    expect(published()[0]?.text).toContain('y is untouched');
  });

  it('carries on a run whose start crashed after the delete but before recording it', async () => {
    const ctx = await setup();
    await start(ctx);
    // Simulate the crash: the ledger never learned that the delete was accepted.
    const run = await ctx.deps.ledger.getActiveRun(Y);
    await ctx.deps.ledger.updateActiveRun(run!, { deleteRequestedAt: undefined });
    rds.finishDeletion();
    ctx.clock.advanceMinutes(16);
    expect(await ctx.watchdog()).toEqual(['restore:requested']);
  });

  it('retries a restore whose claim was recorded but whose request was not', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    const run = await ctx.deps.ledger.getActiveRun(Y);
    await ctx.deps.ledger.updateActiveRun(run!, { restoreRequestedAt: undefined });
    ctx.clock.advanceMinutes(16);
    // RDS already has the new y: the retry counts it as done instead of failing.
    expect(await ctx.watchdog()).toEqual(['restore:requested']);
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ phase: 'restoring', restoreRequestedAt: expect.any(String) as unknown });
  });

  it('alerts once when the restore is past its deadline', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    ctx.clock.advanceMinutes(61);
    expect(await ctx.watchdog()).toEqual(['alerted:deadline']);
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['waiting:creating']);
    expect(publishedKinds()).toEqual(['restore.overdue']);
  });

  it('fails the run when the restored instance failed', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    rds.finishRestore('incompatible-parameters');
    expect(await ctx.watchdog()).toEqual(['failed:restore']);
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ status: 'failed' });
    expect(publishedKinds()).toEqual(['refresh.failed']);
  });

  it('fails a run stuck in its phase while y still stands: the start never got its delete out', async () => {
    const ctx = await setup();
    await start(ctx);
    // RDS reverted the delete (say): y is available again, and the run has waited in phase deleting for over 6 h.
    rds.instance!.DBInstanceStatus = 'available';
    ctx.clock.advanceMinutes(6 * 60 + 1);
    expect(await ctx.watchdog()).toEqual(['failed:stuck']);
    expect(published()[0]?.text).toContain('stuck in phase deleting for over 6 h');
    // One alarm for one stuck run: counted as stuck, not also as failed.
    expect(ctx.deps.telemetry.total('RunStuck', { replica: Y })).toBe(1);
    expect(ctx.deps.telemetry.total('RefreshFailed', { replica: Y })).toBe(0);
  });

  it('never fails a stuck run whose y is still being deleted: it alerts once and restores y once it is gone', async () => {
    const ctx = await setup();
    await start(ctx);
    ctx.clock.advanceMinutes(6 * 60 + 1);
    expect(await ctx.watchdog()).toEqual(['alerted:deletion-stuck']);
    expect(await ctx.watchdog()).toEqual(['waiting:deleting']);
    expect(publishedKinds()).toEqual(['run.stuck']);
    expect(ctx.deps.telemetry.total('RunStuck', { replica: Y })).toBe(1);
    rds.finishDeletion();
    ctx.clock.advanceMinutes(16);
    expect(await ctx.watchdog()).toEqual(['restore:requested']);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
  });

  it('finishes a run whose post-restore modify had to wait', async () => {
    const ctx = await setup();
    await startedAndDeleted(ctx);
    ctx.clock.advanceMinutes(20);
    rds.finishRestore('backing-up');
    rds.modifyRefusedIn.add('backing-up');
    await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0043', Y, ctx.clock.now())));
    expect(await ctx.watchdog()).toEqual(['finish:busy']);
    rds.modifyRefusedIn.delete('backing-up');
    ctx.clock.advanceMinutes(5);
    expect(await ctx.watchdog()).toEqual(['finish:closed']);
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ status: 'succeeded', usableAt: '2026-11-21T02:20:00.000Z', usableSource: 'event', modifiedAt: '2026-11-21T02:25:00.000Z' });
  });
});
