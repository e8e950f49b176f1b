/**
 * Issue 13 end to end, on the simulated account: a bad night is followed by a night (or the same day) that puts
 * everything back as it was, and the simulation's own faults behave on consecutive nights.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultSpec } from '../../../scripts/sim/world';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const Y = 'orders-staging';

async function simulate(nights: number, faults: FaultSpec[]) {
  const sim = await Simulation.create({ config, seed: 7, faults });
  const before = structuredClone(sim.rds.instances.get(Y));
  try {
    await sim.runNights(nights);
    return { sim, before, runs: await sim.history(Y), active: await sim.activeRun(Y), y: sim.rds.instances.get(Y) };
  } finally {
    await sim.close();
  }
}

/** The settings a restore resets and the post-restore changes bring back, as RDS reports them. */
function kept(db: ReturnType<Simulation['rds']['instances']['get']>) {
  return {
    instanceClass: db?.DBInstanceClass,
    maintenance: db?.PreferredMaintenanceWindow,
    monitoring: db?.MonitoringInterval,
    performanceInsights: db?.PerformanceInsightsEnabled,
    maxAllocatedStorage: db?.MaxAllocatedStorage,
    parameterGroup: db?.DBParameterGroups?.[0]?.DBParameterGroupName,
  };
}

describe('self-healing', () => {
  it('a restore that fails for good on night 1: the watchdog heals y the same day, and every later night succeeds', async () => {
    const { sim, runs, active, y, before } = await simulate(4, [{ name: 'restore-capacity-persistent', night: 1 }]);
    expect(active).toBeUndefined();
    const first = runs.find((r) => r.trigger === 'schedule');
    expect(first?.status).toBe('failed');
    const heal = runs.find((r) => r.trigger === 'heal' && r.status === 'succeeded');
    // Each heal names the run whose deletion it heals; the chain leads back to the night that deleted y.
    let healed = heal;
    while (healed?.trigger === 'heal') healed = runs.find((r) => r.runId === healed?.healsRunId);
    expect(healed?.runId).toBe(first?.runId);
    // Healed before night 2's refresh (night 2 starts at midday of the 17th; its refresh at 03:00 on the 18th).
    expect(Date.parse(heal!.usableAt!)).toBeLessThan(Date.parse('2026-11-18T02:00:00Z'));
    const nightly = runs.filter((r) => r.trigger === 'schedule');
    expect(nightly.map((r) => r.status)).toEqual(['failed', 'succeeded', 'succeeded', 'succeeded']);
    expect(nightly.slice(1).every((r) => (r.drift ?? []).length === 0)).toBe(true);
    expect(kept(y)).toEqual(kept(before));
    // The failure's alert named the run that deleted y and what comes next.
    const [failed] = sim.notified('refresh.failed');
    expect(failed?.message).toContain(`this run deleted it`);
  });

  it('manual deletion on seven consecutive nights runs to the end: alerted, refused, never crashing the simulation', async () => {
    const { sim, runs, y } = await simulate(7, [{ name: 'manual-deletion' }]);
    expect(y).toBeUndefined();
    // Deleted by hand on night 1 (before its refresh); from then on there is nothing to delete, and every nightly run is refused.
    expect(sim.rds.calls.filter((c) => c.command === 'DeleteDBInstanceCommand')).toHaveLength(0);
    expect(runs.filter((r) => r.trigger === 'schedule').map((r) => r.status)).toEqual(Array(7).fill('refused'));
    expect(sim.notified('replica.deleted-outside-run')).toHaveLength(1);
    // A simulated week: about 2,000 watchdog passes on dynalite (about 25 s on 2 cores, more under load).
  }, 180_000);

  it('desired settings: a run that fails after the restore, before the settings, is followed by a night that restores y with the original settings; drift shows on the failed night only', async () => {
    const { runs, y, before } = await simulate(3, [{ name: 'fail-after-restore', night: 1 }]);
    const nightly = runs.filter((r) => r.trigger === 'schedule');
    expect(nightly.map((r) => r.status)).toEqual(['failed', 'succeeded', 'succeeded']);
    expect(nightly[0]?.reason).toContain('incompatible-parameters');
    // The failed night's drift: what the restore could not set and the post-restore changes never applied.
    expect(nightly[0]?.drift?.map((d) => d.setting)).toEqual(expect.arrayContaining(['monitoringInterval', 'performanceInsightsEnabled', 'preferredMaintenanceWindow', 'maxAllocatedStorage']));
    expect(nightly[1]?.drift).toEqual([]);
    expect(nightly[2]?.drift).toEqual([]);
    // Night 2 restored with the settings night 1 meant to restore, not the degraded y's, and replaced the failed y without a final snapshot.
    expect(nightly[1]?.desired).toEqual(nightly[0]?.desired);
    expect(nightly[1]?.checks).toContainEqual(expect.objectContaining({ id: 'replica-deletable', ok: true, detail: expect.stringContaining(`left it when its restore failed`) as unknown }));
    expect(kept(y)).toEqual(kept(before));
  });

  it('a fault that acts on no simulated pair is refused, naming the pair and what the fault needs', async () => {
    await expect(Simulation.create({ config, seed: 7, faults: [{ name: 'replication-stalled' }] })).rejects.toThrow(
      'fault "replication-stalled" acts on pairs with source.mode "backup-replication", and no pair simulated is one: orders-staging (source.mode "snapshot-copy")',
    );
  });
});
