import { runtimeConfigSchema } from '../../../lambdas/kernel/config';
import { runWatchdog } from '../../../lambdas/refresh/watchdog';
import { published } from '../../support/harness';
import { workflowWorld } from '../../support/workflow';

const NAME = 'replica-refresh-eu-central-1';
const world = workflowWorld();
const { rds } = world;

async function setup() {
  const ctx = await world.setup();
  const config = runtimeConfigSchema.parse({ ...ctx.config, eventSubscriptionName: NAME });
  const pass = async () => (await runWatchdog(ctx.deps, config)).map((o) => o.action);
  return { ...ctx, config, pass };
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
    // Once it is healthy again the alert is cleared, so a later breakage is news again.
    rds.subscription = subscription('active');
    await ctx.pass();
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
});
