/**
 * The history report: one row per run with its downtime window, restore time and data age, and a
 * summary people can put in front of an auditor. Pure: it reads runs, the caller fetched them.
 */
import { measure, rtoMissed } from './measures';
import type { RunRecord, ValidationStepResult } from '../kernel/model';

/** One run, as the report shows it. Times are ISO UTC; durations seconds. */
export interface ReportRow {
  /** The pair's id (the replica as cdk.json names it). */
  replica: string;
  runId: string;
  trigger: string;
  status: RunRecord['status'];
  startedAt: string;
  /** y stopped serving (delete accepted). */
  downtimeStart?: string;
  /** y usable again. */
  downtimeEnd?: string;
  /** Succeeded runs: the window's length. An outage still going on: its length so far (with `ongoing`). */
  downtimeSeconds?: number;
  /** y is still missing (or the run is still down): the window has no end yet and `downtimeSeconds` grows. */
  ongoing?: true;
  restoreSeconds?: number;
  dataAgeSeconds?: number;
  /** What clients saw: the seconds a SQL probe's queries failed during the run, when a probe measured it. */
  clientDowntimeSeconds?: number;
  rtoMissed: boolean;
  snapshotId?: string;
  snapshotDataTime?: string;
  drift: string[];
  /** How y's deletion was seen: RDS's event (its exact time) or the watchdog's poll (within one interval); null when y was not deleted. */
  deletedSource: 'event' | 'poll' | null;
  /** How y's return was seen: RDS's event or the watchdog's poll; null when y did not come back. */
  usableSource: 'event' | 'poll' | null;
  /** How each end of the window was seen: an RDS event (exact) or the watchdog's poll (within one interval). */
  precision: string;
  /** How the run refreshed y: `delete-first`, or a swap mode (`rename-swap`). */
  mode: string;
  /** A swap mode: the new copy's validation, check by check, before clients were switched to it. */
  validation?: ValidationStepResult[];
  /** Staging hooks (masking, grants, checks), file by file: `ok`, `failed` or `skipped` (after a failure), with their time. */
  hooks?: ValidationStepResult[];
  /** Seconds from the restored instance usable to its hooks done: part of a delete-first run's downtime. */
  hooksSeconds?: number;
  reason?: string;
}

/** p50, p95 and max of a measure, in seconds. */
export interface Spread {
  count: number;
  p50Seconds?: number;
  p95Seconds?: number;
  maxSeconds?: number;
}

/** The report's summary. */
export interface ReportSummary {
  runs: number;
  succeeded: number;
  failed: number;
  refused: number;
  /** Succeeded / (succeeded + failed): refusals left y untouched and are counted apart. */
  successRate?: number;
  /** Downtime of the succeeded runs and of an outage still going on (so far). */
  downtime: Spread;
  /** The outage still going on, if any: seconds so far. */
  ongoingDowntimeSeconds?: number;
  restore: Spread;
  dataAge: Spread;
  /** Client-seen downtime of the runs a probe measured (any outcome: a failed switch that kept y serving counts as 0). */
  clientDowntime: Spread;
  rtoMisses: number;
  /** Median restore time of the newer half of the runs minus that of the older half, in seconds. */
  restoreTrendSeconds?: number;
  trend: 'faster' | 'slower' | 'steady' | 'not enough runs';
}

