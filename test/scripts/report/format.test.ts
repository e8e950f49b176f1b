import type { Report } from '../../../lambdas/reporting/report';
import { buildReport } from '../../../lambdas/reporting/report';
import { parseWhen } from '../../../scripts/cli/backend';
import type { ReportSet } from '../../../scripts/report/format';
import { renderCsv, renderHtml, renderJson, renderMarkdown, renderTable, restoreHint } from '../../../scripts/report/format';
import { KNOWN_RUNS } from '../../support/runs';

const report = buildReport(KNOWN_RUNS, { replica: 'orders-staging', since: new Date('2026-10-01T00:00:00Z'), until: new Date('2026-11-01T00:00:00Z'), timeZone: 'Europe/Berlin', rtoTargetMinutes: 45 });

/** A set of one or more reports, as the report command renders it. */
function set(...reports: Report[]): ReportSet {
  return { simulated: false, since: report.since, until: report.until, timeZone: 'Europe/Berlin', rtoTargetMinutes: 45, reports };
}

describe('report formats', () => {
  it('table: windows in the configured zone, on both sides of the DST change', () => {
    const text = renderTable(set(report));
    expect(text).toContain('2026-10-24 03:00:00 CEST → 03:30:00 CEST');
    // The same wall-clock time twice, an hour apart: the zone's abbreviations tell them apart.
    expect(text).toContain('2026-10-25 02:30:00 CEST → 02:30:00 CET');
    expect(text).toMatch(/^orders-staging: refreshes from 2026-10-01 02:00 CEST to 2026-11-01 01:00 CET \(Europe\/Berlin\)/);
    expect(text).toContain('1 h 00 min');
    expect(text).toContain('Runs: 4 (2 succeeded, 1 failed, 1 refused); success rate 66.7%.');
    expect(text).toContain('target 45 min, missed 2 time(s) (failed restores count as missed)');
  });

  it('markdown: a table and a Mermaid gantt of the windows in UTC, so bars keep their length across DST', () => {
    const md = renderMarkdown(set(report));
    expect(md).toContain('```mermaid\ngantt');
    expect(md).toContain('24 Oct 30 min 00 s :done, run1, 2026-10-24T01:00:00, 2026-10-24T01:30:00');
    expect(md).toContain('25 Oct 1 h 00 min :crit, run2, 2026-10-25T00:30:00, 2026-10-25T01:30:00');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(5);
  });

  it("json: every report whole, parseable, with simulated beside the replica ids and the commands' flags left out", () => {
    const parsed = JSON.parse(renderJson({ ...set(report), simulated: true, sameTarget: '--local' })) as ReportSet & Record<string, unknown>;
    expect(parsed.reports).toEqual(JSON.parse(JSON.stringify([report])));
    expect(parsed.simulated).toBe(true);
    expect(parsed).not.toHaveProperty('sameTarget');
    expect(parsed.reports[0]?.rows.every((r) => r.replica === 'orders-staging' && typeof r.status === 'string')).toBe(true);
    expect(parsed.reports[0]?.summary.restore).toEqual({ count: 2, p50Seconds: 1200, p95Seconds: 3000, maxSeconds: 3000 });
  });

  it('csv: one row per run, UTC and local times, quoted where needed', () => {
    const lines = renderCsv(set(report)).trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      'replica,run_id,trigger,mode,status,started_utc,downtime_start_utc,downtime_end_utc,downtime_start_local,downtime_end_local,time_zone,downtime_seconds,downtime_ongoing,client_downtime_seconds,restore_seconds,data_age_seconds,rto_missed,snapshot_id,snapshot_data_time_utc,drift,precision,reason',
    );
    expect(lines[2]).toContain(',2026-10-25T02:30:00+02:00,2026-10-25T02:30:00+01:00,Europe/Berlin,3600,false,,3000,7200,true,');
    expect(lines[2]?.startsWith('orders-staging,')).toBe(true);
    expect(lines[3]?.endsWith(',the restore failed 5 times (last: InsufficientDBInstanceCapacityFault).')).toBe(true);
    const quoted = buildReport([{ ...KNOWN_RUNS[3]!, reason: 'no snapshot, says "RDS"' }], { ...report, since: new Date(report.since), until: new Date(report.until) });
    expect(renderCsv(set(quoted)).trimEnd().split('\r\n')[1]?.endsWith(',"no snapshot, says ""RDS"""')).toBe(true);
  });

  it('html: one self-contained page whose chart holds every measured run', () => {
    const html = renderHtml(set(report));
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(html).toContain('data-runs="2"');
    expect(html.match(/class="bar downtime/g)).toHaveLength(2);
    expect(html).toContain('data-downtime-seconds="3600"');
    expect(html).toContain('class="bar downtime missed"');
    expect(html).toContain('<title>RTO target 45 min</title>');
    expect(html.match(/<tr class="run /g)).toHaveLength(4);
    // The failed and the refused night are marked on the chart rather than left out.
    expect(html.match(/<g class="mark (failed|refused)"/g)).toHaveLength(2);
  });
});

describe('parseWhen', () => {
  it('reads durations back from now, and dates in the configured zone', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(parseWhen('30d', now, 'Europe/Berlin').toISOString()).toBe('2026-10-22T12:00:00.000Z');
    expect(parseWhen('12h', now, 'Europe/Berlin').toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(parseWhen('2026-11-01', now, 'Europe/Berlin').toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(() => parseWhen('last week', now, 'Europe/Berlin')).toThrow('--since "last week" is neither a duration back from now (30d, 12h, 2w) nor a date (2026-11-01, read in Europe/Berlin)');
    expect(() => parseWhen('soon', now, 'Europe/Berlin', '--until')).toThrow('--until "soon"');
  });
});

describe('an outage still going on', () => {
  // The failed run of KNOWN_RUNS deleted y and never brought it back; y is missing at the end of the period.
  const missing = buildReport(KNOWN_RUNS, { replica: 'orders-staging', since: new Date('2026-10-01T00:00:00Z'), until: new Date('2026-11-01T00:00:00Z'), timeZone: 'Europe/Berlin', rtoTargetMinutes: 45, replicaMissing: true });

  it('shows its length so far and "ongoing", and says which command brings y back', () => {
    const text = renderTable({ ...set(missing), sameTarget: '--local --faults capacity-outage@7' });
    expect(text).toMatch(/failed, y still missing +\S+ \S+ CES?T → now \(ongoing\) +≥ \d+ h \d{2} min, ongoing/);
    expect(text).toContain('orders-staging is missing. To bring it back now, run: npm run restore -- --replica orders-staging --local --faults capacity-outage@7');
    expect(restoreHint(report)).toBeUndefined();
  });

  it("counts in the summary's maximum, which is as long as the outage so far", () => {
    const ongoing = missing.rows.find((r) => r.ongoing);
    expect(ongoing?.downtimeSeconds).toBe((Date.parse(missing.until) - Date.parse(ongoing?.downtimeStart ?? '')) / 1000);
    expect(missing.summary.downtime.maxSeconds).toBe(ongoing?.downtimeSeconds);
    expect(missing.summary.ongoingDowntimeSeconds).toBe(ongoing?.downtimeSeconds);
    expect(renderTable(set(missing))).toMatch(/Downtime of succeeded runs and the outage still going on: .*orders-staging has been down for ≥ \d+ h \d{2} min and is still down\./);
  });
});

describe('durations match the printed ends', () => {
  it('a window from 03:00:00.6 to 03:20:25.4 prints the difference of what it prints', () => {
    const base = KNOWN_RUNS[0]!;
    const run = { ...base, runId: 'r-fraction', deleteRequestedAt: '2026-10-24T01:00:00.600Z', usableAt: '2026-10-24T01:20:25.400Z', hooksPassedAt: undefined };
    const r = buildReport([run], { replica: 'orders-staging', since: new Date('2026-10-01T00:00:00Z'), until: new Date('2026-11-01T00:00:00Z'), timeZone: 'Europe/Berlin', rtoTargetMinutes: 45 });
    expect(renderTable(set(r))).toContain('2026-10-24 03:00:01 CEST → 03:20:25 CEST  20 min 24 s');
  });
});
