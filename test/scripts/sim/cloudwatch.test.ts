/**
 * CloudWatch alarm evaluation in the simulation: the alarm shapes of the synthesized Monitoring construct, evaluated
 * once a minute on data points with "M out of N" and the four ways to treat missing data; and Metrics Insights alarms
 * over the replicas, each replica a contributor with its own state, on the latest three hours of data, at most 100
 * contributors in ALARM.
 */
import { VirtualClock } from '../../../scripts/sim/clock';
import type { AlarmTransition } from '../../../scripts/sim/cloudwatch';
import { SimCloudWatch } from '../../../scripts/sim/cloudwatch';
import { parseInsightsQuery } from '../../../scripts/sim/metrics-insights';
import type { AlarmDefinition, AnyAlarmDefinition, InsightsAlarmDefinition } from '../../../scripts/sim/synth';
import { isInsightsAlarm, replicaStackDefinition } from '../../../scripts/sim/synth';
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

/** An alarm over the replicas as Monitoring defines them (run-failed by default). */
function insights(over: Partial<InsightsAlarmDefinition> & { fn?: string; metric?: string } = {}): InsightsAlarmDefinition {
  const { fn = 'SUM', metric = 'RefreshFailed', ...rest } = over;
  const expression = `SELECT ${fn}(${metric}) FROM SCHEMA("ReplicaRefresh", replica, service) WHERE service = 'replica-refresh' GROUP BY replica ORDER BY ${fn}() DESC`;
  return {
    name: 'replicas',
    logicalId: 'Replicas',
    expression,
    query: parseInsightsQuery(expression),
    period: 300,
    threshold: 0,
    comparison: 'GreaterThanThreshold',
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    ...rest,
  };
}

