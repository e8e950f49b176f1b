import { CopyDBSnapshotCommand, CreateDBSnapshotCommand, DBSnapshotAlreadyExistsFault, DBSnapshotNotFoundFault, DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from '../../../lambdas/aws/notify';
import { DeferQueue } from '../../../lambdas/aws/queue';
import { RdsAdapter } from '../../../lambdas/aws/rds';
import { RdsClusterAdapter } from '../../../lambdas/aws/rds-clusters';
import { handleCopyInvocation, snapshotIdFromEvent } from '../../../lambdas/copy/invocation';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { eventBridgeEvent, pair, xSnapshot } from '../../support/fixtures';
import { publishedKinds, snsMock } from '../../support/harness';

const rdsMock = mockClient(RDSClient);
const sqsMock = mockClient(SQSClient);
const meta = { $metadata: {} };
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/replica-key';
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/111111111111/replica-refresh-deferred-copies';
const AUTO_ID = 'rds:orders-prod-2026-11-21-00-10';
const source = xSnapshot(AUTO_ID, '2026-11-21T00:10:00Z', { SnapshotType: 'automated', DBSnapshotArn: `arn:aws:rds:eu-west-1:111111111111:snapshot:${AUTO_ID}`, SourceRegion: undefined });
const pairs = [pair({ copy: { replicaKmsKeyArn: KEY } })];

function deps() {
  const rds = new RdsAdapter(new RDSClient({ region: 'eu-west-1' }));
  const queue = new DeferQueue(new SQSClient({ region: 'eu-west-1' }), QUEUE);
  return {
    sourceRds: rds,
    sourceClusters: new RdsClusterAdapter(new RDSClient({ region: 'eu-west-1' })),
    account: '111111111111',
    replicaRdsFor: () => new RdsAdapter(new RDSClient({ region: 'eu-central-1' })),
    replicaClustersFor: () => new RdsClusterAdapter(new RDSClient({ region: 'eu-central-1' })),
    defer: (m: { replica: string; snapshotId: string; attempt: number }, s: number) => queue.defer({ ...m }, s),
    notifier: new SnsNotifier(new SNSClient({ region: 'eu-central-1' }), 'arn:aws:sns:eu-central-1:111111111111:n'),
    telemetry: new SimTelemetry(),
    now: () => new Date('2026-11-21T12:00:05Z'),
  };
}

beforeEach(() => {
  rdsMock.reset();
  sqsMock.reset();
  snsMock.reset();
  rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: AUTO_ID, SnapshotType: 'automated' }).resolves({ DBSnapshots: [source] });
  rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'orders-prod-2026-11-21-00-10' }).rejects(new DBSnapshotNotFoundFault({ message: 'not found', ...meta }));
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [] });
  rdsMock.on(CopyDBSnapshotCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({});
});

