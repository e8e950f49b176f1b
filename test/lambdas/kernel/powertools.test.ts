import { Logger } from '@aws-lambda-powertools/logger';
import { METRICS_NAMESPACE, METRICS_SERVICE, PowertoolsTelemetry, createMetrics } from '../../../lambdas/kernel/powertools';

describe('PowertoolsTelemetry', () => {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  afterEach(() => {
    process.env.POWERTOOLS_METRICS_DISABLED = saved;
    jest.restoreAllMocks();
  });

  it('emits each metric at once as EMF, with exactly the dimensions the alarms use', () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const lines: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // Whatever the function's own service name, the metric dimension is the project's.
    process.env.POWERTOOLS_SERVICE_NAME = 'on-rds-event';
    const telemetry = new PowertoolsTelemetry(new Logger({ logLevel: 'SILENT' }), createMetrics());
    telemetry.seconds('RestoreSeconds', 1500, { replica: 'orders-staging' });
    delete process.env.POWERTOOLS_SERVICE_NAME;
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((o) => '_aws' in o);
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'replica']], Metrics: [{ Name: 'RestoreSeconds', Unit: 'Seconds' }] }] },
      service: METRICS_SERVICE,
      replica: 'orders-staging',
      RestoreSeconds: 1500,
    });
  });
});