function world(defs: AnyAlarmDefinition[]) {
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

  it("reads every alarm from the synthesized Monitoring construct: the replicas' Metrics Insights alarms and the single-metric ones", async () => {
    const { alarms } = await replicaStackDefinition({
      account: '111111111111',
      region: 'eu-central-1',
      replicaIds: ['orders-staging'],
      rtoTargetMinutes: 45,
      alarms: { rtoMissed: true, noSuccessWithinHours: 26, runFailed: true, refused: true, restoreOverdue: true },
      functions: ['start-refresh', 'on-rds-event', 'watchdog'],
      manualSnapshotAlarms: [],
      copyFunction: false,
      watchdogIntervalMinutes: 5,
    });
    const overReplicas = alarms.filter(isInsightsAlarm);
    const single = alarms.filter((a): a is AlarmDefinition => !isInsightsAlarm(a));
    const byMetric = new Map(overReplicas.map((a) => [a.query.metricName, a]));
    expect(byMetric.get('SuccessOverdue')).toMatchObject({
      name: 'replica-refresh-eu-central-1-no-success',
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      query: { fn: 'MAX', namespace: 'ReplicaRefresh', schema: ['replica', 'service'], where: { service: 'replica-refresh' }, groupBy: ['replica'], orderBy: { fn: 'MAX', direction: 'DESC' } },
    });
    for (const metric of ['DeletionEventMissed', 'UsableEventMissed', 'NightCarriedByPolling']) expect(byMetric.get(metric)?.query.groupBy).toEqual(['replica']);
    expect(overReplicas).toHaveLength(9);
    expect(single.find((a) => a.metricName === 'EventPathUnhealthy')).toMatchObject({ name: 'replica-refresh-eu-central-1-event-path', statistic: 'Maximum', period: 300, dimensions: { service: 'replica-refresh', subscription: 'replica-refresh-eu-central-1' } });
    expect(single.filter((a) => a.namespace === 'AWS/Lambda' && a.metricName === 'Errors').map((a) => a.dimensions.FunctionName).sort()).toEqual(['on-rds-event', 'start-refresh', 'watchdog']);
    expect(single.filter((a) => a.metricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(4);
  });
});

describe('SimCloudWatch, Metrics Insights alarms over the replicas', () => {
  const states = (cw: SimCloudWatch, name = 'replicas'): Record<string, string> => Object.fromEntries(cw.contributors(name).map((c) => [c.attributes.replica ?? '', c.state]));

  it('judges each replica as a contributor: only the breaching one goes into ALARM, and the alarm with it', async () => {
    const { telemetry, cw, changes, at } = world([insights()]);
    telemetry.count('RefreshSucceeded', 1, { replica: 'y' });
    telemetry.count('RefreshFailed', 1, { replica: 'z' });
    await at(1);
    expect(states(cw)).toEqual({ z: 'ALARM' });
    expect(cw.state('replicas')).toBe('ALARM');
    expect(changes.map((c) => `${c.contributor?.attributes.replica ?? 'alarm'} ${c.from}→${c.to}`)).toEqual(['z OK→ALARM', 'alarm INSUFFICIENT_DATA→ALARM']);
    expect(changes[1]?.reason).toBe('1 out of 1 time series evaluated to ALARM');
    // A second replica fails while the alarm is in ALARM: its own notification, the alarm's state unchanged.
    telemetry.count('RefreshFailed', 2, { replica: 'y' });
    await at(2);
    expect(states(cw)).toEqual({ y: 'ALARM', z: 'ALARM' });
    expect(changes.slice(2).map((c) => `${c.contributor?.attributes.replica ?? 'alarm'} ${c.from}→${c.to}`)).toEqual(['y OK→ALARM']);
  });

  it('lets a contributor go when its series has no data in the evaluated periods (a series exists only with data), and the alarm to OK', async () => {
    const { telemetry, cw, changes, at } = world([insights()]);
    telemetry.count('RefreshFailed', 1, { replica: 'z' });
    await at(1);
    await at(6);
    expect(cw.contributors('replicas')).toEqual([]);
    expect(cw.state('replicas')).toBe('OK');
    expect(changes.map((c) => `${c.contributor?.attributes.replica ?? 'alarm'} ${c.from}→${c.to}`)).toEqual(['z OK→ALARM', 'alarm INSUFFICIENT_DATA→ALARM', 'z ALARM→OK', 'alarm ALARM→OK']);
  });

  it('keeps a replica overdue through a watchdog pass that came late (one of three periods), and lets it go three periods after its last report', async () => {
    const noSuccess = insights({ fn: 'MAX', metric: 'SuccessOverdue', threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 3, datapointsToAlarm: 1 });
    const { clock, telemetry, cw, at } = world([noSuccess]);
    const report = () => telemetry.put('ReplicaRefresh', 'SuccessOverdue', 1, { replica: 'y' }, clock.now());
    report();
    await at(1);
    expect(states(cw)).toEqual({ y: 'ALARM' });
    await at(11); // the passes of 00:05 and 00:10 did not report
    expect(states(cw)).toEqual({ y: 'ALARM' });
    await at(16);
    expect(states(cw)).toEqual({});
  });

  it('evaluates only the latest three hours of data, however many periods the alarm names', async () => {
    // Five hourly periods reach back to 20:00; the data of 20:30 is in them, but older than three hours.
    const fiveHours = insights({ period: 3600, evaluationPeriods: 5 });
    const { clock, telemetry, cw, at } = world([fiveHours]);
    telemetry.put('ReplicaRefresh', 'RefreshFailed', 1, { replica: 'y' }, new Date(clock.now().getTime() - 210 * 60_000));
    telemetry.put('ReplicaRefresh', 'RefreshFailed', 1, { replica: 'z' }, new Date(clock.now().getTime() - 150 * 60_000));
    await at(1);
    expect(states(cw, 'replicas')).toEqual({ z: 'ALARM' });
  });

  it('puts at most 100 contributors in ALARM, saying "100+", and the others in OK until a place frees', async () => {
    const { telemetry, cw, changes, at } = world([insights()]);
    for (let i = 0; i < 150; i++) telemetry.count('RefreshFailed', 1, { replica: `y-${String(i).padStart(3, '0')}` });
    await at(1);
    const all = cw.contributors('replicas');
    expect(all).toHaveLength(150);
    expect(all.filter((c) => c.state === 'ALARM')).toHaveLength(100);
    expect(changes.filter((c) => c.contributor && c.to === 'ALARM')).toHaveLength(100);
    expect(changes.at(-1)).toMatchObject({ to: 'ALARM', reason: '100+ time series evaluated to ALARM' });
  });

  it('evaluates the 500 series a query returns, the highest first (its ORDER BY), and says PARTIAL_DATA', async () => {
    const { telemetry, cw, changes, at } = world([insights({ threshold: 5 })]);
    for (let i = 0; i < 600; i++) telemetry.count('RefreshFailed', i < 10 ? 10 : 1, { replica: `y-${String(i).padStart(3, '0')}` });
    await at(1);
    expect(cw.contributors('replicas')).toHaveLength(500);
    expect(cw.contributors('replicas').filter((c) => c.state === 'ALARM').map((c) => c.attributes.replica)).toHaveLength(10);
    expect(changes.at(-1)?.reason).toBe('10 out of 500 time series evaluated to ALARM (PARTIAL_DATA)');
  });

  it('matches only metrics with exactly the dimensions of SCHEMA and the WHERE value', async () => {
    const { telemetry, cw, at } = world([insights()]);
    telemetry.put('ReplicaRefresh', 'RefreshFailed', 1, { replica: 'extra', run: 'r1' });
    telemetry.put('ReplicaRefresh', 'RefreshFailed', 1, { service: 'someone-else', replica: 'other' });
    telemetry.put('ReplicaRefresh', 'RefreshFailed', 1, { replica: 'y' });
    await at(1);
    expect(states(cw)).toEqual({ y: 'ALARM' });
  });

  it('reads the query language the project uses, and refuses what it does not simulate', () => {
    expect(parseInsightsQuery("select sum(RefreshFailed) from SCHEMA(\"ReplicaRefresh\", replica, service) where service = 'replica-refresh' group by replica order by SUM() desc limit 10")).toEqual({
      fn: 'SUM',
      metricName: 'RefreshFailed',
      namespace: 'ReplicaRefresh',
      schema: ['replica', 'service'],
      where: { service: 'replica-refresh' },
      groupBy: ['replica'],
      orderBy: { fn: 'SUM', direction: 'DESC' },
      limit: 10,
    });
    expect(parseInsightsQuery('SELECT AVG(CPUUtilization) FROM "AWS/EC2"')).toMatchObject({ namespace: 'AWS/EC2', where: {}, groupBy: [] });
    expect(() => parseInsightsQuery("SELECT SUM(x) FROM SCHEMA(\"N\", a) WHERE a != 'b'")).toThrow("evaluates only labelKey = 'value' conditions joined by AND");
    expect(() => parseInsightsQuery('SELECT P99(x) FROM "N"')).toThrow('Metrics Insights has no function P99');
  });
});
