/**
 * The steps of a run after y's deletion: restore, finish (post-restore modify, drift check, close)
 * and fail. The event handler and the watchdog both drive these, so a lost event and a delivered one
 * end the same way. Each step is guarded by a conditional ledger write: duplicates become no-ops.
 */
import type { PairConfig, RuntimeConfig } from '../shared/config';
import { PermanentRdsError, RetryableRdsError, StaleRunError, describeError } from '../shared/errors';
import { alert, closedRunNotification, measure } from './measures';
import type { ChosenSnapshot, RunPhase, RunRecord, SnapshotView } from './model';
import type { Deps } from './ports';
import { postRestoreChanges, driftOf, lineageTags } from './settings';
import { chooseSnapshot, pinnedSnapshotProblem, restoreIdentifier, toChosen } from './snapshots';

/** The pair and the region's config a step runs under. */
export interface RunContext {
  config: RuntimeConfig;
  pair: PairConfig;
}

/** Instance states in which y serves queries again: "usable" is not only `available`. */
export const USABLE_STATES: ReadonlySet<string> = new Set([
  'available',
  'backing-up',
  'storage-optimization',
  'modifying',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'configuring-activity-stream',
]);

/** Instance states from which a restore will not come good by itself. */
export const FAILED_STATES: ReadonlySet<string> = new Set([
  'failed',
  'restore-error',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
]);

function dims(pair: PairConfig): Record<string, string> {
  return { replica: pair.replica.instanceId };
}

/** Closes a run as failed, alerts, and counts it. Idempotent: a second close sends nothing. */
export async function failRun(deps: Deps, ctx: RunContext, run: RunRecord, reason: string): Promise<RunRecord> {
  const y = await deps.rds.describeInstance(run.replicaId).catch(() => undefined);
  const state = y ? `${run.replicaId} exists and is ${y.status}.` : `${run.replicaId} DOES NOT EXIST: restore it from the newest snapshot of ${run.sourceId}, or start a drill once the cause is fixed.`;
  const closed: RunRecord = { ...run, status: 'failed', closedAt: deps.now().toISOString(), reason: `${reason} ${state}` };
  const first = await deps.ledger.closeRun(closed);
  if (first) {
    deps.telemetry.count('RefreshFailed', 1, dims(ctx.pair));
    deps.telemetry.error('run failed', { replica: run.replicaId, runId: run.runId, reason: closed.reason });
    await deps.notifier.publish(closedRunNotification(closed, ctx.config));
  }
  return closed;
}

/** How a restore attempt went. */
export type RestoreOutcome = 'requested' | 'duplicate' | 'not-yet-deleted' | 'retry-later' | 'failed';

async function pickSnapshot(deps: Deps, ctx: RunContext, run: RunRecord): Promise<{ snapshot?: SnapshotView; problem?: string }> {
  if (run.pinnedSnapshotId) {
    const s = await deps.rds.describeSnapshot(run.pinnedSnapshotId);
    const problem = pinnedSnapshotProblem(s, run.pinnedSnapshotId, ctx.pair);
    return problem ? { problem } : { snapshot: s };
  }
  // Preflight's choice may be stale: a newer copy may have landed, or the planned one been deleted.
  const all = await deps.rds.listSnapshots({
    instanceId: ctx.pair.source.instanceId,
    ...(ctx.pair.source.dbiResourceId ? { dbiResourceId: ctx.pair.source.dbiResourceId } : {}),
    types: ctx.pair.snapshotTypes,
  });
  const choice = chooseSnapshot(all, { ...ctx.pair, whenNewestSnapshotNotReady: 'use-newest-available' });
  return choice.snapshot ? { snapshot: choice.snapshot } : { problem: choice.reason ?? 'no snapshot' };
}

/**
 * Restores y for a run whose y is gone. Claims the restore with a conditional write first, so only
 * one of several duplicate triggers calls RDS.
 */
