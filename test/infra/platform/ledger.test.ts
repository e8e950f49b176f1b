import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LEDGER_ACTIONS, Ledger } from '../../../infra/platform/ledger';
import { assertHasResource, newStack } from '../helpers';

describe('Ledger', () => {
  it('is a pay-per-request table keyed by replica (S) and sk (S), with point-in-time recovery', () => {
    const stack = newStack();
    new Ledger(stack, 'Ledger');
    assertHasResource(Template.fromStack(stack), 'AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'replica', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'replica', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('encrypts with its own rotated key, and retains table and key with deletion protection on', () => {
    const stack = newStack();
    new Ledger(stack, 'Ledger');
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LedgerKey'), 'Arn'] } },
      },
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toHaveLength(1);
  });

  it('can be destroyed with the stack when told, without deletion protection', () => {
    const stack = newStack();
    new Ledger(stack, 'Ledger', { removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: { DeletionProtectionEnabled: false } });
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(1);
  });

  it('grants exactly the DynamoDB actions the ledger adapter sends, read or read-write, and the key use DynamoDB needs', () => {
    const stack = newStack();
    const ledger = new Ledger(stack, 'Ledger');
    const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    ledger.grantUse(writer, 'read-write');
    ledger.grantUse(reader, 'read');
    const template = Template.fromStack(stack);
    const actionsOf = (role: string): string[] => {
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${role}`) }] } }));
      return policies.flatMap((p) => (p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } }).PolicyDocument.Statement.flatMap((st) => [st.Action].flat())).sort();
    };
    expect(actionsOf('Writer')).toEqual([...LEDGER_ACTIONS.readWrite, 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'].sort());
    expect(actionsOf('Reader')).toEqual(['dynamodb:GetItem', 'kms:Decrypt', 'kms:DescribeKey']);
    expect(actionsOf('Writer')).not.toContain('dynamodb:Scan');
  });
});
