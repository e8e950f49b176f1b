/**
 * A replica's runs as every command reads them: closed runs in a period, the active one, and whether y is missing now,
 * built into the report's rows (so that history, report and status show the same numbers, ongoing outages included).
 */
import type { PairConfig } from '../../lambdas/kernel/config';
import type { RunRecord } from '../../lambdas/kernel/model';
import type { Report } from '../../lambdas/reporting/report';
import { buildReport } from '../../lambdas/reporting/report';
import type { Backend, ReplicaState } from '../cli/backend';

/** A pair's report over a period, with what it was built from: the closed runs (newest first), the active one, y now. */
export async function reportOf(b: Backend, pair: PairConfig, period: { since: Date; until: Date; limit?: number }): Promise<{ report: Report; state: ReplicaState; runs: RunRecord[]; active: RunRecord | undefined }> {
  const [runs, active, state] = await Promise.all([
    b.listRuns(pair, { since: period.since, until: period.until, ...(period.limit ? { limit: period.limit } : {}) }),
    b.activeRun(pair),
    b.replicaState(pair),
  ]);
  // A period that ends now shows the run in progress and whether y is missing now; one that ended earlier, neither
  // (today's state says nothing about then).
  const current = period.until.getTime() >= b.now().getTime();
  const all = [...runs, ...(current && active && !runs.some((r) => r.runId === active.runId) ? [active] : [])];
  const report = buildReport(all, { replica: pair.id, since: period.since, until: period.until, timeZone: b.config.timeZone, rtoTargetMinutes: b.config.rtoTargetMinutes, ...(current ? { replicaMissing: !state.exists } : {}) });
  return { report, state, runs, active };
}
