/**
 * Production's side of the vault (issue 18), in y's region: each of the project's copies of x there (a manual
 * snapshot, under a customer-managed key) is shared with the vault account and nothing else, and a manifest of it
 * (x's settings, the data time) goes to the vault's inbox. Event-driven (a copy finished, a manual snapshot created),
 * with an hourly sweep as the backstop, like the copy itself.
 *
 * An Aurora x's copies are DB cluster snapshots, shared with ModifyDBClusterSnapshotAttribute, and only by the sweep:
 * RDS publishes no event when a cluster snapshot copy arrives (Aurora User Guide, "Amazon RDS event categories and event
 * messages for Aurora", DB cluster snapshot events: creation and deletion only).
 *
 * Order: the manifest first, then the share. A manifest whose share then fails reaches the vault before the snapshot
 * does, and waits there for the vault's sweep; a share whose manifest was lost would never be sent again (a shared
 * snapshot is skipped), so the share is the step that marks the work done.
 */
import type { PairConfig, VaultConfig } from '../kernel/config';
import { vaultProblem } from '../kernel/config';
import { PermanentRdsError, describeError } from '../kernel/errors';
import type { ClusterView, InstanceView, SnapshotView } from '../kernel/model';
import type { Notifier, Telemetry } from '../kernel/ports';
import { alert } from '../reporting/measures';
import { isSnapshotOfSource } from '../sources/snapshots';
import { COPY_TAGS, isProjectCopy } from '../kernel/snapshot-tags';
import type { Manifest } from './manifest';
import { portableClusterSettings, portableSettings } from './manifest';
import type { SharingCalls, SnapshotKind } from './snapshots';
import { callsOf } from './snapshots';

/** What sharing needs: RDS in y's region and in x's, the vault's inbox. */
export interface ShareDeps {
  /**
   * RDS in y's region, where production's copies are: the DB snapshot calls, and the DB cluster snapshot calls when the
   * region has Aurora pairs (./snapshots.ts).
   */
  snapshots: Partial<Record<SnapshotKind, SharingCalls>>;
  /** RDS in x's region: x's settings for the manifest (read-only; a failure leaves the manifest without them). */
  sourceRds(region: string): { describeInstance(instanceId: string): Promise<InstanceView | undefined>; describeCluster?(clusterId: string): Promise<ClusterView | undefined> };
  /** The vault's inbox. */
  inbox: { send(manifest: Manifest): Promise<void> };
  notifier: Notifier;
  telemetry: Telemetry;
  now(): Date;
}

/** What to do about one snapshot in y's region. */
export type ShareDecision = { action: 'share' } | { action: 'skip'; reason: string };

/**
 * Whether a snapshot in y's region is one production shares with the vault: a manual copy of the pair's x that the
 * project owns (its ownership tag), available, encrypted (the copies always are: a key of the vault's choosing then
 * re-encrypts it), and not shared with the vault yet.
 */
export function planShare(snapshot: SnapshotView, pair: PairConfig, sharedWith: readonly string[], vaultAccount: string): ShareDecision {
  if (!isSnapshotOfSource(snapshot, pair)) return { action: 'skip', reason: `${snapshot.id} is not a snapshot of ${pair.source.identifier}` };
  if (snapshot.type !== 'manual') return { action: 'skip', reason: `${snapshot.id} is ${snapshot.type}: only manual snapshots can be shared` };
  if (!isProjectCopy(snapshot, pair.ownershipTag)) return { action: 'skip', reason: `${snapshot.id} is not one of the project's copies (it lacks ${pair.ownershipTag.key}=${pair.ownershipTag.value} or ${COPY_TAGS.source}): production shares only its own copies` };
  if (snapshot.status !== 'available') return { action: 'skip', reason: `${snapshot.id} is ${snapshot.status}: it is shared once available` };
  if (sharedWith.includes(vaultAccount)) return { action: 'skip', reason: `${snapshot.id} is already shared with the vault` };
  return { action: 'share' };
}

/** The manifest of a snapshot, with x's settings when x could be read. */
export function manifestOf(pair: PairConfig, snapshot: SnapshotView, x: InstanceView | ClusterView | undefined, now: Date): Manifest {
  return {
    version: 1,
    pairId: pair.id,
    ...(pair.source.kind === 'cluster' ? { kind: 'cluster' as const } : {}),
    sourceInstanceId: pair.source.identifier,
    sourceRegion: pair.source.region,
    ...(snapshot.dbiResourceId ? { sourceDbiResourceId: snapshot.dbiResourceId } : {}),
    snapshotArn: snapshot.arn,
    dataTime: (snapshot.dataTime ?? snapshot.createdAt ?? now).toISOString(),
    sharedAt: now.toISOString(),
    engine: snapshot.engine ?? x?.engine ?? 'unknown',
    ...((snapshot.engineVersion ?? x?.engineVersion) ? { engineVersion: snapshot.engineVersion ?? x?.engineVersion } : {}),
    ...(x && x.kind !== 'cluster' ? { settings: portableSettings(x.settings) } : {}),
    ...(x?.kind === 'cluster' ? { clusterSettings: portableClusterSettings(x.settings) } : {}),
  };
}

/** x as its region's RDS describes it: the DB instance, or the Aurora cluster with its members. */
async function describeSource(deps: ShareDeps, pair: PairConfig): Promise<InstanceView | ClusterView | undefined> {
  const rds = deps.sourceRds(pair.source.region);
  if (pair.source.kind === 'instance') return rds.describeInstance(pair.source.identifier);
  if (!rds.describeCluster) throw new Error(`the share function was built without the cluster calls of ${pair.source.region}, yet ${pair.source.identifier} is an Aurora cluster`);
  return rds.describeCluster(pair.source.identifier);
}

