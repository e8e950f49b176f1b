/**
 * x's new snapshots → the copy function: an EventBridge rule on the default bus of x's region for RDS "snapshot
 * created" events (automated 0091, manual 0042) whose source identifier is named after one of the x instances.
 * EventBridge delivers RDS events without any subscription; it invokes the function asynchronously.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describeList } from '../platform/describe';
import { SNAPSHOT_CREATED_EVENTS } from '../../lambdas/copy/invocation';
import { deadLetterQueue } from '../platform/dead-letter-queue';

/** The detail-type of RDS snapshot events on EventBridge. */
export const RDS_SNAPSHOT_EVENT = 'RDS DB Snapshot Event';

/** Properties of {@link SnapshotEvents}. */
export interface SnapshotEventsProps {
  /** The x instances whose snapshots are wanted; at least one. */
  readonly sourceIds: readonly string[];
  /** The function the events go to. */
  readonly handler: lambda.IFunction;
}

/** The rule, its target and the target's dead-letter queue. */
export class SnapshotEvents extends Construct {
  /** The rule. */
  public readonly rule: events.Rule;
  /** Events EventBridge could not deliver to the function. */
  public readonly deadLetterQueue: sqs.IQueue;

  public constructor(scope: Construct, id: string, props: SnapshotEventsProps) {
    super(scope, id);
    if (props.sourceIds.length === 0) throw new Error('sourceIds must name at least one instance, got []');
    const ids = [...new Set(props.sourceIds)].sort();
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the snapshot-event rule target (the copy function)');
    this.rule = new events.Rule(this, 'Rule', {
      description: describeList('Copies new snapshots of ', ids, ' into their replica regions'),
      eventPattern: {
        source: ['aws.rds'],
        detailType: [RDS_SNAPSHOT_EVENT],
        detail: {
          // Match the ID, never the message text (RDS-NOTES).
          EventID: [...SNAPSHOT_CREATED_EVENTS],
          // The identifier may or may not carry the `rds:` prefix of automated snapshots; the function checks the
          // snapshot's instance, so a longer name sharing the prefix (x-archive) does no harm.
          SourceIdentifier: ids.flatMap((x) => [{ prefix: `rds:${x}-` }, { prefix: `${x}-` }]),
        },
      },
      targets: [
        new targets.LambdaFunction(props.handler, {
          deadLetterQueue: this.deadLetterQueue,
          // These retry delivery to Lambda (throttling), not function errors (Lambda's async retries do that).
          retryAttempts: 4,
          // A snapshot event older than this is caught by the sweep anyway.
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
