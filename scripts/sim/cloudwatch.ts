/**
 * CloudWatch alarms as the project defines them (read from the synthesized Monitoring construct,
 * synth.ts), evaluated on the virtual clock against the metrics the functions emit (telemetry.ts)
 * and the ones AWS services publish for them (Lambda Errors, SQS queue depth): single-metric alarms
 * with a statistic, a comparison, N evaluation periods of which M must breach, and the four ways to
 * treat missing data. State changes go to a listener: the demo's `ALARM <name>` / `OK <name>` lines
 * and the alarm action (a notification).
 */
import type { VirtualClock } from './clock';
import type { AlarmDefinition } from './synth';
import type { SimTelemetry } from './telemetry';
import { metricKey } from './telemetry';

/** ALARM, OK or INSUFFICIENT_DATA (PutMetricAlarm, StateValue). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One state change of one alarm. */
export interface AlarmTransition {
  time: Date;
  name: string;
  from: AlarmState;
  to: AlarmState;
  /** Why: the data points of the evaluation range, newest first (undefined = missing). */
  reason: string;
}

/** A metric whose value is a level at any time (an SQS queue's depth), sampled each minute as CloudWatch receives it. */
export type Gauge = (time: number) => number;

const MINUTE = 60_000;

/** A statistic of a period's values (CloudWatch User Guide, "Statistics definitions"). */
function statistic(name: string, values: number[]): number {
  switch (name) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    default: {
      const m = /^p(\d+(\.\d+)?)$/.exec(name);
      if (!m) throw new Error(`the simulated CloudWatch does not compute the statistic ${name}`);
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((Number(m[1]) / 100) * sorted.length) - 1))]!;
    }
  }
}

function breaches(def: AlarmDefinition, value: number): boolean {
  switch (def.comparison) {
    case 'GreaterThanThreshold':
      return value > def.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= def.threshold;
    case 'LessThanThreshold':
      return value < def.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= def.threshold;
    default:
      throw new Error(`the simulated CloudWatch does not evaluate ${String(def.comparison)}`);
  }
}

/** The alarms of one account, evaluated once a minute. */
export class SimCloudWatch {
  public readonly transitions: AlarmTransition[] = [];
  private readonly states = new Map<string, AlarmState>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly keys = new Map<AlarmDefinition, string>();
  /** What each alarm's last evaluation saw (its current period and data point count): the same inputs give the same state. */
  private readonly seen = new Map<AlarmDefinition, string>();
  private running = false;

  public constructor(
    private readonly clock: VirtualClock,
    private readonly telemetry: SimTelemetry,
    public readonly alarms: readonly AlarmDefinition[],
    private readonly onChange: (t: AlarmTransition, def: AlarmDefinition) => void = () => undefined,
  ) {
    // A new alarm starts in INSUFFICIENT_DATA (CloudWatch User Guide, "Alarm states").
    for (const a of alarms) this.states.set(a.name, 'INSUFFICIENT_DATA');
  }

  /** Publishes a level metric (queue depth) from a function of time. */
  public gauge(namespace: string, name: string, dimensions: Record<string, string>, value: Gauge): void {
    this.gauges.set(metricKey(namespace, name, dimensions), value);
  }

  /** The current state of an alarm. */
  public state(name: string): AlarmState | undefined {
    return this.states.get(name);
  }

  /** Alarms whose name matches, with their state. */
  public find(pattern: RegExp): { name: string; state: AlarmState }[] {
    return this.alarms.filter((a) => pattern.test(a.name)).map((a) => ({ name: a.name, state: this.states.get(a.name) ?? 'INSUFFICIENT_DATA' }));
  }

  /** Starts evaluating every alarm once a minute, on the minute. */
  public start(): void {
    if (this.running) return;
    this.running = true;
    const tick = (at: number) =>
      this.clock.at(at, 'cloudwatch alarm evaluation', () => {
        this.evaluateAll(at);
        tick(at + MINUTE);
      });
    tick(Math.ceil((this.clock.millis + 1) / MINUTE) * MINUTE);
  }

  /** The value of one period [from, to) of a metric, or undefined when it has no data. */
  private keyOf(def: AlarmDefinition): string {
    let key = this.keys.get(def);
    if (key === undefined) this.keys.set(def, (key = metricKey(def.namespace, def.metricName, def.dimensions)));
    return key;
  }

  private datapoint(def: AlarmDefinition, from: number, to: number): number | undefined {
    const key = this.keyOf(def);
    const gauge = this.gauges.get(key);
    const values: number[] = [];
    if (gauge) for (let t = from; t < to; t += MINUTE) values.push(gauge(t));
    else values.push(...this.telemetry.values(key, from, to));
    return values.length === 0 ? undefined : statistic(def.statistic, values);
  }

  /**
   * Evaluates one alarm at `now` on its evaluation range: the most recent N periods, aligned to the period, the current
   * one included as soon as it has data (CloudWatch evaluates alarms at a one-minute cadence; how it counts a partial
   * period is unconfirmed: assumed as soon as data arrives). ALARM when at least M of the N data points breach ("M out
   * of N", DatapointsToAlarm), OK otherwise. Missing data points (CloudWatch User Guide, "Configuring how CloudWatch
   * alarms treat missing data"): `breaching` counts them as breaching, `notBreaching` as good, `ignore` keeps the state
   * when none is present, and `missing` goes to INSUFFICIENT_DATA when every data point of the range is missing; with
   * some present, those two evaluate the present ones.
   */
  public evaluate(def: AlarmDefinition, now: number): AlarmState {
    const period = def.period * 1000;
    const current = Math.floor((now - 1) / period) * period;
    const points: (number | undefined)[] = [];
    for (let k = 0; k < def.evaluationPeriods; k++) points.push(this.datapoint(def, current - k * period, current - (k - 1) * period));
    const state = this.states.get(def.name) ?? 'INSUFFICIENT_DATA';
    let breaching = 0;
    let present = 0;
    for (const p of points) {
      if (p === undefined) {
        if (def.treatMissingData === 'breaching') breaching++;
        continue;
      }
      present++;
      if (breaches(def, p)) breaching++;
    }
    let next: AlarmState;
    if (present === 0 && def.treatMissingData === 'ignore') next = state;
    else if (present === 0 && def.treatMissingData === 'missing') next = 'INSUFFICIENT_DATA';
    else next = breaching >= def.datapointsToAlarm ? 'ALARM' : 'OK';
    if (next !== state) {
      this.states.set(def.name, next);
      const t: AlarmTransition = { time: new Date(now), name: def.name, from: state, to: next, reason: `${def.statistic} of ${def.metricName} ${def.comparison} ${def.threshold}: [${points.map((p) => (p === undefined ? '-' : String(p))).join(', ')}]` };
      this.transitions.push(t);
      this.onChange(t, def);
    }
    return next;
  }

  private evaluateAll(now: number): void {
    for (const def of this.alarms) {
      // Without new data and within the same period, an evaluation can only repeat the last one: skipped (a level
      // metric is sampled anew each minute, so it is always evaluated).
      const key = this.keyOf(def);
      if (!this.gauges.has(key)) {
        const signature = `${Math.floor((now - 1) / (def.period * 1000))}|${this.telemetry.size(key)}`;
        if (this.seen.get(def) === signature) continue;
        this.seen.set(def, signature);
      }
      this.evaluate(def, now);
    }
  }
}
