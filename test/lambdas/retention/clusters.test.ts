/**
 * Retention of an Aurora pair's cluster snapshot copies in y's region, through the real RDS adapters against the
 * simulated RDS (scripts/sim/rds-clusters.ts): only owned copies (ownership tag and copied-from tag, re-read just before
 * the delete) are deleted, never the one y was restored from (its lineage tag on the cluster) nor the newest.
 */
import type { Tag } from '@aws-sdk/client-rds';
import { RDSClient } from '@aws-sdk/client-rds';
import { RdsAdapter } from '../../../lambdas/aws/rds';
import { RdsClusterAdapter } from '../../../lambdas/aws/rds-clusters';
import { COPY_TAGS } from '../../../lambdas/kernel/snapshot-tags';
import { runtimeConfigSchema } from '../../../lambdas/kernel/config';
import type { RunRecord } from '../../../lambdas/kernel/model';
import { ClusterCallsMissingError, handleRetention } from '../../../lambdas/retention/retention';
import { instanceGateway } from '../../../lambdas/targets/instance/gateway';
import { VirtualClock } from '../../../scripts/sim/clock';
import { answerFromSimulator } from '../../../scripts/sim/middleware';
import { Random, fixed } from '../../../scripts/sim/random';
import { SimRds } from '../../../scripts/sim/rds';
import { SimTelemetry } from '../../../scripts/sim/telemetry';

const ACCOUNT = '111111111111';
const OWNED: Tag[] = [
  { Key: 'replica-refresh:managed', Value: 'true' },
  { Key: COPY_TAGS.source, Value: 'arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:x' },
];
const config = runtimeConfigSchema.parse({
  region: 'eu-central-1',
  account: ACCOUNT,
  timeZone: 'UTC',
  rtoTargetMinutes: 60,
  ledgerTableName: 'ledger',
  notificationTopicArn: `arn:aws:sns:eu-central-1:${ACCOUNT}:n`,
  pairs: [
    {
      source: { clusterId: 'orders-prod', region: 'eu-west-1' },
      replica: { clusterId: 'orders-staging', region: 'eu-central-1', memberIds: ['orders-staging-1'] },
      engine: 'aurora-postgresql',
      credentials: { mode: 'source' },
      copy: { retention: { keepDays: 7, keepLast: 2 } },
    },
  ],
});

/** y's region: y restored from the copy of 2026-11-10, and a copy of x for each of the last 20 days. */
async function region(opts: { y?: boolean; activeRun?: Partial<RunRecord> } = {}) {
  const clock = new VirtualClock(new Date('2026-11-21T12:00:00Z'));
  const replica = new SimRds('eu-central-1', ACCOUNT, clock, new Random(3), { delete: fixed(300), restore: fixed(1200), baselineBackup: fixed(600), copy: fixed(1800), snapshot: fixed(600), finalSnapshot: fixed(120), eventDelay: fixed(5) });
  const ids: string[] = [];
  for (let day = 1; day <= 20; day++) {
    const id = `orders-prod-2026-11-${String(day).padStart(2, '0')}-03-00`;
    ids.push(id);
    replica.clusters.arriveClusterCopy({ id, sourceClusterId: 'orders-prod', sourceClusterResourceId: 'cluster-X', sourceRegion: 'eu-west-1', sourceSnapshotId: `rds:${id}`, dataTime: new Date(`2026-11-${String(day).padStart(2, '0')}T03:00:00Z`), engine: 'aurora-postgresql', engineVersion: '16.6', tags: OWNED }, fixed(1));
  }
  await clock.run(clock.millis + 1000);
  // Someone's own manual cluster snapshot of x's name, without the copy tags: never the project's to delete.
  replica.clusters.arriveClusterCopy({ id: 'orders-prod-2026-11-02-manual', sourceClusterId: 'orders-prod', sourceClusterResourceId: 'cluster-X', sourceRegion: 'eu-west-1', sourceSnapshotId: 'keep', dataTime: new Date('2026-11-02T03:00:00Z'), engine: 'aurora-postgresql', engineVersion: '16.6', tags: [OWNED[0]!] }, fixed(1));
  await clock.run(clock.millis + 1000);
  if (opts.y !== false) {
    replica.clusters.seedCluster({ id: 'orders-staging', engine: 'aurora-postgresql', engineVersion: '16.6', tags: [{ Key: 'replica-refresh:managed', Value: 'true' }, { Key: 'replica-refresh:source-snapshot', Value: 'orders-prod-2026-11-10-03-00' }], members: [{ id: 'orders-staging-1', instanceClass: 'db.r6g.large' }] });
  }
  const client = new RDSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'S', secretAccessKey: 'S' }, maxAttempts: 1 });
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  answerFromSimulator(client, (command, input) => (calls.push({ command, input }), replica.handle(command, input)));
  const rds = new RdsAdapter(client);
  const deps = {
    rds,
    targets: { instance: instanceGateway(rds) },
    ledger: { getActiveRun: () => Promise.resolve(opts.activeRun as RunRecord | undefined) },
    clusters: new RdsClusterAdapter(client),
    telemetry: new SimTelemetry(),
    now: () => clock.now(),
  };
  return { replica, deps, ids, calls };
}

