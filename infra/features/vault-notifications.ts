/**
 * Where people hear about the vault (issue 18): one topic in the vault account and region, encrypted with the vault's
 * key, with the configured addresses subscribed by e-mail. The vault function alerts there (a copy RDS refused) and
 * every alarm of the vault stack notifies it.
 *
 * CloudWatch alarms publish to an encrypted topic only when the key lets the CloudWatch service use it (kms:Decrypt,
 * kms:GenerateDataKey*: Amazon SNS Developer Guide, "Configuring AWS KMS permissions", "Enable compatibility between
 * event sources from AWS services and encrypted topics"), so the vault key's policy gets that statement for
 * cloudwatch.amazonaws.com, for alarms of the vault account only (aws:SourceAccount), as the project's own
 * notifications key has (infra/platform/notifications.ts).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties of {@link VaultNotifications}. */
export interface VaultNotificationsProps {
  /** The vault's key, which encrypts the topic. */
  readonly key: kms.IKey;
  /**
   * Addresses subscribed to the topic by e-mail; each must confirm the subscription once.
   * @default - no e-mail subscriptions
   */
  readonly emails?: readonly string[];
}

/** The vault's notifications topic. */
export class VaultNotifications extends Construct {
  /** The topic. */
  public readonly topic: sns.ITopic;

  public constructor(scope: Construct, id: string, props: VaultNotificationsProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    for (const email of props.emails ?? []) {
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`notification email ${JSON.stringify(email)} is not an email address`);
    }
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccountToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'replica-refresh vault notifications',
      masterKey: props.key,
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
    for (const email of props.emails ?? []) topic.addSubscription(new EmailSubscription(email));
    this.topic = topic;
  }
}
