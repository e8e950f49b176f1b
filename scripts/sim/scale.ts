/**
 * Many pairs in one region: a configuration of `count` pairs cloned from the first pair of a cdk.json
 * `replicaRefresh` value (x and y numbered, `<x>-001` → `<y>-001`, …), and the watchdog's RDS calls for one pass
 * over them in the simulated account. `npm run demo -- --pairs 200`, `npm run bench` (the `scale` figure) and the
 * tests use them.
 */
import type { Simulation } from './world';

/** An RDS instance identifier with a numeric suffix, within RDS's 63 characters. */
function numbered(id: string, n: number, width: number): string {
  const suffix = `-${String(n).padStart(width, '0')}`;
  return `${id.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/**
 * The configuration with its first pair cloned `count` times, x and y numbered from 1, all in the first pair's
 * regions; the other pairs are dropped.
 * @throws Error when the configuration has no pair or `count` is not a whole number from 1
 */
export function scaleConfig(config: unknown, count: number): Record<string, unknown> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`the number of pairs must be a whole number of at least 1, got ${count}`);
  const cfg = structuredClone(config) as { pairs?: unknown } | null;
  const first = Array.isArray(cfg?.pairs) ? (cfg.pairs[0] as { source?: Record<string, unknown>; replica?: Record<string, unknown> } | undefined) : undefined;
  if (!cfg || typeof cfg !== 'object' || !first?.source || !first.replica) throw new Error('the configuration has no pair to clone: it needs "pairs": [{ "source": {...}, "replica": {...}, ... }]');
  const width = Math.max(3, String(count).length);
  const pairs = Array.from({ length: count }, (_, i) => {
    const pair = structuredClone(first);
    pair.source = { ...first.source, instanceId: numbered(String(first.source?.instanceId), i + 1, width) };
    pair.replica = { ...first.replica, instanceId: numbered(String(first.replica?.instanceId), i + 1, width) };
    // A pinned DbiResourceId names one x; the clones are other instances.
    delete pair.source.dbiResourceId;
    return pair;
  });
  return { ...cfg, pairs };
}

/** What one watchdog pass cost in RDS calls, by API. */
export interface WatchdogCalls {
  total: number;
  byCommand: Record<string, number>;
  /** What the pass did for each replica (`idle`, …), and `event-path:ok` for the subscription. */
  actions: string[];
}

/** Runs the watchdog once, now, in the simulated account and counts the RDS calls of the replica region it made. */
export async function watchdogRdsCalls(sim: Simulation): Promise<WatchdogCalls> {
  const before = sim.rds.calls.length;
  const outcomes = (await sim.watchdog.invoke({ trigger: 'watchdog' })) as { action: string }[];
  const calls = sim.rds.calls.slice(before);
  const byCommand: Record<string, number> = {};
  for (const c of calls) {
    const name = c.command.replace(/Command$/, '');
    byCommand[name] = (byCommand[name] ?? 0) + 1;
  }
  return { total: calls.length, byCommand, actions: outcomes.map((o) => o.action) };
}
