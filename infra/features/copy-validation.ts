/**
 * The SQL function of a pair, inside y's VPC: the validation function of a swap mode (rename-swap, dns-switch), which
 * connects to a new copy of y and runs the pair's checks before clients are switched to it, and the runner of a
 * pair's staging hooks (issue 17: masking, grants and checks on each restored instance while it is still isolated).
 * One function per pair does both (lambdas/handlers/validate-copy.ts, lambdas/validation/; the request says what to
 * run). It must reach the copy, so it runs inside y's VPC, in subnets and with security groups that exist already.
 *
 * For a delete-first pair with hooks, y is restored into its isolation security group (`staging.isolationSecurityGroupId`),
 * its only security group until the hooks passed: it must admit the runner's security groups
 * (`staging.runner.vpc.securityGroupIds`) on the database port, and nothing else.
 */
import * as path from 'node:path';
import { Annotations, ArnFormat, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dnsSlots, type PairConfig } from '../../lambdas/kernel/config';
import { MAX_STEP_TIMEOUT_SECONDS, type ValidationSpec } from '../../lambdas/validation/spec';
import { LAMBDA_CA_BUNDLE } from '../../lambdas/validation/validate';
import { BUNDLING, FUNCTION_MEMORY_MB } from '../platform/refresh-function';
import { acknowledgeNag, nagArn } from '../platform/nag';
import { secretArnForPolicies } from './replica-credentials';

/** The function's name in logs (`POWERTOOLS_SERVICE_NAME`). */
export const VALIDATE_COPY_SERVICE = 'validate-copy';

/**
 * What Lambda does with the function's role to attach it to the VPC: the network-interface actions of the AWS managed
 * policy AWSLambdaVPCAccessExecutionRole (its logs actions are granted on the function's own log group instead).
 * Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC": Lambda uses the function's
 * permissions to create and manage its network interfaces; ec2:DescribeNetworkInterfaces works only on all resources.
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** Properties of {@link CopyValidation}. */
export interface CopyValidationProps {
  /** The pair whose copies the function validates (its `id`): named in the function's description. */
  readonly pairId: string;
  /** y's VPC. */
  readonly vpcId: string;
  /** Subnets of y's VPC the function runs in (the pair's `validation.vpc.subnetIds`). */
  readonly subnetIds: readonly string[];
  /** Existing security groups the function gets (`validation.vpc.securityGroupIds`); never modified here. */
  readonly securityGroupIds: readonly string[];
  /**
   * Secrets the function may read passwords from, in this stack's region: the pair's credentials secret and/or
   * `validation.credentialsSecretArn`. GetSecretValue on exactly these; a partial ARN (without Secrets Manager's six
   * random characters) is matched by `<arn>-??????`, as {@link secretArnForPolicies} explains.
   */
  readonly secretArns: readonly string[];
  /**
   * The DB instances whose RDS-managed master secrets the function may read (a pair with `credentials.mode`
   * `managed`): their ARNs, `*` allowed in the instance name (`arn:aws:rds:<region>:<account>:db:<y>-next-*`). RDS
   * names each such secret `rds!db-<uuid>`, a new one per instance and so unknown at deploy time, and tags it
   * `aws:rds:primaryDBInstanceArn` = the instance's ARN (AWS managed policy AmazonRDSServiceRolePolicy, statement
   * SecretsManagerTags: RDS's service-linked role may tag its `rds!*` secrets with exactly that key). So:
   * GetSecretValue on `secret:rds!db-*` of this region and account, only while that tag matches one of these ARNs
   * (`secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn`, StringLike; the Service Authorization Reference lists
   * `secretsmanager:ResourceTag/tag-key` among GetSecretValue's condition keys).
   * @default - none
   */
  readonly managedSecretInstanceArns?: readonly string[];
  /**
   * Customer-managed KMS keys those secrets are encrypted with, if any: kms:Decrypt on exactly these keys, only
   * through Secrets Manager of this region and only for these secrets' data keys. A secret under the account's
   * aws/secretsmanager key needs nothing here (that key's policy admits the account's principals through Secrets
   * Manager).
   * @default - none
   */
  readonly secretKeyArns?: readonly string[];
  /**
   * Whether some secret's key is not known (a configured secret whose key config does not name, a managed secret's
   * key named by an alias): kms:Decrypt on any key of the secrets' accounts in this region, only through Secrets
   * Manager of this region and only for these secrets' data keys (`kms:EncryptionContext:SecretARN`), as
   * ReplicaCredentials grants the refresh functions for the same secrets.
   * @default false
   */
  readonly secretKeysUnknown?: boolean;
  /**
   * The most one validation may take: the connection and each check take up to the request's `timeoutMs`, so at least
   * (tables + 2) × `validation.timeoutSeconds` plus reading the secret.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * What the function does for the pair, shown in the console: it validates a swap mode's copies, runs the pair's
   * staging hooks, or both ({@link copyValidationProps} says which).
   * @default - it validates a swap mode's copies
   */
  readonly description?: string;
}

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[^*?]+$/;
const DB_INSTANCE_ARN = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):db:[a-z][a-z0-9-]*\*?$/;

