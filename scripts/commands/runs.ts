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
  // The run in progress (an outage now) belongs in the report too; its start decides whether it is in the period.
  const all = [...runs, ...(active && !runs.some((r) => r.runId === active.runId) ? [active] : [])];
  // An active run started now is inside the period: the period ends just after now.
  const until = new Date(Math.max(period.until.getTime(), active ? Date.parse(active.startedAt) + 1 : 0));
  const report = buildReport(all, { replica: pair.id, since: period.since, until, timeZone: b.config.timeZone, rtoTargetMinutes: b.config.rtoTargetMinutes, replicaMissing: !state.exists });
  return { report: { ...report, until: period.until.toISOString() }, state, runs, active };
}
