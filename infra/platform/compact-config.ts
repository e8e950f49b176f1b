/**
 * Lambda allows 4 KB of environment for all variables together, and a parsed pair spells out every default (about
 * 1 KB). A function that parses its configuration with the same schema gets the same pair from the keys that differ
 * from the defaults: this drops the others, and proves it by parsing again.
 */
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { pairSchema, type PairConfig } from '../../lambdas/kernel/config';

/** A pair as the schema accepts it: what {@link compactPair} returns. */
export type PairInput = z.input<typeof pairSchema>;

/**
 * The smallest input found (greedily, key by key, depth first) that {@link pairSchema} parses back to exactly
 * `pair`. Its string values must be plain text, not tokens: add tokens after compacting.
 */
export function compactPair(pair: PairConfig): PairInput {
  const target = plain(pair);
  const parsesBack = (candidate: unknown): boolean => {
    const result = pairSchema.safeParse(candidate);
    return result.success && isDeepStrictEqual(plain(result.data), target);
  };
  if (!parsesBack(target)) throw new Error(`pair ${pair.source.instanceId} → ${pair.replica.instanceId} does not parse back to itself; compact it before adding tokens`);
  const compact = plain(pair) as Record<string, unknown>;
  dropDefaults(compact, compact, parsesBack);
  return compact as PairInput;
}

/** Removes every key of `node` whose removal still parses back, recursing into the objects that must stay. */
function dropDefaults(root: Record<string, unknown>, node: Record<string, unknown>, parsesBack: (candidate: unknown) => boolean): void {
  for (const key of Object.keys(node)) {
    const kept = node[key];
    delete node[key];
    if (parsesBack(root)) continue;
    node[key] = kept;
    if (isPlainObject(kept)) dropDefaults(root, kept, parsesBack);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy as JSON sees it (no undefined members), for comparing and editing. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
