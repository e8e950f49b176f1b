/**
 * The vault's snapshot calls of each kind (lambdas/vault/snapshots.ts) over one region's RDS client: DB snapshots through
 * the RDS adapter, DB cluster snapshots through the cluster adapter and the cluster sharing calls. The share function
 * and the vault function build them for the kinds their pairs have, and the simulation over its own clients.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import type { KeepingCalls, SharingCalls, SnapshotKind } from '../vault/snapshots';
import { RdsAdapter } from './rds';
import { RdsClusterAdapter } from './rds-clusters';
import { RdsClusterSharing } from './rds-cluster-sharing';

/** Production's share calls of each kind in `kinds`, over y's region's client. */
export function sharingCalls(client: RDSClient, kinds: ReadonlySet<SnapshotKind>): Partial<Record<SnapshotKind, SharingCalls>> {
  const out: Partial<Record<SnapshotKind, SharingCalls>> = {};
  if (kinds.has('instance')) out.instance = new RdsAdapter(client);
  if (kinds.has('cluster')) {
    const clusters = new RdsClusterAdapter(client);
    const sharing = new RdsClusterSharing(client);
    out.cluster = {
      listSnapshots: (q) => clusters.listClusterSnapshots({ clusterId: q.instanceId, ...(q.dbiResourceId ? { resourceId: q.dbiResourceId } : {}), types: q.types }),
      describeSnapshot: (id) => clusters.describeClusterSnapshot(id),
      sharedWith: (id) => sharing.sharedWith(id),
      shareSnapshot: (id, account) => sharing.share(id, account),
    };
  }
  return out;
}

/** The vault's calls of each kind in `kinds`, over one region's client (the vault region's, or a y's region's to list what is shared there). */
export function keepingCalls(client: RDSClient, kinds: ReadonlySet<SnapshotKind>): Partial<Record<SnapshotKind, KeepingCalls>> {
  const out: Partial<Record<SnapshotKind, KeepingCalls>> = {};
  if (kinds.has('instance')) {
    const rds = new RdsAdapter(client);
    out.instance = {
      listShared: (owner) => rds.listSharedSnapshots(owner),
      listTaggedManual: (tag) => rds.listTaggedManualSnapshots(tag),
      copy: (request) => rds.copySnapshot(request),
      deleteOwned: (id, tag) => rds.deleteOwnedSnapshot(id, tag),
    };
  }
  if (kinds.has('cluster')) {
    const clusters = new RdsClusterAdapter(client);
    const sharing = new RdsClusterSharing(client);
    out.cluster = {
      listShared: (owner) => sharing.listShared(owner),
      listTaggedManual: (tag) => sharing.listTaggedManual(tag),
      copy: (request) => clusters.copyClusterSnapshot(request),
      deleteOwned: (id, tag) => clusters.deleteOwnedClusterSnapshot(id, tag),
    };
  }
  return out;
}
