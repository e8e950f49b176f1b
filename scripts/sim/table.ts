/**
 * The runs of a replica as a plain-text table: downtime window in the configured zone, restore time,
 * data age, outcome.
 */
import { DateTime } from 'luxon';
import { formatDuration, measure } from '../../lambdas/core/measures';
import type { RunRecord } from '../../lambdas/core/model';

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function time(iso: string | undefined, zone: string, format: string): string {
  return iso ? DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).toFormat(format) : '-';
}

/** Renders runs (oldest first) with a summary line. */
export function renderRunTable(runs: readonly RunRecord[], opts: { timeZone: string; rtoTargetMinutes: number; title: string }): string {
  const rows = runs.map((r) => {
    const m = measure(r);
    const outcome = r.status === 'succeeded' && (r.drift?.length ?? 0) > 0 ? `succeeded, ${r.drift?.length} drift` : r.status;
    return [
      time(r.startedAt, opts.timeZone, 'ccc dd LLL'),
      r.trigger,
      outcome,
      r.deleteRequestedAt ? `${time(r.deleteRequestedAt, opts.timeZone, 'HH:mm:ss')}–${time(r.usableAt, opts.timeZone, 'HH:mm:ss ZZZZ')}` : '-',
      m.downtimeSeconds !== undefined ? formatDuration(m.downtimeSeconds) : '-',
      m.restoreSeconds !== undefined ? `${formatDuration(m.restoreSeconds)}${m.restoreSeconds > opts.rtoTargetMinutes * 60 ? ' (over target)' : ''}` : '-',
      m.dataAgeSeconds !== undefined ? formatDuration(m.dataAgeSeconds) : '-',
      r.snapshot?.id ?? r.plannedSnapshot?.id ?? '-',
      r.status === 'succeeded' ? `${r.deletedSource ?? '-'}/${r.usableSource ?? '-'}` : (r.reason ?? '').slice(0, 60),
    ];
  });
  const header = ['night of', 'trigger', 'outcome', 'downtime window', 'downtime', 'restore (RTO)', 'data age (RPO)', 'snapshot', 'seen by / why'];
  const ok = runs.filter((r) => r.status === 'succeeded');
  const downs = ok.map((r) => measure(r).downtimeSeconds).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const restores = ok.map((r) => measure(r).restoreSeconds).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const p = (xs: number[], q: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] : undefined);
  const summary =
    `${runs.length} run(s): ${ok.length} succeeded, ${runs.filter((r) => r.status === 'failed').length} failed, ${runs.filter((r) => r.status === 'refused').length} refused. ` +
    `Downtime p50 ${formatDuration(p(downs, 0.5))}, max ${formatDuration(downs.at(-1))}; restore p50 ${formatDuration(p(restores, 0.5))}, max ${formatDuration(restores.at(-1))} (target ${opts.rtoTargetMinutes} min).`;
  return `${opts.title}\n${pad([header, ...rows])}\n${summary}`;
}
