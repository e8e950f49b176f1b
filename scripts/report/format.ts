/**
 * The report in each format `npm run report` writes: an aligned text table, Markdown with a Mermaid
 * gantt of the downtime windows, JSON, CSV, and one self-contained HTML page with a chart. One report per replica, in
 * one document.
 */
import { DateTime } from 'luxon';
import { formatDuration } from '../../lambdas/reporting/measures';
import type { Report, ReportRow, Spread } from '../../lambdas/reporting/report';
import { alignedTable, csvCell, html as esc, mdCell as mdEscape } from '../cli/output';
import type { OutputFormat } from '../cli/output';
import { formatLocal, shownSeconds } from '../cli/time';

/** One format. */
export type Format = OutputFormat;

/** The reports of every replica asked for, with what they share. */
export interface ReportSet {
  /** True when the runs are the local simulation's, not a deployment's. */
  simulated: boolean;
  /** Flags for the commands the report suggests (the same simulation or deployment); not in the JSON. */
  sameTarget?: string;
  since: string;
  until: string;
  timeZone: string;
  rtoTargetMinutes: number;
  reports: Report[];
}

function local(iso: string | undefined, zone: string, format: string): string {
  return iso ? DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).toFormat(format) : '';
}

function window(r: ReportRow, zone: string): string {
  if (!r.downtimeStart) return '-';
  const end = r.downtimeEnd ? formatLocal(r.downtimeEnd, zone, 'HH:mm:ss') : r.ongoing ? 'now (ongoing)' : r.status === 'active' ? 'still down' : 'not usable';
  // Both ends carry their offset: across a DST change the same wall-clock hour happens twice.
  return `${formatLocal(r.downtimeStart, zone, 'yyyy-MM-dd HH:mm:ss')} → ${end}`;
}

/** An outage's length so far, rounded down ("≥ 10 h 02 min" never claims more than has passed). */
export function formatHours(seconds: number): string {
  return formatDuration(seconds >= 3600 ? Math.floor(seconds / 60) * 60 : Math.floor(seconds));
}

/**
 * The downtime cell: the length between the window's printed ends (whole seconds, as printed), so that the two always
 * agree; an outage still going on as "≥ …, ongoing".
 */
export function downtimeCell(r: ReportRow): string {
  if (r.downtimeSeconds === undefined) return '-';
  if (r.ongoing) return `≥ ${formatHours(r.downtimeSeconds)}, ongoing`;
  if (r.downtimeStart && r.downtimeEnd) return formatDuration(shownSeconds(r.downtimeStart, r.downtimeEnd));
  return formatDuration(r.downtimeSeconds);
}

function outcome(r: ReportRow): string {
  if (r.ongoing && r.status !== 'active') return `${r.status}, y still missing`;
  if (r.status !== 'succeeded') return r.status;
  const notes = [r.rtoMissed ? 'RTO missed' : '', r.drift.length ? `${r.drift.length} drift` : ''].filter(Boolean);
  return notes.length ? `succeeded (${notes.join(', ')})` : 'succeeded';
}

function spreadText(s: Spread): string {
  return s.count === 0 ? 'none' : `p50 ${formatDuration(s.p50Seconds)}, p95 ${formatDuration(s.p95Seconds)}, max ${formatDuration(s.maxSeconds)}`;
}

/** A spread that counts an outage still going on: a figure that is that outage reads "≥ …, ongoing", as on its row. */
function ongoingSpreadText(s: Spread, ongoing: number): string {
  const cell = (v: number | undefined) => (v === ongoing ? `≥ ${formatHours(ongoing)}, ongoing` : formatDuration(v));
  return `p50 ${cell(s.p50Seconds)}, p95 ${cell(s.p95Seconds)}, max ${cell(s.maxSeconds)}`;
}

