/**
 * Benchmark section 6, scale: the watchdog's RDS calls for one pass over 200 pairs in one region, measured in the
 * simulated account (cdk.json's first pair cloned 200 times, every y in place, no run active): the calls the
 * simulated RDS recorded while the real handler ran once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaleConfig, watchdogRdsCalls } from '../sim/scale';

/** What {@link measureScale} returns. */
export interface ScaleResult {
  method: string;
  pairs: number;
  /** RDS calls of one watchdog pass (DescribeDBInstances pages and the event subscription's check). */
  watchdogRdsCallsPerTick: number;
  byCommand: Record<string, number>;
  /** The same pass with every pair a pair of Aurora clusters (absent in figures taken before clusters). */
  aurora?: { watchdogRdsCallsPerTick: number; byCommand: Record<string, number> };
}

export const SCALE_PAIRS = 200;

/** Runs the watchdog once over {@link SCALE_PAIRS} pairs of one region and counts its RDS calls. */
export async function measureScale(opts: { pairs?: number; log?: (line: string) => void } = {}): Promise<ScaleResult> {
  const pairs = opts.pairs ?? SCALE_PAIRS;
  const cdk = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } };
  const { Simulation } = await import('../sim/world');
  const sim = await Simulation.create({ config: scaleConfig(cdk.context.replicaRefresh, pairs) });
  try {
    const calls = await watchdogRdsCalls(sim);
    opts.log?.(`scale: ${pairs} pairs, watchdog pass: ${calls.total} RDS calls (${Object.entries(calls.byCommand).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    const aurora = await Simulation.create({ config: scaleConfig(cdk.context.replicaRefresh, pairs), engine: 'aurora-postgresql' });
    let clusterCalls: Awaited<ReturnType<typeof watchdogRdsCalls>>;
    try {
      clusterCalls = await watchdogRdsCalls(aurora);
    } finally {
      await aurora.close();
    }
    opts.log?.(`scale: ${pairs} Aurora pairs, watchdog pass: ${clusterCalls.total} RDS calls (${Object.entries(clusterCalls.byCommand).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    return {
      method: `cdk.json's first pair cloned ${pairs} times into one replica region of the simulated account (every y present, no run active), as DB instances and again as Aurora clusters (--engine aurora-postgresql); the real watchdog handler run once each; its RDS calls as the simulated RDS recorded them (sim.rds.calls).`,
      pairs,
      watchdogRdsCallsPerTick: calls.total,
      byCommand: calls.byCommand,
      aurora: { watchdogRdsCallsPerTick: clusterCalls.total, byCommand: clusterCalls.byCommand },
    };
  } finally {
    await sim.close();
  }
}
