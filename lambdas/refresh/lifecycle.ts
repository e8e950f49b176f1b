/**
 * The steps of a run after y's deletion: restore, finish (post-restore modify, drift check, close)
 * and fail; and what happens when y goes missing outside any run. The event handler and the watchdog
 * both drive these, so a lost event and a delivered one end the same way. Each step is guarded by a
 * conditional ledger write: duplicates become no-ops.
 */
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import { PermanentRdsError, RetryableRdsError, StaleRunError, describeError } from '../kernel/errors';
import { alert, closedRunNotification, measure, rtoMissed } from '../reporting/measures';
import { applyCredentials } from './credentials';
import { NETWORK_GROUP, hasHooks, isolatedNetwork, quarantine, runHooks } from './hooks';
import { TRANSITIONS, stateOf, transition } from './machine';
import { gatewayOf, targetOf } from '../targets/registry';
import type { TargetGateway, TargetModel } from '../targets/target';
import type { ChosenSnapshot, Drift, RunRecord, SnapshotView, TargetView } from '../kernel/model';
import type { Deps, Notification } from '../kernel/ports';
import { LINEAGE_TAGS, lineageOf, lineageTags } from '../targets/lineage';
import { REPLICATED_BACKUP, dataTimeOf, findRestoreSource, maxDataAgeMs, restoreIdentifier, toChosen } from '../sources/snapshots';

/** The pair and the region's config a step runs under, with the pair's target: its model and its RDS calls. */
export interface RunContext {
  config: RuntimeConfig;
  pair: PairConfig;
  target: TargetModel;
  gateway: TargetGateway;
}

/** The context of a step for one pair: the only place a pair's target is looked up. */
export function runContext(deps: Pick<Deps, 'targets'>, config: RuntimeConfig, pair: PairConfig): RunContext {
  return { config, pair, target: targetOf(pair), gateway: gatewayOf(deps.targets, pair) };
}

/**
 * The instance (or cluster) a run's restore creates and configures: y itself in delete-first, the copy beside y in a
 * swap mode (`run.copyId`).
 */
export function workingId(ctx: Pick<RunContext, 'pair'>, run: Pick<RunRecord, 'copyId'>): string {
  return run.copyId ?? ctx.pair.replica.identifier;
}

/** Errors after which the same availability zone is worth avoiding. */
const AZ_CAPACITY_ERRORS: ReadonlySet<string> = new Set(['InsufficientDBInstanceCapacityFault', 'ProvisionedIopsNotAvailableInAZFault']);

function dims(pair: PairConfig): Record<string, string> {
  return { replica: pair.id };
}

/** Minutes from an ISO time to `now`; Infinity when the time is unset. */
export function minutesSince(iso: string | undefined, now: Date): number {
  return iso ? (now.getTime() - Date.parse(iso)) / 60_000 : Infinity;
}

/** Is this instance the one this run restored? The run id travels in y's lineage tags. */
export function isRestoredBy(y: TargetView | undefined, run: Pick<RunRecord, 'runId'>): boolean {
  return y?.tags[LINEAGE_TAGS.runId] === run.runId;
}

/**
 * The three-step close: move the run to its outcome (one closer wins), tell people, archive it. Whoever finds a
 * closed-but-unarchived run later completes it with {@link settleAndLoadActiveRun}.
 * @returns the closed run, or undefined when another invocation had already moved or closed it
 */
async function closeAndNotify(deps: Deps, run: RunRecord, event: 'succeed' | 'switched' | 'fail', closing: Partial<RunRecord>, notificationOf: (closed: RunRecord) => Notification): Promise<RunRecord | undefined> {
  let closed: RunRecord;
  try {
    closed = await transition(deps, run, event, closing);
  } catch (err) {
    if (err instanceof StaleRunError) return undefined;
    throw err;
  }
  await deps.notifier.publish(notificationOf(closed));
  const notified = await deps.ledger.updateActiveRun(closed, { notifiedAt: deps.now().toISOString() }).catch((err: unknown) => {
    if (!(err instanceof StaleRunError)) throw err;
    return { ...closed, notifiedAt: deps.now().toISOString() };
  });
  await deps.ledger.archiveRun(notified);
  return notified;
}

/**
 * Finishes a close that a crashed invocation left half done (the active slot holds a closed run): notify if nobody
 * did, then archive. A write, called explicitly where a function may write; reading the active run never does it.
 */
