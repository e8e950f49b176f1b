import { Match, Template } from 'aws-cdk-lib/assertions';
import { Notifications } from '../../../infra/platform/notifications';
import { ACCOUNT, REGION, assertHasResource, assertResourceCount, newStack } from '../helpers';

describe('Notifications', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new Notifications(stack, 'Notifications', { emails: ['dba@example.com', 'oncall@example.com'] });
    template = Template.fromStack(stack);
  });

  it('encrypts the topic with a rotated customer-managed key and refuses plain-HTTP publishing', () => {
    assertHasResource(template, 'AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsKey'), 'Arn'] } });
    assertHasResource(template, 'AWS::KMS::Key', { EnableKeyRotation: true });
    assertHasResource(template, 'AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets CloudWatch alarms of this account publish, and use the key', () => {
    assertHasResource(template, 'AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`]] } },
            },
          }),
        ]),
      },
    });
    assertHasResource(template, 'AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }),
        ]),
      },
    });
  });

  it('subscribes each address by e-mail', () => {
    assertResourceCount(template, 'AWS::SNS::Subscription', 2);
    assertHasResource(template, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('works without any address', () => {
    const stack = newStack();
    new Notifications(stack, 'Notifications');
    assertResourceCount(Template.fromStack(stack), 'AWS::SNS::Subscription', 0);
  });

  it('fails on an address that is not an email address', () => {
    expect(() => new Notifications(newStack(), 'Notifications', { emails: ['dba-team'] })).toThrow('notification email "dba-team" is not an email address');
  });
});
