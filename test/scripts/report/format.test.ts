import { buildReport } from '../../../lambdas/reporting/report';
import { parseSince } from '../../../scripts/cli/backend';
import { renderCsv, renderHtml, renderJson, renderMarkdown, renderTable } from '../../../scripts/report/format';
import { KNOWN_RUNS } from '../../support/runs';

const report = buildReport(KNOWN_RUNS, { replica: 'orders-staging', since: new Date('2026-10-01T00:00:00Z'), until: new Date('2026-11-01T00:00:00Z'), timeZone: 'Europe/Berlin', rtoTargetMinutes: 45 });

describe('report formats', () => {
  it('table: windows in the configured zone, on both sides of the DST change', () => {
    const text = renderTable(report);
    expect(text).toContain('2026-10-24 03:00:00 GMT+2 → 03:30:00 GMT+2');
    // The same wall-clock time twice, an hour apart: the offsets tell them apart.
    expect(text).toContain('2026-10-25 02:30:00 GMT+2 → 02:30:00 GMT+1');
    expect(text).toContain('1 h 00 min');
    expect(text).toContain('Runs: 4 (2 succeeded, 1 failed, 1 refused); success rate 66.7%.');
    expect(text).toContain('target 45 min, missed 2 time(s) (failed restores count as missed)');
  });

  it('markdown: a table and a Mermaid gantt of the windows in UTC, so bars keep their length across DST', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('```mermaid\ngantt');
    expect(md).toContain('24 Oct 30 min 00 s :done, run1, 2026-10-24T01:00:00, 2026-10-24T01:30:00');
    expect(md).toContain('25 Oct 1 h 00 min :crit, run2, 2026-10-25T00:30:00, 2026-10-25T01:30:00');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(5);
  });

  it('json: the whole report, parseable', () => {
    expect(JSON.parse(renderJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('csv: one row per run, UTC and local times, quoted where needed', () => {
    const lines = renderCsv(report).trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      'run_id,trigger,mode,status,started_utc,downtime_start_utc,downtime_end_utc,downtime_start_local,downtime_end_local,time_zone,downtime_seconds,client_downtime_seconds,restore_seconds,data_age_seconds,rto_missed,snapshot_id,snapshot_data_time_utc,drift,precision,reason',
    );
    expect(lines[2]).toContain(',2026-10-25T02:30:00+02:00,2026-10-25T02:30:00+01:00,Europe/Berlin,3600,,3000,7200,true,');
    expect(lines[3]?.endsWith(',the restore failed 5 times (last: InsufficientDBInstanceCapacityFault).')).toBe(true);
    const quoted = buildReport([{ ...KNOWN_RUNS[3]!, reason: 'no snapshot, says "RDS"' }], { ...report, since: new Date(report.since), until: new Date(report.until) });
    expect(renderCsv(quoted).trimEnd().split('\r\n')[1]?.endsWith(',"no snapshot, says ""RDS"""')).toBe(true);
  });

  it('html: one self-contained page whose chart holds every measured run', () => {
    const html = renderHtml(report);
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

describe('parseSince', () => {
  it('reads durations back from now, and dates in the configured zone', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    expect(parseSince('30d', now, 'Europe/Berlin').toISOString()).toBe('2026-10-22T12:00:00.000Z');
    expect(parseSince('12h', now, 'Europe/Berlin').toISOString()).toBe('2026-11-21T00:00:00.000Z');
    expect(parseSince('2026-11-01', now, 'Europe/Berlin').toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(() => parseSince('last week', now, 'Europe/Berlin')).toThrow('--since "last week" is neither a duration such as 30d, 12h or 2w, nor a date such as 2026-11-01 (read in Europe/Berlin)');
  });
});
