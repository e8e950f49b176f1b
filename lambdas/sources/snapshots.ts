/**
 * Choosing the snapshot of x that y is restored from.
 */
import type { PairConfig } from '../kernel/config';
import type { ChosenSnapshot, ReplicatedBackupView, SnapshotView } from '../kernel/model';
import type { ReplicaRds } from '../kernel/ports';
import { isExtraSnapshot } from '../kernel/snapshot-tags';

/** The outcome of a choice: the snapshot, or why there is none, plus what was passed over. */
export interface SnapshotChoice {
  snapshot?: SnapshotView;
  /** Why nothing could be chosen. */
  reason?: string;
  /** The newest snapshot of x in any state, when it is not the chosen one (still copying, say). */
  newerNotReady?: SnapshotView;
  considered: number;
}

/** The time a snapshot's data is from: its original creation time, else its own. */
export function dataTimeOf(s: SnapshotView): Date | undefined {
  return s.dataTime ?? s.createdAt;
}

function newestFirst(a: SnapshotView, b: SnapshotView): number {
  const ta = dataTimeOf(a)?.getTime() ?? -Infinity;
  const tb = dataTimeOf(b)?.getTime() ?? -Infinity;
  if (tb !== ta) return tb - ta;
  // Ties (same source snapshot copied twice) go to the most recently created copy, then by id, so the choice is stable.
  const ca = a.createdAt?.getTime() ?? -Infinity;
  const cb = b.createdAt?.getTime() ?? -Infinity;
  return cb !== ca ? cb - ca : a.id.localeCompare(b.id);
}

/**
 * x's resource id as config knows it: a DB instance's DbiResourceId (`source.dbiResourceId`), an Aurora cluster's
 * DbClusterResourceId (`source.clusterResourceId`; a cluster snapshot's view carries it in `dbiResourceId`).
 */
export function sourceResourceId(pair: PairConfig): string | undefined {
  return pair.source.kind === 'cluster' ? pair.source.clusterResourceId : pair.source.dbiResourceId;
}

/** The server-side query for x's snapshots of some types: by x's identifier, and by its resource id when config knows it. */
export function sourceSnapshotQuery(pair: PairConfig, types: readonly string[]): { instanceId: string; dbiResourceId?: string; types: readonly string[] } {
  const resourceId = sourceResourceId(pair);
  return { instanceId: pair.source.identifier, ...(resourceId ? { dbiResourceId: resourceId } : {}), types };
}

/** Is this snapshot of x, as config knows x? */
export function isSnapshotOfSource(s: SnapshotView, pair: PairConfig): boolean {
  if (s.instanceId !== pair.source.identifier) return false;
  const want = sourceResourceId(pair);
  return want === undefined || s.dbiResourceId === want;
}

/**
 * Picks the newest restorable snapshot of x: status `available`, of an allowed type, newest by
 * original creation time. When the newest snapshot is not ready yet, config decides whether an
 * older available one may be used.
 */
export function chooseSnapshot(snapshots: readonly SnapshotView[], pair: PairConfig): SnapshotChoice {
  // The project's extra snapshots of x are transient: the copy function deletes each once its copy is available, so a
  // restore never relies on one (with x and y in one region they are in y's region too; their copies are candidates).
  const candidates = snapshots.filter((s) => isSnapshotOfSource(s, pair) && pair.snapshotTypes.includes(s.type as never) && !isExtraSnapshot(s, pair.ownershipTag)).sort(newestFirst);
  const newest = candidates[0];
  if (!newest) {
    return { reason: `no ${pair.snapshotTypes.join(' or ')} snapshot of ${pair.source.identifier} exists in ${pair.replica.region}`, considered: 0 };
  }
  const available = candidates.find((s) => s.status === 'available');
  // Not ready and holding newer data than any available snapshot: a copy still copying beside an available snapshot of
  // the same data (x's automated snapshot and the project's copy of it in one region) is no newer.
  const newestData = dataTimeOf(newest)?.getTime() ?? -Infinity;
  const newerNotReady = newest.status === 'available' || (available && (dataTimeOf(available)?.getTime() ?? -Infinity) >= newestData) ? undefined : newest;
  if (newerNotReady && pair.whenNewestSnapshotNotReady === 'refuse') {
    return {
      reason: `the newest snapshot ${newest.id} is ${newest.status}${newest.percentProgress !== undefined ? ` (${newest.percentProgress}%)` : ''}, and config says to refuse rather than use an older one`,
      newerNotReady,
      considered: candidates.length,
    };
  }
  if (!available) {
    return { reason: `no snapshot of ${pair.source.identifier} in ${pair.replica.region} is available yet (newest: ${newest.id}, ${newest.status})`, newerNotReady, considered: candidates.length };
  }
  return { snapshot: available, newerNotReady, considered: candidates.length };
}

