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

/** The per-replica event path metrics, each with its own alarm, always on. */
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

const dimensions = (replica: string) => [
  { Name: 'replica', Value: replica },
  { Name: 'service', Value: METRICS_SERVICE },
];

/** The properties every per-replica alarm shares. */
const replicaAlarm = (replica: string, metricName: string) => ({
  Namespace: METRICS_NAMESPACE,
  MetricName: metricName,
  Dimensions: dimensions(replica),
  AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
});

/** The alarms of a template by metric name, for the ReplicaRefresh namespace. */
function replicaAlarmMetrics(template: Template): string[] {
  const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: METRICS_NAMESPACE } }) as unknown as Record<string, { Properties: { MetricName: string } }>;
  return Object.values(alarms)
    .map((a) => a.Properties.MetricName)
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

    it('creates no region event path alarm without a subscription name', () => {
      const names = Object.values(build().template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r.Properties as { AlarmName?: string }).AlarmName);
      expect(names).not.toContain(`replica-refresh-${REGION}-event-path`);
    });

    it('uses the default watchdog interval of five minutes', () => {
      assertHasResource(build({ eventSubscriptionName: SUBSCRIPTION }).template, 'AWS::CloudWatch::Alarm', { MetricName: 'EventPathUnhealthy', Period: 300 });
    });
  });

  describe.each(['orders-staging', 'billing-staging'])('alarms of %s', (y) => {
    it('alarms when a restore missed the RTO target (slow, or failed after a restore was attempted), judged per hour, quiet without restores', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicaAlarm(y, 'RtoMissed'),
        AlarmName: `replica-refresh-${y}-rto-missed`,
        Statistic: 'Sum',
        Period: 3600,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp(`RTO target of 45 min.*npm run report -- --replica ${y}`),
      });
    });

    it('alarms when no refresh succeeded in noSuccessWithinHours one-hour periods, missing data breaching', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicaAlarm(y, 'RefreshSucceeded'),
        AlarmName: `replica-refresh-${y}-no-success`,
        Statistic: 'Sum',
        Period: 3600,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 26,
        DatapointsToAlarm: 26,
        TreatMissingData: 'breaching',
        AlarmDescription: Match.stringLikeRegexp(`last 26 h.*npm run report -- --replica ${y}`),
      });
    });

    it.each([
      ['RefreshFailed', 'run-failed'],
      ['RunStuck', 'run-stuck'],
      ['RefreshRefused', 'refused'],
      ['RestoreOverdue', 'restore-overdue'],
    ])('alarms on any %s, quiet without data', (metricName, suffix) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicaAlarm(y, metricName),
        AlarmName: `replica-refresh-${y}-${suffix}`,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp(`${y}.*npm run report -- --replica ${y}`),
      });
    });

    it.each([
      ['DeletionEventMissed', 'deletion-missed'],
      ['UsableEventMissed', 'usable-missed'],
      ['NightCarriedByPolling', 'polled'],
    ])('alarms on any %s, its name saying event-path, quiet without data', (metricName, suffix) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicaAlarm(y, metricName),
        AlarmName: `replica-refresh-${y}-event-path-${suffix}`,
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp(`${y} was still refreshed.*npm run report -- --replica ${y}`),
      });
    });

    it('lists its nine alarms', () => {
      expect(monitoring.alarmsOf(y)).toHaveLength(9);
    });
  });

  it('creates the alarms of each replica once, plus the pipeline alarms', () => {
    assertResourceCount(template, 'AWS::CloudWatch::Alarm', 2 * 9 + 4);
    expect(monitoring.alarms).toHaveLength(22);
    expect(monitoring.pipelineAlarms).toHaveLength(4);
  });

  it('fails to list the alarms of a replica it does not monitor', () => {
    expect(() => monitoring.alarmsOf('other-staging')).toThrow('replicaId "other-staging" is not monitored here; monitored: orders-staging, billing-staging');
  });

  describe('configuration', () => {
    it.each([
      ['rtoMissed', { rtoMissed: false }, 'RtoMissed'],
      ['noSuccessWithinHours = 0', { noSuccessWithinHours: 0 }, 'RefreshSucceeded'],
      ['refused', { refused: false }, 'RefreshRefused'],
      ['restoreOverdue', { restoreOverdue: false }, 'RestoreOverdue'],
    ])('%s off removes that alarm only', (_name, off, metricName) => {
      const metrics = replicaAlarmMetrics(build({ alarms: { ...ALL_ON, ...off } }).template);
      expect(metrics).not.toContain(metricName);
      expect(metrics).toHaveLength(5 + 3);
    });

    it('runFailed off removes the failed and the stuck alarm', () => {
      expect(replicaAlarmMetrics(build({ alarms: { ...ALL_ON, runFailed: false } }).template)).toEqual(
        [...EVENT_PATH_METRICS, 'RefreshRefused', 'RefreshSucceeded', 'RestoreOverdue', 'RtoMissed'].sort(),
      );
    });

    it('keeps only the event path alarms with every alarm off (they need no switch: a dead event path is never fine)', () => {
      const { template: off, monitoring: m } = build({ alarms: ALL_OFF });
      expect(replicaAlarmMetrics(off)).toEqual(EVENT_PATH_METRICS);
      expect(m.alarmsOf('orders-staging')).toHaveLength(3);
    });

    it('watches up to 168 h (seven days of one-hour periods, the CloudWatch limit)', () => {
      assertHasResource(build({ alarms: { ...ALL_ON, noSuccessWithinHours: 168 } }).template, 'AWS::CloudWatch::Alarm', {
        MetricName: 'RefreshSucceeded',
        Period: 3600,
        EvaluationPeriods: 168,
        DatapointsToAlarm: 168,
      });
    });

    it('names the RTO target in the description', () => {
      assertHasResource(build({ rtoTargetMinutes: 90 }).template, 'AWS::CloudWatch::Alarm', { MetricName: 'RtoMissed', AlarmDescription: Match.stringLikeRegexp('RTO target of 90 min') });
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
