/**
 * What is alarmed on, and where alarms go: a message in a dead-letter queue, a function error, the event path (the
 * region's RDS event subscription unhealthy, the watchdog silent), and per replica the outcomes the functions report
 * as metrics (a missed RTO, no success for too long, a failed, stuck or refused run, an overdue restore, a night the
 * watchdog had to carry because RDS events did not come). Every alarm notifies one topic of its own stack's region.
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

/** Which per-replica alarms exist: the `alarms` key of the configuration. */
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

/** The longest `noSuccessWithinHours` an alarm can watch: 168 one-hour periods, CloudWatch's seven-day limit. */
export const MAX_NO_SUCCESS_HOURS = 168;

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
 * topic. The replica-region stack extends this with per-replica alarms ({@link Monitoring}); the source-region
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
  /** The replicas (y instance ids) of this stack; each gets the alarms {@link alarms} turns on. */
  readonly replicaIds: readonly string[];
  /** The RTO target in minutes: a restore slower than this raises the RTO alarm. */
  readonly rtoTargetMinutes: number;
  /** Which per-replica alarms to create. */
  readonly alarms: AlarmsConfig;
  /**
   * Replicas whose nightly schedule is disabled: no "no success within N hours" alarm for them, which would
   * otherwise fire every day. Their other alarms stay (drills still run).
   * @default none
   */
  readonly pausedReplicaIds?: readonly string[];
  /**
   * The region's RDS event subscription, whose health the watchdog reports as EventPathUnhealthy: when given, an
   * alarm `replica-refresh-<region>-event-path` watches it.
   * @default - no event path alarm for the region
   */
  readonly eventSubscriptionName?: string;
  /**
   * How often the watchdog runs: the period of the event path alarm.
   * @default Duration.minutes(5)
   */
  readonly watchdogInterval?: Duration;
}

