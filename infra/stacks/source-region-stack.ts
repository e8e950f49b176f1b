/**
 * Everything that runs in a source region: the copy function that puts x's snapshots into the replica regions,
 * the events, queue and schedules that drive it, and its own notifications and alarms (an alarm can only act on a
 * topic of its own region), for the pairs whose x lives in this region and whose snapshots the project copies.
 */
import * as path from 'node:path';
import { CfnOutput, CrossStackReferences, Duration, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { copiesSnapshots, scheduleTimeZone, type Config, type PairConfig } from '../../lambdas/kernel/config';
import { CopySchedules } from '../features/copy-schedules';
import { DelayQueue } from '../features/delay-queue';
import { PipelineMonitoring } from '../platform/monitoring';
import { Notifications } from '../platform/notifications';
import { RefreshFunction, type FunctionConfig } from '../platform/refresh-function';
import { SnapshotEvents } from '../features/snapshot-events';
import { SourceInstances } from '../features/source-instances';
import { acknowledgeNag } from '../platform/nag';
import { enforceResourceLimit } from '../platform/resource-limit';

/** Properties of a {@link SourceRegionStack}. */
export interface SourceRegionStackProps extends StackProps {
  /** The whole parsed configuration. */
  readonly config: Config;
  /** The pairs whose x lives in this stack's region and whose snapshots the project copies; at least one. */
  readonly pairs: readonly PairConfig[];
  /**
   * The project key of each replica region (its ARN, usually a cross-region reference to the replica stack's
   * SnapshotKey), for the pairs without copy.replicaKmsKeyArn.
   * @default - none: every pair must name copy.replicaKmsKeyArn
   */
  readonly replicaKeyArns?: ReadonlyMap<string, string>;
}

/** The outputs of a source-region stack, for operators. */
export const SOURCE_STACK_OUTPUTS = {
  copyFunction: 'CopyFunctionName',
  delayQueue: 'DelayQueueUrl',
  notificationTopic: 'NotificationTopicArn',
} as const;

/**
 * The copy function's reserved concurrency: small, so that concurrent invocations rarely count the same free copy
 * slot, and one above {@link DELAY_QUEUE_CONCURRENCY}, so the events and the sweep always find room beside the
 * deferred copies (see DelayQueue.connect).
 */
export const COPY_CONCURRENCY = 3;

/** How many deferred copies the delay queue feeds the copy function at once: the SQS event source's minimum. */
export const DELAY_QUEUE_CONCURRENCY = 2;

/** How long one copy invocation may take: a sweep describes snapshots in both regions for every pair. */
const COPY_TIMEOUT = Duration.seconds(120);

/** The source-region role: one stack per region that is the source of at least one copied pair. */
export class SourceRegionStack extends Stack {
  /** Copies x's snapshots into the replica regions. */
  public readonly copy: RefreshFunction;
  /** The topic the copy function alerts and the alarms of this region notify. */
  public readonly notifications: Notifications;

  public constructor(scope: Construct, id: string, props: SourceRegionStackProps) {
    super(scope, id, props);
    // Strong, explicitly: the replica stack's export writer keeps the key ARN this stack reads, and refuses to change
    // or drop it while this stack uses it (a weak reference could point the copies at a deleted key).
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const { config } = props;
    enforceResourceLimit(this, props.pairs.length, 'a manual-snapshot quota alarm, and an extra-snapshot schedule when it asks for one');
    const replicaKeyArns = props.replicaKeyArns ?? new Map<string, string>();
    for (const pair of props.pairs) {
      if (!copiesSnapshots(pair, config)) throw new Error(`pair ${pair.source.identifier} → ${pair.replica.identifier} needs no copy function (copy off, or without a vault x and y in one region or backup-replication)`);
    }
    const sources = new SourceInstances(this, 'Sources', { pairs: props.pairs, copyContext: config, replicaKeyArns });
    this.notifications = new Notifications(this, 'Notifications', { emails: config.notificationEmails });

    const delay = new DelayQueue(this, 'Delay', { consumerTimeout: COPY_TIMEOUT });
    // The pairs are bundled with the function as copy-config.json; the environment names the queue, the topic and
    // the project key of each replica region its pairs copy into without a key of their own (tokens until deployed).
    const projectKeys = [...new Set(props.pairs.filter((p) => !p.copy.replicaKmsKeyArn).map((p) => p.replica.region))]
      .sort()
      .map((region) => ({ region, keyArn: sources.copyKeyArn(props.pairs.find((p) => p.replica.region === region && !p.copy.replicaKmsKeyArn) as PairConfig) }));
    const copyConfig: FunctionConfig = {
      kind: 'copy',
      file: { region: this.region, account: config.account, pairs: [...props.pairs] },
      resources: { deferQueueUrl: delay.queue.queueUrl, notificationTopicArn: this.notifications.topic.topicArn, projectKeys },
    };
    // EventBridge and Scheduler invoke asynchronously; two retries ride out throttling and busy RDS APIs.
    this.copy = new RefreshFunction(this, 'Copy', {
      config: copyConfig,
      entry: path.join(__dirname, '..', '..', 'lambdas', 'handlers', 'copy-snapshot.ts'),
      serviceName: 'copy-snapshot',
      description: "Copies x's new snapshots into the replica regions, retries deferred copies, sweeps for missed ones",
      timeout: COPY_TIMEOUT,
      asyncRetryAttempts: 2,
      // Three copy invocations at most: a burst of events is worked through in turn (Lambda queues the rest of the
      // asynchronous events and retries throttled ones), so few invocations can count the same free copy slot. RDS's
      // own limit still refuses any copy over it, which defers it.
      reservedConcurrentExecutions: COPY_CONCURRENCY,
    });
    delay.connect(this.copy.function, { reservedConcurrentExecutions: COPY_CONCURRENCY, maxConcurrency: DELAY_QUEUE_CONCURRENCY });

    sources.grantCopy(this.copy.role);
    sources.grantExtraSnapshots(this.copy.role);
    this.notifications.topic.grantPublish(this.copy.role);
    acknowledgeTopicKeyActions(this.copy.role);

    const events = new SnapshotEvents(this, 'SnapshotEvents', { sourceIds: sources.sourceIds, clusterSourceIds: sources.clusterSourceIds, handler: this.copy.function });
    const schedules = new CopySchedules(this, 'Schedules', {
      copy: this.copy.function,
      sweepIntervalMinutes: Math.min(...props.pairs.map((p) => p.copy.sweepIntervalMinutes)),
      extraSnapshots: props.pairs.flatMap((p) =>
        p.copy.extraSnapshots ? [{ replicaId: p.id, cron: p.copy.extraSnapshots.cron, timeZone: p.copy.extraSnapshots.timeZone ?? scheduleTimeZone(config, p) }] : [],
      ),
    });

    const monitoring = new PipelineMonitoring(this, 'Monitoring', { alarmTopic: this.notifications.topic });
    monitoring.alarmOnDeadLetters('SnapshotEventsDlqAlarm', events.deadLetterQueue, 'A snapshot event EventBridge could not deliver to copy-snapshot');
    monitoring.alarmOnDeadLetters('DelayDlqAlarm', delay.deadLetterQueue, 'A deferred copy copy-snapshot failed on repeatedly');
    monitoring.alarmOnDeadLetters('ScheduleDlqAlarm', schedules.deadLetterQueue, 'A sweep or extra-snapshot invocation Scheduler could not deliver');
    monitoring.alarmOnDeadLetters('CopyFailureQueueAlarm', this.copy.failureQueue, 'An invocation of copy-snapshot that failed after its retries');
    monitoring.alarmOnFunctionErrors('CopyErrorsAlarm', this.copy.function, 'copy-snapshot');
    for (const p of props.pairs) monitoring.alarmOnManualSnapshotQuota(`ManualSnapshotQuotaAlarm-${p.id}`, p.id, p.replica.region, p.copy.manualSnapshotAlertAt);

    new CfnOutput(this, SOURCE_STACK_OUTPUTS.copyFunction, { value: this.copy.function.functionName, description: 'Copies snapshots of x; invoke with {"trigger":"sweep"} to copy the newest now' });
    new CfnOutput(this, SOURCE_STACK_OUTPUTS.delayQueue, { value: delay.queue.queueUrl, description: 'Deferred copies waiting for the copy quota or their source' });
    new CfnOutput(this, SOURCE_STACK_OUTPUTS.notificationTopic, { value: this.notifications.topic.topicArn, description: 'Copy alerts and alarms of this region; subscribe more endpoints here' });
  }
}

/** The grant on the topic's key names the KMS data-key actions with a wildcard. */
function acknowledgeTopicKeyActions(role: iam.IRole): void {
  acknowledgeNag(role, 'AwsSolutions-IAM5', 'kms:GenerateDataKey* comes from grantPublish on the notifications topic; it is scoped to the topic key', 'Action::kms:GenerateDataKey*');
}
