import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Monitoring } from '../../../infra/constructs/monitoring';
import { assertHasResource, newStack } from '../helpers';

describe('Monitoring', () => {
  let template: Template;
  let monitoring: Monitoring;

  beforeAll(() => {
    const stack = newStack();
    monitoring = new Monitoring(stack, 'Monitoring', { alarmTopic: new sns.Topic(stack, 'Alarms') });
    monitoring.alarmOnDeadLetters('DlqAlarm', new sqs.Queue(stack, 'Dlq'), 'A test message');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
    monitoring.alarmOnFunctionErrors('FnErrorsAlarm', fn, 'test-fn');
    template = Template.fromStack(stack);
  });

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

  it('lists the alarms it created', () => {
    expect(monitoring.alarms).toHaveLength(2);
  });

  it('fails on a period under one minute', () => {
    const stack = newStack();
    expect(() => new Monitoring(stack, 'Monitoring', { alarmTopic: new sns.Topic(stack, 'Alarms'), period: Duration.seconds(30) })).toThrow('period must be at least 1 minute, got 30 seconds');
  });
});
