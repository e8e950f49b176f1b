/**
 * Acting on RDS events about the replicas: restore on deletion, finish on usable, fail or alert on
 * failure. Unknown, malformed and stale events are counted and ignored; nothing here acts twice.
 */
import { pairFor } from '../shared/config';
import type { RuntimeConfig } from '../shared/config';
import { RetryLaterError } from '../shared/errors';
import type { RdsEvent } from './events';
import { parseInvocation, signalOf } from './events';
import type { RunContext } from './lifecycle';
import { failRun, finishRun, requestRestore } from './lifecycle';
import { alert } from './measures';
import type { RunRecord } from './model';
import type { Deps } from './ports';
import { makeRunId } from './start-refresh';

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

async function onUnmanagedDeletion(deps: Deps, ctx: RunContext, event: RdsEvent): Promise<EventOutcome> {
  const y = ctx.pair.replica.instanceId;
  // A late or repeated deletion event of a run that already restored y: y exists, nothing happened.
  const live = await deps.rds.describeInstance(y);
  if (live) return ignored(deps, 'stale-event', { eventId: event.eventId, sourceId: y, status: live.status });

  deps.telemetry.count('UnmanagedDeletion', 1, { replica: y });
  const at = event.time ?? deps.now();
  if (!ctx.pair.restoreUnmanagedDeletions) {
    await deps.notifier.publish(
      alert(
        'replica.deleted-outside-run',
        y,
        'y was deleted outside any refresh',
        `${y} was deleted at ${at.toISOString()} and no replica-refresh run had started that deletion. It is NOT being restored, because restoreUnmanagedDeletions is off for this pair. ` +
          `Restore it by hand, or set restoreUnmanagedDeletions: true to have replica-refresh do it next time.`,
        { deletedAt: at.toISOString() },
      ),
    );
    return { eventId: event.eventId, sourceId: y, action: 'alerted:unmanaged-deletion' };
  }

  const history = await deps.ledger.listRuns(y, { limit: 20 });
  const template = history.find((r) => r.status === 'succeeded' && r.desired);
  if (!template?.desired) {
    await deps.notifier.publish(
      alert(
        'replica.deleted-outside-run',
        y,
        'y was deleted outside any refresh and cannot be restored',
        `${y} was deleted at ${at.toISOString()} outside any run. restoreUnmanagedDeletions is on, but the ledger holds no successful run with y's captured settings, so a restore would fall back to RDS defaults. Restore it by hand.`,
        { deletedAt: at.toISOString() },
      ),
    );
    return { eventId: event.eventId, sourceId: y, action: 'alerted:unmanaged-deletion-no-settings' };
  }

  const now = deps.now();
  const run: RunRecord = {
    replicaId: y,
    runId: makeRunId(now, deps.randomId()),
    sourceId: ctx.pair.source.instanceId,
    trigger: 'unmanaged-deletion',
    requestId: `deletion:${at.toISOString()}`,
    status: 'active',
    phase: 'deleted',
    startedAt: now.toISOString(),
    // y stopped serving no later than its deletion event: the downtime window starts there.
    deleteRequestedAt: at.toISOString(),
    deletedAt: at.toISOString(),
    deletedSource: 'event',
    restoreAttempts: 0,
    checks: [],
    errors: [],
    desired: template.desired,
  };
  try {
    await deps.ledger.openRun(run);
  } catch {
    return ignored(deps, 'duplicate', { eventId: event.eventId, sourceId: y });
  }
  await deps.notifier.publish(
    alert(
      'replica.deleted-outside-run',
      y,
      'y was deleted outside any refresh; restoring it',
      `${y} was deleted at ${at.toISOString()} outside any run. restoreUnmanagedDeletions is on: run ${run.runId} restores it with the settings captured by run ${template.runId}.`,
      { deletedAt: at.toISOString(), templateRunId: template.runId },
      run.runId,
    ),
  );
  const outcome = await requestRestore(deps, ctx, run, { fromPhases: ['deleted'], deletedSource: 'event' });
  if (outcome === 'retry-later') throw new RetryLaterError(`restore of ${y} failed and will be retried`);
  return { eventId: event.eventId, sourceId: y, action: `restore:${outcome}` };
}

/** Handles one parsed event. */
export async function handleEvent(deps: Deps, config: RuntimeConfig, event: RdsEvent): Promise<EventOutcome> {
  const detail = { eventId: event.eventId, sourceId: event.sourceId, sourceType: event.sourceType };
  const signal = signalOf(event);
  const pair = event.sourceType === 'db-instance' ? pairFor(config, event.sourceId) : undefined;
  if (!pair) return ignored(deps, 'not-a-replica', detail);
  if (!signal) return ignored(deps, 'irrelevant-event', detail);
  const ctx: RunContext = { config, pair };
  const run = await deps.ledger.getActiveRun(pair.replica.instanceId);

  if (signal === 'deleted') {
    if (!run) return onUnmanagedDeletion(deps, ctx, event);
    if (isStale(event, run.startedAt)) return ignored(deps, 'stale-event', detail);
    if (run.phase !== 'deleting' && run.phase !== 'deleted') return ignored(deps, 'duplicate', detail);
    const outcome = await requestRestore(deps, ctx, run, { fromPhases: ['deleting', 'deleted'], ...(event.time ? { deletedAt: event.time } : {}), deletedSource: 'event' });
    // A racing duplicate lost the claim: the same as one that arrived later.
    if (outcome === 'duplicate') return ignored(deps, 'duplicate', detail);
    if (outcome === 'retry-later') throw new RetryLaterError(`restore of ${run.replicaId} failed and will be retried`);
    return { eventId: event.eventId, sourceId: event.sourceId, action: `restore:${outcome}` };
  }

  if (signal === 'usable') {
    if (!run || (run.phase !== 'restoring' && run.phase !== 'finishing') || !run.restoreClaimedAt) return ignored(deps, 'no-run-waiting', detail);
    if (isStale(event, run.restoreClaimedAt)) return ignored(deps, 'stale-event', detail);
    const at = event.time && event.time.getTime() <= deps.now().getTime() ? event.time : deps.now();
    const outcome = await finishRun(deps, ctx, run, { at, source: 'event' });
    if (outcome === 'duplicate') return ignored(deps, 'duplicate', detail);
    return { eventId: event.eventId, sourceId: event.sourceId, action: `finish:${outcome}` };
  }

  // A failure signal.
  if (run && run.phase === 'restoring' && !isStale(event, run.restoreClaimedAt)) {
    await failRun(deps, ctx, run, `RDS reported ${event.eventId} during the restore: ${event.message || 'no message'}.`);
    return { eventId: event.eventId, sourceId: event.sourceId, action: 'failed-run' };
  }
  await deps.notifier.publish(
    alert('replica.rds-failure', pair.replica.instanceId, `RDS reported ${event.eventId}`, `RDS reported ${event.eventId} for ${pair.replica.instanceId} at ${event.time?.toISOString() ?? 'an unknown time'}: ${event.message || 'no message'}. Check the instance in the RDS console.`, detail, run?.runId),
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
