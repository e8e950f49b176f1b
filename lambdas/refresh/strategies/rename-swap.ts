/**
 * Rename-swap (`refresh.mode: "rename-swap"`): y keeps serving while its successor is restored beside it, under a
 * name of the run's own (`<y>-next-<run>`), with y's settings and credentials. The copy is validated over a database
 * connection; only then are clients moved: y is renamed to `<y>-old-<run>` and the copy to y, so y's identifier and
 * endpoint name stay the same. The old instance is kept `keepOldHours` (to compare, or to go back to by hand), then
 * the watchdog deletes it.
 *
 * Clients still lose y for a while: "the old DNS name that was used by the DB instance is immediately deleted,
 * although it could remain cached for a few minutes. The new DNS name for the renamed DB instance becomes effective in
 * about 10 minutes. The renamed DB instance is not available until the new name becomes effective", and the instance
 * then reboots (RDS User Guide, "Renaming a DB instance"). That is RDS's time, not the pipeline's: the run records it
 * (switchRequestedAt → switchedAt) and the probe measures what clients saw.
 *
 * Phases: preparing → restoring → finishing (configure, validate) → switching (renames) → succeeded. A copy that
 * fails validation is never switched to: y keeps serving, the copy is deleted, the run fails and alerts. A switch that
 * fails half way is rolled back: y's name goes back to the old instance.
 */
import type { PairConfig } from '../../kernel/config';
import { PermanentRdsError, RetryableRdsError, describeError } from '../../kernel/errors';
import type { RunRecord, TargetView } from '../../kernel/model';
import type { Deps } from '../../kernel/ports';
import type { FinishOutcome, Handoff, RestoreOutcome, RunContext } from '../lifecycle';
import { failRun, finishRun, isRestoredBy, minutesSince } from '../lifecycle';
import type { StartResult } from '../start';
import type { RefreshStrategy } from './strategy';
import { claimCopy, closeSwitched as closeWith, discardInstance, failBeforeSwitch as failSwap, ignoreStale, isSameInstance, pollCopy, swapHandoff, validateForSwitch } from './swap';

/** The run's own part of the names it makes: the random tail of its id (`20261206T030000Z-1a2b3c4d` → `1a2b3c4d`). */
export function runTag(runId: string): string {
  const tail = runId.split('-').at(-1) ?? runId;
  return tail.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8) || 'run';
}

/** The names a run of rename-swap uses beside y. */
export function swapNames(y: string, runId: string): { copyId: string; retiredId: string } {
  const tag = runTag(runId);
  return { copyId: `${y}-next-${tag}`, retiredId: `${y}-old-${tag}` };
}

/** Whether `id` is one of the names rename-swap makes beside y. */
function isSwapName(y: string, id: string): boolean {
  return id.startsWith(`${y}-`) && /^(next|old)-[a-z0-9]{1,8}$/.test(id.slice(y.length + 1));
}

/** Minutes a switch may take before it is rolled back: RDS's rename (about 10 min) and reboot, with a wide margin. */
export const SWITCH_DEADLINE_MINUTES = 45;

function settings(pair: PairConfig): { keepOldHours: number } {
  return pair.refresh.mode === 'rename-swap' ? pair.refresh : { keepOldHours: 24 };
}

/** What requestRestore's outcome means for the start. */
function startResultOf(run: RunRecord, outcome: RestoreOutcome, reason?: string): StartResult | undefined {
  if (outcome === 'failed') return { outcome: 'failed', runId: run.runId, reason: reason ?? 'the restore beside y failed' };
  return undefined;
}

/** Fails a run that never switched: y keeps serving; the copy goes. */
function failBeforeSwitch(deps: Deps, ctx: RunContext, run: RunRecord, reason: string): Promise<void> {
  return failSwap(deps, ctx, run, ctx.pair.replica.identifier, reason);
}

/** Deletes the copy a failed run restored, if it is there and ours; y is never touched here. */
function discardCopy(deps: Deps, ctx: RunContext, run: RunRecord): Promise<string> {
  return discardInstance(deps, ctx, run, run.copyId, ctx.pair.replica.identifier);
}

