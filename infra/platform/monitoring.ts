/**
 * What is alarmed on, and where alarms go: a message in a dead-letter queue, a function error, the event path (the
 * region's RDS event subscription unhealthy, the watchdog silent), and the outcomes the functions report per replica
 * as metrics (a missed RTO, no success for too long, a failed, stuck or refused run, an overdue restore, a night the
 * watchdog had to carry because RDS events did not come). Every alarm notifies one topic of its own stack's region.
 *
 * The per-replica outcomes are watched by one CloudWatch Metrics Insights alarm per kind and region, whose query groups
 * the metric by replica: "For multi-time series queries, each returned time series becomes a contributor to the
 * alarm", and "any resource that matches your query definition and filters joins the alarm monitoring scope when its
 * corresponding metric becomes available" (CloudWatch User Guide, "Create a CloudWatch alarm based on a Metrics
 * Insights query", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html).
 * So the stack holds the same nine alarms for one pair or four hundred, and a pair added later is watched without a
 * change here.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/kernel/config';
import { MANUAL_SNAPSHOTS_METRIC } from '../../lambdas/copy/copy-snapshot';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../lambdas/kernel/powertools';
import { SUCCESS_OVERDUE_METRIC } from '../../lambdas/reporting/overdue';

/** Which alarms on the replicas' outcomes exist: the `alarms` key of the configuration. */
export type AlarmsConfig = Config['alarms'];

/** The metrics the functions emit per replica (Powertools EMF, only when something happens: no zero data points). */
export type ReplicaMetricName =
  | 'RefreshSucceeded'
  | 'RefreshFailed'
  | 'RefreshRefused'
  | 'RunStuck'
  | 'RestoreOverdue'
  | 'DowntimeSeconds'
  | 'RestoreSeconds'
  | 'RtoMissed'
  | 'SnapshotAgeSeconds'
  | 'SettingsDrift'
  | EventPathReplicaMetricName
  | typeof SUCCESS_OVERDUE_METRIC
  | typeof MANUAL_SNAPSHOTS_METRIC;

/**
 * The per-replica metrics of a night the event path failed, each a count of 1 under `service` and `replica`:
 * the watchdog acted because the deletion event (`DeletionEventMissed`) or the usable event (`UsableEventMissed`)
 * did not come in time, or a run closed with its deleted or usable time from a poll (`NightCarriedByPolling`).
 */
export type EventPathReplicaMetricName = 'DeletionEventMissed' | 'UsableEventMissed' | 'NightCarriedByPolling';

/**
 * The metric the watchdog emits on every pass under `service` and `subscription` (the region's event subscription):
 * 1 when the subscription is missing, disabled or its status is not `active`, 0 when it is healthy.
 */
export const EVENT_PATH_UNHEALTHY_METRIC = 'EventPathUnhealthy';

/** The longest `noSuccessWithinHours`: seven days (the watchdog decides it, lambdas/reporting/overdue.ts). */
export const MAX_NO_SUCCESS_HOURS = 168;

/**
 * The most data a Metrics Insights alarm evaluates: "Only the latest 3 hours of data can be used for evaluating the
 * alarm's conditions" (CloudWatch User Guide, "Limits",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html). Period × EvaluationPeriods of
 * every replicas alarm stays within it.
 */
export const METRICS_INSIGHTS_ALARM_WINDOW = Duration.hours(3);

/** An aggregation a Metrics Insights query may use (CloudWatch User Guide, "Metrics Insights query components and syntax"). */
export type InsightsFunction = 'SUM' | 'MAX' | 'MIN' | 'AVG' | 'COUNT';

/**
 * The Metrics Insights query of one per-replica metric, one time series per replica:
 * `SELECT <fn>(<metric>) FROM SCHEMA("ReplicaRefresh", replica, service) WHERE service = 'replica-refresh' GROUP BY replica ORDER BY <fn>() DESC`.
 * SCHEMA with label keys "limits results to only the metrics that have that exact set of dimensions" (the functions
 * emit exactly `service` and `replica`); a namespace is double-quoted, a label value single-quoted; GROUP BY makes
 * one series per replica; ORDER BY decides which series are kept when there are more than the 500 a query returns
 * ("If you use an ORDER BY clause, then all the metrics being processed are sorted, and the 500 that have the highest
 * or lowest values according to your ORDER BY clause are returned", "Metrics Insights quotas"), so the breaching
 * ones come first. Sources: CloudWatch User Guide, "Metrics Insights query components and syntax",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html, and
 * "Metrics Insights quotas", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html.
 * @param limit keep only this many series (dashboards: the highest ones)
 */
