/**
 * The project's customer-managed key in a replica region: it encrypts the copies of x's snapshots (CopyDBSnapshot
 * `KmsKeyId`) and the replicated automated backups (StartDBInstanceAutomatedBackupsReplication `KmsKeyId`), and
 * every y restored from them.
 *
 * What RDS needs of a key, from the AWS documentation:
 * - "To create an RDS resource using a customer managed key, a user must have permissions to call the following
 *   operations on the customer managed key: kms:CreateGrant, kms:DescribeKey", best limited with kms:ViaService
 *   (Amazon RDS User Guide, "AWS KMS key management", Overview.Encryption.Keys.html, "Authorizing use of a customer
 *   managed key").
 * - A cross-region copy of an encrypted snapshot "must specify a KMS key valid in the destination AWS Region"
 *   (RDS User Guide, "Copying a DB snapshot", USER_CopySnapshot.html#USER_CopySnapshot.Encryption): the copy's
 *   caller needs the above on this key, through RDS of this region.
 * - The caller also needs them on the SOURCE snapshot's key in x's region: without kms:CreateGrant there, RDS answers
 *   KMSKeyNotAccessibleFault "The source snapshot KMS key ... you do not have permissions to access it"
 *   (awslabs/aurora-snapshot-tool#29: Encrypt/Decrypt/ReEncrypt and GenerateDataKey and DescribeKey were not enough;
 *   pbudzon/aws-maintenance#13). That grant belongs to the copy role in x's stack (infra/features/source-instances.ts).
 *
 * Who may use it: every principal of this account, but only through RDS of this region, like the AWS managed
 * `aws/rds` key ("all principals in the account that are authorized to use RDS"). The use statements name principal
 * `*` narrowed by kms:CallerAccount and kms:ViaService, and for a principal of the key's own account a key policy
 * that allows it is enough (AWS KMS Developer Guide, "Key policies"): no IAM permission on this key is needed, and
 * IAM policies cannot narrow it short of an explicit deny. What decides who gets RDS to use it is therefore the
 * principal's RDS permissions (CopyDBSnapshot, restores, StartDBInstanceAutomatedBackupsReplication naming this key).
 * The root statement (CDK's default) lets IAM policies grant more, such as administering the key; it takes nothing
 * away.
 *
 * The vault account (issue 18), when there is one, may use the key as far as copying a snapshot shared with it needs,
 * and no further: "For another AWS account to copy an encrypted DB snapshot shared from your account, the account that
 * you share your snapshot with must have access to the AWS KMS key that encrypted the snapshot", by naming that
 * account's root as `Principal` in the key policy (Amazon RDS User Guide, "Sharing a DB snapshot", "Allowing access
 * to an AWS KMS key", USER_ShareSnapshot.html#USER_ShareSnapshot.Encrypted.KeyPolicy). Its two example statements
 * are added for the vault account alone: "Allow use of the key" (kms:Encrypt, kms:Decrypt, kms:ReEncrypt*,
 * kms:GenerateDataKey*, kms:DescribeKey) and "Allow attachment of persistent resources" (the example's kms:CreateGrant,
 * kms:ListGrants, kms:RevokeGrant with kms:GrantIsForAWSResource true), the latter narrowed to kms:CreateGrant: RDS asks
 * the caller for kms:CreateGrant and kms:DescribeKey to use a customer managed key ("AWS KMS key management", above),
 * and the vault function's role is granted no kms:ListGrants or kms:RevokeGrant (infra/features/vault-copies.ts). The
 * example also lists kms:CreateGrant in the first statement, without the condition; here it is only in the second, so
 * every grant the vault account makes on the key is one for an AWS resource (RDS, on its behalf). A root principal
 * delegates to the account's IAM policies: only the vault roles whose IAM policy names this key can use it (the vault
 * function's, infra/features/vault-copies.ts).
 */
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The alias of the project key in each replica region. */
export const SNAPSHOT_KEY_ALIAS = 'alias/replica-refresh/snapshots';

/** The cryptographic operations RDS performs with the key on the caller's behalf. */
export const RDS_KEY_USE_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];

/** Properties of {@link SnapshotKey}. */
export interface SnapshotKeyProps {
  /**
   * The key's alias.
   * @default SNAPSHOT_KEY_ALIAS
   */
  readonly aliasName?: string;
  /**
   * What the key is for, shown in the console.
   * @default - the project key's description
   */
  readonly description?: string;
  /**
   * The vault account (issue 18), which may use the key as far as copying a snapshot shared with it needs.
   * @default - none: no other account may use the key
   */
  readonly vaultAccount?: string;
}

/**
 * A rotated, retained customer-managed key that any principal of this account may have RDS of its region use; any
 * other use, and its administration, needs an IAM policy that grants it (enabled by the root statement).
 */
export class SnapshotKey extends Construct {
  /** The key. */
  public readonly key: kms.IKey;
  /** The key's alias. */
  public readonly alias: kms.IAlias;

  public constructor(scope: Construct, id: string, props: SnapshotKeyProps = {}) {
    super(scope, id);
    const { account, region } = Stack.of(this);
    if (Token.isUnresolved(region) || Token.isUnresolved(account)) {
      throw new Error(`stack ${Stack.of(this).stackName} must have a concrete region and account for the snapshot key's policy`);
    }
    const aliasName = props.aliasName ?? SNAPSHOT_KEY_ALIAS;
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(aliasName) || aliasName.startsWith('alias/aws/')) {
      throw new Error(`aliasName must look like alias/<name> and not start with alias/aws/, got ${JSON.stringify(aliasName)}`);
    }

    if (props.vaultAccount !== undefined && (!/^\d{12}$/.test(props.vaultAccount) || props.vaultAccount === account)) {
      throw new Error(`vaultAccount must be the 12-digit id of another account than ${account}, got ${JSON.stringify(props.vaultAccount)}`);
    }

    const key = new kms.Key(this, 'Key', {
      description: props.description ?? 'Encrypts the copies of x and the replicated backups replica-refresh restores y from',
      enableKeyRotation: true,
      // Copies and y instances encrypted with it must stay restorable after the stack is gone.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com`, 'kms:CallerAccount': account };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowUseThroughRdsByThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: [...RDS_KEY_USE_ACTIONS],
        resources: ['*'],
        conditions: { StringEquals: viaRds },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowGrantsToRdsResourcesOfThisAccount',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    if (props.vaultAccount !== undefined) {
      const vault = new iam.AccountPrincipal(props.vaultAccount);
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowVaultAccountToCopySharedSnapshots',
          principals: [vault],
          actions: [...RDS_KEY_USE_ACTIONS],
          resources: ['*'],
        }),
      );
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowVaultAccountGrantsToAwsResources',
          principals: [vault],
          actions: ['kms:CreateGrant'],
          resources: ['*'],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      );
    }
    this.key = key;
    this.alias = key.addAlias(aliasName);
  }
}
