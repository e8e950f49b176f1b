/**
 * The event path's health, checked by the watchdog on every pass (lambdas/refresh/event-path.ts): each of the
 * region's subscriptions on its own, with its metric, its alert and its ledger record.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { eventSubscriptionsOf, runtimeConfigSchema } from '../../../lambdas/kernel/config';
import type { EventSubscriptionView } from '../../../lambdas/kernel/ports';
import { checkEventPaths, EVENT_PATH_ALERT } from '../../../lambdas/refresh/event-path';
import { runWatchdog } from '../../../lambdas/refresh/watchdog';
import { published } from '../../support/harness';
import { workflowWorld } from '../../support/workflow';

const NAME = 'replica-refresh-eu-central-1';
const CLUSTERS = 'replica-refresh-eu-central-1-db-cluster';
const world = workflowWorld();
const { rds } = world;

async function setup(names: Record<string, unknown> = { eventSubscriptionNames: [NAME] }) {
  const ctx = await world.setup();
  const { eventSubscriptionName: _old, eventSubscriptionNames: _new, ...rest } = ctx.config;
  const config = runtimeConfigSchema.parse({ ...rest, ...names });
  const pass = async () => (await runWatchdog(ctx.deps, config)).map((o) => o.action);
  /** The ledger's alert record of a subscription (partition `event-path#<region>`), or undefined. */
  const alertRecord = async (subscription: string) => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: ctx.endpoint, region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
    const out = await doc.send(new GetCommand({ TableName: config.ledgerTableName, Key: { replica: `${EVENT_PATH_ALERT}#${config.region}`, sk: `ALERT#${subscription}` } }));
    return out.Item;
  };
  const unhealthy = (subscription: string) => ctx.deps.telemetry.metrics.filter((m) => m.name === 'EventPathUnhealthy' && m.dimensions.subscription === subscription).map((m) => m.value);
  return { ...ctx, config, pass, alertRecord, unhealthy };
}

const subscription = (status: string, extra: Record<string, unknown> = {}) => ({ CustSubscriptionId: NAME, Status: status, Enabled: true, SourceType: 'db-instance', SnsTopicArn: 'arn:aws:sns:eu-central-1:111111111111:events', ...extra });