async function settleClosed(deps: Deps, config: RuntimeConfig, run: RunRecord): Promise<void> {
  let done = run;
  if (!run.notifiedAt) {
    await deps.notifier.publish(closedRunNotification(run, config));
    done = { ...run, notifiedAt: deps.now().toISOString() };
  }
  await deps.ledger.archiveRun(done);
  deps.telemetry.warn('completed an interrupted close', { replica: run.replicaId, runId: run.runId, status: run.status });
}

/**
 * The active run of a replica, from one read of its run slot, where a function may write: a closed run still in the
 * slot (a close a crashed invocation left half done) is settled first ({@link settleClosed}), and there is then no
 * active run. One GetItem a replica: the watchdog does this for every replica on every pass.
 */
export async function settleAndLoadActiveRun(deps: Deps, config: RuntimeConfig, replicaId: string): Promise<RunRecord | undefined> {
  const run = await deps.ledger.getActiveRun(replicaId);
  if (!run) return undefined;
  if (run.status === 'active') return run;
  await settleClosed(deps, config, run);
  return undefined;
}

/** The active run of a replica: a pure read (a closed run still in the slot is not active; see {@link settleAndLoadActiveRun}). */
export async function activeRunOf(deps: Pick<Deps, 'ledger'>, replicaId: string): Promise<RunRecord | undefined> {
  const run = await deps.ledger.getActiveRun(replicaId);
  return run?.status === 'active' ? run : undefined;
}

/** Closes a run as failed, alerts, and counts it (as RefreshFailed, or RunStuck). Idempotent: a second close sends nothing. */
export async function failRun(deps: Deps, ctx: RunContext, run: RunRecord, reason: string, metric: 'RefreshFailed' | 'RunStuck' = 'RefreshFailed', record: Partial<RunRecord> = {}): Promise<RunRecord> {
  // The instance clients use: y, or, for a dns-switch run, the slot it found serving (retiredId). A swap run restores
  // beside it and deletes nothing it serves, so its failure says how that instance is, never that the run deleted y.
  const servingId = run.mode === 'dns-switch' && run.retiredId ? run.retiredId : ctx.pair.replica.identifier;
  const serving = await ctx.gateway.describe(servingId).catch(() => undefined);
  const y = servingId === ctx.pair.replica.identifier ? serving : await ctx.gateway.describe(ctx.pair.replica.identifier).catch(() => undefined);
  const snapshot = run.snapshot?.id ?? run.plannedSnapshot?.id;
  const heal = ctx.pair.heal;
  const firstHeal = new Date(deps.now().getTime() + heal.backoffHours * 3_600_000).toISOString();
  const state = run.copyId
    ? serving
      ? `${servingId} exists and is ${serving.status}.`
      : `${servingId} DOES NOT EXIST, and this run deleted nothing clients used: look for it in the RDS console (a rename under way, or a deletion by someone else).`
    : y
    ? `${ctx.pair.replica.identifier} exists and is ${y.status}.`
    : run.deletedAt || run.restoreClaimedAt
      ? `${ctx.pair.replica.identifier} DOES NOT EXIST: this run deleted it. replica-refresh restores it ${heal.maxAttempts > 0 ? `(the watchdog tries again at ${firstHeal}, then after ${heal.backoffHours * 2} h, doubling, up to ${heal.maxAttempts} times) and ` : ''}` +
        `on the next nightly run at the latest, from ${snapshot ? `snapshot ${snapshot} or a newer one` : `the newest snapshot of ${run.sourceId}`} with its recorded settings. To restore it now: npm run restore -- --replica ${run.replicaId}.`
      : `${ctx.pair.replica.identifier} DOES NOT EXIST and this run did not delete it.`;
  // A y this run restored but did not finish configuring: what it lacks is this run's drift (the report shows it on this night).
  const drift = y && run.desired && isRestoredBy(y, run) ? ctx.target.driftOf(run.desired, y) : run.drift;
  // `record`: what the step that failed found and the run keeps (a swap mode's validation, its rollback).
  const closing: Partial<RunRecord> = { ...record, closedAt: deps.now().toISOString(), reason: `${reason} ${state}`, errors: run.errors, ...(drift ? { drift } : {}) };
  const closed = await closeAndNotify(deps, run, 'fail', closing, (c) => closedRunNotification(c, ctx.config));
  if (closed) {
    // A stuck run has its own alarm; counting it as failed too would page people twice for one run.
    deps.telemetry.count(metric, 1, dims(ctx.pair));
    // y did not come back after a restore was attempted: that is a missed RTO too (one definition, measures.rtoMissed).
    if (rtoMissed(closed, ctx.config.rtoTargetMinutes)) deps.telemetry.count('RtoMissed', 1, dims(ctx.pair));
    deps.telemetry.error('run failed', { replica: run.replicaId, runId: run.runId, reason: closed.reason });
  }
  // Another invocation closed it first: what this one meant to record, for the caller's answer.
  return closed ?? { ...run, ...closing, status: 'failed' };
}

