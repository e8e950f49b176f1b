/**
 * An SQS standard queue with per-message delay, consumed by a Lambda event source mapping (batch size
 * 1): a message becomes visible after its DelaySeconds, the mapping invokes the function synchronously
 * with an SQS event, a failed batch returns after the visibility timeout, and after maxReceiveCount
 * receives the message moves to the dead-letter queue. A queue with a queue policy (the vault's inbox)
 * admits a SendMessage only from the principals its policy admits, evaluated as IAM does (iam.ts); a queue encrypted
 * with a customer managed key (the vault's inbox again) also needs its key policy to admit the sender's use of the key.
 */
import { createHash } from 'node:crypto';
import { KmsAccessDenied, QueueDoesNotExist, SQSServiceException } from '@aws-sdk/client-sqs';
import type { VirtualClock } from './clock';
import type { Decision } from './iam';
import { evaluateRoleRequest } from './iam';
import type { SimLambda } from './lambda';
import type { Random } from './random';
import { uniform } from './random';
import type { PolicyDocument } from './synth';

/** One message sent to the queue. */
export interface SentMessage {
  messageId: string;
  time: Date;
  body: string;
  delaySeconds: number;
  /** How often the function received it. */
  receives: number;
  outcome: 'waiting' | 'deleted' | 'dead-letter';
}

/** How the queue and its event source mapping are configured. */
export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** A send the queue policy refused: who sent, and IAM's decision. */
export interface SendDenied {
  time: Date;
  principal: string;
  decision: Decision;
}

/**
 * The error SQS answers a request that IAM refuses: code AccessDenied, a sender (client) fault, HTTP 403, "Access to the
 * resource ... is denied." (Amazon SQS Developer Guide, "Troubleshoot access denied errors in Amazon SQS",
 * troubleshooting-access-denied.html: "An error occurred (AccessDenied) when calling the SendMessage operation: Access
 * to the resource https://sqs.us-east-1.amazonaws.com/ is denied."; the same in AWS re:Post Knowledge Center, "How do I
 * troubleshoot AccessDenied or AccessDeniedException errors on Amazon SQS API calls?"). The status and the SDK v3 shape
 * are those SDKs report for it (aws/aws-sdk-php issue #188: "AWS Error Code: AccessDenied, Status Code: 403";
 * island-is/island.is issue #7812, @aws-sdk/client-sqs: name "AccessDenied", $fault "client", httpStatusCode 403).
 * @aws-sdk/client-sqs models no class for it (KmsAccessDenied is KMS's): it arrives as an SQSServiceException named
 * AccessDenied. Whether the resource in the message is the endpoint (as in the guide) or the queue URL (as in SNS's
 * delivery logs of a refused send, MassTransit issue #1525) varies; nothing reads it.
 */
export function accessDenied(queueUrl: string): SQSServiceException {
  return new SQSServiceException({ name: 'AccessDenied', $fault: 'client', message: `Access to the resource ${queueUrl} is denied.`, $metadata: { httpStatusCode: 403 } });
}

/**
 * What SQS answers a send whose sender may not use the queue's key: "An error occurred (KMS.AccessDeniedException)
 * when calling the SendMessage operation: User: ... is not authorized to perform: kms:GenerateDataKey on resource:
 * arn:aws:kms:..." (AWS re:Post Knowledge Center, "How do I troubleshoot AccessDenied or AccessDeniedException errors
 * on Amazon SQS API calls?", KMS permissions). @aws-sdk/client-sqs models that code as KmsAccessDenied, HTTP 400
 * (its error schema: awsQueryError "KMS.AccessDeniedException", 400). The wording after "perform" follows IAM's
 * ("because no resource-based policy allows the ... action", IAM User Guide, "Access denied error messages").
 */
export function kmsAccessDenied(principal: string, action: string, keyArn: string): KmsAccessDenied {
  return new KmsAccessDenied({ message: `User: ${principal} is not authorized to perform: ${action} on resource: ${keyArn} because no resource-based policy allows the ${action} action`, $metadata: { httpStatusCode: 400 } });
}

