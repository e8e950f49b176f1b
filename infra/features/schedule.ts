/**
 * When refreshes start and when the watchdog looks: EventBridge Scheduler, which reads cron expressions in a time
 * zone (03:00 stays 03:00 across daylight-saving changes), unlike EventBridge rules.
 */
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../platform/nag';
import { deadLetterQueue } from '../platform/dead-letter-queue';

/** One refresh schedule: when y is refreshed. */
export interface RefreshScheduleEntry {
  /** y's instance identifier, passed to the function as `replica`. */
  readonly replicaId: string;
  /** A Scheduler cron expression, such as `cron(0 3 * * ? *)`. */
  readonly cron: string;
  /** The IANA time zone the cron expression is read in. */
  readonly timeZone: string;
  /** Whether the schedule runs. */
  readonly enabled: boolean;
}

/** Properties of {@link RefreshSchedules}. */
export interface RefreshSchedulesProps {
  /** One schedule per y. */
  readonly refreshes: readonly RefreshScheduleEntry[];
  /** The function that starts a refresh. */
  readonly startRefresh: lambda.IFunction;
  /** The function that finds runs whose events never came. */
  readonly watchdog: lambda.IFunction;
  /** How often the watchdog runs, in minutes (1–60). */
  readonly watchdogIntervalMinutes: number;
}

/** The refresh schedules, the watchdog schedule, and their dead-letter queue. */
export class RefreshSchedules extends Construct {
  /** Invocations that Scheduler could not deliver to a function. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The refresh schedules, by y's identifier. */
  public readonly refreshSchedules: ReadonlyMap<string, scheduler.ISchedule>;
  /** The watchdog schedule. */
  public readonly watchdogSchedule: scheduler.ISchedule;

  public constructor(scope: Construct, id: string, props: RefreshSchedulesProps) {
    super(scope, id);
    const minutes = props.watchdogIntervalMinutes;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) throw new Error(`watchdogIntervalMinutes must be a whole number from 1 to 60, got ${minutes}`);
    checkCronEntries(props.refreshes, 'schedule', 'refreshes');

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', 'the refresh and watchdog schedules');

    const role = schedulerRole(this, 'Role', 'Lets the replica-refresh schedules invoke their functions');

    const schedules = new Map<string, scheduler.ISchedule>();
    for (const entry of props.refreshes) {
      schedules.set(
        entry.replicaId,
        new scheduler.Schedule(this, `Refresh-${entry.replicaId}`, {
          description: `Starts the refresh of ${entry.replicaId}`,
          schedule: scheduler.ScheduleExpression.expression(entry.cron, TimeZone.of(entry.timeZone)),
          // A refresh at 03:00 should start at 03:00, not somewhere in a window.
          timeWindow: scheduler.TimeWindow.off(),
          enabled: entry.enabled,
          target: new LambdaInvoke(props.startRefresh, {
            role,
            input: scheduler.ScheduleTargetInput.fromObject(refreshInput(entry.replicaId)),
            // These retry delivery to Lambda (throttling, service errors), not function errors.
            retryAttempts: 2,
            // A refresh that could not start within an hour is better skipped and alarmed on than started late.
            maxEventAge: Duration.hours(1),
            deadLetterQueue: this.deadLetterQueue,
          }),
        }),
      );
    }
    this.refreshSchedules = schedules;

    this.watchdogSchedule = everyMinutes(this, 'Watchdog', {
      description: 'Looks for refreshes whose RDS events never came',
      minutes,
      fn: props.watchdog,
      role,
      input: { trigger: 'watchdog' },
      deadLetterQueue: this.deadLetterQueue,
    });

    acknowledgeInvokeQualifiers(role, [props.startRefresh, props.watchdog]);
  }
}