/** Checks a pinned snapshot: it must be x's, allowed and available. Returns why not, or undefined. */
export function pinnedSnapshotProblem(snapshot: SnapshotView | undefined, pinnedId: string, pair: PairConfig): string | undefined {
  if (!snapshot) return `the pinned snapshot ${pinnedId} does not exist in ${pair.replica.region}`;
  if (!isSnapshotOfSource(snapshot, pair)) {
    return `the pinned snapshot ${pinnedId} is of ${snapshot.instanceId}${snapshot.dbiResourceId ? ` (${snapshot.dbiResourceId})` : ''}, not of ${pair.source.identifier}`;
  }
  if (!pair.snapshotTypes.includes(snapshot.type as never)) return `the pinned snapshot ${pinnedId} is ${snapshot.type}, not one of the allowed snapshotTypes (${pair.snapshotTypes.join(', ')})`;
  if (snapshot.status !== 'available') return `the pinned snapshot ${pinnedId} is ${snapshot.status}, not available`;
  return undefined;
}

/** The ledger's record of a snapshot. */
export function toChosen(s: SnapshotView): ChosenSnapshot {
  const dataTime = dataTimeOf(s);
  return {
    id: s.id,
    arn: s.arn,
    type: s.type,
    ...(dataTime ? { dataTime: dataTime.toISOString() } : {}),
    ...(s.createdAt ? { createdAt: s.createdAt.toISOString() } : {}),
  };
}

/** The identifier a restore must name: shared snapshots only by ARN. */
export function restoreIdentifier(s: Pick<ChosenSnapshot, 'id' | 'arn' | 'type'>): string {
  return s.type === 'shared' ? s.arn : s.id;
}

/** The type the core gives x's replicated automated backups when it treats their latest restorable time as a restore source. */
export const REPLICATED_BACKUP = 'replicated-backup';

/**
 * The restore point of x's replicated backups, as a snapshot-like view the preflight, the ledger and the
 * reports already understand: id `<x>@<latest restorable time>`, ARN of the automated backups, and the
 * latest restorable time as the data's time.
 */
export function restorePointOf(b: ReplicatedBackupView, latestTime: Date): SnapshotView {
  return {
    id: `${b.instanceId}@${latestTime.toISOString()}`,
    arn: b.arn,
    instanceId: b.instanceId,
    ...(b.dbiResourceId ? { dbiResourceId: b.dbiResourceId } : {}),
    type: REPLICATED_BACKUP,
    status: 'available',
    ...(b.engine ? { engine: b.engine } : {}),
    ...(b.engineVersion ? { engineVersion: b.engineVersion } : {}),
    ...(b.allocatedStorage !== undefined ? { allocatedStorage: b.allocatedStorage } : {}),
    dataTime: latestTime,
    createdAt: latestTime,
    encrypted: b.encrypted,
    ...(b.kmsKeyId ? { kmsKeyId: b.kmsKeyId } : {}),
    sourceRegion: b.sourceRegion,
  };
}

/**
 * Picks x's replicated automated backups in y's region and their latest restorable time, or says why
 * there is nothing to restore from (replication not started, paused, no restorable time yet).
 */
