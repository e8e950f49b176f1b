/**
 * Acting on RDS events about the replicas: restore on deletion, finish on usable, fail or alert on
 * failure. Unknown, malformed and stale events are counted and ignored; nothing here acts twice.
 */
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import type { RdsEvent } from './parse';
import { parseInvocation } from './parse';
import { failRun, runContext, settleAndLoadActiveRun } from '../refresh/lifecycle';
import { strategyOf } from '../refresh/strategies/registry';
import { onReplicaMissing } from '../refresh/heal';
import { alert } from '../reporting/measures';
import type { RunRecord } from '../kernel/model';
import type { Deps } from '../kernel/ports';

/** RDS's clock and ours may disagree a little; an event older than its run by more than this is stale. */
const CLOCK_SKEW_MS = 2 * 60_000;

/** What one event led to. */
export interface EventOutcome {
  eventId?: string;
  sourceId?: string;
  action: string;
}

function ignored(deps: Deps, reason: string, detail: Record<string, unknown>): EventOutcome {
  deps.telemetry.count('EventsIgnored', 1, { reason });
  deps.telemetry.info('event ignored', { reason, ...detail });
  return { action: `ignored:${reason}`, ...(typeof detail.eventId === 'string' ? { eventId: detail.eventId } : {}), ...(typeof detail.sourceId === 'string' ? { sourceId: detail.sourceId } : {}) };
}

function isStale(event: RdsEvent, since: string | undefined): boolean {
  return event.time !== undefined && since !== undefined && event.time.getTime() < Date.parse(since) - CLOCK_SKEW_MS;
}

/**
 * The event wins the record: when the watchdog's poll saw y deleted or usable first, RDS's later event carries the
 * exact time, which replaces the poll's on the run (active or already in history). Only a time inside the window
 * the poll bounds is taken: after the delete (or restore) was requested and no later than the poll saw it.
 * @returns true when a run was amended
 */
async function amendFromEvent(deps: Deps, replicaId: string, active: RunRecord | undefined, which: 'deleted' | 'usable', time: Date | undefined): Promise<boolean> {
  if (!time) return false;
  const candidate = active ?? (await deps.ledger.listRuns(replicaId, { limit: 1 }))[0];
  if (!candidate) return false;
  const polled = which === 'deleted' ? candidate.deletedSource === 'poll' && candidate.deletedAt : candidate.usableSource === 'poll' && candidate.usableAt;
  if (!polled) return false;
  const from = which === 'deleted' ? (candidate.deleteRequestedAt ?? candidate.startedAt) : (candidate.restoreRequestedAt ?? candidate.restoreClaimedAt ?? candidate.startedAt);
  if (time.getTime() < Date.parse(from) - CLOCK_SKEW_MS || time.getTime() > Date.parse(polled)) return false;
  const amended = await deps.ledger.amendTiming(replicaId, candidate.runId, which, time.toISOString());
  if (amended) deps.telemetry.info('event time replaces the poll time', { replica: replicaId, runId: candidate.runId, which, polled, event: time.toISOString() });
  return amended;
}

/**
 * The pair an RDS event is about: events name a physical resource (their Source Type and Source ID), which the pair's
 * strategy knows to be one of its own (y, an Aurora y's member instance, or an instance a swap mode runs beside y).
 */
export function pairOfEvent(config: Pick<RuntimeConfig, 'pairs'>, sourceId: string, sourceType = 'db-instance'): PairConfig | undefined {
  return config.pairs.find((p) => strategyOf(p).manages(p, sourceType, sourceId));
}

/**
 * Handles one parsed event. One that acted on a pair is also the event path's sign of life, recorded for
 * `npm run status` (an ignored one writes nothing: malformed and foreign input never acts).
 */
export async function handleEvent(deps: Deps, config: RuntimeConfig, event: RdsEvent): Promise<EventOutcome> {
  const outcome = await actOn(deps, config, event);
  const pair = outcome.action.startsWith('ignored:') ? undefined : pairOfEvent(config, event.sourceId, event.sourceType);
  if (pair) {
    // A sign of life for npm run status: never worth failing (and redelivering) an event that has already acted.
    try {
      await deps.ledger.noteEvent(pair.id, { eventId: event.eventId, sourceId: event.sourceId, ...(event.time ? { at: event.time.toISOString() } : {}), receivedAt: deps.now().toISOString() });
    } catch (err) {
      deps.telemetry.warn('could not record the last event received', { replica: pair.id, eventId: event.eventId, error: (err as Error).message });
    }
  }
  return outcome;
}

