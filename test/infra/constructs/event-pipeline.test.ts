import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EventPipeline } from '../../../infra/constructs/event-pipeline';
import { ACCOUNT, REGION, assertHasResource, newStack } from '../helpers';

function handler(stack: Stack): lambda.IFunction {
  return new lambda.Function(stack, 'Handler', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
}

describe('EventPipeline', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new EventPipeline(stack, 'Events', { replicaIds: ['zeta-staging', 'alpha-staging'], handler: handler(stack) });
    template = Template.fromStack(stack);
  });

  it('subscribes to db-instance events of the given instances, sorted, enabled', () => {
    assertHasResource(template, 'AWS::RDS::EventSubscription', {
      SourceType: 'db-instance',
      SourceIds: ['alpha-staging', 'zeta-staging'],
      EventCategories: ['availability', 'backup', 'creation', 'deletion', 'failure', 'notification', 'restoration'],
      Enabled: true,
      SnsTopicArn: { Ref: Match.stringLikeRegexp('^EventsTopic') },
    });
  });

  it('creates the subscription only after the topic policy and key exist', () => {
    const subscriptions = template.findResources('AWS::RDS::EventSubscription') as unknown as Record<string, { DependsOn: string[] }>;
    const dependsOn = Object.values(subscriptions)[0]?.DependsOn ?? [];
    expect(dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^EventsTopicPolicy/), expect.stringMatching(/^EventsTopicKey/)]) as unknown);
  });

  it('allows sns:Publish to events.rds.amazonaws.com only, from RDS event subscriptions of this account and region', () => {
    assertHasResource(template, 'AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowRdsEventSubscriptionsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'events.rds.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('^EventsTopic') },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:es:*`]] } },
            },
          },
        ],
      },
    });
  });

  it('encrypts the topic with a rotated customer-managed key that RDS events may use', () => {
    assertHasResource(template, 'AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsTopicKey'), 'Arn'] } });
    assertHasResource(template, 'AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: [
          Match.objectLike({ Action: 'kms:*', Principal: { AWS: Match.anyValue() } }),
          {
            Sid: 'AllowRdsEventsToUseTheKey',
            Effect: 'Allow',
            Principal: { Service: 'events.rds.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          },
        ],
      },
    });
  });

  it('delivers to the handler with an encrypted dead-letter queue', () => {
    assertHasResource(template, 'AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Handler'), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsDeliveryDeadLetterQueue'), 'Arn'] } },
    });
    assertHasResource(template, 'AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    assertHasResource(template, 'AWS::Lambda::Permission', { Principal: 'sns.amazonaws.com', SourceArn: { Ref: Match.stringLikeRegexp('^EventsTopic') } });
  });

  it('fails without replica ids', () => {
    const stack = newStack();
    expect(() => new EventPipeline(stack, 'Events', { replicaIds: [], handler: handler(stack) })).toThrow('replicaIds must name at least one instance, got []');
  });

  it('fails on a repeated replica id', () => {
    const stack = newStack();
    expect(() => new EventPipeline(stack, 'Events', { replicaIds: ['a-staging', 'a-staging'], handler: handler(stack) })).toThrow('replicaIds must be unique, got "a-staging" twice');
  });
});
