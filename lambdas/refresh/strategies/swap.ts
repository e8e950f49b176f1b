/**
 * What the swap modes (rename-swap, dns-switch) share: each restores a copy beside the instance that serves, through
 * the lifecycle's own restore and finish steps (the run's `copyId`), validates it over a database connection, and
 * only then moves clients to it. Until the switch, the instance that serves is never touched: a failure before it
 * deletes the copy (when it is this run's and owned) and fails the run with y still serving.
 */
import { StaleRunError, describeError } from '../../kernel/errors';
import type { RunRecord, TargetView } from '../../kernel/model';
import type { Deps } from '../../kernel/ports';
import type { FinishOutcome, Handoff, RestoreOutcome, RunContext } from '../lifecycle';
import { closeSucceeded, failRun, finishRun, isRestoredBy, minutesSince, requestRestore, usableWithoutEvent } from '../lifecycle';
import { transition } from '../machine';
import type { Sighting } from './strategy';

/** Whether `view` is the instance a run retired (its DbiResourceId, recorded at the start; runs from before it: by name). */
export function isSameInstance(view: TargetView, run: Pick<RunRecord, 'retiredResourceId'>): boolean {
  return run.retiredResourceId === undefined || (view.kind !== 'cluster' && view.dbiResourceId === run.retiredResourceId);
}

/** Restores the copy beside y: the lifecycle's claim and restore, on the run's `copyId`. */
export function claimCopy(deps: Deps, ctx: RunContext, run: RunRecord): Promise<RestoreOutcome> {
  return requestRestore(deps, ctx, run, { event: 'claim-restore', deletedSource: 'poll' });
}

/** Lets a write that lost a race (another invocation moved the run) pass; anything else is thrown. */
export function ignoreStale(err: unknown): undefined {
  if (!(err instanceof StaleRunError)) throw err;
  return undefined;
}

/**
 * Deletes an instance this mode made, when it is there, carries the ownership tag and was restored by `run`; the
 * instance that serves is never deleted here.
 * @returns what became of it: `deleted`, `deleting`, `gone`, `not-ours`, `later` (RDS refused for now), `nothing`
 */
export async function discardInstance(deps: Deps, ctx: RunContext, run: RunRecord, id: string | undefined, servingId: string): Promise<string> {
  if (!id || id === servingId) return 'nothing';
  const copy = await ctx.gateway.describe(id).catch(() => undefined);
  if (!copy) return 'gone';
  if (!isRestoredBy(copy, run) || copy.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value) return 'not-ours';
  if (copy.status === 'deleting') return 'deleting';
  try {
    await ctx.gateway.delete(id);
    deps.telemetry.info('instance beside y deleted', { replica: run.replicaId, runId: run.runId, instance: id });
    return 'deleted';
  } catch (err) {
    // An instance still being created cannot be deleted yet: the watchdog's housekeeping deletes it later.
    deps.telemetry.warn('instance beside y not deleted yet; the watchdog retries', { replica: run.replicaId, runId: run.runId, instance: id, error: describeError(err) });
    return 'later';
  }
}

/** Fails a run that never switched: the serving instance keeps serving; the copy goes. */
export async function failBeforeSwitch(deps: Deps, ctx: RunContext, run: RunRecord, servingId: string, reason: string, record: Partial<RunRecord> = {}): Promise<void> {
  const discarded = await discardInstance(deps, ctx, run, run.copyId, servingId);
  const copyNote =
    discarded === 'deleted' || discarded === 'deleting' ? `the copy ${run.copyId} is being deleted` : discarded === 'later' ? `the copy ${run.copyId} is deleted by the watchdog once RDS allows it` : 'no copy is left';
  await failRun(deps, ctx, run, `${reason} Clients were never switched: ${servingId} keeps serving its current data; ${copyNote}.`, 'RefreshFailed', record);
}

/**
 * The copy is configured: validate it and, when it passes, move the run to `switching` (its switch time is now).
 * A copy that fails (or a validation that cannot run) is never switched to: the run fails and the copy is deleted.
 * @returns the run in `switching`, or the finish's outcome when the run ended or another invocation moved it
 */
