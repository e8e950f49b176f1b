/**
 * An SQS standard queue with per-message delay, consumed by a Lambda event source mapping (batch size
 * 1): a message becomes visible after its DelaySeconds, the mapping invokes the function synchronously
 * with an SQS event, a failed batch returns after the visibility timeout, and after maxReceiveCount
 * receives the message moves to the dead-letter queue.
 */
import { createHash } from 'node:crypto';
import { QueueDoesNotExist, SQSServiceException } from '@aws-sdk/client-sqs';
import type { VirtualClock } from './clock';
import type { SimLambda } from './lambda';
import type { Random } from './random';
import { uniform } from './random';

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

/** A simulated queue feeding one function. */
export class SimQueue {
  public readonly sent: SentMessage[] = [];
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