/**
 * The tag RDS puts on each master-user secret it manages for a DB instance, whose value is the instance's ARN
 * (see {@link CopyValidationProps.managedSecretInstanceArns}).
 */
export const MANAGED_SECRET_INSTANCE_TAG = 'aws:rds:primaryDBInstanceArn';

/** The names RDS gives the master-user secrets it manages for DB instances (`rds!db-<uuid>`). */
const MANAGED_SECRET_NAMES = 'rds!db-*';
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[0-9a-f-]+$/;

/** Throws, naming the property, unless every value is given once and has the expected form. */
function checkIds(name: string, values: readonly string[], form: RegExp, example: string): void {
  if (values.length === 0) throw new Error(`CopyValidation: ${name} must list at least one, such as ${example}`);
  for (const v of values) {
    if (Token.isUnresolved(v)) continue;
    if (!form.test(v)) throw new Error(`CopyValidation: ${name} holds ${JSON.stringify(v)}; each must look like ${example}`);
  }
  if (new Set(values).size !== values.length) throw new Error(`CopyValidation: ${name} lists a value twice: give each once`);
}

/**
 * The validation function of one pair, inside y's VPC: Node 22 on arm64, bundled as every function of the project
 * (infra/platform/refresh-function.ts), with its own role that may read exactly the given secrets (or the RDS-managed
 * secrets of the given instances, by their tag) and manage the function's network interfaces, and nothing else. Its connection to the copy verifies RDS's certificate: the
 * environment sets NODE_EXTRA_CA_CERTS to the runtime's Amazon CA file (lambdas/handlers/validate-copy.ts says why).
 *
 * Not made here, and needed before a validation can pass:
 * - a route from the subnets to Secrets Manager in this region: a VPC interface endpoint
 *   (`com.amazonaws.<region>.secretsmanager`, private DNS on, its security group admitting the function's on 443) or
 *   a NAT gateway; without one, reading the password times out and the validation fails at `connect`;
 * - y's security group (and so each copy's) must admit the function's security groups on the database port, and
 *   those must allow that traffic out.
 *
 * The caller grants invoke on {@link function} to the swap mode's function (`function.grantInvoke(role)`, whose
 * `<arn>:*` for versions and aliases cdk-nag reports on that role: acknowledgeInvokeQualifiers of
 * infra/features/schedule.ts) and tells it {@link functionName}. Invoke it synchronously (RequestResponse): an asynchronous invocation is not retried, as
 * its result would reach no one.
 */
export class CopyValidation extends Construct {
  /** The validation function. */
  public readonly function: lambda.IFunction;
  /** Its name, for the caller's configuration (a token until deployed). */
  public readonly functionName: string;
  /** Its own role. */
  public readonly role: iam.IRole;
  /** Its log group. */
  public readonly logGroup: logs.ILogGroup;

