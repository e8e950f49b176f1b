/**
 * RDS events of the region's DB instances → encrypted SNS topic → the on-rds-event function.
 *
 * An RDS event subscription can only deliver to SNS in its own region, and an encrypted topic needs a
 * customer-managed key that the RDS events service may use (not alias/aws/sns).
 *
 * The subscription lists no SourceIds: RDS resolves listed sources when the subscription is created
 * (CreateEventSubscription fails with SourceNotFound when y does not exist yet) and, once every listed source is
 * deleted, turns the subscription `all-sources-deleted` and delivers nothing for the y restored under the same name
 * (shared/RDS-NOTES.md, "Event subscription and topic"; CloudFormation RDS resource provider PRs #222 and #551).
 * Subscribing to the whole `db-instance` source type keeps working across y's nightly delete and restore, and
 * deploying does not depend on y existing; the function keeps only the configured replicas' events.
 */
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RDS_EVENT_CATEGORIES } from '../../lambdas/events/parse';
import { deadLetterQueue } from '../platform/dead-letter-queue';

/** The service principal RDS uses to publish event notifications. */
export const RDS_EVENTS_PRINCIPAL = 'events.rds.amazonaws.com';

/** The categories the subscription delivers (shared with the simulation, so both change together). */
export { RDS_EVENT_CATEGORIES };

/**
 * The name of a region's event subscription, `replica-refresh-<region>`. One per region: the replica stack passes it
 * to the functions before the pipeline exists, and the watchdog checks its status by this name.
 */
export function eventSubscriptionName(region: string): string {
  return `replica-refresh-${region}`;
}

/** Properties of an {@link EventPipeline}. */
export interface EventPipelineProps {
  /**
   * Identifiers of the y instances whose events the handler acts on: at least one, no repeats. The subscription does
   * not list them (see the file header); the handler filters on them.
   */
  readonly instanceIds: readonly string[];
  /** The function that receives the events (invoked asynchronously by SNS). */
  readonly handler: lambda.IFunction;
}

/** The event subscription, its topic and key, and the delivery to the handler with a dead-letter queue. */
export class EventPipeline extends Construct {
  /** The topic RDS publishes the events to. */
  public readonly topic: sns.ITopic;
  /** The key of the topic. */
  public readonly key: kms.IKey;
  /** Events that SNS could not deliver to the function (SNS retries for up to 23 days, then drops them without it). */
  public readonly deliveryDeadLetterQueue: sqs.IQueue;
  /** The RDS event subscription. */
  public readonly subscription: rds.CfnEventSubscription;
  /** The subscription's name, `replica-refresh-<region>` ({@link eventSubscriptionName}). */
  public readonly subscriptionName: string;

  public constructor(scope: Construct, id: string, props: EventPipelineProps) {
    super(scope, id);
    if (props.instanceIds.length === 0) throw new Error('instanceIds must name at least one instance, got []');
    const duplicate = props.instanceIds.find((rid, i) => props.instanceIds.indexOf(rid) !== i);
    if (duplicate !== undefined) throw new Error(`instanceIds must be unique, got ${JSON.stringify(duplicate)} twice`);
    const { account, region, partition } = Stack.of(this);
    this.subscriptionName = eventSubscriptionName(region);

    // Who may publish, for the topic policy and the key policy alike: RDS events of this account's DB instances in
    // this region. RDS User Guide, "Granting permissions to publish notifications to an Amazon SNS topic"
    // (USER_Events.GrantingPermissions): principal events.rds.amazonaws.com, `ArnLike aws:SourceArn` = the ARN of
    // the RDS resource that emits the event (its example: arn:aws:rds:us-east-1:123456789012:db:prefix-*) and
    // `StringEquals aws:SourceAccount` = the account. Not the subscription's `:es:` ARN, which RDS does not present.
    // All instances of the region rather than the y ARNs: a new replica needs no policy change, and the handler
    // ignores other instances' events.
    const fromRdsInstancesOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:rds:${region}:${account}:db:*` },
    };

    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the RDS events topic of replica-refresh',
      enableKeyRotation: true,
      // The topic is deleted with the stack; its key then protects nothing (KMS still waits 30 days before deleting).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An encrypted topic needs a customer-managed key whose policy lets the publishing service generate and decrypt
    // data keys (RDS-NOTES, "Event subscription and topic"), under the same conditions as the topic policy.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRdsEventsToUseTheKey',
        principals: [new iam.ServicePrincipal(RDS_EVENTS_PRINCIPAL)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromRdsInstancesOfThisAccount,
      }),
    );
    this.key = key;

    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'replica-refresh RDS events',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRdsEventsOfThisAccountsInstances',
        principals: [new iam.ServicePrincipal(RDS_EVENTS_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromRdsInstancesOfThisAccount,
      }),
    );
    this.topic = topic;

    this.subscription = new rds.CfnEventSubscription(this, 'Subscription', {
      // An explicit name, so the watchdog can check its status (DescribeEventSubscriptions) by name.
      subscriptionName: this.subscriptionName,
      snsTopicArn: topic.topicArn,
      sourceType: 'db-instance',
      eventCategories: [...RDS_EVENT_CATEGORIES],
      enabled: true,
    });
    // RDS publishes as soon as the subscription exists: the topic policy and key policy must be in place first.
    this.subscription.node.addDependency(topic, key);

    this.deliveryDeadLetterQueue = deadLetterQueue(this, 'DeliveryDeadLetterQueue', 'the SNS subscription to the on-rds-event function');
    // No SNS filter policy on the body's "Source ID": 2016-format messages carry the id only inside "Identifier
    // Link" and would be dropped, and the handler filters on every format anyway.
    topic.addSubscription(new LambdaSubscription(props.handler, { deadLetterQueue: this.deliveryDeadLetterQueue }));
  }

  /**
   * Lets a role read this subscription's status (rds:DescribeEventSubscriptions, a List action). The Service
   * Authorization Reference gives it the optional resource type `es` (arn:${Partition}:rds:${Region}:${Account}:es:
   * ${SubscriptionName}), so the grant names this subscription only; the caller must pass its SubscriptionName.
   */
  public grantDescribeSubscription(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadEventSubscriptionStatus',
        actions: ['rds:DescribeEventSubscriptions'],
        resources: [Stack.of(this).formatArn({ service: 'rds', resource: 'es', resourceName: this.subscriptionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
  }
}
