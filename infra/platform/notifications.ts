/**
 * Where people hear about runs and alarms: one encrypted topic, optionally with e-mail subscribers.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties of {@link Notifications}. */
export interface NotificationsProps {
  /**
   * A key of the stack's to encrypt the topic with (the vault's); its policy gets the statement CloudWatch alarms need.
   * @default - a key of the topic's own
   */
  readonly key?: kms.IKey;
  /**
   * The topic's display name.
   * @default 'replica-refresh notifications'
   */
  readonly displayName?: string;
  /**
   * Addresses subscribed to the topic by e-mail; each must confirm the subscription once.
   * @default - no e-mail subscriptions
   */
  readonly emails?: readonly string[];
}

/**
 * The notifications topic. The functions publish run reports to it, and every alarm of the project sends to it.
 */
export class Notifications extends Construct {
  /** The notifications topic. */
  public readonly topic: sns.ITopic;
  /** The key the topic is encrypted with. */
  public readonly key: kms.IKey;

  public constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    for (const email of props.emails ?? []) {
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`notification email ${JSON.stringify(email)} is not an email address`);
    }

    const key =
      props.key ??
      new kms.Key(this, 'Key', {
        description: 'Encrypts the replica-refresh notifications topic',
        enableKeyRotation: true,
        // The topic is deleted with the stack; its key then protects nothing (KMS still waits 30 days before deleting).
        removalPolicy: RemovalPolicy.DESTROY,
      });
    // CloudWatch alarms publish to an encrypted topic only if the key lets the CloudWatch service use it.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.key = key;

    const topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'replica-refresh notifications',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      }),
    );
    for (const email of props.emails ?? []) {
      topic.addSubscription(new EmailSubscription(email));
    }
    this.topic = topic;
  }
}
