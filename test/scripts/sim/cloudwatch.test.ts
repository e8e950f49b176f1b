/**
 * CloudWatch alarm evaluation in the simulation: the alarm shapes of the synthesized Monitoring construct, evaluated
 * once a minute on data points with "M out of N" and the four ways to treat missing data.
 */
import { VirtualClock } from '../../../scripts/sim/clock';
import type { AlarmTransition } from '../../../scripts/sim/cloudwatch';
import { SimCloudWatch } from '../../../scripts/sim/cloudwatch';
import type { AlarmDefinition } from '../../../scripts/sim/synth';
import { replicaStackDefinition } from '../../../scripts/sim/synth';
import { SimTelemetry } from '../../../scripts/sim/telemetry';

const START = new Date('2026-11-21T00:00:00Z');

function alarm(over: Partial<AlarmDefinition>): AlarmDefinition {
  return {
    name: 'test',
    logicalId: 'Test',
    namespace: 'ReplicaRefresh',
    metricName: 'RefreshFailed',
    dimensions: { service: 'replica-refresh', replica: 'y' },
    period: 300,
    statistic: 'Sum',
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    ...over,
  };
}

function world(defs: AlarmDefinition[]) {
  const clock = new VirtualClock(START);
  const telemetry = new SimTelemetry(clock.now);
  const changes: AlarmTransition[] = [];
  const cw = new SimCloudWatch(clock, telemetry, defs, (t) => changes.push(t));
  cw.start();
  const at = (minutes: number) => clock.run(START.getTime() + minutes * 60_000);
  return { clock, telemetry, cw, changes, at };
}

describe('SimCloudWatch', () => {
  it('goes to "ALARM" when the period breaches, and back to "OK" when a period without data follows ("notBreaching")', async () => {
    const { telemetry, cw, changes, at } = world([alarm({})]);
    await at(2);
    expect(cw.state('test')).toBe('OK');
    telemetry.count('RefreshFailed', 1, { replica: 'y' });
    await at(3);
    expect(cw.state('test')).toBe('ALARM');
    // Another replica's data point is another metric.
    telemetry.count('RefreshFailed', 1, { replica: 'z' });
    await at(11);
    expect(cw.state('test')).toBe('OK');
    expect(changes.map((c) => `${c.from}→${c.to}`)).toEqual(['INSUFFICIENT_DATA→OK', 'OK→ALARM', 'ALARM→OK']);
  });

  it('alarms on N periods without data when missing data is "breaching", and a data point in any of them keeps it "OK"', async () => {
    const noSuccess = alarm({ name: 'no-success', metricName: 'RefreshSucceeded', period: 3600, threshold: 1, comparison: 'LessThanThreshold', evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: 'breaching' });
    const { clock, telemetry, cw, at } = world([noSuccess]);
    telemetry.put('ReplicaRefresh', 'RefreshSucceeded', 1, { replica: 'y' }, new Date(START.getTime() - 30 * 60_000));
    await at(60);
    expect(cw.state('no-success')).toBe('OK');
    await at(3 * 60 + 1);
    expect(cw.state('no-success')).toBe('ALARM');
    telemetry.put('ReplicaRefresh', 'RefreshSucceeded', 1, { replica: 'y' }, clock.now());
    await at(3 * 60 + 2);
    expect(cw.state('no-success')).toBe('OK');
  });

  it('keeps its state without data when missing data is "ignore", and goes to INSUFFICIENT_DATA when it is "missing"', async () => {
    const { telemetry, cw, at } = world([alarm({ name: 'ignore', metricName: 'EventPathUnhealthy', statistic: 'Maximum', threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', treatMissingData: 'ignore' }), alarm({ name: 'missing', metricName: 'EventPathUnhealthy', statistic: 'Maximum', threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', treatMissingData: 'missing' })]);
    await at(1);
    expect([cw.state('ignore'), cw.state('missing')]).toEqual(['INSUFFICIENT_DATA', 'INSUFFICIENT_DATA']);
    telemetry.count('EventPathUnhealthy', 1, { replica: 'y' });
    await at(2);
    expect([cw.state('ignore'), cw.state('missing')]).toEqual(['ALARM', 'ALARM']);
    await at(11);
    expect([cw.state('ignore'), cw.state('missing')]).toEqual(['ALARM', 'INSUFFICIENT_DATA']);
  });

  it('samples a level metric (a queue\'s depth) each minute and takes its "Maximum"', async () => {
    let depth = 0;
    const dlq = alarm({ name: 'dlq', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'q' }, statistic: 'Maximum' });
    const { cw, at } = world([dlq]);
    cw.gauge('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: 'q' }, () => depth);
    await at(4);
    expect(cw.state('dlq')).toBe('OK');
    depth = 1;
    await at(5);
    expect(cw.state('dlq')).toBe('ALARM');
  });

  it("reads every alarm from the synthesized Monitoring construct, the event path's and the replica's event-path metrics among them", async () => {
    const { alarms } = await replicaStackDefinition({
      account: '111111111111',
      region: 'eu-central-1',
      replicaIds: ['orders-staging'],
      rtoTargetMinutes: 45,
      alarms: { rtoMissed: true, noSuccessWithinHours: 26, runFailed: true, refused: true, restoreOverdue: true },
      pausedReplicaIds: [],
      functions: ['start-refresh', 'on-rds-event', 'watchdog'],
      manualSnapshotAlarms: [],
      copyFunction: false,
      watchdogIntervalMinutes: 5,
    });
    const byMetric = new Map(alarms.map((a) => [a.metricName, a]));
    expect(byMetric.get('RefreshSucceeded')).toMatchObject({ name: 'replica-refresh-orders-staging-no-success', period: 3600, evaluationPeriods: 26, treatMissingData: 'breaching', dimensions: { service: 'replica-refresh', replica: 'orders-staging' } });
    expect(byMetric.get('EventPathUnhealthy')).toMatchObject({ name: expect.stringContaining('event-path') as unknown, statistic: 'Maximum', period: 300, dimensions: { service: 'replica-refresh', subscription: 'replica-refresh-eu-central-1' } });
    for (const metric of ['DeletionEventMissed', 'UsableEventMissed', 'NightCarriedByPolling']) expect(byMetric.get(metric)?.dimensions).toEqual({ service: 'replica-refresh', replica: 'orders-staging' });
    expect(alarms.filter((a) => a.namespace === 'AWS/Lambda' && a.metricName === 'Errors').map((a) => a.dimensions.FunctionName).sort()).toEqual(['on-rds-event', 'start-refresh', 'watchdog']);
    expect(alarms.filter((a) => a.metricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(4);
  });
});