/** What became of one snapshot. */
export type ShareOutcome = { action: 'shared'; snapshotId: string } | { action: 'skipped'; reason: string } | { action: 'refused'; reason: string };

/** Shares one snapshot of a pair's x with the vault, after sending its manifest. */
export async function shareOne(deps: ShareDeps, pair: PairConfig, vault: VaultConfig, snapshotId: string): Promise<ShareOutcome> {
  const rds = callsOf(deps.snapshots, pair.source.kind, 'the share function');
  const snapshot = await rds.describeSnapshot(snapshotId);
  if (!snapshot) return { action: 'skipped', reason: `${snapshotId} no longer exists in ${pair.replica.region}` };
  const shared = (await rds.sharedWith(snapshot.id)) ?? [];
  const decision = planShare(snapshot, pair, shared, vault.account);
  if (decision.action === 'skip') return { action: 'skipped', reason: decision.reason };

  let x: InstanceView | ClusterView | undefined;
  try {
    x = await describeSource(deps, pair);
  } catch (err) {
    // x's region may be having a bad day: the manifest goes without x's settings, the vault falls back to the snapshot's.
    deps.telemetry.warn('x could not be read for the vault manifest', { replica: pair.id, error: describeError(err) });
  }
  await deps.inbox.send(manifestOf(pair, snapshot, x, deps.now()));
  try {
    await rds.shareSnapshot(snapshot.id, vault.account);
  } catch (err) {
    if (!(err instanceof PermanentRdsError)) throw err;
    const reason = `RDS refused to share ${snapshot.id} with the vault account ${vault.account}: ${describeError(err)}`;
    deps.telemetry.count('VaultShareRefused', 1, { replica: pair.id });
    await deps.notifier.publish(
      alert(
        'vault.share-refused',
        pair.id,
        `cannot share ${snapshot.id} with the vault`,
        `${reason}. A snapshot encrypted with the AWS managed key aws/rds cannot be shared with another account, and only manual snapshots can be: the copies must use a customer-managed key (leave copy.replicaKmsKeyArn out to use the project's, whose policy admits the vault). Until this is fixed the vault receives no copy of ${pair.source.identifier}.`,
        { snapshot: snapshot.arn, vaultAccount: vault.account },
      ),
    );
    return { action: 'refused', reason };
  }
  deps.telemetry.count('VaultSnapshotShared', 1, { replica: pair.id });
  deps.telemetry.info('snapshot shared with the vault', { replica: pair.id, snapshot: snapshot.arn, vaultAccount: vault.account });
  return { action: 'shared', snapshotId: snapshot.id };
}

/** The pairs whose copies go to the vault. */
export function vaultPairs(pairs: readonly PairConfig[]): PairConfig[] {
  return pairs.filter((p) => vaultProblem(p) === undefined);
}

/**
 * The pair a snapshot of y's region belongs to, by its name: the copies of x are named after x's snapshots
 * (`<x>-…`, lambdas/copy/plan.ts copyTargetId), the longest matching x winning.
 */
export function pairOfSnapshot(pairs: readonly PairConfig[], snapshotId: string, kind: SnapshotKind = 'instance'): PairConfig | undefined {
  const id = snapshotId.replace(/^arn:[^:]+:rds:[^:]*:\d*:(?:cluster-)?snapshot:/, '');
  return vaultPairs(pairs)
    .filter((p) => p.source.kind === kind && id.startsWith(`${p.source.identifier}-`))
    .sort((a, b) => b.source.identifier.length - a.source.identifier.length)[0];
}

/**
 * The hourly sweep: every copy of every pair that is not shared yet. One snapshot's trouble does not stop the others;
 * when any failed, the sweep fails at the end (after trying them all), so that the function's error alarm and its
 * on-failure queue say so: an Aurora x's copies are shared by the sweep alone, and a failure only logged would go
 * unseen until the vault's recovery-point alarm, a day later, in the other account.
 */
export async function shareSweep(deps: ShareDeps, pairs: readonly PairConfig[], vault: VaultConfig): Promise<ShareOutcome[]> {
  const outcomes: ShareOutcome[] = [];
  const failures: string[] = [];
  for (const pair of vaultPairs(pairs)) {
    const calls = callsOf(deps.snapshots, pair.source.kind, 'the share function');
    let copies: SnapshotView[];
    try {
      copies = await calls.listSnapshots({ instanceId: pair.source.identifier, ...(pair.source.dbiResourceId ? { dbiResourceId: pair.source.dbiResourceId } : {}), types: ['manual'] });
    } catch (err) {
      // One pair's listing failing does not stop the other pairs.
      deps.telemetry.error('vault share listing failed', { replica: pair.id, error: describeError(err) });
      deps.telemetry.count('VaultShareFailed', 1, { replica: pair.id });
      failures.push(`the copies of ${pair.source.identifier}: ${describeError(err)}`);
      continue;
    }
    for (const copy of copies) {
      if (copy.status !== 'available' || !isProjectCopy(copy, pair.ownershipTag)) continue;
      try {
        outcomes.push(await shareOne(deps, pair, vault, copy.id));
      } catch (err) {
        // One snapshot's trouble does not stop the others; the next sweep tries again.
        deps.telemetry.error('vault share failed', { replica: pair.id, snapshot: copy.id, error: describeError(err) });
        deps.telemetry.count('VaultShareFailed', 1, { replica: pair.id });
        failures.push(`${copy.id}: ${describeError(err)}`);
        outcomes.push({ action: 'skipped', reason: `${copy.id}: ${describeError(err)}` });
      }
    }
  }
  if (failures.length > 0) throw new Error(`the vault share sweep failed for ${failures.length} snapshot(s) or pair(s), after going on with the others: ${failures.join('; ')}`);
  return outcomes;
}
