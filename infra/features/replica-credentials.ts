/**
 * y's master credentials after a refresh, as IAM sees them: what each pair's `credentials` choice needs of the
 * functions (lambdas/kernel/config.ts, `credentialsSchema`; shared/RDS-NOTES.md, "Credentials").
 *
 * - `secret`: y's master password comes from a secret that y's owner keeps in y's region. The preflight
 *   (start-refresh) and the functions that finish a run (on-rds-event, watchdog) read it: GetSecretValue on that
 *   secret only (Service Authorization Reference, AWS Secrets Manager: GetSecretValue requires the `Secret` resource
 *   type), and kms:Decrypt on the secret's key only through Secrets Manager of y's region and only for that secret's
 *   data keys: Secrets Manager decrypts with the encryption context `SecretARN` = the secret's ARN (Secrets Manager
 *   User Guide, "Secret encryption and decryption"). The key is not configured, so any key of the secret's account
 *   and region, narrowed by those two conditions; a secret under aws/secretsmanager needs nothing of IAM there (that
 *   key's policy admits the account's principals through Secrets Manager), one under a customer key needs this.
 *   Setting the password is ModifyDBInstance on y, which ReplicaInstances grants already.
 * - `managed`: the functions that finish a run call ModifyDBInstance with ManageMasterUserPassword, and RDS creates
 *   the secret (named `rds!db-<id>`) with the caller's permissions. RDS User Guide, "Password management with Amazon
 *   RDS and AWS Secrets Manager", "Permissions required for Secrets Manager integration": the caller needs
 *   kms:DescribeKey ("to access your customer-managed key for the MasterUserSecretKmsKeyId and to describe
 *   aws/secretsmanager"), secretsmanager:CreateSecret and secretsmanager:TagResource; with a customer managed key
 *   also kms:Decrypt, kms:GenerateDataKey and kms:CreateGrant on it; secretsmanager:RotateSecret only to rotate,
 *   which the project does not do. The new secret's ARN goes to the pair's SSM parameter (ssm:PutParameter, resource
 *   type `parameter`).
 * - `source`: nothing.
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { managedSecretParameter, type PairConfig } from '../../lambdas/kernel/config';
import { acknowledgeNag, nagArn } from '../platform/nag';

/**
 * A secret's ARN as a policy must name it. Secrets Manager ends a secret's ARN with `-` and six random characters;
 * a configured ARN without them is a partial ARN (Secrets Manager API reference, `SecretId`), matched in a policy by
 * `<arn>-??????`. An ARN ending in a hyphen and six letters or digits is taken as complete, as Secrets Manager itself
 * takes it and as aws-cdk-lib's `arnIsComplete` (aws-secretsmanager/lib/secret.ts) does.
 */
export function secretArnForPolicies(secretArn: string): string {
  return /-[A-Za-z0-9]{6}$/.test(secretArn) ? secretArn : `${secretArn}-??????`;
}

/** The name prefix RDS gives the master-user secrets it manages for DB instances (`rds!db-<id>`). */
const MANAGED_SECRET_NAME_PATTERN = 'rds!db-*';

/**
 * The name prefix RDS gives the master-user secrets it manages for Aurora DB clusters, `rds!cluster-<id>` (Aurora
 * User Guide, "Password management with Amazon Aurora and AWS Secrets Manager", "Viewing the details about a secret
 * for a DB cluster": its example secret is `…:secret:rds!cluster-a1b2c3d4-…`, "Secret associated with primary RDS DB
 * cluster"). A cluster y's credentials are set with ModifyDBCluster (ManageMasterUserPassword), which
 * ReplicaInstances grants on cluster:<y>.
 */
const MANAGED_CLUSTER_SECRET_NAME_PATTERN = 'rds!cluster-*';

/** Properties of {@link ReplicaCredentials}. */
export interface ReplicaCredentialsProps {
  /** The pairs whose y lives in this stack's region; only their `credentials` choice is read. */
  readonly pairs: readonly PairConfig[];
}

/** The parts of an ARN a grant needs. */
interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

function parseArn(arn: string): ParsedArn {
  const [, partition = '', service = '', region = '', account = '', ...rest] = arn.split(':');
  return { partition, service, region, account, resource: rest.join(':') };
}