describe('handleCopyInvocation', () => {
  it('copies on the automated-snapshot-created event, even when the id comes without rds:', async () => {
    const event = eventBridgeEvent('RDS-EVENT-0091', 'orders-prod-2026-11-21-00-10', new Date('2026-11-21T00:12:00Z'), { SourceType: 'SNAPSHOT', EventCategories: ['creation'] });
    const [result] = await handleCopyInvocation(deps(), pairs, { ...event, 'detail-type': 'RDS DB Snapshot Event' });
    expect(result).toMatchObject({ replica: 'orders-staging', outcome: { action: 'copied', targetId: 'orders-prod-2026-11-21-00-10' } });
    expect(rdsMock).toHaveReceivedCommandWith(CopyDBSnapshotCommand, { SourceDBSnapshotIdentifier: source.DBSnapshotArn, KmsKeyId: KEY });
  });

  it('reads snapshot ids from events with or without rds:, which only automated snapshots carry', () => {
    expect(snapshotIdFromEvent('RDS-EVENT-0091', 'orders-prod-2026-11-21-00-10')).toBe('rds:orders-prod-2026-11-21-00-10');
    expect(snapshotIdFromEvent('RDS-EVENT-0091', 'rds:orders-prod-2026-11-21-00-10')).toBe('rds:orders-prod-2026-11-21-00-10');
    expect(snapshotIdFromEvent('RDS-EVENT-0042', 'rds:orders-prod-rr-2026-11-21-06-00')).toBe('orders-prod-rr-2026-11-21-06-00');
    expect(snapshotIdFromEvent('RDS-EVENT-0042', 'orders-prod-rr-2026-11-21-06-00')).toBe('orders-prod-rr-2026-11-21-06-00');
  });

  it('defers to the delay queue when the in-flight quota is full, and copies when it comes back', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: Array.from({ length: 20 }, (_, i) => xSnapshot(`c${i}`, '2026-11-20T00:00:00Z', { Status: 'copying' })) });
    await handleCopyInvocation(deps(), pairs, { ...eventBridgeEvent('RDS-EVENT-0091', AUTO_ID, new Date(), { SourceType: 'SNAPSHOT' }), 'detail-type': 'RDS DB Snapshot Event' });
    expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: QUEUE, DelaySeconds: 300, MessageBody: JSON.stringify({ replica: 'orders-staging', snapshotId: AUTO_ID, attempt: 1, since: '2026-11-21T12:00:05.000Z' }) });

    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [] });
    const [back] = await handleCopyInvocation(deps(), pairs, { Records: [{ eventSource: 'aws:sqs', body: JSON.stringify({ replica: 'orders-staging', snapshotId: AUTO_ID, attempt: 1 }) }] });
    expect(back?.outcome).toMatchObject({ action: 'copied' });
  });

  it('keeps deferring within copy.maxWaitHours, carrying when it first waited', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: Array.from({ length: 20 }, (_, i) => xSnapshot(`c${i}`, '2026-11-20T00:00:00Z', { Status: 'copying' })) });
    const since = '2026-11-20T13:00:00.000Z';
    await handleCopyInvocation(deps(), pairs, { Records: [{ eventSource: 'aws:sqs', body: JSON.stringify({ replica: 'orders-staging', snapshotId: AUTO_ID, attempt: 200, since }) }] });
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, { MessageBody: JSON.stringify({ replica: 'orders-staging', snapshotId: AUTO_ID, attempt: 201, since }) });
    expect(publishedKinds()).toEqual([]);
  });

  it('gives up copy.maxWaitHours after the first deferral and alerts instead of deferring forever', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: Array.from({ length: 20 }, (_, i) => xSnapshot(`c${i}`, '2026-11-20T00:00:00Z', { Status: 'copying' })) });
    const [result] = await handleCopyInvocation(deps(), pairs, { Records: [{ eventSource: 'aws:sqs', body: JSON.stringify({ replica: 'orders-staging', snapshotId: AUTO_ID, attempt: 288, since: '2026-11-20T12:00:00.000Z' }) }] });
    expect(result?.outcome).toMatchObject({ action: 'error', reason: expect.stringContaining('gave up after 288 tries in 24.0 h') as unknown });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    expect(publishedKinds()).toEqual(['snapshots.copy-gave-up']);
  });

  it('sweeps: copies the newest available snapshot of x that has no copy yet', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).resolves({
      DBSnapshots: [xSnapshot('rds:orders-prod-2026-11-20-00-10', '2026-11-20T00:10:00Z', { SnapshotType: 'automated' }), source, xSnapshot('rds:orders-prod-2026-11-22-00-10', '2026-11-22T00:10:00Z', { SnapshotType: 'automated', Status: 'creating' })],
    });
    const d = deps();
    const [result] = await handleCopyInvocation(d, pairs, { trigger: 'sweep' });
    expect(result).toMatchObject({ snapshotId: AUTO_ID, outcome: { action: 'copied' } });
    // The region's manual snapshots are paged through once, by the copy, which also reports the quota gauge.
    expect(rdsMock.commandCalls(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' })).toHaveLength(1);
    expect(d.telemetry.metrics.filter((m) => m.name === 'ManualSnapshotsInReplicaRegion')).toHaveLength(1);
  });

  it('sweeps: reads the quota gauge even when the newest is already copied', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).resolves({ DBSnapshots: [source] });
    rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'orders-prod-2026-11-21-00-10' }).resolves({ DBSnapshots: [xSnapshot('orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z')] });
    const d = deps();
    const [result] = await handleCopyInvocation(d, pairs, { trigger: 'sweep' });
    expect(result?.outcome).toEqual({ action: 'skip', reason: 'newest already copied' });
    expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
    expect(d.telemetry.metrics.filter((m) => m.name === 'ManualSnapshotsInReplicaRegion')).toEqual([expect.objectContaining({ name: 'ManualSnapshotsInReplicaRegion', value: 0, dimensions: { replica: 'orders-staging' } })]);
  });

  it('sweeps without starting a deferral chain: the next sweep is the retry of a sweep copy that must wait', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).resolves({ DBSnapshots: [source] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: Array.from({ length: 20 }, (_, i) => xSnapshot(`c${i}`, '2026-11-20T00:00:00Z', { Status: 'copying' })) });
    const [result] = await handleCopyInvocation(deps(), pairs, { trigger: 'sweep' });
    expect(result?.outcome).toMatchObject({ action: 'defer' });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
  });

  it("alerts when one pair's sweep fails, and still sweeps the other pairs", async () => {
    const other = pair({ source: { instanceId: 'billing-prod', region: 'eu-west-1' }, replica: { instanceId: 'billing-staging', region: 'eu-central-1' }, copy: { replicaKmsKeyArn: KEY } });
    rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied', $fault: 'client', $metadata: {} }));
    rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['billing-prod'] }] }).resolves({ DBSnapshots: [] });
    const results = await handleCopyInvocation(deps(), [...pairs, other], { trigger: 'sweep' });
    expect(results.map((r) => [r.replica, r.outcome.action])).toEqual([
      ['orders-staging', 'error'],
      ['billing-staging', 'ignored'],
    ]);
    expect(publishedKinds()).toEqual(['snapshots.sweep-failed']);
  });

  it('skips, without a copy, a manual snapshot of x not named after x (the copy role may not copy it)', async () => {
    const odd = xSnapshot('before-upgrade', '2026-11-21T09:00:00Z', { DBSnapshotArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:before-upgrade', SourceRegion: undefined });
    rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'before-upgrade' }).resolves({ DBSnapshots: [odd] });
    const [result] = await handleCopyInvocation(deps(), pairs, { ...eventBridgeEvent('RDS-EVENT-0042', 'before-upgrade', new Date(), { SourceType: 'SNAPSHOT' }), 'detail-type': 'RDS DB Snapshot Event' });
    expect(result?.outcome).toMatchObject({ action: 'skip', reason: expect.stringContaining('not named orders-prod-') as unknown });
    expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
  });

  describe('extra snapshots', () => {
    const withExtras = [pair({ copy: { replicaKmsKeyArn: KEY, extraSnapshots: { cron: 'cron(0 */6 * * ? *)' } } })];
    const extraTags = [
      { Key: 'replica-refresh:managed', Value: 'true' },
      { Key: 'replica-refresh:extra-snapshot', Value: 'true' },
    ];

    it('takes one named after the scheduled minute and tagged, and a repeated delivery finds it there', async () => {
      rdsMock.on(CreateDBSnapshotCommand).resolvesOnce({}).rejects(new DBSnapshotAlreadyExistsFault({ message: 'exists', ...meta }));
      const input = { trigger: 'extra-snapshot', replica: 'orders-staging', scheduledTime: '2026-11-21T12:00:00Z' };
      const [first] = await handleCopyInvocation(deps(), withExtras, input);
      const [again] = await handleCopyInvocation(deps(), withExtras, input);
      expect(first?.outcome).toEqual({ action: 'snapshot-taken', snapshotId: 'orders-prod-rr-2026-11-21-12-00' });
      expect(again?.outcome).toEqual({ action: 'snapshot-existed', snapshotId: 'orders-prod-rr-2026-11-21-12-00' });
      expect(rdsMock).toHaveReceivedCommandWith(CreateDBSnapshotCommand, { DBInstanceIdentifier: 'orders-prod', DBSnapshotIdentifier: 'orders-prod-rr-2026-11-21-12-00', Tags: extraTags });
    });

    it('is refused for a pair without extraSnapshots, without calling RDS', async () => {
      const [result] = await handleCopyInvocation(deps(), pairs, { trigger: 'extra-snapshot', replica: 'orders-staging' });
      expect(result?.outcome).toMatchObject({ action: 'ignored' });
      expect(rdsMock.calls()).toHaveLength(0);
    });

    it('the sweep deletes an extra snapshot from x region once its copy is available, and only that one', async () => {
      const copied = xSnapshot('orders-prod-rr-2026-11-21-06-00', '2026-11-21T06:00:00Z', { SourceRegion: undefined, TagList: extraTags });
      const stillCopying = xSnapshot('orders-prod-rr-2026-11-21-12-00', '2026-11-21T12:00:00Z', { SourceRegion: undefined, TagList: extraTags });
      const byHand = xSnapshot('orders-prod-before-upgrade', '2026-11-21T05:00:00Z', { SourceRegion: undefined, TagList: [{ Key: 'replica-refresh:extra-snapshot', Value: 'true' }] });
      rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).resolves({ DBSnapshots: [copied, stillCopying, byHand, source] });
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'orders-prod-rr-2026-11-21-06-00' }).resolves({ DBSnapshots: [{ ...copied, Status: 'available' }] });
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'orders-prod-rr-2026-11-21-12-00' }).resolves({ DBSnapshots: [{ ...stillCopying, Status: 'copying' }] });
      rdsMock.on(DeleteDBSnapshotCommand).resolves({});
      const results = await handleCopyInvocation(deps(), withExtras, { trigger: 'sweep' });
      expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
      expect(rdsMock).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'orders-prod-rr-2026-11-21-06-00' });
      expect(results.map((r) => r.outcome.action)).toContain('source-snapshot-deleted');
    });

    it('deletes an extra that never got a copy once it is superseded and past copy.maxWaitHours, so it cannot leak', async () => {
      const abandoned = xSnapshot('orders-prod-rr-2026-11-19-06-00', '2026-11-19T06:00:00Z', { SourceRegion: undefined, TagList: extraTags });
      const recent = xSnapshot('orders-prod-rr-2026-11-21-06-00', '2026-11-21T06:00:00Z', { SourceRegion: undefined, TagList: extraTags });
      rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).resolves({ DBSnapshots: [abandoned, recent, source] });
      for (const s of [abandoned, recent]) rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: s.DBSnapshotIdentifier }).resolves({ DBSnapshots: [s] });
      rdsMock.on(DeleteDBSnapshotCommand).resolves({});
      // Neither has a copy in y's region (the default mock says not found for unknown ids).
      const replica = new RdsAdapter(new RDSClient({ region: 'eu-central-1' }));
      const d = { ...deps(), replicaRdsFor: () => ({ ...replica, describeSnapshot: () => Promise.resolve(undefined), manualSnapshotCounts: () => Promise.resolve({ total: 0, copying: 0 }), copySnapshot: () => Promise.resolve('started' as const) }) };
      await handleCopyInvocation(d, withExtras, { trigger: 'sweep' });
      expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
      expect(rdsMock).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'orders-prod-rr-2026-11-19-06-00' });
    });
  });

  describe('x and y in one region, copied for a vault', () => {
    const ownership = { Key: 'replica-refresh:managed', Value: 'true' };
    const here = 'eu-central-1';
    const sameRegion = [pair({ source: { instanceId: 'orders-prod', region: here }, replica: { instanceId: 'orders-staging', region: here }, copy: { replicaKmsKeyArn: KEY, extraSnapshots: { cron: 'cron(0 */6 * * ? *)' } } })];
    const auto = xSnapshot(AUTO_ID, '2026-11-21T00:10:00Z', { SnapshotType: 'automated', DBSnapshotArn: `arn:aws:rds:${here}:111111111111:snapshot:${AUTO_ID}`, SourceRegion: undefined });
    /** The project's copy of an extra snapshot: it carries the extra's tags (CopyTags) and the copy tag. */
    const copyOf = (id: string, time: string, tags: { Key: string; Value: string }[]) =>
      xSnapshot(id, time, { SourceRegion: undefined, DBSnapshotArn: `arn:aws:rds:${here}:111111111111:snapshot:${id}`, TagList: [...tags, { Key: 'replica-refresh:copied-from', Value: 'source' }] });

    it("the sweep copies x's newest automated snapshot, never the project's own newer-looking copy of an older one", async () => {
      const ownCopy = copyOf('orders-prod-2026-11-21-00-15', '2026-11-21T00:15:00Z', [ownership]);
      rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).resolves({ DBSnapshots: [auto, ownCopy] });
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: AUTO_ID }).resolves({ DBSnapshots: [auto] });
      const [result] = await handleCopyInvocation(deps(), sameRegion, { trigger: 'sweep' });
      expect(result?.outcome).toEqual({ action: 'copied', targetId: 'orders-prod-2026-11-21-00-10' });
      expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 1);
      // Within one region the source is named by its identifier, as the API reference asks (no PreSignedUrl either).
      expect(rdsMock).toHaveReceivedCommandWith(CopyDBSnapshotCommand, { SourceDBSnapshotIdentifier: AUTO_ID, TargetDBSnapshotIdentifier: 'orders-prod-2026-11-21-00-10', KmsKeyId: KEY });
      expect(rdsMock.commandCalls(CopyDBSnapshotCommand)[0]?.args[0].input.PreSignedUrl).toBeUndefined();
    });

    it("deletes an extra snapshot once its copy (named <extra>-copy) is available, and never the copy, which carries the extra's tags", async () => {
      const extraTags = [ownership, { Key: 'replica-refresh:extra-snapshot', Value: 'true' }];
      const extra = xSnapshot('orders-prod-rr-2026-11-19-06-00', '2026-11-19T06:00:00Z', { SourceRegion: undefined, TagList: extraTags });
      const copy = copyOf('orders-prod-rr-2026-11-19-06-00-copy', '2026-11-19T06:00:00Z', extraTags);
      rdsMock.on(DescribeDBSnapshotsCommand, { Filters: [{ Name: 'db-instance-id', Values: ['orders-prod'] }] }).resolves({ DBSnapshots: [extra, copy, auto] });
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: copy.DBSnapshotIdentifier }).resolves({ DBSnapshots: [copy] });
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: extra.DBSnapshotIdentifier }).resolves({ DBSnapshots: [extra] });
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: AUTO_ID }).resolves({ DBSnapshots: [auto] });
      rdsMock.on(DeleteDBSnapshotCommand).resolves({});
      await handleCopyInvocation(deps(), sameRegion, { trigger: 'sweep' });
      expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 1);
      expect(rdsMock).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: extra.DBSnapshotIdentifier });
    });

    it("ignores a created event of the project's own copy (a manual snapshot of x in the region)", async () => {
      const own = copyOf('orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', [ownership]);
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: own.DBSnapshotIdentifier }).resolves({ DBSnapshots: [own] });
      rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: `${own.DBSnapshotIdentifier!}-copy` }).rejects(new DBSnapshotNotFoundFault({ message: 'not found', ...meta }));
      const results = await handleCopyInvocation(deps(), sameRegion, { ...eventBridgeEvent('RDS-EVENT-0042', own.DBSnapshotIdentifier!, new Date(), { SourceType: 'SNAPSHOT' }), 'detail-type': 'RDS DB Snapshot Event' });
      expect(results.map((r) => r.outcome.action)).toEqual(['skip']);
      expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
      expect(publishedKinds()).toEqual([]);
    });
  });

  it.each([
    ['garbage', 'hello'],
    ['an instance event', eventBridgeEvent('RDS-EVENT-0003', 'orders-staging', new Date())],
    ['a snapshot deleted event', { ...eventBridgeEvent('RDS-EVENT-0041', AUTO_ID, new Date(), { SourceType: 'SNAPSHOT' }), 'detail-type': 'RDS DB Snapshot Event' }],
    ['a malformed deferred copy', { Records: [{ eventSource: 'aws:sqs', body: '{not json' }] }],
  ])('ignores %s without calling RDS', async (_name, input) => {
    const results = await handleCopyInvocation(deps(), pairs, input);
    expect(results.every((r) => r.outcome.action === 'ignored')).toBe(true);
    expect(rdsMock.calls()).toHaveLength(0);
  });
});