/** How a restore attempt went. */
export type RestoreOutcome = 'requested' | 'duplicate' | 'not-yet-deleted' | 'retry-later' | 'failed';

async function pickSnapshot(ctx: RunContext, run: RunRecord): Promise<{ snapshot?: SnapshotView; problem?: string }> {
  // Preflight's choice may be stale: a newer copy may have landed, the planned one been deleted, or the
  // replicated backups' latest restorable time moved on. y is gone: an older available snapshot beats none.
  // A copy beside y (a swap mode) must be newer than what y serves, as the preflight demanded: y is still there.
  return findRestoreSource(ctx.gateway.snapshots, ctx.pair, { ...(run.pinnedSnapshotId ? { pinnedId: run.pinnedSnapshotId } : {}), yIsGone: run.copyId === undefined });
}

/** Minutes to wait before retry `attempt` + 1: 2, 4, 8, 16, then every 30. */
function backoffMinutes(attempt: number): number {
  return Math.min(30, 2 ** attempt);
}

/**
 * Restores y for a run whose y is gone. Claims the restore with a conditional write first, so only
 * one of several duplicate triggers calls RDS. A retryable failure is retried by the watchdog with
 * backoff; after `maxRestoreAttempts`, or on a permanent failure, the run fails and alerts.
 */