/** The copy is configured: validate it, then switch (finishRun's handoff, the run in `finishing`). */
async function validateAndSwitch(deps: Deps, ctx: RunContext, run: RunRecord, configured: Partial<RunRecord>, copy: TargetView): Promise<FinishOutcome> {
  const switching = await validateForSwitch(deps, ctx, run, configured, copy, ctx.pair.replica.identifier);
  if (typeof switching === 'string') return switching;
  return (await stepSwitch(deps, ctx, switching)) === 'failed' ? 'failed' : 'closed';
}

/** What the finish hands a configured copy to: validation and the renames. */
function handoffOf(deps: Deps, ctx: RunContext): Handoff {
  return swapHandoff(deps, ctx, () => ctx.pair.replica.identifier, (r, configured, copy) => validateAndSwitch(deps, ctx, r, configured, copy));
}

/** The copy serves under y's name: the run succeeds, switched no earlier than the copy's rename was asked for. */
function closeSwitched(deps: Deps, ctx: RunContext, run: RunRecord, live: TargetView, seen: { at: Date; source: 'event' | 'poll' }): Promise<string> {
  return closeWith(deps, ctx, run, live, seen, run.promoteRequestedAt ?? run.switchRequestedAt);
}

/** The first step: restore the copy beside y. y is untouched. */
async function begin(deps: Deps, ctx: RunContext, run: RunRecord): Promise<StartResult | undefined> {
  if ((run.desired?.proxyTargets ?? []).length > 0) {
    // RDS Proxy registers instances by identifier; moving a registration across a rename is not built yet.
    const closed = await failRun(deps, ctx, run, `rename-swap does not move RDS Proxy registrations yet, and y is registered with ${run.desired!.proxyTargets!.map((t) => t.proxyName).join(', ')}; nothing was changed. Use refresh.mode "delete-first" for this pair.`);
    return { outcome: 'failed', runId: run.runId, reason: closed.reason ?? 'proxy targets' };
  }
  const outcome = await claimCopy(deps, ctx, run);
  if (outcome !== 'failed') return undefined;
  const closed = await deps.ledger.getRun(run.replicaId, run.runId);
  return startResultOf(run, outcome, closed?.reason);
}

/**
 * One step of the switch, from what RDS shows now (so a repeat, a retry or a watchdog pass all continue it):
 * y → `<y>-old-<run>`, then the copy → y, then wait for y to serve. Each rename is asked for once it can be.
 */
async function stepSwitch(deps: Deps, ctx: RunContext, run: RunRecord): Promise<string> {
  const y = ctx.pair.replica.identifier;
  const { copyId, retiredId } = run;
  if (!copyId || !retiredId) {
    await failRun(deps, ctx, run, 'the run has no copy or retired name to switch with (a bug); nothing was renamed.');
    return 'failed';
  }
  const live = await ctx.gateway.describe(y);
  if (live && isRestoredBy(live, run)) {
    if (!run.promoteRequestedAt) await deps.ledger.updateActiveRun(run, { promoteRequestedAt: run.switchRequestedAt }, ['switching']).catch(ignoreStale);
    return ctx.target.usable(live) ? closeSwitched(deps, ctx, run, live, { at: deps.now(), source: 'poll' }) : `waiting:${live.status}`;
  }
  try {
    if (live) {
      // y is still the old instance: it takes its retired name first (its own name is free at once).
      if (live.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value) {
        await failBeforeSwitch(deps, ctx, run, `y lost its ownership tag (${ctx.pair.ownershipTag.key}) during the refresh; it was not renamed.`);
        return 'failed';
      }
      if ((await ctx.gateway.modify(y, { newIdentifier: retiredId })) === 'busy') return 'waiting:y-busy';
      deps.telemetry.info('switch: y renamed to its retired name', { replica: run.replicaId, runId: run.runId, retiredId });
    }
    const result = await ctx.gateway.modify(copyId, { newIdentifier: y });
    if (result === 'busy') return 'waiting:copy-busy';
    await deps.ledger.updateActiveRun(run, { promoteRequestedAt: deps.now().toISOString() }, ['switching']).catch(ignoreStale);
    deps.telemetry.info('switch: the copy takes y\'s name', { replica: run.replicaId, runId: run.runId, copyId });
    return 'renamed';
  } catch (err) {
    if (err instanceof RetryableRdsError) return 'waiting:retry';
    if (!(err instanceof PermanentRdsError)) throw err;
    return rollBack(deps, ctx, run, `a rename was refused: ${describeError(err)}`);
  }
}

