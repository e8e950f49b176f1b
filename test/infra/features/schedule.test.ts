import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RefreshSchedules, type RefreshSchedulesProps } from '../../../infra/features/schedule';
import { ACCOUNT, assertHasResource, assertResourceCount, newStack } from '../helpers';

function fn(stack: Stack, id: string): lambda.IFunction {
  return new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
}

function props(stack: Stack, overrides: Partial<RefreshSchedulesProps> = {}): RefreshSchedulesProps {
  return {
    refreshes: [
      { replicaId: 'orders-staging', cron: 'cron(0 3 * * ? *)', timeZone: 'Europe/Berlin', enabled: true },
      { replicaId: 'billing-staging', cron: 'cron(15 4 ? * SUN *)', timeZone: 'America/New_York', enabled: false },
    ],
    startRefresh: fn(stack, 'StartRefresh'),
    watchdog: fn(stack, 'Watchdog'),
    watchdogIntervalMinutes: 10,
    ...overrides,
  };
}

describe('RefreshSchedules', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new RefreshSchedules(stack, 'Schedules', props(stack));
    template = Template.fromStack(stack);
  });

  it('creates one schedule per replica and one for the watchdog', () => {
    assertResourceCount(template, 'AWS::Scheduler::Schedule', 3);
  });

  it.each([
    ['orders-staging', 'cron(0 3 * * ? *)', 'Europe/Berlin', 'ENABLED'],
    ['billing-staging', 'cron(15 4 ? * SUN *)', 'America/New_York', 'DISABLED'],
  ])('starts %s on %s in %s (%s), on time, with its id and an idempotency key made of it and the scheduled time', (replica, cron, timeZone, state) => {
    assertHasResource(template, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: cron,
      ScheduleExpressionTimezone: timeZone,
      State: state,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StartRefresh'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesRole'), 'Arn'] },
        Input: JSON.stringify({ replica, trigger: 'schedule', requestId: `${replica}@<aws.scheduler.scheduled-time>`, scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('keys a scheduled run by its schedule and scheduled time, the same on every retry, never by the per-attempt execution id', () => {
    const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule'))
      .map((r) => JSON.parse((r.Properties as { Target: { Input: string } }).Target.Input) as Record<string, string>)
      .filter((input) => input.trigger === 'schedule');
    expect(inputs.map((i) => i.requestId)).toEqual(['orders-staging@<aws.scheduler.scheduled-time>', 'billing-staging@<aws.scheduler.scheduled-time>']);
    expect(JSON.stringify(inputs)).not.toContain('execution-id');
  });

  it('runs the watchdog at the interval, dropping ticks older than one interval', () => {
    assertHasResource(template, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Watchdog'), 'Arn'] },
        Input: '{"trigger":"watchdog"}',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
      }),
    });
  });

  it('lets only schedules of this account assume its role, which may invoke just the two functions and use the queue', () => {
    assertHasResource(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }],
      },
    });
    assertHasResource(template, 'AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'lambda:InvokeFunction' }),
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] } },
        ],
      },
    });
  });

  it('fails on a watchdog interval outside 1–60 minutes', () => {
    const stack = newStack();
    expect(() => new RefreshSchedules(stack, 'Schedules', props(stack, { watchdogIntervalMinutes: 0 }))).toThrow('watchdogIntervalMinutes must be a whole number from 1 to 60, got 0');
  });

  it('fails on a schedule that is not a cron expression', () => {
    const stack = newStack();
    const refreshes = [{ replicaId: 'orders-staging', cron: 'rate(1 day)', timeZone: 'UTC', enabled: true }];
    expect(() => new RefreshSchedules(stack, 'Schedules', props(stack, { refreshes }))).toThrow('schedule of orders-staging must be a cron(...) expression, got "rate(1 day)"');
  });

  it('fails on two schedules for one replica', () => {
    const stack = newStack();
    const entry = { replicaId: 'orders-staging', cron: 'cron(0 3 * * ? *)', timeZone: 'UTC', enabled: true };
    expect(() => new RefreshSchedules(stack, 'Schedules', props(stack, { refreshes: [entry, entry] }))).toThrow('refreshes must have one schedule per replica, got "orders-staging" twice');
  });
});