export async function requestRestore(
  deps: Deps,
  ctx: RunContext,
  run: RunRecord,
  opts: { event: 'claim-restore' | 'reclaim-restore'; deletedAt?: Date; deletedSource: 'event' | 'poll' },
): Promise<RestoreOutcome> {
  const now = deps.now();
  // A duplicate or late trigger finds the run already past the move it asks for.
  const state = stateOf(run);
  if (!state || !(TRANSITIONS[opts.event].from as readonly string[]).includes(state)) return 'duplicate';
  if (run.restoreAttempts >= ctx.pair.maxRestoreAttempts) {
    await failRun(deps, ctx, run, `the restore failed ${run.restoreAttempts} times (last: ${run.errors.at(-1) ?? 'unknown'}).`);
    return 'failed';
  }
  // The back-off is the run's: a duplicate or late event never brings the next attempt forward.
  if (run.nextRetryAt && Date.parse(run.nextRetryAt) > now.getTime()) return 'retry-later';
  let claimed: RunRecord;
  try {
    claimed = await transition(
      deps,
      run,
      opts.event,
      {
        restoreClaimedAt: now.toISOString(),
        firstRestoreAttemptAt: run.firstRestoreAttemptAt ?? now.toISOString(),
        restoreAttempts: run.restoreAttempts + 1,
        nextRetryAt: undefined,
        // A copy beside y (a swap mode) deletes nothing: y keeps serving.
        ...(run.deletedAt || run.copyId ? {} : { deletedAt: (opts.deletedAt ?? now).toISOString(), deletedSource: opts.deletedSource }),
        // start-refresh died between its delete and recording it: the delete followed its preflight at once.
        ...(run.deleteRequestedAt || run.copyId ? {} : { deleteRequestedAt: run.preflightFinishedAt ?? run.startedAt, deleteRequestedEstimated: true }),
      },
      { dueBy: now.toISOString() },
    );
  } catch (err) {
    if (err instanceof StaleRunError) return 'duplicate';
    throw err;
  }
  if (!claimed.desired) return (await failRun(deps, ctx, claimed, 'the run has no captured settings to restore y with.'), 'failed');

  try {
    const { snapshot, problem } = await pickSnapshot(ctx, claimed);
    if (!snapshot) return (await failRun(deps, ctx, claimed, `no snapshot to restore from: ${problem}.`), 'failed');
    const chosen: ChosenSnapshot = toChosen(snapshot);
    const notes: string[] = [];
    const dataTime = dataTimeOf(snapshot);
    if (dataTime && now.getTime() - dataTime.getTime() > maxDataAgeMs(ctx.pair, snapshot)) {
      const limit = snapshot.type === REPLICATED_BACKUP ? 'backupReplication.maxLagMinutes' : 'maxSnapshotAgeHours';
      notes.push(`${now.toISOString()} restoring from ${chosen.id}, older than ${limit}: it was the newest available once y was gone`);
    }
    claimed = await deps.ledger.updateActiveRun(claimed, { snapshot: chosen, ...(notes.length ? { errors: [...claimed.errors, ...notes] } : {}) }, ['restoring']);

    // Storage at least the snapshot's; after a capacity shortage, any zone rather than the one that has none.
    const wanted = ctx.target.restoreSettings(claimed.desired!, snapshot, { anyZone: claimed.lastErrorCode !== undefined && AZ_CAPACITY_ERRORS.has(claimed.lastErrorCode) });
    // A pair with staging hooks is restored isolated: its own network settings follow once the hooks passed.
    const isolated = ctx.target.kind === 'instance' ? isolatedNetwork(ctx.pair) : undefined;
    const settings = isolated ? { ...wanted, ...isolated } : wanted;
    // Only what this engine accepts: RDS rejects the whole restore for one parameter it does not take.
    const engine = ctx.pair.engine ?? claimed.engine ?? snapshot.engine;
    const shaped = ctx.target.shapeRestore(engine, settings);
    if (shaped.notes.length > 0 && JSON.stringify(shaped.notes) !== JSON.stringify(claimed.restoreNotes ?? [])) claimed = await deps.ledger.updateActiveRun(claimed, { restoreNotes: shaped.notes }, ['restoring']);
    const tags = { ...settings.tags, ...lineageTags({ snapshotId: chosen.id, ...(chosen.dataTime ? { dataTime: chosen.dataTime } : {}), runId: claimed.runId, refreshedAt: now }) };

    const pointInTime = snapshot.type === REPLICATED_BACKUP && dataTime ? { automatedBackupsArn: snapshot.arn, restoreTime: dataTime } : undefined;
    const target = workingId(ctx, claimed);
    // An Aurora y at the engine version of x's data, never one RDS picks for the region (RestoreDBClusterFromSnapshot
    // without EngineVersion: "the default version for the database engine in the AWS Region is used", API reference).
    const engineVersion = ctx.target.kind === 'cluster' ? snapshot.engineVersion : undefined;
    const result = await ctx.gateway.restore({
      identifier: target,
      snapshotIdentifier: restoreIdentifier(chosen),
      ...(engine ? { engine } : {}),
      ...(engineVersion ? { engineVersion } : {}),
      settings: shaped.settings,
      tags,
      ...(pointInTime ? { pointInTime } : {}),
    });
    let requestedAt = now.toISOString();
    let used = chosen;
    if (result === 'already-exists') {
      const y = await ctx.gateway.describe(target);
      if (!isRestoredBy(y, claimed) && claimed.copyId) {
        // A swap mode's copy name is this run's own; an instance under it that this run did not restore is not ours.
        await failRun(deps, ctx, claimed, `an instance named ${target} already exists and this run did not restore it; it was not touched. Delete or rename it, then run the refresh again.`);
        return 'failed';
      }
      if (!isRestoredBy(y, claimed)) {
        // The old y is still there (its deletion has not finished): hand the run back to the deletion wait.
        await transition(deps, claimed, 'not-yet-deleted', { deletedAt: undefined, deletedSource: undefined, restoreAttempts: claimed.restoreAttempts - 1 });
        deps.telemetry.warn('deletion signalled but y still exists; waiting', { replica: claimed.replicaId, runId: claimed.runId, status: y?.status });
        return 'not-yet-deleted';
      }
      // An earlier attempt of this run restored y and died before recording it: y's lineage says from what, and when.
      const lineage = lineageOf(y!.tags);
      if (lineage.snapshotId && lineage.snapshotId !== chosen.id) used = { id: lineage.snapshotId, arn: '', type: 'unknown', ...(lineage.dataTime ? { dataTime: lineage.dataTime.toISOString() } : {}) };
      requestedAt = claimed.restoreRequestedAt ?? y!.createdAt?.toISOString() ?? claimed.restoreClaimedAt ?? requestedAt;
      deps.telemetry.info('restore already under way (duplicate trigger)', { replica: claimed.replicaId, runId: claimed.runId });
    }
    await deps.ledger.updateActiveRun(claimed, { restoreRequestedAt: requestedAt, snapshot: used, lastErrorCode: undefined }, ['restoring']);
    deps.telemetry.info('restore requested', { replica: claimed.replicaId, runId: claimed.runId, snapshot: used.id });
    return 'requested';
  } catch (err) {
    const message = describeError(err);
    const errors = [...claimed.errors, `${now.toISOString()} restore attempt ${claimed.restoreAttempts}: ${message}`];
    if (err instanceof RetryableRdsError && claimed.restoreAttempts < ctx.pair.maxRestoreAttempts) {
      const nextRetryAt = new Date(now.getTime() + backoffMinutes(claimed.restoreAttempts) * 60_000).toISOString();
      await transition(deps, claimed, claimed.copyId ? 'copy-retry' : 'restore-retry', { errors, lastErrorCode: err.code, nextRetryAt });
      deps.telemetry.warn('restore failed; the watchdog retries it', { replica: claimed.replicaId, runId: claimed.runId, error: message, attempt: claimed.restoreAttempts, nextRetryAt });
      deps.telemetry.count('RestoreRetried', 1, dims(ctx.pair));
      return 'retry-later';
    }
    if (err instanceof RetryableRdsError || err instanceof PermanentRdsError) {
      const why = err instanceof RetryableRdsError ? `the restore failed ${claimed.restoreAttempts} times (last: ${message}).` : `the restore was rejected: ${message}.`;
      await failRun(deps, ctx, { ...claimed, errors }, why);
      return 'failed';
    }
    // Not an AWS error: a bug. Leave a trace on the run, then let Lambda retry and the DLQ alarm fire.
    await deps.ledger.updateActiveRun(claimed, { errors }).catch(() => undefined);
    throw err;
  }
}

