/**
 * When the project's copies of x are expired in y's region: one EventBridge Scheduler schedule per distinct retention
 * cron and time zone of the region's pairs, invoking the retention function with the ids of every pair on it, so that
 * the stack holds as many retention schedules as there are distinct retention times, whatever the number of pairs.
 */
import { createHash } from 'node:crypto';
import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { retentionGroups, type RetentionGroup, type RetentionScheduleEntry } from '../../lambdas/retention/groups';
import { deadLetterQueue } from '../platform/dead-letter-queue';
import { acknowledgeInvokeQualifiers, checkCronEntries, schedulerRole } from './schedule';

export { retentionGroups, type RetentionGroup, type RetentionScheduleEntry };

/** Properties of {@link RetentionSchedules}. */
export interface RetentionSchedulesProps {
  /** One entry per pair whose copies the project expires; at least one. Pairs of one cron and zone share a schedule. */
  readonly entries: readonly RetentionScheduleEntry[];
  /** The retention function. */
  readonly retention: lambda.IFunction;
}

/**
 * The construct id of a group's schedule: named after its cron and zone (a hash: zones hold `/`, which construct ids
 * cannot), so that adding or removing a pair changes only the schedule's input, never which schedule it is.
 */
function groupId(group: RetentionGroup): string {
  return `Retention-${createHash('sha256').update(`${group.cron} ${group.timeZone}`).digest('hex').slice(0, 12)}`;
}

/** The retention schedules and their dead-letter queue. */
export class RetentionSchedules extends Construct {
  /** Invocations that Scheduler could not deliver to the retention function. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The schedules, by each pair's id (pairs of one cron and zone share theirs). */
  public readonly schedules: ReadonlyMap<string, scheduler.ISchedule>;
  /** The groups, one schedule each. */
  public readonly groups: readonly RetentionGroup[];

  public constructor(scope: Construct, id: string, props: RetentionSchedulesProps) {
    super(scope, id);
    if (props.entries.length === 0) throw new Error('entries must name at least one replica, got none');
    checkCronEntries(props.entries, 'retention schedule', 'entries');

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the retention schedules');
    const role = schedulerRole(this, 'Role', 'Lets the replica-refresh retention schedules invoke the retention function');

    this.groups = retentionGroups(props.entries);
    const schedules = new Map<string, scheduler.ISchedule>();
    for (const group of this.groups) {
      const count = group.replicaIds.length;
      const schedule = new scheduler.Schedule(this, groupId(group), {
        description: `Expires the project's old copies of the sources of ${count === 1 ? group.replicaIds[0] : `${count} replicas`} (${group.cron} ${group.timeZone})`.slice(0, 512),
        schedule: scheduler.ScheduleExpression.expression(group.cron, TimeZone.of(group.timeZone)),
        // The pass may run any time in the quarter hour: nothing waits for it, and passes of several schedules spread out.
        timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(15)),
        target: new LambdaInvoke(props.retention, {
          role,
          input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'retention', replicas: [...group.replicaIds] }),
          // These retry delivery to Lambda (throttling, service errors), not function errors.
          retryAttempts: 2,
          // A pass that could not start within a few hours is superseded by the next day's.
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.deadLetterQueue,
        }),
      });
      for (const replicaId of group.replicaIds) schedules.set(replicaId, schedule);
    }
    this.schedules = schedules;
    acknowledgeInvokeQualifiers(role, [props.retention]);
  }
}
