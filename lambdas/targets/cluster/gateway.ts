/**
 * The cluster target's RDS calls: the Aurora cluster operations of the region's cluster adapter (and the RDS adapter's
 * proxy calls), in the seam's terms. A cluster is deleted member by member and then as a whole, and comes back as a
 * cluster first and its instances after (RDS-NOTES, Aurora).
 */
import type { ModifyDBClusterMessage } from '@aws-sdk/client-rds';
import type { ClusterTargetSettings, ClusterView, SnapshotView, TargetSettings, TargetView } from '../../kernel/model';
import type { RdsAdapter } from '../../aws/rds';
import type { RdsClusterAdapter } from '../../aws/rds-clusters';
import type { TargetGateway } from '../target';
import { writerOf } from './view';
import { CLUSTER_TARGET } from './model';

/** The proxy calls the gateway needs from the region's RDS adapter. */
export type ProxyRds = Pick<RdsAdapter, 'proxyTargetsOf' | 'registerProxyTarget'>;

function asCluster(view: TargetView): ClusterView {
  if (view.kind !== 'cluster') throw new Error(`the cluster gateway was handed the DB instance ${view.id}`);
  return view;
}

function asClusterSettings(s: TargetSettings): ClusterTargetSettings {
  if (s.kind !== 'cluster') throw new Error("the cluster gateway was handed a DB instance's settings");
  return s;
}

/** Only a cluster in this state takes a new instance (CreateDBInstance, see model.ts). */
const TAKES_INSTANCES = 'available';

/** The gateway of Aurora cluster targets over one region's adapters. */
export function clusterGateway(clusters: RdsClusterAdapter, proxies: ProxyRds): TargetGateway {
  return {
    describe: (id) => clusters.describeCluster(id),
    list: () => clusters.listClusters(),
    identifiers: () => clusters.listClusterIds(),
    disableDeletionProtection: (id) => clusters.disableClusterDeletionProtection(id),
    delete: async (id, finalSnapshotId) => {
      // "Cluster cannot be deleted, it still contains DB instances in non-deleting state": the members go first.
      const view = await clusters.describeCluster(id);
      // Every member on its way out is the delete's, those an earlier, interrupted attempt began included.
      const members: string[] = [];
      for (const m of view?.members ?? []) {
        if (m.status === 'deleting' || (await clusters.deleteClusterMember(m.id)) === 'deleting') members.push(m.id);
      }
      await clusters.deleteCluster(id, finalSnapshotId);
      return { members };
    },
    restore: ({ identifier, snapshotIdentifier, engine, engineVersion, settings, tags }) => {
      if (engine !== 'aurora-postgresql' && engine !== 'aurora-mysql') throw new Error(`an Aurora cluster restore needs engine aurora-postgresql or aurora-mysql, not ${engine ?? 'none'}`);
      return clusters.restoreCluster({ clusterId: identifier, snapshotIdentifier, engine, ...(engineVersion ? { engineVersion } : {}), settings: asClusterSettings(settings), tags });
    },
    completeRestore: async (v, d) => {
      const view = asCluster(v);
      const desired = asClusterSettings(d);
      if (view.status !== TAKES_INSTANCES) return 'waiting';
      const engine = view.engine === 'aurora-mysql' ? 'aurora-mysql' : 'aurora-postgresql';
      const wanted = desired.members.find((m) => m.writer) ?? desired.members[0];
      const writer = writerOf(view);
      if (!writer) {
        if (!wanted) throw new Error(`the recorded settings of ${view.id} name no member to create as its writer`);
        // An instance of that name that the cluster does not list yet was created by an earlier call: wait for it.
        return (await clusters.createClusterMember({ clusterId: view.id, engine, member: wanted, tags: wanted.tags })) === 'requested' ? 'created' : 'waiting';
      }
      // The readers once the writer serves, so that the writer is the one the cluster had (the first instance created is the writer).
      if (!CLUSTER_TARGET.usable(view)) return 'waiting';
      const have = new Set(view.members.map((m) => m.id));
      let created = false;
      for (const reader of desired.members.filter((m) => !have.has(m.id))) {
        if ((await clusters.createClusterMember({ clusterId: view.id, engine, member: reader, tags: reader.tags })) === 'requested') created = true;
      }
      return created ? 'created' : 'done';
    },
    modify: async (id, { settings, masterUserPassword, manageMasterUserPassword }) => {
      // The cluster model made `settings` (its postRestoreGroups): ModifyDBCluster parameters.
      let parameters: Omit<Partial<ModifyDBClusterMessage>, 'DBClusterIdentifier' | 'ApplyImmediately'> = { ...(settings as Partial<ModifyDBClusterMessage> | undefined) };
      if (masterUserPassword !== undefined) parameters = { ...parameters, MasterUserPassword: masterUserPassword };
      if (manageMasterUserPassword) parameters = { ...parameters, ManageMasterUserPassword: true, ...(manageMasterUserPassword.kmsKeyId ? { MasterUserSecretKmsKeyId: manageMasterUserPassword.kmsKeyId } : {}) };
      return clusters.modifyCluster(id, parameters);
    },
    addRole: (id, roleArn, featureName) => clusters.addRoleToCluster(id, roleArn, featureName),
    proxyTargetsOf: (id) => proxies.proxyTargetsOf(id, 'TRACKED_CLUSTER'),
    registerProxyTarget: (target, id) => proxies.registerProxyTarget(target, id, 'cluster'),
    snapshots: {
      describeSnapshot: (id): Promise<SnapshotView | undefined> => clusters.describeClusterSnapshot(id),
      listSnapshots: (q) => clusters.listClusterSnapshots({ clusterId: q.instanceId, ...(q.dbiResourceId ? { resourceId: q.dbiResourceId } : {}), types: q.types }),
      // Replicated automated backups are DB instances' only (RDS-NOTES); config refuses that mode for clusters.
      describeReplicatedBackups: () => Promise.resolve([]),
    },
  };
}