/**
 * Asks for what a restore leaves to do before y can serve (an Aurora cluster's writer, once the restored cluster is
 * available), and records when. Safe to repeat: a writer already asked for is not asked for again. A rejected request
 * fails the run (y cannot serve without it); one RDS could not take now is left to the next event or watchdog pass.
 */
export async function completeRestore(deps: Deps, ctx: RunContext, run: RunRecord, y: TargetView): Promise<'created' | 'waiting' | 'done' | 'failed'> {
  if (!run.desired) return 'waiting';
  let step: 'created' | 'waiting' | 'done';
  try {
    step = await ctx.gateway.completeRestore(y, run.desired);
  } catch (err) {
    if (err instanceof RetryableRdsError) return 'waiting';
    if (!(err instanceof PermanentRdsError)) throw err;
    await failRun(deps, ctx, { ...run, errors: [...run.errors, `${deps.now().toISOString()} ${describeError(err)}`] }, `the restored ${ctx.target.noun} could not be completed: ${describeError(err)}.`);
    return 'failed';
  }
  if (step === 'created' && !run.writerRequestedAt) {
    await deps.ledger.updateActiveRun(run, { writerRequestedAt: deps.now().toISOString() }, ['restoring']).catch((err: unknown) => {
      if (!(err instanceof StaleRunError)) throw err;
    });
    deps.telemetry.info('restore completion requested', { replica: run.replicaId, runId: run.runId });
  }
  return step;
}

/**
 * How long the watchdog leaves RDS's usable event to come after it first sees a restored target serving: "events can
 * arrive late (minutes)" (../shared/RDS-NOTES.md, EventBridge), and a failed on-rds-event is retried about 1 and 2
 * minutes later (RDS-NOTES, "Delivery semantics"). Without it, a pass that runs seconds after the event was published
 * finishes the run itself and counts the event as missed (the event-path alarms then fire on a night whose events all
 * came).
 */
export const USABLE_EVENT_GRACE_MINUTES = 3;

/**
 * The watchdog sees the restored target serving while the run still waits for RDS's usable event. The first sighting is
 * recorded on the run; at the first pass {@link USABLE_EVENT_GRACE_MINUTES} or more after it (the next pass, with the
 * watchdog's 5-minute schedule) without the event, the run is finished by polling, usable from that first sighting (the
 * downtime window ends there, not at the later pass). A sighting from an earlier restore attempt of the run counts for
 * nothing.
 * @returns when the target was first seen serving, once the grace is over; undefined while the event may still come
 */
export async function usableWithoutEvent(deps: Deps, run: RunRecord): Promise<Date | undefined> {
  const now = deps.now();
  // A sighting from before this restore was requested is an earlier attempt's (a restore that vanished, a retry): not this one's.
  const stale = run.usablePolledAt !== undefined && run.restoreRequestedAt !== undefined && Date.parse(run.usablePolledAt) < Date.parse(run.restoreRequestedAt);
  if (!run.usablePolledAt || stale) {
    await deps.ledger.updateActiveRun(run, { usablePolledAt: now.toISOString() }, ['restoring']);
    return undefined;
  }
  return minutesSince(run.usablePolledAt, now) < USABLE_EVENT_GRACE_MINUTES ? undefined : new Date(run.usablePolledAt);
}

/** How finishing went. */
export type FinishOutcome = 'closed' | 'duplicate' | 'busy' | 'not-found' | 'not-ours' | 'not-yet-usable' | 'failed';

/**
 * Finishes a run whose new y is usable: records when it became usable, applies what the restore
 * could not set, checks for drift, closes the run and tells people. `force` closes even when RDS
 * still refuses the modify (a run about to be called stuck): the unapplied settings show as drift.
 */