describe('retention of Aurora cluster snapshot copies', () => {
  it('deletes owned copies older than keepDays beyond keepLast, keeps the one y was restored from, the newest and what is not the project\'s', async () => {
    const { replica, deps, calls } = await region();
    const [pass] = await handleRetention(deps, config, { trigger: 'retention', replicas: ['orders-staging'] });
    const left = [...replica.clusters.snapshots.keys()].sort();
    // Kept: days 15-20 (younger than 7 days at 2026-11-21 12:00), day 10 (y holds it), and the one without the copied-from tag.
    expect(left).toEqual(['orders-prod-2026-11-02-manual', 'orders-prod-2026-11-10-03-00', ...[15, 16, 17, 18, 19, 20].map((d) => `orders-prod-2026-11-${d}-03-00`)]);
    expect(pass?.deleted).toHaveLength(13);
    // Each delete was preceded by a read of that snapshot (its tags), and only cluster snapshot calls were made.
    const deletes = calls.filter((c) => c.command === 'DeleteDBClusterSnapshotCommand');
    for (const d of deletes) {
      const i = calls.indexOf(d);
      expect(calls[i - 1]).toEqual({ command: 'DescribeDBClusterSnapshotsCommand', input: expect.objectContaining({ DBClusterSnapshotIdentifier: d.input.DBClusterSnapshotIdentifier }) as unknown });
    }
    expect(calls.filter((c) => c.command === 'DeleteDBSnapshotCommand' || c.command === 'DescribeDBSnapshotsCommand')).toEqual([]);
  });

  it('skips a copy whose ownership tag was removed after the listing, and keeps everything while y is missing and no run is active', async () => {
    const { replica, deps } = await region();
    const victim = replica.clusters.snapshots.get('orders-prod-2026-11-01-03-00')!;
    const list = deps.clusters.listClusterSnapshots.bind(deps.clusters);
    deps.clusters.listClusterSnapshots = async (q) => {
      const out = await list(q);
      victim.TagList = [];
      return out;
    };
    const [pass] = await handleRetention(deps, config, { trigger: 'retention' });
    expect(pass?.skipped).toEqual(['orders-prod-2026-11-01-03-00']);
    expect(replica.clusters.snapshots.has('orders-prod-2026-11-01-03-00')).toBe(true);

    const gone = await region({ y: false });
    const [waiting] = await handleRetention(gone.deps, config, { trigger: 'retention' });
    expect([waiting?.deleted, gone.replica.clusters.snapshots.size]).toEqual([[], 21]);
  });

  it('keeps the copy an active run chose, and fails naming the pair when the cluster calls are not wired', async () => {
    const { replica, deps } = await region({ activeRun: { snapshot: { id: 'orders-prod-2026-11-03-03-00', arn: 'a', type: 'manual' } } });
    await handleRetention(deps, config, { trigger: 'retention' });
    expect(replica.clusters.snapshots.has('orders-prod-2026-11-03-03-00')).toBe(true);
    const { clusters: _unused, ...without } = (await region()).deps;
    void _unused;
    await expect(handleRetention(without, config, { trigger: 'retention' })).rejects.toThrow(new ClusterCallsMissingError('orders-staging'));
  });
});
