/**
 * The simulation's telemetry: metrics are kept, with the virtual time they were emitted at, for the
 * alarm evaluation (cloudwatch.ts), the report and the tests; log lines are dropped (the simulation
 * prints its own steps). Metrics go where Powertools sends them: the project's namespace, with the
 * `service` dimension on every data point besides the ones the code adds.
 */
import type { Telemetry } from '../../lambdas/kernel/ports';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../lambdas/kernel/powertools';

/** One metric data point. */
export interface MetricPoint {
  namespace: string;
  name: string;
  value: number;
  /** The dimensions the code gave, without the `service` dimension every project metric carries. */
  dimensions: Record<string, string>;
  time: Date;
}

/**
 * The identity of a metric in CloudWatch: namespace, name and the full dimension set. "CloudWatch treats each unique
 * combination of dimensions as a separate metric" (CloudWatch User Guide, "Metrics concepts", "Dimensions").
 */
export function metricKey(namespace: string, name: string, dimensions: Record<string, string>): string {
  return JSON.stringify([namespace, name, Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))]);
}

/** Telemetry that remembers metrics. */
export class SimTelemetry implements Telemetry {
  public readonly metrics: MetricPoint[] = [];
  /** Data points by metric identity, in time order. */
  private readonly series = new Map<string, { t: number; v: number }[]>();
  /** The metrics of each namespace and name (every dimension set), and how many data points they hold together. */
  private readonly byName = new Map<string, { metrics: { key: string; dimensions: Record<string, string> }[]; points: number }>();

  /** @param now the clock data points are stamped with (the virtual clock in a simulation) */
  public constructor(private readonly now: () => Date = () => new Date()) {}

  public count(name: string, value = 1, dimensions: Record<string, string> = {}): void {
    this.put(METRICS_NAMESPACE, name, value, dimensions);
  }
  public seconds(name: string, value: number, dimensions: Record<string, string> = {}): void {
    this.put(METRICS_NAMESPACE, name, value, dimensions);
  }
  public info(): void {}
  public warn(): void {}
  public error(): void {}

  /**
   * Records a data point. Project metrics get the `service` dimension Powertools adds to every metric
   * (lambdas/kernel/powertools.ts); metrics of AWS namespaces (AWS/Lambda, …) carry only their own.
   */
  public put(namespace: string, name: string, value: number, dimensions: Record<string, string> = {}, time: Date = this.now()): void {
    this.metrics.push({ namespace, name, value, dimensions, time });
    const full = namespace === METRICS_NAMESPACE ? { service: METRICS_SERVICE, ...dimensions } : dimensions;
    const key = metricKey(namespace, name, full);
    let list = this.series.get(key);
    const nameKey = `${namespace}\u0000${name}`;
    let named = this.byName.get(nameKey);
    if (!named) this.byName.set(nameKey, (named = { metrics: [], points: 0 }));
    if (!list) {
      this.series.set(key, (list = []));
      named.metrics.push({ key, dimensions: full });
    }
    named.points++;
    list.push({ t: time.getTime(), v: value });
    // Points may be seeded out of order (history before the simulation): keep the series sorted.
    if (list.length > 1 && list[list.length - 2]!.t > time.getTime()) list.sort((a, b) => a.t - b.t);
  }

  /** How many data points a metric (by its full identity) has: it changes exactly when data arrives. */
  public size(key: string): number {
    return this.series.get(key)?.length ?? 0;
  }

  /** The values of one metric (by its full identity) with a timestamp in [from, to). */
  public values(key: string, from: number, to: number): number[] {
    return this.points(key, from, to).map((p) => p.v);
  }

  /** The data points of one metric (by its full identity) with a timestamp in [from, to), in time order. */
  public points(key: string, from: number, to: number): { t: number; v: number }[] {
    const list = this.series.get(key);
    if (!list) return [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.t < from) lo = mid + 1;
      else hi = mid;
    }
    const out: { t: number; v: number }[] = [];
    for (let i = lo; i < list.length && list[i]!.t < to; i++) out.push(list[i]!);
    return out;
  }

  /** Every metric of a namespace and name, each with its identity and full dimensions (a Metrics Insights query's FROM). */
  public seriesOf(namespace: string, name: string): readonly { key: string; dimensions: Record<string, string> }[] {
    return this.byName.get(`${namespace}\u0000${name}`)?.metrics ?? [];
  }

  /** How many data points the metrics of a namespace and name hold together: it changes exactly when data arrives. */
  public sizeOfName(namespace: string, name: string): number {
    return this.byName.get(`${namespace}\u0000${name}`)?.points ?? 0;
  }

  /** The sum of a project metric where the given dimensions match. */
  public total(name: string, dimensions: Record<string, string> = {}): number {
    return this.metrics.filter((m) => m.namespace === METRICS_NAMESPACE && m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v)).reduce((s, m) => s + m.value, 0);
  }
}