export async function finishRun(deps: Deps, ctx: RunContext, run: RunRecord, usable: { at: Date; source: 'event' | 'poll'; force?: boolean }, handoff?: Handoff): Promise<FinishOutcome> {
  const y = await ctx.gateway.describe(workingId(ctx, run));
  if (!y) return 'not-found';
  if (!isRestoredBy(y, run)) return 'not-ours';
  const failed = ctx.target.failed(y);
  if (failed) {
    await failRun(deps, ctx, run, `the restored ${ctx.target.noun} is ${failed}.`);
    return 'failed';
  }
  // RDS-EVENT-0043 can arrive while y is still `creating`: y is usable only in a state that serves connections. A
  // restored Aurora cluster serves only once its writer does, which is asked for here as soon as the cluster takes it.
  if (run.phase === 'restoring' && !ctx.target.usable(y)) return (await completeRestore(deps, ctx, run, y)) === 'failed' ? 'failed' : 'not-yet-usable';
  let current = run;
  if (current.phase === 'restoring') {
    // An event's time is RDS's; it cannot be earlier than the restore this run asked for.
    const floor = Date.parse(current.restoreRequestedAt ?? current.restoreClaimedAt ?? current.startedAt);
    const usableAt = new Date(Math.max(usable.at.getTime(), floor)).toISOString();
    try {
      current = await transition(deps, current, 'usable', { usableAt, usableSource: usable.source });
    } catch (err) {
      if (!(err instanceof StaleRunError)) throw err;
      const again = await deps.ledger.getActiveRun(run.replicaId);
      if (!again || again.runId !== run.runId || again.phase !== 'finishing' || again.status !== 'active') return 'duplicate';
      current = again;
    }
  } else if (current.phase !== 'finishing') {
    return 'duplicate';
  }

  let settled = await applyPostRestore(deps, ctx, current, y, usable.force === true);
  if (settled.outcome === 'busy') return 'busy';
  // Staging hooks (masking, grants, checks) run on the restored instance while it is still isolated; only when they
  // pass does it get its network settings (the held-back group), so unmasked data is never served.
  if (hasHooks(ctx.pair) && !current.hooksPassedAt) {
    const hooks = await runHooks(deps, ctx, current, settled.after);
    const hooksFinishedAt = deps.now().toISOString();
    if (!hooks.ok) {
      deps.telemetry.count('HookFailed', 1, dims(ctx.pair));
      const record: Partial<RunRecord> = { drift: settled.drift, rejectedGroups: settled.run.rejectedGroups, credentialsSetAt: settled.run.credentialsSetAt, hooks: hooks.hooks, hooksFinishedAt };
      if (handoff) return handoff.hooksFailed({ ...current, ...record }, record, hooks.reason);
      const fate = await quarantine(deps, ctx, current, settled.after);
      await failRun(deps, ctx, { ...current, errors: settled.run.errors }, `${hooks.reason}. ${fate}`, 'RefreshFailed', record);
      return 'failed';
    }
    current = await deps.ledger.updateActiveRun({ ...current, ...settled.run }, { ...pick(settled.run), hooks: hooks.hooks, hooksPassedAt: hooksFinishedAt, hooksFinishedAt }, ['finishing']);
    settled = await applyPostRestore(deps, ctx, current, settled.after, usable.force === true);
    if (settled.outcome === 'busy') return 'busy';
  }
  const { after, drift, run: applied } = settled;
  const configured: Partial<RunRecord> = {
    drift,
    errors: applied.errors,
    modifiedAt: applied.modifiedAt,
    rejectedGroups: applied.rejectedGroups,
    credentialsSetAt: applied.credentialsSetAt,
    masterUserSecretArn: applied.masterUserSecretArn,
  };
  // A swap mode's copy is configured: the strategy validates it and switches clients to it before the run closes.
  if (handoff) return handoff.configured(current, configured, after);
  return closeSucceeded(deps, ctx, current, 'succeed', { ...configured, closedAt: deps.now().toISOString() }, after);
}

/** What post-restore work the run keeps between the hooks and the rest of the finish. */
function pick(run: RunRecord): Partial<RunRecord> {
  return { rejectedGroups: run.rejectedGroups, credentialsSetAt: run.credentialsSetAt, masterUserSecretArn: run.masterUserSecretArn, errors: run.errors };
}

/**
 * What a swap mode does with its copy, the run in `finishing` (`configured`/`record` not yet written): `configured`
 * validates it and switches clients to it; `hooksFailed` fails the run without a switch (the copy is deleted).
 */
