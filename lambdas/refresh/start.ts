/**
 * Starting a refresh: preflight, capture y's settings, open the run, delete y. Also the dry run
 * (`plan`), which stops after the preflight.
 */
import { pairFor } from '../kernel/config';
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import { ActiveRunExistsError, StaleRunError, describeError } from '../kernel/errors';
import { finalSnapshotId, makeRunId } from '../kernel/ids';
import type { RunContext } from './lifecycle';
import { activeRunOf, failRun, settleClosedRun } from './lifecycle';
import { openRun } from './machine';
import { alert } from '../reporting/measures';
import type { CheckResult, ChosenSnapshot, InstanceSettings, InstanceView, RunRecord, RunTrigger, SnapshotView } from '../kernel/model';
import type { Deps } from '../kernel/ports';
import { preflight } from './preflight';
import { targetOf } from '../targets/registry';
import { resolveDesired } from './desired';
import { heal, projectDeletion } from './heal';
import { findRestoreSource, toChosen } from '../sources/snapshots';

/** A request to start a refresh. */
export interface StartRequest {
  replica: string;
  trigger: Exclude<RunTrigger, 'unmanaged-deletion' | 'heal'>;
  /** The schedule's execution id or a caller's token: a repeat of the same request is a no-op. */
  requestId?: string;
  /** Restore from this snapshot instead of the newest. */
  snapshotId?: string;
  /** Stop after the preflight and report what would happen. */
  dryRun?: boolean;
}

/** What a start did. */
export type StartResult =
  | { outcome: 'started'; runId: string; snapshot: ChosenSnapshot; checks: CheckResult[] }
  /** y was missing because a refresh deleted it and failed: a heal run restores it. */
  | { outcome: 'healing'; runId: string; healsRunId: string }
  | { outcome: 'refused'; runId: string; reason: string; checks: CheckResult[] }
  | { outcome: 'duplicate'; runId: string }
  | { outcome: 'failed'; runId: string; reason: string }
  | { outcome: 'planned'; ok: boolean; checks: CheckResult[]; snapshot?: ChosenSnapshot; newerNotReady?: ChosenSnapshot; desired?: InstanceSettings; wouldDisableDeletionProtection: boolean };

async function refuse(deps: Deps, run: RunRecord, reason: string): Promise<StartResult> {
  const refused: RunRecord = { ...run, status: 'refused', closedAt: deps.now().toISOString(), reason };
  await openRun(deps, 'refuse', refused);
  deps.telemetry.count('RefreshRefused', 1, { replica: run.replicaId });
  deps.telemetry.warn('refresh refused', { replica: run.replicaId, runId: run.runId, reason });
  const failing = run.checks.filter((c) => !c.ok);
  await deps.notifier.publish(
    alert(
      'refresh.refused',
      run.replicaId,
      'refresh refused, y left untouched',
      [
        `The ${run.trigger} refresh of ${run.replicaId} (run ${run.runId}) did not start. ${run.replicaId} was not deleted and still serves its previous data.`,
        '',
        `Why: ${reason}`,
        ...(failing.length > 0 ? ['', 'Failed checks:', ...failing.map((c) => `  - ${c.id}: ${c.detail}`)] : []),
        '',
        `Run "npm run plan -- --replica ${run.replicaId}" to see every check.`,
      ].join('\n'),
      { checks: run.checks, reason },
      run.runId,
    ),
  );
  return { outcome: 'refused', runId: run.runId, reason, checks: run.checks };
}

/**
 * Deletes y for an open run and records when. A timeout or dropped connection can hide a delete RDS accepted, so
 * after an error y's state, read again, decides; when that read fails too the run stays open (the outcome is
 * unknown) and the deletion event or the watchdog settles it.
 * @returns a result when the run ended here (failed), undefined when the delete is under way
 */
async function deleteReplica(deps: Deps, ctx: RunContext, run: RunRecord, before: InstanceView, mustDisableDeletionProtection: boolean): Promise<StartResult | undefined> {
  const y = ctx.pair.replica.instanceId;
  const id = ctx.pair.id;
  try {
    if (mustDisableDeletionProtection) await deps.rds.disableDeletionProtection(y);
    await deps.rds.deleteInstance(y, run.finalSnapshotId);
  } catch (err) {
    let after: InstanceView | undefined;
    try {
      after = await deps.rds.describeInstance(y);
    } catch (describeErr) {
      // Neither the delete's outcome nor y's state is known: never decide from the stale view. The run stays open.
      run.errors.push(`${deps.now().toISOString()} DeleteDBInstance: ${describeError(err)}; y's state could not be read (${describeError(describeErr)}): the deletion event or the watchdog decides`);
      await deps.ledger.updateActiveRun(run, { errors: run.errors }).catch(() => undefined);
      deps.telemetry.warn('delete outcome unknown; left to the event or the watchdog', { replica: id, runId: run.runId, error: describeError(err) });
      return undefined;
    }
    if (after?.status !== 'deleting' && after !== undefined) {
      const note = mustDisableDeletionProtection ? ' Deletion protection may now be off on y; turn it back on if you need it before the next refresh.' : '';
      const closed = await failRun(deps, ctx, { ...run, errors: [describeError(err)] }, `DeleteDBInstance failed: ${describeError(err)}.${note}`);
      return { outcome: 'failed', runId: run.runId, reason: closed.reason ?? describeError(err) };
    }
    deps.telemetry.warn('DeleteDBInstance reported an error but y is being deleted; carrying on', { replica: id, runId: run.runId, error: describeError(err), before: before.status });
    run.errors.push(`${deps.now().toISOString()} DeleteDBInstance: ${describeError(err)} (y was being deleted anyway)`);
  }
  // No phase condition: a fast deletion event may already have moved the run on, and the time still belongs on it.
  await deps.ledger.updateActiveRun(run, { deleteRequestedAt: deps.now().toISOString(), ...(run.errors.length > 0 ? { errors: run.errors } : {}) }).catch((err: unknown) => {
    if (!(err instanceof StaleRunError)) throw err;
  });
  return undefined;
}

