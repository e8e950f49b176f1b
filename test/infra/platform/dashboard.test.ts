import { Duration, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RefreshDashboard, TOP, type RefreshDashboardProps } from '../../../infra/platform/dashboard';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../../lambdas/kernel/powertools';
import { REGION, assertHasResource, assertResourceCount, newStack, render } from '../helpers';

interface WidgetJson {
  readonly type: string;
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly metrics?: unknown[][];
    readonly alarms?: string[];
    readonly setPeriodToTimeRange?: boolean;
    readonly annotations?: { horizontal?: { value: number; label?: string }[] };
  };
}

interface BodyJson {
  readonly start: string;
  readonly periodOverride: string;
  readonly widgets: WidgetJson[];
}

interface ShownMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
}

/** Every metric of every graph: `[namespace, name, dim1, value1, ..., {options}]` in the body, expressions left out. */
function metricsOf(json: BodyJson): ShownMetric[] {
  return json.widgets.flatMap((w) =>
    (w.properties.metrics ?? [])
      .map((entry) => entry.filter((part): part is string => typeof part === 'string'))
      .filter((parts) => parts.length >= 2)
      .map(([namespace = '', name = '', ...dims]) => ({
        namespace,
        name,
        dimensions: Object.fromEntries(dims.flatMap((d, i) => (i % 2 === 0 ? [[d, dims[i + 1] ?? '']] : []))),
      })),
  );
}

/** The dashboard body as text, each token rendered as `${Logical}` or `${Logical.Attr}`. */
function bodyOf(template: Template): string {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as unknown as Record<string, { Properties: { DashboardBody: unknown } }>);
  expect(dashboards).toHaveLength(1);
  return render(dashboards[0]?.Properties.DashboardBody);
}

function alarm(stack: Stack, id: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: id }),
    threshold: 0,
    evaluationPeriods: 1,
  });
}

function props(stack: Stack, overrides: Partial<RefreshDashboardProps> = {}): RefreshDashboardProps {
  return {
    replicaIds: ['orders-staging', 'billing-staging'],
    replicaAlarms: [alarm(stack, 'RtoAlarm'), alarm(stack, 'FailedAlarm')],
    rtoTargetMinutes: 45,
    deadLetterQueues: [{ label: 'Scheduler delivery', queue: new sqs.Queue(stack, 'Dlq') }],
    functions: [
      {
        label: 'test-fn',
        fn: new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') }),
      },
    ],
    pipelineAlarms: [alarm(stack, 'DlqAlarm')],
    ...overrides,
  };
}

/** Every Metrics Insights query of every widget. */
function queriesOf(json: BodyJson): string[] {
  return json.widgets.flatMap((w) => (w.properties.metrics ?? []).flatMap((entry) => entry.filter((part): part is { expression: string } => typeof part === 'object' && part !== null && 'expression' in part).map((e) => e.expression)));
}

