/**
 * The vault's inbox (issue 18): the SQS queue, in the vault account and region, that production's share function of
 * each replica region sends a manifest to for every snapshot it shares (x's settings, the data time;
 * lambdas/vault/manifest.ts), and that feeds the vault function.
 *
 * Who may send: production's share roles and nobody else. The queue policy allows sqs:SendMessage to principals of
 * production's account whose ARN is one of the share roles (`aws:PrincipalArn`, lambdas/vault/names.ts shareRoleArn),
 * and denies it to any other principal, the vault account's own included: a manifest is what `recover` rebuilds x
 * with, so only production may write one. The roles are named by the `aws:PrincipalArn` condition rather than as the
 * `Principal` itself: a role ARN in a resource-based policy's Principal "changes to a unique principal ID when it's
 * saved", and once that role is deleted the policy keeps the stale ID, which no recreated role matches (AWS re:Post
 * Knowledge Center, "Why is there an unknown principal format in my IAM resource-based policy?", citing IAM User
 * Guide, "AWS JSON policy elements: Principal", IAM role principals). The two sides deploy with two accounts'
 * credentials in either order, so the vault's policy must not depend on the roles existing, or staying, first.
 * Cross-account access needs both sides to allow it: the share role's own policy allows sqs:SendMessage on this
 * queue's ARN only (infra/features/vault-sharing.ts).
 *
 * Encryption: the vault's own key (SSE-KMS), so that the inbox, like everything else the vault keeps, is under a key
 * the vault account controls, audits (every use is a CloudTrail event of the vault account) and can revoke. This is the
 * one place where the vault key admits production's account, and only as far as sending a manifest needs: "For a
 * customer managed KMS key, you must configure the key policy to add permissions for each queue producer and consumer"
 * (Amazon SQS Developer Guide, "Amazon SQS Key management", "Configuring AWS KMS permissions"), and a producer needs
 * kms:GenerateDataKey and kms:Decrypt (same page, the producers' permissions; SQS asks KMS with the sender's
 * credentials, and caches the data key for the queue's KmsDataKeyReusePeriodSeconds). So the key policy allows those
 * two actions to production's account only for the share roles (`aws:PrincipalArn`, as the queue policy names them) and
 * only through SQS of the vault region (`kms:ViaService` sqs.<region>.amazonaws.com: "limits use of an AWS KMS key to
 * requests from specified AWS services", KMS Developer Guide, "kms:ViaService"). The share roles may send to this queue
 * alone (the queue policy here, their own policy in infra/features/vault-sharing.ts), so the key serves them for the
 * inbox and nothing else; they cannot decrypt a vault copy (that is RDS's use of the key, admitted to the vault account
 * alone, infra/platform/snapshot-key.ts). Cross-account, their own policy must allow the use too ("Allowing users in
 * other accounts to use a KMS key", KMS Developer Guide): infra/features/vault-sharing.ts. The consumer needs
 * kms:Decrypt (same page, the consumers' permissions), granted to it in {@link VaultInbox.connect}. TLS only (enforceSSL: a
 * deny on aws:SecureTransport false).
 *
 * The consumer: the vault function, through an SQS event source of batches of ten that reports its failed items
 * ("Handling errors for an SQS event source in Lambda", ReportBatchItemFailures: only the failed messages return to
 * the queue), with exactly the three actions the event source mapping polls with (Lambda Developer Guide, "Using
 * Lambda with Amazon SQS", execution role: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes) and
 * kms:Decrypt on the vault key for the messages it receives. A message
 * that fails {@link MAX_RECEIVE_COUNT} times lands in the dead-letter queue, which is alarmed on.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { VAULT_INBOX_QUEUE_NAME } from '../../lambdas/vault/names';
import { deadLetterQueue } from '../platform/dead-letter-queue';
import { VISIBILITY_TIMEOUT_FACTOR } from './delay-queue';

/** How often a manifest is received (and failed) before it goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/** How many manifests one invocation of the vault function gets (the SQS event source's default and maximum for a standard queue without a batching window). */
export const INBOX_BATCH_SIZE = 10;