  public constructor(scope: Construct, id: string, props: CopyValidationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!/^[a-z](?!.*--)[a-z0-9-]{0,62}$/.test(props.pairId) || props.pairId.endsWith('-')) {
      throw new Error(`CopyValidation: pairId ${JSON.stringify(props.pairId)} must be a pair's id: 1-63 lower-case letters, digits or hyphens, starting with a letter`);
    }
    if (!Token.isUnresolved(props.vpcId) && !VPC_ID.test(props.vpcId)) throw new Error(`CopyValidation: vpcId ${JSON.stringify(props.vpcId)} must look like vpc-0123456789abcdef0 (y's VPC)`);
    checkIds('subnetIds', props.subnetIds, SUBNET_ID, 'subnet-0123456789abcdef0');
    checkIds('securityGroupIds', props.securityGroupIds, SECURITY_GROUP_ID, 'sg-0123456789abcdef0');
    const managedOf = props.managedSecretInstanceArns ?? [];
    if (props.secretArns.length > 0 || managedOf.length === 0) {
      checkIds('secretArns', props.secretArns, SECRET_ARN, 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf (no wildcard), or give managedSecretInstanceArns for RDS-managed secrets');
    }
    if (managedOf.length > 0) checkIds('managedSecretInstanceArns', managedOf, DB_INSTANCE_ARN, 'arn:aws:rds:eu-central-1:111111111111:db:orders-staging-next-* (a DB instance ARN, * only at the end)');
    const keyArns = props.secretKeyArns ?? [];
    if (keyArns.length > 0) checkIds('secretKeyArns', keyArns, KMS_KEY_ARN, 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab (a key ARN, not an alias)');
    // The function reads each secret with a client of the secret's region, through the VPC's route to Secrets Manager
    // in this region: a secret elsewhere would need a route out of the region.
    for (const arn of [...props.secretArns, ...keyArns, ...managedOf]) {
      if (Token.isUnresolved(arn.split(':')[3] ?? '')) continue;
      const region = arn.split(':')[3];
      if (!Token.isUnresolved(stack.region) && region !== stack.region) throw new Error(`CopyValidation: ${arn} is in ${region}; it must be in ${stack.region}, y's region, where the validation function runs`);
    }

    // The zones only group subnet lists given to fromVpcAttributes, and none is (the function gets its subnets one by
    // one): Fn::GetAZs, a deploy-time list, instead of Stack.availabilityZones, which would look the zones up at synth.
    // Nothing renders it into the template.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpcId, availabilityZones: Fn.getAzs() });
    const subnets = props.subnetIds.map((subnetId, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, subnetId));
    // Immutable: the construct never adds rules to groups it does not own (y's team owns them).
    const securityGroups = props.securityGroupIds.map((sg, i) => ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, sg, { mutable: false }));
    // What CDK warns about these imports concerns constructs that place things in the VPC's subnets by zone or route
    // table; the function takes its subnets one by one and nothing reads a route table.
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones', 'The zones (Fn::GetAZs) group no subnet list: the function gets its subnets one by one, and nothing renders the zones');
    Annotations.of(this).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', "Nothing reads the imported subnets' route tables: the function is only attached to them");

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.THREE_MONTHS,
      // Logs of a removed function are still evidence of what it did (as every function of the project).
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Its own role, no managed policy: logs on its own log group, the network interfaces, the secrets.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${VALIDATE_COPY_SERVICE} function of replica-refresh for ${props.pairId}`,
    });
    this.logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ManageVpcNetworkInterfaces', actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] }));
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'Resource "*" appears only for the network-interface actions Lambda takes with the role to attach the function to y\'s VPC (those of AWSLambdaVPCAccessExecutionRole, which grants them on "*"; ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have no resource-level permissions) ' +
        'and for X-Ray PutTraceSegments/PutTelemetryRecords, which have none either; the secrets are granted one by one',
      'Resource::*',
    );

    const configured = [...new Set(props.secretArns.map(secretArnForPolicies))].sort();
    if (configured.length > 0) role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadValidationPasswords', actions: ['secretsmanager:GetSecretValue'], resources: configured }));
    for (const secret of configured.filter((s) => s.endsWith('-??????'))) {
      acknowledgeNag(role, 'AwsSolutions-IAM5', 'The configured secret ARN lacks the six random characters Secrets Manager appends to it; -?????? matches exactly those, so only that secret', `Resource::${secret}`);
    }
    const managedSecrets = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: MANAGED_SECRET_NAMES, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    if (managedOf.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadManagedValidationPasswords',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [managedSecrets],
          conditions: { StringLike: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_INSTANCE_TAG}`]: [...new Set(managedOf)].sort() } },
        }),
      );
      acknowledgeNag(
        role,
        'AwsSolutions-IAM5',
        `RDS names the master-user secret it manages for each copy ${MANAGED_SECRET_NAMES.replace('*', '<uuid>')}, unknown before the copy exists; GetSecretValue only while the secret's ${MANAGED_SECRET_INSTANCE_TAG} tag (set by RDS) names one of this pair's copies`,
        `Resource::${nagArn('secretsmanager', stack.region, stack.account, `secret:${MANAGED_SECRET_NAMES}`)}`,
      );
    }
    // What Secrets Manager decrypts with: the secrets' ARNs as the encryption context names them.
    const secrets = [...configured, ...(managedOf.length > 0 ? [managedSecrets] : [])];
    if (keyArns.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptValidationPasswords',
          actions: ['kms:Decrypt'],
          resources: [...new Set(keyArns)].sort(),
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
            // Secrets Manager decrypts a secret's value with the encryption context SecretARN = the secret's ARN.
            StringLike: { 'kms:EncryptionContext:SecretARN': secrets },
          },
        }),
      );
    }
    if (props.secretKeysUnknown === true) {
      // Any key of each account the secrets live in (the managed ones in this stack's), in this region.
      const accounts = [...new Set([...configured.map((arn) => arn.split(':')[4] ?? ''), ...(managedOf.length > 0 ? [stack.account] : [])])].sort();
      const anyKey = accounts.map((account) => stack.formatArn({ service: 'kms', account, resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptValidationPasswordsWithTheirKeys',
          actions: ['kms:Decrypt'],
          resources: anyKey,
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:SecretARN': secrets },
          },
        }),
      );
      for (const account of accounts) {
        acknowledgeNag(
          role,
          'AwsSolutions-IAM5',
          "The key of a secret the validation reads is not configured (or named by an alias): kms:Decrypt on any key of the secret's account in this region, only through Secrets Manager and only with the encryption context of these secrets (kms:EncryptionContext:SecretARN)",
          `Resource::${nagArn('kms', stack.region, account, 'key/*')}`,
        );
      }
    }
    this.role = role;

    const fn = new NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'lambdas', 'handlers', 'validate-copy.ts'),
      handler: 'handler',
      description: props.description ?? `Validates a new copy of ${props.pairId} over SQL before clients are switched to it (replica-refresh)`,
      // As every function of the project (infra/platform/refresh-function.ts): Node 22, the bundle's target.
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: props.timeout ?? Duration.minutes(5),
      role,
      logGroup: this.logGroup,
      vpc,
      vpcSubnets: { subnets },
      securityGroups,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: VALIDATE_COPY_SERVICE,
        // RDS's CAs, which the Node.js 20+ runtimes no longer load by default (lambdas/handlers/validate-copy.ts).
        NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
      },
      bundling: BUNDLING,
    });
    // Invoked synchronously by the swap mode; an asynchronous retry would report to no one.
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    acknowledgeNag(
      this,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the bundle targets node22 and the code is typed and tested against Node 22; move runtime, target and @types/node together',
    );
    this.function = fn;
    this.functionName = fn.functionName;
  }
}

