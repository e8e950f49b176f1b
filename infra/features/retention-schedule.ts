/**
 * When the project's copies of x are expired in y's region: one EventBridge Scheduler schedule per pair, on the
 * pair's retention cron in its schedule's time zone, invoking the retention function for that y.
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue } from '../platform/dead-letter-queue';
import { acknowledgeInvokeQualifiers, checkCronEntries, schedulerRole } from './schedule';

/** One retention schedule. */
export interface RetentionScheduleEntry {
  /** y's instance identifier, passed to the function as `replica`. */
  readonly replicaId: string;
  /** A Scheduler cron expression, such as `cron(30 12 * * ? *)`. */
  readonly cron: string;
  /** The IANA time zone the cron expression is read in. */
  readonly timeZone: string;
}

/** Properties of {@link RetentionSchedules}. */
export interface RetentionSchedulesProps {
  /** One schedule per y whose copies the project expires; at least one. */
  readonly entries: readonly RetentionScheduleEntry[];
  /** The retention function. */
  readonly retention: lambda.IFunction;
}

/** The retention schedules and their dead-letter queue. */
export class RetentionSchedules extends Construct {
  /** Invocations that Scheduler could not deliver to the retention function. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The schedules, by y's identifier. */
  public readonly schedules: ReadonlyMap<string, scheduler.ISchedule>;

  public constructor(scope: Construct, id: string, props: RetentionSchedulesProps) {
    super(scope, id);
    if (props.entries.length === 0) throw new Error('entries must name at least one replica, got none');
    checkCronEntries(props.entries, 'retention schedule', 'entries');

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the retention schedules');
    const role = schedulerRole(this, 'Role', 'Lets the replica-refresh retention schedules invoke the retention function');

    const schedules = new Map<string, scheduler.ISchedule>();
    for (const entry of props.entries) {
      schedules.set(
        entry.replicaId,
        new scheduler.Schedule(this, `Retention-${entry.replicaId}`, {
          description: `Expires the project's old copies of the source of ${entry.replicaId}`,
          schedule: scheduler.ScheduleExpression.expression(entry.cron, TimeZone.of(entry.timeZone)),
          // The pass may run any time in the quarter hour: nothing waits for it, and passes of several pairs spread out.
          timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(15)),
          target: new LambdaInvoke(props.retention, {
            role,
            input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'retention', replica: entry.replicaId }),
            // These retry delivery to Lambda (throttling, service errors), not function errors.
            retryAttempts: 2,
            // A pass that could not start within a few hours is superseded by the next day's.
            maxEventAge: Duration.hours(6),
            deadLetterQueue: this.deadLetterQueue,
          }),
        }),
      );
    }
    this.schedules = schedules;
    acknowledgeInvokeQualifiers(role, [props.retention]);
  }
}
