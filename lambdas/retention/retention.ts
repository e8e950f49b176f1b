/**
 * One retention pass over the project's copies of x in y's region: find them, protect the snapshot y
 * holds and the one an active run has chosen, let the policy decide, and delete only what carries
 * the ownership tag at the moment of deletion.
 */
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import { copiesSnapshots } from '../kernel/config';
import type { RetentionPolicy, RetentionVerdict } from '../copy/plan';
import { retention } from '../copy/plan';
import type { Ledger, RegionRds, Telemetry } from '../kernel/ports';
import { gatewayOf } from '../targets/registry';
import type { TargetGateways } from '../targets/target';
import { lineageOf } from '../targets/instance/settings';
import { sourceSnapshotQuery } from '../sources/snapshots';

/** What a retention pass needs. */
export interface RetentionDeps {
  rds: Pick<RegionRds, 'listSnapshots' | 'deleteOwnedSnapshot'>;
  /** Reads each replica's lineage (the copy it holds). */
  targets: TargetGateways;
  ledger: Pick<Ledger, 'getActiveRun'>;
  telemetry: Telemetry;
  now: () => Date;
}

/** What a pass did to each snapshot. */
export interface RetentionResult extends RetentionVerdict {
  deleted?: 'deleted' | 'not-owned' | 'gone';
}

/** What y holds (its lineage) and what its active run planned, chose or pinned: copies retention must keep. */
async function inUse(deps: RetentionDeps, pair: PairConfig): Promise<{ ids: Set<string>; replicaExists: boolean; active: boolean }> {
  const y = pair.replica.instanceId;
  const id = pair.id;
  const [replica, run] = await Promise.all([gatewayOf(deps.targets, pair).describe(y), deps.ledger.getActiveRun(id)]);
  const ids = new Set<string>();
  const held = replica ? lineageOf(replica.tags).snapshotId : undefined;
  if (held) ids.add(held);
  for (const s of [run?.plannedSnapshot?.id, run?.snapshot?.id, run?.pinnedSnapshotId]) if (s) ids.add(s);
  return { ids, replicaExists: replica !== undefined, active: run !== undefined };
}

/**
 * Runs retention for one pair; `dryRun` decides without deleting. `siblings` are the other pairs of the
 * region restored from the same x: the copies they hold or use are shared, and kept too.
 */
export async function runRetention(deps: RetentionDeps, pair: PairConfig, policy: RetentionPolicy, opts: { dryRun?: boolean; siblings?: readonly PairConfig[] } = {}): Promise<RetentionResult[]> {
  const id = pair.id;
  const [own, snapshots, ...others] = await Promise.all([inUse(deps, pair), deps.rds.listSnapshots(sourceSnapshotQuery(pair, ['manual'])), ...(opts.siblings ?? []).map((p) => inUse(deps, p))]);
  // Without y (or a sibling's y) and its lineage, nothing tells which copy it needs next: keep everything.
  const states = [own, ...others];
  const missing = [pair, ...(opts.siblings ?? [])].filter((_, i) => !states[i]?.replicaExists && !states[i]?.active).map((p) => p.replica.instanceId);
  if (missing.length > 0) {
    return snapshots.map((s) => ({ id: s.id, keep: true, reason: `${missing.join(', ')} does not exist and no run is active: retention waits until it is back` }));
  }
  const protectedIds = new Set([...own.ids, ...others.flatMap((o) => [...o.ids])]);
  const verdicts = retention(snapshots, { policy, ownershipTag: pair.ownershipTag, protectedIds, now: deps.now() });
  const results: RetentionResult[] = [];
  for (const v of verdicts) {
    if (v.keep || opts.dryRun) {
      results.push(v);
      continue;
    }
    const deleted = await deps.rds.deleteOwnedSnapshot(v.id, pair.ownershipTag);
    deps.telemetry.count(deleted === 'deleted' ? 'SnapshotsExpired' : 'SnapshotExpirySkipped', 1, { replica: id });
    results.push({ ...v, deleted });
  }
  return results;
}

/** One pair's pass, as the retention function reports it. */
export interface RetentionPass {
  replica: string;
  dryRun: boolean;
  deleted: string[];
  kept: number;
  /** Copies that were due but had lost the ownership tag, or were gone, by the time of the delete. */
  skipped: string[];
  results: RetentionResult[];
}

/** The policy of a pair, from its config. */
export function retentionPolicyOf(pair: PairConfig): RetentionPolicy {
  const r = pair.copy.retention;
  return {
    keepDays: r.keepDays,
    keepLast: r.keepLast,
    ...(r.daily ? { daily: r.daily } : {}),
    ...(r.weekly ? { weekly: r.weekly } : {}),
    ...(r.monthly ? { monthly: r.monthly } : {}),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The retention function: `{trigger: 'retention', replica?, dryRun?}` runs a pass for that replica (or every
 * replica of the region whose copies the project makes, with retention on). Anything else is counted and ignored.
 */
export async function handleRetention(deps: RetentionDeps, config: Pick<RuntimeConfig, 'pairs'>, input: unknown): Promise<RetentionPass[]> {
  if (!isRecord(input) || input.trigger !== 'retention' || (input.replica !== undefined && typeof input.replica !== 'string')) {
    deps.telemetry.count('RetentionInputIgnored', 1);
    deps.telemetry.warn('retention input ignored', { input: JSON.stringify(input ?? null).slice(0, 500) });
    return [];
  }
  const pairs = config.pairs.filter((p) => copiesSnapshots(p) && p.copy.retention.enabled && (input.replica === undefined || p.id === input.replica));
  if (pairs.length === 0) {
    deps.telemetry.count('RetentionInputIgnored', 1);
    deps.telemetry.warn('no pair to run retention for', { replica: input.replica });
    return [];
  }
  const dryRun = input.dryRun === true;
  const passes: RetentionPass[] = [];
  for (const pair of pairs) {
    const siblings = config.pairs.filter((p) => p !== pair && p.source.instanceId === pair.source.instanceId && p.source.region === pair.source.region);
    const results = await runRetention(deps, pair, retentionPolicyOf(pair), { dryRun, siblings });
    const pass: RetentionPass = {
      replica: pair.id,
      dryRun,
      deleted: results.filter((r) => r.deleted === 'deleted').map((r) => r.id),
      kept: results.filter((r) => r.keep).length,
      skipped: results.filter((r) => r.deleted !== undefined && r.deleted !== 'deleted').map((r) => r.id),
      results,
    };
    deps.telemetry.info('retention pass', { replica: pass.replica, dryRun, deleted: pass.deleted, kept: pass.kept, skipped: pass.skipped });
    passes.push(pass);
  }
  return passes;
}