/** Properties of {@link VaultInbox}. */
export interface VaultInboxProps {
  /** Production's account, whose share roles may send. */
  readonly productionAccount: string;
  /** The ARNs of production's share roles (lambdas/vault/names.ts shareRoleArn), one per replica region; at least one. */
  readonly senderRoleArns: readonly string[];
  /** The timeout of the function that consumes the queue; the visibility timeout is {@link VISIBILITY_TIMEOUT_FACTOR} times this. */
  readonly consumerTimeout: Duration;
  /** The vault's key, which encrypts the inbox; its policy gets the statement that lets the share roles send. */
  readonly key: kms.IKey;
}

/** What a sender to a queue encrypted with a customer managed key needs of the key (SQS Developer Guide, "Amazon SQS Key management", the producers' permissions). */
export const INBOX_SENDER_KEY_ACTIONS: readonly string[] = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** The inbox queue, its dead-letter queue and its policy; {@link VaultInbox.connect} feeds the vault function. */
export class VaultInbox extends Construct {
  /** The inbox, named {@link VAULT_INBOX_QUEUE_NAME}. */
  public readonly queue: sqs.Queue;
  /** Manifests the vault function failed on {@link MAX_RECEIVE_COUNT} times. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The share roles that may send, sorted. */
  public readonly senderRoleArns: readonly string[];
  /** The key that encrypts the inbox (the vault's). */
  public readonly key: kms.IKey;

  public constructor(scope: Construct, id: string, props: VaultInboxProps) {
    super(scope, id);
    const senders = [...new Set(props.senderRoleArns)].sort();
    if (senders.length === 0) throw new Error('senderRoleArns must name at least one share role, got []');
    for (const arn of senders) {
      if (!new RegExp(`^arn:aws[a-z-]*:iam::${props.productionAccount}:role/[\\w+=,.@-]+$`).test(arn)) {
        throw new Error(`senderRoleArns must be role ARNs of production's account ${props.productionAccount}, got ${JSON.stringify(arn)}`);
      }
    }
    this.senderRoleArns = senders;
    this.key = props.key;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', "the vault's inbox (manifests the vault function failed on)");
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: VAULT_INBOX_QUEUE_NAME,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      // A message must stay invisible while the function works on it, with room for Lambda's own retries of the batch.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      // SQS's longest: a manifest outlives a vault function that is down for days.
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    const senderCondition = { 'aws:PrincipalArn': [...senders] };
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowProductionShareRolesToSend',
        principals: [new iam.AccountPrincipal(props.productionAccount)],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: senderCondition },
      }),
    );
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenySendingByAnyoneElse',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnNotEquals: senderCondition },
      }),
    );
    const { region } = Stack.of(this);
    if (Token.isUnresolved(region)) throw new Error(`stack ${Stack.of(this).stackName} must have a concrete region: the inbox's key admits the share roles through SQS of that region only`);
    const added = props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowProductionShareRolesToSendToTheInbox',
        principals: [new iam.AccountPrincipal(props.productionAccount)],
        actions: [...INBOX_SENDER_KEY_ACTIONS],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${region}.amazonaws.com` }, ArnEquals: senderCondition },
      }),
    );
    if (!added.statementAdded) throw new Error("the inbox's key must be a key of the vault's stack, whose policy can take the statement for the share roles; got an imported key");
  }

  /**
   * Feeds the vault function the inbox: batches of {@link INBOX_BATCH_SIZE}, each failed message reported alone.
   * Its timeout must be the {@link VaultInboxProps.consumerTimeout} the visibility timeout was sized for.
   */
  public connect(consumer: lambda.IFunction): lambda.EventSourceMapping {
    consumer.addToRolePolicy(new iam.PolicyStatement({ sid: 'PollTheInbox', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: [this.queue.queueArn] }));
    // A consumer of a queue encrypted with a customer managed key needs kms:Decrypt on it (SQS Developer Guide, "Amazon SQS Key management", the consumers' permissions).
    consumer.addToRolePolicy(new iam.PolicyStatement({ sid: 'DecryptTheInbox', actions: ['kms:Decrypt'], resources: [this.key.keyArn] }));
    return new lambda.EventSourceMapping(this, 'Consumer', {
      target: consumer,
      eventSourceArn: this.queue.queueArn,
      batchSize: INBOX_BATCH_SIZE,
      reportBatchItemFailures: true,
    });
  }
}