export interface Handoff {
  configured(run: RunRecord, configured: Partial<RunRecord>, copy: TargetView): Promise<FinishOutcome>;
  hooksFailed(run: RunRecord, record: Partial<RunRecord>, reason: string): Promise<FinishOutcome>;
}

/**
 * Closes a run whose new y serves: the move (`succeed`, or a swap mode's `switched`), the notification, and what a
 * success settles (alerts cleared, the settings recorded, the metrics).
 */
export async function closeSucceeded(deps: Deps, ctx: RunContext, current: RunRecord, event: 'succeed' | 'switched', closing: Partial<RunRecord>, after: TargetView): Promise<FinishOutcome> {
  const drift = closing.drift ?? current.drift ?? [];
  const closed = await closeAndNotify(deps, current, event, closing, (c) => closedRunNotification(c, ctx.config, ctx.pair));
  if (!closed) return 'duplicate';

  // y is back: a later disappearance, or a later failed heal, is news again.
  for (const key of [MISSING_ALERT, HEAL_ALERTS.exhausted, HEAL_ALERTS.noSettings]) await deps.ledger.clearAlert(closed.replicaId, key);
  // A clean run restored y with exactly the settings it must have: they are the record from now on.
  if (drift.length === 0 && closed.desired) {
    await deps.ledger.putDesired({ replicaId: closed.replicaId, settings: closed.desired, ...(closed.engine ? { engine: closed.engine } : {}), capturedAt: closed.closedAt ?? deps.now().toISOString(), source: 'run', runId: closed.runId });
  }
  const m = measure(closed);
  const d = dims(ctx.pair);
  deps.telemetry.count('RefreshSucceeded', 1, d);
  if (m.downtimeSeconds !== undefined) deps.telemetry.seconds('DowntimeSeconds', m.downtimeSeconds, d);
  if (m.restoreSeconds !== undefined) deps.telemetry.seconds('RestoreSeconds', m.restoreSeconds, d);
  if (m.dataAgeSeconds !== undefined) deps.telemetry.seconds('SnapshotAgeSeconds', m.dataAgeSeconds, d);
  if (drift.length > 0) deps.telemetry.count('SettingsDrift', drift.length, d);
  if (rtoMissed(closed, ctx.config.rtoTargetMinutes)) deps.telemetry.count('RtoMissed', 1, d);
  // A night whose deletion or usable time came from a poll had a dead or slow event path: the alarm on it says so.
  if (closed.deletedSource === 'poll' || closed.usableSource === 'poll') deps.telemetry.count('NightCarriedByPolling', 1, d);
  deps.telemetry.info('run closed', { replica: closed.replicaId, runId: closed.runId, ...m, drift: drift.length, status: after.status });
  return 'closed';
}

/** How applying what a restore cannot set went. */
type PostRestore = { outcome: 'busy' } | { outcome: 'applied'; run: RunRecord; after: TargetView; drift: Drift[] };

/**
 * Applies what a restore cannot set: each settings group in its own ModifyDBInstance, y's associated IAM roles,
 * its RDS Proxy registrations and its master credentials; then checks every setting (drift). A group RDS rejects
 * is recorded with RDS's error and shows as drift; the rest still apply. While y's state refuses modifications
 * ('busy') the run stays open and the next event or watchdog pass goes on from here; `force` closes anyway (a run
 * about to be called stuck), and what did not apply shows as drift.
 */