describe('RefreshDashboard', () => {
  let template: Template;
  let text: string;
  let body: BodyJson;

  beforeAll(() => {
    const stack = newStack();
    new RefreshDashboard(stack, 'Dashboard', props(stack));
    template = Template.fromStack(stack);
    text = bodyOf(template);
    body = JSON.parse(text) as BodyJson;
  });

  const widgets = (pattern: RegExp) => body.widgets.filter((w) => pattern.test(w.properties.title ?? w.properties.markdown ?? ''));

  it('is one dashboard named after the region, opening on two weeks, each graph keeping its own period', () => {
    assertResourceCount(template, 'AWS::CloudWatch::Dashboard', 1);
    assertHasResource(template, 'AWS::CloudWatch::Dashboard', { DashboardName: `replica-refresh-${REGION}` });
    expect(body.start).toBe('-P14D');
    expect(body.periodOverride).toBe('inherit');
  });

  it.each([
    ['DowntimeSeconds', 'MAX'],
    ['RestoreSeconds', 'MAX'],
    ['SnapshotAgeSeconds', 'MAX'],
    ['RefreshFailed', 'SUM'],
    ['RefreshRefused', 'SUM'],
    ['RunStuck', 'SUM'],
  ])('graphs %s of the replicas with the highest values, one line each, as the functions emit it', (metric, fn) => {
    expect(queriesOf(body)).toContain(`SELECT ${fn}(${metric}) FROM SCHEMA("${METRICS_NAMESPACE}", replica, service) WHERE service = '${METRICS_SERVICE}' GROUP BY replica ORDER BY ${fn}() DESC LIMIT ${TOP}`);
  });

  it.each(['RefreshSucceeded', 'RefreshFailed', 'RefreshRefused', 'RunStuck', 'RestoreOverdue', 'SettingsDrift', 'NightCarriedByPolling', 'DeletionEventMissed', 'UsableEventMissed'])(
    'counts %s of all replicas over the time range',
    (metric) => {
      const outcomes = widgets(/^Runs in the time range, all 2 replicas$/)[0];
      expect(outcomes?.properties.setPeriodToTimeRange).toBe(true);
      expect(queriesOf({ ...body, widgets: outcomes ? [outcomes] : [] })).toContain(`SELECT SUM(${metric}) FROM SCHEMA("${METRICS_NAMESPACE}", replica, service) WHERE service = '${METRICS_SERVICE}'`);
    },
  );

  it('names no replica in any widget: its size does not depend on their number', () => {
    expect(text).not.toContain('orders-staging');
    expect(metricsOf(body).filter((m) => m.namespace === METRICS_NAMESPACE && m.name !== 'EventPathUnhealthy')).toEqual([]);
  });

  it('stays the same size for 400 replicas, far from the 500 widgets a dashboard holds', () => {
    const stack = newStack();
    new RefreshDashboard(stack, 'Dashboard', props(stack, { replicaIds: Array.from({ length: 400 }, (_, i) => `orders-staging-${i}`) }));
    const many = JSON.parse(bodyOf(Template.fromStack(stack))) as BodyJson;
    expect(many.widgets).toHaveLength(body.widgets.length);
    expect(many.widgets.length).toBeLessThan(20);
    // At most TOP series per query: well within the metrics a widget shows.
    for (const w of many.widgets) expect((w.properties.metrics ?? []).length * TOP).toBeLessThanOrEqual(100);
  });

  it('draws the RTO target as a horizontal line on the downtime and the restore graph', () => {
    for (const title of [/^Downtime, longest per day/, /^Restore time, longest per day/]) {
      expect(widgets(title)[0]?.properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 45 * 60, label: 'RTO target (45 min)' })]);
    }
  });

  it('shows the alarms over the replicas, and a note when none is configured', () => {
    const status = widgets(/^Replica alarms$/)[0];
    expect(status?.type).toBe('alarm');
    expect(status?.properties.alarms).toEqual([expect.stringMatching(/^\$\{RtoAlarm\w*\.Arn\}$/), expect.stringMatching(/^\$\{FailedAlarm\w*\.Arn\}$/)]);
    const stack = newStack();
    new RefreshDashboard(stack, 'Dashboard', props(stack, { replicaAlarms: [] }));
    const none = JSON.parse(bodyOf(Template.fromStack(stack))) as BodyJson;
    expect(none.widgets.find((w) => /^### Replica alarms\n/.test(w.properties.markdown ?? ''))?.properties.markdown).toContain('No alarms on the replicas are configured');
  });

  it('ends with the pipeline: dead-letter queue depths, function errors and their alarms', () => {
    const last = body.widgets.filter((w) => w.y === Math.max(...body.widgets.map((x) => x.y)));
    expect(last.map((w) => w.properties.title)).toEqual(['Messages in dead-letter queues', 'Function errors', 'Pipeline alarms']);
    expect(text).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","${Dlq');
    expect(text).toContain('"AWS/Lambda","Errors","FunctionName","${Fn');
    expect(last[2]?.properties.alarms).toEqual([expect.stringMatching(/^\$\{DlqAlarm\w*\.Arn\}$/)]);
  });

  it("graphs the Aurora clusters' subscription beside the instances' one in the same widget", () => {
    const stack = newStack();
    new RefreshDashboard(stack, 'Dashboard', props(stack, { eventSubscriptionName: `replica-refresh-${REGION}`, clusterEventSubscriptionName: `replica-refresh-${REGION}-db-cluster` }));
    const body = JSON.parse(bodyOf(Template.fromStack(stack))) as BodyJson;
    expect(metricsOf(body).filter((m) => m.name === 'EventPathUnhealthy').map((m) => m.dimensions)).toEqual([
      { service: METRICS_SERVICE, subscription: `replica-refresh-${REGION}` },
      { service: METRICS_SERVICE, subscription: `replica-refresh-${REGION}-db-cluster` },
    ]);
  });

  it("graphs the event subscription's health in the pipeline row when given its name", () => {
    const stack = newStack();
    new RefreshDashboard(stack, 'Dashboard', props(stack, { eventSubscriptionName: `replica-refresh-${REGION}` }));
    const withPath = JSON.parse(bodyOf(Template.fromStack(stack))) as BodyJson;
    const last = withPath.widgets.filter((w) => w.y === Math.max(...withPath.widgets.map((x) => x.y)));
    expect(last.map((w) => w.properties.title)).toEqual(['Messages in dead-letter queues', 'Function errors', 'Event path unhealthy (1) or healthy (0)', 'Pipeline alarms']);
    expect(last.reduce((sum, w) => sum + w.width, 0)).toBe(24);
    expect(metricsOf(withPath).filter((m) => m.name === 'EventPathUnhealthy')).toEqual([
      { namespace: METRICS_NAMESPACE, name: 'EventPathUnhealthy', dimensions: { service: METRICS_SERVICE, subscription: `replica-refresh-${REGION}` } },
    ]);
  });

  it('takes a name and a time range', () => {
    const stack = newStack();
    new RefreshDashboard(stack, 'Dashboard', props(stack, { dashboardName: 'my-dashboard', defaultInterval: Duration.days(7) }));
    const other = Template.fromStack(stack);
    assertHasResource(other, 'AWS::CloudWatch::Dashboard', { DashboardName: 'my-dashboard' });
    expect((JSON.parse(bodyOf(other)) as BodyJson).start).toBe('-P7D');
  });

  it.each([
    ['no replicas', { replicaIds: [] }, 'replicaIds must list at least one replica, got none'],
    ['a repeated replica', { replicaIds: ['a', 'a'] }, 'replicaIds must not repeat a replica, got "a" twice'],
    ['an RTO target of 0', { rtoTargetMinutes: 0 }, 'rtoTargetMinutes must be a whole number of minutes above 0, got 0'],
    ['a time range under an hour', { defaultInterval: Duration.minutes(30) }, 'defaultInterval must be at least 1 hour, got 30 minutes'],
    ['a time range over two weeks', { defaultInterval: Duration.days(30) }, 'defaultInterval must be at most 14 days (Metrics Insights queries reach two weeks back), got 30 days'],
  ])('fails on %s', (_name, overrides, message) => {
    const stack = newStack();
    expect(() => new RefreshDashboard(stack, 'Dashboard', props(stack, overrides))).toThrow(message);
  });
});
