/**
 * The validation function's infrastructure (infra/features/copy-validation.ts): inside y's VPC in the given subnets and
 * security groups, which it never changes; a role that reads exactly the given secrets and manages its network
 * interfaces, and nothing else; verified TLS to RDS; cdk-nag clean. Bundled for real once, so the handler's bundle
 * (with `pg`) is known to build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CopyValidation, MANAGED_SECRET_INSTANCE_TAG, VPC_NETWORK_INTERFACE_ACTIONS, copyValidationProps, hooksTimeout, needsSqlRunner, validationTimeout, type CopyValidationProps } from '../../../infra/features/copy-validation';
import { acknowledgeInvokeQualifiers } from '../../../infra/features/schedule';
import type { ValidationSpec } from '../../../lambdas/validation/spec';
import { ACCOUNT, REGION, SKIP_BUNDLING, assertHasResource, iamStatements, newStack, pair, render, resourcesAllowed, statementsOfRole, unacknowledgedNagFindings } from '../helpers';

const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-staging-master-AbCdEf`;
const PARTIAL_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-staging/validation`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const SECURITY_GROUPS = ['sg-0123456789abcdef0'];

function props(overrides: Partial<CopyValidationProps> = {}): CopyValidationProps {
  return { pairId: 'orders-staging', vpcId: 'vpc-0123456789abcdef0', subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS, secretArns: [SECRET, PARTIAL_SECRET], ...overrides };
}

interface FunctionJson {
  Properties: { Code: { S3Key: string }; Role: unknown; VpcConfig: { SubnetIds: string[]; SecurityGroupIds: string[] }; Environment: { Variables: Record<string, string> } };
  DependsOn?: string[];
}

describe('CopyValidation', () => {
  // Bundled for real (the default app bundles every stack): the handler and pg must build with the project's options.
  const stack = newStack();
  const validation = new CopyValidation(stack, 'Validation', props());
  const invoker = new iam.Role(stack, 'SwapMode', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  validation.function.grantInvoke(invoker);
  // What the caller does about grantInvoke's `<arn>:*` (versions and aliases), as for the Scheduler's roles.
  acknowledgeInvokeQualifiers(invoker, [validation.function]);
  const template = Template.fromStack(stack);
  const functions = template.findResources('AWS::Lambda::Function') as unknown as Record<string, FunctionJson>;
  const [logicalId, fn] = Object.entries(functions)[0]!;
  const statements = statementsOfRole(template, 'ValidationRole');

  it('is one Node 22 arm64 function in the given subnets with the given security groups, and makes no network of its own', () => {
    expect(Object.keys(functions)).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 300,
      VpcConfig: { SubnetIds: SUBNETS, SecurityGroupIds: SECURITY_GROUPS },
    });
    // The imported VPC's zones (Fn::GetAZs) are never rendered.
    expect(JSON.stringify(template.toJSON())).not.toContain('GetAZs');
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress', 'AWS::EC2::VPCEndpoint']) {
      template.resourceCountIs(type, 0);
    }
  });

  it('trusts the runtime\'s Amazon CAs, RDS\'s among them, so the copy\'s certificate is verified', () => {
    expect(fn.Properties.Environment.Variables).toMatchObject({ NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem', POWERTOOLS_SERVICE_NAME: 'validate-copy' });
  });

  it('reads exactly the given secrets, completing a partial ARN with -??????', () => {
    expect(resourcesAllowed(statements, 'secretsmanager:GetSecretValue')).toEqual([SECRET, `${PARTIAL_SECRET}-??????`].sort());
    expect(statements.filter((s) => s.actions.some((a) => a.startsWith('secretsmanager:'))).map((s) => s.actions)).toEqual([['secretsmanager:GetSecretValue']]);
  });

  it('may do nothing else than log to its own group, trace, and manage the network interfaces of a VPC function', () => {
    const byAction = statements.flatMap((s) => s.actions.map((a) => [a, s.resources.join(' ')]));
    expect(byAction.map(([a]) => a).sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments', ...VPC_NETWORK_INTERFACE_ACTIONS].sort(),
    );
    // "*" only where IAM has nothing narrower: the network interfaces and X-Ray.
    expect(byAction.filter(([, r]) => r === '*').map(([a]) => a).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments', ...VPC_NETWORK_INTERFACE_ACTIONS].sort());
    expect(resourcesAllowed(statements, 'logs:PutLogEvents')).toEqual([expect.stringMatching(/^\$\{ValidationLogGroup[0-9A-F]+\.Arn\}$/)]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Description: Match.stringLikeRegexp('orders-staging') });
  });

  it('is created after its grants, which Lambda needs to attach it to the VPC', () => {
    const policy = iamStatements(template).find((s) => s.actions.includes('ec2:CreateNetworkInterface'))!.policy;
    expect(fn.DependsOn).toEqual(expect.arrayContaining([policy]));
  });

  it('tells the caller its name and lets it grant invoke', () => {
    expect(stack.resolve(validation.functionName)).toEqual({ Ref: logicalId });
    expect(resourcesAllowed(statementsOfRole(template, 'SwapMode'), 'lambda:InvokeFunction')).toEqual(expect.arrayContaining([`\${${logicalId}.Arn}`]));
  });

  it('is not retried when invoked asynchronously', () => {
    assertHasResource(template, 'AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it('bundles the handler', () => {
    const dir = path.join(Stage.of(stack)?.outdir ?? '', `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it("leaves no CDK warning about the imported VPC and subnets, which only place the function", () => {
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('CopyValidation with customer-managed secret keys', () => {
  const stack = newStack(REGION, SKIP_BUNDLING);
  new CopyValidation(stack, 'Validation', props({ secretKeyArns: [KEY], timeout: Duration.minutes(2) }));
  const template = Template.fromStack(stack);
  const statements = statementsOfRole(template, 'ValidationRole');

  it('decrypts with exactly those keys, only through Secrets Manager of the region and only for the given secrets', () => {
    const decrypt = statements.filter((s) => s.actions.includes('kms:Decrypt'));
    expect(decrypt.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
      [
        ['kms:Decrypt'],
        [KEY],
        {
          StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': [SECRET, `${PARTIAL_SECRET}-??????`].sort() },
        },
      ],
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 120 });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('CopyValidation refuses', () => {
  it.each<[string, Partial<CopyValidationProps>, RegExp]>([
    ['no subnet', { subnetIds: [] }, /subnetIds must list at least one/],
    ['a subnet that is no subnet id', { subnetIds: ['subnet-xyz'] }, /subnetIds holds "subnet-xyz"; each must look like subnet-/],
    ['no security group', { securityGroupIds: [] }, /securityGroupIds must list at least one/],
    ['a security group given twice', { securityGroupIds: ['sg-01234567', 'sg-01234567'] }, /securityGroupIds lists a value twice/],
    ['no secret', { secretArns: [] }, /secretArns must list at least one/],
    ['a wildcard secret', { secretArns: [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:*`] }, /secretArns holds .*no wildcard/],
    ['a secret of another region', { secretArns: [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:orders-AbCdEf`] }, /is in eu-west-1; it must be in eu-central-1, y's region/],
    ['a key alias', { secretKeyArns: [`arn:aws:kms:${REGION}:${ACCOUNT}:alias/secrets`] }, /secretKeyArns holds .*a key ARN, not an alias/],
    ['a VPC id that is none', { vpcId: 'default' }, /vpcId "default" must look like vpc-/],
    ['a pair id that is none', { pairId: 'Orders_Staging' }, /pairId "Orders_Staging" must be a pair's id/],
  ])('%s, naming the property', (_name, overrides, message) => {
    expect(() => new CopyValidation(newStack(REGION, SKIP_BUNDLING), 'Validation', props(overrides))).toThrow(message);
  });
});

describe('CopyValidation reading the copies\' RDS-managed secrets', () => {
  const COPIES = `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-staging-next-*`;
  const MANAGED = `arn:\${AWS::Partition}:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-*`;
  const stack = newStack(REGION, SKIP_BUNDLING);
  new CopyValidation(stack, 'Validation', props({ secretArns: [], managedSecretInstanceArns: [COPIES], secretKeyArns: [KEY] }));
  const statements = statementsOfRole(Template.fromStack(stack), 'ValidationRole');

  it("reads rds!db-* only while the secret's aws:rds:primaryDBInstanceArn tag names one of the copies, and no other secret", () => {
    const reads = statements.filter((s) => s.actions.includes('secretsmanager:GetSecretValue'));
    expect(reads.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
      [['secretsmanager:GetSecretValue'], [MANAGED], { StringLike: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_INSTANCE_TAG}`]: [COPIES] } }],
    ]);
    expect(MANAGED_SECRET_INSTANCE_TAG).toBe('aws:rds:primaryDBInstanceArn');
  });

  it("decrypts with the managed secrets' configured key, only for those secrets", () => {
    const decrypt = statements.filter((s) => s.actions.includes('kms:Decrypt'));
    expect(decrypt.map((s) => [s.resources, s.statement.Condition?.StringEquals, (s.statement.Condition?.StringLike?.['kms:EncryptionContext:SecretARN'] as unknown[]).map(render)])).toEqual([
      [[KEY], { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }, [MANAGED]],
    ]);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('refuses copies of another region, or a wildcard inside the name', () => {
    const make = (arns: string[]) => () => new CopyValidation(newStack(REGION, SKIP_BUNDLING), 'Validation', props({ secretArns: [], managedSecretInstanceArns: arns }));
    expect(make([`arn:aws:rds:eu-west-1:${ACCOUNT}:db:orders-staging-next-*`])).toThrow(/is in eu-west-1; it must be in eu-central-1/);
    expect(make([`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-*-next`])).toThrow(/managedSecretInstanceArns holds .*a DB instance ARN, \* only at the end/);
  });
});

describe('CopyValidation reading secrets whose keys are not configured', () => {
  const stack = newStack(REGION, SKIP_BUNDLING);
  new CopyValidation(stack, 'Validation', props({ secretArns: [SECRET], secretKeysUnknown: true }));
  const statements = statementsOfRole(Template.fromStack(stack), 'ValidationRole');

  it("decrypts with any key of the secret's account in this region, only through Secrets Manager and only for the secret", () => {
    const decrypt = statements.filter((s) => s.actions.includes('kms:Decrypt'));
    expect(decrypt.map((s) => [s.resources, s.statement.Condition])).toEqual([
      [[`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`], { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:SecretARN': [SECRET] } }],
    ]);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('copyValidationProps', () => {
  const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS };
  const RENAME = { mode: 'rename-swap', validation: { tables: ['public.orders', 'public.customers'], timeoutSeconds: 20, vpc: VPC } };
  const DNS = { mode: 'dns-switch', dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'orders.db.internal' }, validation: { tables: ['public.orders'], vpc: VPC } };
  const stack = newStack(REGION, SKIP_BUNDLING);
  const of = (extra: Record<string, unknown>) => copyValidationProps(stack, pair('orders-staging', REGION, extra));
  const copyArn = (id: string) => `arn:\${AWS::Partition}:rds:${REGION}:${ACCOUNT}:db:${id}`;
  const rendered = (arns: readonly string[] | undefined) => (arns ?? []).map((a) => render(stack.resolve(a)));

  it("runs in the pair's VPC, with as long as (tables + 2) checks and the secret's read may take", () => {
    const p = of({ refresh: RENAME, credentials: { mode: 'secret', secretArn: SECRET } });
    expect(p).toMatchObject({ pairId: 'orders-staging', vpcId: 'vpc-0123456789abcdef0', subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS });
    expect(p.timeout?.toSeconds()).toBe(4 * 20 + 30);
    const spec = (pair('x', REGION, { refresh: RENAME }).refresh as { validation: ValidationSpec }).validation;
    // Never past Lambda's 900 s.
    expect(validationTimeout({ ...spec, timeoutSeconds: 900 }).toSeconds()).toBe(900);
  });

  it("reads validation.credentialsSecretArn first, then the pair's secret, each with its key unknown", () => {
    const own = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-staging/validator-XyZ123`;
    expect(of({ refresh: { ...RENAME, validation: { ...RENAME.validation, credentialsSecretArn: own } }, credentials: { mode: 'secret', secretArn: SECRET } })).toMatchObject({ secretArns: [own], secretKeysUnknown: true });
    expect(of({ refresh: { ...RENAME, validation: { ...RENAME.validation, credentialsSecretArn: own } }, credentials: { mode: 'source' } })).toMatchObject({ secretArns: [own] });
    const secret = of({ refresh: RENAME, credentials: { mode: 'secret', secretArn: SECRET } });
    expect(secret).toMatchObject({ secretArns: [SECRET], secretKeysUnknown: true });
    expect(secret.managedSecretInstanceArns).toBeUndefined();
  });

  it("reads a managed pair's copies' secrets: <y>-next-* for rename-swap, the slots for dns-switch, with the configured key", () => {
    const rename = of({ refresh: RENAME, credentials: { mode: 'managed' } });
    expect(rename.secretArns).toEqual([]);
    expect(rendered(rename.managedSecretInstanceArns)).toEqual([copyArn('orders-staging-next-*')]);
    expect(rename.secretKeyArns).toBeUndefined();
    expect(rename.secretKeysUnknown).toBeUndefined();
    const dns = of({ refresh: DNS, credentials: { mode: 'managed', kmsKeyId: KEY } });
    expect(rendered(dns.managedSecretInstanceArns)).toEqual([copyArn('orders-staging-a'), copyArn('orders-staging-b')]);
    expect(dns.secretKeyArns).toEqual([KEY]);
    const alias = of({ refresh: DNS, credentials: { mode: 'managed', kmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/secrets` } });
    expect(alias).toMatchObject({ secretKeysUnknown: true });
    expect(alias.secretKeyArns).toBeUndefined();
  });

  it("refuses a pair that keeps production's credentials and names no validation secret, or that has no swap mode", () => {
    expect(() => of({ refresh: RENAME, credentials: { mode: 'source' } })).toThrow(
      /pair orders-staging keeps production's master credentials \(credentials.mode "source"\) and names no validation.credentialsSecretArn/,
    );
    expect(() => of({})).toThrow('pair orders-staging has no validation: its refresh.mode is "delete-first"');
  });
});

describe('copyValidationProps of a pair with staging hooks (its SQL runner)', () => {
  const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS };
  const RUNNER_VPC = { vpcId: 'vpc-0fedcba9876543210', subnetIds: ['subnet-0fedcba9876543210'], securityGroupIds: ['sg-0fedcba9876543210'] };
  const RUNNER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-staging/hooks-XyZ123`;
  const HOOKS = { afterRestore: ['sql/10-mask.sql', 'sql/20-grants.sql'], validate: ['sql/90-counts.sql'] };
  const staging = (runner: Record<string, unknown> = {}) => ({ staging: { hooks: HOOKS, onFailure: 'delete', runner: { vpc: RUNNER_VPC, timeoutSeconds: 60, ...runner } } });
  const stack = newStack(REGION, SKIP_BUNDLING);
  const of = (extra: Record<string, unknown>) => copyValidationProps(stack, pair('orders-staging', REGION, extra));
  const rendered = (arns: readonly string[] | undefined) => (arns ?? []).map((a) => render(stack.resolve(a)));

  it("runs a delete-first pair's hooks in staging.runner's VPC, for (hooks + 1) × runner.timeoutSeconds and the secret's read", () => {
    const p = of({ ...staging(), credentials: { mode: 'secret', secretArn: SECRET } });
    expect(p).toMatchObject({ pairId: 'orders-staging', vpcId: RUNNER_VPC.vpcId, subnetIds: RUNNER_VPC.subnetIds, securityGroupIds: RUNNER_VPC.securityGroupIds, secretArns: [SECRET], secretKeysUnknown: true });
    expect(p.timeout?.toSeconds()).toBe((3 + 1) * 60 + 30);
    expect(hooksTimeout(pair('orders-staging', REGION, { ...staging(), credentials: { mode: 'secret', secretArn: SECRET } }))?.toSeconds()).toBe(270);
    expect(p.description).toMatch(/^Runs the staging hooks .* of orders-staging over SQL after each restore/);
    // Never past Lambda's 900 s.
    expect(of({ ...staging({ timeoutSeconds: 600 }), credentials: { mode: 'secret', secretArn: SECRET } }).timeout?.toSeconds()).toBe(900);
    expect(hooksTimeout(pair('orders-staging'))).toBeUndefined();
  });

  it("reads staging.runner.credentialsSecretArn first, then the pair's secret, then y's own RDS-managed secret (db:<y>)", () => {
    expect(of({ ...staging({ credentialsSecretArn: RUNNER_SECRET }), credentials: { mode: 'secret', secretArn: SECRET } })).toMatchObject({ secretArns: [RUNNER_SECRET], secretKeysUnknown: true });
    expect(of({ ...staging({ credentialsSecretArn: RUNNER_SECRET }), credentials: { mode: 'source' } })).toMatchObject({ secretArns: [RUNNER_SECRET] });
    const managed = of({ ...staging(), credentials: { mode: 'managed', kmsKeyId: KEY } });
    expect(managed.secretArns).toEqual([]);
    expect(rendered(managed.managedSecretInstanceArns)).toEqual([`arn:\${AWS::Partition}:rds:${REGION}:${ACCOUNT}:db:orders-staging`]);
    expect(managed.secretKeyArns).toEqual([KEY]);
  });

  it("refuses a pair with hooks that keeps production's credentials and names no runner secret", () => {
    expect(() => of({ ...staging(), credentials: { mode: 'source' } })).toThrow(/keeps production's master credentials \(credentials.mode "source"\) and names no staging.runner.credentialsSecretArn: its staging hooks' SQL runner would have no password/);
  });

  it('gives a swap pair with hooks one function for both: the shared VPC, both passwords, the longer of the two timeouts', () => {
    const own = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-staging/validator-AbC123`;
    const refresh = { mode: 'rename-swap', validation: { tables: ['public.orders'], timeoutSeconds: 20, vpc: VPC, credentialsSecretArn: own } };
    const p = of({ refresh, ...staging({ vpc: VPC, credentialsSecretArn: RUNNER_SECRET }), credentials: { mode: 'managed' } });
    expect(p).toMatchObject({ vpcId: VPC.vpcId, subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS, secretArns: [own, RUNNER_SECRET], secretKeysUnknown: true });
    expect(p.managedSecretInstanceArns).toBeUndefined();
    expect(p.timeout?.toSeconds()).toBe(Math.max(3 * 20 + 30, 4 * 60 + 30));
    expect(p.description).toMatch(/staging hooks of each new copy of orders-staging, then validates it/);
    // Without secrets of their own both read the copy's managed secret: <y>-next-*, once.
    const managed = of({ refresh: { ...refresh, validation: { ...refresh.validation, credentialsSecretArn: undefined } }, ...staging({ vpc: { ...VPC, subnetIds: [...SUBNETS].reverse() } }), credentials: { mode: 'managed' } });
    expect(rendered(managed.managedSecretInstanceArns)).toEqual([`arn:\${AWS::Partition}:rds:${REGION}:${ACCOUNT}:db:orders-staging-next-*`]);
  });

  it("refuses a swap pair with hooks whose refresh.validation.vpc and staging.runner.vpc differ: one function has one network", () => {
    const refresh = { mode: 'rename-swap', validation: { tables: ['public.orders'], vpc: VPC } };
    expect(() => of({ refresh, ...staging(), credentials: { mode: 'managed' } })).toThrow(/pair orders-staging validates its copies and runs its staging hooks with one function, which runs in one network: refresh.validation.vpc .* and staging.runner.vpc .* differ/);
    expect(() => of({ refresh, ...staging({ vpc: { ...VPC, securityGroupIds: ['sg-0fedcba9876543210'] } }), credentials: { mode: 'managed' } })).toThrow(/differ/);
  });

  it('needs no function for a delete-first pair whose staging section has no hooks', () => {
    expect(needsSqlRunner(pair('orders-staging', REGION, { staging: { readOnly: true, parameterGroupFamily: 'postgres16' } }))).toBe(false);
    expect(needsSqlRunner(pair('orders-staging', REGION, { ...staging(), credentials: { mode: 'managed' } }))).toBe(true);
    expect(() => of({ staging: { readOnly: true, parameterGroupFamily: 'postgres16' } })).toThrow('has no validation: its refresh.mode is "delete-first" and it has no staging hooks');
  });
});
