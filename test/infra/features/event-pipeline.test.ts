import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EventPipeline, eventSubscriptionName, eventSubscriptionNames } from '../../../infra/features/event-pipeline';
import { ACCOUNT, REGION, assertHasResource, assertResourceCount, iamStatements, newStack, rdsArn, unacknowledgedNagFindings } from '../helpers';

function handler(stack: Stack): lambda.IFunction {
  return new lambda.Function(stack, 'Handler', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
}

/**
 * RDS User Guide, "Granting permissions to publish notifications to an Amazon SNS topic": the ARN of the RDS resource
 * that emits the event (here any DB instance of the account and region) and the account.
 */
const FROM_RDS_INSTANCES_OF_THIS_ACCOUNT = {
  StringEquals: { 'aws:SourceAccount': ACCOUNT },
  ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:db:*`]] } },
};

describe('EventPipeline', () => {
  let stack: Stack;
  let pipeline: EventPipeline;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    pipeline = new EventPipeline(stack, 'Events', { instanceIds: ['zeta-staging', 'alpha-staging'], handler: handler(stack) });
    template = Template.fromStack(stack);
  });

  it('subscribes by name to every db-instance event of the region in all relevant categories, listing no SourceIds', () => {
    // SourceIds would be resolved when the subscription is created (SourceNotFound while y does not exist) and turn it
    // all-sources-deleted once y is deleted (RDS-NOTES, "Event subscription and topic").
    assertHasResource(template, 'AWS::RDS::EventSubscription', {
      SubscriptionName: `replica-refresh-${REGION}`,
      SourceType: 'db-instance',
      SourceIds: Match.absent(),
      EventCategories: ['availability', 'backup', 'creation', 'deletion', 'failure', 'notification', 'restoration'],
      Enabled: true,
      SnsTopicArn: { Ref: Match.stringLikeRegexp('^EventsTopic') },
    });
  });

  it('exposes the subscription name, the same one the functions are given', () => {
    expect(pipeline.subscriptionName).toBe(`replica-refresh-${REGION}`);
    expect(eventSubscriptionName(REGION)).toBe(pipeline.subscriptionName);
  });

  it('creates the subscription only after the topic policy and key exist', () => {
    const subscriptions = template.findResources('AWS::RDS::EventSubscription') as unknown as Record<string, { DependsOn: string[] }>;
    const dependsOn = Object.values(subscriptions)[0]?.DependsOn ?? [];
    expect(dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^EventsTopicPolicy/), expect.stringMatching(/^EventsTopicKey/)]) as unknown);
  });

  it('allows sns:Publish to events.rds.amazonaws.com only, for DB instances of this account and region (aws:SourceArn db:*, aws:SourceAccount), not for an es: ARN', () => {
    assertHasResource(template, 'AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowRdsEventsOfThisAccountsInstances',
            Effect: 'Allow',
            Principal: { Service: 'events.rds.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: Match.stringLikeRegexp('^EventsTopic') },
            Condition: FROM_RDS_INSTANCES_OF_THIS_ACCOUNT,
          },
        ],
      },
    });
    expect(JSON.stringify(template.findResources('AWS::SNS::TopicPolicy'))).not.toContain(':es:');
  });

  it('encrypts the topic with a rotated customer-managed key that RDS events may use under the same two conditions', () => {
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
            Condition: FROM_RDS_INSTANCES_OF_THIS_ACCOUNT,
          },
        ],
      },
    });
  });

  it('delivers to the handler with an encrypted dead-letter queue, with no filter policy (the handler filters on every message format)', () => {
    assertHasResource(template, 'AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Handler'), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsDeliveryDeadLetterQueue'), 'Arn'] } },
      FilterPolicy: Match.absent(),
      FilterPolicyScope: Match.absent(),
    });
    assertHasResource(template, 'AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    assertHasResource(template, 'AWS::Lambda::Permission', { Principal: 'sns.amazonaws.com', SourceArn: { Ref: Match.stringLikeRegexp('^EventsTopic') } });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack).filter((f) => f.includes('/Events/'))).toEqual([]);
  });

  it('lets a role read the status of this subscription only (the es resource type), and nothing else', () => {
    const own = newStack();
    const events = new EventPipeline(own, 'Events', { instanceIds: ['a-staging'], handler: handler(own) });
    events.grantDescribeSubscription(new iam.Role(own, 'Watchdog', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    const statements = iamStatements(Template.fromStack(own)).filter((s) => s.policy.startsWith('WatchdogDefaultPolicy'));
    expect(statements.map((s) => [s.actions, s.resources])).toEqual([[['rds:DescribeEventSubscriptions'], [rdsArn(`es:replica-refresh-${REGION}`)]]]);
  });

  it('names the subscription after the stack region', () => {
    const other = newStack('us-east-1');
    expect(new EventPipeline(other, 'Events', { instanceIds: ['a-staging'], handler: handler(other) }).subscriptionName).toBe('replica-refresh-us-east-1');
  });

  it('fails without replica ids', () => {
    const s = newStack();
    expect(() => new EventPipeline(s, 'Events', { instanceIds: [], handler: handler(s) })).toThrow('instanceIds must name at least one instance, got []');
  });

  it('fails on a repeated replica id', () => {
    const s = newStack();
    expect(() => new EventPipeline(s, 'Events', { instanceIds: ['a-staging', 'a-staging'], handler: handler(s) })).toThrow('instanceIds must be unique, got "a-staging" twice');
  });

  it('has no cluster subscription and admits no cluster ARN while no replica is a cluster', () => {
    assertResourceCount(template, 'AWS::RDS::EventSubscription', 1);
    expect(pipeline.clusterSubscription).toBeUndefined();
    expect(pipeline.subscriptionNames).toEqual([`replica-refresh-${REGION}`]);
    expect(JSON.stringify(template.toJSON())).not.toContain(':cluster:');
  });

  describe('with Aurora cluster replicas', () => {
    /**
     * The same two conditions, with the cluster ARNs of the region as well: a cluster's events carry the cluster's ARN
     * (RDS User Guide and Aurora User Guide, "Granting permissions to publish notifications to an Amazon SNS topic":
     * aws:SourceArn is the RDS resource ARN).
     */
    const FROM_RDS_INSTANCES_AND_CLUSTERS_OF_THIS_ACCOUNT = {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: {
        'aws:SourceArn': [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:db:*`]] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:cluster:*`]] },
        ],
      },
    };
    let clusterStack: Stack;
    let clusterPipeline: EventPipeline;
    let clusterTemplate: Template;

    beforeAll(() => {
      clusterStack = newStack();
      // The members are DB instances: their events come through the db-instance subscription.
      clusterPipeline = new EventPipeline(clusterStack, 'Events', { instanceIds: ['crm-staging-writer', 'crm-staging-reader-1', 'a-staging'], clusterIds: ['crm-staging'], handler: handler(clusterStack) });
      clusterTemplate = Template.fromStack(clusterStack);
    });

    it('adds a db-cluster subscription with no SourceIds, to the same topic, for creation, deletion, failure and notification events', () => {
      assertResourceCount(clusterTemplate, 'AWS::RDS::EventSubscription', 2);
      assertHasResource(clusterTemplate, 'AWS::RDS::EventSubscription', {
        SubscriptionName: `replica-refresh-${REGION}-db-cluster`,
        SourceType: 'db-cluster',
        // A listed y cluster would turn the subscription all-sources-deleted after the first night (RDS-NOTES).
        SourceIds: Match.absent(),
        // Aurora User Guide, DB cluster events: RDS-EVENT-0170 creation, 0171 deletion, 0354 failure, stopped/started notification.
        EventCategories: ['creation', 'deletion', 'failure', 'notification'],
        Enabled: true,
        SnsTopicArn: { Ref: Match.stringLikeRegexp('^EventsTopic') },
      });
      // The instances' subscription is unchanged: it carries the members' events.
      assertHasResource(clusterTemplate, 'AWS::RDS::EventSubscription', { SubscriptionName: `replica-refresh-${REGION}`, SourceType: 'db-instance', SourceIds: Match.absent() });
      expect(clusterPipeline.subscriptionNames).toEqual([`replica-refresh-${REGION}`, `replica-refresh-${REGION}-db-cluster`]);
      expect(eventSubscriptionNames(REGION, { clusters: true })).toEqual(clusterPipeline.subscriptionNames);
      expect(clusterPipeline.clusterSubscriptionName).toBe(eventSubscriptionName(REGION, 'db-cluster'));
    });

    it('creates the cluster subscription only after the topic policy and key exist', () => {
      const subscriptions = clusterTemplate.findResources('AWS::RDS::EventSubscription', { Properties: { SourceType: 'db-cluster' } }) as unknown as Record<string, { DependsOn: string[] }>;
      const dependsOn = Object.values(subscriptions)[0]?.DependsOn ?? [];
      expect(dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^EventsTopicPolicy/), expect.stringMatching(/^EventsTopicKey/)]) as unknown);
    });

    it('lets RDS publish for the clusters of this account and region too (aws:SourceArn db:* and cluster:*, aws:SourceAccount), in the topic policy and the key policy', () => {
      assertHasResource(clusterTemplate, 'AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowRdsEventsOfThisAccountsInstances',
              Effect: 'Allow',
              Principal: { Service: 'events.rds.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: Match.stringLikeRegexp('^EventsTopic') },
              Condition: FROM_RDS_INSTANCES_AND_CLUSTERS_OF_THIS_ACCOUNT,
            },
          ]),
        },
      });
      assertHasResource(clusterTemplate, 'AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowRdsEventsToUseTheKey',
              Effect: 'Allow',
              Principal: { Service: 'events.rds.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
              Condition: FROM_RDS_INSTANCES_AND_CLUSTERS_OF_THIS_ACCOUNT,
            },
          ]),
        },
      });
      expect(JSON.stringify(clusterTemplate.findResources('AWS::SNS::TopicPolicy'))).not.toContain(':es:');
    });

    it('lets a role read the status of both subscriptions, by name', () => {
      const own = newStack();
      const events = new EventPipeline(own, 'Events', { instanceIds: ['crm-staging-writer'], clusterIds: ['crm-staging'], handler: handler(own) });
      events.grantDescribeSubscription(new iam.Role(own, 'Watchdog', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
      const statements = iamStatements(Template.fromStack(own)).filter((s) => s.policy.startsWith('WatchdogDefaultPolicy'));
      expect(statements.map((s) => [s.actions, s.resources])).toEqual([[['rds:DescribeEventSubscriptions'], [rdsArn(`es:replica-refresh-${REGION}`), rdsArn(`es:replica-refresh-${REGION}-db-cluster`)]]]);
    });

    it('leaves no cdk-nag finding unacknowledged', () => {
      expect(unacknowledgedNagFindings(clusterStack).filter((f) => f.includes('/Events/'))).toEqual([]);
    });

    it('fails on a repeated cluster id', () => {
      const s = newStack();
      expect(() => new EventPipeline(s, 'Events', { instanceIds: ['a-writer'], clusterIds: ['a', 'a'], handler: handler(s) })).toThrow('clusterIds must be unique, got "a" twice');
    });
  });
});