export async function validateForSwitch(deps: Deps, ctx: RunContext, run: RunRecord, configured: Partial<RunRecord>, copy: TargetView, servingId: string): Promise<RunRecord | FinishOutcome> {
  if (!deps.validator) {
    await failBeforeSwitch(deps, ctx, { ...run, ...configured }, servingId, 'this function has no validator (no validation function is configured for the pair), so the copy could not be validated.');
    return 'failed';
  }
  let validation;
  try {
    validation = await deps.validator.validate({ pair: ctx.pair, runId: run.runId, copy });
  } catch (err) {
    validation = { ok: false, steps: [], error: `the validation could not run: ${describeError(err)}` };
  }
  const validatedAt = deps.now().toISOString();
  if (!validation.ok) {
    deps.telemetry.count('ValidationFailed', 1, { replica: ctx.pair.id });
    const found = { ...configured, validation: validation.steps, validatedAt };
    await failBeforeSwitch(deps, ctx, { ...run, ...found }, servingId, `the new copy ${copy.id} failed its validation: ${validation.error ?? 'a check failed'}.`, found);
    return 'failed';
  }
  try {
    return await transition(deps, run, 'switch', { ...configured, validation: validation.steps, validatedAt, switchRequestedAt: deps.now().toISOString() });
  } catch (err) {
    if (err instanceof StaleRunError) return 'duplicate';
    throw err;
  }
}

/**
 * The finish's handoff of a swap mode: a configured copy goes on to `configured` (validate, switch); one whose staging
 * hooks failed is never switched to: the run fails and the copy is deleted.
 */
export function swapHandoff(deps: Deps, ctx: RunContext, servingId: (run: RunRecord) => string, configured: Handoff['configured']): Handoff {
  return {
    configured,
    hooksFailed: async (run, record, reason) => {
      await failBeforeSwitch(deps, ctx, run, servingId(run), `${reason}.`, record);
      return 'failed';
    },
  };
}

/**
 * The watchdog's look at a swap run whose copy is being restored or configured (phases `restoring` and `finishing`):
 * what a lost event would have done, the same in both swap modes.
 * @returns what it did, or undefined for a phase it does not handle
 */
export async function pollCopy(deps: Deps, ctx: RunContext, run: RunRecord, servingId: string, handoff: Handoff): Promise<string | undefined> {
  const now = deps.now();
  const grace = ctx.pair.deletionEventGraceMinutes;
  if (run.phase === 'finishing') return `finish:${await finishRun(deps, ctx, run, { at: run.usableAt ? new Date(run.usableAt) : now, source: run.usableSource ?? 'poll' }, handoff)}`;
  if (run.phase !== 'restoring') return undefined;
  if (!run.restoreRequestedAt) {
    if (minutesSince(run.restoreClaimedAt, now) < grace) return 'waiting:restore-request';
    return `restore:${await requestRestore(deps, ctx, run, { event: 'reclaim-restore', deletedSource: 'poll' })}`;
  }
  const copy = run.copyId ? await ctx.gateway.describe(run.copyId) : undefined;
  if (!copy) {
    if (minutesSince(run.restoreRequestedAt, now) < grace) return 'waiting:restore-visible';
    await transition(deps, run, 'copy-vanished', { errors: [...run.errors, `${now.toISOString()} the requested copy vanished`] });
    return 'restore:vanished';
  }
  if (ctx.target.usable(copy)) {
    const seen = await usableWithoutEvent(deps, run);
    if (!seen) return 'waiting:usable-event';
    deps.telemetry.count('UsableEventMissed', 1, { replica: run.replicaId });
    return `finish:${await finishRun(deps, ctx, run, { at: seen, source: 'poll' }, handoff)}`;
  }
  const failed = ctx.target.failed(copy);
  if (failed) {
    await failBeforeSwitch(deps, ctx, run, servingId, `the copy ${copy.id} is ${failed}.`);
    return 'failed:restore';
  }
  return `waiting:${copy.status}`;
}

/** Clients have the copy: the run succeeds, switched at `seen` (never before the switch began). */
export async function closeSwitched(deps: Deps, ctx: RunContext, run: RunRecord, live: TargetView, seen: Required<Pick<Sighting, 'at'>> & Sighting, floorIso?: string): Promise<string> {
  const floor = Date.parse(floorIso ?? run.switchRequestedAt ?? run.startedAt);
  const switchedAt = new Date(Math.max(seen.at.getTime(), floor)).toISOString();
  const outcome = await closeSucceeded(deps, ctx, run, 'switched', { switchedAt, switchedSource: seen.source, closedAt: deps.now().toISOString() }, live);
  return outcome === 'closed' ? 'switched' : outcome;
}
