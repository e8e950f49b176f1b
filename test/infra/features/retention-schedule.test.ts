import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RetentionSchedules, type RetentionSchedulesProps } from '../../../infra/features/retention-schedule';
import { ACCOUNT, assertHasResource, assertResourceCount, newStack, unacknowledgedNagFindings } from '../helpers';

function fn(stack: Stack): lambda.IFunction {
  return new lambda.Function(stack, 'Retention', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => [];') });
}

function props(stack: Stack, overrides: Partial<RetentionSchedulesProps> = {}): RetentionSchedulesProps {
  return {
    entries: [
      { replicaId: 'orders-staging', cron: 'cron(30 12 * * ? *)', timeZone: 'Europe/Berlin' },
      { replicaId: 'billing-staging', cron: 'cron(0 6 ? * SUN *)', timeZone: 'America/New_York' },
      { replicaId: 'orders-dev', cron: 'cron(30 12 * * ? *)', timeZone: 'Europe/Berlin' },
      // The same cron in another zone is another time.
      { replicaId: 'reports-staging', cron: 'cron(30 12 * * ? *)', timeZone: 'UTC' },
    ],
    retention: fn(stack),
    ...overrides,
  };
}

describe('RetentionSchedules', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    new RetentionSchedules(stack, 'RetentionSchedules', props(stack));
    template = Template.fromStack(stack);
  });

  it('creates one schedule per distinct cron and time zone', () => {
    assertResourceCount(template, 'AWS::Scheduler::Schedule', 3);
  });

  it.each([
    [['orders-staging', 'orders-dev'], 'cron(30 12 * * ? *)', 'Europe/Berlin'],
    [['billing-staging'], 'cron(0 6 ? * SUN *)', 'America/New_York'],
    [['reports-staging'], 'cron(30 12 * * ? *)', 'UTC'],
  ])('runs retention for %s on %s in %s, with their ids as input and a dead-letter queue', (replicas, cron, timeZone) => {
    assertHasResource(template, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: cron,
      ScheduleExpressionTimezone: timeZone,
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Retention'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RetentionSchedulesRole'), 'Arn'] },
        Input: JSON.stringify({ trigger: 'retention', replicas }),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RetentionSchedulesDeadLetterQueue'), 'Arn'] } },
      },
    });
  });

  it('keeps a schedule its logical id when pairs join or leave it (named after its cron and zone)', () => {
    const ids = (entries: RetentionSchedulesProps['entries']) => {
      const s = newStack();
      new RetentionSchedules(s, 'RetentionSchedules', props(s, { entries }));
      return Object.keys(Template.fromStack(s).findResources('AWS::Scheduler::Schedule')).sort();
    };
    const berlin = { cron: 'cron(30 12 * * ? *)', timeZone: 'Europe/Berlin' };
    expect(ids([{ replicaId: 'a', ...berlin }])).toEqual(ids([{ replicaId: 'b', ...berlin }, { replicaId: 'c', ...berlin }]));
  });

  it('stays one schedule for 200 pairs on one cron and zone', () => {
    const s = newStack();
    const entries = Array.from({ length: 200 }, (_, i) => ({ replicaId: `orders-staging-${String(i + 1).padStart(3, '0')}`, cron: 'cron(30 12 * * ? *)', timeZone: 'Europe/Berlin' }));
    const construct = new RetentionSchedules(s, 'RetentionSchedules', props(s, { entries }));
    assertResourceCount(Template.fromStack(s), 'AWS::Scheduler::Schedule', 1);
    expect(construct.groups.map((g) => g.replicaIds.length)).toEqual([200]);
    expect(construct.schedules.get('orders-staging-200')).toBe(construct.schedules.get('orders-staging-001'));
  });

  it('lets only schedules of this account assume its role, which may invoke only the retention function and use the queue', () => {
    assertHasResource(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }],
      },
    });
    assertHasResource(template, 'AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'lambda:InvokeFunction' }),
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RetentionSchedulesDeadLetterQueue'), 'Arn'] } },
        ],
      },
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack).filter((f) => f.includes('RetentionSchedules'))).toEqual([]);
  });

  it('fails without entries', () => {
    const s = newStack();
    expect(() => new RetentionSchedules(s, 'R', props(s, { entries: [] }))).toThrow('entries must name at least one replica, got none');
  });

  it('fails on a rate expression', () => {
    const s = newStack();
    expect(() => new RetentionSchedules(s, 'R', props(s, { entries: [{ replicaId: 'a', cron: 'rate(1 day)', timeZone: 'UTC' }] }))).toThrow(
      'retention schedule of a must be a cron(...) expression, got "rate(1 day)"',
    );
  });

  it('fails on two schedules for one replica', () => {
    const s = newStack();
    const entry = { replicaId: 'a', cron: 'cron(0 1 * * ? *)', timeZone: 'UTC' };
    expect(() => new RetentionSchedules(s, 'R', props(s, { entries: [entry, entry] }))).toThrow('entries must have one schedule per replica, got "a" twice');
  });
});
