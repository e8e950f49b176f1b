/**
 * The x instances of one source region, as IAM sees them: what the copy function may do with their snapshots, here
 * and in the replica regions, scoped to their ARNs.
 *
 * Resource types per action are from the Service Authorization Reference for Amazon RDS (list_amazonrds, actions
 * table, as captured in 2025):
 * - CopyDBSnapshot: snapshot* only; dependent rds:AddTagsToResource (the Tags of the copy). The RDS User Guide
 *   ("Copying a DB snapshot", USER_CopySnapshot.AcrossRegions.Policy) says a cross-region copy is authorised against
 *   BOTH the source snapshot (in x's region) and the target snapshot (in y's region): a policy naming only the
 *   target fails. The copy is requested in y's region; RDS itself then calls x's region on the caller's behalf, so
 *   no aws:RequestedRegion or aws:ViaAWSService=false condition may be used here.
 * - CreateDBSnapshot: db* and snapshot*; dependent rds:AddTagsToResource (Tags on create).
 * - DeleteDBSnapshot: snapshot* only; the snapshot resource type carries aws:ResourceTag/${TagKey} and
 *   rds:snapshot-tag/${TagKey}; we condition on rds:snapshot-tag/<ownership key>.
 * - AddTagsToResource: snapshot and others, all optional.
 * - DescribeDBSnapshots: list; describing with filters needs Resource "*". Its answer carries each snapshot's TagList, so
 *   ListTagsForResource is never called and not granted.
 * KMS (see snapshot-key.ts for the sources): kms:CreateGrant and kms:DescribeKey on the destination key through RDS
 * of y's region, and on x's snapshot key through RDS of x's region. Each grant's kms:ViaService names RDS of the
 * region the key is in. KMS keys are regional, and RDS User Guide, "AWS KMS key management", recommends
 * kms:ViaService `rds.<region>.amazonaws.com` for these grants. The aws/rds key's own policy admits only
 * `rds.<its region>.amazonaws.com`, and the guide refuses only the sharing of aws/rds-encrypted snapshots across
 * accounts, not their copy across regions: so RDS of x's region is what uses x's key (an inference from the
 * documents, which do not say it in words). The region therefore comes from the key's ARN, not from the pair; a
 * configured copy key outside y's region is refused here (CopyDBSnapshot's KmsKeyId must be a key of the
 * destination region, API reference).
 *
 * Aurora x's (DB cluster snapshots), from the same reference, mirrored on the instance actions above:
 * - CopyDBClusterSnapshot: cluster-snapshot* only; dependent rds:AddTagsToResource. Granted, as CopyDBSnapshot is, on
 *   both the source (x's region) and the target (y's region) cluster snapshot names: the RDS User Guide's statement
 *   that a cross-region copy is authorised against both is written for DB snapshots; assumed the same for clusters.
 * - CreateDBClusterSnapshot: cluster* and cluster-snapshot*; dependent rds:AddTagsToResource.
 * - DeleteDBClusterSnapshot: cluster-snapshot* only; the cluster-snapshot resource type carries
 *   rds:cluster-snapshot-tag/${TagKey}, which the delete is conditioned on.
 * - DescribeDBClusterSnapshots: read-only, with DBClusterIdentifier or no filter at all (the count of y's region's
 *   manual cluster snapshots): Resource "*", as DescribeDBSnapshots.
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { COPY_TAGS } from '../../lambdas/kernel/snapshot-tags';
import { copiesSnapshots, type CopyContext, type PairConfig } from '../../lambdas/kernel/config';
import { acknowledgeNag, nagArn } from '../platform/nag';

/** What differs between the grants on x's DB snapshots and on an Aurora x's DB cluster snapshots. */
interface KindGrants {
  readonly kind: 'instance' | 'cluster';
  /** The ARN resource type of the snapshots. */
  readonly resource: 'snapshot' | 'cluster-snapshot';
  readonly copy: 'rds:CopyDBSnapshot' | 'rds:CopyDBClusterSnapshot';
  readonly create: 'rds:CreateDBSnapshot' | 'rds:CreateDBClusterSnapshot';
  readonly delete: 'rds:DeleteDBSnapshot' | 'rds:DeleteDBClusterSnapshot';
  /** The ARN resource type of x itself. */
  readonly source: 'db' | 'cluster';
  /** The condition key prefix of the snapshot's tags. */
  readonly tagKey: 'rds:snapshot-tag' | 'rds:cluster-snapshot-tag';
  /** In statement ids: `Snapshot` or `ClusterSnapshot`. */
  readonly sid: 'Snapshot' | 'ClusterSnapshot';
  readonly noun: 'snapshot' | 'cluster snapshot';
}