/** The replica region's alarms: the pipeline's, and per replica the outcomes the functions report. */
export class Monitoring extends PipelineMonitoring {
  private readonly byReplica = new Map<string, cloudwatch.IAlarm[]>();

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id, props);
    validate(props);
    for (const replicaId of props.replicaIds) {
      this.byReplica.set(replicaId, []);
      const paused = props.pausedReplicaIds?.includes(replicaId) ?? false;
      this.alarmOnReplica(replicaId, props.rtoTargetMinutes, paused ? { ...props.alarms, noSuccessWithinHours: 0 } : props.alarms);
    }
    if (props.eventSubscriptionName !== undefined) this.alarmOnEventPath(props.eventSubscriptionName, props.watchdogInterval ?? Duration.minutes(5));
  }

  /** The alarms that belong to no replica: dead-letter queues, function errors, the event path, a silent watchdog. */
  public get pipelineAlarms(): readonly cloudwatch.IAlarm[] {
    const ofReplicas = new Set([...this.byReplica.values()].flat());
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
   */
  private alarmOnEventPath(subscriptionName: string, watchdogInterval: Duration): cloudwatch.Alarm {
    checkInterval(watchdogInterval, 'watchdogInterval');
    const region = Stack.of(this).region;
    return this.add(
      new cloudwatch.Alarm(this, 'EventPathAlarm', {
        alarmName: `replica-refresh-${region}-event-path`,
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
   * The alarms of one replica, in the order they were created.
   * @throws Error when the replica is not one of {@link MonitoringProps.replicaIds}
   */
  public alarmsOf(replicaId: string): readonly cloudwatch.IAlarm[] {
    const alarms = this.byReplica.get(replicaId);
    if (!alarms) throw new Error(`replicaId "${replicaId}" is not monitored here; monitored: ${[...this.byReplica.keys()].join(', ')}`);
    return alarms;
  }

  /** The alarms of one replica, grouped under a construct named after it; names are `replica-refresh-<y>-<what>`. */
  private alarmOnReplica(y: string, rtoTargetMinutes: number, config: AlarmsConfig): void {
    const scope = new Construct(this, y);
    const report = `\`npm run report -- --replica ${y}\``;
    const alarmOnAny = (id: string, what: string, metric: ReplicaMetricName, description: string) =>
      this.addForReplica(
        y,
        new cloudwatch.Alarm(scope, id, {
          alarmName: `replica-refresh-${y}-${what}`,
          alarmDescription: description,
          metric: replicaMetric(metric, y, cloudwatch.Stats.SUM, this.period),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // Counted only when it happens: no data is the good case.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );

    if (config.rtoMissed) {
      this.addForReplica(
        y,
        new cloudwatch.Alarm(scope, 'RtoMissedAlarm', {
          alarmName: `replica-refresh-${y}-rto-missed`,
          alarmDescription:
            `A restore of ${y} missed the RTO target of ${rtoTargetMinutes} min: it took longer, or y did not come back at all (then the run-failed alarm fires too). ` +
            `Run ${report} to see where the time went (snapshot size, instance class, storage), then fix that or raise rtoTargetMinutes.`,
          // RtoMissed comes from the one definition the notification, drill and report use (lambdas/reporting/measures.ts rtoMissed).
          metric: replicaMetric('RtoMissed', y, cloudwatch.Stats.SUM, Duration.hours(1)),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const hours = config.noSuccessWithinHours;
    if (hours > 0) {
      // "No success within N hours" as N one-hour periods that must all breach, missing data breaching: any
      // RefreshSucceeded data point in the window keeps the alarm OK. One-hour periods because CloudWatch limits
      // Period × EvaluationPeriods to 604,800 s (seven days), and to 86,400 s (one day) for periods under one
      // hour (PutMetricAlarm API reference, `Period`); 168 × 3,600 s is exactly seven days.
      this.addForReplica(
        y,
        new cloudwatch.Alarm(scope, 'NoSuccessAlarm', {
          alarmName: `replica-refresh-${y}-no-success`,
          alarmDescription:
            `No refresh of ${y} succeeded in the last ${hours} h: the schedule did not fire, or runs were refused or failed, ` +
            `so its data is getting old. Run ${report} to see the last runs and why, fix the cause, then start a refresh.`,
          metric: replicaMetric('RefreshSucceeded', y, cloudwatch.Stats.SUM, Duration.hours(1)),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: hours,
          datapointsToAlarm: hours,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      );
    }

    if (config.runFailed) {
      alarmOnAny(
        'RunFailedAlarm',
        'run-failed',
        'RefreshFailed',
        `A refresh run of ${y} failed; ${y} may be missing or left on old data. Run ${report} to see the run's reason and the instance's state, ` +
          'and follow the steps in the failure notification.',
      );
      alarmOnAny(
        'RunStuckAlarm',
        'run-stuck',
        'RunStuck',
        `A refresh run of ${y} was stuck past stuckRunHours and the watchdog failed it. Run ${report} to see the phase it hung in, ` +
          `check ${y} and its events in the RDS console, then start a refresh.`,
      );
    }

    if (config.refused) {
      alarmOnAny(
        'RefusedAlarm',
        'refused',
        'RefreshRefused',
        `A refresh of ${y} was refused by its checks; ${y} was left untouched on its old data. Run ${report} to see which check failed, fix it, then start a refresh.`,
      );
    }

    if (config.restoreOverdue) {
      alarmOnAny(
        'RestoreOverdueAlarm',
        'restore-overdue',
        'RestoreOverdue',
        `The restore of ${y} is past restoreDeadlineMinutes and the instance is not usable yet; replica-refresh keeps watching. ` +
          `Check ${y}'s events in the RDS console, and run ${report} for the run's timeline.`,
      );
    }

    // Always on: the per-replica half of the event path's health (the region half is the event path alarm). Three
    // single-metric alarms, each named for what went wrong; the first fires deletionEventGraceMinutes after the
    // nightly deletion when no deletion event came. Only entering ALARM notifies, so a dead path sends at most three
    // messages per replica and night.
    const eventPath = (alarmId: string, what: string, metric: EventPathReplicaMetricName, description: string) =>
      this.addForReplica(
        y,
        new cloudwatch.Alarm(scope, alarmId, {
          alarmName: `replica-refresh-${y}-event-path-${what}`,
          alarmDescription:
            `${description} ${y} was still refreshed, with minutes more downtime. Check the region's event-path alarm and the RDS event subscription, ` +
            `and run ${report}: its deletedSource and usableSource columns say which phase came from a poll.`,
          metric: replicaMetric(metric, y, cloudwatch.Stats.SUM, this.period),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // Counted only when it happens: no data is the good case.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    eventPath('DeletionEventMissedAlarm', 'deletion-missed', 'DeletionEventMissed', `The RDS deletion event of ${y} did not come in time and the watchdog acted on its own poll.`);
    eventPath('UsableEventMissedAlarm', 'usable-missed', 'UsableEventMissed', `No RDS event said the restored ${y} was usable and the watchdog acted on its own poll.`);
    eventPath('NightCarriedByPollingAlarm', 'polled', 'NightCarriedByPolling', `A refresh of ${y} closed with its deleted or usable time from the watchdog's polling, not from an RDS event.`);
  }

  private addForReplica(replicaId: string, alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    this.byReplica.get(replicaId)?.push(alarm);
    return this.add(alarm);
  }
}

/** A schedule interval an alarm period can be: whole minutes from 1 to 60 (CloudWatch periods are multiples of 60 s). */
function checkInterval(interval: Duration, name: string): void {
  const seconds = interval.toSeconds();
  if (seconds % 60 !== 0 || seconds < 60 || seconds > 3600) throw new Error(`${name} must be a whole number of minutes from 1 to 60, got ${interval.toHumanString()}`);
}

function validate(props: MonitoringProps): void {
  const seen = new Set<string>();
  for (const replicaId of props.replicaIds) {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(replicaId)) throw new Error(`replicaIds must be lower-case RDS instance identifiers, got "${replicaId}"`);
    if (seen.has(replicaId)) throw new Error(`replicaIds must not repeat a replica, got "${replicaId}" twice`);
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
