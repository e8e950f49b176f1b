import { closedRunNotification, formatDuration, formatTime, measure, rtoMissed } from '../../../lambdas/reporting/measures';
import type { RunRecord } from '../../../lambdas/kernel/model';

const run: RunRecord = {
  replicaId: 'orders-staging',
  runId: '20261121T020000Z-abc123',
  sourceId: 'orders-prod',
  trigger: 'schedule',
  status: 'succeeded',
  startedAt: '2026-11-21T02:00:00.000Z',
  preflightFinishedAt: '2026-11-21T02:00:01.500Z',
  deleteRequestedAt: '2026-11-21T02:00:02.000Z',
  deletedAt: '2026-11-21T02:06:02.000Z',
  restoreRequestedAt: '2026-11-21T02:06:03.000Z',
  usableAt: '2026-11-21T02:31:03.000Z',
  modifiedAt: '2026-11-21T02:31:04.000Z',
  closedAt: '2026-11-21T02:31:05.000Z',
  restoreAttempts: 1,
  snapshot: { id: 'copy-1', arn: 'arn:aws:rds:eu-central-1:111111111111:snapshot:copy-1', type: 'manual', dataTime: '2026-11-21T01:01:03.000Z' },
  checks: [],
  errors: [],
  drift: [],
};

describe('measure', () => {
  it('computes downtime, restore time, data age and phases from the timestamps', () => {
    expect(measure(run)).toEqual({ downtimeSeconds: 1861, restoreSeconds: 1500, dataAgeSeconds: 5400, preflightSeconds: 1.5, deleteSeconds: 360, modifySeconds: 1 });
  });
  it('leaves out what it cannot compute', () => {
    const { usableAt: _u, ...open } = run;
    expect(measure(open)).toEqual({ preflightSeconds: 1.5, deleteSeconds: 360 });
  });
});

describe('rtoMissed: one definition for notifications, metrics, drill and report', () => {
  it('is a restore slower than the target', () => {
    expect(rtoMissed(run, 25)).toBe(false);
    expect(rtoMissed(run, 24)).toBe(true);
  });
  it('counts a run that failed after a restore was attempted as missed, and one that failed before as not', () => {
    const failed: RunRecord = { ...run, status: 'failed', usableAt: undefined, firstRestoreAttemptAt: '2026-11-21T02:06:03.000Z' };
    expect(rtoMissed(failed, 45)).toBe(true);
    expect(rtoMissed({ ...failed, firstRestoreAttemptAt: undefined, restoreClaimedAt: undefined }, 45)).toBe(false);
  });
  it('does not call a run still restoring missed', () => {
    expect(rtoMissed({ ...run, status: 'active', usableAt: undefined }, 1)).toBe(false);
  });
});

describe('formatting', () => {
  it('formats durations', () => {
    expect([formatDuration(45), formatDuration(750), formatDuration(3840), formatDuration(undefined)]).toEqual(['45 s', '12 min 30 s', '1 h 04 min', 'unknown']);
  });
  it('shows times in the configured zone across DST', () => {
    expect(formatTime('2026-07-01T01:00:00.000Z', 'Europe/Berlin')).toBe('2026-07-01 03:00:00 GMT+2');
    expect(formatTime('2026-11-21T02:00:00.000Z', 'Europe/Berlin')).toBe('2026-11-21 03:00:00 GMT+1');
  });
});

describe('closedRunNotification', () => {
  it('reads as a report and carries the numbers as data', () => {
    const n = closedRunNotification(run, { timeZone: 'Europe/Berlin', rtoTargetMinutes: 45 });
    expect(n.severity).toBe('info');
    expect(n.subject).toBe('[replica-refresh] orders-staging refreshed');
    expect(n.text).toContain('Downtime: 2026-11-21 03:00:02 GMT+1 → 2026-11-21 03:31:03 GMT+1 (31 min 01 s)');
    expect(n.text).toContain('Restore time: 25 min 00 s against a target of 45 min');
    expect(n.data).toMatchObject({ downtimeSeconds: 1861, restoreSeconds: 1500, dataAgeSeconds: 5400, rtoMissed: false });
  });
  it('alerts on a missed RTO target', () => {
    const n = closedRunNotification(run, { timeZone: 'UTC', rtoTargetMinutes: 20 });
    expect(n.severity).toBe('alert');
    expect(n.subject).toBe('[replica-refresh] orders-staging refreshed, RTO target missed');
  });
  it('alerts on drift and lists it', () => {
    const n = closedRunNotification({ ...run, drift: [{ setting: 'storageType', expected: 'gp3', actual: 'gp2' }] }, { timeZone: 'UTC', rtoTargetMinutes: 45 });
    expect(n.severity).toBe('alert');
    expect(n.text).toContain('storageType: expected "gp3", found "gp2"');
  });
  it('says why a run failed', () => {
    const n = closedRunNotification({ ...run, status: 'failed', reason: 'the restore was rejected.' }, { timeZone: 'UTC', rtoTargetMinutes: 45 });
    expect(n.kind).toBe('refresh.failed');
    expect(n.text).toContain('Why: the restore was rejected.');
  });
});
