/**
 * Copies that must wait (the in-flight quota is full, the source is not available yet) come back through an SQS
 * queue: the copy function sends the message with DelaySeconds and consumes the queue one message at a time.
 * The queue exists before its consumer (the function's configuration names the queue), and is then connected.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue';

/** Lambda's advice: a visibility timeout of at least six times the function timeout for an SQS event source. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Properties of {@link DelayQueue}. */
export interface DelayQueueProps {
  /** The timeout of the function that will consume the queue; the visibility timeout is {@link VISIBILITY_TIMEOUT_FACTOR} times this. */
  readonly consumerTimeout: Duration;
  /**
   * How often a message is received (and failed) before it goes to the dead-letter queue.
   * @default 3
   */
  readonly maxReceiveCount?: number;
}

/** The delay queue and its dead-letter queue; {@link DelayQueue.connect} adds the event source that feeds the consumer. */
export class DelayQueue extends Construct {
  /** The delay queue. */
  public readonly queue: sqs.IQueue;
  /** Deferred copies the consumer failed on {@link DelayQueueProps.maxReceiveCount} times. */
  public readonly deadLetterQueue: sqs.IQueue;

  public constructor(scope: Construct, id: string, props: DelayQueueProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 3;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 10) {
      throw new Error(`maxReceiveCount must be a whole number from 1 to 10, got ${maxReceiveCount}`);
    }
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the delay queue of deferred copies');
    const queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A message must stay invisible while a consumer works on it, with room for Lambda's own retries of the batch.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      // Deferrals are minutes apart; a day is far more than any message waits.
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.queue = queue;
  }

  /**
   * Lets the function send deferred copies and feeds it the queue, one message at a time. Its timeout must be the
   * {@link DelayQueueProps.consumerTimeout} the visibility timeout was sized for.
   */
  public connect(consumer: lambda.IFunction): void {
    this.queue.grantSendMessages(consumer);
    // One deferred copy per invocation: a failure retries that copy alone. At most two at once (Lambda's minimum), so
    // deferred copies do not all count the same free copy slots together.
    consumer.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, maxConcurrency: 2 }));
  }
}