/**
 * Undoes a switch that went wrong half way: the copy gives y's name back (it takes `<y>-next-<run>` again), then the
 * old instance takes y's name. Each rename waits for its instance to take it (the watchdog repeats this), and the run
 * fails once y's name is the old instance's again.
 */
async function rollBack(deps: Deps, ctx: RunContext, run: RunRecord, why: string): Promise<string> {
  const y = ctx.pair.replica.identifier;
  const { copyId, retiredId } = run;
  if (!run.rollbackReason) {
    run = await deps.ledger.updateActiveRun(run, { rollbackReason: why, errors: [...run.errors, `${deps.now().toISOString()} rolling back the switch: ${why}`] }, ['switching']).catch(() => run);
  }
  try {
    const live = await ctx.gateway.describe(y);
    if (live && isRestoredBy(live, run) && copyId) {
      if ((await ctx.gateway.modify(y, { newIdentifier: copyId })) === 'busy') return 'rollback:waiting-copy';
    } else if (!live && retiredId && (await ctx.gateway.describe(retiredId))) {
      if ((await ctx.gateway.modify(retiredId, { newIdentifier: y })) === 'busy') return 'rollback:waiting-old';
    }
    const now = await ctx.gateway.describe(y);
    if (!now || isRestoredBy(now, run)) return 'rollback:waiting';
  } catch (err) {
    if (err instanceof RetryableRdsError || err instanceof PermanentRdsError) {
      deps.telemetry.warn('rollback step refused; the watchdog retries', { replica: run.replicaId, runId: run.runId, error: describeError(err) });
      return 'rollback:retry';
    }
    throw err;
  }
  const rolled = { rolledBackAt: deps.now().toISOString() };
  await failSwap(deps, ctx, { ...run, ...rolled }, ctx.pair.replica.identifier, `the switch was rolled back (${why}): y's name is the old instance's again.`, rolled);
  return 'failed';
}

/** The watchdog's look at a run: what an event did not bring, retried or continued. */
async function poll(deps: Deps, ctx: RunContext, run: RunRecord): Promise<string> {
  const { pair } = ctx;
  const now = deps.now();
  const grace = pair.deletionEventGraceMinutes;
  switch (run.phase) {
    case 'preparing': {
      if (run.nextRetryAt && Date.parse(run.nextRetryAt) > now.getTime()) return 'waiting:retry';
      if (!run.restoreClaimedAt && minutesSince(run.startedAt, now) < grace) return 'waiting:start';
      return `restore:${await claimCopy(deps, ctx, run)}`;
    }
    case 'restoring':
    case 'finishing':
      return (await pollCopy(deps, ctx, run, pair.replica.identifier, handoffOf(deps, ctx)))!;
    case 'switching': {
      if (run.rollbackReason) return rollBack(deps, ctx, run, run.rollbackReason);
      if (minutesSince(run.switchRequestedAt, now) > SWITCH_DEADLINE_MINUTES) {
        const live = await ctx.gateway.describe(pair.replica.identifier);
        if (!(live && isRestoredBy(live, run) && ctx.target.usable(live))) return rollBack(deps, ctx, run, `y did not serve under its name within ${SWITCH_DEADLINE_MINUTES} min of the switch`);
      }
      const live = await ctx.gateway.describe(pair.replica.identifier);
      const failed = live && isRestoredBy(live, run) ? ctx.target.failed(live) : undefined;
      if (failed) return rollBack(deps, ctx, run, `the copy, renamed to y, is ${failed}`);
      return `switch:${await stepSwitch(deps, ctx, run)}`;
    }
    default:
      await failRun(deps, ctx, run, `the run is in phase ${String(run.phase)}, which rename-swap does not use.`);
      return 'failed:unknown-phase';
  }
}

