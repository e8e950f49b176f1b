/**
 * Sections 4 and 5 of the benchmark: what one refresh costs the account (invocations, billed
 * GB-seconds, RDS calls), and where a refresh's downtime goes (RDS's delete and restore, event
 * delivery, the pipeline's own time), against a polling design. Both come from nights of the full
 * simulation with its default RDS timings; the pipeline's compute comes from section 1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_MEMORY_MB } from '../../infra/platform/refresh-function';
import type { RunRecord } from '../../lambdas/kernel/model';
import type { SimLambda } from '../sim/lambda';
import type { SimAuroraEngine } from '../sim/aurora-world';
import { Simulation } from '../sim/world';
import type { Summary } from './stats';
import { round, summarise } from './stats';

/** One function's cost per simulated day. */
export interface FunctionCost {
  function: string;
  invocationsPerDay: number;
  /** Duration × configured memory, each invocation rounded up to Lambda's 1 ms billing unit. */
  billedGbSecondsPerDay: number;
  /** Real milliseconds per invocation, as the simulation ran it. */
  durationMs: Summary;
}

/** Section 4's result. */
export interface PerRefreshResult {
  method: string;
  nights: number;
  succeeded: number;
  memoryMb: number;
  functions: FunctionCost[];
  totalInvocationsPerDay: number;
  totalBilledGbSecondsPerDay: number;
  /** RDS API calls per day by operation, in y's region and (for the copy pipeline) x's region. */
  rdsCallsPerDay: Record<string, number>;
  /** The longest any invocation ran, in real ms: handlers call RDS and return; none waits for RDS to change. */
  longestInvocationMs: number;
  noWaitProof: string;
}

/** One row of the downtime breakdown, in seconds (medians over the simulated runs). */
export interface DowntimeRow {
  design: string;
  rdsDeleteS: number;
  eventDeliveryS: number;
  pipelineS: number;
  rdsRestoreS: number;
  downtimeS: number;
  /** The design's own share of downtime, in percent. */
  overheadPercent: number;
  /** What clients saw (the SQL probe's failed seconds, median), when the probe ran. */
  clientDowntimeS?: number;
  /**
   * An Aurora y: the restore split in two, the cluster's (restore request → the writer asked for, once the cluster is
   * available) and the writer's (writer asked for → usable).
   */
  aurora?: { clusterRestoreS: number; writerS: number };
}

/** Section 5's result. */
export interface DowntimeResult {
  method: string;
  runs: number;
  rows: DowntimeRow[];
}

