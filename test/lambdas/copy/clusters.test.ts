/**
 * The copy of an Aurora x's cluster snapshots into y's region, through the copy function's real wiring (copyRuntime,
 * the RDS adapters, the SDK clients with their presigning middleware) against the simulated RDS of both regions
 * (scripts/sim/rds-clusters.ts): on RDS-EVENT-0169 and 0075, from the delay queue, by the sweep, and the extra
 * cluster snapshots. Outcomes are read from the simulator's state and the calls it answered.
 */
import type { DBClusterSnapshot } from '@aws-sdk/client-rds';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { handleCopyInvocation } from '../../../lambdas/copy/invocation';
import { COPY_TAGS, EXTRA_SNAPSHOT_TAG } from '../../../lambdas/kernel/snapshot-tags';
import { copyRuntime } from '../../../lambdas/copy/runtime';
import { COPY_CONFIG_ENV, pairSchema } from '../../../lambdas/kernel/config';
import { answerFromSimulator } from '../../../scripts/sim/middleware';
import { fixed } from '../../../scripts/sim/random';
import type { ClusterTimings } from '../../../scripts/sim/rds-clusters';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { eventBridgeEvent } from '../../support/fixtures';
import { publishedKinds, snsMock } from '../../support/harness';
import { ACCOUNT, FIXED_TIMINGS, twoRegions } from '../../support/regions';

const TIMINGS = FIXED_TIMINGS;
const CLUSTER_TIMINGS: ClusterTimings = { create: fixed(120), instanceCreate: fixed(600), instanceDelete: fixed(300), delete: fixed(180), snapshot: fixed(300), finalSnapshot: fixed(120), copy: fixed(1800), failover: fixed(30) };
const CREDENTIALS = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };
const QUEUE = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/replica-refresh-copy-defer`;
const sqsMock = mockClient(SQSClient);

/** An Aurora pair orders-prod (eu-west-1) → orders-staging (eu-central-1), config as the copy function reads it. */
function clusterPair(overrides: Record<string, unknown> = {}) {
  return pairSchema.parse({
    source: { clusterId: 'orders-prod', region: 'eu-west-1' },
    replica: { clusterId: 'orders-staging', region: 'eu-central-1', memberIds: ['orders-staging-1'] },
    engine: 'aurora-postgresql',
    credentials: { mode: 'source' },
    ...overrides,
  });
}

/** Both regions simulated, x an encrypted Aurora cluster, and the copy function's runtime answered by them. */
function world(pairOverrides: Record<string, unknown> = {}, extraPairs: Record<string, unknown>[] = []) {
  const { clock, sourceKey, replicaKey, source, replica, regions } = twoRegions({ start: '2026-11-21T03:00:00Z', seed: 5, timings: TIMINGS });
  for (const r of [source, replica]) r.clusters.timings = CLUSTER_TIMINGS;
  source.clusters.seedCluster({ id: 'orders-prod', engine: 'aurora-postgresql', engineVersion: '16.6', kmsKeyId: sourceKey, copyTagsToSnapshot: true, tags: [{ Key: 'team', Value: 'orders' }], members: [{ id: 'orders-prod-1', instanceClass: 'db.r6g.large' }] });
  const pairs = [clusterPair({ ...pairOverrides, copy: { replicaKmsKeyArn: replicaKey, ...(pairOverrides.copy as Record<string, unknown> | undefined) } }), ...extraPairs.map((p) => clusterPair(p))];
  const calls: { region: string; command: string; input: Record<string, unknown> }[] = [];
  const telemetry = new SimTelemetry();
  const config = { region: 'eu-west-1', account: ACCOUNT, deferQueueUrl: QUEUE, notificationTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:n`, pairs };
  const runtime = copyRuntime(
    { dir: '/nonexistent', env: { [COPY_CONFIG_ENV]: JSON.stringify(config) } },
    {
      clients: () => ({
        rds: (place) => {
          const client = new RDSClient({ region: place.region, credentials: CREDENTIALS, maxAttempts: 1 });
          const rds = regions.get(place.region)!;
          answerFromSimulator(client, (command, input) => (calls.push({ region: place.region, command, input }), rds.handle(command, input)));
          return client;
        },
        sqs: new SQSClient({ region: 'eu-west-1', credentials: CREDENTIALS }),
        sns: new SNSClient({ region: 'eu-west-1', credentials: CREDENTIALS }),
      }),
      now: () => clock.now(),
      telemetry,
    },
  );
  const invoke = (input: unknown) => handleCopyInvocation(runtime.deps, runtime.config.pairs, input);
  const after = (s: number) => clock.run(clock.millis + s * 1000);
  /** x's nightly automated cluster snapshot, available (0168, then 0169 after the snapshot time). */
  const nightly = async () => {
    const snap = source.clusters.takeAutomatedClusterSnapshot('orders-prod') as DBClusterSnapshot;
    await after(300);
    return snap;
  };
  const called = (command: string) => calls.filter((c) => c.command === command);
  return { clock, source, replica, sourceKey, replicaKey, pairs, runtime, telemetry, invoke, after, nightly, calls, called };
}