const KINDS: Readonly<Record<'instance' | 'cluster', KindGrants>> = {
  instance: { kind: 'instance', resource: 'snapshot', copy: 'rds:CopyDBSnapshot', create: 'rds:CreateDBSnapshot', delete: 'rds:DeleteDBSnapshot', source: 'db', tagKey: 'rds:snapshot-tag', sid: 'Snapshot', noun: 'snapshot' },
  cluster: {
    kind: 'cluster',
    resource: 'cluster-snapshot',
    copy: 'rds:CopyDBClusterSnapshot',
    create: 'rds:CreateDBClusterSnapshot',
    delete: 'rds:DeleteDBClusterSnapshot',
    source: 'cluster',
    tagKey: 'rds:cluster-snapshot-tag',
    sid: 'ClusterSnapshot',
    noun: 'cluster snapshot',
  },
};

/** Properties of {@link SourceInstances}. */
export interface SourceInstancesProps {
  /** The pairs whose x lives in this stack's region and whose snapshots the project copies; at least one. */
  readonly pairs: readonly PairConfig[];
  /**
   * Whether the deployment has a vault, which decides whose snapshots the project copies ({@link copiesSnapshots}).
   * @default - no vault
   */
  readonly copyContext?: CopyContext;
  /**
   * The key (ARN) copies into each replica region are encrypted with, by replica region. Pairs that name their own
   * copy.replicaKmsKeyArn use that one instead.
   */
  readonly replicaKeyArns: ReadonlyMap<string, string>;
}

/** Grants on x's snapshots and their copies, for the copy function. */
export class SourceInstances extends Construct {
  /** The identifiers of the x's that are DB instances, sorted. */
  public readonly sourceIds: readonly string[];
  /** The identifiers of the x's that are Aurora DB clusters, sorted. */
  public readonly clusterSourceIds: readonly string[];
  private readonly pairs: readonly PairConfig[];
  private readonly region: string;
  private readonly account: string;
  private readonly replicaKeyArns: ReadonlyMap<string, string>;