/** A whole report. */
export interface Report {
  replica: string;
  /** y is missing now (as RDS said when the report was built); undefined when not asked. */
  replicaMissing?: boolean;
  since: string;
  until: string;
  timeZone: string;
  rtoTargetMinutes: number;
  rows: ReportRow[];
  summary: ReportSummary;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function spread(values: (number | undefined)[]): Spread {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return { count: sorted.length, p50Seconds: percentile(sorted, 0.5), p95Seconds: percentile(sorted, 0.95), maxSeconds: sorted.at(-1) };
}

function median(values: number[]): number | undefined {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** What the report needs besides the runs. */
export interface ReportOptions {
  replica: string;
  since: Date;
  until: Date;
  timeZone: string;
  rtoTargetMinutes: number;
  /**
   * Whether y is missing now (from RDS; undefined when unknown). The newest run that left y deleted then shows its
   * outage as going on, up to `until`, instead of as a window without an end.
   */
  replicaMissing?: boolean;
}

/**
 * The run whose outage is still going on: the active run once y stopped serving, or, when y is missing now, the newest
 * run (failed, or refused after y was already gone) whose window opened and never closed, if no run since succeeded.
 */
function ongoingRun(runs: readonly RunRecord[], replicaMissing: boolean | undefined): RunRecord | undefined {
  const newestFirst = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const active = newestFirst.find((r) => r.status === 'active');
  if (active && windowStart(active) && !windowEnd(active)) return active;
  if (!replicaMissing) return undefined;
  for (const r of newestFirst) {
    if (r.status === 'succeeded') return undefined;
    if (r.status === 'failed' && windowStart(r) && !windowEnd(r)) return r;
  }
  return undefined;
}

/** When clients lost y: its delete (delete-first) or the switch (a swap mode); dns-switch has no window. */
function windowStart(r: RunRecord): string | undefined {
  if (r.mode === 'dns-switch') return undefined;
  return r.copyId ? r.switchRequestedAt : r.deleteRequestedAt;
}

/** When clients had y back; a y whose staging hooks failed was never opened to clients, so its window has no end. */
function windowEnd(r: RunRecord): string | undefined {
  if (r.mode === 'dns-switch' || (r.hooks && !r.hooksPassedAt)) return undefined;
  return r.copyId ? r.switchedAt : (r.hooksPassedAt ?? r.usableAt);
}

/** Builds the report from runs (any order); only runs started within [since, until) count. */
export function buildReport(runs: readonly RunRecord[], opts: ReportOptions): Report {
  const inRange = runs
    // [since, until), and a run in progress that started at `until` itself (a report of now, just after a start).
    .filter((r) => r.replicaId === opts.replica && Date.parse(r.startedAt) >= opts.since.getTime() && (Date.parse(r.startedAt) < opts.until.getTime() || (r.status === 'active' && Date.parse(r.startedAt) === opts.until.getTime())))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const ongoing = ongoingRun(inRange, opts.replicaMissing);
  const rows: ReportRow[] = inRange.map((r) => {
    const m = measure(r);
    const usable = r.status === 'succeeded';
    const start = windowStart(r);
    const end = windowEnd(r);
    // An outage still going on: its length so far, counted like a finished one.
    const soFar = r === ongoing && start ? Math.max(0, (opts.until.getTime() - Date.parse(start)) / 1000) : undefined;
    return {
      replica: r.replicaId,
      runId: r.runId,
      trigger: r.trigger,
      status: r.status,
      startedAt: r.startedAt,
      mode: r.mode ?? 'delete-first',
      // Clients lose y at its delete (delete-first) or at the switch (a swap mode), and have it back when it serves.
      ...(start ? { downtimeStart: start } : {}),
      ...(end ? { downtimeEnd: end } : {}),
      ...(soFar !== undefined ? { downtimeSeconds: soFar, ongoing: true as const } : usable && m.downtimeSeconds !== undefined ? { downtimeSeconds: m.downtimeSeconds } : {}),
      ...(usable && m.restoreSeconds !== undefined ? { restoreSeconds: m.restoreSeconds } : {}),
      ...(usable && m.dataAgeSeconds !== undefined ? { dataAgeSeconds: m.dataAgeSeconds } : {}),
      ...(r.clientDowntimeSeconds !== undefined ? { clientDowntimeSeconds: r.clientDowntimeSeconds } : {}),
      // A restore that never became usable missed its target too.
      rtoMissed: rtoMissed(r, opts.rtoTargetMinutes),
      ...(r.snapshot?.id ?? r.plannedSnapshot?.id ? { snapshotId: r.snapshot?.id ?? r.plannedSnapshot?.id } : {}),
      ...(r.snapshot?.dataTime ? { snapshotDataTime: r.snapshot.dataTime } : {}),
      drift: (r.drift ?? []).map((d) => d.setting),
      deletedSource: r.deletedSource ?? null,
      usableSource: r.usableSource ?? null,
      ...(r.validation ? { validation: r.validation } : {}),
      ...(r.hooks ? { hooks: r.hooks.map((h) => ({ name: h.name, status: h.status, ms: h.ms, ...(h.rows !== undefined ? { rows: h.rows } : {}), ...(h.error !== undefined ? { error: h.error } : {}) })) } : {}),
      ...(m.hooksSeconds !== undefined ? { hooksSeconds: m.hooksSeconds } : {}),
      precision: usable && r.mode === 'dns-switch'
        ? 'no window: both instances served through the switch'
        : usable && r.copyId
        ? `exact start, ${r.switchedSource === 'poll' ? 'polled' : 'event'} end`
        : usable
        ? `${r.deleteRequestedEstimated ? 'estimated' : 'exact'} start, ${r.usableSource === 'poll' ? 'polled' : 'event'} end${r.deletedSource === 'poll' ? ', deletion polled' : ''}`
        : r.status === 'active'
          ? `in progress, phase ${r.phase ?? '?'}`
          : '-',
      ...(r.reason ? { reason: r.reason } : {}),
    };
  });
  const ok = rows.filter((r) => r.status === 'succeeded');
  const ongoingRow = rows.find((r) => r.ongoing);
  const failed = rows.filter((r) => r.status === 'failed').length;
  const restores = ok.map((r) => r.restoreSeconds).filter((v): v is number => v !== undefined);
  const half = Math.floor(restores.length / 2);
  const older = median(restores.slice(0, half));
  const newer = median(restores.slice(restores.length - half));
  const trendSeconds = half >= 2 && older !== undefined && newer !== undefined ? newer - older : undefined;
  const trend: ReportSummary['trend'] =
    trendSeconds === undefined ? 'not enough runs' : Math.abs(trendSeconds) <= 0.05 * (older ?? 0) ? 'steady' : trendSeconds < 0 ? 'faster' : 'slower';
  return {
    replica: opts.replica,
    ...(opts.replicaMissing !== undefined ? { replicaMissing: opts.replicaMissing } : {}),
    since: opts.since.toISOString(),
    until: opts.until.toISOString(),
    timeZone: opts.timeZone,
    rtoTargetMinutes: opts.rtoTargetMinutes,
    rows,
    summary: {
      runs: rows.length,
      succeeded: ok.length,
      failed,
      refused: rows.filter((r) => r.status === 'refused').length,
      ...(ok.length + failed > 0 ? { successRate: ok.length / (ok.length + failed) } : {}),
      downtime: spread([...ok, ...rows.filter((r) => r.ongoing)].map((r) => r.downtimeSeconds)),
      ...(ongoingRow?.downtimeSeconds !== undefined ? { ongoingDowntimeSeconds: ongoingRow.downtimeSeconds } : {}),
      restore: spread(ok.map((r) => r.restoreSeconds)),
      dataAge: spread(ok.map((r) => r.dataAgeSeconds)),
      clientDowntime: spread(rows.map((r) => r.clientDowntimeSeconds)),
      rtoMisses: rows.filter((r) => r.rtoMissed).length,
      ...(trendSeconds !== undefined ? { restoreTrendSeconds: trendSeconds } : {}),
      trend,
    },
  };
}