export function replicasQuery(metric: ReplicaMetricName, fn: InsightsFunction, limit?: number): string {
  return `SELECT ${fn}(${metric}) FROM SCHEMA("${METRICS_NAMESPACE}", replica, service) WHERE service = '${METRICS_SERVICE}' GROUP BY replica ORDER BY ${fn}() DESC${limit === undefined ? '' : ` LIMIT ${limit}`}`;
}

/** The same metric summed over every replica of the region: one series (dashboards). */
export function regionTotalQuery(metric: ReplicaMetricName): string {
  return `SELECT SUM(${metric}) FROM SCHEMA("${METRICS_NAMESPACE}", replica, service) WHERE service = '${METRICS_SERVICE}'`;
}

/**
 * One metric of one replica, with the dimensions the functions emit it under: exactly `service` and `replica`.
 * No unit: a unit on an alarm's metric filters the data, and the right one is whatever the function sent.
 */
export function replicaMetric(name: ReplicaMetricName, replicaId: string, statistic: string, period: Duration, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS_SERVICE, replica: replicaId },
    statistic,
    period,
    ...(label === undefined ? {} : { label }),
  });
}

/**
 * The event-path health of one event subscription, with the dimensions the watchdog emits it under: exactly
 * `service` and `subscription`.
 */
export function subscriptionMetric(subscriptionName: string, statistic: string, period: Duration, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: EVENT_PATH_UNHEALTHY_METRIC,
    dimensionsMap: { service: METRICS_SERVICE, subscription: subscriptionName },
    statistic,
    period,
    ...(label === undefined ? {} : { label }),
  });
}

/** Properties of {@link PipelineMonitoring}. */
export interface PipelineMonitoringProps {
  /** The topic every alarm sends to; it must be in the stack's region (alarm actions are regional). */
  readonly alarmTopic: sns.ITopic;
  /**
   * How long a metric is aggregated before it is compared with the threshold.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/**
 * Alarms on the pipeline itself: a message in a dead-letter queue, a function error. Every alarm notifies one
 * topic. The replica-region stack extends this with alarms over the replicas ({@link Monitoring}); the source-region
 * stack uses it as is.
 */
export class PipelineMonitoring extends Construct {
  protected readonly period: Duration;
  private readonly action: SnsAction;
  private readonly alarmList: cloudwatch.IAlarm[] = [];

  public constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    this.action = new SnsAction(props.alarmTopic);
    this.period = props.period ?? Duration.minutes(5);
    if (this.period.toSeconds() < 60) throw new Error(`period must be at least 1 minute, got ${this.period.toHumanString()}`);
  }

  /** Every alarm created so far. */
  public get alarms(): readonly cloudwatch.IAlarm[] {
    return this.alarmList;
  }

