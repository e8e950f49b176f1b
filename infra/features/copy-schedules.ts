/**
 * When the copy function looks for itself: the sweep (the newest snapshot of each x without a copy yet: missed
 * events, first deployment), and the extra snapshots of x for the pairs that ask for an RPO tighter than daily.
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from '../platform/dead-letter-queue';
import { acknowledgeInvokeQualifiers, checkCronEntries, everyMinutes, schedulerRole } from './schedule';

/** One extra-snapshot schedule. */
export interface ExtraSnapshotScheduleEntry {
  /** y's instance identifier, passed to the function as `replica`. */
  readonly replicaId: string;
  /** A Scheduler cron expression. */
  readonly cron: string;
  /** The IANA time zone the cron expression is read in. */
  readonly timeZone: string;
}

/** Properties of {@link CopySchedules}. */
export interface CopySchedulesProps {
  /** The copy function. */
  readonly copy: lambda.IFunction;
  /** How often the sweep runs, in minutes (5–1440). */
  readonly sweepIntervalMinutes: number;
  /**
   * Extra snapshots, one schedule per y that asks for them.
   * @default none
   */
  readonly extraSnapshots?: readonly ExtraSnapshotScheduleEntry[];
}

/** The sweep schedule, the extra-snapshot schedules and their dead-letter queue. */
export class CopySchedules extends Construct {
  /** Invocations that Scheduler could not deliver to the copy function. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The sweep schedule. */
  public readonly sweep: scheduler.ISchedule;
  /** The extra-snapshot schedules, by y's identifier. */
  public readonly extraSnapshots: ReadonlyMap<string, scheduler.ISchedule>;

  public constructor(scope: Construct, id: string, props: CopySchedulesProps) {
    super(scope, id);
    const minutes = props.sweepIntervalMinutes;
    if (!Number.isInteger(minutes) || minutes < 5 || minutes > 24 * 60) throw new Error(`sweepIntervalMinutes must be a whole number from 5 to 1440, got ${minutes}`);
    const extras = props.extraSnapshots ?? [];
    checkCronEntries(extras, 'extra-snapshot schedule', 'extraSnapshots');

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the sweep and extra-snapshot schedules');
    const role = schedulerRole(this, 'Role', 'Lets the replica-refresh copy schedules invoke the copy function');

    this.sweep = everyMinutes(this, 'Sweep', {
      description: 'Copies the newest snapshot of each source that has no copy yet',
      minutes,
      fn: props.copy,
      role,
      input: { trigger: 'sweep' },
      deadLetterQueue: this.deadLetterQueue,
    });

    const schedules = new Map<string, scheduler.ISchedule>();
    for (const entry of extras) {
      schedules.set(
        entry.replicaId,
        new scheduler.Schedule(this, `ExtraSnapshot-${entry.replicaId}`, {
          description: `Takes an extra snapshot of the source of ${entry.replicaId}`,
          schedule: scheduler.ScheduleExpression.expression(entry.cron, TimeZone.of(entry.timeZone)),
          // The snapshot is named after the scheduled minute: it should be taken then.
          timeWindow: scheduler.TimeWindow.off(),
          target: new LambdaInvoke(props.copy, {
            role,
            input: scheduler.ScheduleTargetInput.fromObject({
              trigger: 'extra-snapshot',
              replica: entry.replicaId,
              // Names the snapshot: every retry of one occurrence takes (or finds) the same one.
              scheduledTime: scheduler.ContextAttribute.scheduledTime,
            }),
            retryAttempts: 2,
            // Late by more than an hour, the next occurrence is nearer.
            maxEventAge: Duration.hours(1),
            deadLetterQueue: this.deadLetterQueue,
          }),
        }),
      );
    }
    this.extraSnapshots = schedules;
    acknowledgeInvokeQualifiers(role, [props.copy]);
  }
}