  public constructor(scope: Construct, id: string, props: SourceInstancesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw new Error(`stack ${stack.stackName} must have a concrete region and account to scope grants to its sources`);
    }
    if (props.pairs.length === 0) throw new Error('pairs must contain at least one pair, got []');
    for (const pair of props.pairs) {
      if (pair.source.region !== stack.region) throw new Error(`source ${pair.source.identifier} is in ${pair.source.region}, not in this stack's region ${stack.region}`);
      if (!copiesSnapshots(pair, props.copyContext ?? {})) throw new Error(`the project does not copy the snapshots of ${pair.source.identifier} for ${pair.replica.identifier} (copy off, or without a vault x and y in one region or backup-replication)`);
      if (!pair.copy.replicaKmsKeyArn && !props.replicaKeyArns.has(pair.replica.region)) {
        throw new Error(`no key to encrypt copies into ${pair.replica.region}: set copy.replicaKmsKeyArn of ${pair.replica.identifier}, or pass the project key of that region`);
      }
      const keyRegion = pair.copy.replicaKmsKeyArn === undefined ? undefined : keyArnRegion(pair.copy.replicaKmsKeyArn);
      if (keyRegion !== undefined && keyRegion !== pair.replica.region) {
        throw new Error(`copy.replicaKmsKeyArn of ${pair.replica.identifier} must be a key in ${pair.replica.region}, where the copies go, got one in ${keyRegion}`);
      }
    }
    this.pairs = props.pairs;
    this.region = stack.region;
    this.account = stack.account;
    this.replicaKeyArns = props.replicaKeyArns;
    this.sourceIds = [...new Set(props.pairs.filter((p) => p.source.kind === 'instance').map((p) => p.source.identifier))].sort();
    this.clusterSourceIds = [...new Set(props.pairs.filter((p) => p.source.kind === 'cluster').map((p) => p.source.identifier))].sort();
  }

  /** The key copies of this pair are encrypted with. */
  public copyKeyArn(pair: PairConfig): string {
    const arn = pair.copy.replicaKmsKeyArn ?? this.replicaKeyArns.get(pair.replica.region);
    if (arn === undefined) throw new Error(`no copy key for ${pair.replica.region}`);
    return arn;
  }

  /**
   * What copying needs: read snapshots everywhere; copy x's snapshots (`rds:<x>-*`, `<x>-*`) into `<x>-*` of each
   * replica region and tag the copy; use the keys through RDS.
   */
  public grantCopy(role: iam.IRole): void {
    const reads = [...(this.sourceIds.length > 0 ? ['rds:DescribeDBSnapshots'] : []), ...(this.clusterSourceIds.length > 0 ? ['rds:DescribeDBClusterSnapshots'] : [])];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadSnapshots', actions: reads, resources: ['*'] }));
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'Resource "*" appears only for read-only rds:DescribeDBSnapshots and rds:DescribeDBClusterSnapshots (with filters, in x\'s and the replica regions), ' +
        'and X-Ray PutTraceSegments/PutTelemetryRecords, which have no resource-level permissions; a test asserts no mutating rds action is granted on "*"',
      'Resource::*',
    );
    if (this.sourceIds.length > 0) this.grantCopyOf(role, KINDS.instance);
    if (this.clusterSourceIds.length > 0) this.grantCopyOf(role, KINDS.cluster);

    // Each copy key through RDS of the key's own region: its ARN's, or (a cross-region reference, unknown until
    // deployed) that of the replica region whose project key it is.
    const byRegion = new Map<string, Set<string>>();
    for (const p of this.pairs) {
      const key = this.copyKeyArn(p);
      const region = keyArnRegion(key) ?? p.replica.region;
      byRegion.set(region, (byRegion.get(region) ?? new Set<string>()).add(key));
    }
    [...byRegion.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .forEach(([region, keys]) => this.grantKeysViaRds(role, `CopyKeys${pascal(region)}`, [...keys].sort(), region));
    // x's snapshot key is not configured: any key of x's region, only through RDS of x's region (the keys' own), only
    // for grants to AWS resources.
    const sourceKeys = Stack.of(this).formatArn({ service: 'kms', region: this.region, resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    this.grantKeysViaRds(role, 'SourceSnapshotKeys', [sourceKeys], this.region);
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      "The key of x's snapshots is not part of the configuration: kms:CreateGrant and kms:DescribeKey on any key of x's region, only through RDS of that region (kms:ViaService) and only for grants to AWS resources",
      `Resource::${nagArn('kms', this.region, this.account, 'key/*')}`,
    );
  }

  /**
   * What the extra snapshots need, for the pairs that take them: create `<x>-rr-*` of x (and tag it), and delete
   * `<x>-rr-*` in x's region only while it carries the pair's ownership tag.
   */
  public grantExtraSnapshots(role: iam.IRole): void {
    for (const kind of [KINDS.instance, KINDS.cluster]) {
      const pairs = this.pairs.filter((p) => p.source.kind === kind.kind);
      if (pairs.length > 0) this.grantExtraSnapshotsOf(role, kind, pairs);
    }
  }

  /** {@link grantExtraSnapshots} for one kind of x: DB snapshots keep the statement ids they always had. */
  private grantExtraSnapshotsOf(role: iam.IRole, kind: KindGrants, pairs: readonly PairConfig[]): void {
    const sid = kind.kind === 'instance' ? 'Snapshots' : 'ClusterSnapshots';
    const taking = pairs.filter((p) => p.copy.extraSnapshots !== undefined);
    const takingXs = [...new Set(taking.map((p) => p.source.identifier))].sort();
    if (takingXs.length > 0) {
      const taken = takingXs.map((x) => this.rdsArn(this.region, kind.resource, `${x}-rr-*`));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `TakeExtra${sid}`,
          actions: [kind.create],
          resources: [...takingXs.map((x) => this.rdsArn(this.region, kind.source, x)), ...taken],
        }),
      );
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `TagExtra${sid}`, actions: ['rds:AddTagsToResource'], resources: taken }));
    }
    // Clean-up is granted for every copied pair, not only those taking extras now: extras taken before
    // copy.extraSnapshots was switched off must still leave x's region once copied.
    const xs = [...new Set(pairs.map((p) => p.source.identifier))].sort();
    const byTag = new Map<string, { tag: PairConfig['ownershipTag']; xs: Set<string> }>();
    for (const p of pairs) {
      const k = JSON.stringify([p.ownershipTag.key, p.ownershipTag.value]);
      byTag.set(k, { tag: p.ownershipTag, xs: (byTag.get(k)?.xs ?? new Set<string>()).add(p.source.identifier) });
    }
    [...byTag.values()].forEach(({ tag, xs: owners }, i) => {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `DeleteOwnedExtra${sid}${i === 0 ? '' : i + 1}`,
          actions: [kind.delete],
          resources: [...owners].sort().map((x) => this.rdsArn(this.region, kind.resource, `${x}-rr-*`)),
          // Never a copy: with x and y in one region the copy of an extra (`<extra>-copy`, which carries the extra's tags)
          // is named like one, and carries the tag only the copy pipeline puts on its copies.
          conditions: { StringEquals: { [`${kind.tagKey}/${tag.key}`]: tag.value }, Null: { [`${kind.tagKey}/${COPY_TAGS.source}`]: 'true' } },
        }),
      );
    });
    for (const x of xs) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `Extra ${kind.noun}s of ${x} are named ${x}-rr-<yyyy-mm-dd-hh-mm> after their scheduled minute; delete is further limited to those carrying the ownership tag`,
        `Resource::${nagArn('rds', this.region, this.account, `${kind.resource}:${x}-rr-*`)}`,
      );
    }
  }


  /**
   * Copying one kind of x's snapshots: x's automated (`rds:<x>-*`) and manual (`<x>-*`) snapshots into `<x>-*` of each
   * replica region, and tagging the copy there. DB snapshots keep the statement ids they always had.
   */
  private grantCopyOf(role: iam.IRole, kind: KindGrants): void {
    const xs = kind.kind === 'instance' ? this.sourceIds : this.clusterSourceIds;
    const pairs = this.pairs.filter((p) => p.source.kind === kind.kind);
    const sources = xs.flatMap((x) => [`rds:${x}-*`, `${x}-*`]);
    const targets = [...new Set(pairs.map((p) => `${p.replica.region}|${p.source.identifier}-*`))].sort().map((t) => t.split('|') as [string, string]);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Copy${kind.sid}sAcrossRegions`,
        actions: [kind.copy],
        resources: [...sources.map((s) => this.rdsArn(this.region, kind.resource, s)), ...targets.map(([region, s]) => this.rdsArn(region, kind.resource, s))],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: kind.kind === 'instance' ? 'TagCopies' : 'TagClusterCopies',
        actions: ['rds:AddTagsToResource'],
        resources: targets.map(([region, s]) => this.rdsArn(region, kind.resource, s)),
      }),
    );
    const action = kind.copy.replace('rds:', '');
    for (const s of sources) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `x's ${kind.noun}s are named at run time (${s.replace('*', '<date or id>')}); ${action} is authorised against the source ${kind.noun}, and the copy goes only to <x>-* in the replica regions`,
        `Resource::${nagArn('rds', this.region, this.account, `${kind.resource}:${s}`)}`,
      );
    }
    for (const [region, s] of targets) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `Copies in ${region} are named after x's ${kind.noun}s (${s.replace('*', '<date or id>')}) at run time; only copying and tagging, nothing else`,
        `Resource::${nagArn('rds', region, this.account, `${kind.resource}:${s}`)}`,
      );
    }
  }

  private grantKeysViaRds(role: iam.IRole, sid: string, keys: string[], region: string): void {
    const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `Describe${sid}`, actions: ['kms:DescribeKey'], resources: keys, conditions: { StringEquals: viaRds } }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Grant${sid}ToRds`,
        actions: ['kms:CreateGrant'],
        resources: keys,
        conditions: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
  }

  private rdsArn(region: string, resource: string, name: string): string {
    return Stack.of(this).formatArn({ service: 'rds', region, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }
}

/** The region of a KMS key ARN given as text; undefined for a token (its value is known only when deployed). */
function keyArnRegion(keyArn: string): string | undefined {
  if (Token.isUnresolved(keyArn)) return undefined;
  return keyArn.split(':')[3];
}

/** `eu-central-1` → `EuCentral1`, for statement ids (letters and digits only). */
function pascal(region: string): string {
  return region
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