function seconds(from: string | undefined, to: string | undefined): number {
  if (!from || !to) throw new Error('bench: a succeeded run lacks a timestamp');
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

function median(values: number[]): number {
  return summarise(values).p50;
}

/**
 * Runs the simulation for `nights` nights (seeded, default timings, the pairs of cdk.json) and
 * returns both sections. `pipelineMs` is the measured compute of the deleted-event → restore hop.
 */
export async function measureRefresh(opts: { nights: number; seed?: number; pipelineMs: number; pollSeconds?: number; engine?: SimAuroraEngine; log?: (line: string) => void }): Promise<{ perRefresh: PerRefreshResult; downtime: DowntimeResult }> {
  const log = opts.log ?? (() => undefined);
  const poll = opts.pollSeconds ?? 30;
  const cdk = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } };
  // The SQL probe measures what clients saw of each night (client-probe.ts): y's endpoint, or an Aurora y's writer endpoint.
  const sim = await Simulation.create({ config: cdk.context.replicaRefresh, seed: opts.seed ?? 42, probe: true, ...(opts.engine ? { engine: opts.engine } : {}) });
  try {
    await sim.runNights(opts.nights);
    log(`  refresh: simulated ${opts.nights} nights`);
    const y = sim.pairs[0]!.id;
    const runs = (await sim.history(y)).filter((r): r is RunRecord => r.status === 'succeeded');
    if (runs.length === 0) throw new Error('bench: no refresh succeeded in the simulation');

    const lambdas: SimLambda[] = [sim.startRefresh, sim.onRdsEvent, sim.watchdog, sim.retention, ...[...sim.copyFunctions.values()].map((c) => c.fn)].filter((f): f is SimLambda => f !== undefined);
    const gbPerMs = FUNCTION_MEMORY_MB / 1024 / 1000;
    const functions: FunctionCost[] = lambdas
      .filter((f) => f.invocations.length > 0)
      .map((f) => ({
        function: f.name,
        invocationsPerDay: round(f.invocations.length / opts.nights, 1),
        billedGbSecondsPerDay: round((f.invocations.reduce((s, inv) => s + Math.max(1, Math.ceil(inv.realMs)), 0) * gbPerMs) / opts.nights, 4),
        durationMs: summarise(f.invocations.map((inv) => inv.realMs)),
      }));
    const rdsCalls: Record<string, number> = {};
    for (const region of sim.regions.values()) {
      for (const call of region.calls) {
        const key = `${call.command.replace(/Command$/, '')}${region === sim.rds ? '' : ` (${region.region})`}`;
        rdsCalls[key] = (rdsCalls[key] ?? 0) + 1;
      }
    }
    const longest = Math.max(...lambdas.flatMap((f) => f.invocations.map((inv) => inv.realMs)));
    const perRefresh: PerRefreshResult = {
      method:
        `${opts.nights} simulated nights of the pairs in cdk.json${opts.engine ? ` as Aurora clusters (${opts.engine}: a writer and a Serverless v2 reader)` : ''} (seed ${opts.seed ?? 42}, default RDS timings), every function as the CDK app configures it; ` +
        `invocation durations are the real time each handler ran in this process, billed at ${FUNCTION_MEMORY_MB} MB with each invocation rounded up to 1 ms.`,
      nights: opts.nights,
      succeeded: runs.length,
      memoryMb: FUNCTION_MEMORY_MB,
      functions,
      totalInvocationsPerDay: round(functions.reduce((s, f) => s + f.invocationsPerDay, 0), 1),
      totalBilledGbSecondsPerDay: round(functions.reduce((s, f) => s + f.billedGbSecondsPerDay, 0), 4),
      rdsCallsPerDay: Object.fromEntries(Object.entries(rdsCalls).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => [k, round(n / opts.nights, 1)])),
      longestInvocationMs: round(longest, 1),
      noWaitProof:
        'The simulated clock does not move while a handler runs: a handler that waited or polled for RDS to change state would never see it change and no refresh would finish. ' +
        `All ${runs.length} of ${opts.nights} nights finished, and the longest invocation took ${round(longest, 1)} ms of real time.`,
    };

    // Where the downtime goes, run by run (simulated seconds), then medians.
    const rdsDelete = runs.map((r) => seconds(r.deleteRequestedAt, r.deletedAt));
    const delivery = runs.map((r) => seconds(r.deletedAt, r.restoreRequestedAt));
    const rdsRestore = runs.map((r) => seconds(r.restoreRequestedAt, r.usableAt));
    const downtime = runs.map((r) => seconds(r.deleteRequestedAt, r.usableAt));
    const pipelineS = opts.pipelineMs / 1000;
    // Polling every `poll` seconds from the delete request: the deletion is seen at the first poll after it.
    const pollLag = rdsDelete.map((d) => Math.ceil(d / poll) * poll - d);
    const pollingDowntime = runs.map((_, i) => rdsDelete[i]! + pollLag[i]! + pipelineS + rdsRestore[i]!);
    const rows: DowntimeRow[] = [
      {
        design: 'replica-refresh (event-driven)',
        rdsDeleteS: round(median(rdsDelete), 1),
        eventDeliveryS: round(median(delivery), 1),
        pipelineS: round(pipelineS, 4),
        rdsRestoreS: round(median(rdsRestore), 1),
        downtimeS: round(median(downtime), 1),
        overheadPercent: round((100 * pipelineS) / median(downtime), 4),
        ...(runs.every((r) => r.clientDowntimeSeconds !== undefined) ? { clientDowntimeS: round(median(runs.map((r) => r.clientDowntimeSeconds!)), 1) } : {}),
        ...(opts.engine ? { aurora: { clusterRestoreS: round(median(runs.map((r) => seconds(r.restoreRequestedAt, r.writerRequestedAt))), 1), writerS: round(median(runs.map((r) => seconds(r.writerRequestedAt, r.usableAt))), 1) } } : {}),
      },
      {
        design: `polling every ${poll} s (comparison)`,
        rdsDeleteS: round(median(rdsDelete), 1),
        eventDeliveryS: 0,
        pipelineS: round(median(pollLag) + pipelineS, 1),
        rdsRestoreS: round(median(rdsRestore), 1),
        downtimeS: round(median(pollingDowntime), 1),
        overheadPercent: round((100 * median(pollLag.map((l) => l + pipelineS))) / median(pollingDowntime), 3),
      },
    ];
    return {
      perRefresh,
      downtime: {
        method:
          `${runs.length} succeeded runs of the simulation (ledger timestamps, simulated seconds, medians). RDS delete: delete request → deletion event time; event delivery: RDS's publishing delay ` +
          '(simulated 2–30 s) plus SNS→Lambda queueing, which is AWS\'s, not the pipeline\'s; pipeline: the measured warm p50 of the deleted-event → restore hop (section 1). ' +
          `The polling row re-times the same runs: the deletion is noticed at the next ${poll}-second poll after it happened. ` +
          "Client-seen: the SQL probe's failed seconds over each run (scripts/sim/client-probe.ts: y's endpoint name queried with pg every 5 simulated seconds against a real PostgreSQL, PGlite, behind y while it serves).",
        runs: runs.length,
        rows,
      },
    };
  } finally {
    await sim.close();
  }
}
