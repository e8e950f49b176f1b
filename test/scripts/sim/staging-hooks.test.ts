/**
 * Staging safety in the simulated account (issue 17), with the example config (infra/examples/staging-safety/): after
 * each restore the pair's SQL runner runs the masking, grants and validation SQL on y's real PostgreSQL (PGlite over
 * the wire), while y is isolated; y gets its own network settings only when they passed; y's parameter group makes
 * ordinary sessions read-only. A failing hook fails the run naming it and leaves y isolated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPostgres } from '../../../lambdas/aws/postgres';
import type { FaultSpec } from '../../../scripts/sim/world';
import { Simulation } from '../../../scripts/sim/world';

const ROOT = join(__dirname, '../../..');
const config = (JSON.parse(readFileSync(join(ROOT, 'infra/examples/staging-safety/cdk.json'), 'utf8')) as { context: { replicaRefresh: { pairs: { staging: { isolationSecurityGroupId: string } }[] } } }).context.replicaRefresh;
const Y = 'orders-staging';
const ISOLATION = config.pairs[0]!.staging.isolationSecurityGroupId;

async function withNights<T>(nights: number, faults: FaultSpec[], look: (sim: Simulation) => Promise<T>, options: { probe?: boolean } = {}): Promise<T> {
  const sim = await Simulation.create({ config, seed: 3, faults, probe: options.probe ?? false });
  try {
    await sim.runNights(nights);
    return await look(sim);
  } finally {
    await sim.close();
  }
}

/** A session on y's simulated server, as a developer would open one (no TLS: PGlite has none). */
async function sessionOnY(sim: Simulation) {
  await sim.probes!.sync();
  const port = sim.probes!.servers.endpoint(Y)?.port;
  if (!port) throw new Error('y has no running server');
  return openPostgres({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ssl: false, timeoutMs: 5000 });
}

describe('staging hooks in the simulated account', () => {
  it('mask: every night the example masks y, grants the developer role and validates, and y serves only then, read-only', async () => {
    await withNights(2, [], async (sim) => {
      const runs = await sim.history(Y);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      for (const run of runs) {
        expect(run.hooks?.map((h) => [h.name.split('/').at(-1), h.status])).toEqual([
          ['connect', 'ok'],
          ['10-mask.sql', 'ok'],
          ['20-grants.sql', 'ok'],
          ['90-validate-counts.sql', 'ok'],
          ['91-validate-no-unmasked-email.sql', 'ok'],
        ]);
        // y got its own network settings only once the hooks had passed.
        expect(Date.parse(run.hooksPassedAt!)).toBeGreaterThanOrEqual(Date.parse(run.usableAt!));
      }
      const y = sim.rds.instances.get(Y)!;
      expect(y.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).not.toContain(ISOLATION);
      expect(y.DBParameterGroups?.[0]?.DBParameterGroupName).toBe('replica-refresh-read-only-postgres16');
      const session = await sessionOnY(sim);
      try {
        const { rows } = await session.query("select count(*)::int as n, count(*) filter (where email like '%@example.invalid')::int as masked, count(*) filter (where full_name like 'Customer %')::int as renamed from customers");
        expect(rows[0]).toEqual({ n: 8, masked: 8, renamed: 8 });
      } finally {
        await session.close();
      }
    });
  });

  it('default_transaction_read_only: an ordinary session on the refreshed y cannot write (SQLSTATE 25006)', async () => {
    await withNights(1, [], async (sim) => {
      const session = await sessionOnY(sim);
      try {
        await expect(session.query("insert into customers (id, email, full_name, created_at) values (99, 'x@example.invalid', 'X', now())")).rejects.toMatchObject({ code: '25006' });
        expect((await session.query('show default_transaction_read_only')).rows[0]).toEqual({ default_transaction_read_only: 'on' });
      } finally {
        await session.close();
      }
    });
  });

  it('with hook-fails on night 2: night 2 fails naming the hook and y stays isolated; night 3 succeeds and opens y again', async () => {
    await withNights(2, [{ name: 'hook-fails', night: 2 }], async (sim) => {
      const [, failed] = await sim.history(Y);
      expect(failed?.status).toBe('failed');
      expect(failed?.reason).toMatch(/^staging hook infra\/examples\/staging-safety\/sql\/10-mask\.sql failed: column "no_such_column" does not exist/);
      expect(failed?.reason).toMatch(/kept isolated/);
      expect(failed?.hooks?.map((h) => h.status)).toEqual(['ok', 'failed', 'skipped', 'skipped', 'skipped']);
      const y = sim.rds.instances.get(Y)!;
      expect(y.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([ISOLATION]);
      expect(y.PubliclyAccessible).toBe(false);
      // runNights counts from the simulation's start: on to the end of night 3.
      await sim.runNights(3);
      const third = (await sim.history(Y))[2];
      expect(third?.status).toBe('succeeded');
      expect(sim.rds.instances.get(Y)!.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).not.toContain(ISOLATION);
    });
  });

  it("clients cannot reach an isolated y: the probe's failed seconds run on through the hooks, and past a failed night's close", async () => {
    await withNights(
      2,
      [{ name: 'hook-fails', night: 2 }],
      async (sim) => {
        const [good, failed] = await sim.history(Y);
        const seconds = (from?: string, to?: string) => (Date.parse(to!) - Date.parse(from!)) / 1000;
        // Night 1: clients lose y when its deletion starts and get it back once its hooks passed, not when it became
        // usable (the probe queries every 5 s; the hooks take longer than that).
        expect(good?.status).toBe('succeeded');
        expect(seconds(good?.usableAt, good?.hooksPassedAt)).toBeGreaterThan(10);
        expect(good?.clientDowntimeSeconds).toBeGreaterThanOrEqual(seconds(good?.deleteRequestedAt, good?.hooksPassedAt) - 5);
        expect(good?.clientDowntimeSeconds).toBeLessThanOrEqual(seconds(good?.deleteRequestedAt, good?.hooksPassedAt) + 5);
        // Night 2: y stays isolated after the failed hook, so every query failed until the probe's window ended
        // (a minute after the run closed), not only until y became usable.
        expect(failed?.status).toBe('failed');
        expect(failed?.clientDowntimeSeconds).toBeGreaterThan(seconds(failed?.deleteRequestedAt, failed?.closedAt));
      },
      { probe: true },
    );
  });
});