/** Grants on y's master credentials, per the pairs' `credentials` choice; nothing for `source` pairs. */
export class ReplicaCredentials extends Construct {
  private readonly region: string;
  private readonly account: string;
  private readonly secretPairs: readonly (PairConfig & { credentials: { mode: 'secret' } })[];
  private readonly managedPairs: readonly (PairConfig & { credentials: { mode: 'managed' } })[];

  public constructor(scope: Construct, id: string, props: ReplicaCredentialsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw new Error(`stack ${stack.stackName} must have a concrete region and account to scope grants to the replicas' credentials`);
    }
    this.region = stack.region;
    this.account = stack.account;
    this.secretPairs = props.pairs.filter((p): p is PairConfig & { credentials: { mode: 'secret' } } => p.credentials.mode === 'secret');
    this.managedPairs = props.pairs.filter((p): p is PairConfig & { credentials: { mode: 'managed' } } => p.credentials.mode === 'managed');
    for (const p of this.secretPairs) {
      // The functions read it with a client in y's region, and Secrets Manager serves a secret in its own region only.
      const { region } = parseArn(p.credentials.secretArn);
      if (region !== p.replica.region) throw new Error(`credentials.secretArn of ${p.replica.identifier} must be a secret in ${p.replica.region}, y's region, got one in ${region}`);
    }
    for (const p of this.managedPairs) {
      const key = p.credentials.kmsKeyId;
      if (key === undefined) continue;
      // The managed secret lives in y's region; Secrets Manager encrypts it with a key of that region.
      const { service, region, resource } = parseArn(key);
      if (service !== 'kms' || !/^(key|alias)\//.test(resource)) throw new Error(`credentials.kmsKeyId of ${p.replica.identifier} must be a KMS key or alias ARN, got ${key}`);
      if (region !== p.replica.region) throw new Error(`credentials.kmsKeyId of ${p.replica.identifier} must be a key in ${p.replica.region}, y's region, got one in ${region}`);
    }
  }

