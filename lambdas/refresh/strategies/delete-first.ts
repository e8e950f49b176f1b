/**
 * Delete-first, the default mode (`refresh.mode: "delete-first"`): delete y, and when it is gone restore it under its
 * own name from the chosen snapshot, then give it back what a restore cannot set. y is down from the delete until the
 * restore is usable; the run records both ends. Phases: deleting → deleted → restoring → finishing → closed.
 */
import { StaleRunError, describeError } from '../../kernel/errors';
import type { RunRecord, TargetView } from '../../kernel/model';
import type { Deps } from '../../kernel/ports';
import type { FinishOutcome, RestoreOutcome, RunContext } from '../lifecycle';
import { alertDeadline, completeRestore, failRun, finishRun, minutesSince, requestRestore, usableWithoutEvent } from '../lifecycle';
import { transition } from '../machine';
import { targetOf } from '../../targets/registry';
import type { StartResult } from '../start';
import type { RefreshStrategy, Sighting } from './strategy';

/**
 * Deletes y for an open run and records when. A timeout or dropped connection can hide a delete RDS accepted, so
 * after an error y's state, read again, decides; when that read fails too the run stays open (the outcome is
 * unknown) and the deletion event or the watchdog settles it.
 * @returns a result when the run ended here (failed), undefined when the delete is under way
 */
async function deleteReplica(deps: Deps, ctx: RunContext, run: RunRecord, before: TargetView, mustDisableDeletionProtection: boolean): Promise<StartResult | undefined> {
  const y = ctx.pair.replica.identifier;
  const id = ctx.pair.id;
  let members: string[] = [];
  try {
    if (mustDisableDeletionProtection) await ctx.gateway.disableDeletionProtection(y);
    ({ members } = await ctx.gateway.delete(y, run.finalSnapshotId));
  } catch (err) {
    let after: TargetView | undefined;
    try {
      after = await ctx.gateway.describe(y);
    } catch (describeErr) {
      // Neither the delete's outcome nor y's state is known: never decide from the stale view. The run stays open.
      run.errors.push(`${deps.now().toISOString()} ${ctx.target.deleteApi}: ${describeError(err)}; y's state could not be read (${describeError(describeErr)}): the deletion event or the watchdog decides`);
      await deps.ledger.updateActiveRun(run, { errors: run.errors }).catch(() => undefined);
      deps.telemetry.warn('delete outcome unknown; left to the event or the watchdog', { replica: id, runId: run.runId, error: describeError(err) });
      return undefined;
    }
    if (after !== undefined && after.status !== 'deleting' && ctx.target.deleteStarted(after, run.desired)) {
      // An Aurora y whose members are going but whose cluster's delete failed: y serves no more, so the run must not
      // end here. It stays open, and the watchdog's next pass finishes the delete (poll, phase deleting).
      run.errors.push(`${deps.now().toISOString()} ${ctx.target.deleteApi}: ${describeError(err)}; the delete had begun (its members are going): the watchdog finishes it`);
      await deps.ledger.updateActiveRun(run, { errors: run.errors }).catch(() => undefined);
      deps.telemetry.warn('delete half done; the watchdog finishes it', { replica: id, runId: run.runId, error: describeError(err) });
      return undefined;
    }
    if (after?.status !== 'deleting' && after !== undefined) {
      const note = mustDisableDeletionProtection ? ' Deletion protection may now be off on y; turn it back on if you need it before the next refresh.' : '';
      const closed = await failRun(deps, ctx, { ...run, errors: [describeError(err)] }, `${ctx.target.deleteApi} failed: ${describeError(err)}.${note}`);
      return { outcome: 'failed', runId: run.runId, reason: closed.reason ?? describeError(err) };
    }
    deps.telemetry.warn(`${ctx.target.deleteApi} reported an error but y is being deleted; carrying on`, { replica: id, runId: run.runId, error: describeError(err), before: before.status });
    run.errors.push(`${deps.now().toISOString()} ${ctx.target.deleteApi}: ${describeError(err)} (y was being deleted anyway)`);
  }
  // No phase condition: a fast deletion event may already have moved the run on, and the time still belongs on it.
  // An Aurora y: its members went first, and the run records them with the cluster's delete.
  await deps.ledger.updateActiveRun(run, { deleteRequestedAt: deps.now().toISOString(), ...(members.length > 0 ? { deletedMembers: members } : {}), ...(run.errors.length > 0 ? { errors: run.errors } : {}) }).catch((err: unknown) => {
    if (!(err instanceof StaleRunError)) throw err;
  });
  return undefined;
}

/**
 * A retried start whose first attempt opened the run and died before recording the delete. y's state says how far
 * it got: already deleting or gone (the delete went out), or still there (delete it now, if it is still ours).
 */
async function continueStart(deps: Deps, ctx: RunContext, run: RunRecord): Promise<StartResult> {
  const y = await ctx.gateway.describe(ctx.pair.replica.identifier);
  if (!y || y.status === 'deleting') {
    await deps.ledger
      .updateActiveRun(run, { deleteRequestedAt: run.preflightFinishedAt ?? run.startedAt, deleteRequestedEstimated: true })
      .catch((err: unknown) => {
        if (!(err instanceof StaleRunError)) throw err;
      });
    return { outcome: 'duplicate', runId: run.runId };
  }
  if (!ctx.target.deletableStates.has(y.status) || y.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value) {
    const closed = await failRun(deps, ctx, run, `the start was retried and ${run.replicaId} is now ${y.status}${y.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value ? ' without the ownership tag' : ''}; it was not deleted.`);
    return { outcome: 'failed', runId: run.runId, reason: closed.reason ?? 'retried start could not continue' };
  }
  const failed = await deleteReplica(deps, ctx, run, y, y.settings.deletionProtection && ctx.pair.allowDisablingDeletionProtection);
  if (failed) return failed;
  deps.telemetry.info('retried start carried on with the delete', { replica: run.replicaId, runId: run.runId });
  return { outcome: 'started', runId: run.runId, snapshot: run.plannedSnapshot ?? { id: 'unknown', arn: '', type: 'unknown' }, checks: run.checks };
}

