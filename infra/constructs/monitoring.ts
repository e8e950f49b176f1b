/**
 * What is alarmed on, and where alarms go. Only failures that need a person: a message in a dead-letter queue,
 * a function error. More alarms and a dashboard come later; they are added here.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link Monitoring}. */
export interface MonitoringProps {
  /** The topic every alarm sends to. */
  readonly alarmTopic: sns.ITopic;
  /**
   * How long a metric is aggregated before it is compared with the threshold.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/** The project's alarms, all sending to one topic. */
export class Monitoring extends Construct {
  private readonly action: SnsAction;
  private readonly period: Duration;
  private readonly alarmList: cloudwatch.IAlarm[] = [];

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.action = new SnsAction(props.alarmTopic);
    this.period = props.period ?? Duration.minutes(5);
    if (this.period.toSeconds() < 60) throw new Error(`period must be at least 1 minute, got ${this.period.toHumanString()}`);
  }

  /** Every alarm created so far. */
  public get alarms(): readonly cloudwatch.IAlarm[] {
    return this.alarmList;
  }

  /**
   * Alarms as soon as one message waits in a dead-letter queue: each is an event or invocation that was given up on.
   *
   * @param id construct id of the alarm, part of the contract
   * @param queue the dead-letter queue
   * @param what what lands in the queue, for the alarm description
   */
  public alarmOnDeadLetters(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.add(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `${what} landed in a dead-letter queue; inspect the message, then redrive or delete it`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: this.period, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * Alarms on any error of a function: the functions handle expected failures themselves, so an error is a bug.
   *
   * @param id construct id of the alarm, part of the contract
   * @param fn the function
   * @param name the function's name for people, such as `start-refresh`
   */
  public alarmOnFunctionErrors(id: string, fn: lambda.IFunction, name: string): cloudwatch.Alarm {
    return this.add(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `The ${name} function failed; see its logs and the ledger`,
        metric: fn.metricErrors({ period: this.period, statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  private add(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(this.action);
    this.alarmList.push(alarm);
    return alarm;
  }
}
