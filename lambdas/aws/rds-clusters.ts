/**
 * RDS in the replica region, for Aurora DB clusters (the cluster target, lambdas/targets/cluster/): the cluster calls
 * of the RDS adapter (./rds.ts), over the same client, with the same error classes. A file and class of their own so
 * that a function whose pairs are all DB instances bundles none of it (a class's methods are all kept by esbuild:
 * these added 14.5 KiB to every bundle while they were RdsAdapter's).
 */
import type { DBClusterSnapshot, ModifyDBClusterMessage, RDSClient } from '@aws-sdk/client-rds';
import {
  AddRoleToDBClusterCommand,
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterRoleAlreadyExistsFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  InvalidDBClusterStateFault,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBInstances,
} from '@aws-sdk/client-rds';
import type { SnapshotView } from '../kernel/model';
import type { CopyRequest } from '../copy/plan';
import type { AuroraEngine, ClusterSettings, MemberSettings } from '../targets/cluster/catalog';
import { clusterRestoreParameters, memberCreateParameters } from '../targets/cluster/catalog';
import type { ClusterView } from '../targets/cluster/view';
import { toClusterView } from '../targets/cluster/view';
import { classify, defined, tagsOf } from './rds';

/** Translates a DBClusterSnapshot into the core's snapshot view: its cluster in `instanceId`, its DbClusterResourceId in `dbiResourceId`. */
export function toClusterSnapshotView(s: DBClusterSnapshot): SnapshotView {
  return defined({
    id: s.DBClusterSnapshotIdentifier ?? '',
    arn: s.DBClusterSnapshotArn ?? '',
    instanceId: s.DBClusterIdentifier ?? '',
    dbiResourceId: s.DbClusterResourceId,
    type: s.SnapshotType ?? 'unknown',
    status: s.Status ?? 'unknown',
    engine: s.Engine,
    engineVersion: s.EngineVersion,
    allocatedStorage: s.AllocatedStorage,
    // A copy keeps its source's creation time: SnapshotCreateTime "is the time the source snapshot was taken" (assumed
    // the same as for DB snapshot copies; DBClusterSnapshot has no OriginalSnapshotCreateTime).
    dataTime: s.SnapshotCreateTime,
    createdAt: s.SnapshotCreateTime,
    encrypted: s.StorageEncrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    sourceSnapshotArn: s.SourceDBClusterSnapshotArn,
    percentProgress: s.PercentProgress,
    tags: s.TagList ? tagsOf(s.TagList) : undefined,
  });
}

/** The RDS calls of Aurora clusters in the replica region. */
export class RdsClusterAdapter {
  /** @param replicaRds the replica region's RDS client, the one the RDS adapter uses */
  public constructor(private readonly replicaRds: RDSClient) {}


