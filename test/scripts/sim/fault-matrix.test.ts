/**
 * The end-to-end fault matrix: the real handlers on the simulated account, one row per fault. Every
 * row ends with y usable and the run recorded with true timestamps, or y untouched and an alert; never
 * y missing with nobody told, never a run lost from the ledger.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from '../../../lambdas/reporting/measures';
import type { RunRecord } from '../../../lambdas/kernel/model';
import type { FaultSpec, SimulationOptions } from '../../../scripts/sim/world';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const Y = 'orders-staging';

async function simulate(nights: number, faults: FaultSpec[], extra: Partial<SimulationOptions> = {}) {
  const sim = await Simulation.create({ config, seed: 7, faults, ...extra });
  const before = sim.rds.instances.get(Y);
  try {
    await sim.runNights(nights);
    return { sim, before, runs: await sim.history(Y), active: await sim.activeRun(Y), y: sim.rds.instances.get(Y) };
  } finally {
    await sim.close();
  }
}

/** y serves and the run's times are in order and consistent with what RDS did. */
function expectRestored(run: RunRecord | undefined, y: ReturnType<Simulation['rds']['instances']['get']>, drift: string[] = []) {
  expect(run?.status).toBe('succeeded');
  expect(run?.drift?.map((d) => d.setting)).toEqual(drift);
  expect(['backing-up', 'available']).toContain(y?.DBInstanceStatus);
  expect(y?.TagList).toContainEqual({ Key: 'replica-refresh:run-id', Value: run?.runId });
  const m = measure(run!);
  expect(m.downtimeSeconds).toBeGreaterThan(0);
  expect(m.restoreSeconds).toBeGreaterThan(0);
  expect(m.restoreSeconds!).toBeLessThanOrEqual(m.downtimeSeconds!);
  expect(m.dataAgeSeconds!).toBeGreaterThan(m.downtimeSeconds!);
  // RDS created the new y after the restore request and before it was usable.
  expect(y?.InstanceCreateTime?.getTime()).toBeGreaterThanOrEqual(Date.parse(run!.restoreRequestedAt!));
  expect(y?.InstanceCreateTime?.getTime()).toBeLessThanOrEqual(Date.parse(run!.usableAt!));
}

/** The project's own notifications (CloudWatch's alarm notifications to the same topic left out). */
function kinds(sim: Simulation): string[] {
  return sim.notified().filter((m) => m.attributes.source !== 'cloudwatch-alarm').map((m) => m.attributes.kind ?? '');
}

