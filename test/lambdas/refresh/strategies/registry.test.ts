import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairOfEvent } from '../../../../lambdas/events/on-event';
import { parseConfig } from '../../../../lambdas/kernel/config';
import { DELETE_FIRST } from '../../../../lambdas/refresh/strategies/delete-first';
import { strategyOf } from '../../../../lambdas/refresh/strategies/registry';

const example = (JSON.parse(readFileSync(join(__dirname, '../../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: Record<string, unknown> } }).context.replicaRefresh;

describe('refresh strategies', () => {
  it('refreshes delete-first unless the pair says otherwise, and refuses a mode it does not know', () => {
    const config = parseConfig(example);
    expect(config.pairs[0]!.refresh).toEqual({ mode: 'delete-first' });
    expect(strategyOf(config.pairs[0]!)).toBe(DELETE_FIRST);
    const pairs = example.pairs as Record<string, unknown>[];
    expect(() => parseConfig({ ...example, pairs: [{ ...pairs[0], refresh: { mode: 'blue-green' } }] })).toThrow('replicaRefresh.pairs[0] (orders-staging).refresh.mode = "blue-green"');
  });

  it('maps an RDS event to the pair whose strategy manages the instance it names, not by the pair id', () => {
    const pairs = example.pairs as Record<string, unknown>[];
    const config = parseConfig({ ...example, pairs: [{ ...pairs[0], id: 'orders' }] });
    expect(pairOfEvent(config, 'orders-staging')?.id).toBe('orders');
    expect(pairOfEvent(config, 'orders')).toBeUndefined();
    expect(DELETE_FIRST.awaitsGone({ phase: 'deleting' } as never)).toBe(true);
    expect(DELETE_FIRST.awaitsGone({ phase: 'restoring' } as never)).toBe(false);
  });
});