  /** The cluster with its members (DescribeDBInstances lists each member with its DBClusterIdentifier), or undefined. */
  public async describeCluster(clusterId: string): Promise<ClusterView | undefined> {
    try {
      const out = await this.replicaRds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: clusterId }));
      const cluster = out.DBClusters?.find((c) => c.DBClusterIdentifier === clusterId);
      if (!cluster) return undefined;
      const members = await this.replicaRds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [clusterId] }] }));
      return toClusterView(cluster, members.DBInstances ?? []);
    } catch (err) {
      if (err instanceof DBClusterNotFoundFault) return undefined;
      throw classify(err, `DescribeDBClusters/DescribeDBInstances ${clusterId}`);
    }
  }

  /**
   * Every cluster of the region with its members: one paged DescribeDBClusters (100 a page) and one paged
   * DescribeDBInstances, whatever the number of clusters.
   */
  public async listClusters(): Promise<Map<string, ClusterView>> {
    const clusters = [];
    const instances = [];
    try {
      for await (const page of paginateDescribeDBClusters({ client: this.replicaRds, pageSize: 100 }, {})) clusters.push(...(page.DBClusters ?? []));
      for await (const page of paginateDescribeDBInstances({ client: this.replicaRds, pageSize: 100 }, {})) instances.push(...(page.DBInstances ?? []));
    } catch (err) {
      throw classify(err, 'DescribeDBClusters/DescribeDBInstances (all clusters of the region)');
    }
    const out = new Map<string, ClusterView>();
    for (const c of clusters) if (c.DBClusterIdentifier) out.set(c.DBClusterIdentifier, toClusterView(c, instances));
    return out;
  }

  /** The identifiers of every cluster of the region: one paged DescribeDBClusters (100 a page), no member read. */
  public async listClusterIds(): Promise<ReadonlySet<string>> {
    const ids = new Set<string>();
    try {
      for await (const page of paginateDescribeDBClusters({ client: this.replicaRds, pageSize: 100 }, {})) for (const c of page.DBClusters ?? []) if (c.DBClusterIdentifier) ids.add(c.DBClusterIdentifier);
    } catch (err) {
      throw classify(err, 'DescribeDBClusters (all clusters of the region)');
    }
    return ids;
  }

  public async disableClusterDeletionProtection(clusterId: string): Promise<void> {
    try {
      await this.replicaRds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: clusterId, DeletionProtection: false, ApplyImmediately: true }));
    } catch (err) {
      throw classify(err, `ModifyDBCluster ${clusterId} (deletion protection off)`);
    }
  }

  /** Deletes one member instance (a cluster is deleted after its members); `gone` when it no longer exists. */
  public async deleteClusterMember(instanceId: string): Promise<'deleting' | 'gone'> {
    try {
      // An Aurora member has no snapshot of its own: its data is the cluster's (DeleteDBInstance, SkipFinalSnapshot:
      // "This setting doesn't apply to Aurora DB instances").
      await this.replicaRds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: instanceId }));
      return 'deleting';
    } catch (err) {
      if (err instanceof DBInstanceNotFoundFault) return 'gone';
      throw classify(err, `DeleteDBInstance ${instanceId} (cluster member)`);
    }
  }

  /** Deletes the cluster once it has no members; `finalSnapshotId` takes a final cluster snapshot first. */
  public async deleteCluster(clusterId: string, finalSnapshotId?: string): Promise<'deleting' | 'gone'> {
    try {
      await this.replicaRds.send(
        new DeleteDBClusterCommand({
          DBClusterIdentifier: clusterId,
          ...(finalSnapshotId ? { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: finalSnapshotId } : { SkipFinalSnapshot: true }),
        }),
      );
      return 'deleting';
    } catch (err) {
      if (err instanceof DBClusterNotFoundFault) return 'gone';
      throw classify(err, `DeleteDBCluster ${clusterId}`);
    }
  }

  /** Starts RestoreDBClusterFromSnapshot with the captured settings; `already-exists` when a cluster of that name exists. */
  public async restoreCluster(request: { clusterId: string; snapshotIdentifier: string; engine: AuroraEngine; engineVersion?: string; settings: ClusterSettings; kmsKeyId?: string; tags: Record<string, string> }): Promise<'requested' | 'already-exists'> {
    const { parameters } = clusterRestoreParameters(request.engine, request.settings);
    try {
      await this.replicaRds.send(
        new RestoreDBClusterFromSnapshotCommand({
          ...parameters,
          DBClusterIdentifier: request.clusterId,
          SnapshotIdentifier: request.snapshotIdentifier,
          Engine: request.engine,
          ...(request.engineVersion ? { EngineVersion: request.engineVersion } : {}),
          ...(request.kmsKeyId ? { KmsKeyId: request.kmsKeyId } : {}),
          Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return 'requested';
    } catch (err) {
      if (err instanceof DBClusterAlreadyExistsFault) return 'already-exists';
      throw classify(err, `RestoreDBClusterFromSnapshot ${request.clusterId} from ${request.snapshotIdentifier}`);
    }
  }

  /** Creates one member of the cluster with its captured settings; `already-exists` when an instance of that name exists. */
  public async createClusterMember(request: { clusterId: string; engine: AuroraEngine; member: MemberSettings; tags: Record<string, string> }): Promise<'requested' | 'already-exists'> {
    const settings = memberCreateParameters(request.member);
    try {
      await this.replicaRds.send(
        new CreateDBInstanceCommand({
          ...settings,
          DBInstanceClass: settings.DBInstanceClass ?? request.member.instanceClass,
          DBInstanceIdentifier: request.member.id,
          DBClusterIdentifier: request.clusterId,
          Engine: request.engine,
          Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return 'requested';
    } catch (err) {
      if (err instanceof DBInstanceAlreadyExistsFault) return 'already-exists';
      throw classify(err, `CreateDBInstance ${request.member.id} in cluster ${request.clusterId}`);
    }
  }

  /** Applies ModifyDBCluster parameters immediately; `busy` while the cluster's state refuses modifications. */
  public async modifyCluster(clusterId: string, parameters: Omit<Partial<ModifyDBClusterMessage>, 'DBClusterIdentifier' | 'ApplyImmediately'>): Promise<'modified' | 'busy'> {
    try {
      await this.replicaRds.send(new ModifyDBClusterCommand({ ...parameters, DBClusterIdentifier: clusterId, ApplyImmediately: true }));
      return 'modified';
    } catch (err) {
      if (err instanceof InvalidDBClusterStateFault) return 'busy';
      // The SDK's message never echoes a password; only the parameter names go into ours.
      throw classify(err, `ModifyDBCluster ${clusterId} (${Object.keys(parameters).join(', ')})`);
    }
  }

  /** Associates an IAM role with the cluster for a feature (AddRoleToDBCluster); `already-associated` when it is. */
  public async addRoleToCluster(clusterId: string, roleArn: string, featureName: string): Promise<'added' | 'already-associated' | 'busy'> {
    try {
      // FeatureName: "For information about supported feature names, see DBEngineVersion" (API reference); an empty
      // name (a role associated without one) is left out.
      await this.replicaRds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: clusterId, RoleArn: roleArn, ...(featureName ? { FeatureName: featureName } : {}) }));
      return 'added';
    } catch (err) {
      if (err instanceof DBClusterRoleAlreadyExistsFault) return 'already-associated';
      if (err instanceof InvalidDBClusterStateFault) return 'busy';
      throw classify(err, `AddRoleToDBCluster ${clusterId} ${roleArn} (${featureName || 'no feature'})`);
    }
  }

  /** x's cluster snapshots in this region, found by cluster name and, when known, its DbClusterResourceId. */
  public async listClusterSnapshots(query: { clusterId: string; resourceId?: string; types: readonly string[] }): Promise<SnapshotView[]> {
    const out: SnapshotView[] = [];
    try {
      const pages = paginateDescribeDBClusterSnapshots({ client: this.replicaRds, pageSize: 100 }, { DBClusterIdentifier: query.clusterId, ...(query.types.includes('shared') ? { IncludeShared: true } : {}) });
      for await (const page of pages) {
        for (const s of page.DBClusterSnapshots ?? []) {
          if (!query.types.includes(s.SnapshotType ?? '')) continue;
          if (query.resourceId && s.DbClusterResourceId !== query.resourceId) continue;
          out.push(toClusterSnapshotView(s));
        }
      }
    } catch (err) {
      throw classify(err, `DescribeDBClusterSnapshots of ${query.clusterId}`);
    }
    return out;
  }

  public async describeClusterSnapshot(snapshotId: string): Promise<SnapshotView | undefined> {
    try {
      const out = await this.replicaRds.send(
        new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: snapshotId, ...(snapshotId.startsWith('rds:') ? { SnapshotType: 'automated' } : {}), ...(snapshotId.startsWith('arn:') ? { IncludeShared: true } : {}) }),
      );
      const s = out.DBClusterSnapshots?.[0];
      return s ? toClusterSnapshotView(s) : undefined;
    } catch (err) {
      if (err instanceof DBClusterSnapshotNotFoundFault) return undefined;
      throw classify(err, `DescribeDBClusterSnapshots ${snapshotId}`);
    }
  }

  /** Copies a cluster snapshot of x's region into this one, re-encrypted with the request's key. */
  public async copyClusterSnapshot(request: CopyRequest): Promise<'started' | 'already-exists'> {
    try {
      await this.replicaRds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: request.sourceIdentifier ?? request.sourceArn,
          TargetDBClusterSnapshotIdentifier: request.targetId,
          // A source ARN in another region: the SDK's RDS middleware presigns the source region's request (PreSignedUrl).
          ...(request.kmsKeyId ? { KmsKeyId: request.kmsKeyId } : {}),
          CopyTags: true,
          Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return 'started';
    } catch (err) {
      if (err instanceof DBClusterSnapshotAlreadyExistsFault) return 'already-exists';
      throw classify(err, `CopyDBClusterSnapshot ${request.sourceArn} to ${request.targetId}`);
    }
  }

  /**
   * The region's manual cluster snapshots, across all pages: how many exist (the manual cluster snapshot quota), and how
   * many are cross-region copies still coming in (the Aurora limit of 5 copies in flight, RDS-NOTES). A cross-region
   * copy is one whose SourceDBClusterSnapshotArn names another region than its own ARN; "copying" is its state until
   * it is available (CopyDBClusterSnapshot API reference); `creating` and `pending` are counted too, as for instances.
   */
  public async manualClusterSnapshotCounts(): Promise<{ total: number; copying: number }> {
    let total = 0;
    let copying = 0;
    try {
      for await (const page of paginateDescribeDBClusterSnapshots({ client: this.replicaRds, pageSize: 100 }, { SnapshotType: 'manual' })) {
        for (const s of page.DBClusterSnapshots ?? []) {
          total++;
          const here = s.DBClusterSnapshotArn?.split(':')[3];
          const from = s.SourceDBClusterSnapshotArn?.split(':')[3];
          if (from !== undefined && from !== here && ['copying', 'pending', 'creating'].includes(s.Status ?? '')) copying++;
        }
      }
    } catch (err) {
      throw classify(err, 'DescribeDBClusterSnapshots (manual cluster snapshots of the region)');
    }
    return { total, copying };
  }

  /**
   * Deletes a cluster snapshot only if it carries the ownership tag, read from RDS just before (DescribeDBClusterSnapshots
   * returns each snapshot's TagList): never by name alone.
   * @returns 'not-owned' when the tag is missing or different, 'gone' when it no longer exists
   */
  public async deleteOwnedClusterSnapshot(snapshotId: string, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'> {
    const snapshot = await this.describeClusterSnapshot(snapshotId);
    if (!snapshot) return 'gone';
    if (snapshot.tags?.[ownershipTag.key] !== ownershipTag.value) return 'not-owned';
    try {
      await this.replicaRds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshotId }));
      return 'deleted';
    } catch (err) {
      if (err instanceof DBClusterSnapshotNotFoundFault) return 'gone';
      throw classify(err, `DeleteDBClusterSnapshot ${snapshotId}`);
    }
  }

  /**
   * Takes a manual snapshot of a cluster (x, in x's region: this adapter over x's client), tagged.
   * @returns 'already-exists' when a cluster snapshot of that name exists (a repeated request)
   */
  public async createClusterSnapshot(clusterId: string, snapshotId: string, tags: Record<string, string>): Promise<'started' | 'already-exists'> {
    try {
      await this.replicaRds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: clusterId, DBClusterSnapshotIdentifier: snapshotId, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
      return 'started';
    } catch (err) {
      if (err instanceof DBClusterSnapshotAlreadyExistsFault) return 'already-exists';
      throw classify(err, `CreateDBClusterSnapshot ${snapshotId} of ${clusterId}`);
    }
  }
}