/**
 * The customer managed key a queue is encrypted with (SSE-KMS), and its key policy as deployed. "For a customer managed
 * KMS key, you must configure the key policy to add permissions for each queue producer and consumer"; a producer needs
 * kms:GenerateDataKey and kms:Decrypt (Amazon SQS Developer Guide, "Amazon SQS Key management"), which SQS asks KMS
 * for with the sender's credentials, through SQS of the queue's region (kms:ViaService).
 */
export interface QueueKey {
  arn: string;
  policy: PolicyDocument;
}

/** What a producer needs of a queue's customer managed key (SQS Developer Guide, "Amazon SQS Key management"). */
export const PRODUCER_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** A simulated queue feeding one function. */
export class SimQueue {
  public readonly sent: SentMessage[] = [];
  /**
   * The queue policy (SetQueueAttributes Policy, AWS::SQS::QueuePolicy), as the stack deployed it: when set, every
   * {@link SimQueue.sendAs} is checked against it. Undefined: the queue has none, and its own account's roles send by
   * their IAM grants alone (the copy function's delay queue).
   */
  public policy: PolicyDocument | undefined;
  /**
   * The customer managed key the queue is encrypted with, when it is (the vault's inbox): a sender of another account
   * must then be admitted by the key policy as well. Undefined: SSE-SQS, which needs no key permission from anyone.
   */
  public key: QueueKey | undefined;
  /** Sends the queue policy, or the key's policy, refused, for tests and narration. */
  public readonly denied: SendDenied[] = [];
  private consumer: SimLambda | undefined;
  private seq = 0;

  public constructor(
    public readonly url: string,
    public readonly arn: string,
    private readonly clock: VirtualClock,
    private readonly random: Random,
    private readonly settings: QueueSettings,
    private readonly onDeadLetter: (message: SentMessage, error: string) => void,
  ) {}

  /** The function the event source mapping invokes. */
  public subscribe(fn: SimLambda): void {
    this.consumer = fn;
  }