  /**
   * What the preflight needs: read the password of every `secret` pair (and nothing else), so a run whose secret is
   * missing or unreadable is refused before y is deleted.
   */
  public grantReadSecrets(role: iam.IRole): void {
    if (this.secretPairs.length === 0) return;
    const secrets = [...new Set(this.secretPairs.map((p) => secretArnForPolicies(p.credentials.secretArn)))].sort();
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadMasterPasswordSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
    for (const secret of secrets.filter((s) => s.endsWith('-??????'))) {
      acknowledgeNag(role, 'AwsSolutions-IAM5', 'The configured secret ARN lacks the six random characters Secrets Manager appends to it; -?????? matches exactly those, so only that secret', `Resource::${secret}`);
    }

    // One statement per account and region of the secrets (all in y's region; usually this account).
    const byKeyScope = new Map<string, string[]>();
    for (const secret of secrets) {
      const { partition, region, account } = parseArn(secret);
      const keys = `arn:${partition}:kms:${region}:${account}:key/*`;
      byKeyScope.set(keys, [...(byKeyScope.get(keys) ?? []), secret]);
    }
    [...byKeyScope.entries()].forEach(([keys, ofSecrets], i) => {
      const region = parseArn(keys).region;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `DecryptMasterPasswordSecrets${i === 0 ? '' : i + 1}`,
          actions: ['kms:Decrypt'],
          resources: [keys],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:SecretARN': ofSecrets },
          },
        }),
      );
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        "The key of the pair's master-password secret is not configured: kms:Decrypt on any key of its region, only through Secrets Manager and only with the encryption context of that secret (kms:EncryptionContext:SecretARN)",
        `Resource::${keys}`,
      );
    });
  }

  /**
   * What finishing a run needs: read the `secret` pairs' passwords; for `managed` pairs, let RDS create and tag the
   * managed secret on the caller's behalf with the pair's key, and publish its ARN to the pair's SSM parameter.
   */
  public grantApply(role: iam.IRole): void {
    this.grantReadSecrets(role);
    if (this.managedPairs.length === 0) return;
    const stack = Stack.of(this);
    const viaRdsOrSecretsManager = { 'kms:ViaService': [`rds.${this.region}.amazonaws.com`, `secretsmanager.${this.region}.amazonaws.com`] };

    // The secret's name follows y's kind: rds!db-<id> for a DB instance, rds!cluster-<id> for an Aurora cluster.
    const patterns = [
      ...(this.managedPairs.some((p) => p.replica.kind === 'instance') ? [MANAGED_SECRET_NAME_PATTERN] : []),
      ...(this.managedPairs.some((p) => p.replica.kind === 'cluster') ? [MANAGED_CLUSTER_SECRET_NAME_PATTERN] : []),
    ];
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LetRdsCreateManagedMasterSecrets',
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
        resources: patterns.map((pattern) => stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: pattern, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
        // Only RDS, acting for the function (a forward access session), never the function by itself.
        conditions: { Bool: { 'aws:ViaAWSService': 'true' } },
      }),
    );
    for (const pattern of patterns) {
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `RDS names the master-user secret it creates for y ${pattern.replace('*', '<id>')}, chosen at run time; only creating and tagging, only when RDS makes the request for the function (aws:ViaAWSService)`,
        `Resource::${nagArn('secretsmanager', this.region, this.account, `secret:${pattern}`)}`,
      );
    }

    // aws/secretsmanager's ARN is the account's own and not known here: describing (metadata only) any key of the
    // region, through RDS or Secrets Manager only.
    const regionKeys = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const customKeys = [...new Set(this.managedPairs.flatMap((p) => (p.credentials.kmsKeyId === undefined ? [] : [p.credentials.kmsKeyId])))].sort();
    const keyArns = customKeys.filter((k) => parseArn(k).resource.startsWith('key/'));
    const aliasArns = customKeys.filter((k) => parseArn(k).resource.startsWith('alias/'));
    const otherAccountKeys = keyArns.filter((k) => parseArn(k).account !== this.account);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeManagedSecretKeys',
        actions: ['kms:DescribeKey'],
        resources: [regionKeys, ...otherAccountKeys],
        conditions: { StringEquals: viaRdsOrSecretsManager },
      }),
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'RDS describes aws/secretsmanager (or the configured key) for the managed master secret with the caller\'s permissions; its ARN is the account\'s own: kms:DescribeKey, metadata only, on the keys of this region, only through RDS or Secrets Manager',
      `Resource::${nagArn('kms', this.region, this.account, 'key/*')}`,
    );

    // With a customer managed key (credentials.kmsKeyId): encrypting the new secret's value and letting RDS keep a grant for rotation.
    const useActions = ['kms:Decrypt', 'kms:GenerateDataKey'];
    if (keyArns.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'UseManagedSecretKeys', actions: useActions, resources: keyArns, conditions: { StringEquals: viaRdsOrSecretsManager } }));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'GrantManagedSecretKeysToRds',
          actions: ['kms:CreateGrant'],
          resources: keyArns,
          conditions: { StringEquals: viaRdsOrSecretsManager, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      );
    }
    // A key named by an alias ARN: an IAM policy on the alias authorises nothing (KMS authorises the key), so the keys
    // of the alias's account and region that carry that alias (kms:ResourceAliases).
    const byAliasScope = new Map<string, string[]>();
    for (const alias of aliasArns) {
      const { partition, region, account, resource } = parseArn(alias);
      const keys = `arn:${partition}:kms:${region}:${account}:key/*`;
      byAliasScope.set(keys, [...(byAliasScope.get(keys) ?? []), resource]);
    }
    [...byAliasScope.entries()].forEach(([keys, aliases], i) => {
      const suffix = i === 0 ? '' : String(i + 1);
      const aliased = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliases.sort() } };
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `UseAliasedManagedSecretKeys${suffix}`, actions: useActions, resources: [keys], conditions: { StringEquals: viaRdsOrSecretsManager, ...aliased } }));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `GrantAliasedManagedSecretKeysToRds${suffix}`,
          actions: ['kms:CreateGrant'],
          resources: [keys],
          conditions: { StringEquals: viaRdsOrSecretsManager, Bool: { 'kms:GrantIsForAWSResource': 'true' }, ...aliased },
        }),
      );
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `credentials.kmsKeyId names the key by its alias (${aliases.join(', ')}); only keys carrying that alias (kms:ResourceAliases), only through RDS or Secrets Manager`,
        `Resource::${keys}`,
      );
    });

    const parameters = [...new Set(this.managedPairs.map((p) => managedSecretParameter(p) ?? ''))].sort();
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishManagedMasterSecretArns',
        actions: ['ssm:PutParameter'],
        // A parameter named /a/b has the ARN …:parameter/a/b (one slash).
        resources: parameters.map((name) => stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME })),
      }),
    );
  }
}
