import { InsufficientDBInstanceCapacityFault, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { handleInvocation } from '../../../lambdas/events/on-event';
import { startRefresh } from '../../../lambdas/refresh/start';
import { runWatchdog } from '../../../lambdas/refresh/watchdog';
import { Y, rdsMessage, snsEvent } from '../../support/fixtures';
import { published, publishedKinds } from '../../support/harness';
import { FRESH_SNAPSHOT, workflowWorld } from '../../support/workflow';

const meta = { $metadata: {} };
const world = workflowWorld({ maxRestoreAttempts: 1, heal: { backoffHours: 1, maxAttempts: 2 } });
const { rds } = world;

/** A night whose restore fails for good: y is deleted by the run and stays gone. */
async function failedNight() {
  const ctx = await world.setup();
  const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
  if (started.outcome !== 'started') throw new Error(JSON.stringify(started));
  ctx.clock.advanceMinutes(6);
  rds.finishDeletion();
  rds.restoreFailures = [new InsufficientDBInstanceCapacityFault({ message: 'Insufficient db.r6g.large capacity.', ...meta })];
  await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0003', Y, ctx.clock.now())));
  const watchdog = async () => (await runWatchdog(ctx.deps, ctx.config)).map((o) => o.action);
  return { ...ctx, failedRunId: started.runId, watchdog };
}

describe('self-healing after a bad night', () => {
  it('says who deleted y and what happens next, instead of "deleted outside any refresh"', async () => {
    const ctx = await failedNight();
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ status: 'failed', runId: ctx.failedRunId });
    expect(published()[0]?.text).toContain('DOES NOT EXIST: this run deleted it. replica-refresh restores it (the watchdog tries again at 2026-11-21T03:06:00.000Z');
    // The watchdog finds y missing: no "deleted outside any refresh" alert, it waits for the heal time.
    expect(await ctx.watchdog()).toEqual(['missing:heal-due']);
    expect(publishedKinds()).toEqual(['refresh.failed']);
  });

  it('the watchdog heals y once the back-off has passed, with the recorded settings, as a heal run measured from the original delete', async () => {
    const ctx = await failedNight();
    ctx.clock.advanceMinutes(61);
    expect(await ctx.watchdog()).toEqual(['missing:restoring']);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 2);
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBInstanceIdentifier: Y, DBInstanceClass: 'db.r6g.large', Port: 6543 });
    const run = await ctx.deps.ledger.getActiveRun(Y);
    expect(run).toMatchObject({ trigger: 'heal', healsRunId: ctx.failedRunId, deleteRequestedAt: '2026-11-21T02:00:00.000Z', phase: 'restoring' });
    expect(publishedKinds()).toEqual(['refresh.failed', 'replica.healing']);
    expect(published()[1]?.text).toContain(`was deleted by run ${ctx.failedRunId}, whose restore failed`);
    ctx.clock.advanceMinutes(20);
    rds.finishRestore('backing-up');
    expect((await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0043', Y, ctx.clock.now()))))[0]?.action).toBe('finish:closed');
    expect((await ctx.deps.ledger.listRuns(Y))[0]).toMatchObject({ trigger: 'heal', status: 'succeeded', drift: [] });
  });

  it('backs off in hours between failed heals, and gives up the watchdog\'s attempts with one alert after heal.maxAttempts', async () => {
    const ctx = await failedNight();
    ctx.clock.advanceMinutes(61);
    rds.restoreFailures = [new InsufficientDBInstanceCapacityFault({ message: 'still none', ...meta })];
    expect(await ctx.watchdog()).toEqual(['missing:restoring']);
    // The heal run failed too: next heal 2 h later.
    ctx.clock.advanceMinutes(119);
    expect(await ctx.watchdog()).toEqual(['missing:heal-due']);
    ctx.clock.advanceMinutes(2);
    rds.restoreFailures = [new InsufficientDBInstanceCapacityFault({ message: 'still none', ...meta })];
    expect(await ctx.watchdog()).toEqual(['missing:restoring']);
    ctx.clock.advanceMinutes(24 * 60);
    expect(await ctx.watchdog()).toEqual(['missing:heal-exhausted']);
    expect(await ctx.watchdog()).toEqual(['missing:heal-exhausted']);
    expect(publishedKinds().filter((k) => k === 'replica.heal-exhausted')).toHaveLength(1);
  });

  it('the next nightly run heals y instead of refusing it', async () => {
    const ctx = await failedNight();
    ctx.clock.advanceMinutes(30);
    const night2 = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule', requestId: `${Y}@2026-11-22T02:00:00Z` });
    expect(night2).toMatchObject({ outcome: 'healing', healsRunId: ctx.failedRunId });
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ trigger: 'heal', phase: 'restoring' });
  });

  it("the operator's restore heals y now, as the same heal run the watchdog would open, and a repeat of it is a no-op", async () => {
    const ctx = await failedNight();
    const restored = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'restore', requestId: 'restore-1' });
    expect(restored).toMatchObject({ outcome: 'healing', healsRunId: ctx.failedRunId });
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ trigger: 'heal', phase: 'restoring', healsRunId: ctx.failedRunId, requestId: 'restore-1' });
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 2);
    expect(published().find((n) => n.kind === 'replica.healing')?.text).toContain("the operator's npm run restore");
    const again = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'restore', requestId: 'restore-1' });
    expect(again).toMatchObject({ outcome: 'duplicate' });
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 2);
  });

  it('a restore plan for a missing y names the snapshot and the recorded settings, and changes nothing', async () => {
    const ctx = await failedNight();
    const plan = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'restore', dryRun: true });
    expect(plan).toMatchObject({ outcome: 'planned', ok: true, snapshot: { id: 'orders-prod-2026-11-21' }, desired: { instanceClass: 'db.r6g.large' } });
    expect(plan.outcome === 'planned' && plan.checks.map((c) => c.id)).toEqual(['replica-missing', 'snapshot-available', 'recorded-settings', 'no-active-run']);
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
    expect(await ctx.deps.ledger.getActiveRun(Y)).toBeUndefined();
  });

  it('a restore of a y that exists does nothing and says how to refresh it instead', async () => {
    const ctx = await world.setup();
    const result = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'restore' });
    expect(result).toEqual({ outcome: 'not-needed', reason: expect.stringContaining('npm run drill -- --replica orders-staging') as unknown });
    expect(rds.mock.commandCalls(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(0);
    expect(await ctx.deps.ledger.listRuns(Y)).toEqual([]);
    expect(published()).toEqual([]);
  });

  it('a restore of a y deleted by hand restores it with the settings of its last successful run, as a restore run', async () => {
    const ctx = await world.setup();
    // A night that succeeds records y's settings; then someone deletes y by hand.
    const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
    if (started.outcome !== 'started') throw new Error(JSON.stringify(started));
    ctx.clock.advanceMinutes(6);
    rds.finishDeletion();
    await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0003', Y, ctx.clock.now())));
    ctx.clock.advanceMinutes(20);
    rds.finishRestore();
    await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0043', Y, ctx.clock.now())));
    expect((await ctx.deps.ledger.listRuns(Y))[0]?.status).toBe('succeeded');
    rds.reset(undefined, [FRESH_SNAPSHOT]);
    ctx.clock.advanceMinutes(600);
    const goneAt = ctx.clock.now();
    await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0003', Y, goneAt)));
    expect(publishedKinds()).toContain('replica.deleted-outside-run');
    ctx.clock.advanceMinutes(180);
    const restored = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'restore' });
    expect(restored).toMatchObject({ outcome: 'started-restore' });
    // The outage is measured from when y was found gone (the deletion event), not from the operator's restore.
    expect(await ctx.deps.ledger.getActiveRun(Y)).toMatchObject({ trigger: 'restore', phase: 'restoring', desired: { instanceClass: 'db.r6g.large' }, deleteRequestedAt: goneAt.toISOString(), deleteRequestedEstimated: true });
    expect(publishedKinds()).toContain('replica.restoring');
  });

  it('plans a heal for a y the project left deleted (exit 0), not a refusal', async () => {
    const ctx = await failedNight();
    const plan = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'drill', dryRun: true });
    expect(plan).toMatchObject({ outcome: 'planned', ok: true });
    expect(plan.outcome === 'planned' && plan.checks.find((c) => c.id === 'replica-exists')?.detail).toContain('a start restores it (heal)');
  });
});