export async function requestRestore(
  deps: Deps,
  ctx: RunContext,
  run: RunRecord,
  opts: { fromPhases: readonly RunPhase[]; deletedAt?: Date; deletedSource: 'event' | 'poll' },
): Promise<RestoreOutcome> {
  const now = deps.now();
  let claimed: RunRecord;
  try {
    claimed = await deps.ledger.updateActiveRun(
      run,
      {
        phase: 'restoring',
        restoreClaimedAt: now.toISOString(),
        restoreAttempts: run.restoreAttempts + 1,
        ...(run.deletedAt ? {} : { deletedAt: (opts.deletedAt ?? now).toISOString(), deletedSource: opts.deletedSource }),
      },
      opts.fromPhases,
    );
  } catch (err) {
    if (err instanceof StaleRunError) return 'duplicate';
    throw err;
  }
  if (!claimed.desired) return (await failRun(deps, ctx, claimed, 'the run has no captured settings to restore y with.'), 'failed');

  const { snapshot, problem } = await pickSnapshot(deps, ctx, claimed);
  if (!snapshot) return (await failRun(deps, ctx, claimed, `no snapshot to restore from: ${problem}.`), 'failed');

  const chosen: ChosenSnapshot = toChosen(snapshot);
  const tags = { ...claimed.desired.tags, ...lineageTags({ snapshotId: chosen.id, ...(chosen.dataTime ? { dataTime: chosen.dataTime } : {}), runId: claimed.runId, refreshedAt: now }) };
  try {
    const result = await deps.rds.restoreInstance({ instanceId: claimed.replicaId, snapshotIdentifier: restoreIdentifier(chosen), settings: claimed.desired, tags });
    if (result === 'already-exists') {
      const y = await deps.rds.describeInstance(claimed.replicaId);
      const ours = y?.createdAt !== undefined && y.createdAt.getTime() >= Date.parse(claimed.startedAt);
      if (!ours) {
        // The old y is still there (its deletion has not finished): hand the run back to the deletion wait.
        await deps.ledger.updateActiveRun(claimed, { phase: 'deleting', deletedAt: undefined, restoreAttempts: claimed.restoreAttempts - 1 }, ['restoring']);
        deps.telemetry.warn('deletion signalled but y still exists; waiting', { replica: claimed.replicaId, runId: claimed.runId, status: y?.status });
        return 'not-yet-deleted';
      }
      deps.telemetry.info('restore already under way (duplicate trigger)', { replica: claimed.replicaId, runId: claimed.runId });
    }
    await deps.ledger.updateActiveRun(claimed, { restoreRequestedAt: claimed.restoreRequestedAt ?? deps.now().toISOString(), snapshot: chosen }, ['restoring']);
    deps.telemetry.info('restore requested', { replica: claimed.replicaId, runId: claimed.runId, snapshot: chosen.id });
    return 'requested';
  } catch (err) {
    const message = describeError(err);
    const errors = [...claimed.errors, `${now.toISOString()} restore attempt ${claimed.restoreAttempts}: ${message}`];
    if (err instanceof RetryableRdsError && claimed.restoreAttempts < ctx.pair.maxRestoreAttempts) {
      await deps.ledger.updateActiveRun(claimed, { phase: 'deleted', errors }, ['restoring']);
      deps.telemetry.warn('restore failed; will retry', { replica: claimed.replicaId, runId: claimed.runId, error: message, attempt: claimed.restoreAttempts });
      deps.telemetry.count('RestoreRetried', 1, dims(ctx.pair));
      return 'retry-later';
    }
    if (err instanceof RetryableRdsError || err instanceof PermanentRdsError) {
      const why = err instanceof RetryableRdsError ? `the restore failed ${claimed.restoreAttempts} times (last: ${message}).` : `the restore was rejected: ${message}.`;
      await failRun(deps, ctx, { ...claimed, errors }, why);
      return 'failed';
    }
    throw err;
  }
}