describe('the watchdog checks the event path', () => {
  it('reports a healthy, active subscription as EventPathUnhealthy 0 and alerts nothing', async () => {
    const ctx = await setup();
    rds.subscription = subscription('active');
    expect(await ctx.pass()).toEqual(['event-path:ok', 'idle']);
    // A data point of 0 on every healthy pass, so the alarm returns to OK.
    expect(ctx.deps.telemetry.metrics.filter((m) => m.name === 'EventPathUnhealthy').map((m) => [m.value, m.dimensions])).toEqual([[0, { subscription: NAME }]]);
    expect(published()).toEqual([]);
  });

  it.each([
    ['no-permission', subscription('no-permission'), 'events.rds.amazonaws.com'],
    ['topic-not-exist', subscription('topic-not-exist'), 'topic is gone'],
    ['all-sources-deleted', subscription('all-sources-deleted', { SourceIdsList: ['orders-staging'] }), 'is all-sources-deleted'],
    ['disabled', subscription('active', { Enabled: false }), 'is disabled'],
    ['missing', undefined, 'does not exist'],
  ])('alerts once and reports EventPathUnhealthy 1 when the subscription is %s, and refreshes go on', async (_what, sub, text) => {
    const ctx = await setup();
    rds.subscription = sub;
    await ctx.pass();
    await ctx.pass();
    expect(ctx.deps.telemetry.total('EventPathUnhealthy', { subscription: NAME })).toBe(2);
    expect(published().map((p) => p.kind)).toEqual(['event-path.unhealthy']);
    expect(published()[0]?.text).toContain(text);
    expect(await ctx.alertRecord(NAME)).toBeDefined();
    // Once it is healthy again the alert is cleared, so a later breakage is news again.
    rds.subscription = subscription('active');
    await ctx.pass();
    expect(await ctx.alertRecord(NAME)).toBeUndefined();
    rds.subscription = subscription('no-permission');
    await ctx.pass();
    expect(published().map((p) => p.kind)).toEqual(['event-path.unhealthy', 'event-path.unhealthy']);
  });

  it('clears the alert record of a healthy path once an hour per warm container, and on the first healthy pass after a problem', async () => {
    const ctx = await setup();
    const clears = jest.spyOn(ctx.deps.ledger, 'clearAlert');
    rds.subscription = subscription('active');
    await ctx.pass();
    ctx.clock.advanceMinutes(5);
    await ctx.pass();
    ctx.clock.advanceMinutes(50);
    await ctx.pass();
    expect(clears).toHaveBeenCalledTimes(1);
    ctx.clock.advanceMinutes(5);
    await ctx.pass();
    expect(clears).toHaveBeenCalledTimes(2);
    rds.subscription = subscription('no-permission');
    ctx.clock.advanceMinutes(5);
    await ctx.pass();
    rds.subscription = subscription('active');
    ctx.clock.advanceMinutes(5);
    await ctx.pass();
    expect(clears).toHaveBeenCalledTimes(3);
    // The record is gone: the next breakage is news.
    rds.subscription = subscription('topic-not-exist');
    await ctx.pass();
    expect(published().map((p) => p.kind)).toEqual(['event-path.unhealthy', 'event-path.unhealthy']);
  });

  it('flags a subscription that lists SourceIds: they stop matching once y is deleted', async () => {
    const ctx = await setup();
    rds.subscription = subscription('active', { SourceIdsList: ['orders-staging'] });
    expect((await ctx.pass())[0]).toBe('event-path:active');
    expect(published()[0]?.text).toContain('lists SourceIds (orders-staging)');
  });

  it('still reads a configuration bundled before issue 15, which names its one subscription as eventSubscriptionName', async () => {
    const ctx = await setup({ eventSubscriptionName: NAME });
    expect(eventSubscriptionsOf(ctx.config)).toEqual([NAME]);
    rds.subscription = subscription('no-permission');
    expect(await ctx.pass()).toEqual(['event-path:no-permission', 'idle']);
    expect(ctx.unhealthy(NAME)).toEqual([1]);
    expect(published().map((p) => p.kind)).toEqual(['event-path.unhealthy']);
  });

  it('checks nothing when the configuration names no subscription', async () => {
    const ctx = await setup({});
    const describe = jest.spyOn(ctx.deps.rds, 'describeEventSubscription');
    expect(await ctx.pass()).toEqual(['idle']);
    expect(describe).not.toHaveBeenCalled();
  });

  it('fails to load a configuration that names a subscription twice', async () => {
    const { config } = await world.setup();
    expect(() => runtimeConfigSchema.parse({ ...config, eventSubscriptionNames: [NAME, NAME] })).toThrow('must not name a subscription twice');
  });
});

