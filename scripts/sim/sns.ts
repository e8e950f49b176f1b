/**
 * SNS as the pipeline meets it: topics with Lambda subscribers (deliveries that can be duplicated,
 * delayed and reordered), and, for a topic an AWS service publishes to, the topic policy and the
 * topic's KMS key policy evaluated for that service's publish with the request context it sends.
 */
import type { SimLambda } from './lambda';
import type { VirtualClock } from './clock';
import type { Decision } from './iam';
import { evaluateResourcePolicy } from './iam';
import type { Random } from './random';
import { uniform } from './random';
import type { PolicyDocument } from './synth';

/** Who publishes on whose behalf: an AWS service principal and the resource its request is about. */
export interface ServicePublisher {
  principal: string;
  /** aws:SourceArn: the ARN of the resource on whose behalf the service publishes. */
  sourceArn: string;
  /** aws:SourceAccount: the account that owns that resource. */
  sourceAccount: string;
}

/** Why a service's publish was refused: the action that was denied and the decision. */
export interface PublishDenied {
  action: string;
  resourceArn: string;
  decision: Decision;
}

/** How a topic mangles deliveries (fault injection). */
export interface DeliveryFaults {
  /** Every message is delivered this many times (1 = once). */
  copies: number;
  /** Extra random delay per delivery, up to this many seconds: messages overtake each other. */
  reorderSeconds: number;
}

/** One message published to a topic. */
export interface TopicMessage {
  time: Date;
  subject?: string;
  message: string;
  attributes: Record<string, string>;
}

/** A simulated SNS topic with Lambda subscribers. */
export class SimTopic {
  public readonly messages: TopicMessage[] = [];
  public faults: DeliveryFaults = { copies: 1, reorderSeconds: 0 };
  /** The topic policy (SetTopicAttributes Policy), as the stack deployed it. */
  public policy: PolicyDocument | undefined;
  /** The customer-managed key the topic is encrypted with (KmsMasterKeyId) and its key policy; undefined: not encrypted. */
  public key: { arn: string; policy: PolicyDocument } | undefined;
  /** Publishes by AWS services that the policies refused, for tests and narration. */
  public readonly denied: (PublishDenied & { time: Date; publisher: ServicePublisher })[] = [];
  private readonly subscribers: SimLambda[] = [];
  private seq = 0;

  public constructor(
    public readonly arn: string,
    private readonly clock: VirtualClock,
    private readonly random: Random,
  ) {}

  /** The account that owns the topic. */
  public get account(): string {
    return this.arn.split(':')[4] ?? '';
  }

  /**
   * Whether an AWS service may publish to this topic on behalf of a resource: the topic policy must allow sns:Publish,
   * and for an encrypted topic the key policy must let the same principal use the key.
   *
   * The request context is the one the RDS User Guide documents for event notifications ("Granting permissions to
   * publish notifications to an Amazon SNS topic": aws:SourceArn is the RDS resource's ARN, aws:SourceAccount the
   * account), sent over TLS (aws:SecureTransport true). For an encrypted topic the publisher itself needs
   * kms:GenerateDataKey* and kms:Decrypt on the topic's key (SNS Developer Guide, "Enable compatibility between event
   * sources from AWS services and encrypted topics"); an AWS managed key (alias/aws/sns) cannot admit a service
   * principal, so such a topic denies every service publish.
   */
  public async authorize(publisher: ServicePublisher): Promise<PublishDenied | undefined> {
    const context = { 'aws:SourceArn': publisher.sourceArn, 'aws:SourceAccount': publisher.sourceAccount, 'aws:SecureTransport': 'true' };
    const checks: { action: string; resourceArn: string; policy: PolicyDocument | undefined }[] = [{ action: 'sns:Publish', resourceArn: this.arn, policy: this.policy }];
    if (this.key) for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) checks.push({ action, resourceArn: this.key.arn, policy: this.key.policy });
    for (const c of checks) {
      const decision = await evaluateResourcePolicy(c.policy, { principal: publisher.principal, action: c.action, resourceArn: c.resourceArn, resourceAccount: this.account, context });
      if (!decision.allowed) return { action: c.action, resourceArn: c.resourceArn, decision };
    }
    return undefined;
  }

  /**
   * An AWS service's Publish: authorized against the topic and key policies first; a refused publish stores and
   * delivers nothing.
   * @returns the message id, or why it was refused
   */
  public async publishAsService(publisher: ServicePublisher, message: string, subject?: string): Promise<{ messageId: string } | { denied: PublishDenied }> {
    const denied = await this.authorize(publisher);
    if (denied) {
      this.denied.push({ ...denied, time: this.clock.now(), publisher });
      return { denied };
    }
    return { messageId: this.publish(message, subject) };
  }

  /** Subscribes a function, as a LambdaSubscription does. */
  public subscribe(fn: SimLambda): void {
    this.subscribers.push(fn);
  }

  /** Publishes a message: stored, then delivered to each subscriber as an SNS event record. */
  public publish(message: string, subject?: string, attributes: Record<string, string> = {}): string {
    const time = this.clock.now();
    const messageId = `sim-${++this.seq}`;
    this.messages.push({ time, ...(subject ? { subject } : {}), message, attributes });
    for (const fn of this.subscribers) {
      for (let copy = 0; copy < Math.max(1, this.faults.copies); copy++) {
        const delay = this.faults.reorderSeconds > 0 ? this.random.duration(uniform(0, this.faults.reorderSeconds)) : 0;
        const event = {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              EventSubscriptionArn: `${this.arn}:sub-${fn.name}`,
              Sns: {
                Type: 'Notification',
                MessageId: messageId,
                TopicArn: this.arn,
                Subject: subject ?? null,
                Message: message,
                Timestamp: time.toISOString(),
                SignatureVersion: '1',
                Signature: 'simulated',
                SigningCertUrl: 'https://sns.simulated/cert.pem',
                UnsubscribeUrl: 'https://sns.simulated/unsubscribe',
                MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }])),
              },
            },
          ],
        };
        this.clock.after(delay, `deliver ${messageId} to ${fn.name}`, () => fn.invokeAsync(event));
      }
    }
    return messageId;
  }
}