/** What reading the password from Secrets Manager (in the VPC, through its endpoint) is given on top of the checks. */
const SECRET_READ_SECONDS = 30;

/**
 * The most one validation of `spec` may take: the connection and each check get up to `timeoutSeconds` (the tables'
 * row checks, the freshness check: at most tables + 2 steps), plus reading the password; within Lambda's 900 s.
 */
export function validationTimeout(spec: ValidationSpec): Duration {
  return Duration.seconds(Math.min(MAX_STEP_TIMEOUT_SECONDS, Math.ceil((spec.tables.length + 2) * spec.timeoutSeconds + SECRET_READ_SECONDS)));
}

/**
 * The most one run of a pair's staging hooks may take: the connection and each hook (afterRestore, then validate) get
 * up to `staging.runner.timeoutSeconds`, so (hooks + 1) steps, plus reading the password; within Lambda's 900 s.
 * Undefined for a pair without hooks.
 */
export function hooksTimeout(pair: PairConfig): Duration | undefined {
  const runner = pair.staging?.runner;
  const hooks = (pair.staging?.hooks.afterRestore.length ?? 0) + (pair.staging?.hooks.validate.length ?? 0);
  if (hooks === 0 || runner === undefined) return undefined;
  return Duration.seconds(Math.min(MAX_STEP_TIMEOUT_SECONDS, Math.ceil((hooks + 1) * runner.timeoutSeconds + SECRET_READ_SECONDS)));
}

