/**
 * A pair's id is apart from the instance it manages: the ledger, the metrics, the schedule's input and the
 * notifications know the replica by its id, while RDS calls and RDS events use y's instance identifier.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINEAGE_TAGS } from '../../../lambdas/targets/instance/settings';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;

describe('pair identity in the simulation', () => {
  it('keys the ledger and the metrics by the pair id and acts on y by its instance identifier', async () => {
    const sim = await Simulation.create({ config, seed: 7, pairOverrides: { id: 'orders' } });
    try {
      await sim.runNights(1);
      const y = sim.pairs[0]!.replica.identifier;
      expect(y).toBe('orders-staging');
      const runs = await sim.history('orders');
      expect(runs.map((r) => [r.replicaId, r.status])).toEqual([['orders', 'succeeded']]);
      expect(await sim.history(y)).toEqual([]);
      // RDS deleted and restored the instance itself, which carries the run's lineage.
      expect(sim.rds.instances.get(y)?.TagList?.find((t) => t.Key === LINEAGE_TAGS.runId)?.Value).toBe(runs[0]!.runId);
      expect(sim.telemetry.total('RefreshSucceeded', { replica: 'orders' })).toBe(1);
      expect(sim.telemetry.metrics.filter((m) => m.dimensions.replica === y)).toEqual([]);
      const replicas = sim.notifications.messages.map((m) => m.attributes.replica).filter((r) => r !== undefined);
      expect(replicas.length).toBeGreaterThan(0);
      expect(new Set(replicas)).toEqual(new Set(['orders']));
    } finally {
      await sim.close();
    }
  });
});
