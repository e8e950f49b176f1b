/**
 * RDS events of the y instances → encrypted SNS topic → the on-rds-event function.
 *
 * An RDS event subscription can only deliver to SNS in its own region, and an encrypted topic needs a
 * customer-managed key that the RDS events service may use (not alias/aws/sns).
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RDS_EVENT_CATEGORIES } from '../../lambdas/core/events';
import { deadLetterQueue } from './dead-letter-queue';

/** The service principal RDS uses to publish event notifications. */
export const RDS_EVENTS_PRINCIPAL = 'events.rds.amazonaws.com';

/** The categories the subscription delivers (shared with the simulation, so both change together). */
export { RDS_EVENT_CATEGORIES };

/** Properties of an {@link EventPipeline}. */
export interface EventPipelineProps {
  /**
   * Identifiers of the y instances whose events are delivered. Names, not ARNs, so they keep matching a y that was
   * deleted and restored under the same name.
   */
  readonly replicaIds: readonly string[];
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

  public constructor(scope: Construct, id: string, props: EventPipelineProps) {
    super(scope, id);
    if (props.replicaIds.length === 0) throw new Error('replicaIds must name at least one instance, got []');
    const duplicate = props.replicaIds.find((rid, i) => props.replicaIds.indexOf(rid) !== i);
    if (duplicate !== undefined) throw new Error(`replicaIds must be unique, got ${JSON.stringify(duplicate)} twice`);
    const { account, region, partition } = Stack.of(this);

    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the RDS events topic of replica-refresh',
      enableKeyRotation: true,
      // The topic is deleted with the stack; its key then protects nothing (KMS still waits 30 days before deleting).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRdsEventsToUseTheKey',
        principals: [new iam.ServicePrincipal(RDS_EVENTS_PRINCIPAL)],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.key = key;

    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'replica-refresh RDS events',
      masterKey: key,
      enforceSSL: true,
    });
    // Only RDS event subscriptions of this account and region may publish; nobody else needs to.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRdsEventSubscriptionsOfThisAccount',
        principals: [new iam.ServicePrincipal(RDS_EVENTS_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:rds:${region}:${account}:es:*` },
        },
      }),
    );
    this.topic = topic;

    this.subscription = new rds.CfnEventSubscription(this, 'Subscription', {
      snsTopicArn: topic.topicArn,
      sourceType: 'db-instance',
      sourceIds: [...props.replicaIds].sort(),
      eventCategories: [...RDS_EVENT_CATEGORIES],
      enabled: true,
    });
    // RDS publishes as soon as the subscription exists: the topic policy and key policy must be in place first.
    this.subscription.node.addDependency(topic, key);

    this.deliveryDeadLetterQueue = deadLetterQueue(this, 'DeliveryDeadLetterQueue', 'the SNS subscription to the on-rds-event function');
    topic.addSubscription(new LambdaSubscription(props.handler, { deadLetterQueue: this.deliveryDeadLetterQueue }));
  }
}