/** Whether a pair has staging hooks (a non-empty `staging.hooks.afterRestore` or `validate`), as lambdas/refresh/hooks.ts's hasHooks. */
export function hasStagingHooks(pair: PairConfig): boolean {
  return (pair.staging?.hooks.afterRestore.length ?? 0) + (pair.staging?.hooks.validate.length ?? 0) > 0;
}

/**
 * Whether a pair needs its SQL function ({@link CopyValidation}): to validate a swap mode's copies (rename-swap,
 * dns-switch), to run its staging hooks, or both, by one function.
 */
export function needsSqlRunner(pair: PairConfig): boolean {
  return pair.refresh.mode !== 'delete-first' || hasStagingHooks(pair);
}

/** A network as config gives it, in a form two of them can be compared in. */
function sameVpc(a: ValidationSpec['vpc'], b: ValidationSpec['vpc']): boolean {
  const sorted = (ids: readonly string[]) => JSON.stringify([...new Set(ids)].sort());
  return a.vpcId === b.vpcId && sorted(a.subnetIds) === sorted(b.subnetIds) && sorted(a.securityGroupIds) === sorted(b.securityGroupIds);
}

/** What the function reads one password from, before the secrets of its purposes are put together. */
type SecretSource = Pick<CopyValidationProps, 'secretArns' | 'managedSecretInstanceArns' | 'secretKeyArns' | 'secretKeysUnknown'>;

/**
 * The {@link CopyValidation} of a pair that needs one ({@link needsSqlRunner}), as lambdas/validation/copy.ts makes its
 * requests:
 * - a swap pair's validation: its `refresh.validation` section's VPC, and the password of `validation.credentialsSecretArn`
 *   when set, else the pair's credentials secret (`credentials.mode` `secret`), else the copy's RDS-managed secret
 *   (`managed`: the instances the mode restores, `<y>-next-*` or `<y>-a` and `<y>-b`);
 * - a pair's staging hooks (hooksRequest): its `staging.runner` section's VPC, and the password of
 *   `runner.credentialsSecretArn` when set, else as above, for the instance the hooks run on (y itself for a
 *   delete-first pair, the copy for a swap mode); its timeout covers the hooks ({@link hooksTimeout}).
 * A swap pair with hooks gets one function for both, which reads both passwords and outlasts either call. A function has
 * one network: such a pair's `refresh.validation.vpc` and `staging.runner.vpc` must be the same, or it is refused here
 * (at synth) rather than one of them silently ignored.
 * @throws Error for a pair that needs no such function; for one that keeps production's credentials and names no secret
 *   for a purpose (no secret holds a password it could log in with); for a swap pair with hooks whose two VPC sections differ
 */