describe('fault matrix', () => {
  it('no fault: a week of nights, each restored, measured and notified', async () => {
    const { sim, runs, active, y } = await simulate(7, []);
    expect(runs).toHaveLength(7);
    for (const run of runs) expect(run.status).toBe('succeeded');
    expectRestored(runs.at(-1), y);
    expect(active).toBeUndefined();
    expect(kinds(sim)).toEqual(Array(7).fill('refresh.succeeded'));
    expect(sim.rds.calls.filter((c) => c.command === 'RestoreDBInstanceFromDBSnapshotCommand')).toHaveLength(7);
  });

  it('every event delivered three times: one restore, one close, one notification', async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'duplicate-events' }]);
    expectRestored(runs[0], y);
    expect(sim.rds.calls.filter((c) => c.command === 'RestoreDBInstanceFromDBSnapshotCommand')).toHaveLength(1);
    expect(sim.onRdsEvent.invocations.length).toBeGreaterThanOrEqual(9);
    expect(kinds(sim)).toEqual(['refresh.succeeded']);
  });

  it('events out of order', async () => {
    const { sim, runs, y } = await simulate(2, [{ name: 'reorder-events' }]);
    for (const run of runs) expect(run.status).toBe('succeeded');
    expectRestored(runs.at(-1), y);
    expect(sim.rds.calls.filter((c) => c.command === 'RestoreDBInstanceFromDBSnapshotCommand')).toHaveLength(2);
  });

  it('30% of RDS calls throttled: the SDK retries them and the night completes', async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'throttle' }], { seed: 3 });
    expect(sim.rds.calls.filter((c) => c.outcome === 'Throttling').length).toBeGreaterThan(0);
    expectRestored(runs[0], y);
  });

  it('a deletion event that never arrives: the watchdog restores y', async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'lost-deletion-event' }]);
    expectRestored(runs[0], y);
    expect(runs[0]).toMatchObject({ deletedSource: 'poll' });
    expect(sim.telemetry.total('DeletionEventMissed', { replica: Y })).toBe(1);
  });

  it('the restore failing for capacity: retried with backoff in any zone, then restored', async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'restore-capacity' }]);
    // The retries let RDS choose the zone, and the notification says y moved.
    expectRestored(runs[0], y, ['availabilityZone']);
    expect(runs[0]).toMatchObject({ restoreAttempts: 3 });
    expect(runs[0]?.errors.filter((e) => e.includes('InsufficientDBInstanceCapacityFault'))).toHaveLength(2);
    expect(sim.rds.calls.filter((c) => c.command === 'RestoreDBInstanceFromDBSnapshotCommand').map((c) => c.outcome)).toEqual(['InsufficientDBInstanceCapacityFault', 'InsufficientDBInstanceCapacityFault', 'ok']);
  });

  it('the restore failing for capacity every time: it retries, then fails the run and alerts', async () => {
    const { sim, runs, active } = await simulate(1, [{ name: 'restore-capacity-persistent' }]);
    expect(runs[0]).toMatchObject({ status: 'failed', restoreAttempts: 5 });
    expect(active).toBeUndefined();
    const [alert] = sim.notified('refresh.failed');
    expect(alert?.attributes.severity).toBe('alert');
    expect(alert?.message).toContain(`${Y} DOES NOT EXIST`);
  });

  it("no capacity for a day: the night's restore and the watchdog's heals fail, then the next night heals y, one row from the first delete", async () => {
    const { sim, runs, y } = await simulate(2, [{ name: 'capacity-outage', night: 1 }]);
    const oldestFirst = runs;
    const [night1] = oldestFirst;
    expect(night1).toMatchObject({ trigger: 'schedule', status: 'failed' });
    const heals = oldestFirst.filter((r) => r.trigger === 'heal');
    // The watchdog's heals during the outage failed; the one after 01:00 UTC (the next night's schedule) brought y back.
    expect(heals.slice(0, -1).every((r) => r.status === 'failed')).toBe(true);
    const healed = heals.at(-1);
    expect(healed?.status).toBe('succeeded');
    expect(Date.parse(healed!.restoreRequestedAt!)).toBeGreaterThanOrEqual(Date.parse('2026-11-18T01:00:00Z'));
    expect(['backing-up', 'available']).toContain(y?.DBInstanceStatus);
    expect(y?.TagList).toContainEqual({ Key: 'replica-refresh:run-id', Value: healed?.runId });
    // Restored from the newest snapshot (the next night's), so its data is younger than the outage is long.
    expect(healed?.snapshot?.id).toBe('orders-prod-2026-11-18-00-10');
    // The outage is one window: from night 1's delete to y usable again, about a day.
    expect(healed?.deleteRequestedAt).toBe(night1?.deleteRequestedAt);
    expect(measure(healed!).downtimeSeconds).toBeGreaterThan(23 * 3600);
    expect(kinds(sim)).toEqual(expect.arrayContaining(['refresh.failed', 'replica.healing', 'refresh.succeeded']));
  });

  it('no snapshot of x in the replica region: refused, y untouched, alert', async () => {
    const { sim, runs, before, y } = await simulate(1, [{ name: 'no-snapshot' }]);
    expect(runs).toEqual([expect.objectContaining({ status: 'refused' })]);
    expect(y?.DbiResourceId).toBe(before?.DbiResourceId);
    expect(y?.DBInstanceStatus).toBe('available');
    expect(sim.rds.calls.filter((c) => c.command === 'DeleteDBInstanceCommand')).toHaveLength(0);
    expect(kinds(sim)).toEqual(['refresh.refused']);
  });

  it('no snapshot two nights running: once no refresh has succeeded within noSuccessWithinHours, the no-success alarm names the replica and one alert goes out; the next good night clears both', async () => {
    const { sim, runs } = await simulate(3, [
      { name: 'no-snapshot', night: 1 },
      { name: 'no-snapshot', night: 2 },
    ]);
    expect(runs.map((r) => r.status)).toEqual(['refused', 'refused', 'succeeded']);
    // 26 h after the first refusal (nothing had succeeded since), before the third night's success.
    const overdueFrom = Date.parse(runs[0]!.startedAt) + 26 * 3_600_000;
    const noSuccess = sim.alarms.filter((a) => a.name === 'replica-refresh-eu-central-1-no-success');
    expect(noSuccess.map((a) => a.contributor?.replica ?? '(alarm)').sort()).toEqual(['(alarm)', Y]);
    for (const a of noSuccess) expect(a.time.getTime()).toBeGreaterThanOrEqual(overdueFrom);
    expect(noSuccess[0]!.time.getTime()).toBeLessThan(overdueFrom + 10 * 60_000);
    expect(kinds(sim).filter((k) => k === 'replica.no-success')).toHaveLength(1);
    // The success closed the episode: the watchdog stopped reporting and the contributor went back to OK.
    expect(sim.cloudwatch.contributors('replica-refresh-eu-central-1-no-success')).toEqual([]);
    expect(sim.cloudwatch.state('replica-refresh-eu-central-1-no-success')).toBe('OK');
    expect(sim.telemetry.metrics.filter((m) => m.name === 'SuccessOverdue').every((m) => m.time.getTime() < Date.parse(runs[2]!.closedAt!) + 5 * 60_000)).toBe(true);
    // Each refusal raised the refused alarm for the replica.
    expect(sim.alarms.filter((a) => a.name === 'replica-refresh-eu-central-1-refused' && a.contributor?.replica === Y)).toHaveLength(2);
  });

  it('the newest snapshot still copying: the newest available one is used', async () => {
    const { runs, y } = await simulate(1, [{ name: 'newest-copying' }]);
    expectRestored(runs[0], y);
    // Last night's copy was still copying: the one from the night before is used.
    expect(runs[0]?.snapshot?.id).toBe('orders-prod-2026-11-16-00-10');
    expect(runs[0]?.plannedSnapshot?.id).toBe('orders-prod-2026-11-16-00-10');
  });

  it('the newest snapshot still copying, with config saying refuse: refused, y untouched, alert', async () => {
    const { sim, runs, before, y } = await simulate(1, [{ name: 'newest-copying' }], { pairOverrides: { whenNewestSnapshotNotReady: 'refuse' } });
    expect(runs).toEqual([expect.objectContaining({ status: 'refused', reason: expect.stringContaining('is copying') as unknown })]);
    expect(y?.DbiResourceId).toBe(before?.DbiResourceId);
    expect(kinds(sim)).toEqual(['refresh.refused']);
  });

  it("the account's 5 cross-region copies in flight taken by others: tonight's copy waits in the delay queue, lands before the refresh and is restored", async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'copy-quota-5' }]);
    expectRestored(runs[0], y);
    expect(runs[0]?.snapshot?.id).toBe('orders-prod-2026-11-17-00-10');
    expect(sim.deferQueue?.sent.length).toBeGreaterThan(0);
    expect(sim.rds.copyHighWater).toBe(5);
    // Config allows 20 in flight: RDS refuses the copy while the account's 5 are taken, the function waits and tries again.
    const copies = sim.rds.calls.filter((c) => c.command === 'CopyDBSnapshotCommand').map((c) => c.outcome);
    expect(copies.at(-1)).toBe('ok');
    expect(new Set(copies.slice(0, -1))).toEqual(new Set(['SnapshotQuotaExceededFault']));
    expect(kinds(sim)).toEqual(['refresh.succeeded']);
  });

  it("x's snapshot events lost: the hourly sweep copies tonight's snapshot in time for the refresh", async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'lost-snapshot-events' }]);
    expectRestored(runs[0], y);
    expect(runs[0]?.snapshot?.id).toBe('orders-prod-2026-11-17-00-10');
    const copiedBy = (sim.copySnapshot?.invocations ?? []).filter((i) => ((i.result ?? []) as { outcome: { action: string } }[]).some((o) => o.outcome.action === 'copied')).map((i) => i.event);
    expect(copiedBy).toEqual([{ trigger: 'sweep' }]);
    expect(sim.copySnapshot?.invocations.filter((i) => (i.event as { source?: string }).source === 'aws.rds')).toEqual([]);
  });

  it('start-refresh crashing after DeleteDBInstance: the deletion event carries the run on, and the crash alarms', async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'crash-after-delete' }]);
    expectRestored(runs[0], y);
    expect(runs[0]).toMatchObject({ deleteRequestedEstimated: true, deleteRequestedAt: runs[0]?.preflightFinishedAt });
    expect(sim.deadLetters.map((d) => d.function)).toEqual(['start-refresh']);
  });

  it('on-rds-event failing all its retries: the DLQ and alarm fire, then the watchdog restores y', async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'on-event-fails' }]);
    expect(sim.deadLetters.filter((d) => d.function === 'on-rds-event').length).toBeGreaterThan(0);
    // The stack's failure-queue and function-error alarms of on-rds-event, evaluated on the simulated metrics.
    expect(sim.alarms.map((a) => a.name)).toEqual(expect.arrayContaining([expect.stringMatching(/OnRdsEventFailureQueueAlarm/), expect.stringMatching(/OnRdsEventErrorsAlarm/)]) as unknown);
    expectRestored(runs[0], y);
    expect(runs[0]).toMatchObject({ deletedSource: 'poll', usableSource: 'poll' });
  });

  it('a second start while a run is active: refused, the first run completes', async () => {
    const { sim, runs, y } = await simulate(1, [{ name: 'second-start' }]);
    expect(runs.map((r) => `${r.trigger}:${r.status}`).sort()).toEqual(['drill:refused', 'schedule:succeeded']);
    expectRestored(runs.find((r) => r.trigger === 'schedule'), y);
    expect(sim.rds.calls.filter((c) => c.command === 'DeleteDBInstanceCommand')).toHaveLength(1);
  });

  it('y deleted by hand outside any run: alerted, not restored, by default', async () => {
    const { sim, y } = await simulate(2, [{ name: 'manual-deletion', night: 2 }]);
    expect(y).toBeUndefined();
    expect(kinds(sim)).toContain('replica.deleted-outside-run');
    // The nightly refresh that follows has no y to refresh: refused, with its own alert.
    expect(kinds(sim)).toContain('refresh.refused');
  });

  it('y deleted by hand outside any run, with restoreUnmanagedDeletions: restored with its captured settings', async () => {
    const { sim, runs, y } = await simulate(2, [{ name: 'manual-deletion', night: 2 }], { pairOverrides: { restoreUnmanagedDeletions: true } });
    const recovery = runs.find((r) => r.trigger === 'unmanaged-deletion');
    expect(recovery).toMatchObject({ status: 'succeeded', drift: [] });
    expect(kinds(sim)).toContain('replica.deleted-outside-run');
    expect(['backing-up', 'available']).toContain(y?.DBInstanceStatus);
    expect(y?.DBInstanceClass).toBe('db.r6g.large');
  });
});