/**
 * The input a refresh schedule sends start-refresh. `requestId` is the function's idempotency key: the schedule and
 * its occurrence, `<y>@<aws.scheduler.scheduled-time>`, the same on every retry of one occurrence. Not
 * `<aws.scheduler.execution-id>`, which Scheduler assigns "for each attempted invocation of a target", so a retried
 * delivery would look like a second run and be refused (EventBridge Scheduler User Guide, "Adding context
 * attributes": Scheduler "replaces each keyword with its respective value" in the payload). The guide's examples
 * put a keyword alone in a value; that one embedded in a longer string is replaced too is assumed here, as
 * aws-cdk-lib's ScheduleTargetInput documents for text (PR aws/aws-cdk#25663): `scheduledTime` carries the bare
 * keyword as well, so the function can build the same key from it should `requestId` arrive unreplaced.
 */
export function refreshInput(replicaId: string): Record<string, string> {
  return {
    replica: replicaId,
    trigger: 'schedule',
    requestId: `${replicaId}@${scheduler.ContextAttribute.scheduledTime}`,
    scheduledTime: scheduler.ContextAttribute.scheduledTime,
  };
}

/**
 * The role schedules assume to invoke their functions; only schedules of this account may assume it. One per
 * construct of schedules, shared by its schedules.
 */
export function schedulerRole(scope: Construct, id: string, description: string): iam.Role {
  return new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description,
  });
}

/**
 * A Scheduler target (or `grantInvoke`) grants lambda:InvokeFunction on the function and its versions and aliases
 * (`<arn>:*`): acknowledges that wildcard, one function at a time.
 * @param invoker who invokes with the role, for the reason
 */
export function acknowledgeInvokeQualifiers(role: iam.IRole, functions: readonly lambda.IFunction[], invoker = 'Scheduler'): void {
  for (const fn of functions) {
    const cfn = fn.node.defaultChild;
    if (!(cfn instanceof lambda.CfnFunction)) continue;
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      `${invoker} may invoke this function and its versions or aliases; the wildcard is limited to qualifiers of one function ARN`,
      `Resource::<${Stack.of(role).resolve(Stack.of(cfn).getLogicalId(cfn))}.Arn>:*`,
    );
  }
}

/**
 * Checks a list of per-replica cron schedules: each a `cron(...)` expression, one per replica.
 * @param what the schedule's name in the message, such as `retention schedule`
 * @param listName the list's name in the message, such as `entries`
 * @throws Error naming the replica and the value at fault
 */
export function checkCronEntries(entries: readonly { replicaId: string; cron: string }[], what: string, listName: string): void {
  for (const entry of entries) {
    if (!/^cron\(.+\)$/.test(entry.cron)) throw new Error(`${what} of ${entry.replicaId} must be a cron(...) expression, got ${JSON.stringify(entry.cron)}`);
  }
  const duplicate = entries.find((e, i) => entries.findIndex((f) => f.replicaId === e.replicaId) !== i);
  if (duplicate !== undefined) throw new Error(`${listName} must have one schedule per replica, got ${JSON.stringify(duplicate.replicaId)} twice`);
}

/**
 * A schedule that invokes a function every few minutes with a fixed input; a delivery older than the interval is
 * superseded by the next one and goes to the dead-letter queue.
 */
export function everyMinutes(
  scope: Construct,
  id: string,
  props: { description: string; minutes: number; fn: lambda.IFunction; role: iam.IRole; input: Record<string, unknown>; deadLetterQueue: sqs.IQueue },
): scheduler.Schedule {
  return new scheduler.Schedule(scope, id, {
    description: props.description,
    schedule: scheduler.ScheduleExpression.rate(Duration.minutes(props.minutes)),
    timeWindow: scheduler.TimeWindow.off(),
    target: new LambdaInvoke(props.fn, {
      role: props.role,
      input: scheduler.ScheduleTargetInput.fromObject(props.input),
      retryAttempts: 2,
      maxEventAge: Duration.minutes(props.minutes),
      deadLetterQueue: props.deadLetterQueue,
    }),
  });
}
