/**
 * An Aurora DB cluster as the refresh sees it: the cluster (DescribeDBClusters) with its member instances
 * (DescribeDBInstances, which lists each member with its DBClusterIdentifier), their settings read by the catalog, and
 * whether it serves.
 *
 * A restored cluster has no instance: until a writer is created and available its endpoints do not answer (RDS-NOTES,
 * "RestoreDBClusterFromSnapshot creates no instance: call CreateDBInstance with DBClusterIdentifier for the writer, or
 * the cluster endpoints stay `creating`"). DBClusterMembers names the members and the writer but carries no state
 * (the DBClusterMember type: DBInstanceIdentifier, IsClusterWriter, DBClusterParameterGroupStatus, PromotionTier), so
 * a member's state comes from its own DescribeDBInstances entry.
 */
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { ClusterMemberView, ClusterView } from '../../kernel/model';
import { readClusterSettings, readMemberSettings } from './catalog';

export type { ClusterMemberView, ClusterView } from '../../kernel/model';

/** States in which the cluster, and an instance, serve: as for instances (targets/instance/model.ts). */
const SERVING = new Set(['available', 'backing-up']);

/** The writer, when the cluster has one. */
export function writerOf(view: ClusterView): ClusterMemberView | undefined {
  return view.members.find((m) => m.writer);
}

/** Usable: the cluster serves and so does its writer (without a writer its endpoints do not answer). */
export function clusterUsable(view: ClusterView): boolean {
  const writer = writerOf(view);
  return SERVING.has(view.status) && writer !== undefined && SERVING.has(writer.status);
}

/**
 * Translates DescribeDBClusters' cluster and DescribeDBInstances' entries into the view. Members are the cluster's
 * DBClusterMembers, in that order; an instance listed with this DBClusterIdentifier that DBClusterMembers does not
 * name yet (just created) is a member too, as a reader.
 */
export function toClusterView(cluster: DBCluster, instances: readonly DBInstance[]): ClusterView {
  const id = cluster.DBClusterIdentifier ?? '';
  const byId = new Map(instances.filter((db) => db.DBClusterIdentifier === id && db.DBInstanceIdentifier).map((db) => [db.DBInstanceIdentifier!, db]));
  const named = (cluster.DBClusterMembers ?? []).flatMap((m) => (m.DBInstanceIdentifier ? [{ id: m.DBInstanceIdentifier, writer: m.IsClusterWriter === true }] : []));
  const unnamed = [...byId.keys()].filter((memberId) => !named.some((m) => m.id === memberId)).map((memberId) => ({ id: memberId, writer: false }));
  const members = [...named, ...unnamed].map(({ id: memberId, writer }): ClusterMemberView => {
    const db = byId.get(memberId);
    return {
      id: memberId,
      arn: db?.DBInstanceArn ?? '',
      status: db?.DBInstanceStatus ?? 'unknown',
      writer,
      ...(db?.InstanceCreateTime ? { createdAt: db.InstanceCreateTime } : {}),
      settings: db ? readMemberSettings(db, writer) : { id: memberId, writer, instanceClass: '', publiclyAccessible: false, autoMinorVersionUpgrade: true, monitoringInterval: 0, performanceInsightsEnabled: false, tags: {} },
    };
  });
  const own = readClusterSettings(cluster);
  const roles = (cluster.AssociatedRoles ?? []).flatMap((r) => (r.RoleArn && r.Status !== 'INVALID' ? [{ roleArn: r.RoleArn, featureName: r.FeatureName ?? '' }] : []));
  // Writer first: the writer is created first and the readers after it.
  const ordered = [...members.filter((m) => m.writer), ...members.filter((m) => !m.writer)];
  return {
    kind: 'cluster',
    id,
    arn: cluster.DBClusterArn ?? '',
    status: cluster.Status ?? 'unknown',
    engine: cluster.Engine ?? 'unknown',
    ...(cluster.EngineVersion ? { engineVersion: cluster.EngineVersion } : {}),
    ...(cluster.DbClusterResourceId ? { resourceId: cluster.DbClusterResourceId } : {}),
    ...(cluster.ClusterCreateTime ? { createdAt: cluster.ClusterCreateTime } : {}),
    storageEncrypted: cluster.StorageEncrypted ?? false,
    ...(cluster.KmsKeyId ? { kmsKeyId: cluster.KmsKeyId } : {}),
    settings: { kind: 'cluster', ...own, members: ordered.map((m) => m.settings), ...(roles.length > 0 ? { associatedRoles: roles } : {}) },
    members,
    tags: own.tags,
    ...(cluster.MasterUsername ? { masterUsername: cluster.MasterUsername } : {}),
    ...(cluster.MasterUserSecret?.SecretArn ? { masterUserSecretArn: cluster.MasterUserSecret.SecretArn } : {}),
    ...(cluster.MasterUserSecret?.SecretStatus ? { masterUserSecretStatus: cluster.MasterUserSecret.SecretStatus } : {}),
  };
}