  /** Answers an SQS API call as the SDK middleware hands it over. */
  public handle(command: string, input: Record<string, unknown>): Record<string, unknown> {
    if (command !== 'SendMessageCommand') {
      throw new SQSServiceException({ name: 'UnsupportedOperation', $fault: 'client', message: `the simulated SQS does not implement ${command}`, $metadata: { httpStatusCode: 400 } });
    }
    if (input.QueueUrl !== this.url) throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: { httpStatusCode: 400 } });
    const body = typeof input.MessageBody === 'string' ? input.MessageBody : '';
    const delaySeconds = input.DelaySeconds === undefined ? 0 : Number(input.DelaySeconds);
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 900) {
      throw new SQSServiceException({ name: 'InvalidParameterValue', $fault: 'client', message: `Value ${String(input.DelaySeconds)} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`, $metadata: { httpStatusCode: 400 } });
    }
    if (body.length === 0 || Buffer.byteLength(body) > 262_144) {
      throw new SQSServiceException({ name: 'InvalidParameterValue', $fault: 'client', message: 'The message body must be between 1 byte and 256 KiB.', $metadata: { httpStatusCode: 400 } });
    }
    const message: SentMessage = { messageId: `sim-msg-${++this.seq}`, time: this.clock.now(), body, delaySeconds, receives: 0, outcome: 'waiting' };
    this.sent.push(message);
    this.deliverAfter(delaySeconds * 1000, message);
    // The SDK checks the body's MD5 against the answer.
    return { MessageId: message.messageId, MD5OfMessageBody: md5(body) };
  }

  /**
   * An SQS API call made by an IAM role (a session of it): when the queue has a policy, a SendMessage is first
   * authorized against it ({@link evaluateRoleRequest}: a role of another account only when the policy allows it, any
   * role never when it denies it), over TLS as the SDK sends it (aws:SecureTransport true), then answered as
   * {@link SimQueue.handle} does. When the queue is encrypted with a customer managed key ({@link SimQueue.key}), the
   * key policy must also admit the sender's kms:GenerateDataKey and kms:Decrypt through SQS. A refused send stores and
   * delivers nothing.
   * @throws SQSServiceException AccessDenied when the queue policy does not admit the sender
   * @throws KmsAccessDenied when the key policy does not admit the sender's use of the key
   */
  public async sendAs(principal: string, command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.policy && command === 'SendMessageCommand' && input.QueueUrl === this.url) {
      const decision = await evaluateRoleRequest(this.policy, { roleArn: principal, action: 'sqs:SendMessage', resourceArn: this.arn, resourceAccount: this.account, context: { 'aws:SecureTransport': 'true' } });
      if (!decision.allowed) {
        this.denied.push({ time: this.clock.now(), principal, decision });
        throw accessDenied(this.url);
      }
    }
    if (this.key && command === 'SendMessageCommand' && input.QueueUrl === this.url) {
      const region = this.arn.split(':')[3] ?? '';
      const callerAccount = principal.split(':')[4] ?? '';
      for (const action of PRODUCER_KEY_ACTIONS) {
        // KMS's context for a use made through SQS: kms:ViaService names SQS of the key's region, kms:CallerAccount the
        // sender's account (KMS Developer Guide, "AWS KMS condition keys", kms:ViaService and kms:CallerAccount).
        const decision = await evaluateRoleRequest(this.key.policy, {
          roleArn: principal,
          action,
          resourceArn: this.key.arn,
          resourceAccount: this.key.arn.split(':')[4] ?? '',
          context: { 'kms:ViaService': `sqs.${region}.amazonaws.com`, 'kms:CallerAccount': callerAccount, 'aws:SecureTransport': 'true' },
        });
        if (!decision.allowed) {
          this.denied.push({ time: this.clock.now(), principal, decision });
          throw kmsAccessDenied(principal, action, this.key.arn);
        }
      }
    }
    return this.handle(command, input);
  }

  /** The account that owns the queue. */
  public get account(): string {
    return this.arn.split(':')[4] ?? '';
  }

  /** Messages sent but not yet consumed or dead-lettered. */
  public get waiting(): number {
    return this.sent.filter((m) => m.outcome === 'waiting').length;
  }

  private deliverAfter(ms: number, message: SentMessage): void {
    // The mapping long-polls: a visible message is picked up within about a second.
    const poll = this.random.duration(uniform(0.05, 1));
    this.clock.after(ms + poll, `sqs deliver ${message.messageId}`, () => this.deliver(message));
  }

  private async deliver(message: SentMessage): Promise<void> {
    if (!this.consumer) return;
    message.receives++;
    const now = this.clock.millis;
    const event = {
      Records: [
        {
          messageId: message.messageId,
          receiptHandle: `sim-receipt-${message.messageId}-${message.receives}`,
          body: message.body,
          attributes: {
            ApproximateReceiveCount: String(message.receives),
            SentTimestamp: String(message.time.getTime()),
            SenderId: 'AROASIMULATED:copy-snapshot',
            ApproximateFirstReceiveTimestamp: String(now),
          },
          messageAttributes: {},
          md5OfBody: md5(message.body),
          eventSource: 'aws:sqs',
          eventSourceARN: this.arn,
          awsRegion: this.arn.split(':')[3] ?? '',
        },
      ],
    };
    try {
      await this.consumer.invoke(event);
      message.outcome = 'deleted';
    } catch (err) {
      if (message.receives >= this.settings.maxReceiveCount) {
        message.outcome = 'dead-letter';
        this.onDeadLetter(message, err instanceof Error ? err.message : String(err));
        return;
      }
      // The batch failed: the message becomes visible again when its visibility timeout runs out.
      this.deliverAfter(this.settings.visibilityTimeoutSeconds * 1000, message);
    }
  }
}