async function actOn(deps: Deps, config: RuntimeConfig, event: RdsEvent): Promise<EventOutcome> {
  const detail = { eventId: event.eventId, sourceId: event.sourceId, sourceType: event.sourceType };
  const pair = pairOfEvent(config, event.sourceId, event.sourceType);
  if (!pair) return ignored(deps, 'not-a-replica', detail);
  const ctx = runContext(deps, config, pair);
  const signal = ctx.target.signalOf(pair, event);
  if (!signal) return ignored(deps, 'irrelevant-event', detail);
  const strategy = strategyOf(pair);
  // A reboot matters only to a mode that waits for one (a swap's rename): for the others it is not news.
  if (signal === 'restarted' && !strategy.onRestarted) return ignored(deps, 'irrelevant-event', detail);
  const run = await settleAndLoadActiveRun(deps, config, pair.id);

  if (signal === 'restarted') {
    // A swap mode's switch: the instance under y's name serves again after its rename's reboot.
    if (!run || !strategy.awaitsSwitch?.(run) || !strategy.onRestarted) return ignored(deps, 'no-switch-waiting', detail);
    if (isStale(event, run.switchRequestedAt)) return ignored(deps, 'stale-event', detail);
    const at = event.time && event.time.getTime() <= deps.now().getTime() ? event.time : deps.now();
    const outcome = await strategy.onRestarted(deps, ctx, run, event.sourceId, { at, source: 'event' });
    if (outcome.startsWith('ignored:')) return ignored(deps, outcome.slice('ignored:'.length), detail);
    return { eventId: event.eventId, sourceId: event.sourceId, action: `switch:${outcome}` };
  }

  // Events of the instances a swap mode runs beside y (its copy, the old y) never mean that y is missing.
  if (signal === 'deleted' && event.sourceId !== pair.replica.identifier && !(run && strategy.awaitsGone(run))) return ignored(deps, 'not-y', detail);

  if (signal === 'deleted') {
    if (!run) {
      // A late or repeated deletion event of a run that already restored y: y exists, nothing happened. The instance
      // clients use is y, or a dns-switch pair's live one (its first switch retires y itself).
      const live = await ctx.gateway.describe(strategy.liveOf ? await strategy.liveOf(deps, ctx) : pair.replica.identifier);
      if (live) {
        if (await amendFromEvent(deps, pair.id, undefined, 'deleted', event.time)) return { eventId: event.eventId, sourceId: event.sourceId, action: 'amended:deleted' };
        return ignored(deps, 'stale-event', { ...detail, status: live.status });
      }
      const outcome = await onReplicaMissing(deps, ctx, event.time ?? deps.now(), 'event');
      return { eventId: event.eventId, sourceId: event.sourceId, action: `unmanaged-deletion:${outcome}` };
    }
    if (isStale(event, run.startedAt)) return ignored(deps, 'stale-event', detail);
    if (!strategy.awaitsGone(run)) {
      if (await amendFromEvent(deps, pair.id, run, 'deleted', event.time)) return { eventId: event.eventId, sourceId: event.sourceId, action: 'amended:deleted' };
      return ignored(deps, 'duplicate', detail);
    }
    const outcome = await strategy.onGone(deps, ctx, run, { ...(event.time ? { at: event.time } : {}), source: 'event' });
    // A racing duplicate lost the claim: the same as one that arrived later.
    if (outcome === 'duplicate') return ignored(deps, 'duplicate', detail);
    return { eventId: event.eventId, sourceId: event.sourceId, action: `restore:${outcome}` };
  }

  if (signal === 'usable') {
    if (!run || !strategy.awaitsUsable(run)) {
      // The watchdog closed the run from its poll before this event came: the event's time is the exact one.
      if (!run && (await amendFromEvent(deps, pair.id, undefined, 'usable', event.time))) return { eventId: event.eventId, sourceId: event.sourceId, action: 'amended:usable' };
      return ignored(deps, 'no-run-waiting', detail);
    }
    if (isStale(event, run.restoreClaimedAt)) return ignored(deps, 'stale-event', detail);
    const at = event.time && event.time.getTime() <= deps.now().getTime() ? event.time : deps.now();
    // A run still finishing (its modify was refused) whose usable time came from a poll takes the event's; the close writes the amended run.
    const amended = run.phase === 'finishing' && (await amendFromEvent(deps, pair.id, run, 'usable', at));
    const current = amended ? ((await deps.ledger.getActiveRun(pair.id)) ?? run) : run;
    const outcome = await strategy.onUsable(deps, ctx, current, { at, source: 'event' });
    if (outcome === 'duplicate') return ignored(deps, 'duplicate', detail);
    // 0043 while y is still creating: the next event or the watchdog's poll confirms it.
    if (outcome === 'not-yet-usable') return ignored(deps, 'not-yet-usable', detail);
    // Not the instance this run restored (a late event of the old y, say): the watchdog still watches.
    if (outcome === 'not-ours' || outcome === 'not-found') return ignored(deps, 'not-this-restore', detail);
    return { eventId: event.eventId, sourceId: event.sourceId, action: `finish:${outcome}` };
  }

  // A failure signal.
  if (run && run.phase === 'restoring' && !isStale(event, run.restoreClaimedAt)) {
    await failRun(deps, ctx, run, `RDS reported ${event.eventId} during the restore: ${event.message || 'no message'}.`);
    return { eventId: event.eventId, sourceId: event.sourceId, action: 'failed-run' };
  }
  await deps.notifier.publish(
    alert('replica.rds-failure', pair.id, `RDS reported ${event.eventId}`, `RDS reported ${event.eventId} for ${pair.replica.identifier} at ${event.time?.toISOString() ?? 'an unknown time'}: ${event.message || 'no message'}. Check the instance in the RDS console.`, detail, run?.runId),
  );
  return { eventId: event.eventId, sourceId: event.sourceId, action: 'alerted:rds-failure' };
}

/** Handles a whole invocation: every record in turn. Malformed input never throws. */
export async function handleInvocation(deps: Deps, config: RuntimeConfig, input: unknown): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = [];
  for (const item of parseInvocation(input)) {
    if (item.kind === 'ignored') {
      outcomes.push(ignored(deps, item.reason, { detail: item.detail }));
      continue;
    }
    outcomes.push(await handleEvent(deps, config, item.event));
  }
  return outcomes;
}