/**
 * Housekeeping: old instances kept past `keepOldHours` are deleted, and copies a failed run left behind (RDS would
 * not delete them while they were being created). Only instances whose names this mode makes, that carry the
 * ownership tag and whose lineage names the run, are ever deleted.
 */
async function housekeep(deps: Deps, ctx: RunContext, present: ReadonlySet<string>): Promise<string | undefined> {
  const { keepOldHours } = settings(ctx.pair);
  const now = deps.now();
  const done: string[] = [];
  // Nothing of this mode's beside y: no ledger read, no call (the usual pass).
  const y = ctx.pair.replica.identifier;
  if (![...present].some((id) => id !== y && isSwapName(y, id))) return undefined;
  for (const run of await deps.ledger.listRuns(ctx.pair.id, { limit: 10 })) {
    if (![run.retiredId, run.copyId].some((id) => id !== undefined && present.has(id))) continue;
    if (run.status === 'succeeded' && run.retiredId && run.switchedAt && minutesSince(run.switchedAt, now) >= keepOldHours * 60) {
      const old = await ctx.gateway.describe(run.retiredId).catch(() => undefined);
      if (old && isSameInstance(old, run) && old.status !== 'deleting' && old.tags[ctx.pair.ownershipTag.key] === ctx.pair.ownershipTag.value && ctx.target.deletableStates.has(old.status)) {
        try {
          await ctx.gateway.delete(run.retiredId);
          done.push(`deleted ${run.retiredId}`);
          deps.telemetry.info('old instance deleted after keepOldHours', { replica: run.replicaId, runId: run.runId, instance: run.retiredId, keepOldHours });
        } catch (err) {
          deps.telemetry.warn('old instance not deleted; next pass retries', { replica: run.replicaId, instance: run.retiredId, error: describeError(err) });
        }
      }
    }
    if (run.status === 'failed' && run.copyId && !run.rolledBackAt) {
      const left = await discardCopy(deps, ctx, run);
      if (left === 'deleted') done.push(`deleted ${run.copyId}`);
    }
  }
  return done.length > 0 ? done.join(', ') : undefined;
}

/** The rename-swap strategy. */
export const RENAME_SWAP: RefreshStrategy = {
  mode: 'rename-swap',
  firstPhase: 'preparing',
  openEvent: 'start-beside',
  namesOf: (pair, runId) => swapNames(pair.replica.identifier, runId),
  manages: (pair, sourceType, sourceId) => sourceType === 'db-instance' && (sourceId === pair.replica.identifier || isSwapName(pair.replica.identifier, sourceId)),
  begin: (deps, ctx, run) => begin(deps, ctx, run),
  interrupted: (run) => run.restoreClaimedAt === undefined,
  resume: async (deps, ctx, run) => (await begin(deps, ctx, run)) ?? { outcome: 'started', runId: run.runId, snapshot: run.plannedSnapshot ?? { id: 'unknown', arn: '', type: 'unknown' }, checks: run.checks },
  awaitsGone: () => false,
  onGone: () => Promise.resolve('duplicate'),
  awaitsUsable: (run) => (run.phase === 'restoring' || run.phase === 'finishing') && run.restoreClaimedAt !== undefined,
  onUsable: (deps, ctx, run, usable) => finishRun(deps, ctx, run, usable, handoffOf(deps, ctx)),
  poll: (deps, ctx, run) => poll(deps, ctx, run),
  awaitsSwitch: (run) => run.phase === 'switching',
  onRestarted: async (deps, ctx, run, sourceId, seen) => {
    if (sourceId !== ctx.pair.replica.identifier) return 'ignored:not-y';
    const live = await ctx.gateway.describe(sourceId);
    if (!live || !isRestoredBy(live, run) || !ctx.target.usable(live)) return 'ignored:not-the-copy';
    return closeSwitched(deps, ctx, run, live, { at: seen.at ?? deps.now(), source: seen.source });
  },
  housekeep,
};
