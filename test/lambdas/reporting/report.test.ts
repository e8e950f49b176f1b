import { buildReport, percentile } from '../../../lambdas/reporting/report';
import { KNOWN_RUNS } from '../../support/runs';

const opts = { replica: 'orders-staging', since: new Date('2026-10-01T00:00:00Z'), until: new Date('2026-11-01T00:00:00Z'), timeZone: 'Europe/Berlin', rtoTargetMinutes: 45 };

describe('buildReport', () => {
  const report = buildReport(KNOWN_RUNS, opts);

  it('measures each run from its UTC timestamps, so a window across the DST change is its true length', () => {
    expect(report.rows.map((r) => [r.status, r.downtimeSeconds, r.restoreSeconds, r.dataAgeSeconds])).toEqual([
      ['succeeded', 1800, 1200, 7200],
      // 02:30 CEST → 02:30 CET is one hour, not zero.
      ['succeeded', 3600, 3000, 7200],
      ['failed', undefined, undefined, undefined],
      ['refused', undefined, undefined, undefined],
    ]);
    expect(report.rows[1]).toMatchObject({ rtoMissed: true, drift: ['availabilityZone'], precision: 'exact start, polled end' });
    expect(report.rows[2]).toMatchObject({ reason: 'the restore failed 5 times (last: InsufficientDBInstanceCapacityFault).', downtimeStart: '2026-10-26T02:00:00.000Z' });
  });

  it('summarises: counts, success rate without refusals, percentiles and misses', () => {
    expect(report.summary).toEqual({
      runs: 4,
      succeeded: 2,
      failed: 1,
      refused: 1,
      successRate: 2 / 3,
      downtime: { count: 2, p50Seconds: 1800, p95Seconds: 3600, maxSeconds: 3600 },
      restore: { count: 2, p50Seconds: 1200, p95Seconds: 3000, maxSeconds: 3000 },
      dataAge: { count: 2, p50Seconds: 7200, p95Seconds: 7200, maxSeconds: 7200 },
      clientDowntime: { count: 0 },
      // The slow restore and the failed one.
      rtoMisses: 2,
      trend: 'not enough runs',
    });
  });

  it('says on every row how the deletion and the return were seen: an RDS event or the watchdog\'s poll', () => {
    expect(report.rows.map((r) => [r.status, r.deletedSource, r.usableSource])).toEqual(
      KNOWN_RUNS.map((r) => [r.status, r.deletedSource ?? null, r.usableSource ?? null]),
    );
    const polledDeletion = buildReport([{ ...KNOWN_RUNS[0]!, deletedSource: 'poll' }], opts).rows[0];
    expect(polledDeletion).toMatchObject({ deletedSource: 'poll', precision: 'exact start, event end, deletion polled' });
  });

  it("shows what a SQL probe measured (client-seen downtime) on the runs it measured, and summarises it over them whatever their outcome", () => {
    const probed = buildReport([{ ...KNOWN_RUNS[0]!, clientDowntimeSeconds: 1812.5 }, { ...KNOWN_RUNS[2]!, clientDowntimeSeconds: 0 }, KNOWN_RUNS[1]!], opts);
    expect(probed.rows.map((r) => [r.status, r.clientDowntimeSeconds])).toEqual([
      ['succeeded', 1812.5],
      ['succeeded', undefined],
      ['failed', 0],
    ]);
    expect(probed.summary.clientDowntime).toEqual({ count: 2, p50Seconds: 0, p95Seconds: 1812.5, maxSeconds: 1812.5 });
  });

  it('measures restore time from the first attempt, retries included', () => {
    const retried = { ...KNOWN_RUNS[0]!, firstRestoreAttemptAt: '2026-10-24T01:08:00.000Z', restoreRequestedAt: '2026-10-24T01:14:00.000Z' };
    expect(buildReport([retried], opts).rows[0]?.restoreSeconds).toBe(1320);
  });

  it('shows a run in progress', () => {
    const active = { ...KNOWN_RUNS[0]!, runId: 'live', status: 'active' as const, phase: 'restoring' as const, usableAt: undefined, startedAt: '2026-10-28T02:00:00.000Z', deleteRequestedAt: '2026-10-28T02:00:00.000Z' };
    expect(buildReport([active], opts).rows[0]).toMatchObject({ status: 'active', downtimeStart: '2026-10-28T02:00:00.000Z', precision: 'in progress, phase restoring' });
  });

  it('a run in progress whose y is down: its downtime so far, ongoing, counted in the maxima', () => {
    const active = { ...KNOWN_RUNS[0]!, runId: 'live', status: 'active' as const, phase: 'restoring' as const, usableAt: undefined, startedAt: '2026-10-28T02:00:00.000Z', deleteRequestedAt: '2026-10-28T02:00:00.000Z' };
    const until = new Date('2026-10-28T12:00:00.000Z');
    const report = buildReport([...KNOWN_RUNS, active], { ...opts, until });
    expect(report.rows.find((r) => r.runId === 'live')).toMatchObject({ ongoing: true, downtimeSeconds: 36_000 });
    expect(report.summary.downtime.maxSeconds).toBe(36_000);
    expect(report.summary.ongoingDowntimeSeconds).toBe(36_000);
  });

  it('a failed run that left y deleted is ongoing only while y is missing, and only the newest of them', () => {
    const failed = KNOWN_RUNS.find((r) => r.status === 'failed')!;
    const heal = { ...failed, runId: `${failed.runId}-heal`, trigger: 'heal' as const, startedAt: '2026-10-27T00:00:00.000Z' };
    const gone = buildReport([...KNOWN_RUNS, heal], { ...opts, replicaMissing: true });
    expect(gone.rows.filter((r) => r.ongoing).map((r) => r.runId)).toEqual([heal.runId]);
    expect(gone.rows.find((r) => r.ongoing)?.downtimeSeconds).toBe((opts.until.getTime() - Date.parse(heal.deleteRequestedAt!)) / 1000);
    // y is back (someone restored it by hand): no outage goes on, the failed rows keep no downtime figure.
    const back = buildReport([...KNOWN_RUNS, heal], { ...opts, replicaMissing: false });
    expect(back.rows.some((r) => r.ongoing)).toBe(false);
    expect(back.rows.filter((r) => r.status === 'failed').every((r) => r.downtimeSeconds === undefined)).toBe(true);
    expect(back.summary.ongoingDowntimeSeconds).toBeUndefined();
  });

  it('a later success ends the outage: an older failure is never ongoing', () => {
    const failed = KNOWN_RUNS.find((r) => r.status === 'failed')!;
    const later = { ...KNOWN_RUNS[0]!, runId: 'later-success', startedAt: '2026-10-30T02:00:00.000Z', deleteRequestedAt: '2026-10-30T02:00:00.000Z', usableAt: '2026-10-30T02:30:00.000Z' };
    expect(Date.parse(later.startedAt)).toBeGreaterThan(Date.parse(failed.startedAt));
    expect(buildReport([...KNOWN_RUNS, later], { ...opts, replicaMissing: true }).rows.some((r) => r.ongoing)).toBe(false);
  });

  it('keeps only the replica and the period asked for', () => {
    const narrow = buildReport(KNOWN_RUNS, { ...opts, since: new Date('2026-10-25T00:00:00Z'), until: new Date('2026-10-26T00:00:00Z') });
    expect(narrow.rows.map((r) => r.runId)).toEqual(['20261025T003000Z-bbbbbb']);
    expect(buildReport(KNOWN_RUNS, { ...opts, replica: 'billing-staging' }).rows).toEqual([]);
  });

  it('reports a trend once there are enough runs', () => {
    const many = Array.from({ length: 8 }, (_, i) => ({
      ...KNOWN_RUNS[0]!,
      runId: `r${i}`,
      startedAt: `2026-10-0${i + 1}T01:00:00.000Z`,
      restoreRequestedAt: `2026-10-0${i + 1}T01:10:00.000Z`,
      usableAt: new Date(Date.parse(`2026-10-0${i + 1}T01:10:00.000Z`) + (1200 + i * 120) * 1000).toISOString(),
    }));
    const trend = buildReport(many, opts).summary;
    expect(trend.trend).toBe('slower');
    expect(trend.restoreTrendSeconds).toBe(480);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([percentile(xs, 0.5), percentile(xs, 0.95), percentile(xs, 1), percentile([], 0.5)]).toEqual([5, 10, 10, undefined]);
  });
});
