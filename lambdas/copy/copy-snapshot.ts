/**
 * Copying one of x's snapshots into y's region: look at the source and at what is already there,
 * decide (copy, skip, wait for the quota, or refuse), act, and say so. The caller turns a deferral
 * into a delayed retry, and hands in the calls of the pair's kind of x (kinds.ts): DB snapshots of a DB
 * instance, or DB cluster snapshots of an Aurora cluster.
 */
import type { PairConfig } from '../kernel/config';
import { PermanentRdsError, RetryableRdsError, describeError } from '../kernel/errors';
import { copyTargetOf, inFlightLimitOf, planCopy } from './plan';
import type { CopyDecision } from './plan';
import { alert } from '../reporting/measures';
import type { Notifier, SnapshotStore, Telemetry } from '../kernel/ports';
import { isSnapshotOfSource } from '../sources/snapshots';

/**
 * The gauge of manual snapshots in y's region, which the quota alarm watches: of the quota the pair's copies count
 * against (manual DB snapshots for a DB instance x, manual DB cluster snapshots for an Aurora x; 100 each by default).
 */
export const MANUAL_SNAPSHOTS_METRIC = 'ManualSnapshotsInReplicaRegion';

/** What copying needs. */
export interface CopyDeps {
  /** RDS in x's region, where the source snapshot is (DB or DB cluster snapshots, as the pair's x is). */
  sourceRds: Pick<SnapshotStore, 'describeSnapshot'>;
  /** RDS in y's region, where the copy goes (the calls of the pair's kind). */
  replicaRds: SnapshotStore;
  notifier: Notifier;
  telemetry: Telemetry;
}

/** What became of one source snapshot. */
export type CopyOutcome = { action: 'copied'; targetId: string } | { action: 'ignored'; reason: string } | Exclude<CopyDecision, { action: 'copy' }>;

/** Copies (or decides not to copy) one source snapshot of a pair's x. */
export async function copyOneSnapshot(deps: CopyDeps, pair: PairConfig, sourceSnapshotId: string): Promise<CopyOutcome> {
  const dims = { replica: pair.id };
  const source = await deps.sourceRds.describeSnapshot(sourceSnapshotId);
  if (!source) return { action: 'ignored', reason: `${sourceSnapshotId} no longer exists in ${pair.source.region}` };
  if (!isSnapshotOfSource(source, pair)) return { action: 'ignored', reason: `${source.id} is a snapshot of ${source.instanceId}, not of ${pair.source.identifier}` };

  const existing = await deps.replicaRds.describeSnapshot(copyTargetOf(pair, source.id));
  const counts = existing ? { total: 0, copying: 0 } : await deps.replicaRds.manualSnapshotCounts();
  // A gauge, not an alert per copy: the source stack's alarm on it fires once when the count reaches manualSnapshotAlertAt.
  if (!existing) deps.telemetry.count(MANUAL_SNAPSHOTS_METRIC, counts.total, dims);
  const decision = planCopy({
    source,
    sourceInstanceId: pair.source.identifier,
    sourceRegion: pair.source.region,
    existing,
    inFlight: counts.copying,
    inFlightLimit: inFlightLimitOf(pair),
    replicaKmsKeyArn: pair.copy.replicaKmsKeyArn,
    replicaRegion: pair.replica.region,
    ownershipTag: pair.ownershipTag,
    deferSeconds: pair.copy.deferSeconds,
    // CopyDBClusterSnapshot takes no option group (an Aurora cluster has none to carry).
    ...(pair.copy.optionGroupName && pair.source.kind === 'instance' ? { optionGroupName: pair.copy.optionGroupName } : {}),
  });
  if (decision.action === 'copy') {
    try {
      const result = await deps.replicaRds.copySnapshot(decision.request);
      deps.telemetry.count(result === 'started' ? 'SnapshotCopyStarted' : 'SnapshotCopyExisted', 1, dims);
      deps.telemetry.info('snapshot copy', { source: source.arn, target: decision.request.targetId, result });
      return result === 'started' ? { action: 'copied', targetId: decision.request.targetId } : { action: 'skip', reason: `${decision.request.targetId} appeared meanwhile` };
    } catch (err) {
      // The copy quota can fill between the count and the call: wait like any other full quota.
      if (err instanceof RetryableRdsError) return { action: 'defer', delaySeconds: pair.copy.deferSeconds, reason: describeError(err) };
      // A key RDS may not use, a request RDS rejects: retrying will not help, people must act.
      if (err instanceof PermanentRdsError) {
        const reason = `RDS refused the copy of ${source.id} into ${pair.replica.region}: ${describeError(err)}`;
        deps.telemetry.count('SnapshotCopyRefused', 1, dims);
        await deps.notifier.publish(
          alert('snapshots.copy-refused', pair.id, `cannot copy ${source.id}`, `${reason}. Check that the copy key ${decision.request.kmsKeyId ?? '(none)'} exists, is enabled and lets RDS in ${pair.replica.region} use it.`, { source: source.arn }),
        );
        return { action: 'error', reason };
      }
      throw err;
    }
  }
  if (decision.action === 'defer') deps.telemetry.count('SnapshotCopyDeferred', 1, dims);
  if (decision.action === 'error') {
    deps.telemetry.count('SnapshotCopyRefused', 1, dims);
    await deps.notifier.publish(alert('snapshots.copy-refused', pair.id, `cannot copy ${source.id}`, `${decision.reason}.`, { source: source.arn }));
  }
  return decision;
}