async function applyPostRestore(deps: Deps, ctx: RunContext, run: RunRecord, y: TargetView, force: boolean): Promise<PostRestore> {
  const desired = run.desired;
  const id = workingId(ctx, run);
  let current = run;
  const errors = [...current.errors];
  const rejected = [...(current.rejectedGroups ?? [])];
  const skip = new Set(rejected.map((r) => r.group));
  let busy = false;
  const reject = (group: string, err: unknown) => {
    rejected.push({ group, error: describeError(err) });
    skip.add(group);
    deps.telemetry.warn('post-restore change rejected', { replica: run.replicaId, runId: run.runId, group, error: describeError(err) });
  };
  const attempt = async (group: string, call: () => Promise<string>): Promise<void> => {
    if (skip.has(group) || busy) return;
    try {
      if ((await call()) === 'busy') busy = true;
    } catch (err) {
      if (err instanceof PermanentRdsError) reject(group, err);
      else if (err instanceof RetryableRdsError) busy = true;
      else throw err;
    }
  };

  if (desired) {
    // What the restore left to create that y serves without (an Aurora cluster's readers): until then, the run waits.
    await attempt('members', async () => ((await ctx.gateway.completeRestore(y, desired)) === 'waiting' ? 'busy' : 'requested'));
    // The network group waits for the staging hooks: a pair with hooks is restored isolated (hooks.ts).
    const holdNetwork = hasHooks(ctx.pair) && !run.hooksPassedAt;
    for (const { group, changes } of ctx.target.postRestoreGroups(desired, y)) if (!(holdNetwork && group === NETWORK_GROUP)) await attempt(group, () => ctx.gateway.modify(id, { settings: changes }));
    for (const role of ctx.target.missingRoles(desired, y)) await attempt(`iam-role:${role.featureName}`, () => ctx.gateway.addRole(id, role.roleArn, role.featureName));
    for (const target of desired.proxyTargets ?? []) await attempt(`rds-proxy:${target.proxyName}`, () => ctx.gateway.registerProxyTarget(target, id));
  }
  if (!busy && !skip.has('credentials')) {
    const creds = await applyCredentials(deps, ctx, current, y);
    if (creds.outcome === 'busy') busy = true;
    else if (creds.outcome === 'rejected') reject('credentials', creds.error);
    else current = { ...current, ...creds.changes };
  }
  const persisted = { rejectedGroups: rejected.length > 0 ? rejected : undefined, credentialsSetAt: current.credentialsSetAt, masterUserSecretArn: current.masterUserSecretArn };
  if (busy && !force) {
    await deps.ledger.updateActiveRun(current, persisted, ['finishing']);
    deps.telemetry.info('y not ready for the post-restore changes; the watchdog retries', { replica: run.replicaId, runId: run.runId, status: y.status });
    return { outcome: 'busy' };
  }
  if (busy) errors.push(`${deps.now().toISOString()} y (${y.status}) still refused some post-restore changes; they show as drift`);
  for (const r of rejected) errors.push(`${deps.now().toISOString()} ${r.group} rejected: ${r.error}`);
  const after = desired ? ((await ctx.gateway.describe(id)) ?? y) : y;
  const drift = desired ? driftWithErrors(ctx.target, ctx.target.driftOf(desired, after), rejected) : [];
  if (desired?.proxyTargets?.length) {
    const registered = new Set((await ctx.gateway.proxyTargetsOf(id)).map((t) => `${t.proxyName}/${t.targetGroupName}`));
    for (const t of desired.proxyTargets) {
      if (!registered.has(`${t.proxyName}/${t.targetGroupName}`)) drift.push({ setting: `proxyTargets.${t.proxyName}`, expected: t.targetGroupName, actual: null, ...errorFor(rejected, `rds-proxy:${t.proxyName}`) });
    }
  }
  if (ctx.pair.credentials.mode !== 'source' && !current.credentialsSetAt) {
    drift.push({ setting: 'masterCredentials', expected: ctx.pair.credentials.mode, actual: "x's (from the snapshot)", ...errorFor(rejected, 'credentials') });
  }
  return { outcome: 'applied', run: { ...current, ...persisted, modifiedAt: deps.now().toISOString(), errors: [...new Set(errors)] }, after, drift };
}

function errorFor(rejected: readonly { group: string; error: string }[], group: string): { error?: string } {
  const hit = rejected.find((r) => r.group === group);
  return hit ? { error: hit.error } : {};
}

/** Drift entries of a rejected group carry RDS's error. */
function driftWithErrors(target: TargetModel, drift: Drift[], rejected: readonly { group: string; error: string }[]): Drift[] {
  return drift.map((d) => {
    // A group named with a trailing colon is a family (`iam-role:` for every role's call).
    const group = target.groupOfSetting(d.setting);
    const hit = group === undefined ? undefined : rejected.find((r) => (group.endsWith(':') ? r.group.startsWith(group) : r.group === group));
    return hit ? { ...d, error: hit.error } : d;
  });
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
      `The restore of ${ctx.pair.replica.identifier} from ${run.snapshot?.id ?? 'a snapshot'} was requested at ${run.restoreRequestedAt} and y is still ${status}. ` +
        `replica-refresh keeps watching; the run is failed if it has not closed ${ctx.pair.stuckRunHours} h after it started. Check the RDS console's events for ${ctx.pair.replica.identifier}.`,
      { status },
      run.runId,
    ),
  );
}

/** The ledger key of the "y is missing" alert, sent once until y is seen again. */
export const MISSING_ALERT = 'replica-missing';

/** Ledger keys of the heal alerts (the watchdog gave up; nothing to heal with), each sent once until y is back. */
export const HEAL_ALERTS = { exhausted: 'heal-exhausted', noSettings: 'heal-no-settings' } as const;
