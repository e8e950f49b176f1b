/**
 * The simulation's telemetry: metrics are kept for the report and the tests; log lines are dropped
 * (the simulation prints its own steps).
 */
import type { Telemetry } from '../../lambdas/core/ports';

/** One metric data point. */
export interface MetricPoint {
  name: string;
  value: number;
  dimensions: Record<string, string>;
}

/** Telemetry that remembers metrics. */
export class SimTelemetry implements Telemetry {
  public readonly metrics: MetricPoint[] = [];
  public count(name: string, value = 1, dimensions: Record<string, string> = {}): void {
    this.metrics.push({ name, value, dimensions });
  }
  public seconds(name: string, value: number, dimensions: Record<string, string> = {}): void {
    this.metrics.push({ name, value, dimensions });
  }
  public info(): void {}
  public warn(): void {}
  public error(): void {}
  /** The sum of a metric where the given dimensions match. */
  public total(name: string, dimensions: Record<string, string> = {}): number {
    return this.metrics.filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v)).reduce((s, m) => s + m.value, 0);
  }
}