/** The summary as sentences. */
export function summaryLines(report: Report): string[] {
  const s = report.summary;
  const rate = s.successRate === undefined ? 'n/a' : `${(s.successRate * 100).toFixed(1)}%`;
  const trend = s.restoreTrendSeconds === undefined ? s.trend : `${s.trend} (${s.restoreTrendSeconds > 0 ? '+' : s.restoreTrendSeconds < 0 ? '−' : '±'}${formatDuration(Math.abs(s.restoreTrendSeconds))} median, newer half vs older half)`;
  return [
    `Runs: ${s.runs} (${s.succeeded} succeeded, ${s.failed} failed, ${s.refused} refused); success rate ${rate}.`,
    s.ongoingDowntimeSeconds === undefined
      ? `Downtime of succeeded runs: ${spreadText(s.downtime)}.`
      : `Downtime of succeeded runs and the outage still going on: ${ongoingSpreadText(s.downtime, s.ongoingDowntimeSeconds)}. ${report.replica} has been down for ≥ ${formatHours(s.ongoingDowntimeSeconds)} and is still down.`,
    `Restore time (RTO) of succeeded runs: ${spreadText(s.restore)}; target ${report.rtoTargetMinutes} min, missed ${s.rtoMisses} time(s) (failed restores count as missed).`,
    `Data age (RPO), the data's age when y became usable: ${spreadText(s.dataAge)}.`,
    ...(s.clientDowntime.count > 0 ? [`Client-seen downtime (a SQL probe's failed queries): ${spreadText(s.clientDowntime)}.`] : []),
    `Restore-time trend: ${trend}.`,
  ];
}

/** The columns of a run's row, in every format for people. */
export const COLUMNS = ['started', 'trigger', 'mode', 'outcome', 'downtime window', 'downtime', 'client-seen', 'restore (RTO)', 'data age (RPO)', 'hooks', 'snapshot', 'precision / why'];

/** The staging hooks of a row in a cell: how many passed and how long they took, or the one that failed. */
function hooksCell(r: ReportRow): string {
  const hooks = (r.hooks ?? []).filter((h) => h.name !== 'connect');
  if (hooks.length === 0) return r.hooks?.some((h) => h.status === 'failed') ? 'connect failed' : '-';
  const failed = hooks.find((h) => h.status === 'failed');
  if (failed) return `${failed.name.split('/').at(-1) ?? failed.name} failed`;
  return `${hooks.length} ok, ${formatDuration((r.hooksSeconds ?? hooks.reduce((s, h) => s + h.ms, 0) / 1000))}`;
}

/** A run's row as text cells, in the configured zone. */
export function cells(r: ReportRow, zone: string): string[] {
  return [
    local(r.startedAt, zone, 'ccc yyyy-MM-dd'),
    r.trigger,
    r.mode,
    outcome(r),
    window(r, zone),
    downtimeCell(r),
    r.clientDowntimeSeconds === undefined ? '-' : formatDuration(r.clientDowntimeSeconds),
    r.restoreSeconds === undefined ? '-' : formatDuration(r.restoreSeconds),
    r.dataAgeSeconds === undefined ? '-' : formatDuration(r.dataAgeSeconds),
    hooksCell(r),
    r.snapshotId ?? '-',
    r.status === 'succeeded' || r.status === 'active' ? r.precision : (r.reason ?? '').replace(/\s+/g, ' '),
  ];
}

function heading(report: Report, simulated: boolean): string {
  return `${report.replica}${simulated ? ' (simulation)' : ''}: refreshes from ${formatLocal(report.since, report.timeZone, 'yyyy-MM-dd HH:mm')} to ${formatLocal(report.until, report.timeZone, 'yyyy-MM-dd HH:mm')} (${report.timeZone})`;
}

/**
 * What to run when y is missing and no run is bringing it back.
 * @param sameTarget flags that point the command at the same deployment or simulation (`--local --faults …`)
 */
export function restoreHint(report: Report, sameTarget = ''): string | undefined {
  // Missing as RDS says now, or (a report built without asking RDS) as its rows show; a run in progress is on it.
  const missing = report.replicaMissing ?? report.rows.some((r) => r.ongoing);
  if (!missing || report.rows.some((r) => r.status === 'active')) return undefined;
  return `${report.replica} is missing. To bring it back now, run: npm run restore -- --replica ${report.replica}${sameTarget ? ` ${sameTarget}` : ''}`;
}

/** One replica's report as aligned plain text. */
function tableOf(report: Report, simulated: boolean, sameTarget?: string): string {
  const body = alignedTable(COLUMNS, report.rows.map((r) => cells(r, report.timeZone)));
  const hint = restoreHint(report, sameTarget);
  return [heading(report, simulated), '', ...(report.rows.length ? body : ['(no runs in this period)']), '', ...summaryLines(report), ...(hint ? ['', hint] : [])].join('\n');
}

/** Aligned plain text, one block per replica. */
export function renderTable(set: ReportSet): string {
  return set.reports.length ? set.reports.map((r) => tableOf(r, set.simulated, set.sameTarget)).join('\n\n') : '(no replicas)';
}

/** Markdown: per replica a table, the summary, and a Mermaid gantt of the downtime windows. */
export function renderMarkdown(set: ReportSet): string {
  return set.reports.map((r) => markdownOf(r, set.simulated, set.sameTarget)).join('\n');
}

