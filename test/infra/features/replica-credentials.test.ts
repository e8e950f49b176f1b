import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ReplicaCredentials, secretArnForPolicies } from '../../../infra/features/replica-credentials';
import { pairSchema } from '../../../lambdas/kernel/config';
import { ACCOUNT, REGION, iamStatements, newStack, pair, resourcesAllowed, unacknowledgedNagFindings, type IamStatement } from '../helpers';

const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:a-staging-master-AbCdEf`;
const PARTIAL_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:b-staging/master`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/aaaaaaaa-1111-2222-3333-444444444444`;
const ALIAS = `arn:aws:kms:${REGION}:${ACCOUNT}:alias/staging-secrets`;
const VIA_RDS_OR_SECRETS_MANAGER = { 'kms:ViaService': [`rds.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] };

/** Grants on a bare role, so the template holds nothing else. */
function grantsFor(pairs: Parameters<typeof pair>[], grant: (credentials: ReplicaCredentials, role: iam.IRole) => void): { stack: Stack; statements: IamStatement[] } {
  const stack = newStack();
  const credentials = new ReplicaCredentials(stack, 'Credentials', { pairs: pairs.map((args) => pair(...args)) });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  grant(credentials, role);
  return { stack, statements: iamStatements(Template.fromStack(stack)) };
}

const statementWith = (statements: IamStatement[], action: string) => statements.filter((s) => s.actions.includes(action));

describe('secretArnForPolicies', () => {
  it.each([
    ['keeps a complete ARN (six random characters after the last hyphen)', SECRET, SECRET],
    ['appends -?????? to a partial ARN', PARTIAL_SECRET, `${PARTIAL_SECRET}-??????`],
    ['appends -?????? to a name whose last part is not six characters', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:a-staging-pw`, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:a-staging-pw-??????`],
    // Secrets Manager itself takes such an ARN as complete (API reference, SecretId), so the policy must too.
    ['takes a name ending in a hyphen and six characters as complete, as Secrets Manager does', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:a-master`, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:a-master`],
  ])('%s', (_name, arn, expected) => {
    expect(secretArnForPolicies(arn)).toBe(expected);
  });
});

