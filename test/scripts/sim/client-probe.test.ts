/**
 * The SQL probe in the simulated account (scripts/sim/client-probe.ts): real PostgreSQL servers (PGlite over the wire
 * protocol) behind y while it serves, queried through y's simulated DNS name every 5 simulated seconds around each
 * nightly refresh, and the failed seconds recorded on the run as clientDowntimeSeconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from '../../../lambdas/reporting/measures';
import type { FaultSpec } from '../../../scripts/sim/world';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const Y = 'orders-staging';

async function night(faults: FaultSpec[] = [], engine?: 'aurora-postgresql') {
  const sim = await Simulation.create({ config, seed: 7, faults, probe: true, ...(engine ? { engine } : {}) });
  try {
    await sim.runNights(1);
    return { sim, runs: await sim.history(Y) };
  } finally {
    await sim.close();
  }
}

describe('the SQL probe of the simulated account', () => {
  it('probe: a delete-first night is seen by clients as down from the delete until the restored y serves, recorded on the run', async () => {
    const { runs } = await night();
    const run = runs[0]!;
    expect(run.status).toBe('succeeded');
    const down = measure(run).downtimeSeconds!;
    // Clients fail from the delete (y refuses connections, then its name is gone) until the restored y answers: the
    // window's length to within one probe interval on each side.
    expect(run.clientDowntimeSeconds).toBeGreaterThanOrEqual(down - 10);
    expect(run.clientDowntimeSeconds).toBeLessThanOrEqual(down + 10);
  });

  it("probe: an Aurora night is seen through the cluster's writer endpoint: down from the delete until the new writer serves", async () => {
    const { runs } = await night([], 'aurora-postgresql');
    const run = runs[0]!;
    expect(run.status).toBe('succeeded');
    const down = measure(run).downtimeSeconds!;
    expect(run.clientDowntimeSeconds).toBeGreaterThanOrEqual(down - 10);
    expect(run.clientDowntimeSeconds).toBeLessThanOrEqual(down + 10);
  });

  it('probe: a refused night leaves y serving: zero seconds of client-seen downtime on the refused run', async () => {
    const { runs } = await night([{ name: 'no-snapshot' }]);
    expect(runs.map((r) => [r.status, r.clientDowntimeSeconds])).toEqual([['refused', 0]]);
  });

  it("probe: a drill refused during the night's run does not end the window: the nightly run gets its figure", async () => {
    const { runs } = await night([{ name: 'second-start' }]);
    const scheduled = runs.find((r) => r.trigger === 'schedule');
    const drill = runs.find((r) => r.trigger === 'drill');
    expect(drill?.status).toBe('refused');
    expect(drill?.clientDowntimeSeconds).toBeUndefined();
    expect(scheduled?.clientDowntimeSeconds).toBeGreaterThan(600);
  });
});

describe("the simulated servers follow instances, not names", () => {
  it('dns-switch reuses its two slots night after night: a slot deleted and restored again serves its new data, so every night validates', async () => {
    // Night 3 restores <y>-a again, deleted after night 2's switch: a new instance under an old name (another
    // DbiResourceId), whose server must hold night 3's snapshot, not night 1's (whose data would fail the age check).
    const sim = await Simulation.create({ config, seed: 7, mode: 'dns-switch', probe: false });
    try {
      await sim.runNights(3);
      const runs = await sim.history(Y);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(runs.map((r) => r.copyId)).toEqual([`${Y}-a`, `${Y}-b`, `${Y}-a`]);
    } finally {
      await sim.close();
    }
  });
});
