/**
 * The Aurora cluster as a refresh target (lambdas/targets/cluster/model.ts): which events are the pair's and what
 * they mean, when a cluster serves or has failed, what the preflight must refuse, the settings a refresh restores
 * with, and the drift it checks. Pure: views are built from DescribeDBClusters / DescribeDBInstances shapes.
 */
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { ClusterView } from '../../../../lambdas/kernel/model';
import { CLUSTER_TARGET } from '../../../../lambdas/targets/cluster/model';
import { toClusterView } from '../../../../lambdas/targets/cluster/view';
import { INSTANCE_TARGET } from '../../../../lambdas/targets/instance/model';
import { targetOf } from '../../../../lambdas/targets/registry';
import { pair as instancePair } from '../../../support/fixtures';

const OWNED = { Key: 'replica-refresh:managed', Value: 'true' };

function clusterPair(overrides: Record<string, unknown> = {}) {
  return instancePair({
    engine: 'aurora-postgresql',
    source: { clusterId: 'orders-prod', region: 'eu-west-1' },
    replica: { clusterId: 'orders-staging', region: 'eu-central-1', memberIds: ['orders-staging-1', 'orders-staging-2'] },
    ...overrides,
  });
}

function member(id: string, status = 'available', extra: Partial<DBInstance> = {}): DBInstance {
  return { DBInstanceIdentifier: id, DBClusterIdentifier: 'orders-staging', DBInstanceStatus: status, DBInstanceClass: 'db.r6g.large', TagList: [OWNED], ...extra };
}

function view(cluster: Partial<DBCluster> = {}, members: DBInstance[] = [member('orders-staging-1'), member('orders-staging-2', 'available', { DBInstanceClass: 'db.serverless' })]): ClusterView {
  return toClusterView(
    {
      DBClusterIdentifier: 'orders-staging',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.6',
      Status: 'available',
      DBClusterMembers: members.map((m, i) => ({ DBInstanceIdentifier: m.DBInstanceIdentifier, IsClusterWriter: i === 0 })),
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }],
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      BackupRetentionPeriod: 3,
      TagList: [OWNED, { Key: 'team', Value: 'orders' }, { Key: 'replica-refresh:run-id', Value: 'old-run' }],
      ...cluster,
    },
    members,
  );
}

