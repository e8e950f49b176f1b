import { DeleteDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { instanceGateway } from '../../../lambdas/targets/instance/gateway';
import { RdsAdapter } from '../../../lambdas/aws/rds';
import type { RunRecord } from '../../../lambdas/kernel/model';
import { handleRetention, parseRetentionInput, runRetention } from '../../../lambdas/retention/retention';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { X, Y, pair, xSnapshot, yInstance } from '../../support/fixtures';

const rdsMock = mockClient(RDSClient);
const owned = [
  { Key: 'replica-refresh:managed', Value: 'true' },
  { Key: 'replica-refresh:copied-from', Value: 'arn:aws:rds:eu-west-1:111111111111:snapshot:rds:x' },
];
const copy = (day: number, tags = owned) => xSnapshot(`orders-prod-2026-11-${String(day).padStart(2, '0')}`, `2026-11-${String(day).padStart(2, '0')}T00:10:00Z`, { TagList: tags });
const snapshots = [copy(20), copy(19), copy(18), copy(10), copy(9), copy(8, [{ Key: 'team', Value: 'dba' }])];

function deps(active?: RunRecord) {
  const rds = new RdsAdapter(new RDSClient({ region: 'eu-central-1' }));
  return { rds, targets: { instance: instanceGateway(rds) }, ledger: { getActiveRun: () => Promise.resolve(active) }, telemetry: new SimTelemetry(), now: () => new Date('2026-11-21T12:00:00Z') };
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

describe('handleRetention (the retention function)', () => {
  const config = { pairs: [pair({ copy: { retention: { keepDays: 7, keepLast: 2 } } })] };

  it('runs the configured policy for the replica it is scheduled for', async () => {
    const [pass] = await handleRetention(deps(), config, { trigger: 'retention', replica: Y });
    expect(pass).toMatchObject({ replica: Y, dryRun: false, deleted: ['orders-prod-2026-11-10'], skipped: [] });
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'orders-prod-2026-11-10' });
  });

  it('deletes nothing on a dry run', async () => {
    const [pass] = await handleRetention(deps(), config, { trigger: 'retention', dryRun: true });
    expect(pass?.deleted).toEqual([]);
    expect(pass?.results.filter((r) => !r.keep).map((r) => r.id)).toEqual(['orders-prod-2026-11-10']);
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 0);
  });

  it('keeps the copies another pair restored from the same x holds', async () => {
    const siblingY = 'orders-dev';
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: siblingY }).resolves({
      DBInstances: [yInstance({ DBInstanceIdentifier: siblingY, TagList: [...owned, { Key: 'replica-refresh:source-snapshot', Value: 'orders-prod-2026-11-10' }] })],
    });
    const both = { pairs: [...config.pairs, pair({ replica: { instanceId: siblingY, region: 'eu-central-1' }, copy: { retention: { keepDays: 7, keepLast: 2 } } })] };
    const passes = await handleRetention(deps(), both, { trigger: 'retention', replica: Y });
    expect(passes[0]?.deleted).toEqual([]);
    expect(passes[0]?.results.find((r) => r.id === 'orders-prod-2026-11-10')).toMatchObject({ keep: true, reason: expect.stringContaining('in use') as unknown });
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 0);
  });

  it('runs a pass for each replica a shared schedule names, reading what each y holds once', async () => {
    const siblingY = 'orders-dev';
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: siblingY }).resolves({
      DBInstances: [yInstance({ DBInstanceIdentifier: siblingY, TagList: [...owned, { Key: 'replica-refresh:source-snapshot', Value: 'orders-prod-2026-11-10' }] })],
    });
    const both = { pairs: [...config.pairs, pair({ replica: { instanceId: siblingY, region: 'eu-central-1' }, copy: { retention: { keepDays: 7, keepLast: 2 } } })] };
    const passes = await handleRetention(deps(), both, { trigger: 'retention', replicas: [siblingY, Y] });
    // In the configuration's order, each keeping what the other holds.
    expect(passes.map((p) => [p.replica, p.deleted, p.kept])).toEqual([
      [Y, [], 6],
      [siblingY, [], 6],
    ]);
    // Each y described once, though each pair also keeps what its sibling holds.
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input.DBInstanceIdentifier).sort()).toEqual([siblingY, Y].sort());
  });

  it('skips the replicas of a shared schedule it does not know, with a warning, and runs the others', async () => {
    const telemetry = new SimTelemetry();
    const passes = await handleRetention({ ...deps(), telemetry }, config, { trigger: 'retention', replicas: ['gone-staging', Y] });
    expect(passes.map((p) => p.replica)).toEqual([Y]);
    expect(telemetry.total('RetentionInputIgnored')).toBe(0);
  });

  it.each([
    ['replica and replicas together', { trigger: 'retention', replica: Y, replicas: [Y] }, 'give replica or replicas, not both'],
    ['an empty list', { trigger: 'retention', replicas: [] }, 'replicas must be a list of 1 to 1000 replica ids'],
    ['a list of more than 1000', { trigger: 'retention', replicas: Array.from({ length: 1001 }, (_, i) => `y-${i}`) }, 'replicas must be a list of 1 to 1000 replica ids'],
    ['a list that is not one', { trigger: 'retention', replicas: Y }, 'replicas must be a list of 1 to 1000 replica ids'],
    ['a list holding a number', { trigger: 'retention', replicas: [Y, 7] }, 'replicas must hold replica ids, got 7'],
    ['a list naming a replica twice', { trigger: 'retention', replicas: [Y, Y] }, `replicas names "${Y}" twice`],
    ['an empty replica', { trigger: 'retention', replica: '' }, 'replica must be a non-empty string'],
    ['a dryRun that is not a boolean', { trigger: 'retention', dryRun: 'yes' }, 'dryRun must be true or false'],
  ])('refuses %s, naming the problem', (_name, input, problem) => {
    expect(parseRetentionInput(input)).toEqual({ problem });
  });

  it('takes both shapes of input', () => {
    expect(parseRetentionInput({ trigger: 'retention', replicas: [Y, 'orders-dev'], dryRun: true })).toEqual({ input: { trigger: 'retention', replicas: [Y, 'orders-dev'], dryRun: true } });
    expect(parseRetentionInput({ trigger: 'retention', replica: Y })).toEqual({ input: { trigger: 'retention', replica: Y } });
  });

  it.each([
    ['a malformed replicas list', config, { trigger: 'retention', replicas: [Y, Y] }],
    ['retention off', { pairs: [pair({ copy: { retention: { enabled: false } } })] }, { trigger: 'retention' }],
    ['copying off (someone else copies)', { pairs: [pair({ copy: { enabled: false } })] }, { trigger: 'retention' }],
    ['backup-replication mode', { pairs: [pair({ source: { instanceId: X, region: 'eu-west-1', mode: 'backup-replication' } })] }, { trigger: 'retention' }],
    ['an unknown replica', config, { trigger: 'retention', replica: 'someone-else' }],
    ['another trigger', config, { trigger: 'watchdog' }],
    ['garbage', config, 'hello'],
  ])('touches nothing for %s', async (_name, cfg, input) => {
    const telemetry = new SimTelemetry();
    expect(await handleRetention({ ...deps(), telemetry }, cfg, input)).toEqual([]);
    expect(rdsMock.calls()).toHaveLength(0);
    expect(telemetry.total('RetentionInputIgnored')).toBe(1);
  });
});
