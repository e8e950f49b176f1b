/**
 * Runs with known timestamps, for report tests: three nights in Europe/Berlin around the end of DST
 * (25 Oct 2026, 03:00 CEST → 02:00 CET), one of them failed, and one refused.
 */
import type { RunRecord } from '../../lambdas/kernel/model';

function run(runId: string, changes: Partial<RunRecord>): RunRecord {
  return { replicaId: 'orders-staging', runId, sourceId: 'orders-prod', trigger: 'schedule', status: 'succeeded', startedAt: '', restoreAttempts: 1, checks: [], errors: [], drift: [], ...changes };
}

export const KNOWN_RUNS: RunRecord[] = [
  // Sat 24 Oct, CEST (UTC+2): 03:00 local = 01:00Z. Down 30 min, restore 20 min, data 2 h old.
  run('20261024T010000Z-aaaaaa', {
    startedAt: '2026-10-24T01:00:00.000Z',
    deleteRequestedAt: '2026-10-24T01:00:00.000Z',
    deletedAt: '2026-10-24T01:10:00.000Z',
    restoreRequestedAt: '2026-10-24T01:10:00.000Z',
    usableAt: '2026-10-24T01:30:00.000Z',
    usableSource: 'event',
    snapshot: { id: 'orders-prod-2026-10-23', arn: 'arn:aws:rds:eu-central-1:111111111111:snapshot:orders-prod-2026-10-23', type: 'manual', dataTime: '2026-10-23T23:30:00.000Z' },
  }),
  // Sun 25 Oct: the window spans the switch. 02:30 CEST (00:30Z) → 02:30 CET (01:30Z): one hour down, though the wall clock reads the same.
  run('20261025T003000Z-bbbbbb', {
    startedAt: '2026-10-25T00:30:00.000Z',
    deleteRequestedAt: '2026-10-25T00:30:00.000Z',
    deletedAt: '2026-10-25T00:40:00.000Z',
    restoreRequestedAt: '2026-10-25T00:40:00.000Z',
    usableAt: '2026-10-25T01:30:00.000Z',
    usableSource: 'poll',
    snapshot: { id: 'orders-prod-2026-10-24', arn: 'arn:aws:rds:eu-central-1:111111111111:snapshot:orders-prod-2026-10-24', type: 'manual', dataTime: '2026-10-24T23:30:00.000Z' },
    drift: [{ setting: 'availabilityZone', expected: 'eu-central-1b', actual: 'eu-central-1a' }],
  }),
  // Mon 26 Oct, CET (UTC+1): 03:00 local = 02:00Z. The restore failed: y missing, run failed.
  run('20261026T020000Z-cccccc', {
    startedAt: '2026-10-26T02:00:00.000Z',
    status: 'failed',
    deleteRequestedAt: '2026-10-26T02:00:00.000Z',
    restoreClaimedAt: '2026-10-26T02:08:00.000Z',
    firstRestoreAttemptAt: '2026-10-26T02:08:00.000Z',
    reason: 'the restore failed 5 times (last: InsufficientDBInstanceCapacityFault).',
    snapshot: { id: 'orders-prod-2026-10-25', arn: 'arn:aws:rds:eu-central-1:111111111111:snapshot:orders-prod-2026-10-25', type: 'manual', dataTime: '2026-10-25T23:30:00.000Z' },
  }),
  // Sat 24 Oct's restore was retried once: RTO counts from its first attempt (01:10Z), not the retry.
  // Tue 27 Oct: refused, y untouched.
  run('20261027T020000Z-dddddd', { startedAt: '2026-10-27T02:00:00.000Z', status: 'refused', reason: 'no snapshot of orders-prod in eu-central-1' }),
];
