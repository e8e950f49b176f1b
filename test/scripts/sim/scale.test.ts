/**
 * Many pairs in one region on the simulated account: the watchdog's RDS calls per pass, counted as the simulated
 * RDS recorded them, and the configuration cloned for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../lambdas/kernel/config';
import { scaleConfig, watchdogRdsCalls } from '../../../scripts/sim/scale';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;

describe('scaleConfig', () => {
  it('clones the first pair N times with numbered x and y in its regions, a valid configuration', () => {
    const cfg = parseConfig(scaleConfig(config, 200));
    expect(cfg.pairs).toHaveLength(200);
    expect(cfg.pairs.map((p) => p.replica.identifier).slice(0, 2)).toEqual(['orders-staging-001', 'orders-staging-002']);
    expect(cfg.pairs[199]?.source.identifier).toBe('orders-prod-200');
    expect(new Set(cfg.pairs.map((p) => p.replica.region))).toEqual(new Set(['eu-central-1']));
  });

  it('refuses a configuration without a pair and a count below 1', () => {
    expect(() => scaleConfig({ pairs: [] }, 2)).toThrow('the configuration has no pair to clone');
    expect(() => scaleConfig(config, 0)).toThrow('the number of pairs must be a whole number of at least 1, got 0');
  });
});

describe('the watchdog over many pairs', () => {
  it.each([
    // One DescribeDBInstances page per 100 instances of the region, and the event subscription's check.
    [200, { DescribeDBInstances: 2, DescribeEventSubscriptions: 1 }],
    [50, { DescribeDBInstances: 1, DescribeEventSubscriptions: 1 }],
  ])('makes one paged DescribeDBInstances a pass for %i pairs at rest, whatever their number', async (pairs, expected) => {
    const sim = await Simulation.create({ config: scaleConfig(config, pairs) });
    try {
      const calls = await watchdogRdsCalls(sim);
      expect(calls.byCommand).toEqual(expected);
      expect(calls.total).toBeLessThanOrEqual(3);
      // Every y was judged from the listing: present, so idle.
      expect(calls.actions.filter((a) => a === 'idle')).toHaveLength(pairs);
      expect(calls.actions).toContain('event-path:ok');
    } finally {
      await sim.close();
    }
  });

  it('still finds the one y of 200 that is gone, from the same listing', async () => {
    const sim = await Simulation.create({ config: scaleConfig(config, 200) });
    try {
      sim.rds.instances.delete('orders-staging-137');
      const calls = await watchdogRdsCalls(sim);
      expect(calls.byCommand.DescribeDBInstances).toBe(2);
      expect(calls.actions.filter((a) => a === 'idle')).toHaveLength(199);
      expect(calls.actions.filter((a) => a.startsWith('missing:'))).toEqual(['missing:alerted']);
    } finally {
      await sim.close();
    }
  });
});
