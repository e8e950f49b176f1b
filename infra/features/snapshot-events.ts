/**
 * x's new snapshots → the copy function: an EventBridge rule on the default bus of x's region for RDS "snapshot
 * created" events (automated 0091, manual 0042) whose source identifier is named after one of the x instances, and,
 * when some x is an Aurora cluster, a second rule for "cluster snapshot created" (automated 0169, manual 0075) named
 * after the x clusters. EventBridge delivers RDS events, cluster snapshot events included ("RDS DB Cluster Snapshot
 * Event", RDS-NOTES "Payloads"), without any RDS event subscription; it invokes the function asynchronously. An RDS
 * event subscription of source type `db-cluster-snapshot` would need an SNS topic, its key and policy in x's region,
 * and would match by name no better: the rule mirrors the instance path.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describeList } from '../platform/describe';
import { CLUSTER_SNAPSHOT_CREATED_EVENTS, SNAPSHOT_CREATED_EVENTS } from '../../lambdas/copy/invocation';
import { deadLetterQueue } from '../platform/dead-letter-queue';

/** The detail-type of RDS snapshot events on EventBridge. */
export const RDS_SNAPSHOT_EVENT = 'RDS DB Snapshot Event';

/** The detail-type of RDS cluster snapshot events on EventBridge. */
export const RDS_CLUSTER_SNAPSHOT_EVENT = 'RDS DB Cluster Snapshot Event';

/** Properties of {@link SnapshotEvents}. */
export interface SnapshotEventsProps {
  /** The x instances whose DB snapshots are wanted; with {@link clusterSourceIds}, at least one x in all. */
  readonly sourceIds: readonly string[];
  /**
   * The x Aurora clusters whose DB cluster snapshots are wanted.
   * @default - none: no cluster snapshot rule
   */
  readonly clusterSourceIds?: readonly string[];
  /** The function the events go to. */
  readonly handler: lambda.IFunction;
}

/** The rules, their targets and the targets' dead-letter queue. */
export class SnapshotEvents extends Construct {
  /** The rule for DB snapshots, when some x is a DB instance. */
  public readonly rule?: events.Rule;
  /** The rule for DB cluster snapshots, when some x is an Aurora cluster. */
  public readonly clusterRule?: events.Rule;
  /** Events EventBridge could not deliver to the function. */
  public readonly deadLetterQueue: sqs.IQueue;

  public constructor(scope: Construct, id: string, props: SnapshotEventsProps) {
    super(scope, id);
    const clusterIds = [...new Set(props.clusterSourceIds ?? [])].sort();
    if (props.sourceIds.length === 0 && clusterIds.length === 0) {
      throw new Error(props.clusterSourceIds === undefined ? 'sourceIds must name at least one instance, got []' : 'sourceIds or clusterSourceIds must name at least one x, got none');
    }
    const ids = [...new Set(props.sourceIds)].sort();
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the snapshot-event rule target (the copy function)');
    const target = () =>
      new targets.LambdaFunction(props.handler, {
        deadLetterQueue: this.deadLetterQueue,
        // These retry delivery to Lambda (throttling), not function errors (Lambda's async retries do that).
        retryAttempts: 4,
        // A snapshot event older than this is caught by the sweep anyway.
        maxEventAge: Duration.hours(2),
      });
    // The identifier may or may not carry the `rds:` prefix of automated snapshots; the function checks the snapshot's
    // instance or cluster, so a longer name sharing the prefix (x-archive) does no harm.
    const named = (xs: readonly string[]) => xs.flatMap((x) => [{ prefix: `rds:${x}-` }, { prefix: `${x}-` }]);
    if (ids.length > 0) {
      this.rule = new events.Rule(this, 'Rule', {
        description: describeList('Copies new snapshots of ', ids, ' into their replica regions'),
        eventPattern: {
          source: ['aws.rds'],
          detailType: [RDS_SNAPSHOT_EVENT],
          // Match the ID, never the message text (RDS-NOTES).
          detail: { EventID: [...SNAPSHOT_CREATED_EVENTS], SourceIdentifier: named(ids) },
        },
        targets: [target()],
      });
    }
    if (clusterIds.length > 0) {
      this.clusterRule = new events.Rule(this, 'ClusterRule', {
        description: describeList('Copies new cluster snapshots of ', clusterIds, ' into their replica regions'),
        eventPattern: {
          source: ['aws.rds'],
          detailType: [RDS_CLUSTER_SNAPSHOT_EVENT],
          detail: { EventID: [...CLUSTER_SNAPSHOT_CREATED_EVENTS], SourceIdentifier: named(clusterIds) },
        },
        targets: [target()],
      });
    }
  }
}
