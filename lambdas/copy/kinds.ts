/**
 * The two kinds of x the copy pipeline feeds from: a DB instance (DB snapshots: CopyDBSnapshot, RDS-EVENT-0091/0042)
 * and an Aurora DB cluster (DB cluster snapshots: CopyDBClusterSnapshot, RDS-EVENT-0169/0075). The copy, the sweep,
 * the extra snapshots and retention decide the same way for both (plan.ts); only the RDS calls differ, and this file
 * says which calls a pair's kind of x uses, in the shape the rest of the room reads.
 */
import type { PairConfig } from '../kernel/config';
import { sourceResourceId } from '../sources/snapshots';
import type { SnapshotView } from '../kernel/model';
import type { SnapshotStore } from '../kernel/ports';
import type { RdsClusterAdapter } from '../aws/rds-clusters';

/** What the copy function calls in x's region for one kind of x. */
export interface SourceSnapshots {
  describeSnapshot(snapshotId: string): Promise<SnapshotView | undefined>;
  /** x's snapshots of these types, found by x's identifier and, when config knows it, its resource id. */
  listSnapshots(query: { identifier: string; resourceId?: string; types: readonly string[] }): Promise<SnapshotView[]>;
  createSnapshot(sourceId: string, snapshotId: string, tags: Record<string, string>): Promise<'started' | 'already-exists'>;
  deleteOwnedSnapshot(snapshotId: string, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'>;
}

/** The cluster calls the copy function uses, in x's region and in y's (one adapter per place). */
export type ClusterSnapshotRds = Pick<
  RdsClusterAdapter,
  'describeClusterSnapshot' | 'listClusterSnapshots' | 'copyClusterSnapshot' | 'manualClusterSnapshotCounts' | 'createClusterSnapshot' | 'deleteOwnedClusterSnapshot'
>;

/** The DB instance calls the copy function uses in x's region (the RDS adapter's). */
export interface InstanceSourceRds {
  describeSnapshot(snapshotId: string): Promise<SnapshotView | undefined>;
  listSnapshots(query: { instanceId: string; dbiResourceId?: string; types: readonly string[] }): Promise<SnapshotView[]>;
  createSnapshot(instanceId: string, snapshotId: string, tags: Record<string, string>): Promise<'started' | 'already-exists'>;
  deleteOwnedSnapshot(snapshotId: string, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'>;
}

/** x's DB snapshots, through the RDS adapter. */
export function instanceSource(rds: InstanceSourceRds): SourceSnapshots {
  return {
    describeSnapshot: (id) => rds.describeSnapshot(id),
    listSnapshots: (q) => rds.listSnapshots({ instanceId: q.identifier, ...(q.resourceId ? { dbiResourceId: q.resourceId } : {}), types: q.types }),
    createSnapshot: (x, id, tags) => rds.createSnapshot(x, id, tags),
    deleteOwnedSnapshot: (id, tag) => rds.deleteOwnedSnapshot(id, tag),
  };
}

/** x's DB cluster snapshots, through the cluster adapter over x's client. */
export function clusterSource(rds: ClusterSnapshotRds): SourceSnapshots {
  return {
    describeSnapshot: (id) => rds.describeClusterSnapshot(id),
    listSnapshots: (q) => rds.listClusterSnapshots({ clusterId: q.identifier, ...(q.resourceId ? { resourceId: q.resourceId } : {}), types: q.types }),
    createSnapshot: (x, id, tags) => rds.createClusterSnapshot(x, id, tags),
    deleteOwnedSnapshot: (id, tag) => rds.deleteOwnedClusterSnapshot(id, tag),
  };
}

/** y's region seen by the copy of cluster snapshots: the copies, the copy call and the counts of the cluster quotas. */
export function clusterReplicaStore(rds: ClusterSnapshotRds): SnapshotStore {
  return {
    describeSnapshot: (id) => rds.describeClusterSnapshot(id),
    copySnapshot: (request) => rds.copyClusterSnapshot(request),
    manualSnapshotCounts: () => rds.manualClusterSnapshotCounts(),
  };
}

/** The server-side query for x's snapshots: by identifier, and by resource id when config knows it (sources/snapshots.ts). */
export function sourceQuery(pair: PairConfig, types: readonly string[]): { identifier: string; resourceId?: string; types: readonly string[] } {
  const resourceId = sourceResourceId(pair);
  return { identifier: pair.source.identifier, ...(resourceId ? { resourceId } : {}), types };
}

/** The snapshot-created event ids of a kind of x: automated, then manual (RDS-NOTES, "Event IDs"). */
export const CREATED_EVENTS = {
  instance: { sourceType: 'db-snapshot', automated: 'RDS-EVENT-0091', manual: 'RDS-EVENT-0042' },
  cluster: { sourceType: 'db-cluster-snapshot', automated: 'RDS-EVENT-0169', manual: 'RDS-EVENT-0075' },
} as const;
