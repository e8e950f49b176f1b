import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CopySchedules, type CopySchedulesProps } from '../../../infra/features/copy-schedules';
import { assertHasResource, assertResourceCount, newStack, unacknowledgedNagFindings } from '../helpers';

function props(stack: Stack, overrides: Partial<CopySchedulesProps> = {}): CopySchedulesProps {
  return {
    copy: new lambda.Function(stack, 'Copy', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => [];') }),
    sweepIntervalMinutes: 30,
    extraSnapshots: [{ replicaId: 'billing-staging', cron: 'cron(0 */6 * * ? *)', timeZone: 'Europe/Berlin' }],
    ...overrides,
  };
}

describe('CopySchedules', () => {
  const stack = newStack('eu-west-1');
  new CopySchedules(stack, 'Schedules', props(stack));
  const template = Template.fromStack(stack);

  it('sweeps every sweepIntervalMinutes, dropping sweeps older than one interval', () => {
    assertResourceCount(template, 'AWS::Scheduler::Schedule', 2);
    assertHasResource(template, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(30 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Copy'), 'Arn'] },
        Input: '{"trigger":"sweep"}',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 1800 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] } },
      }),
    });
  });

  it('takes extra snapshots on their cron in their zone, passing the replica and the scheduled time that names the snapshot', () => {
    assertHasResource(template, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 */6 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Input: '{"trigger":"extra-snapshot","replica":"billing-staging","scheduledTime":"<aws.scheduler.scheduled-time>"}',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] } },
      }),
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack).filter((f) => f.includes('Schedules'))).toEqual([]);
  });

  it('has only the sweep without extra snapshots', () => {
    const s = newStack('eu-west-1');
    new CopySchedules(s, 'Schedules', props(s, { extraSnapshots: [] }));
    assertResourceCount(Template.fromStack(s), 'AWS::Scheduler::Schedule', 1);
  });

  it('fails on a sweep interval outside 5–1440 minutes', () => {
    const s = newStack('eu-west-1');
    expect(() => new CopySchedules(s, 'Schedules', props(s, { sweepIntervalMinutes: 2 }))).toThrow('sweepIntervalMinutes must be a whole number from 5 to 1440, got 2');
  });

  it('fails on an extra-snapshot schedule that is not a cron expression', () => {
    const s = newStack('eu-west-1');
    expect(() => new CopySchedules(s, 'Schedules', props(s, { extraSnapshots: [{ replicaId: 'a', cron: 'rate(6 hours)', timeZone: 'UTC' }] }))).toThrow(
      'extra-snapshot schedule of a must be a cron(...) expression, got "rate(6 hours)"',
    );
  });
});
