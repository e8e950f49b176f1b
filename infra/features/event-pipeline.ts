/**
 * RDS events of the region's DB instances (and, when a pair is an Aurora cluster, of its DB clusters) → encrypted SNS
 * topic → the on-rds-event function.
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
 *
 * Aurora cluster pairs (issue 15) add a second subscription, SourceType `db-cluster`, also without SourceIds: a cluster
 * y is deleted and restored under its name every night exactly as an instance y is, so listing it would die the same
 * way. Its categories are those of the cluster events the lifecycle acts on (Aurora User Guide, "Amazon RDS event
 * categories and event messages for Aurora", DB cluster events): creation (RDS-EVENT-0170 "DB cluster created", also
 * after a restore), deletion (RDS-EVENT-0171 "DB cluster deleted"), failure (RDS-EVENT-0354, the cluster could not be
 * created for incompatible resources) and notification (the cluster stopped, started, …). The member instances of a
 * cluster are DB instances: their events (RDS-EVENT-0003 deleted, 0005 created) keep coming through the `db-instance`
 * subscription. Both subscriptions publish to the one topic.
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
import { eventSubscriptionName, eventSubscriptionNames } from '../../lambdas/kernel/stack-outputs';
import type { SubscribedSourceType } from '../../lambdas/kernel/stack-outputs';

// Names live beside the stack outputs, where the operator commands (npm run status) read them too.
export { eventSubscriptionName, eventSubscriptionNames };
export type { SubscribedSourceType };

/** The service principal RDS uses to publish event notifications. */
export const RDS_EVENTS_PRINCIPAL = 'events.rds.amazonaws.com';

/** The categories the subscription delivers (shared with the simulation, so both change together). */
export { RDS_EVENT_CATEGORIES };

/**
 * The categories of the `db-cluster` subscription (see the file header). Each is a category RDS defines for the
 * `db-cluster` source type (Aurora User Guide, "Amazon RDS event categories and event messages for Aurora"); RDS
 * refuses a subscription naming another (SubscriptionCategoryNotFound, CreateEventSubscription API reference).
 */
export const RDS_CLUSTER_EVENT_CATEGORIES: readonly string[] = ['creation', 'deletion', 'failure', 'notification'];

/** The RDS source types the project subscribes to. */

/** Properties of an {@link EventPipeline}. */
export interface EventPipelineProps {
  /**
   * Identifiers of the DB instances whose events the handler acts on (the y instances, and the member instances of
   * the y clusters): at least one, no repeats. The subscription does not list them (see the file header); the handler
   * filters on them.
   */
  readonly instanceIds: readonly string[];
  /**
   * Identifiers of the Aurora DB clusters among the replicas, no repeats. When there is one, a second subscription
   * (`db-cluster`, no SourceIds) publishes their events to the same topic.
   * @default [] - no cluster subscription
   */
  readonly clusterIds?: readonly string[];
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
  /** The RDS event subscription of the region's DB instances. */
  public readonly subscription: rds.CfnEventSubscription;
  /** The instance subscription's name, `replica-refresh-<region>` ({@link eventSubscriptionName}). */
  public readonly subscriptionName: string;
  /** The subscription of the region's Aurora DB clusters; only when a replica is one. */
  public readonly clusterSubscription?: rds.CfnEventSubscription;
  /** Its name, `replica-refresh-<region>-db-cluster`; only when a replica is a cluster. */
  public readonly clusterSubscriptionName?: string;
  /** Every subscription's name, the instances' first ({@link eventSubscriptionNames}). */
  public readonly subscriptionNames: readonly string[];

  public constructor(scope: Construct, id: string, props: EventPipelineProps) {
    super(scope, id);
    if (props.instanceIds.length === 0) throw new Error('instanceIds must name at least one instance, got []');
    const duplicate = props.instanceIds.find((rid, i) => props.instanceIds.indexOf(rid) !== i);
    if (duplicate !== undefined) throw new Error(`instanceIds must be unique, got ${JSON.stringify(duplicate)} twice`);
    const clusterIds = props.clusterIds ?? [];
    const duplicateCluster = clusterIds.find((c, i) => clusterIds.indexOf(c) !== i);
    if (duplicateCluster !== undefined) throw new Error(`clusterIds must be unique, got ${JSON.stringify(duplicateCluster)} twice`);
    const clusters = clusterIds.length > 0;
    const { account, region, partition } = Stack.of(this);
    this.subscriptionName = eventSubscriptionName(region);
    this.subscriptionNames = eventSubscriptionNames(region, { clusters });

    // Who may publish, for the topic policy and the key policy alike: RDS events of this account's DB instances in
    // this region. RDS User Guide, "Granting permissions to publish notifications to an Amazon SNS topic"
    // (USER_Events.GrantingPermissions): principal events.rds.amazonaws.com, `ArnLike aws:SourceArn` = the ARN of
    // the RDS resource that emits the event (its example: arn:aws:rds:us-east-1:123456789012:db:prefix-*) and
    // `StringEquals aws:SourceAccount` = the account. Not the subscription's `:es:` ARN, which RDS does not present.
    // All instances of the region rather than the y ARNs: a new replica needs no policy change, and the handler
    // ignores other instances' events. A cluster's events carry the cluster's ARN (arn:…:rds:<region>:<account>:
    // cluster:<id>; Service Authorization Reference for RDS, resource type `cluster`), so with a cluster subscription
    // the cluster ARNs of the region are admitted too (Aurora User Guide, the same "Granting permissions" page: "the
    // RDS resource ARN"); its members' events carry their db: ARNs.
    const sourceArns = [`arn:${partition}:rds:${region}:${account}:db:*`, ...(clusters ? [`arn:${partition}:rds:${region}:${account}:cluster:*`] : [])];
    const fromRdsInstancesOfThisAccount = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': sourceArns.length === 1 ? sourceArns[0] : sourceArns },
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
    if (clusters) {
      this.clusterSubscriptionName = eventSubscriptionName(region, 'db-cluster');
      this.clusterSubscription = new rds.CfnEventSubscription(this, 'ClusterSubscription', {
        subscriptionName: this.clusterSubscriptionName,
        snsTopicArn: topic.topicArn,
        sourceType: 'db-cluster',
        // No SourceIds: see the file header.
        eventCategories: [...RDS_CLUSTER_EVENT_CATEGORIES],
        enabled: true,
      });
      this.clusterSubscription.node.addDependency(topic, key);
    }

    this.deliveryDeadLetterQueue = deadLetterQueue(this, 'DeliveryDeadLetterQueue', 'the SNS subscription to the on-rds-event function');
    // No SNS filter policy on the body's "Source ID": 2016-format messages carry the id only inside "Identifier
    // Link" and would be dropped, and the handler filters on every format anyway.
    topic.addSubscription(new LambdaSubscription(props.handler, { deadLetterQueue: this.deliveryDeadLetterQueue }));
  }

  /**
   * Lets a role read these subscriptions' status (rds:DescribeEventSubscriptions, a List action). The Service
   * Authorization Reference gives it the optional resource type `es` (arn:${Partition}:rds:${Region}:${Account}:es:
   * ${SubscriptionName}), so the grant names these subscriptions only; the caller must pass a SubscriptionName.
   */
  public grantDescribeSubscription(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadEventSubscriptionStatus',
        actions: ['rds:DescribeEventSubscriptions'],
        resources: this.subscriptionNames.map((name) => Stack.of(this).formatArn({ service: 'rds', resource: 'es', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
      }),
    );
  }
}
