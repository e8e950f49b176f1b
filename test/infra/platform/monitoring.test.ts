import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Monitoring, PipelineMonitoring, type AlarmsConfig, type MonitoringProps } from '../../../infra/platform/monitoring';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../../lambdas/kernel/powertools';
import { REGION, assertHasResource, assertResourceCount, newStack } from '../helpers';

const ALL_ON: AlarmsConfig = { rtoMissed: true, noSuccessWithinHours: 26, runFailed: true, refused: true, restoreOverdue: true };
const ALL_OFF: AlarmsConfig = { rtoMissed: false, noSuccessWithinHours: 0, runFailed: false, refused: false, restoreOverdue: false };

/** The event subscription of the test region. */
const SUBSCRIPTION = `replica-refresh-${REGION}`;

/** The per-replica event path metrics, each watched by an alarm over the replicas, always on. */
const EVENT_PATH_METRICS = ['DeletionEventMissed', 'NightCarriedByPolling', 'UsableEventMissed'];

/** A stack with one Monitoring; returns its template and the construct. */
function build(props: Partial<Omit<MonitoringProps, 'alarmTopic'>> = {}): { template: Template; monitoring: Monitoring } {
  const stack = newStack();
  const monitoring = new Monitoring(stack, 'Monitoring', {
    alarmTopic: new sns.Topic(stack, 'Alarms'),
    replicaIds: ['orders-staging'],
    rtoTargetMinutes: 45,
    alarms: ALL_ON,
    ...props,
  });
  return { template: Template.fromStack(stack), monitoring };
}

/** The Metrics Insights query of an alarm over the replicas: one series per replica of the functions' metric. */
const query = (fn: string, metric: string) => `SELECT ${fn}(${metric}) FROM SCHEMA("${METRICS_NAMESPACE}", replica, service) WHERE service = '${METRICS_SERVICE}' GROUP BY replica ORDER BY ${fn}() DESC`;

/** The properties every alarm over the replicas shares: its name in the region, one query, the topic. */
const replicasAlarm = (what: string, fn: string, metric: string, period: number) => ({
  AlarmName: `replica-refresh-${REGION}-${what}`,
  Metrics: [{ Id: Match.anyValue(), Expression: query(fn, metric), Period: period, ReturnData: true }],
  Namespace: Match.absent(),
  Dimensions: Match.absent(),
  TreatMissingData: 'notBreaching',
  AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
});

/** The metrics the alarms over the replicas watch, from their queries. */
function replicaAlarmMetrics(template: Template): string[] {
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as unknown as Record<string, { Properties: { Metrics?: { Expression: string }[] } }>;
  return Object.values(alarms)
    .flatMap((a) => a.Properties.Metrics ?? [])
    .map((m) => /SELECT \w+\((\w+)\)/.exec(m.Expression)?.[1] ?? '?')
    .sort();
}