/**
 * A retried start whose first attempt opened the run and died before recording the delete. y's state says how far
 * it got: already deleting or gone (the delete went out), or still there (delete it now, if it is still ours).
 */
async function continueStart(deps: Deps, ctx: RunContext, run: RunRecord): Promise<StartResult> {
  const y = await deps.rds.describeInstance(ctx.pair.replica.instanceId);
  if (!y || y.status === 'deleting') {
    await deps.ledger
      .updateActiveRun(run, { deleteRequestedAt: run.preflightFinishedAt ?? run.startedAt, deleteRequestedEstimated: true })
      .catch((err: unknown) => {
        if (!(err instanceof StaleRunError)) throw err;
      });
    return { outcome: 'duplicate', runId: run.runId };
  }
  if (!targetOf(ctx.pair).deletableStates.has(y.status) || y.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value) {
    const closed = await failRun(deps, ctx, run, `the start was retried and ${run.replicaId} is now ${y.status}${y.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value ? ' without the ownership tag' : ''}; it was not deleted.`);
    return { outcome: 'failed', runId: run.runId, reason: closed.reason ?? 'retried start could not continue' };
  }
  const failed = await deleteReplica(deps, ctx, run, y, y.settings.deletionProtection && ctx.pair.allowDisablingDeletionProtection);
  if (failed) return failed;
  deps.telemetry.info('retried start carried on with the delete', { replica: run.replicaId, runId: run.runId });
  return { outcome: 'started', runId: run.runId, snapshot: run.plannedSnapshot ?? { id: 'unknown', arn: '', type: 'unknown' }, checks: run.checks };
}

/** The plan's verdict for a missing y that a start would heal: the missing-y check passes with what would happen. */
function healPlan(verdict: ReturnType<typeof preflight>, cause: RunRecord): ReturnType<typeof preflight> {
  const checks = verdict.checks.map((c) =>
    c.id === 'replica-exists' ? { id: 'replica-exists', ok: true, detail: `${cause.replicaId} is missing: run ${cause.runId} deleted it and failed (${cause.reason ?? 'unknown'}); a start restores it (heal)` } : c,
  );
  return { ...verdict, checks, ok: checks.every((c) => c.ok) };
}

