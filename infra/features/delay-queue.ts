/**
 * Copies that must wait (the in-flight quota is full, the source is not available yet) come back through an SQS
 * queue: the copy function sends the message with DelaySeconds and consumes the queue one message at a time.
 * The queue exists before its consumer (the function's configuration names the queue), and is then connected.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from '../platform/dead-letter-queue';

/** Lambda's advice: a visibility timeout of at least six times the function timeout for an SQS event source. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** The lowest maximum concurrency an SQS event source takes (ScalingConfig.MaximumConcurrency, 2–1000). */
export const MIN_MAX_CONCURRENCY = 2;

/** How the queue feeds its consumer: {@link DelayQueue.connect}. */
export interface DelayQueueConsumer {
  /** The consumer's reserved concurrency; the event source's maximum concurrency must stay below it. */
  readonly reservedConcurrentExecutions: number;
  /**
   * How many invocations the event source may run at once.
   * @default MIN_MAX_CONCURRENCY (2)
   */
  readonly maxConcurrency?: number;
}

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
   *
   * The event source's maximum concurrency stays strictly below the consumer's reserved concurrency. Lambda
   * Developer Guide, "Configuring scaling behavior for SQS event source mappings": maximum concurrency and reserved
   * concurrency are independent settings; do not set the maximum concurrency above the reserved concurrency, or
   * "Lambda might throttle your messages" (and AWS re:Post, "lambda-sqs-scaling": event source mappings "don't
   * account for reserved concurrency"). A throttled invocation returns its message to the queue as a failed receive,
   * which counts against maxReceiveCount and can land a deferred copy in the dead-letter queue. Other invocations of
   * the consumer (EventBridge events, the sweep) share its reserved concurrency, so equal is not enough: strictly
   * below leaves them room.
   *
   * @throws Error when the maximum concurrency is below 2 or not below the reserved concurrency
   */
  public connect(consumer: lambda.IFunction, options: DelayQueueConsumer): void {
    const maxConcurrency = options.maxConcurrency ?? MIN_MAX_CONCURRENCY;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < MIN_MAX_CONCURRENCY) {
      throw new Error(`maxConcurrency must be a whole number of at least ${MIN_MAX_CONCURRENCY} (the SQS event source's minimum), got ${maxConcurrency}`);
    }
    if (maxConcurrency >= options.reservedConcurrentExecutions) {
      throw new Error(
        `maxConcurrency (${maxConcurrency}) must be below the consumer's reserved concurrency (${options.reservedConcurrentExecutions}), ` +
          'or its other invocations throttle the queue and deferred copies land in the dead-letter queue',
      );
    }
    // The consumer defers copies (SendMessage); the event source mapping polls with the consumer's role, which needs
    // exactly ReceiveMessage, DeleteMessage and GetQueueAttributes (Lambda Developer Guide, "Using Lambda with Amazon
    // SQS", execution role permissions; the managed AWSLambdaSQSQueueExecutionRole holds the same three). The CDK's
    // SqsEventSource and grantSendMessages would add ChangeMessageVisibility and GetQueueUrl, which nothing calls.
    // The queue is SQS-managed SSE: no KMS permission is needed.
    consumer.addToRolePolicy(new iam.PolicyStatement({ sid: 'DeferCopies', actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    consumer.addToRolePolicy(new iam.PolicyStatement({ sid: 'PollDeferredCopies', actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], resources: [this.queue.queueArn] }));
    // One deferred copy per invocation: a failure retries that copy alone.
    new lambda.EventSourceMapping(this, 'Consumer', { target: consumer, eventSourceArn: this.queue.queueArn, batchSize: 1, maxConcurrency });
  }
}
