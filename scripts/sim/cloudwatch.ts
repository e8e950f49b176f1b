/**
 * CloudWatch alarms as the project defines them (read from the synthesized Monitoring construct,
 * synth.ts), evaluated on the virtual clock against the metrics the functions emit (telemetry.ts)
 * and the ones AWS services publish for them (Lambda Errors, SQS queue depth): single-metric alarms
 * with a statistic, a comparison, N evaluation periods of which M must breach, and the four ways to
 * treat missing data; and Metrics Insights alarms whose query groups a metric by replica, each series
 * a contributor with its own state (metrics-insights.ts runs the query). State changes go to a
 * listener: the demo's `ALARM <name>` / `OK <name>` lines (naming the contributor) and the alarm
 * action (a notification, for the alarm and for each contributor).
 */
import type { VirtualClock } from './clock';
import { runInsightsQuery } from './metrics-insights';
import type { AlarmDefinition, AnyAlarmDefinition, InsightsAlarmDefinition } from './synth';
import { isInsightsAlarm } from './synth';
import type { SimTelemetry } from './telemetry';
import { metricKey } from './telemetry';

/** ALARM, OK or INSUFFICIENT_DATA (PutMetricAlarm, StateValue). */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** A contributor of a multi-time-series alarm: one series of its query. */
export interface AlarmContributor {
  /**
   * Its identity: "The unique identifier for this alarm contributor", at most 16 characters (CloudWatch API
   * Reference, "AlarmContributor", https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmContributor.html);
   * how CloudWatch forms it is not documented: here a hash of the attributes.
   */
  id: string;
  /** "A map of attributes that describe the contributor, such as metric dimensions" (same page): its GROUP BY labels. */
  attributes: Record<string, string>;
}

