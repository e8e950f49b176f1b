/**
 * One logger and one metrics instance per function, and the core's Telemetry port on top of them.
 * Metrics go out as CloudWatch EMF through the log stream: no API call, no wait.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { Telemetry } from './ports';

/** The namespace every metric is published in; alarms and dashboards use it. */
export const METRICS_NAMESPACE = 'ReplicaRefresh';

/**
 * The `service` dimension Powertools puts on every metric. One value for all functions: a run may be
 * closed by on-rds-event or by the watchdog, and an alarm must see both as one metric stream.
 */
export const METRICS_SERVICE = 'replica-refresh';

/** A metrics instance with the project's namespace and service dimension. */
export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
}

/** The shared logger. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'replica-refresh' });

/** The shared metrics instance. */
export const metrics = createMetrics();

/** Telemetry backed by Powertools: each metric is emitted at once with its own dimensions (replica, reason). */
export class PowertoolsTelemetry implements Telemetry {
  public constructor(
    private readonly log: Logger = logger,
    private readonly metric: Metrics = metrics,
  ) {}

  private emit(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimensions?: Record<string, string>): void {
    const single = this.metric.singleMetric();
    if (dimensions) single.addDimensions(dimensions);
    single.addMetric(name, unit, value);
  }

  public count(name: string, value = 1, dimensions?: Record<string, string>): void {
    this.emit(name, MetricUnit.Count, value, dimensions);
  }

  public seconds(name: string, value: number, dimensions?: Record<string, string>): void {
    this.emit(name, MetricUnit.Seconds, value, dimensions);
  }

  public info(message: string, fields: Record<string, unknown> = {}): void {
    this.log.info(message, fields);
  }

  public warn(message: string, fields: Record<string, unknown> = {}): void {
    this.log.warn(message, fields);
  }

  public error(message: string, fields: Record<string, unknown> = {}): void {
    this.log.error(message, fields);
  }
}
