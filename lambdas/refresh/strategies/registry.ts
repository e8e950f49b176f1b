/** The refresh strategies, by mode: the one place a new mode is added. */
import type { PairConfig } from '../../kernel/config';
import { DELETE_FIRST } from './delete-first';
import { DNS_SWITCH } from './dns-switch';
import { RENAME_SWAP } from './rename-swap';
import type { RefreshMode, RefreshStrategy } from './strategy';

const STRATEGIES: Readonly<Record<RefreshMode, RefreshStrategy>> = {
  'delete-first': DELETE_FIRST,
  'rename-swap': RENAME_SWAP,
  'dns-switch': DNS_SWITCH,
};

/** The strategy a pair's refresh follows (`refresh.mode`). */
export function strategyOf(pair: Pick<PairConfig, 'refresh'>): RefreshStrategy {
  return STRATEGIES[pair.refresh.mode];
}