  /**
   * Alarms as soon as one message waits in a dead-letter queue: each is an event or invocation that was given up on.
   *
   * @param id construct id of the alarm, part of the contract
   * @param queue the dead-letter queue
   * @param what what lands in the queue, for the alarm description
   */
  public alarmOnDeadLetters(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.add(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `${what} landed in a dead-letter queue; inspect the message, then redrive or delete it`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: this.period, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * Alarms on any error of a function: the functions handle expected failures themselves, so an error is a bug.
   *
   * @param id construct id of the alarm, part of the contract
   * @param fn the function
   * @param name the function's name for people, such as `start-refresh`
   */
  public alarmOnFunctionErrors(id: string, fn: lambda.IFunction, name: string): cloudwatch.Alarm {
    return this.add(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `The ${name} function failed; see its logs and the ledger`,
        metric: fn.metricErrors({ period: this.period, statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * Alarms when y's region holds `threshold` manual snapshots or more (RDS's default quota is 100, and copies fail
   * beyond it). The copy function reports the count on every copy and every sweep; one alarm per replica, so it fires
   * once when the count crosses the threshold, not once per copy.
   *
   * @param id construct id of the alarm, part of the contract
   * @param replicaId y, the dimension the count is reported under
   * @param region y's region, for the description
   * @param threshold `copy.manualSnapshotAlertAt`
   */
  public alarmOnManualSnapshotQuota(id: string, replicaId: string, region: string, threshold: number): cloudwatch.Alarm {
    return this.add(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `${region} holds ${threshold} or more manual snapshots (the default quota is 100; copies for ${replicaId} fail beyond it). Lower copy.retention, delete old manual snapshots, or ask AWS to raise the "Manual DB instance snapshots" quota`,
        metric: replicaMetric(MANUAL_SNAPSHOTS_METRIC, replicaId, cloudwatch.Stats.MAXIMUM, Duration.hours(1)),
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // The sweep reports hourly; no report means no news, not a full quota.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** Sends the alarm to the topic and records it. */
  protected add(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(this.action);
    this.alarmList.push(alarm);
    return alarm;
  }
}

/** Properties of {@link Monitoring}. */
export interface MonitoringProps extends PipelineMonitoringProps {
  /**
   * The replicas (pair ids) of this stack. The region's alarms watch whatever replicas report (each is a contributor of
   * its query); the ids are checked here: an id may not be the region's name, whose alarms
   * `replica-refresh-<region>-<what>` would then share a name with that replica's alarms of earlier versions
   * (`replica-refresh-<id>-<what>`), which CloudFormation creates the new alarms before it deletes.
   */
  readonly replicaIds: readonly string[];
  /** The RTO target in minutes: a restore slower than this raises the RTO alarm. */
  readonly rtoTargetMinutes: number;
  /** Which alarms on the replicas' outcomes to create. */
  readonly alarms: AlarmsConfig;
  /**
   * The region's RDS event subscription, whose health the watchdog reports as EventPathUnhealthy: when given, an
   * alarm `replica-refresh-<region>-event-path` watches it.
   * @default - no event path alarm for the region
   */
  readonly eventSubscriptionName?: string;
  /**
   * The region's RDS event subscription of its Aurora clusters (`db-cluster`), when a pair is a cluster: an alarm
   * `replica-refresh-<region>-cluster-event-path` watches it as the instances' alarm watches theirs.
   * @default - no cluster event path alarm
   */
  readonly clusterEventSubscriptionName?: string;
  /**
   * How often the watchdog runs: the period of the event path alarm and of the no-success alarm (the watchdog reports
   * SuccessOverdue on each pass).
   * @default Duration.minutes(5)
   */
  readonly watchdogInterval?: Duration;
}

/** One Metrics Insights alarm over the replicas of the region. */
interface ReplicasAlarm {
  /** Construct id, part of the contract. */
  readonly id: string;
  /** The end of the alarm's name, `replica-refresh-<region>-<what>`. */
  readonly what: string;
  readonly metric: ReplicaMetricName;
  readonly fn: InsightsFunction;
  readonly period: Duration;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly description: string;
}

/**
 * The replica region's alarms: the pipeline's, and one Metrics Insights alarm per kind of outcome over all its
 * replicas, each replica a contributor. A contributor is in ALARM or OK, "never in INSUFFICIENT_DATA state. This is
 * because a time series only exists when data is present", and both the alarm and each contributor send their state
 * changes to the topic (CloudWatch User Guide, "Acting on alarm changes",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html): the message of a
 * contributor names it by its attributes, the metric's dimensions, here `replica`
 * (CloudWatch API Reference, "AlarmContributor": ContributorAttributes, "such as metric dimensions",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmContributor.html). Limits of these
 * alarms (User Guide, "Limits"): the latest three hours of data, at most 100 contributors in ALARM at once, a
 * PARTIAL_DATA evaluation beyond 500 series, and by default 200 Metrics Insights alarms per account and region (a
 * region of this project uses at most nine).
 */
export class Monitoring extends PipelineMonitoring {
  private readonly replicaList: cloudwatch.IAlarm[] = [];

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id, props);
    validate(props, Stack.of(this).region);
    const watchdogInterval = props.watchdogInterval ?? Duration.minutes(5);
    checkInterval(watchdogInterval, 'watchdogInterval');
    for (const spec of replicasAlarms(props, this.period, watchdogInterval)) this.alarmOnReplicas(spec);
    if (props.eventSubscriptionName !== undefined) this.alarmOnEventPath(props.eventSubscriptionName, watchdogInterval);
    if (props.clusterEventSubscriptionName !== undefined) this.alarmOnEventPath(props.clusterEventSubscriptionName, watchdogInterval, 'cluster');
  }

  /** The alarms over the replicas' outcomes, in the order they were created. */
  public get replicaAlarms(): readonly cloudwatch.IAlarm[] {
    return this.replicaList;
  }

  /** The alarms that watch no replica: dead-letter queues, function errors, the event path, a silent watchdog. */
  public get pipelineAlarms(): readonly cloudwatch.IAlarm[] {
    const ofReplicas = new Set(this.replicaList);
    return this.alarms.filter((a) => !ofReplicas.has(a));
  }

  /**
   * The region's event path alarm ({@link MonitoringProps.eventSubscriptionName}), construct id `EventPathAlarm`.
   * Alarms when the watchdog finds the region's RDS event subscription unable to deliver: missing, disabled, or in
   * any status but `active` (`no-permission`, `topic-not-exist`, `all-sources-deleted`, …). Nights still refresh
   * (the watchdog polls), but each costs minutes of downtime until the path is fixed. Named
   * `replica-refresh-<region>-event-path`.
   *
   * One period of the watchdog's interval: the watchdog reports once per pass, so the alarm fires on the first pass
   * that finds the path dead. Missing data keeps the alarm's state (`ignore`): a pass that lands in the next period
   * leaves a gap that must neither clear nor raise the alarm, and a watchdog that stopped reporting is
   * {@link alarmOnSilentFunction}'s finding, not a verdict on the subscription.
   *
   * @param subscriptionName the subscription the watchdog checks, the metric's `subscription` dimension
   * @param watchdogInterval how often the watchdog runs
   * @param of `cluster` for the Aurora clusters' subscription: construct id `ClusterEventPathAlarm`, named
   *   `replica-refresh-<region>-cluster-event-path`
   */
  private alarmOnEventPath(subscriptionName: string, watchdogInterval: Duration, of: 'instance' | 'cluster' = 'instance'): cloudwatch.Alarm {
    const region = Stack.of(this).region;
    return this.add(
      new cloudwatch.Alarm(this, of === 'instance' ? 'EventPathAlarm' : 'ClusterEventPathAlarm', {
        alarmName: of === 'instance' ? `replica-refresh-${region}-event-path` : `replica-refresh-${region}-cluster-event-path`,
        alarmDescription:
          `The RDS event subscription ${subscriptionName} of ${region} does not deliver (missing, disabled, or its status is not "active"): ` +
          'refreshes go on, carried by the watchdog\'s polling, with minutes more downtime each. ' +
          `Check its status with \`aws rds describe-event-subscriptions --subscription-name ${subscriptionName} --region ${region}\`; ` +
          '"no-permission" or "topic-not-exist" point at the events topic or its key policy: redeploy the stack to restore them.',
        metric: subscriptionMetric(subscriptionName, cloudwatch.Stats.MAXIMUM, watchdogInterval),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      }),
    );
  }

  /**
   * Alarms when a scheduled function has not run for three of its intervals in a row (no invocations, missing data
   * breaching): the watchdog is what carries a night whose RDS events never come, and what reports the event path's
   * health, so its silence must be loud by itself. Three intervals, not one, so that an invocation that slips into
   * the next period does not raise it. Named `replica-refresh-<region>-<name>-silent`.
   *
   * @param id construct id of the alarm, part of the contract
   * @param fn the function
   * @param name the function's name for people, such as `watchdog`
   * @param interval how often its schedule invokes it
   */
  public alarmOnSilentFunction(id: string, fn: lambda.IFunction, name: string, interval: Duration): cloudwatch.Alarm {
    checkInterval(interval, 'interval');
    const region = Stack.of(this).region;
    return this.add(
      new cloudwatch.Alarm(this, id, {
        alarmName: `replica-refresh-${region}-${name}-silent`,
        alarmDescription:
          `The ${name} function has not run for ${3 * interval.toMinutes()} min although its schedule invokes it every ${interval.toMinutes()} min: ` +
          'missed RDS events are not caught up and the event path is not checked. Check its schedule (EventBridge Scheduler), its dead-letter queue and its throttles.',
        metric: fn.metricInvocations({ period: interval, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );
  }

  /**
   * One alarm over every replica of the region, named `replica-refresh-<region>-<what>`: a Metrics Insights query
   * grouped by replica, as AWS::CloudWatch::Alarm `Metrics` holding one MetricDataQuery whose `Expression` is the
   * query (at most 2,048 characters) with its `Period` and ReturnData true (CloudFormation Template Reference,
   * "AWS::CloudWatch::Alarm MetricDataQuery"; PutMetricAlarm "associates [an alarm] with the specified metric, metric
   * math expression, anomaly detection model, Metrics Insights query", CloudWatch API Reference, "PutMetricAlarm").
   * CDK's MathExpression renders exactly that. (The MetricDataQuery pages still say an alarm's expression "must return
   * a single time series"; the User Guide's Metrics Insights alarm pages above, newer, describe the grouped query.)
   * Missing data is the good case (`notBreaching`): the functions report these metrics only when something happens,
   * and a replica with no data in the evaluated periods is no contributor at all.
   */
  private alarmOnReplicas(spec: ReplicasAlarm): cloudwatch.Alarm {
    const evaluationPeriods = spec.evaluationPeriods ?? 1;
    const window = spec.period.toSeconds() * evaluationPeriods;
    if (window > METRICS_INSIGHTS_ALARM_WINDOW.toSeconds()) {
      throw new Error(`alarm ${spec.what} would evaluate ${window / 60} min of data, over the ${METRICS_INSIGHTS_ALARM_WINDOW.toHours()} h a Metrics Insights alarm can use`);
    }
    const region = Stack.of(this).region;
    const alarm = this.add(
      new cloudwatch.Alarm(this, spec.id, {
        alarmName: `replica-refresh-${region}-${spec.what}`,
        alarmDescription: spec.description,
        metric: new cloudwatch.MathExpression({ expression: replicasQuery(spec.metric, spec.fn), usingMetrics: {}, period: spec.period }),
        threshold: spec.threshold,
        comparisonOperator: spec.comparison,
        evaluationPeriods,
        ...(spec.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: spec.datapointsToAlarm }),
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    this.replicaList.push(alarm);
    return alarm;
  }
}

/** The alarms the configuration turns on, each over every replica of the region. */
function replicasAlarms(props: MonitoringProps, period: Duration, watchdogInterval: Duration): ReplicasAlarm[] {
  const config = props.alarms;
  const report = '`npm run report -- --replica <id>`, with the replica the alarm names (its contributor, dimension `replica`),';
  const anyOf = (id: string, what: string, metric: ReplicaMetricName, description: string): ReplicasAlarm => ({
    id,
    what,
    metric,
    fn: 'SUM',
    period,
    threshold: 0,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    description,
  });
  const eventPath = (id: string, what: string, metric: EventPathReplicaMetricName, description: string): ReplicasAlarm => ({
    id,
    what: `event-path-${what}`,
    metric,
    fn: 'SUM',
    period,
    threshold: 1,
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    description:
      `${description} The replica was still refreshed, with minutes more downtime. Check the region's event-path alarm and the RDS event subscription, ` +
      `and run ${report} whose deletedSource and usableSource columns say which phase came from a poll.`,
  });
  const specs: ReplicasAlarm[] = [];
  if (config.rtoMissed) {
    specs.push({
      id: 'RtoMissedAlarm',
      what: 'rto-missed',
      // RtoMissed comes from the one definition the notification, drill and report use (lambdas/reporting/measures.ts rtoMissed).
      metric: 'RtoMissed',
      fn: 'SUM',
      period: Duration.hours(1),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description:
        `A restore missed the RTO target of ${props.rtoTargetMinutes} min: it took longer, or y did not come back at all (then the run-failed alarm fires too). ` +
        `Run ${report} to see where the time went (snapshot size, instance class, storage), then fix that or raise rtoTargetMinutes.`,
    });
  }
  const hours = config.noSuccessWithinHours;
  if (hours > 0) {
    specs.push({
      id: 'NoSuccessAlarm',
      what: 'no-success',
      // The watchdog decides it (the 168 h cannot fit the alarm's three hours) and reports SuccessOverdue = 1 on each
      // pass while a replica is overdue: one breaching pass in three keeps the replica in ALARM through a late pass.
      metric: SUCCESS_OVERDUE_METRIC,
      fn: 'MAX',
      period: watchdogInterval,
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 1,
      description:
        `No refresh succeeded in the last ${hours} h (alarms.noSuccessWithinHours; replicas whose schedule is disabled are not judged): the schedule did not fire, ` +
        `or runs were refused or failed, so the replica's data is getting old. Run ${report} to see the last runs and why, fix the cause, then start a refresh.`,
    });
  }
  if (config.runFailed) {
    specs.push(
      anyOf('RunFailedAlarm', 'run-failed', 'RefreshFailed', `A refresh run failed; y may be missing or left on old data. Run ${report} to see the run's reason and the instance's state, and follow the steps in the failure notification.`),
      anyOf('RunStuckAlarm', 'run-stuck', 'RunStuck', `A refresh run was stuck past stuckRunHours and the watchdog failed it. Run ${report} to see the phase it hung in, check y and its events in the RDS console, then start a refresh.`),
    );
  }
  if (config.refused) {
    specs.push(anyOf('RefusedAlarm', 'refused', 'RefreshRefused', `A refresh was refused by its checks; y was left untouched on its old data. Run ${report} to see which check failed, fix it, then start a refresh.`));
  }
  if (config.restoreOverdue) {
    specs.push(
      anyOf('RestoreOverdueAlarm', 'restore-overdue', 'RestoreOverdue', `A restore is past restoreDeadlineMinutes and y is not usable yet; replica-refresh keeps watching. Check y's events in the RDS console, and run ${report} for the run's timeline.`),
    );
  }
  // Always on: the per-replica half of the event path's health (the region half is the event path alarm), each named
  // for what went wrong; the first fires deletionEventGraceMinutes after the nightly deletion when no deletion event came.
  specs.push(
    eventPath('DeletionEventMissedAlarm', 'deletion-missed', 'DeletionEventMissed', "The RDS deletion event of a replica's y did not come in time and the watchdog acted on its own poll."),
    eventPath('UsableEventMissedAlarm', 'usable-missed', 'UsableEventMissed', 'No RDS event said a restored y was usable and the watchdog acted on its own poll.'),
    eventPath('NightCarriedByPollingAlarm', 'polled', 'NightCarriedByPolling', "A refresh closed with its deleted or usable time from the watchdog's polling, not from an RDS event."),
  );
  return specs;
}

/** A schedule interval an alarm period can be: whole minutes from 1 to 60 (CloudWatch periods are multiples of 60 s). */
function checkInterval(interval: Duration, name: string): void {
  const seconds = interval.toSeconds();
  if (seconds % 60 !== 0 || seconds < 60 || seconds > 3600) throw new Error(`${name} must be a whole number of minutes from 1 to 60, got ${interval.toHumanString()}`);
}

function validate(props: MonitoringProps, region: string): void {
  const seen = new Set<string>();
  for (const replicaId of props.replicaIds) {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(replicaId)) throw new Error(`replicaIds must be lower-case RDS instance identifiers, got "${replicaId}"`);
    if (seen.has(replicaId)) throw new Error(`replicaIds must not repeat a replica, got "${replicaId}" twice`);
    if (replicaId === region) {
      throw new Error(`replicaIds must not be the region's name, got "${replicaId}": the region's alarms replica-refresh-${region}-<what> would take the names of its alarms of earlier versions; give the pair another "id"`);
    }
    seen.add(replicaId);
  }
  if (!Number.isInteger(props.rtoTargetMinutes) || props.rtoTargetMinutes <= 0) {
    throw new Error(`rtoTargetMinutes must be a whole number of minutes above 0, got ${props.rtoTargetMinutes}`);
  }
  const hours = props.alarms.noSuccessWithinHours;
  if (!Number.isInteger(hours) || hours < 0 || hours > MAX_NO_SUCCESS_HOURS) {
    throw new Error(`alarms.noSuccessWithinHours must be a whole number of hours from 0 (off) to ${MAX_NO_SUCCESS_HOURS}, got ${hours}`);
  }
}
