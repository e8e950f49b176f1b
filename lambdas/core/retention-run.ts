/**
 * One retention pass over the project's copies of x in y's region: find them, protect the snapshot y
 * holds and the one an active run has chosen, let the policy decide, and delete only what carries
 * the ownership tag at the moment of deletion.
 */
import type { PairConfig } from '../shared/config';
import type { RetentionPolicy, RetentionVerdict } from './copy';
import { retention } from './copy';
import type { Ledger, ReplicaRds, Telemetry } from './ports';
import { lineageOf } from './settings';
import { sourceSnapshotQuery } from './snapshots';

/** What a retention pass needs. */
export interface RetentionDeps {
  rds: Pick<ReplicaRds, 'describeInstance' | 'listSnapshots'> & {
    deleteOwnedSnapshot(id: string, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'>;
  };
  ledger: Pick<Ledger, 'getActiveRun'>;
  telemetry: Telemetry;
  now: () => Date;
}

/** What a pass did to each snapshot. */
export interface RetentionResult extends RetentionVerdict {
  deleted?: 'deleted' | 'not-owned' | 'gone';
}

/** Runs retention for one pair; `dryRun` decides without deleting. */
export async function runRetention(deps: RetentionDeps, pair: PairConfig, policy: RetentionPolicy, opts: { dryRun?: boolean } = {}): Promise<RetentionResult[]> {
  const y = pair.replica.instanceId;
  const [replica, active, snapshots] = await Promise.all([
    deps.rds.describeInstance(y),
    deps.ledger.getActiveRun(y),
    deps.rds.listSnapshots(sourceSnapshotQuery(pair, ['manual'])),
  ]);
  const protectedIds = new Set<string>();
  const held = replica ? lineageOf(replica.tags).snapshotId : undefined;
  if (held) protectedIds.add(held);
  for (const s of [active?.plannedSnapshot?.id, active?.snapshot?.id, active?.pinnedSnapshotId]) if (s) protectedIds.add(s);
  // Without y and without its lineage, nothing tells which copy it needs next: keep everything.
  if (!replica && !active) {
    return snapshots.map((s) => ({ id: s.id, keep: true, reason: `${y} does not exist and no run is active: retention waits until it is back` }));
  }
  const verdicts = retention(snapshots, { policy, ownershipTag: pair.ownershipTag, protectedIds, now: deps.now() });
  const results: RetentionResult[] = [];
  for (const v of verdicts) {
    if (v.keep || opts.dryRun) {
      results.push(v);
      continue;
    }
    const deleted = await deps.rds.deleteOwnedSnapshot(v.id, pair.ownershipTag);
    deps.telemetry.count(deleted === 'deleted' ? 'SnapshotsExpired' : 'SnapshotExpirySkipped', 1, { replica: y });
    results.push({ ...v, deleted });
  }
  return results;
}
