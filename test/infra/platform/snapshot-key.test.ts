import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SNAPSHOT_KEY_ALIAS, SnapshotKey } from '../../../infra/platform/snapshot-key';
import { ACCOUNT, REGION, assertHasResource, assertResourceCount, newStack } from '../helpers';

interface KeyPolicyStatement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Condition?: unknown;
}

function keyPolicy(template: Template): KeyPolicyStatement[] {
  const keys = Object.values(template.findResources('AWS::KMS::Key') as unknown as Record<string, { Properties: { KeyPolicy: { Statement: KeyPolicyStatement[] } } }>);
  expect(keys).toHaveLength(1);
  return keys[0]?.Properties.KeyPolicy.Statement ?? [];
}

describe('SnapshotKey', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new SnapshotKey(stack, 'SnapshotKey');
    template = Template.fromStack(stack);
  });

  it('is a rotated key that stays when the stack goes (copies encrypted with it must stay restorable)', () => {
    const retained = template.findResources('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    expect(Object.keys(retained)).toHaveLength(1);
  });

  it('has the project alias', () => {
    assertResourceCount(template, 'AWS::KMS::Alias', 1);
    assertHasResource(template, 'AWS::KMS::Alias', { AliasName: SNAPSHOT_KEY_ALIAS });
    expect(SNAPSHOT_KEY_ALIAS).toBe('alias/replica-refresh/snapshots');
  });

  it('lets the account administer it, and principals of this account use it only through RDS of this region', () => {
    const statements = keyPolicy(template);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] } } });
    const viaRds = { 'kms:ViaService': `rds.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT };
    expect(statements.find((s) => s.Sid === 'AllowUseThroughRdsByThisAccount')).toEqual({
      Sid: 'AllowUseThroughRdsByThisAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      Condition: { StringEquals: viaRds },
    });
    expect(statements.find((s) => s.Sid === 'AllowGrantsToRdsResourcesOfThisAccount')).toEqual({
      Sid: 'AllowGrantsToRdsResourcesOfThisAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    });
  });

  it('lets every principal of this account have RDS use it (principal *, narrowed only by account and RDS of this region), so RDS permissions decide who', () => {
    // A key policy that allows a principal of the key's own account is enough by itself: IAM policies cannot narrow it.
    const uses = keyPolicy(template).filter((s) => s.Sid !== undefined && s.Effect === 'Allow');
    expect(uses.map((s) => s.Principal)).toEqual([{ AWS: '*' }, { AWS: '*' }]);
    for (const s of uses) expect((s.Condition as { StringEquals: Record<string, string> }).StringEquals).toEqual({ 'kms:ViaService': `rds.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT });
    // Nobody is given the key outside RDS but through the account's root statement, which only enables IAM policies.
    const others = keyPolicy(template).filter((s) => s.Sid === undefined);
    expect(others.map((s) => [s.Action, s.Condition])).toEqual([['kms:*', undefined]]);
  });

  it('takes another alias', () => {
    const stack = newStack();
    new SnapshotKey(stack, 'SnapshotKey', { aliasName: 'alias/team/rds-copies' });
    assertHasResource(Template.fromStack(stack), 'AWS::KMS::Alias', { AliasName: 'alias/team/rds-copies' });
  });

  it('fails on an alias in the AWS namespace', () => {
    expect(() => new SnapshotKey(newStack(), 'SnapshotKey', { aliasName: 'alias/aws/rds' })).toThrow('aliasName must look like alias/<name> and not start with alias/aws/, got "alias/aws/rds"');
  });

  it('fails in a stack without a concrete region and account', () => {
    expect(() => new SnapshotKey(new Stack(new App(), 'Agnostic'), 'SnapshotKey')).toThrow("stack Agnostic must have a concrete region and account for the snapshot key's policy");
  });
});