describe('Monitoring', () => {
  let template: Template;
  let monitoring: Monitoring;

  beforeAll(() => {
    const stack = newStack();
    monitoring = new Monitoring(stack, 'Monitoring', {
      alarmTopic: new sns.Topic(stack, 'Alarms'),
      replicaIds: ['orders-staging', 'billing-staging'],
      rtoTargetMinutes: 45,
      alarms: ALL_ON,
      eventSubscriptionName: SUBSCRIPTION,
      watchdogInterval: Duration.minutes(10),
    });
    monitoring.alarmOnDeadLetters('DlqAlarm', new sqs.Queue(stack, 'Dlq'), 'A test message');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    monitoring.alarmOnFunctionErrors('FnErrorsAlarm', fn, 'test-fn');
    monitoring.alarmOnSilentFunction('WatchdogSilentAlarm', fn, 'watchdog', Duration.minutes(10));
    template = Template.fromStack(stack);
  });

  describe('pipeline alarms', () => {
    it('alarms to the topic as soon as a dead-letter queue holds a message', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Period: 300,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
        AlarmDescription: Match.stringLikeRegexp('^A test message landed in a dead-letter queue'),
      });
    });

    it('alarms to the topic on any function error', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      });
    });
  });

  describe('event path alarms of the region', () => {
    it('alarms on the first watchdog pass that finds the event subscription unhealthy, keeping its state through gaps', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        AlarmName: `replica-refresh-${REGION}-event-path`,
        Namespace: METRICS_NAMESPACE,
        MetricName: 'EventPathUnhealthy',
        Dimensions: [
          { Name: 'service', Value: METRICS_SERVICE },
          { Name: 'subscription', Value: SUBSCRIPTION },
        ],
        Statistic: 'Maximum',
        Period: 600,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
        AlarmDescription: Match.stringLikeRegexp(`aws rds describe-event-subscriptions --subscription-name ${SUBSCRIPTION} --region ${REGION}`),
      });
    });

    it('alarms when the watchdog has not run for three of its intervals', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        AlarmName: `replica-refresh-${REGION}-watchdog-silent`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Statistic: 'Sum',
        Period: 600,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      });
    });

    it('counts both among the pipeline alarms, not among any replica', () => {
      expect(monitoring.pipelineAlarms.map((a) => a.node.id).sort()).toEqual(['DlqAlarm', 'EventPathAlarm', 'FnErrorsAlarm', 'WatchdogSilentAlarm']);
    });

    it("alarms on the Aurora clusters' subscription as on the instances', as replica-refresh-<region>-cluster-event-path, when given its name", () => {
      const CLUSTERS = `replica-refresh-${REGION}-db-cluster`;
      const built = build({ eventSubscriptionName: SUBSCRIPTION, clusterEventSubscriptionName: CLUSTERS, watchdogInterval: Duration.minutes(10) });
      for (const [name, subscription] of [
        [`replica-refresh-${REGION}-event-path`, SUBSCRIPTION],
        [`replica-refresh-${REGION}-cluster-event-path`, CLUSTERS],
      ]) {
        assertHasResource(built.template, 'AWS::CloudWatch::Alarm', {
          AlarmName: name,
          MetricName: 'EventPathUnhealthy',
          Dimensions: [
            { Name: 'service', Value: METRICS_SERVICE },
            { Name: 'subscription', Value: subscription },
          ],
          Statistic: 'Maximum',
          Period: 600,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'ignore',
        });
      }
      expect(built.monitoring.pipelineAlarms.map((a) => a.node.id).sort()).toEqual(['ClusterEventPathAlarm', 'EventPathAlarm']);
      const names = Object.values(build({ eventSubscriptionName: SUBSCRIPTION }).template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r.Properties as { AlarmName?: string }).AlarmName);
      expect(names).not.toContain(`replica-refresh-${REGION}-cluster-event-path`);
    });

    it('creates no region event path alarm without a subscription name', () => {
      const names = Object.values(build().template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r.Properties as { AlarmName?: string }).AlarmName);
      expect(names).not.toContain(`replica-refresh-${REGION}-event-path`);
    });

    it('uses the default watchdog interval of five minutes', () => {
      assertHasResource(build({ eventSubscriptionName: SUBSCRIPTION }).template, 'AWS::CloudWatch::Alarm', { MetricName: 'EventPathUnhealthy', Period: 300 });
    });
  });

  describe('alarms over the replicas, one per kind, each replica a contributor', () => {
    it('alarms when a restore missed the RTO target (slow, or failed after a restore was attempted), judged per hour, quiet without restores', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm('rto-missed', 'SUM', 'RtoMissed', 3600),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        AlarmDescription: Match.stringLikeRegexp('RTO target of 45 min.*npm run report -- --replica <id>'),
      });
    });

    it('alarms on the SuccessOverdue the watchdog reports on each pass, over three watchdog intervals of which one breaching is enough', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm('no-success', 'MAX', 'SuccessOverdue', 600),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 1,
        AlarmDescription: Match.stringLikeRegexp('last 26 h.*npm run report -- --replica <id>'),
      });
    });

    it.each([
      ['RefreshFailed', 'run-failed'],
      ['RunStuck', 'run-stuck'],
      ['RefreshRefused', 'refused'],
      ['RestoreOverdue', 'restore-overdue'],
    ])('alarms on any %s, quiet without data', (metricName, what) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm(what, 'SUM', metricName, 300),
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        AlarmDescription: Match.stringLikeRegexp('npm run report -- --replica <id>'),
      });
    });

    it.each([
      ['DeletionEventMissed', 'deletion-missed'],
      ['UsableEventMissed', 'usable-missed'],
      ['NightCarriedByPolling', 'polled'],
    ])('alarms on any %s, its name saying event-path, quiet without data', (metricName, what) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm(`event-path-${what}`, 'SUM', metricName, 300),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        AlarmDescription: Match.stringLikeRegexp('was still refreshed.*npm run report -- --replica <id>'),
      });
    });

    it('keeps every alarm within the three hours of data a Metrics Insights alarm evaluates', () => {
      const alarms = template.findResources('AWS::CloudWatch::Alarm') as unknown as Record<string, { Properties: { EvaluationPeriods: number; Metrics?: { Period: number }[] } }>;
      for (const a of Object.values(alarms)) for (const m of a.Properties.Metrics ?? []) expect(m.Period * a.Properties.EvaluationPeriods).toBeLessThanOrEqual(3 * 3600);
      // A watchdog every hour: three periods of an hour, exactly the limit.
      const hourly = build({ watchdogInterval: Duration.minutes(60) }).template;
      assertHasResource(hourly, 'AWS::CloudWatch::Alarm', { Metrics: [Match.objectLike({ Expression: query('MAX', 'SuccessOverdue'), Period: 3600 })], EvaluationPeriods: 3 });
    });

    it('lists its nine alarms apart from the pipeline alarms', () => {
      expect(monitoring.replicaAlarms).toHaveLength(9);
    });
  });

  it('creates the same nine alarms over the replicas for two replicas or 400, plus the pipeline alarms', () => {
    assertResourceCount(template, 'AWS::CloudWatch::Alarm', 9 + 4);
    expect(monitoring.alarms).toHaveLength(13);
    expect(monitoring.pipelineAlarms).toHaveLength(4);
    const many = build({ replicaIds: Array.from({ length: 400 }, (_, i) => `orders-staging-${i}`) });
    assertResourceCount(many.template, 'AWS::CloudWatch::Alarm', 9);
  });

  describe('configuration', () => {
    it.each([
      ['rtoMissed', { rtoMissed: false }, 'RtoMissed'],
      ['noSuccessWithinHours = 0', { noSuccessWithinHours: 0 }, 'SuccessOverdue'],
      ['refused', { refused: false }, 'RefreshRefused'],
      ['restoreOverdue', { restoreOverdue: false }, 'RestoreOverdue'],
    ])('%s off removes that alarm only', (_name, off, metricName) => {
      const metrics = replicaAlarmMetrics(build({ alarms: { ...ALL_ON, ...off } }).template);
      expect(metrics).not.toContain(metricName);
      expect(metrics).toHaveLength(5 + 3);
    });

    it('runFailed off removes the failed and the stuck alarm', () => {
      expect(replicaAlarmMetrics(build({ alarms: { ...ALL_ON, runFailed: false } }).template)).toEqual(
        [...EVENT_PATH_METRICS, 'RefreshRefused', 'RestoreOverdue', 'RtoMissed', 'SuccessOverdue'].sort(),
      );
    });

    it('keeps only the event path alarms with every alarm off (they need no switch: a dead event path is never fine)', () => {
      const { template: off, monitoring: m } = build({ alarms: ALL_OFF });
      expect(replicaAlarmMetrics(off)).toEqual(EVENT_PATH_METRICS);
      expect(m.replicaAlarms).toHaveLength(3);
    });

    it('watches up to 168 h the same way: the watchdog decides, the alarm sees its SuccessOverdue', () => {
      assertHasResource(build({ alarms: { ...ALL_ON, noSuccessWithinHours: 168 } }).template, 'AWS::CloudWatch::Alarm', {
        Metrics: [Match.objectLike({ Expression: query('MAX', 'SuccessOverdue'), Period: 300 })],
        EvaluationPeriods: 3,
        AlarmDescription: Match.stringLikeRegexp('last 168 h'),
      });
    });

    it('names the RTO target in the description', () => {
      assertHasResource(build({ rtoTargetMinutes: 90 }).template, 'AWS::CloudWatch::Alarm', { AlarmName: `replica-refresh-${REGION}-rto-missed`, AlarmDescription: Match.stringLikeRegexp('RTO target of 90 min') });
    });
  });

  describe('validation', () => {
    it('fails on a period under one minute', () => {
      expect(() => build({ period: Duration.seconds(30) })).toThrow('period must be at least 1 minute, got 30 seconds');
    });

    it.each([
      ['not whole minutes', Duration.seconds(90), 'watchdogInterval must be a whole number of minutes from 1 to 60, got 1 minute 30 seconds'],
      ['over an hour', Duration.minutes(61), 'watchdogInterval must be a whole number of minutes from 1 to 60, got 1 hour 1 minute'],
    ])('fails on a watchdog interval %s', (_name, watchdogInterval, message) => {
      expect(() => build({ eventSubscriptionName: SUBSCRIPTION, watchdogInterval })).toThrow(message);
    });

    it.each([
      ['an RTO target of 0', { rtoTargetMinutes: 0 }, 'rtoTargetMinutes must be a whole number of minutes above 0, got 0'],
      ['a fractional RTO target', { rtoTargetMinutes: 1.5 }, 'rtoTargetMinutes must be a whole number of minutes above 0, got 1.5'],
      ['noSuccessWithinHours over 168', { alarms: { ...ALL_ON, noSuccessWithinHours: 169 } }, 'alarms.noSuccessWithinHours must be a whole number of hours from 0 (off) to 168, got 169'],
      ['a negative noSuccessWithinHours', { alarms: { ...ALL_ON, noSuccessWithinHours: -1 } }, 'alarms.noSuccessWithinHours must be a whole number of hours from 0 (off) to 168, got -1'],
      ['a repeated replica', { replicaIds: ['orders-staging', 'orders-staging'] }, 'replicaIds must not repeat a replica, got "orders-staging" twice'],
      ['a replica id that is not an RDS identifier', { replicaIds: ['Orders_Staging'] }, 'replicaIds must be lower-case RDS instance identifiers, got "Orders_Staging"'],
      ['a replica id that is the region', { replicaIds: [REGION] }, `replicaIds must not be the region's name, got "${REGION}"`],
    ])('fails on %s', (_name, props, message) => {
      expect(() => build(props)).toThrow(message);
    });
  });
});

