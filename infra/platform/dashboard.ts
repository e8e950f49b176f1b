/**
 * One CloudWatch dashboard per replica region, the same size whatever the number of pairs: a section for the
 * replicas, each graph one Metrics Insights query grouped by replica (downtime and restore time against the RTO
 * target, data age: the highest few), the run outcomes of the whole region and the alarms over the replicas; and a
 * row for the pipeline (dead-letter queues, function errors, the event subscription's health, their alarms). A
 * dashboard holds "between 0 and 500 widget objects" (CloudWatch API Reference, "Dashboard Body Structure and
 * Syntax", https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html),
 * and CloudWatch limits the metrics one widget and one dashboard show, "all metrics retrieved for use in metric math
 * functions" included ("CloudWatch service quotas", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html;
 * its figures have changed between revisions: 100 per widget and 500 per dashboard, later 500 and 2,500). A row per
 * replica (five widgets, twelve metrics) reached the widget limit at 100 pairs and a dashboard metric limit at 42 or
 * 208. Here the widgets are a fixed few, and each grouped query keeps its {@link TOP} highest series.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { regionTotalQuery, replicasQuery, subscriptionMetric, type ReplicaMetricName } from './monitoring';

/** Properties of {@link RefreshDashboard}. */
export interface RefreshDashboardProps {
  /** The replicas (pair ids) of the region, for the section's header; the graphs find them by their metrics. */
  readonly replicaIds: readonly string[];
  /** The RTO target in minutes, drawn as a line on the downtime and restore graphs. */
  readonly rtoTargetMinutes: number;
  /** The alarms over the replicas' outcomes (Metrics Insights alarms, one contributor per replica). */
  readonly replicaAlarms: readonly cloudwatch.IAlarm[];
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
   * The region's RDS event subscription of its Aurora clusters, graphed with the instances' one.
   * @default - only the instances' subscription is graphed
   */
  readonly clusterEventSubscriptionName?: string;
  /**
   * The dashboard's name.
   * @default `replica-refresh-<region>`
   */
  readonly dashboardName?: string;
  /**
   * The time range the dashboard opens with: at most two weeks, as far back as Metrics Insights queries reach
   * ("Query up to two weeks of data for visualization", "Metrics Insights quotas").
   * @default Duration.days(14)
   */
  readonly defaultInterval?: Duration;
}

/** How many replicas a graph shows: the highest ones by its query's ORDER BY. */
export const TOP = 10;
/** Per-replica metrics are one data point per run: a day per point reads as one night per point. */
const RUN_PERIOD = Duration.days(1);
/** Queue depth and errors: fine enough to see when, coarse enough for two weeks on one graph. */
const PIPELINE_PERIOD = Duration.hours(1);
const ROW_HEIGHT = 6;

/** The run outcomes counted over the time range, summed over the region's replicas. */
const OUTCOMES: readonly (readonly [ReplicaMetricName, string])[] = [
  ['RefreshSucceeded', 'Succeeded'],
  ['RefreshFailed', 'Failed'],
  ['RefreshRefused', 'Refused'],
  ['RunStuck', 'Stuck'],
  ['RestoreOverdue', 'Restore overdue'],
  ['SettingsDrift', 'Settings drifted'],
  ['NightCarriedByPolling', 'Carried by polling'],
  ['DeletionEventMissed', 'Deletion event missed'],
  ['UsableEventMissed', 'Usable event missed'],
];