function markdownOf(report: Report, simulated: boolean, sameTarget?: string): string {
  const zone = report.timeZone;
  const table = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`, ...report.rows.map((r) => `| ${cells(r, zone).map(mdEscape).join(' | ')} |`)];
  const windows = report.rows.filter((r) => r.downtimeStart && r.downtimeEnd);
  const gantt = [
    '```mermaid',
    'gantt',
    `  title Downtime windows of ${report.replica} (UTC)`,
    '  dateFormat YYYY-MM-DDTHH:mm:ss',
    '  axisFormat %d %b %H:%M',
    '  section Downtime',
    ...windows.map((r, i) => {
      const tag = r.status === 'succeeded' ? (r.rtoMissed ? 'crit, ' : 'done, ') : 'crit, ';
      const label = `${local(r.downtimeStart, zone, 'dd LLL')} ${r.downtimeSeconds === undefined ? r.status : formatDuration(r.downtimeSeconds)}`.replace(/[:#;]/g, ' ');
      // UTC, so the bars keep their length in every viewer's zone and across DST.
      return `  ${label} :${tag}run${i + 1}, ${local(r.downtimeStart, 'utc', "yyyy-MM-dd'T'HH:mm:ss")}, ${local(r.downtimeEnd, 'utc', "yyyy-MM-dd'T'HH:mm:ss")}`;
    }),
    '```',
  ];
  const hint = restoreHint(report, sameTarget);
  return [`# ${heading(report, simulated)}`, '', ...table, '', ...summaryLines(report).map((l) => `- ${l}`), ...(hint ? ['', `**${mdEscape(hint)}**`] : []), '', ...(windows.length ? gantt : ['No downtime windows in this period.']), ''].join('\n');
}

/** The reports as JSON, for machines: typed fields, seconds in names that say so, `simulated` apart from the ids. */
export function renderJson(set: ReportSet): string {
  const { sameTarget: _flags, ...json } = set;
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** CSV (RFC 4180), one row per run of every replica, times in UTC and in the configured zone, durations in seconds. */
export function renderCsv(set: ReportSet): string {
  const zone = set.timeZone;
  const header = ['replica', 'run_id', 'trigger', 'mode', 'status', 'started_utc', 'downtime_start_utc', 'downtime_end_utc', `downtime_start_local`, `downtime_end_local`, 'time_zone', 'downtime_seconds', 'downtime_ongoing', 'client_downtime_seconds', 'restore_seconds', 'data_age_seconds', 'rto_missed', 'snapshot_id', 'snapshot_data_time_utc', 'drift', 'precision', 'reason'];
  const rows = set.reports.flatMap((report) => report.rows).map((r) => [
    r.replica,
    r.runId,
    r.trigger,
    r.mode,
    r.status,
    r.startedAt,
    r.downtimeStart,
    r.downtimeEnd,
    local(r.downtimeStart, zone, "yyyy-MM-dd'T'HH:mm:ssZZ"),
    local(r.downtimeEnd, zone, "yyyy-MM-dd'T'HH:mm:ssZZ"),
    zone,
    r.downtimeSeconds,
    r.ongoing === true,
    r.clientDowntimeSeconds,
    r.restoreSeconds,
    r.dataAgeSeconds,
    r.rtoMissed,
    r.snapshotId,
    r.snapshotDataTime,
    r.drift.join(' '),
    r.precision,
    r.reason,
  ]);
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** The chart: downtime bars and restore-time dots per run, with the RTO target line. Inline SVG, no scripts. */
function chart(report: Report): string {
  // Every run gets a slot on the time axis; failed and refused runs show as marks, so a bad night is not a gap.
  const runs = report.rows;
  const measured = runs.filter((r) => r.downtimeSeconds !== undefined);
  const width = 760;
  const height = 300;
  const left = 56;
  const bottom = 40;
  const top = 16;
  const target = report.rtoTargetMinutes;
  const maxMin = Math.max(target * 1.2, ...measured.map((r) => (r.downtimeSeconds ?? 0) / 60), 1);
  const y = (min: number) => top + (height - top - bottom) * (1 - min / maxMin);
  const step = runs.length ? (width - left - 10) / runs.length : 0;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(maxMin * f));
  const parts = [
    `<svg class="chart" data-replica="${esc(report.replica)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Downtime and restore time per run" data-runs="${measured.length}">`,
    ...ticks.map((t) => `<g class="tick"><line x1="${left}" x2="${width - 10}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/><text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${t} min</text></g>`),
    `<line class="rto-target" x1="${left}" x2="${width - 10}" y1="${y(target).toFixed(1)}" y2="${y(target).toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"><title>RTO target ${target} min</title></line>`,
    ...runs.map((r, i) => {
      const x = left + i * step;
      const down = (r.downtimeSeconds ?? 0) / 60;
      const restore = (r.restoreSeconds ?? 0) / 60;
      const label = local(r.startedAt, report.timeZone, 'dd LLL');
      if (r.downtimeSeconds === undefined) {
        const colour = r.status === 'failed' ? '#c00' : '#888';
        return `<g class="mark ${esc(r.status)}" data-run-id="${esc(r.runId)}"><text x="${(x + step / 2).toFixed(1)}" y="${(y(0) - 8).toFixed(1)}" text-anchor="middle" font-size="16" font-weight="bold" fill="${colour}">×</text><text x="${(x + step / 2).toFixed(1)}" y="${(y(0) - 28).toFixed(1)}" text-anchor="middle" font-size="10" fill="${colour}">${esc(r.status)}</text><title>${esc(label)}: ${esc(r.status)}${r.reason ? ` — ${esc(r.reason.slice(0, 200))}` : ''}</title></g><text x="${(x + step / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="10">${esc(label)}</text>`;
      }
      return [
        `<rect class="bar downtime${r.rtoMissed ? ' missed' : ''}${r.ongoing ? ' ongoing' : ''}" data-run-id="${esc(r.runId)}" data-downtime-seconds="${Math.round(r.downtimeSeconds ?? 0)}" x="${(x + step * 0.15).toFixed(1)}" y="${y(down).toFixed(1)}" width="${(step * 0.7).toFixed(1)}" height="${(y(0) - y(down)).toFixed(1)}" fill="${r.rtoMissed ? '#e8a0a0' : '#9ec5e8'}"><title>${esc(label)}: downtime ${esc(formatDuration(r.downtimeSeconds))}</title></rect>`,
        `<circle class="dot restore" data-run-id="${esc(r.runId)}" data-restore-seconds="${Math.round(r.restoreSeconds ?? 0)}" cx="${(x + step / 2).toFixed(1)}" cy="${y(restore).toFixed(1)}" r="4" fill="#1f4e79"><title>${esc(label)}: restore ${esc(formatDuration(r.restoreSeconds))}</title></circle>`,
        runs.length <= 31 || i % Math.ceil(runs.length / 31) === 0 ? `<text x="${(x + step / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="10">${esc(label)}</text>` : '',
      ].join('');
    }),
    `</svg>`,
  ];
  return parts.join('\n');
}

/** One replica's section of the page: heading, summary, chart and runs. */
function sectionOf(report: Report, simulated: boolean, sameTarget?: string): string {
  const zone = report.timeZone;
  const rows = report.rows.map((r) => `<tr class="run ${r.status}${r.ongoing ? ' ongoing' : ''}">${cells(r, zone).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  const hint = restoreHint(report, sameTarget);
  return `<section class="replica" data-replica="${esc(report.replica)}">
<h1>${esc(heading(report, simulated))}</h1>
<ul class="summary">${summaryLines(report).map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
${hint ? `<p class="restore-hint"><strong>${esc(hint)}</strong></p>\n` : ''}<p class="legend"><span>bars: downtime</span><span>dots: restore time (RTO)</span><span>dashed line: RTO target (${report.rtoTargetMinutes} min)</span><span>×: failed or refused</span></p>
${chart(report)}
<table class="runs">
<thead><tr>${COLUMNS.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

/** One self-contained page, a section per replica: no scripts, styles or fonts from the network. */
export function renderHtml(set: ReportSet): string {
  const title = set.reports.length === 1 && set.reports[0] ? heading(set.reports[0], set.simulated) : `replica-refresh: ${set.reports.length} replicas${set.simulated ? ' (simulation)' : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.3rem; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; white-space: nowrap; }
tr.failed td, tr.refused td, tr.ongoing td { color: #a00; }
section.replica { margin-bottom: 3rem; }
.legend span { margin-right: 1.5rem; }
</style>
</head>
<body>
${set.reports.map((r) => sectionOf(r, set.simulated, set.sameTarget)).join('\n')}
</body>
</html>
`;
}

/** Renders the reports in a format. */
export function render(set: ReportSet, format: Format): string {
  switch (format) {
    case 'table':
      return `${renderTable(set)}\n`;
    case 'markdown':
      return renderMarkdown(set);
    case 'json':
      return renderJson(set);
    case 'csv':
      return renderCsv(set);
    case 'html':
      return renderHtml(set);
  }
}