/** One state change of one alarm, or of one contributor of a multi-time-series alarm. */
export interface AlarmTransition {
  time: Date;
  name: string;
  from: AlarmState;
  to: AlarmState;
  /** Why: the data points of the evaluation range, newest first (undefined = missing), or the contributors' count. */
  reason: string;
  /** Set when the transition is a contributor's (the alarm's own state changes without one). */
  contributor?: AlarmContributor;
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

/**
 * "Only the latest 3 hours of data can be used for evaluating the alarm's conditions" of a Metrics Insights alarm
 * (CloudWatch User Guide, "Limits", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html).
 */
export const INSIGHTS_WINDOW_MS = 3 * 3_600_000;

/**
 * "Alarms evaluating multiple time series will limit the number of contributors in ALARM to 100" (same page), and the
 * state reason then reads "100+ time series evaluated to ALARM". Which contributors get the places is not documented:
 * the simulation keeps those already in ALARM and fills the rest in the query's order.
 */
export const MAX_CONTRIBUTORS_IN_ALARM = 100;

function contributorId(attributes: Record<string, string>): string {
  // A stable 16-character id from the attributes (FNV-1a, twice): ids need only be unique per alarm.
  const text = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b)));
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ text.charCodeAt(text.length - 1 - i), 0x811c9dc5) >>> 0;
  }
  return `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

function breaches(def: Pick<AlarmDefinition, 'comparison' | 'threshold'>, value: number): boolean {
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
  private readonly seen = new Map<AnyAlarmDefinition, string>();
  /** The contributors of each multi-time-series alarm, by id: only those whose series exists. */
  private readonly contributorStates = new Map<string, Map<string, { contributor: AlarmContributor; state: 'ALARM' | 'OK' }>>();
  private running = false;

  public constructor(
    private readonly clock: VirtualClock,
    private readonly telemetry: SimTelemetry,
    public readonly alarms: readonly AnyAlarmDefinition[],
    private readonly onChange: (t: AlarmTransition, def: AnyAlarmDefinition) => void = () => undefined,
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

  /** The contributors of a multi-time-series alarm whose series exist now, with their state. */
  public contributors(name: string): { attributes: Record<string, string>; state: 'ALARM' | 'OK' }[] {
    return [...(this.contributorStates.get(name)?.values() ?? [])].map((c) => ({ attributes: c.contributor.attributes, state: c.state }));
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
  public evaluate(def: AnyAlarmDefinition, now: number): AlarmState {
    return isInsightsAlarm(def) ? this.evaluateInsights(def, now) : this.evaluateMetric(def, now);
  }

  private evaluateMetric(def: AlarmDefinition, now: number): AlarmState {
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

  /**
   * Evaluates a Metrics Insights alarm at `now` (CloudWatch User Guide, "Create a CloudWatch alarm based on a Metrics
   * Insights query", "Limits" and "Acting on alarm changes"):
   * - the query runs over the alarm's evaluation range (the latest N periods, as for a single metric), on the latest
   *   three hours of data only;
   * - "each returned time series becomes a contributor to the alarm", judged on its own points with the alarm's M out
   *   of N and missing-data treatment; a contributor "can only be in ALARM or OK state, never in INSUFFICIENT_DATA
   *   state. This is because a time series only exists when data is present": a contributor in ALARM whose series is
   *   no longer returned goes to OK (assumed: the documentation says only that it cannot stay);
   * - at most 100 contributors are in ALARM (MAX_CONTRIBUTORS_IN_ALARM); more than 500 series (or 10,000 metrics)
   *   make the evaluation PARTIAL_DATA, named in the reason;
   * - the alarm is in ALARM while a contributor is, otherwise OK when the query returned series; with none at all its
   *   missing-data treatment decides, as for a single metric with every point missing;
   * - "SNS notifications: Alarm Level Yes, Contributor Level Yes": each contributor's change and each change of the
   *   alarm's own state is a transition (and a notification, world.ts). A new contributor that starts in OK is no
   *   change.
   */
  private evaluateInsights(def: InsightsAlarmDefinition, now: number): AlarmState {
    const period = def.period * 1000;
    const current = Math.floor((now - 1) / period) * period;
    const first = current - (def.evaluationPeriods - 1) * period;
    const result = runInsightsQuery(def.query, this.telemetry, first, period, def.evaluationPeriods, now - INSIGHTS_WINDOW_MS);
    let known = this.contributorStates.get(def.name);
    if (!known) this.contributorStates.set(def.name, (known = new Map<string, { contributor: AlarmContributor; state: 'ALARM' | 'OK' }>()));
    const wants = result.series.map((series) => {
      let breaching = 0;
      for (const p of series.points) if (p === undefined ? def.treatMissingData === 'breaching' : breaches(def, p)) breaching++;
      const contributor = { id: contributorId(series.labels), attributes: series.labels };
      return { contributor, alarm: breaching >= def.datapointsToAlarm, points: series.points };
    });
    // Places in ALARM: first for those already there, then in the query's order.
    let inAlarm = wants.filter((w) => w.alarm && known.get(w.contributor.id)?.state === 'ALARM').length;
    let over = 0;
    const next = new Map<string, { contributor: AlarmContributor; state: 'ALARM' | 'OK' }>();
    const changes: AlarmTransition[] = [];
    const time = new Date(now);
    for (const w of wants) {
      const before = known.get(w.contributor.id)?.state;
      let state: 'ALARM' | 'OK' = 'OK';
      if (w.alarm && before === 'ALARM') state = 'ALARM';
      else if (w.alarm && inAlarm < MAX_CONTRIBUTORS_IN_ALARM) {
        state = 'ALARM';
        inAlarm++;
      } else if (w.alarm) over++;
      next.set(w.contributor.id, { contributor: w.contributor, state });
      if (before !== undefined ? before !== state : state === 'ALARM') {
        changes.push({ time, name: def.name, from: before ?? 'OK', to: state, contributor: w.contributor, reason: `${def.query.fn} of ${def.query.metricName} ${def.comparison} ${def.threshold}: [${[...w.points].reverse().map((p) => (p === undefined ? '-' : String(p))).join(', ')}]` });
      }
    }
    for (const [id, c] of known) {
      if (!next.has(id) && c.state === 'ALARM') changes.push({ time, name: def.name, from: 'ALARM', to: 'OK', contributor: c.contributor, reason: 'no data in the evaluation range: the series no longer exists' });
    }
    this.contributorStates.set(def.name, next);
    const state = this.states.get(def.name) ?? 'INSUFFICIENT_DATA';
    let alarmState: AlarmState;
    if (inAlarm > 0) alarmState = 'ALARM';
    else if (result.series.length > 0) alarmState = 'OK';
    else if (def.treatMissingData === 'ignore') alarmState = state;
    else if (def.treatMissingData === 'missing') alarmState = 'INSUFFICIENT_DATA';
    else alarmState = def.treatMissingData === 'breaching' ? 'ALARM' : 'OK';
    const reason = `${over > 0 ? `${MAX_CONTRIBUTORS_IN_ALARM}+ time series evaluated to ALARM` : `${inAlarm} out of ${result.series.length} time series evaluated to ALARM`}${result.partial ? ' (PARTIAL_DATA)' : ''}`;
    for (const t of changes) {
      this.transitions.push(t);
      this.onChange(t, def);
    }
    if (alarmState !== state) {
      this.states.set(def.name, alarmState);
      const t: AlarmTransition = { time, name: def.name, from: state, to: alarmState, reason };
      this.transitions.push(t);
      this.onChange(t, def);
    }
    return alarmState;
  }

  private evaluateAll(now: number): void {
    for (const def of this.alarms) {
      // Without new data and within the same period, an evaluation can only repeat the last one: skipped (a level
      // metric is sampled anew each minute, so it is always evaluated).
      if (isInsightsAlarm(def)) {
        const signature = `${Math.floor((now - 1) / (def.period * 1000))}|${this.telemetry.sizeOfName(def.query.namespace, def.query.metricName)}`;
        if (this.seen.get(def) === signature) continue;
        this.seen.set(def, signature);
        this.evaluate(def, now);
        continue;
      }
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