describe('ReplicaCredentials', () => {
  const SECRET_PAIRS: Parameters<typeof pair>[] = [
    ['a-staging', REGION, { credentials: { mode: 'secret', secretArn: SECRET } }],
    ['b-staging', REGION, { credentials: { mode: 'secret', secretArn: PARTIAL_SECRET, passwordKey: 'pw' } }],
    ['c-staging'],
  ];

  describe('secret pairs', () => {
    const { stack, statements } = grantsFor(SECRET_PAIRS, (c, role) => c.grantReadSecrets(role));

    it('reads exactly the configured secrets, completing a partial ARN with -??????', () => {
      expect(resourcesAllowed(statements, 'secretsmanager:GetSecretValue')).toEqual([SECRET, `${PARTIAL_SECRET}-??????`]);
    });

    it("decrypts only through Secrets Manager of y's region and only those secrets' data keys (encryption context SecretARN)", () => {
      const decrypt = statementWith(statements, 'kms:Decrypt');
      expect(decrypt.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
        [
          ['kms:Decrypt'],
          [`arn:aws:kms:${REGION}:${ACCOUNT}:key/*`],
          {
            StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:SecretARN': [SECRET, `${PARTIAL_SECRET}-??????`] },
          },
        ],
      ]);
    });

    it('grants nothing else: no writes to Secrets Manager, nothing for managed secrets or SSM', () => {
      expect(statements.flatMap((s) => s.actions).sort()).toEqual(['kms:Decrypt', 'secretsmanager:GetSecretValue']);
    });

    it('leaves no cdk-nag finding unacknowledged', () => {
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });

    it('grants the same to the functions that finish a run', () => {
      const apply = grantsFor(SECRET_PAIRS, (c, role) => c.grantApply(role)).statements;
      expect(apply.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual(statements.map((s) => [s.actions, s.resources, s.statement.Condition]));
    });
  });

  describe('managed pairs', () => {
    const MANAGED_PAIRS: Parameters<typeof pair>[] = [
      ['a-staging', REGION, { credentials: { mode: 'managed' } }],
      ['b-staging', REGION, { credentials: { mode: 'managed', kmsKeyId: KEY, parameterName: '/apps/b/db-secret' } }],
      ['c-staging', REGION, { credentials: { mode: 'managed', kmsKeyId: ALIAS } }],
      ['d-staging'],
    ];
    const { stack, statements } = grantsFor(MANAGED_PAIRS, (c, role) => c.grantApply(role));

    it('lets RDS, acting for the function, create and tag only its own rds!db-… master secrets', () => {
      const create = statementWith(statements, 'secretsmanager:CreateSecret');
      expect(create.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
        [['secretsmanager:CreateSecret', 'secretsmanager:TagResource'], [`arn:\${AWS::Partition}:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-*`], { Bool: { 'aws:ViaAWSService': 'true' } }],
      ]);
      expect(statements.flatMap((s) => s.actions)).not.toContain('secretsmanager:GetSecretValue');
      expect(statements.flatMap((s) => s.actions)).not.toContain('secretsmanager:RotateSecret');
    });

    it('describes the keys of the region (aws/secretsmanager) only through RDS or Secrets Manager', () => {
      const describe = statementWith(statements, 'kms:DescribeKey');
      expect(describe.map((s) => [s.resources, s.statement.Condition])).toEqual([[[`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`], { StringEquals: VIA_RDS_OR_SECRETS_MANAGER }]]);
    });

    it('uses a configured key by its ARN, and a key named by alias only where the key carries that alias', () => {
      expect(resourcesAllowed(statements, 'kms:GenerateDataKey').sort()).toEqual([KEY, `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`].sort());
      const byKey = statementWith(statements, 'kms:GenerateDataKey').find((s) => s.resources.includes(KEY));
      expect(byKey?.statement.Condition).toEqual({ StringEquals: VIA_RDS_OR_SECRETS_MANAGER });
      const byAlias = statementWith(statements, 'kms:GenerateDataKey').find((s) => !s.resources.includes(KEY));
      expect(byAlias?.statement.Condition).toEqual({ StringEquals: VIA_RDS_OR_SECRETS_MANAGER, 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/staging-secrets'] } });
      for (const grant of statementWith(statements, 'kms:CreateGrant')) {
        expect(grant.statement.Condition).toMatchObject({ StringEquals: VIA_RDS_OR_SECRETS_MANAGER, Bool: { 'kms:GrantIsForAWSResource': 'true' } });
      }
      expect(resourcesAllowed(statements, 'kms:Decrypt').sort()).toEqual(resourcesAllowed(statements, 'kms:GenerateDataKey').sort());
    });

    it("publishes the new secret's ARN to each pair's parameter only (the default /replica-refresh/<y>/master-user-secret-arn, or its own)", () => {
      expect(resourcesAllowed(statements, 'ssm:PutParameter')).toEqual([
        `arn:\${AWS::Partition}:ssm:${REGION}:${ACCOUNT}:parameter/apps/b/db-secret`,
        `arn:\${AWS::Partition}:ssm:${REGION}:${ACCOUNT}:parameter/replica-refresh/a-staging/master-user-secret-arn`,
        `arn:\${AWS::Partition}:ssm:${REGION}:${ACCOUNT}:parameter/replica-refresh/c-staging/master-user-secret-arn`,
      ]);
    });

    it('gives the preflight nothing for managed pairs', () => {
      expect(grantsFor(MANAGED_PAIRS, (c, role) => c.grantReadSecrets(role)).statements).toEqual([]);
    });

    it('leaves no cdk-nag finding unacknowledged', () => {
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });
  });

  describe('managed Aurora cluster pairs', () => {
    it('lets RDS create and tag rds!cluster-… secrets for a cluster y, beside rds!db-… for an instance y, and nag finds nothing unacknowledged', () => {
      const stack = newStack();
      const crm = pairSchema.parse({
        source: { clusterId: 'crm-prod', region: 'eu-west-1' },
        replica: { clusterId: 'crm-staging', region: REGION, memberIds: ['crm-staging-writer'] },
        engine: 'aurora-mysql',
        credentials: { mode: 'managed' },
      });
      const credentials = new ReplicaCredentials(stack, 'Credentials', { pairs: [crm, pair('a-staging', REGION, { credentials: { mode: 'managed' } })] });
      credentials.grantApply(new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
      const statements = iamStatements(Template.fromStack(stack));
      expect(resourcesAllowed(statements, 'secretsmanager:CreateSecret').sort()).toEqual([
        `arn:\${AWS::Partition}:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!cluster-*`,
        `arn:\${AWS::Partition}:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-*`,
      ]);
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });
  });

  it('grants nothing for pairs that keep the source credentials', () => {
    expect(grantsFor([['a-staging'], ['b-staging']], (c, role) => c.grantApply(role)).statements).toEqual([]);
  });

  it.each([
    ["a secret outside y's region", { mode: 'secret', secretArn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:a-AbCdEf` }, "credentials.secretArn of a-staging must be a secret in eu-central-1, y's region, got one in us-east-1"],
    ["a managed secret key outside y's region", { mode: 'managed', kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/x` }, "credentials.kmsKeyId of a-staging must be a key in eu-central-1, y's region, got one in us-east-1"],
    ['a managed secret key that is no KMS key', { mode: 'managed', kmsKeyId: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:x` }, 'credentials.kmsKeyId of a-staging must be a KMS key or alias ARN'],
  ])('fails on %s', (_name, credentials, message) => {
    expect(() => grantsFor([['a-staging', REGION, { credentials }]], () => undefined)).toThrow(message);
  });

  it('fails in a stack without a concrete region and account', () => {
    expect(() => new ReplicaCredentials(new Stack(new App(), 'Agnostic'), 'Credentials', { pairs: [pair('a-staging')] })).toThrow('stack Agnostic must have a concrete region and account');
  });
});