/** The region's dashboard. */
export class RefreshDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: RefreshDashboardProps) {
    super(scope, id);
    if (props.replicaIds.length === 0) throw new Error('replicaIds must list at least one replica, got none');
    const repeated = props.replicaIds.find((r, i) => props.replicaIds.indexOf(r) !== i);
    if (repeated !== undefined) throw new Error(`replicaIds must not repeat a replica, got "${repeated}" twice`);
    if (!Number.isInteger(props.rtoTargetMinutes) || props.rtoTargetMinutes <= 0) {
      throw new Error(`rtoTargetMinutes must be a whole number of minutes above 0, got ${props.rtoTargetMinutes}`);
    }
    const interval = props.defaultInterval ?? Duration.days(14);
    if (interval.toSeconds() < 3600) throw new Error(`defaultInterval must be at least 1 hour, got ${interval.toHumanString()}`);
    if (interval.toSeconds() > Duration.days(14).toSeconds()) throw new Error(`defaultInterval must be at most 14 days (Metrics Insights queries reach two weeks back), got ${interval.toHumanString()}`);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `replica-refresh-${Stack.of(this).region}`,
      defaultInterval: interval,
      // Each graph keeps its own period: one point per night for the runs, hourly for the pipeline.
      periodOverride: cloudwatch.PeriodOverride.INHERIT,
    });
    this.addReplicaSection(props);
    this.addPipelineRow(props);
  }

  private addReplicaSection(props: RefreshDashboardProps): void {
    const { rtoTargetMinutes } = props;
    const count = props.replicaIds.length;
    // Each series of a grouped query is labelled with its replica: `${LABEL}` is a series' default label ("Use dynamic
    // labels", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html); without a
    // label of its own, CDK would label every series with the query's text.
    const top = (metric: ReplicaMetricName) => new cloudwatch.MathExpression({ expression: replicasQuery(metric, 'MAX', TOP), usingMetrics: {}, period: RUN_PERIOD, label: '${LABEL}' });
    const topSum = (metric: ReplicaMetricName, what: string) => new cloudwatch.MathExpression({ expression: replicasQuery(metric, 'SUM', TOP), usingMetrics: {}, period: RUN_PERIOD, label: `\${LABEL} ${what}` });
    const rto = [{ value: rtoTargetMinutes * 60, label: `RTO target (${rtoTargetMinutes} min)`, color: cloudwatch.Color.RED }];
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `## Replicas (${count})\nRTO target ${rtoTargetMinutes} min. Each graph shows the ${TOP} replicas with the highest values, one line each (a Metrics Insights query by replica); ` +
          'the alarms name the replica in ALARM. Details of each run: `npm run report -- --replica <id>`.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Downtime, longest per day (the ${TOP} highest replicas)`,
        left: [top('DowntimeSeconds')],
        leftAnnotations: rto,
        leftYAxis: { min: 0, label: 'Seconds', showUnits: false },
        width: 8,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `Restore time, longest per day (the ${TOP} highest replicas)`,
        left: [top('RestoreSeconds')],
        leftAnnotations: rto,
        leftYAxis: { min: 0, label: 'Seconds', showUnits: false },
        width: 8,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `Data age at refresh (the ${TOP} oldest replicas)`,
        left: [top('SnapshotAgeSeconds')],
        leftYAxis: { min: 0, label: 'Seconds', showUnits: false },
        width: 8,
        height: ROW_HEIGHT,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: `Runs in the time range, all ${count} replicas`,
        metrics: OUTCOMES.map(([metric, label]) => new cloudwatch.MathExpression({ expression: regionTotalQuery(metric), usingMetrics: {}, period: RUN_PERIOD, label })),
        setPeriodToTimeRange: true,
        width: 12,
        height: ROW_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `Failed, refused and stuck runs per day (the ${TOP} highest replicas each)`,
        left: [topSum('RefreshFailed', 'failed'), topSum('RefreshRefused', 'refused'), topSum('RunStuck', 'stuck')],
        leftYAxis: { min: 0, showUnits: false },
        width: 6,
        height: ROW_HEIGHT,
      }),
      alarmStatus('Replica alarms', props.replicaAlarms, 'No alarms on the replicas are configured (see the `alarms` configuration).', 6),
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
              left: [subscription, ...(props.clusterEventSubscriptionName === undefined ? [] : [props.clusterEventSubscriptionName])].map((name) =>
                subscriptionMetric(name, cloudwatch.Stats.MAXIMUM, PIPELINE_PERIOD, name),
              ),
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
