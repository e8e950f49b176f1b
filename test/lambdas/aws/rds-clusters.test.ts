/**
 * The RDS adapter's Aurora cluster calls (lambdas/aws/rds-clusters.ts), against the simulated RDS (scripts/sim/rds-clusters.ts, which enforces the
 * documented cluster rules): a refresh's cluster cycle end to end through the real adapter and SDK client. Capture y
 * and its members, copy x's cluster snapshot in, delete the members then the cluster, restore it (no instance, not
 * usable), create the writer and the reader with their captured settings (usable once the writer is), and see no drift.
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { RdsClusterAdapter } from '../../../lambdas/aws/rds-clusters';
import { PermanentRdsError } from '../../../lambdas/kernel/errors';
import { clusterDrift, clusterModifyParameters } from '../../../lambdas/targets/cluster/catalog';
import { clusterUsable, writerOf } from '../../../lambdas/targets/cluster/view';
import { answerFromSimulator } from '../../../scripts/sim/middleware';
import { FIXED_TIMINGS, twoRegions } from '../../support/regions';

const TIMINGS = FIXED_TIMINGS;
const CREDENTIALS = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };

function account() {
  const { clock, sourceKey, replicaKey, source, replica } = twoRegions({ start: '2026-11-21T00:00:00Z', seed: 11, timings: TIMINGS });
  replica.clusters.addClusterParameterGroup('staging-apg16', 'aurora-postgresql', '16.6');
  replica.clusters.addInstanceParameterGroup('staging-apg16-instance', 'aurora-postgresql', '16.6');
  source.clusters.seedCluster({ id: 'orders-prod', engine: 'aurora-postgresql', engineVersion: '16.6', kmsKeyId: sourceKey, masterPassword: 'x-master-pw', members: [{ id: 'orders-prod-1', instanceClass: 'db.r6g.large' }] });
  const xSnapshot = source.clusters.takeAutomatedClusterSnapshot('orders-prod');
  // y: a staging cluster with its own settings, a writer and a Serverless v2 reader.
  replica.clusters.seedCluster({
    id: 'orders-staging',
    engine: 'aurora-postgresql',
    engineVersion: '16.6',
    kmsKeyId: replicaKey,
    masterPassword: 'y-master-pw',
    deletionProtection: true,
    serverlessV2: { MinCapacity: 0.5, MaxCapacity: 8 },
    tags: [{ Key: 'replica-refresh:managed', Value: 'true' }],
    members: [
      { id: 'orders-staging-1', instanceClass: 'db.r6g.large' },
      { id: 'orders-staging-2', instanceClass: 'db.serverless' },
    ],
  });
  // y's own groups and promotion tiers, as someone set them up.
  replica.clusters.clusters.get('orders-staging')!.DBClusterParameterGroup = 'staging-apg16';
  replica.instances.get('orders-staging-1')!.DBParameterGroups = [{ DBParameterGroupName: 'staging-apg16-instance', ParameterApplyStatus: 'in-sync' }];
  replica.instances.get('orders-staging-2')!.PromotionTier = 2;
  const client = new RDSClient({ region: 'eu-central-1', credentials: CREDENTIALS, maxAttempts: 1 });
  answerFromSimulator(client, (command, input) => replica.handle(command, input));
  return { clock, replica, replicaKey, xSnapshot, adapter: new RdsClusterAdapter(client), after: (s: number) => clock.run(clock.millis + s * 1000) };
}

describe('RdsClusterAdapter (on the simulated RDS)', () => {
  it('captures y, deletes its members then y, restores it from a copy of x, creates the members back, and ends with no drift', async () => {
    const { adapter, replica, replicaKey, xSnapshot, after } = account();
    // Capture.
    const y = await adapter.describeCluster('orders-staging');
    expect(y && clusterUsable(y)).toBe(true);
    expect(y?.members.map((m) => [m.id, m.writer, m.settings.instanceClass, m.settings.parameterGroupName, m.settings.promotionTier])).toEqual([
      ['orders-staging-1', true, 'db.r6g.large', 'staging-apg16-instance', expect.any(Number)],
      ['orders-staging-2', false, 'db.serverless', expect.any(String), 2],
    ]);
    expect(y?.settings).toMatchObject({ clusterParameterGroupName: 'staging-apg16', deletionProtection: true, serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 8 } });
    // x's snapshot, once taken, copied in and re-encrypted with the replica key.
    await after(3600);
    expect(await adapter.copyClusterSnapshot({ targetId: 'orders-prod-copy', sourceArn: xSnapshot!.DBClusterSnapshotArn!, sourceRegion: 'eu-west-1', kmsKeyId: replicaKey, tags: { 'replica-refresh:managed': 'true' } })).toBe('started');
    await after(1900);
    const [copy] = await adapter.listClusterSnapshots({ clusterId: 'orders-prod', types: ['manual'] });
    expect(copy).toMatchObject({ id: 'orders-prod-copy', status: 'available', encrypted: true, kmsKeyId: replicaKey, tags: { 'replica-refresh:managed': 'true' } });

    // Delete: the cluster refuses while it has members (and while protected), so members first, then the cluster.
    await expect(adapter.deleteCluster('orders-staging')).rejects.toBeInstanceOf(PermanentRdsError);
    await adapter.disableClusterDeletionProtection('orders-staging');
    for (const m of y!.members) expect(await adapter.deleteClusterMember(m.id)).toBe('deleting');
    await after(600);
    expect(await adapter.deleteCluster('orders-staging')).toBe('deleting');
    await after(600);
    expect(await adapter.describeCluster('orders-staging')).toBeUndefined();
    expect(await adapter.deleteCluster('orders-staging')).toBe('gone');

    // Restore: a cluster with no instance, not usable; the same request again is "already-exists".
    const request = { clusterId: 'orders-staging', snapshotIdentifier: copy!.arn, engine: 'aurora-postgresql' as const, settings: y!.settings, tags: y!.tags };
    expect(await adapter.restoreCluster(request)).toBe('requested');
    expect(await adapter.restoreCluster(request)).toBe('already-exists');
    await after(1300);
    const restored = await adapter.describeCluster('orders-staging');
    expect(restored?.members).toEqual([]);
    expect(restored && clusterUsable(restored)).toBe(false);

    // The writer, then the reader, with their captured settings: usable once the writer is.
    for (const m of [...y!.members].sort((a, b) => Number(b.writer) - Number(a.writer))) {
      expect(await adapter.createClusterMember({ clusterId: 'orders-staging', engine: 'aurora-postgresql', member: m.settings, tags: m.settings.tags })).toBe('requested');
    }
    expect(await adapter.createClusterMember({ clusterId: 'orders-staging', engine: 'aurora-postgresql', member: y!.members[0]!.settings, tags: {} })).toBe('already-exists');
    await after(1300);
    const back = await adapter.describeCluster('orders-staging');
    expect(back && clusterUsable(back)).toBe(true);
    expect(back && writerOf(back)?.id).toBe('orders-staging-1');
    expect(replica.clusters.endpointsReady('orders-staging')).toBe(true);
    // What a restore cannot set (the maintenance window) with ModifyDBCluster; then nothing differs from y.
    const modify = clusterModifyParameters(y!.settings, back!.settings);
    expect(Object.keys(modify).filter((k) => k !== 'PreferredMaintenanceWindow')).toEqual([]);
    expect(await adapter.modifyCluster('orders-staging', modify)).toBe('modified');
    const final = await adapter.describeCluster('orders-staging');
    const desired = { cluster: y!.settings, members: y!.members.map((m) => m.settings) };
    expect(clusterDrift('aurora-postgresql', desired, { cluster: final!.settings, members: final!.members.map((m) => m.settings) })).toEqual([]);
  });

  it('lists every cluster of the region with its members in two paged calls', async () => {
    const { adapter, replica } = account();
    const before = replica.calls.length;
    const all = await adapter.listClusters();
    expect([...all.keys()]).toEqual(['orders-staging']);
    expect(all.get('orders-staging')?.members.map((m) => m.status)).toEqual(['available', 'available']);
    expect(replica.calls.slice(before).map((c) => c.command)).toEqual(['DescribeDBClustersCommand', 'DescribeDBInstancesCommand']);
  });

  it('says busy while the cluster refuses a modification, and not found for a cluster that does not exist', async () => {
    const { adapter } = account();
    expect(await adapter.describeCluster('nope')).toBeUndefined();
    expect(await adapter.describeClusterSnapshot('nope')).toBeUndefined();
    expect(await adapter.deleteClusterMember('nope')).toBe('gone');
    expect(await adapter.modifyCluster('orders-staging', { PreferredMaintenanceWindow: 'sun:05:00-sun:05:30' })).toBe('modified');
  });
});
