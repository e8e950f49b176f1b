/**
 * One CloudWatch dashboard per replica region: a row per replica (downtime and restore time against the RTO target,
 * data age, run outcomes and nights the event path failed, its alarms) and a row for the pipeline (dead-letter queues,
 * function errors, the event subscription's health, their alarms).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { replicaMetric, subscriptionMetric } from './monitoring';

/** One replica on the dashboard. */
export interface DashboardReplica {
  /** y's instance id. */
  readonly id: string;
  /** y's alarms, shown in its alarm status widget. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/** Properties of {@link RefreshDashboard}. */
export interface RefreshDashboardProps {
  /** The replicas of the region, one row each, in this order. */
  readonly replicas: readonly DashboardReplica[];
  /** The RTO target in minutes, drawn as a line on the downtime and restore graph. */
  readonly rtoTargetMinutes: number;
  /** The dead-letter queues, each with a label for the graph. */
  readonly deadLetterQueues: readonly { readonly label: string; readonly queue: sqs.IQueue }[];
  /** The functions, each with a label for the graph, such as `start-refresh`. */
  readonly functions: readonly { readonly label: string; readonly fn: lambda.IFunction }[];
  /** The alarms of the pipeline row (dead-letter queues, function errors, the event path). */
  readonly pipelineAlarms: readonly cloudwatch.IAlarm[];
  /**
   * The region's RDS event subscription, whose health (EventPathUnhealthy, from the watchdog) the pipeline row graphs.
   * @default - no event path graph
   */
  readonly eventSubscriptionName?: string;
  /**
   * The dashboard's name.
   * @default `replica-refresh-<region>`
   */
  readonly dashboardName?: string;
  /**
   * The time range the dashboard opens with.
   * @default Duration.days(14)
   */
  readonly defaultInterval?: Duration;
}

/** Per-replica metrics are one data point per run: a day per point reads as one night per point. */
const RUN_PERIOD = Duration.days(1);
/** Queue depth and errors: fine enough to see when, coarse enough for two weeks on one graph. */
const PIPELINE_PERIOD = Duration.hours(1);
const ROW_HEIGHT = 6;

/** The region's dashboard. */
export class RefreshDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: RefreshDashboardProps) {
    super(scope, id);
    if (props.replicas.length === 0) throw new Error('replicas must list at least one replica, got none');
    const ids = props.replicas.map((r) => r.id);
    const repeated = ids.find((r, i) => ids.indexOf(r) !== i);
    if (repeated !== undefined) throw new Error(`replicas must not repeat a replica, got "${repeated}" twice`);
    if (!Number.isInteger(props.rtoTargetMinutes) || props.rtoTargetMinutes <= 0) {
      throw new Error(`rtoTargetMinutes must be a whole number of minutes above 0, got ${props.rtoTargetMinutes}`);
    }
    const interval = props.defaultInterval ?? Duration.days(14);
    if (interval.toSeconds() < 3600) throw new Error(`defaultInterval must be at least 1 hour, got ${interval.toHumanString()}`);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `replica-refresh-${Stack.of(this).region}`,
      defaultInterval: interval,
      // Each graph keeps its own period: one point per night for the runs, hourly for the pipeline.
      periodOverride: cloudwatch.PeriodOverride.INHERIT,
    });
    for (const replica of props.replicas) this.addReplicaRow(replica, props.rtoTargetMinutes);
    this.addPipelineRow(props);
  }

  private addReplicaRow(replica: DashboardReplica, rtoTargetMinutes: number): void {
    const y = replica.id;
    const metric = (name: Parameters<typeof replicaMetric>[0], statistic: string, label: string) => replicaMetric(name, y, statistic, RUN_PERIOD, label);
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## ${y}\nRTO target ${rtoTargetMinutes} min. Details of each run: \`npm run report -- --replica ${y}\``,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${y}: downtime and restore time (longest per day)`,
        left: [metric('DowntimeSeconds', cloudwatch.Stats.MAXIMUM, 'Downtime (s)'), metric('RestoreSeconds', cloudwatch.Stats.MAXIMUM, 'Restore (s)')],
        leftAnnotations: [{ value: rtoTargetMinutes * 60, label: `RTO target (${rtoTargetMinutes} min)`, color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0, label: 'Seconds', showUnits: false },
        width: 8,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `${y}: data age at refresh`,
        left: [
          new cloudwatch.MathExpression({
            expression: 'age / 3600',
            usingMetrics: { age: metric('SnapshotAgeSeconds', cloudwatch.Stats.MAXIMUM, 'Snapshot age (s)') },
            label: 'Snapshot age (h)',
            period: RUN_PERIOD,
          }),
        ],
        leftYAxis: { min: 0, label: 'Hours', showUnits: false },
        width: 5,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.SingleValueWidget({
        title: `${y}: runs in the time range`,
        metrics: [
          metric('RefreshSucceeded', cloudwatch.Stats.SUM, 'Succeeded'),
          metric('RefreshFailed', cloudwatch.Stats.SUM, 'Failed'),
          metric('RefreshRefused', cloudwatch.Stats.SUM, 'Refused'),
          metric('RunStuck', cloudwatch.Stats.SUM, 'Stuck'),
          metric('RestoreOverdue', cloudwatch.Stats.SUM, 'Restore overdue'),
          metric('SettingsDrift', cloudwatch.Stats.SUM, 'Settings drifted'),
          metric('NightCarriedByPolling', cloudwatch.Stats.SUM, 'Carried by polling'),
          metric('DeletionEventMissed', cloudwatch.Stats.SUM, 'Deletion event missed'),
          metric('UsableEventMissed', cloudwatch.Stats.SUM, 'Usable event missed'),
        ],
        setPeriodToTimeRange: true,
        width: 6,
        height: ROW_HEIGHT,
      }),
      alarmStatus(`${y}: alarms`, replica.alarms, `No alarms are configured for ${y} (see the \`alarms\` configuration).`, 5),
    );
  }

  private addPipelineRow(props: RefreshDashboardProps): void {
    const subscription = props.eventSubscriptionName;
    const graphWidth = subscription === undefined ? 9 : 6;
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## Pipeline\nDead-letter queues and function errors of this region${subscription === undefined ? '' : `, and whether the RDS event subscription ${subscription} delivers`}.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Messages in dead-letter queues',
        left: props.deadLetterQueues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: PIPELINE_PERIOD, label }),
        ),
        leftYAxis: { min: 0, showUnits: false },
        width: graphWidth,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: props.functions.map(({ label, fn }) => fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: PIPELINE_PERIOD, label })),
        leftYAxis: { min: 0, showUnits: false },
        width: graphWidth,
        height: ROW_HEIGHT,
      }),
      ...(subscription === undefined
        ? []
        : [
            new cloudwatch.GraphWidget({
              title: 'Event path unhealthy (1) or healthy (0)',
              left: [subscriptionMetric(subscription, cloudwatch.Stats.MAXIMUM, PIPELINE_PERIOD, subscription)],
              leftYAxis: { min: 0, max: 1, showUnits: false },
              width: graphWidth,
              height: ROW_HEIGHT,
            }),
          ]),
      alarmStatus('Pipeline alarms', props.pipelineAlarms, 'No pipeline alarms.', 6),
    );
  }
}

/** An alarm status widget, or a note when there is nothing to show (CloudWatch rejects an empty one). */
function alarmStatus(title: string, alarms: readonly cloudwatch.IAlarm[], none: string, width: number): cloudwatch.IWidget {
  if (alarms.length === 0) return new cloudwatch.TextWidget({ markdown: `### ${title}\n${none}`, width, height: ROW_HEIGHT });
  return new cloudwatch.AlarmStatusWidget({ title, alarms: [...alarms], width, height: ROW_HEIGHT });
}
