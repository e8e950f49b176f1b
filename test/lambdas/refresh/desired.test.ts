import { ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { handleInvocation } from '../../../lambdas/events/on-event';
import { startRefresh } from '../../../lambdas/refresh/start';
import { Y, rdsMessage, snsEvent, xSnapshot } from '../../support/fixtures';
import { workflowWorld } from '../../support/workflow';

const world = workflowWorld();
const { rds } = world;

type Ctx = Awaited<ReturnType<typeof world.setup>>;

/** One night up to y serving again; `fail` ends it with an RDS failure event before the settings are applied. */
async function night(ctx: Ctx, day: number, opts: { fail?: boolean } = {}) {
  rds.snapshots.push(xSnapshot(`orders-prod-2026-11-${21 + day}`, `2026-11-${21 + day}T01:10:00Z`));
  const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule', requestId: `night-${day}` });
  if (started.outcome !== 'started') throw new Error(JSON.stringify(started));
  ctx.clock.advanceMinutes(6);
  rds.finishDeletion();
  await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0003', Y, ctx.clock.now())));
  ctx.clock.advanceMinutes(20);
  rds.finishRestore('backing-up');
  const signal = opts.fail ? rdsMessage('RDS-EVENT-0278', Y, ctx.clock.now(), 'DB instance creation failed') : rdsMessage('RDS-EVENT-0043', Y, ctx.clock.now());
  await handleInvocation(ctx.deps, ctx.config, snsEvent(signal));
  ctx.clock.advanceMinutes(24 * 60 - 26);
  return (await ctx.deps.ledger.listRuns(Y))[0]!;
}

describe('desired settings: one source of truth', () => {
  it('records the desired settings after a clean run, and never captures a y the project restored but did not configure', async () => {
    const ctx = await world.setup();
    const first = await night(ctx, 0);
    expect(first).toMatchObject({ status: 'succeeded', drift: [] });
    expect(await ctx.deps.ledger.getDesired(Y)).toMatchObject({ source: 'run', runId: first.runId, settings: { monitoringInterval: 30, performanceInsightsEnabled: true, maxAllocatedStorage: 1000 } });

    // Night 2 fails after the restore, before the post-restore settings: y serves with RDS's defaults.
    const failed = await night(ctx, 1, { fail: true });
    expect(failed.status).toBe('failed');
    expect(rds.instance).toMatchObject({ MonitoringInterval: 0, PerformanceInsightsEnabled: false });
    // The report's drift column shows the gap on the failed night.
    expect(failed.drift?.map((d) => d.setting)).toEqual(expect.arrayContaining(['monitoringInterval', 'performanceInsightsEnabled', 'maxAllocatedStorage', 'preferredMaintenanceWindow']));

    // Night 3 restores with the recorded settings, not the degraded live ones, and is clean again.
    rds.mock.resetHistory();
    const healed = await night(ctx, 2);
    expect(healed).toMatchObject({ status: 'succeeded', drift: [] });
    expect(healed.checks.find((c) => c.id === 'desired-settings')?.detail).toContain(`was restored by run ${failed.runId}, which failed`);
    expect(healed.desired).toMatchObject({ monitoringInterval: 30, performanceInsightsEnabled: true, maxAllocatedStorage: 1000, preferredMaintenanceWindow: 'sun:04:00-sun:04:30' });
    expect(rds.mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { MonitoringInterval: 30 });
    expect(rds.instance).toMatchObject({ MonitoringInterval: 30, PerformanceInsightsEnabled: true, MaxAllocatedStorage: 1000 });
  });

  it('captures y as it is after a clean run, so an operator\'s change to y is kept', async () => {
    const ctx = await world.setup();
    await night(ctx, 0);
    rds.instance!.DBInstanceClass = 'db.r6g.xlarge';
    const next = await night(ctx, 1);
    expect(next.desired).toMatchObject({ instanceClass: 'db.r6g.xlarge' });
    expect(next.checks.find((c) => c.id === 'desired-settings')?.detail).toContain('left it fully configured');
  });
});
