/**
 * The validation function of a swap mode (rename-swap, dns-switch): it connects to a new copy of y and runs the
 * pair's checks before clients are switched to it (lambdas/handlers/validate-copy.ts, lambdas/validation/). It must
 * reach the copy, so it runs inside y's VPC, in subnets and with security groups that exist already.
 */
import * as path from 'node:path';
import { Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_CA_BUNDLE } from '../../lambdas/validation/validate';
import { BUNDLING, FUNCTION_MEMORY_MB } from '../platform/refresh-function';
import { acknowledgeNag } from '../platform/nag';
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
   * Customer-managed KMS keys those secrets are encrypted with, if any: kms:Decrypt on exactly these keys, only
   * through Secrets Manager of this region and only for these secrets' data keys. A secret under the account's
   * aws/secretsmanager key needs nothing here (that key's policy admits the account's principals through Secrets
   * Manager).
   * @default - none
   */
  readonly secretKeyArns?: readonly string[];
  /**
   * The most one validation may take: the connection and each check take up to the request's `timeoutMs`, so at least
   * (tables + 2) × `validation.timeoutSeconds` plus reading the secret.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[^*?]+$/;
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
 * (infra/platform/refresh-function.ts), with its own role that may read exactly the given secrets and manage the
 * function's network interfaces, and nothing else. Its connection to the copy verifies RDS's certificate: the
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
    checkIds('secretArns', props.secretArns, SECRET_ARN, 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf (no wildcard)');
    const keyArns = props.secretKeyArns ?? [];
    if (keyArns.length > 0) checkIds('secretKeyArns', keyArns, KMS_KEY_ARN, 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab (a key ARN, not an alias)');
    // The function reads each secret with a client of the secret's region, through the VPC's route to Secrets Manager
    // in this region: a secret elsewhere would need a route out of the region.
    for (const arn of [...props.secretArns, ...keyArns]) {
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

    const secrets = [...new Set(props.secretArns.map(secretArnForPolicies))].sort();
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadValidationPasswords', actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
    for (const secret of secrets.filter((s) => s.endsWith('-??????'))) {
      acknowledgeNag(role, 'AwsSolutions-IAM5', 'The configured secret ARN lacks the six random characters Secrets Manager appends to it; -?????? matches exactly those, so only that secret', `Resource::${secret}`);
    }
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
    this.role = role;

    const fn = new NodejsFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'lambdas', 'handlers', 'validate-copy.ts'),
      handler: 'handler',
      description: `Validates a new copy of ${props.pairId} over SQL before clients are switched to it (replica-refresh)`,
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