/** How finishing went. */
export type FinishOutcome = 'closed' | 'duplicate' | 'busy' | 'not-found';

/**
 * Finishes a run whose new y is usable: records when it became usable, applies what the restore
 * could not set, checks for drift, closes the run and tells people.
 */
export async function finishRun(deps: Deps, ctx: RunContext, run: RunRecord, usable: { at: Date; source: 'event' | 'poll' }): Promise<FinishOutcome> {
  let current = run;
  if (current.phase === 'restoring') {
    try {
      current = await deps.ledger.updateActiveRun(current, { phase: 'finishing', usableAt: usable.at.toISOString(), usableSource: usable.source }, ['restoring']);
    } catch (err) {
      if (!(err instanceof StaleRunError)) throw err;
      const again = await deps.ledger.getActiveRun(run.replicaId);
      if (!again || again.runId !== run.runId || again.phase !== 'finishing') return 'duplicate';
      current = again;
    }
  } else if (current.phase !== 'finishing') {
    return 'duplicate';
  }

  const y = await deps.rds.describeInstance(current.replicaId);
  if (!y) return 'not-found';
  const desired = current.desired;
  let after = y;
  let modifiedAt = current.modifiedAt;
  if (desired) {
    const changes = postRestoreChanges(desired, y);
    if (Object.keys(changes).length > 0) {
      const result = await deps.rds.modifyInstance(current.replicaId, changes);
      if (result === 'busy') {
        deps.telemetry.info('y not ready for the post-restore modify; the watchdog retries', { replica: current.replicaId, runId: current.runId, status: y.status });
        return 'busy';
      }
      after = (await deps.rds.describeInstance(current.replicaId)) ?? y;
    }
    modifiedAt = deps.now().toISOString();
  }
  const drift = desired ? driftOf(desired, after) : [];
  const closed: RunRecord = { ...current, status: 'succeeded', modifiedAt, closedAt: deps.now().toISOString(), drift };
  const first = await deps.ledger.closeRun(closed);
  if (!first) return 'duplicate';

  const m = measure(closed);
  const d = dims(ctx.pair);
  deps.telemetry.count('RefreshSucceeded', 1, d);
  if (m.downtimeSeconds !== undefined) deps.telemetry.seconds('DowntimeSeconds', m.downtimeSeconds, d);
  if (m.restoreSeconds !== undefined) deps.telemetry.seconds('RestoreSeconds', m.restoreSeconds, d);
  if (m.dataAgeSeconds !== undefined) deps.telemetry.seconds('SnapshotAgeSeconds', m.dataAgeSeconds, d);
  if (drift.length > 0) deps.telemetry.count('SettingsDrift', drift.length, d);
  deps.telemetry.info('run closed', { replica: closed.replicaId, runId: closed.runId, ...m, drift: drift.length });
  await deps.notifier.publish(closedRunNotification(closed, ctx.config));
  return 'closed';
}

/** Alerts that a restore is past its deadline, once per run. */
export async function alertDeadline(deps: Deps, ctx: RunContext, run: RunRecord, status: string): Promise<void> {
  try {
    await deps.ledger.updateActiveRun(run, { deadlineAlertedAt: deps.now().toISOString() }, ['restoring']);
  } catch (err) {
    if (err instanceof StaleRunError) return;
    throw err;
  }
  deps.telemetry.count('RestoreOverdue', 1, dims(ctx.pair));
  await deps.notifier.publish(
    alert(
      'restore.overdue',
      run.replicaId,
      `restore not usable after ${ctx.pair.restoreDeadlineMinutes} min`,
      `The restore of ${run.replicaId} from ${run.snapshot?.id ?? 'a snapshot'} was requested at ${run.restoreRequestedAt} and y is still ${status}. ` +
        `replica-refresh keeps watching; the run is failed if it has not closed ${ctx.pair.stuckRunHours} h after it started. Check the RDS console's events for ${run.replicaId}.`,
      { status },
      run.runId,
    ),
  );
}