/** y is gone: restore it (a claim on the run makes sure one trigger of several does). */
function onGone(deps: Deps, ctx: RunContext, run: RunRecord, gone: Sighting): Promise<RestoreOutcome> {
  return requestRestore(deps, ctx, run, { event: 'claim-restore', ...(gone.at ? { deletedAt: gone.at } : {}), deletedSource: gone.source });
}

/** The watchdog's look at a run: acts for an event that did not come in time, retries a restore that is due. */
async function poll(deps: Deps, ctx: RunContext, run: RunRecord, y: TargetView | undefined): Promise<string> {
  const { pair } = ctx;
  const now = deps.now();
  const grace = pair.deletionEventGraceMinutes;

  switch (run.phase) {
    case 'deleting': {
      if (!y) {
        if (minutesSince(run.deleteRequestedAt ?? run.preflightFinishedAt ?? run.startedAt, now) < grace) return 'waiting:deletion-event';
        deps.telemetry.count('DeletionEventMissed', 1, { replica: run.replicaId });
        const outcome = await onGone(deps, ctx, run, { source: 'poll' });
        return `restore:${outcome}`;
      }
      if (y.status === 'deleting') return 'waiting:deleting';
      // The delete began and did not finish (an Aurora y's members are going, its cluster's delete failed or its start
      // died): y serves no more, so the delete is finished now, without waiting for the grace.
      if (!run.deleteRequestedAt && ctx.target.deleteStarted(y, run.desired)) {
        const failed = await deleteReplica(deps, ctx, run, y, false);
        return failed ? `failed:${failed.outcome}` : 'delete:resumed';
      }
      if (!run.deleteRequestedAt && minutesSince(run.startedAt, now) >= grace) {
        await failRun(deps, ctx, run, `start-refresh stopped before y's deletion was requested; y is untouched.`);
        return 'failed:start-interrupted';
      }
      return 'waiting:deletion';
    }
    case 'deleted': {
      if (run.nextRetryAt && Date.parse(run.nextRetryAt) > now.getTime()) return 'waiting:retry';
      const outcome = await onGone(deps, ctx, run, { source: 'poll' });
      return `restore:${outcome}`;
    }
    case 'restoring': {
      if (!run.restoreRequestedAt) {
        if (minutesSince(run.restoreClaimedAt, now) < grace) return 'waiting:restore-request';
        // The invocation that claimed the restore died before recording it: try again (an existing y counts as done).
        const outcome = await requestRestore(deps, ctx, run, { event: 'reclaim-restore', deletedSource: 'poll' });
        return `restore:${outcome}`;
      }
      if (!y) {
        // The restore was accepted, yet y is gone: it failed and RDS removed it. Try again.
        if (minutesSince(run.restoreRequestedAt, now) < grace) return 'waiting:restore-visible';
        await transition(deps, run, 'restore-vanished', { errors: [...run.errors, `${now.toISOString()} the requested restore vanished`] });
        return 'restore:vanished';
      }
      if (ctx.target.usable(y)) {
        const seen = await usableWithoutEvent(deps, run);
        if (!seen) return 'waiting:usable-event';
        deps.telemetry.count('UsableEventMissed', 1, { replica: run.replicaId });
        return `finish:${await finishRun(deps, ctx, run, { at: seen, source: 'poll' })}`;
      }
      const failed = ctx.target.failed(y);
      if (failed) {
        await failRun(deps, ctx, run, `the restored ${ctx.target.noun} is ${failed}.`);
        return 'failed:restore';
      }
      // An event lost or a function that died before it was acted on: what the restore still needs (an Aurora
      // cluster's writer) is asked for here.
      const completed = await completeRestore(deps, ctx, run, y);
      if (completed === 'failed') return 'failed:complete-restore';
      if (completed === 'created') return 'restore:completing';
      if (!run.deadlineAlertedAt && minutesSince(run.restoreRequestedAt, now) > pair.restoreDeadlineMinutes) {
        await alertDeadline(deps, ctx, run, y.status);
        return 'alerted:deadline';
      }
      return `waiting:${y.status}`;
    }
    case 'finishing':
      return `finish:${await finishRun(deps, ctx, run, { at: run.usableAt ? new Date(run.usableAt) : now, source: run.usableSource ?? 'poll' })}`;
    default:
      await failRun(deps, ctx, run, `the run is in an unknown phase ${String(run.phase)}.`);
      return 'failed:unknown-phase';
  }
}

/** The delete-first strategy. */
export const DELETE_FIRST: RefreshStrategy = {
  mode: 'delete-first',
  firstPhase: 'deleting',
  openEvent: 'start',
  manages: (pair, sourceType, sourceId) => targetOf(pair).owns(pair, sourceType, sourceId),
  begin: (deps, ctx, run, replica, opts) => deleteReplica(deps, ctx, run, replica, opts.disableDeletionProtection),
  interrupted: (run) => run.deleteRequestedAt === undefined,
  resume: continueStart,
  awaitsGone: (run) => run.phase === 'deleting' || run.phase === 'deleted',
  onGone,
  awaitsUsable: (run) => (run.phase === 'restoring' || run.phase === 'finishing') && run.restoreClaimedAt !== undefined,
  onUsable: (deps, ctx, run, usable): Promise<FinishOutcome> => finishRun(deps, ctx, run, usable),
  poll,
};