describe('the Aurora cluster target', () => {
  it('is the target of a clusterId pair, and the instance target of an instanceId pair', () => {
    expect(targetOf(clusterPair())).toBe(CLUSTER_TARGET);
    expect(targetOf(instancePair())).toBe(INSTANCE_TARGET);
    expect(CLUSTER_TARGET).toMatchObject({ kind: 'cluster', eventSourceType: 'db-cluster', arnResourceType: 'cluster', deleteApi: 'DeleteDBCluster' });
  });

  it("reads the cluster's events (0171 gone, 0170 created) and its members' (the writer's creation or failure); ignores the rest", () => {
    const p = clusterPair();
    const signal = (sourceType: string, sourceId: string, eventId: string) => (CLUSTER_TARGET.owns(p, sourceType, sourceId) ? (CLUSTER_TARGET.signalOf(p, { sourceType, sourceId, eventId }) ?? 'none') : 'not-ours');
    expect(signal('db-cluster', 'orders-staging', 'RDS-EVENT-0171')).toBe('deleted');
    expect(signal('db-cluster', 'orders-staging', 'RDS-EVENT-0170')).toBe('usable');
    expect(signal('db-cluster', 'orders-staging', 'RDS-EVENT-0072')).toBe('none');
    expect(signal('db-cluster', 'other-cluster', 'RDS-EVENT-0171')).toBe('not-ours');
    expect(signal('db-instance', 'orders-staging-1', 'RDS-EVENT-0005')).toBe('usable');
    // A member's deletion is part of the cluster's; the cluster's own event says y is gone.
    expect(signal('db-instance', 'orders-staging-1', 'RDS-EVENT-0003')).toBe('none');
    expect(signal('db-instance', 'orders-staging-1', 'RDS-EVENT-0278')).toBe('failed');
    // A reader's failure shows as drift when the run closes; it does not fail the restore.
    expect(signal('db-instance', 'orders-staging-2', 'RDS-EVENT-0278')).toBe('none');
    expect(signal('db-instance', 'orders-staging', 'RDS-EVENT-0003')).toBe('not-ours');
    expect(signal('db-cluster-snapshot', 'orders-staging', 'RDS-EVENT-0169')).toBe('not-ours');
  });

  it('serves only once the cluster and its writer do; fails with the cluster or the writer', () => {
    expect(CLUSTER_TARGET.usable(view())).toBe(true);
    expect(CLUSTER_TARGET.usable(view({ DBClusterMembers: [] }, []))).toBe(false);
    expect(CLUSTER_TARGET.usable(view({}, [member('orders-staging-1', 'creating')]))).toBe(false);
    expect(CLUSTER_TARGET.usable(view({ Status: 'creating' }))).toBe(false);
    expect(CLUSTER_TARGET.failed(view({ Status: 'inaccessible-encryption-credentials' }))).toBe('inaccessible-encryption-credentials');
    expect(CLUSTER_TARGET.failed(view({}, [member('orders-staging-1', 'incompatible-parameters')]))).toBe('writer orders-staging-1 incompatible-parameters');
    expect(CLUSTER_TARGET.failed(view())).toBeUndefined();
  });

  it('tells the preflight what it must refuse: members config does not list, members without the ownership tag or busy, no writer', () => {
    const p = clusterPair();
    expect(CLUSTER_TARGET.facts(view(), p)).toMatchObject({ summary: 'aurora-postgresql 16.6, writer orders-staging-1 (db.r6g.large) + 1 reader', problems: [] });
    const problems = CLUSTER_TARGET.facts(view({}, [member('orders-staging-1'), member('orders-staging-2', 'modifying'), member('orders-staging-9', 'available', { TagList: [] })]), p).problems;
    expect(problems.map((x) => x.id)).toEqual(['cluster-members', 'ownership-tag-members', 'cluster-members-state']);
    expect(problems[0]?.detail).toContain('orders-staging-9');
    expect(problems[2]?.detail).toContain('orders-staging-2 (modifying)');
    expect(CLUSTER_TARGET.facts(view({ DBClusterMembers: [] }, []), p).problems.map((x) => x.id)).toEqual(['cluster-writer']);
  });

  it("restores with y's settings and config overrides on top: the cluster's, and every member's; lineage tags stay behind", () => {
    const live = view().settings;
    const desired = CLUSTER_TARGET.desiredSettings(live, { instanceClass: 'db.r6g.xlarge', port: 5433, tags: { cost: 'staging' } });
    expect(desired).toMatchObject({ kind: 'cluster', port: 5433, tags: { 'replica-refresh:managed': 'true', team: 'orders', cost: 'staging' } });
    expect(desired.kind === 'cluster' && desired.members.map((m) => [m.id, m.writer, m.instanceClass])).toEqual([
      ['orders-staging-1', true, 'db.r6g.xlarge'],
      ['orders-staging-2', false, 'db.r6g.xlarge'],
    ]);
    expect(desired.tags['replica-refresh:run-id']).toBeUndefined();
  });

  it("sends backtracking only for Aurora MySQL, with a note for Aurora PostgreSQL; modifies the maintenance window after the restore", () => {
    const desired = view({ BacktrackWindow: 3600 }).settings;
    expect(CLUSTER_TARGET.shapeRestore('aurora-mysql', desired)).toMatchObject({ settings: { backtrackWindow: 3600 }, notes: [] });
    const pg = CLUSTER_TARGET.shapeRestore('aurora-postgresql', desired);
    expect(pg.settings).not.toHaveProperty('backtrackWindow');
    expect(pg.notes).toEqual([expect.stringContaining('backtrackWindow not sent')]);
    expect(CLUSTER_TARGET.postRestoreGroups(desired, view({ PreferredMaintenanceWindow: 'wed:03:00-wed:03:30' }))).toEqual([{ group: 'cluster', changes: { PreferredMaintenanceWindow: 'sun:04:00-sun:04:30' } }]);
    expect(CLUSTER_TARGET.postRestoreGroups(desired, view())).toEqual([]);
  });

  it("checks the new cluster against y's settings: a member missing, a member's class, a tag", () => {
    const desired = CLUSTER_TARGET.desiredSettings(view().settings, {});
    expect(CLUSTER_TARGET.driftOf(desired, view())).toEqual([]);
    const drift = CLUSTER_TARGET.driftOf(desired, view({ TagList: [OWNED] }, [member('orders-staging-1', 'available', { DBInstanceClass: 'db.r6g.large' })]));
    expect(drift.map((d) => d.setting)).toEqual(['orders-staging-2', 'tags.team']);
    expect(CLUSTER_TARGET.groupOfSetting('preferredMaintenanceWindow')).toBe('cluster');
    expect(CLUSTER_TARGET.groupOfSetting('orders-staging-2.instanceClass')).toBe('members');
  });

  it('refuses settings or views of a DB instance: a pair never changes kind', () => {
    expect(() => CLUSTER_TARGET.usable({ id: 'orders-staging', status: 'available' } as never)).toThrow('was handed the DB instance orders-staging');
  });
});
