import { DeleteDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsAdapter } from '../../../lambdas/aws/rds';
import type { RunRecord } from '../../../lambdas/core/model';
import { runRetention } from '../../../lambdas/core/retention-run';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { X, Y, pair, xSnapshot, yInstance } from '../../support/fixtures';

const rdsMock = mockClient(RDSClient);
const owned = [{ Key: 'replica-refresh:managed', Value: 'true' }];
const copy = (day: number, tags = owned) => xSnapshot(`orders-prod-2026-11-${String(day).padStart(2, '0')}`, `2026-11-${String(day).padStart(2, '0')}T00:10:00Z`, { TagList: tags });
const snapshots = [copy(20), copy(19), copy(18), copy(10), copy(9), copy(8, [{ Key: 'team', Value: 'dba' }])];

function deps(active?: RunRecord) {
  return { rds: new RdsAdapter(new RDSClient({ region: 'eu-central-1' })), ledger: { getActiveRun: () => Promise.resolve(active) }, telemetry: new SimTelemetry(), now: () => new Date('2026-11-21T12:00:00Z') };
}

beforeEach(() => {
  rdsMock.reset();
  // y holds the copy of the 9th (an old pinned drill, say): it must survive.
  rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [yInstance({ TagList: [...owned, { Key: 'replica-refresh:source-snapshot', Value: 'orders-prod-2026-11-09' }] })] });
  rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: [X] }] }).resolves({ DBSnapshots: snapshots });
  for (const s of snapshots) rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: s.DBSnapshotIdentifier }).resolves({ DBSnapshots: [s] });
  rdsMock.on(DeleteDBSnapshotCommand).resolves({});
});

describe('runRetention', () => {
  it('deletes only owned, unused, expired copies, re-checking the tag before each delete', async () => {
    const results = await runRetention(deps(), pair(), { keepDays: 7, keepLast: 2 });
    expect(Object.fromEntries(results.map((r) => [r.id, r.keep ? 'keep' : r.deleted]))).toEqual({
      'orders-prod-2026-11-20': 'keep',
      'orders-prod-2026-11-19': 'keep',
      'orders-prod-2026-11-18': 'keep',
      'orders-prod-2026-11-10': 'deleted',
      'orders-prod-2026-11-09': 'keep',
      'orders-prod-2026-11-08': 'keep',
    });
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'orders-prod-2026-11-10' });
  });

  it('keeps the snapshot an active run has chosen', async () => {
    const active = { replicaId: Y, runId: 'r', sourceId: X, trigger: 'drill', status: 'active', startedAt: '2026-11-21T11:00:00Z', restoreAttempts: 0, checks: [], errors: [], pinnedSnapshotId: 'orders-prod-2026-11-10' } as RunRecord;
    await runRetention(deps(active), pair(), { keepDays: 7, keepLast: 2 });
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 0);
  });

  it('deletes nothing in a dry run, or while y is gone with no run to say what it needs', async () => {
    const dry = await runRetention(deps(), pair(), { keepDays: 7, keepLast: 2 }, { dryRun: true });
    expect(dry.filter((r) => !r.keep).map((r) => r.id)).toEqual(['orders-prod-2026-11-10']);
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    expect((await runRetention(deps(), pair(), { keepDays: 7, keepLast: 2 })).every((r) => r.keep)).toBe(true);
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 0);
  });
});