/** Mode `secret`: reads the secret now, before y is deleted, and says why it cannot be used. The value is dropped at once. */
async function secretProblemOf(deps: Deps, pair: PairConfig): Promise<string | undefined> {
  if (pair.credentials.mode !== 'secret') return undefined;
  try {
    await deps.secrets.readPassword(pair.credentials.secretArn, pair.credentials.passwordKey);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Starts (or, with `dryRun`, plans) a refresh of one replica. Refusals alert and leave y untouched. */
export async function startRefresh(deps: Deps, config: RuntimeConfig, request: StartRequest): Promise<StartResult> {
  const startedAt = deps.now();
  const runId = makeRunId(startedAt, deps.randomId());
  const pair = pairFor(config, request.replica);
  if (!pair) {
    const known = config.pairs.map((p) => p.id).join(', ');
    const reason = `${request.replica} is not a replica configured in ${config.region} (configured: ${known})`;
    deps.telemetry.count('StartRejected', 1);
    deps.telemetry.error('start rejected', { replica: request.replica, reason });
    return { outcome: 'failed', runId, reason };
  }
  const ctx: RunContext = { config, pair };
  const y = pair.replica.instanceId;
  const id = pair.id;

  const base: RunRecord = {
    replicaId: id,
    runId,
    sourceId: pair.source.instanceId,
    trigger: request.trigger,
    ...(request.requestId ? { requestId: request.requestId } : {}),
    ...(request.snapshotId ? { pinnedSnapshotId: request.snapshotId } : {}),
    status: 'active',
    startedAt: startedAt.toISOString(),
    restoreAttempts: 0,
    checks: [],
    errors: [],
  };

  if (!request.dryRun) {
    await settleClosedRun(deps, config, id);
    const active = await activeRunOf(deps, id);
    if (active && request.requestId && active.requestId === request.requestId) {
      // A retried delivery of this very start: if the first attempt died before its delete was recorded, carry on from there.
      if (active.phase === 'deleting' && !active.deleteRequestedAt) return continueStart(deps, ctx, active);
      deps.telemetry.info('duplicate start ignored', { replica: id, runId: active.runId, requestId: request.requestId });
      return { outcome: 'duplicate', runId: active.runId };
    }
    if (active) return refuse(deps, base, new ActiveRunExistsError(id, active.runId).message);
  }

  const replica = await deps.rds.describeInstance(y);
  const found = await findRestoreSource(deps.rds, pair, request.snapshotId ? { pinnedId: request.snapshotId } : {});
  const secretProblem = await secretProblemOf(deps, pair);
  const proxyTargets = replica ? await deps.rds.proxyTargetsOf(y) : [];
  const snapshot: SnapshotView | undefined = found.snapshot;
  const snapshotProblem = found.problem;
  const newerNotReady = found.newerNotReady;

  // y missing because a refresh deleted it and failed: this start heals it instead of refusing (self-healing).
  const missing = replica ? undefined : await projectDeletion(deps, id);
  if (missing?.cause && !request.dryRun) {
    const healed = await heal(deps, ctx, missing.cause, request.trigger, request.requestId);
    if (healed === 'restoring') {
      const run = await deps.ledger.getActiveRun(id);
      return { outcome: 'healing', runId: run?.runId ?? '', healsRunId: missing.cause.runId };
    }
    if (healed === 'duplicate') return refuse(deps, base, new ActiveRunExistsError(id, (await deps.ledger.getActiveRun(id))?.runId ?? '?').message);
    return refuse(deps, base, `${y} is missing after run ${missing.cause.runId} and the ledger holds no settings to restore it with; restore it by hand`);
  }

  const resolved = replica ? await resolveDesired(deps, pair, replica) : undefined;
  const restoredBy = resolved?.restoredBy;
  const rawVerdict = preflight({ pair, replica, snapshot, ...(snapshotProblem ? { snapshotProblem } : {}), ...(secretProblem ? { secretProblem } : {}), proxyTargets, ...(restoredBy ? { restoredBy } : {}), now: deps.now() });
  // A plan for a y the project left deleted says a start would heal it, not that there is nothing to refresh.
  const verdict = missing?.cause ? healPlan(rawVerdict, missing.cause) : rawVerdict;
  const desired = resolved ? { ...resolved.settings, ...(proxyTargets.length > 0 ? { proxyTargets } : {}) } : undefined;
  if (resolved) verdict.checks.push({ id: 'desired-settings', ok: true, detail: resolved.detail });

  if (request.dryRun) {
    // A real start would also need the replica's slot free (a plan only reads: a half-done close counts as free).
    const active = await activeRunOf(deps, id);
    const checks = [...verdict.checks, active ? { id: 'no-active-run', ok: false, detail: `run ${active.runId} is active (phase ${active.phase ?? '?'}); a start now would be refused` } : { id: 'no-active-run', ok: true, detail: 'no refresh of y is running' }];
    return {
      outcome: 'planned',
      ok: verdict.ok && !active,
      checks,
      ...(snapshot ? { snapshot: toChosen(snapshot) } : {}),
      ...(newerNotReady ? { newerNotReady: toChosen(newerNotReady) } : {}),
      ...(desired ? { desired } : {}),
      wouldDisableDeletionProtection: verdict.mustDisableDeletionProtection,
    };
  }

  const checked: RunRecord = { ...base, checks: verdict.checks, preflightFinishedAt: deps.now().toISOString(), ...(snapshot ? { plannedSnapshot: toChosen(snapshot) } : {}) };
  if (!verdict.ok || !replica || !snapshot || !desired) {
    const failing = verdict.checks.filter((c) => !c.ok).map((c) => c.detail);
    return refuse(deps, checked, failing.join('; ') || 'preflight failed');
  }

  // RDS takes no final snapshot of a failed restore (DeleteDBInstance API reference), and it would hold nothing of y's.
  const finalSnapshot = pair.finalSnapshot && !verdict.replacesFailedRestore ? finalSnapshotId(y, runId) : undefined;
  const run: RunRecord = { ...checked, phase: 'deleting', version: 1, desired, engine: replica.engine, ...(finalSnapshot ? { finalSnapshotId: finalSnapshot } : {}) };
  try {
    await openRun(deps, 'start', run);
  } catch (err) {
    if (!(err instanceof ActiveRunExistsError)) throw err;
    // A repeat of this very request that won the race while this one ran its preflight.
    const winner = await deps.ledger.getActiveRun(id);
    if (request.requestId && winner?.requestId === request.requestId) return { outcome: 'duplicate', runId: winner.runId };
    return refuse(deps, checked, err.message);
  }

  const deleted = await deleteReplica(deps, ctx, run, replica, verdict.mustDisableDeletionProtection);
  if (deleted) return deleted;
  deps.telemetry.count('RefreshStarted', 1, { replica: id });
  deps.telemetry.info('y deletion requested', { replica: id, runId, snapshot: snapshot.id });
  return { outcome: 'started', runId, snapshot: toChosen(snapshot), checks: verdict.checks };
}
