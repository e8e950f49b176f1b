/**
 * The source mode `backup-replication` on the simulated account: y is restored from x's automated
 * backups replicated into y's region, to their latest restorable time, night after night; a stalled
 * replication is refused before y is touched. Virtual time: nothing waits for real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from '../../../lambdas/reporting/measures';
import { LINEAGE_TAGS } from '../../../lambdas/targets/instance/settings';
import { REPLICATED_BACKUP } from '../../../lambdas/sources/snapshots';
import type { SimulationOptions } from '../../../scripts/sim/world';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const X = 'orders-prod';
const Y = 'orders-staging';
const replicated = { source: { instanceId: X, region: 'eu-west-1', mode: 'backup-replication' } };

async function withSim<T>(options: Partial<SimulationOptions>, body: (sim: Simulation) => Promise<T>): Promise<T> {
  const sim = await Simulation.create({ config, seed: 11, start: new Date('2026-11-16T12:00:00Z'), pairOverrides: replicated, ...options });
  try {
    return await body(sim);
  } finally {
    await sim.close();
  }
}

describe('backup-replication mode in the simulation', () => {
  it('restores y every night to the latest restorable time of the replicated backups, with minutes-old data', async () => {
    await withSim({}, async (sim) => {
      await sim.runNights(3);
      const runs = await sim.history(Y);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      for (const run of runs) {
        expect(run.snapshot).toMatchObject({ type: REPLICATED_BACKUP, id: expect.stringMatching(new RegExp(`^${X}@`)) as unknown });
        // Restored to at most five minutes before the restore request, so the data is as old as the restore took, not a day.
        const restoreTime = Date.parse(run.snapshot!.dataTime!);
        expect(Date.parse(run.restoreRequestedAt!) - restoreTime).toBeLessThanOrEqual(5 * 60_000);
        expect(measure(run).dataAgeSeconds).toBeLessThan(measure(run).restoreSeconds! + 6 * 60);
      }
      const restores = sim.rds.calls.filter((c) => c.command.startsWith('Restore') && c.outcome === 'ok');
      expect(restores.map((c) => c.command)).toEqual(Array(3).fill('RestoreDBInstanceToPointInTimeCommand'));
      expect(restores.map((c) => (c.input.RestoreTime as Date).toISOString())).toEqual(runs.map((r) => r.snapshot!.dataTime));
      const y = sim.rds.instances.get(Y);
      expect(y?.TagList).toEqual(expect.arrayContaining([{ Key: LINEAGE_TAGS.sourceSnapshot, Value: runs[2]!.snapshot!.id }, { Key: 'team', Value: 'platform' }]));
      expect(y?.DBInstanceClass).toBe('db.r6g.large');
      expect(sim.notified('refresh.succeeded')).toHaveLength(3);
    });
  });

  it('refuses, leaving y untouched, when the replication stalled', async () => {
    await withSim({ faults: [{ name: 'replication-stalled', night: 2 }] }, async (sim) => {
      await sim.runNights(2);
      const runs = await sim.history(Y);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'refused']);
      expect(runs[1]?.reason).toContain('over backupReplication.maxLagMinutes (30)');
      expect(sim.rds.calls.filter((c) => c.command === 'DeleteDBInstanceCommand')).toHaveLength(1);
      expect(sim.rds.instances.get(Y)?.DBInstanceStatus).toMatch(/available|backing-up/);
      expect(sim.notified('refresh.refused')).toHaveLength(1);
    });
  });
});