describe('PipelineMonitoring', () => {
  it('alarms on dead letters and function errors, to its topic, and on nothing per replica', () => {
    const stack = newStack('eu-west-1');
    const monitoring = new PipelineMonitoring(stack, 'Monitoring', { alarmTopic: new sns.Topic(stack, 'Alarms') });
    monitoring.alarmOnDeadLetters('DlqAlarm', new sqs.Queue(stack, 'Dlq'), 'A test message');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    monitoring.alarmOnFunctionErrors('FnErrorsAlarm', fn, 'copy-snapshot');
    const template = Template.fromStack(stack);
    assertResourceCount(template, 'AWS::CloudWatch::Alarm', 2);
    assertHasResource(template, 'AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }] });
    assertHasResource(template, 'AWS::CloudWatch::Alarm', { MetricName: 'Errors', AlarmDescription: Match.stringLikeRegexp('copy-snapshot'), AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }] });
    expect(monitoring.alarms).toHaveLength(2);
  });

  it('fails on a period under one minute', () => {
    const stack = newStack();
    expect(() => new PipelineMonitoring(stack, 'Monitoring', { alarmTopic: new sns.Topic(stack, 'Alarms'), period: Duration.seconds(30) })).toThrow('period must be at least 1 minute, got 30 seconds');
  });
});
