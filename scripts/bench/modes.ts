/**
 * Section 7 of the benchmark: the three refresh modes side by side on the same simulated nights (same seed, same
 * snapshots, same RDS timings), each with the SQL probe measuring what clients saw. Per mode: the downtime window the
 * run records, the client-seen downtime, the restore time, the extra instance-hours (time with a second instance of
 * the pair, sampled every simulated minute: the cost of keeping y up), and the RDS calls per night.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure } from '../../lambdas/reporting/measures';
import type { RefreshMode } from '../../lambdas/refresh/strategies/strategy';
import { Simulation } from '../sim/world';
import { round, summarise } from './stats';

/** One mode's figures (medians over its succeeded runs; per night over all nights). */
export interface ModeFigures {
  mode: RefreshMode;
  nights: number;
  succeeded: number;
  downtimeS: number;
  clientDowntimeS: number;
  restoreS: number;
  /** Hours a night during which the pair had more than one instance (a copy beside y, an old y kept). */
  extraInstanceHoursPerNight: number;
  rdsCallsPerNight: number;
  /** RDS calls per night by operation, for what differs between modes. */
  rdsCallsByOperation: Record<string, number>;
}

/** Section 7's result. */
export interface ModesResult {
  method: string;
  modes: ModeFigures[];
  /** The goals: dns-switch's median client-seen downtime under 30 s; rename-swap's at most 10% of delete-first's. */
  goals: { dnsSwitchUnder30s: boolean; renameSwapRatio: number; renameSwapWithin10Percent: boolean };
}

export const MODES: readonly RefreshMode[] = ['delete-first', 'rename-swap', 'dns-switch'];

/** Runs `nights` nights per mode and returns the figures side by side. */
export async function measureModes(opts: { nights: number; seed?: number; log?: (line: string) => void }): Promise<ModesResult> {
  const log = opts.log ?? (() => undefined);
  const cdk = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } };
  const modes: ModeFigures[] = [];
  for (const mode of MODES) {
    const sim = await Simulation.create({ config: cdk.context.replicaRefresh, seed: opts.seed ?? 42, probe: true, mode });
    try {
      const pair = sim.pairs[0]!;
      const y = pair.replica.identifier;
      // The pair's instances, counted every simulated minute: y, and whatever the mode runs beside it.
      let extraMinutes = 0;
      const end = sim.clock.millis + opts.nights * 86_400_000;
      const sample = (at: number): void =>
        sim.clock.at(at, 'bench: count the pair\'s instances', () => {
          const mine = [...sim.rds.instances.values()].filter((db) => (db.DBInstanceIdentifier ?? '').startsWith(y) && db.DBInstanceStatus !== 'deleting' && db.DBInstanceStatus !== 'stopped');
          extraMinutes += Math.max(0, mine.length - 1);
          if (at + 60_000 < end) sample(at + 60_000);
        });
      sample(sim.clock.millis + 60_000);
      await sim.runNights(opts.nights);
      const runs = (await sim.history(pair.id)).filter((r) => r.status === 'succeeded');
      if (runs.length === 0) throw new Error(`bench: no ${mode} refresh succeeded in the simulation`);
      const byOperation: Record<string, number> = {};
      for (const call of sim.rds.calls) byOperation[call.command.replace(/Command$/, '')] = (byOperation[call.command.replace(/Command$/, '')] ?? 0) + 1;
      const med = (values: number[]) => round(summarise(values).p50, 1);
      modes.push({
        mode,
        nights: opts.nights,
        succeeded: runs.length,
        downtimeS: med(runs.map((r) => measure(r).downtimeSeconds ?? 0)),
        clientDowntimeS: med(runs.map((r) => r.clientDowntimeSeconds ?? Number.NaN)),
        restoreS: med(runs.map((r) => measure(r).restoreSeconds ?? 0)),
        extraInstanceHoursPerNight: round(extraMinutes / 60 / opts.nights, 2),
        rdsCallsPerNight: round(sim.rds.calls.length / opts.nights, 1),
        rdsCallsByOperation: Object.fromEntries(Object.entries(byOperation).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => [k, round(n / opts.nights, 1)])),
      });
      log(`  modes: ${mode}, ${runs.length} of ${opts.nights} nights succeeded`);
    } finally {
      await sim.close();
    }
  }
  const of = (m: RefreshMode) => modes.find((f) => f.mode === m)!;
  const ratio = of('delete-first').clientDowntimeS > 0 ? of('rename-swap').clientDowntimeS / of('delete-first').clientDowntimeS : Number.NaN;
  return {
    method:
      `${opts.nights} simulated nights per mode of the pair in cdk.json (seed ${opts.seed ?? 42}, default RDS timings, the same nights for every mode), the mode set with Simulation's mode option ` +
      '(a swap mode validates with the simulation\'s checks: rows in orders, data within the snapshot age limit). Downtime: the window the run records (delete-first: delete → usable; rename-swap: first rename → the copy serving as y; dns-switch: none, both instances serve). ' +
      "Client-seen: the SQL probe's failed seconds (a real PostgreSQL behind every instance, queried with pg through the name clients use every 5 simulated seconds). " +
      'Extra instance-hours: simulated minutes with more than one instance of the pair (not deleting, not stopped), sampled every minute, per night; rename-swap keeps the old y keepOldHours (24 h by default). RDS calls: every call the functions made in y\'s region, per night.',
    modes,
    goals: { dnsSwitchUnder30s: of('dns-switch').clientDowntimeS < 30, renameSwapRatio: round(ratio, 3), renameSwapWithin10Percent: ratio <= 0.1 },
  };
}