export function copyValidationProps(scope: Construct, pair: PairConfig): CopyValidationProps {
  const validation = pair.refresh.mode === 'delete-first' ? undefined : pair.refresh.validation;
  const hooks = hasStagingHooks(pair);
  if (validation === undefined && !hooks) throw new Error(`pair ${pair.id} has no validation: its refresh.mode is "delete-first" and it has no staging hooks`);
  const runner = pair.staging?.runner;
  // The configuration requires it (lambdas/kernel/config.ts); a construct built from other input says why.
  if (hooks && runner === undefined) throw new Error(`pair ${pair.id} has staging hooks and no staging.runner: the hooks need a function in y's VPC to run them`);
  if (validation !== undefined && runner !== undefined && hooks && !sameVpc(validation.vpc, runner.vpc)) {
    throw new Error(
      `pair ${pair.id} validates its copies and runs its staging hooks with one function, which runs in one network: refresh.validation.vpc (${JSON.stringify(validation.vpc)}) and staging.runner.vpc (${JSON.stringify(runner.vpc)}) differ. ` +
        'Give both the same vpcId, subnetIds and securityGroupIds.',
    );
  }
  const stack = Stack.of(scope);
  const credentials = pair.credentials;
  const y = pair.replica.identifier;
  const copies = pair.refresh.mode === 'dns-switch' ? [...dnsSlots(y)] : pair.refresh.mode === 'rename-swap' ? [`${y}-next-*`] : [y];
  const source = (own: string | undefined, purpose: 'validation' | 'hooks'): SecretSource => {
    if (own !== undefined) return { secretArns: [own], secretKeysUnknown: true };
    if (credentials.mode === 'secret') return { secretArns: [credentials.secretArn], secretKeysUnknown: true };
    if (credentials.mode === 'managed') {
      const key = credentials.kmsKeyId;
      return {
        secretArns: [],
        managedSecretInstanceArns: copies.map((id) => stack.formatArn({ service: 'rds', resource: 'db', resourceName: id, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
        // Unset: the account's aws/secretsmanager key, whose key policy admits the account's principals through Secrets Manager.
        ...(key === undefined ? {} : KMS_KEY_ARN.test(key) ? { secretKeyArns: [key] } : { secretKeysUnknown: true }),
      };
    }
    const [what, field, hint] =
      purpose === 'validation'
        ? ['validation function', 'validation.credentialsSecretArn', 'Set refresh.validation.credentialsSecretArn to a secret in y\'s region that holds the password of the validation user.']
        : ["staging hooks' SQL runner", 'staging.runner.credentialsSecretArn', "Set staging.runner.credentialsSecretArn to a secret in y's region that holds the password of the user the hooks run as."];
    throw new Error(`pair ${pair.id} keeps production's master credentials (credentials.mode "source") and names no ${field}: its ${what} would have no password to log in with. ${hint}`);
  };
  // The function reads both passwords when it does both (each request names its own secret).
  const sources = [...(validation === undefined ? [] : [source(validation.credentialsSecretArn, 'validation')]), ...(hooks ? [source(runner?.credentialsSecretArn, 'hooks')] : [])];
  const union = (pick: (s: SecretSource) => readonly string[] | undefined) => [...new Set(sources.flatMap((s) => pick(s) ?? []))];
  const managed = union((s) => s.managedSecretInstanceArns);
  const keys = union((s) => s.secretKeyArns);
  const secrets: SecretSource = {
    secretArns: union((s) => s.secretArns),
    ...(managed.length > 0 ? { managedSecretInstanceArns: managed } : {}),
    ...(keys.length > 0 ? { secretKeyArns: keys } : {}),
    ...(sources.some((s) => s.secretKeysUnknown === true) ? { secretKeysUnknown: true } : {}),
  };
  // With hooks, the runner's (the same as the validation's, checked above); else the validation's.
  const vpc = (hooks ? runner?.vpc : undefined) ?? validation?.vpc;
  const timeouts = [validation === undefined ? undefined : validationTimeout(validation), hooksTimeout(pair)].filter((t): t is Duration => t !== undefined);
  if (vpc === undefined || timeouts.length === 0) throw new Error(`pair ${pair.id}: no network or timeout for its SQL function`);
  const description = !hooks
    ? undefined
    : validation === undefined
      ? `Runs the staging hooks (masking, grants, checks) of ${pair.id} over SQL after each restore, while y is isolated (replica-refresh)`
      : `Runs the staging hooks of each new copy of ${pair.id}, then validates it over SQL before clients are switched to it (replica-refresh)`;
  return {
    pairId: pair.id,
    vpcId: vpc.vpcId,
    subnetIds: vpc.subnetIds,
    securityGroupIds: vpc.securityGroupIds,
    ...secrets,
    timeout: Duration.seconds(Math.max(...timeouts.map((t) => t.toSeconds()))),
    ...(description === undefined ? {} : { description }),
  };
}