/** The EventBridge event RDS puts on x's default bus for a cluster snapshot. */
function clusterSnapshotEvent(eventId: string, sourceId: string, at: Date) {
  return {
    ...eventBridgeEvent(eventId, sourceId, at, { SourceType: 'CLUSTER_SNAPSHOT', EventCategories: ['backup'], SourceArn: `arn:aws:rds:eu-west-1:${ACCOUNT}:cluster-snapshot:${sourceId}` }),
    'detail-type': 'RDS DB Cluster Snapshot Event',
    region: 'eu-west-1',
  };
}

/** The tags of a snapshot as a record. */
function tagsOf(s: DBClusterSnapshot | undefined): Record<string, string> {
  return Object.fromEntries((s?.TagList ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

beforeEach(() => {
  sqsMock.reset();
  snsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({});
});

describe('copying an Aurora x\'s cluster snapshots', () => {
  it('copies on RDS-EVENT-0169 (id with or without rds:): CopyDBClusterSnapshot in y\'s region, by source ARN, presigned by the SDK, re-encrypted, tagged, named as for instances', async () => {
    const w = world();
    const snap = await w.nightly();
    const id = snap.DBClusterSnapshotIdentifier ?? '';
    const target = id.replace(/^rds:/, '');

    const [result] = await w.invoke(clusterSnapshotEvent('RDS-EVENT-0169', target, w.clock.now()));

    expect(result).toEqual({ replica: 'orders-staging', snapshotId: id, outcome: { action: 'copied', targetId: target } });
    const [copy] = w.called('CopyDBClusterSnapshotCommand');
    expect(copy).toMatchObject({ region: 'eu-central-1', input: { SourceDBClusterSnapshotIdentifier: snap.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: target, KmsKeyId: w.replicaKey, CopyTags: true } });
    // The SDK's RDS middleware presigns the source region's request from the ARN (SourceRegion is not sent).
    const presigned = new URL(String(copy?.input.PreSignedUrl));
    expect([presigned.hostname, presigned.searchParams.get('Action'), presigned.searchParams.get('DestinationRegion'), presigned.searchParams.get('KmsKeyId')]).toEqual([
      'rds.eu-west-1.amazonaws.com',
      'CopyDBClusterSnapshot',
      'eu-central-1',
      w.replicaKey,
    ]);
    const there = w.replica.clusters.snapshots.get(target);
    expect(there).toMatchObject({ Status: 'copying', KmsKeyId: w.replicaKey, SourceDBClusterSnapshotArn: snap.DBClusterSnapshotArn, DBClusterIdentifier: 'orders-prod' });
    expect(tagsOf(there)).toEqual({ team: 'orders', 'replica-refresh:managed': 'true', [COPY_TAGS.source]: snap.DBClusterSnapshotArn });
    expect(w.called('CopyDBSnapshotCommand')).toEqual([]);

    // A repeated delivery finds the copy (in any state) and does not copy again; so does the prefixed form of the id.
    const [again] = await w.invoke(clusterSnapshotEvent('RDS-EVENT-0169', id, w.clock.now()));
    expect(again?.outcome).toMatchObject({ action: 'skip' });
    expect(w.called('CopyDBClusterSnapshotCommand')).toHaveLength(1);
  });

  it('copies manual cluster snapshots named <x>-… on RDS-EVENT-0075, and no other cluster snapshot event or kind', async () => {
    const w = world();
    await w.source.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'orders-prod', DBClusterSnapshotIdentifier: 'orders-prod-before-upgrade' });
    await w.after(300);
    const [result] = await w.invoke(clusterSnapshotEvent('RDS-EVENT-0075', 'orders-prod-before-upgrade', w.clock.now()));
    expect(result?.outcome).toEqual({ action: 'copied', targetId: 'orders-prod-before-upgrade' });
    expect(w.replica.clusters.snapshots.has('orders-prod-before-upgrade')).toBe(true);

    // Creating (0168/0074) is not created; a DB snapshot event of the same name is for DB instance pairs only.
    for (const input of [
      clusterSnapshotEvent('RDS-EVENT-0168', 'orders-prod-2026-11-21-03-00', w.clock.now()),
      clusterSnapshotEvent('RDS-EVENT-0074', 'orders-prod-other', w.clock.now()),
      { ...eventBridgeEvent('RDS-EVENT-0042', 'orders-prod-before-upgrade', w.clock.now(), { SourceType: 'SNAPSHOT' }), 'detail-type': 'RDS DB Snapshot Event' },
    ]) {
      expect(await w.invoke(input)).toEqual([{ outcome: { action: 'ignored', reason: expect.any(String) as unknown } }]);
    }
    // A manual snapshot of x under another name is skipped with the reason (IAM lets the role copy <x>-… only).
    await w.source.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'orders-prod', DBClusterSnapshotIdentifier: 'before-upgrade' });
    await w.after(300);
    const [skipped] = await w.invoke(clusterSnapshotEvent('RDS-EVENT-0075', 'before-upgrade', w.clock.now()));
    expect(skipped?.outcome).toMatchObject({ action: 'skip', reason: expect.stringContaining('is not named orders-prod-') as unknown });
    expect(w.called('CopyDBClusterSnapshotCommand')).toHaveLength(1);
  });

  it('ignores a cluster snapshot of another cluster whose name shares x\'s prefix', async () => {
    const w = world();
    w.source.clusters.seedCluster({ id: 'orders-prod-archive', engine: 'aurora-postgresql', engineVersion: '16.6' });
    const other = w.source.clusters.seedClusterSnapshot('orders-prod-archive', 'rds:orders-prod-archive-2026-11-21-03-00', 'automated', new Date('2026-11-21T03:00:00Z'));
    const [result] = await w.invoke(clusterSnapshotEvent('RDS-EVENT-0169', other.DBClusterSnapshotIdentifier ?? '', w.clock.now()));
    expect(result?.outcome).toEqual({ action: 'ignored', reason: 'not-a-source-snapshot' });
    expect(w.called('CopyDBClusterSnapshotCommand')).toEqual([]);
  });

  it("waits in the delay queue at Aurora's 5 cluster copies in flight, whatever copy.inFlightLimit says, and copies when one has finished", async () => {
    const v = world({ copy: { inFlightLimit: 20 } });
    // Five copies of another source already coming into y's region.
    for (let i = 0; i < 5; i++) {
      v.replica.clusters.arriveClusterCopy({ id: `billing-copy-${i}`, sourceClusterId: 'billing-prod', sourceClusterResourceId: 'cluster-BILLING', sourceRegion: 'us-east-1', sourceSnapshotId: `billing-${i}`, dataTime: new Date('2026-11-21T02:00:00Z'), engine: 'aurora-postgresql', engineVersion: '16.6' }, fixed(1200));
    }
    const snap = await v.nightly();
    const id = snap.DBClusterSnapshotIdentifier ?? '';
    const [deferred] = await v.invoke(clusterSnapshotEvent('RDS-EVENT-0169', id, v.clock.now()));
    expect(deferred?.outcome).toMatchObject({ action: 'defer', delaySeconds: 300, reason: '5 copies are already in flight into eu-central-1 (limit 5)' });
    expect(v.called('CopyDBClusterSnapshotCommand')).toEqual([]);
    const body = { replica: 'orders-staging', snapshotId: id, attempt: 1, since: v.clock.now().toISOString() };
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: QUEUE, DelaySeconds: 300, MessageBody: JSON.stringify(body) });
    expect(v.telemetry.metrics.filter((m) => m.name === 'ManualSnapshotsInReplicaRegion').map((m) => m.value)).toEqual([5]);

    await v.after(1200);
    const [back] = await v.invoke({ Records: [{ eventSource: 'aws:sqs', body: JSON.stringify(body) }] });
    expect(back?.outcome).toEqual({ action: 'copied', targetId: id.replace(/^rds:/, '') });
    expect(v.replica.clusters.copyHighWater).toBe(5);
  });

  it('defers when RDS refuses the copy over its limit although the count had room (a race): SnapshotQuotaExceededFault', async () => {
    const w = world();
    w.replica.clusters.crossRegionCopyLimit = 1;
    w.replica.clusters.arriveClusterCopy({ id: 'billing-copy', sourceClusterId: 'billing-prod', sourceClusterResourceId: 'cluster-BILLING', sourceRegion: 'us-east-1', sourceSnapshotId: 'billing-1', dataTime: new Date('2026-11-21T02:00:00Z'), engine: 'aurora-postgresql', engineVersion: '16.6' });
    const snap = await w.nightly();
    const [result] = await w.invoke(clusterSnapshotEvent('RDS-EVENT-0169', snap.DBClusterSnapshotIdentifier ?? '', w.clock.now()));
    expect(result?.outcome).toMatchObject({ action: 'defer', reason: expect.stringContaining('SnapshotQuotaExceededFault') as unknown });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(w.replica.clusters.snapshots.has((snap.DBClusterSnapshotIdentifier ?? '').replace(/^rds:/, ''))).toBe(false);
  });

  it('refuses an encrypted x without a key of y\'s region, with an alert, and sends nothing to RDS', async () => {
    const w = world({ copy: { replicaKmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/wrong-region' } });
    const snap = await w.nightly();
    const [result] = await w.invoke(clusterSnapshotEvent('RDS-EVENT-0169', snap.DBClusterSnapshotIdentifier ?? '', w.clock.now()));
    expect(result?.outcome).toMatchObject({ action: 'error', reason: expect.stringContaining('is in eu-west-1, not eu-central-1') as unknown });
    expect(w.called('CopyDBClusterSnapshotCommand')).toEqual([]);
    expect(publishedKinds()).toEqual(['snapshots.copy-refused']);
  });

  it('sweeps: copies the newest available cluster snapshot of x without a copy, then reports the cluster quota gauge only', async () => {
    const w = world();
    w.source.clusters.seedClusterSnapshot('orders-prod', 'rds:orders-prod-2026-11-19-03-00', 'automated', new Date('2026-11-19T03:00:00Z'));
    w.source.clusters.seedClusterSnapshot('orders-prod', 'rds:orders-prod-2026-11-20-03-00', 'automated', new Date('2026-11-20T03:00:00Z'));
    w.source.clusters.takeAutomatedClusterSnapshot('orders-prod'); // still creating: not the sweep's

    const [first] = await w.invoke({ trigger: 'sweep' });
    expect(first).toMatchObject({ snapshotId: 'rds:orders-prod-2026-11-20-03-00', outcome: { action: 'copied', targetId: 'orders-prod-2026-11-20-03-00' } });
    const [second] = await w.invoke({ trigger: 'sweep' });
    expect(second?.outcome).toEqual({ action: 'skip', reason: 'newest already copied' });
    expect(w.called('CopyDBClusterSnapshotCommand')).toHaveLength(1);
    // The sweep lists x's cluster snapshots in x's region; the gauge counts y's region's manual cluster snapshots.
    expect(w.called('DescribeDBClusterSnapshotsCommand').filter((c) => c.region === 'eu-west-1' && c.input.DBClusterIdentifier === 'orders-prod')).toHaveLength(2);
    expect(w.called('DescribeDBSnapshotsCommand')).toEqual([]);
    expect(w.telemetry.metrics.filter((m) => m.name === 'ManualSnapshotsInReplicaRegion').map((m) => m.value)).toEqual([0, 1]);
  });

  it('takes extra cluster snapshots <x>-rr-<minute>, tagged, once per scheduled minute, and removes each from x\'s region once its copy is available', async () => {
    const w = world({ copy: { extraSnapshots: { cron: 'cron(0 */6 * * ? *)' } } });
    const input = { trigger: 'extra-snapshot', replica: 'orders-staging', scheduledTime: '2026-11-21T06:00:00Z' };
    const [first] = await w.invoke(input);
    const [again] = await w.invoke(input);
    expect([first?.outcome, again?.outcome]).toEqual([
      { action: 'snapshot-taken', snapshotId: 'orders-prod-rr-2026-11-21-06-00' },
      { action: 'snapshot-existed', snapshotId: 'orders-prod-rr-2026-11-21-06-00' },
    ]);
    const extra = w.source.clusters.snapshots.get('orders-prod-rr-2026-11-21-06-00');
    expect(tagsOf(extra)).toMatchObject({ 'replica-refresh:managed': 'true', [EXTRA_SNAPSHOT_TAG]: 'true' });
    await w.after(300);
    await w.invoke(clusterSnapshotEvent('RDS-EVENT-0075', 'orders-prod-rr-2026-11-21-06-00', w.clock.now()));
    // Copying: the extra stays in x's region.
    await w.invoke({ trigger: 'sweep' });
    expect(w.source.clusters.snapshots.has('orders-prod-rr-2026-11-21-06-00')).toBe(true);
    await w.after(1800);
    const results = await w.invoke({ trigger: 'sweep' });
    expect(results.map((r) => r.outcome.action)).toContain('source-snapshot-deleted');
    expect(w.source.clusters.snapshots.has('orders-prod-rr-2026-11-21-06-00')).toBe(false);
    expect(w.called('DeleteDBClusterSnapshotCommand').map((c) => [c.region, c.input.DBClusterSnapshotIdentifier])).toEqual([['eu-west-1', 'orders-prod-rr-2026-11-21-06-00']]);
    expect(w.replica.clusters.snapshots.get('orders-prod-rr-2026-11-21-06-00')?.Status).toBe('available');
  });
});