export function chooseRestorePoint(backups: readonly ReplicatedBackupView[], pair: PairConfig): { snapshot?: SnapshotView; reason?: string } {
  const ofX = backups.filter((b) => b.instanceId === pair.source.identifier && (pair.source.dbiResourceId === undefined || b.dbiResourceId === pair.source.dbiResourceId));
  const replicating = ofX.find((b) => b.status === 'replicating');
  if (!replicating) {
    const states = ofX.map((b) => b.status).join(', ');
    return {
      reason: ofX.length
        ? `the automated backups of ${pair.source.identifier} replicated into ${pair.replica.region} are ${states}, not replicating; check the replication in the RDS console (Automated backups, Replicated tab)`
        : `no automated backups of ${pair.source.identifier} are replicated from ${pair.source.region} into ${pair.replica.region}; start the replication (backupReplication.manage: true does it on deploy)`,
    };
  }
  if (!replicating.latestTime) {
    return { reason: `the automated backups of ${pair.source.identifier} replicate into ${pair.replica.region} but have no restorable time yet (the first backup is still on its way)` };
  }
  // RestoreDBInstanceToPointInTime, RestoreTime: "Must be before the latest restorable time for the DB instance": one
  // whole second before it, so the time sent is the data's age exactly and never equal to the limit.
  const before = new Date(Math.floor(replicating.latestTime.getTime() / 1000) * 1000 - 1000);
  return { snapshot: restorePointOf(replicating, before) };
}

/** What a restore source lookup found: the source, or why there is none, and a newer snapshot not ready yet. */
export interface RestoreSourceChoice {
  snapshot?: SnapshotView;
  problem?: string;
  newerNotReady?: SnapshotView;
}

/**
 * Finds what y would be restored from now: a pinned snapshot; else, by the pair's source mode, the
 * newest usable copy of x's snapshots or the latest restorable time of x's replicated backups.
 * @param yIsGone y no longer exists: an older available snapshot beats none, whatever config says about waiting
 */
export async function findRestoreSource(rds: Pick<ReplicaRds, 'describeSnapshot' | 'listSnapshots' | 'describeReplicatedBackups'>, pair: PairConfig, opts: { pinnedId?: string; yIsGone?: boolean } = {}): Promise<RestoreSourceChoice> {
  if (opts.pinnedId) {
    const s = await rds.describeSnapshot(opts.pinnedId);
    const problem = pinnedSnapshotProblem(s, opts.pinnedId, pair);
    return problem ? { problem } : { snapshot: s! };
  }
  if (pair.source.mode === 'backup-replication') {
    const backups = await rds.describeReplicatedBackups({ instanceId: pair.source.identifier, ...(pair.source.dbiResourceId ? { dbiResourceId: pair.source.dbiResourceId } : {}), sourceRegion: pair.source.region });
    const point = chooseRestorePoint(backups, pair);
    return point.snapshot ? { snapshot: point.snapshot } : { problem: point.reason ?? 'no restore point' };
  }
  const all = await rds.listSnapshots(sourceSnapshotQuery(pair, pair.snapshotTypes));
  const choice = chooseSnapshot(all, opts.yIsGone ? { ...pair, whenNewestSnapshotNotReady: 'use-newest-available' } : pair);
  return {
    ...(choice.snapshot ? { snapshot: choice.snapshot } : { problem: choice.reason ?? 'no snapshot' }),
    ...(choice.newerNotReady ? { newerNotReady: choice.newerNotReady } : {}),
  };
}

/** How old the data of a restore source may be: the lag limit for replicated backups, maxSnapshotAgeHours for snapshots. */
export function maxDataAgeMs(pair: PairConfig, source: Pick<SnapshotView, 'type'>): number {
  return source.type === REPLICATED_BACKUP ? pair.backupReplication.maxLagMinutes * 60_000 : pair.maxSnapshotAgeHours * 3_600_000;
}