describe('the watchdog checks every subscription of a region with Aurora cluster pairs', () => {
  /** What DescribeEventSubscriptions says of each subscription, by name (undefined: it does not exist). */
  let views: Record<string, EventSubscriptionView | undefined>;
  const view = (name: string, status: string, extra: Partial<EventSubscriptionView> = {}): EventSubscriptionView => ({
    name,
    status,
    enabled: true,
    sourceType: name === CLUSTERS ? 'db-cluster' : 'db-instance',
    sourceIds: [],
    topicArn: 'arn:aws:sns:eu-central-1:111111111111:events',
    ...extra,
  });

  async function twoPaths() {
    const ctx = await setup({ eventSubscriptionNames: [NAME, CLUSTERS] });
    views = { [NAME]: view(NAME, 'active'), [CLUSTERS]: view(CLUSTERS, 'active') };
    const describe = jest.spyOn(ctx.deps.rds, 'describeEventSubscription').mockImplementation((name) => Promise.resolve(views[name]));
    return { ...ctx, describe };
  }

  it('reads each subscription once per pass and reports EventPathUnhealthy 0 for each, alerting nothing', async () => {
    const ctx = await twoPaths();
    expect(await ctx.pass()).toEqual(['event-path:ok', `event-path:ok (${CLUSTERS})`, 'idle']);
    expect(ctx.describe.mock.calls).toEqual([[NAME], [CLUSTERS]]);
    expect(ctx.unhealthy(NAME)).toEqual([0]);
    expect(ctx.unhealthy(CLUSTERS)).toEqual([0]);
    expect(published()).toEqual([]);
  });

  it('alerts once for the broken cluster subscription, with its own metric and ledger record, while the instances path stays healthy', async () => {
    const ctx = await twoPaths();
    views[CLUSTERS] = view(CLUSTERS, 'no-permission');
    await ctx.pass();
    await ctx.pass();
    expect(ctx.unhealthy(CLUSTERS)).toEqual([1, 1]);
    expect(ctx.unhealthy(NAME)).toEqual([0, 0]);
    expect(published().map((p) => [p.kind, p.json.subscription, p.json.status])).toEqual([['event-path.unhealthy', CLUSTERS, 'no-permission']]);
    // The fix names the ARNs the topic policy must admit for a db-cluster subscription.
    expect(published()[0]?.text).toContain('aws:SourceArn arn:…:rds:eu-central-1:111111111111:cluster:*');
    expect(await ctx.alertRecord(CLUSTERS)).toBeDefined();
    expect(await ctx.alertRecord(NAME)).toBeUndefined();
  });

  it('keeps one alert per subscription: a second broken subscription is news, and each clears when it alone is healthy again', async () => {
    const ctx = await twoPaths();
    views[CLUSTERS] = undefined;
    await ctx.pass();
    views[NAME] = view(NAME, 'topic-not-exist');
    ctx.clock.advanceMinutes(5);
    await ctx.pass();
    expect(published().map((p) => p.json.subscription)).toEqual([CLUSTERS, NAME]);
    expect(published()[0]?.text).toContain(`${CLUSTERS} does not exist in eu-central-1`);
    views[CLUSTERS] = view(CLUSTERS, 'active');
    ctx.clock.advanceMinutes(5);
    expect(await ctx.pass()).toEqual(['event-path:topic-not-exist', `event-path:ok (${CLUSTERS})`, 'idle']);
    expect(await ctx.alertRecord(CLUSTERS)).toBeUndefined();
    expect(await ctx.alertRecord(NAME)).toBeDefined();
    // The cluster path breaks again: news, since its own record was cleared; the instances' alert is not repeated.
    views[CLUSTERS] = view(CLUSTERS, 'disabled', { enabled: false });
    ctx.clock.advanceMinutes(5);
    await ctx.pass();
    expect(published().map((p) => p.json.subscription)).toEqual([CLUSTERS, NAME, CLUSTERS]);
  });

  it('checks the other subscription when one cannot be read, and fails the pass at the end so the error alarm fires', async () => {
    const ctx = await twoPaths();
    ctx.describe.mockImplementation((name) => (name === NAME ? Promise.reject(new Error('Throttling: Rate exceeded')) : Promise.resolve(view(CLUSTERS, 'no-permission'))));
    await expect(ctx.pass()).rejects.toThrow(`event path ${NAME}: `);
    expect(ctx.unhealthy(CLUSTERS)).toEqual([1]);
    expect(ctx.unhealthy(NAME)).toEqual([]);
    expect(published().map((p) => p.json.subscription)).toEqual([CLUSTERS]);
    const findings = await checkEventPaths(ctx.deps, ctx.config);
    expect(findings.map((f) => ('error' in f ? [f.subscription, 'error'] : [f.subscription, f.action]))).toEqual([
      [NAME, 'error'],
      [CLUSTERS, `event-path:no-permission (${CLUSTERS})`],
    ]);
  });
});
