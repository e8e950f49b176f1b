/**
 * Starting a refresh: preflight, capture y's settings, open the run, then the first step of the pair's strategy
 * (delete-first: delete y). Also the dry run (`plan`), which stops after the preflight.
 */
import { pairFor, readOnlyParameterGroupName } from '../kernel/config';
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import { ActiveRunExistsError } from '../kernel/errors';
import { finalSnapshotId, makeRunId } from '../kernel/ids';
import { activeRunOf, runContext, settleAndLoadActiveRun } from './lifecycle';
import { openRun } from './machine';
import { alert } from '../reporting/measures';
import type { CheckResult, ChosenSnapshot, RunRecord, RunTrigger, SnapshotView, TargetSettings } from '../kernel/model';
import type { Deps } from '../kernel/ports';
import { preflight } from './preflight';
import { resolveDesired } from './desired';
import { hasHooks } from './hooks';
import { strategyOf } from './strategies/registry';
import { heal, projectDeletion, restoreMissing, templateOf } from './heal';
import { findRestoreSource, toChosen } from '../sources/snapshots';

/** A request to start a refresh. */
export interface StartRequest {
  replica: string;
  /** `restore` only brings back a missing y (never deletes one); `schedule` and `drill` refresh. */
  trigger: Exclude<RunTrigger, 'unmanaged-deletion' | 'heal'>;
  /** The schedule's execution id or a caller's token: a repeat of the same request is a no-op. */
  requestId?: string;
  /** Restore from this snapshot instead of the newest. */
  snapshotId?: string;
  /** With `snapshotId`: accept the pinned snapshot although its data is older than maxSnapshotAgeHours or than y's. */
  allowOlder?: boolean;
  /** Stop after the preflight and report what would happen. */
  dryRun?: boolean;
}

/** What a start did. */
export type StartResult =
  | { outcome: 'started'; runId: string; snapshot: ChosenSnapshot; checks: CheckResult[] }
  /** y was missing because a refresh deleted it and failed: a heal run restores it. */
  | { outcome: 'healing'; runId: string; healsRunId: string }
  /** A `restore` of a y that no run deleted: a run restores it with the recorded settings. */
  | { outcome: 'started-restore'; runId: string }
  | { outcome: 'refused'; runId: string; reason: string; checks: CheckResult[] }
  | { outcome: 'duplicate'; runId: string }
  /** A `restore` of a y that exists: nothing was done. */
  | { outcome: 'not-needed'; reason: string }
  | { outcome: 'failed'; runId: string; reason: string }
  /** A dry run; `replicaMissing` when y does not exist (a start would heal or restore it, never delete it). */
  | { outcome: 'planned'; ok: boolean; checks: CheckResult[]; snapshot?: ChosenSnapshot; newerNotReady?: ChosenSnapshot; desired?: TargetSettings; wouldDisableDeletionProtection: boolean; replicaMissing?: boolean };

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
        run.trigger === 'restore'
          ? `The restore of ${run.replicaId} (run ${run.runId}) did not start; nothing was changed.`
          : `The ${run.trigger} refresh of ${run.replicaId} (run ${run.runId}) did not start. ${run.replicaId} was not deleted and still serves its previous data.`,
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

/** The plan's verdict for a missing y that a start would heal: the missing-y check passes with what would happen. */
function healPlan(verdict: ReturnType<typeof preflight>, cause: RunRecord): ReturnType<typeof preflight> {
  const checks = verdict.checks.map((c) =>
    c.id === 'replica-exists' ? { id: 'replica-exists', ok: true, detail: `${cause.replicaId} is missing: run ${cause.runId} deleted it and failed (${cause.reason ?? 'unknown'}); a start restores it (heal)` } : c,
  );
  return { ...verdict, checks, ok: checks.every((c) => c.ok) };
}

/**
 * The operator's `restore`: brings back a missing y from the newest valid snapshot with y's recorded settings, through
 * the same lifecycle as a refresh, and never deletes anything. A y that a run deleted is healed (the outage stays on one
 * row); one deleted by someone else is restored with the recorded settings. A dry run says what would happen.
 */
async function startRestore(
  deps: Deps,
  ctx: ReturnType<typeof runContext>,
  base: RunRecord,
  y: { liveId: string; exists: boolean; status: string | undefined; snapshot: ChosenSnapshot | undefined; snapshotProblem: string | undefined },
  request: StartRequest,
): Promise<StartResult> {
  const id = ctx.pair.id;
  if (y.exists) return { outcome: 'not-needed', reason: `${y.liveId} exists (${y.status ?? 'status unknown'}); restore brings back a missing y. To refresh it, run: npm run drill -- --replica ${id}` };
  const strategy = strategyOf(ctx.pair);
  if (strategy.openEvent === 'start-beside') {
    const why = `${y.liveId} (the instance clients use) does not exist, and a ${strategy.mode} pair restores beside a serving instance. Set refresh.mode "delete-first" for this pair, deploy, run npm run restore -- --replica ${id}, then set the mode back`;
    // A plan only reads: no refused run, no alert.
    if (request.dryRun) return { outcome: 'planned', ok: false, checks: [{ id: 'restore-mode', ok: false, detail: why }], wouldDisableDeletionProtection: false, replicaMissing: true };
    return refuse(deps, base, why);
  }
  if (y.snapshotProblem && !request.dryRun) return refuse(deps, base, `cannot restore ${y.liveId}: ${y.snapshotProblem}`);
  const { cause, history } = await projectDeletion(deps, id);
  if (request.dryRun) {
    const settings = (await templateOf(deps, id, history))?.desired ?? cause?.desired;
    const active = await activeRunOf(deps, id);
    const checks: CheckResult[] = [
      { id: 'replica-missing', ok: true, detail: cause ? `${y.liveId} is missing: run ${cause.runId} deleted it and failed (${cause.reason ?? 'unknown'}); restore heals it` : `${y.liveId} is missing and no run of replica-refresh deleted it; restore brings it back` },
      y.snapshot ? { id: 'snapshot-available', ok: true, detail: `${y.snapshot.id} is available${y.snapshot.dataTime ? ` (data from ${y.snapshot.dataTime})` : ''}` } : { id: 'snapshot-available', ok: false, detail: y.snapshotProblem ?? 'no restorable snapshot' },
      settings ? { id: 'recorded-settings', ok: true, detail: `y's recorded settings (${settings.kind === 'cluster' ? `a cluster of ${settings.members.length} member(s)` : settings.instanceClass})` } : { id: 'recorded-settings', ok: false, detail: 'the ledger holds no settings of y (no successful run captured them); restore it by hand' },
      active ? { id: 'no-active-run', ok: false, detail: `run ${active.runId} is active (phase ${active.phase ?? '?'}); it is already bringing y back` } : { id: 'no-active-run', ok: true, detail: 'no run of y is active' },
    ];
    return { outcome: 'planned', ok: checks.every((c) => c.ok), checks, ...(y.snapshot ? { snapshot: y.snapshot } : {}), ...(settings ? { desired: settings } : {}), wouldDisableDeletionProtection: false, replicaMissing: true };
  }
  const outcome = cause ? await heal(deps, ctx, cause, 'restore', request.requestId, request.snapshotId) : await restoreMissing(deps, ctx, history, request.requestId, request.snapshotId);
  const active = await deps.ledger.getActiveRun(id);
  if (outcome === 'restoring') return cause ? { outcome: 'healing', runId: active?.runId ?? '', healsRunId: cause.runId } : { outcome: 'started-restore', runId: active?.runId ?? '' };
  if (outcome === 'duplicate') {
    if (active && request.requestId && active.requestId === request.requestId) return { outcome: 'duplicate', runId: active.runId };
    return refuse(deps, base, new ActiveRunExistsError(id, active?.runId ?? '?').message);
  }
  return refuse(deps, base, `${y.liveId} is missing and the ledger holds no settings to restore it with (no successful run captured them); restore it by hand`);
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
  const ctx = runContext(deps, config, pair);
  const strategy = strategyOf(pair);
  const y = pair.replica.identifier;
  const id = pair.id;

  const base: RunRecord = {
    replicaId: id,
    runId,
    sourceId: pair.source.identifier,
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
    const active = await settleAndLoadActiveRun(deps, config, id);
    if (active && request.requestId && active.requestId === request.requestId) {
      // A retried delivery of this very start: if the first attempt died before its delete was recorded, carry on from there.
      if (active.phase === strategy.firstPhase && strategy.interrupted(active)) return strategy.resume(deps, ctx, active);
      deps.telemetry.info('duplicate start ignored', { replica: id, runId: active.runId, requestId: request.requestId });
      return { outcome: 'duplicate', runId: active.runId };
    }
    if (active) return refuse(deps, base, new ActiveRunExistsError(id, active.runId).message);
  }

  // The instance clients use now: y, or the live one of a dns-switch pair's two instances.
  const liveId = strategy.liveOf ? await strategy.liveOf(deps, ctx) : y;
  const replica = await ctx.gateway.describe(liveId);
  const found = await findRestoreSource(ctx.gateway.snapshots, pair, request.snapshotId ? { pinnedId: request.snapshotId } : {});
  const secretProblem = await secretProblemOf(deps, pair);
  const proxyTargets = replica ? await ctx.gateway.proxyTargetsOf(liveId) : [];
  const snapshot: SnapshotView | undefined = found.snapshot;
  const snapshotProblem = found.problem;
  const newerNotReady = found.newerNotReady;

  if (request.trigger === 'restore') {
    const restored = await startRestore(deps, ctx, base, { liveId, exists: replica !== undefined, status: replica?.status, snapshot: found.snapshot ? toChosen(found.snapshot) : undefined, snapshotProblem: found.snapshot ? undefined : (found.problem ?? `no restorable snapshot of ${pair.source.identifier} in ${pair.replica.region}`) }, request);
    return restored;
  }

  // y missing because a refresh deleted it and failed: this start heals it instead of refusing (self-healing).
  // A swap mode does not heal: it restores beside an instance that serves, and there is none (the report says how to restore it).
  if (!replica && strategy.openEvent === 'start-beside' && !request.dryRun) return refuse(deps, base, `${liveId} (the instance clients use) does not exist; a ${strategy.mode} refresh restores beside a serving instance. Set refresh.mode "delete-first" for this pair, deploy, and run npm run restore -- --replica ${id}`);
  const missing = replica || strategy.openEvent === 'start-beside' ? undefined : await projectDeletion(deps, id);
  if (missing?.cause && !request.dryRun) {
    const healed = await heal(deps, ctx, missing.cause, request.trigger, request.requestId);
    if (healed === 'restoring') {
      const run = await deps.ledger.getActiveRun(id);
      return { outcome: 'healing', runId: run?.runId ?? '', healsRunId: missing.cause.runId };
    }
    if (healed === 'duplicate') return refuse(deps, base, new ActiveRunExistsError(id, (await deps.ledger.getActiveRun(id))?.runId ?? '?').message);
    return refuse(deps, base, `${y} is missing after run ${missing.cause.runId} and the ledger holds no settings to restore it with; restore it by hand`);
  }

  // Staging hooks run over pg: a y of another engine is refused before anything is deleted, with what to do.
  if (replica && hasHooks(pair) && !replica.engine.startsWith('postgres') && !request.dryRun) {
    return refuse(deps, base, `${liveId} runs ${replica.engine}, and staging hooks run on PostgreSQL only for now: remove staging.hooks for this pair (its y would otherwise be restored isolated and never opened)`);
  }
  const resolved = replica ? await resolveDesired(deps, pair, replica) : undefined;
  const restoredBy = resolved?.restoredBy;
  const allowOlder = request.snapshotId !== undefined && request.allowOlder === true;
  const rawVerdict = preflight({ pair, replica, snapshot, ...(snapshotProblem ? { snapshotProblem } : {}), ...(secretProblem ? { secretProblem } : {}), proxyTargets, ...(restoredBy ? { restoredBy } : {}), ...(request.snapshotId ? { pinned: { allowOlder } } : {}), now: deps.now() });
  // A plan for a y the project left deleted says a start would heal it, not that there is nothing to refresh.
  const verdict = missing?.cause ? healPlan(rawVerdict, missing.cause) : rawVerdict;
  // staging.readOnly: the restore attaches the project's read-only parameter group of the pair's family, not y's own.
  const readOnlyGroup = pair.staging?.readOnly && pair.staging.parameterGroupFamily && pair.replica.kind === 'instance' ? { parameterGroupName: readOnlyParameterGroupName(pair.staging.parameterGroupFamily) } : {};
  const desired: TargetSettings | undefined = resolved ? ({ ...resolved.settings, ...readOnlyGroup, ...(proxyTargets.length > 0 ? { proxyTargets } : {}) }) : undefined;
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
      ...(replica ? {} : { replicaMissing: true }),
    };
  }

  const checked: RunRecord = { ...base, checks: verdict.checks, preflightFinishedAt: deps.now().toISOString(), ...(snapshot ? { plannedSnapshot: toChosen(snapshot) } : {}) };
  if (!verdict.ok || !replica || !snapshot || !desired) {
    const failing = verdict.checks.filter((c) => !c.ok).map((c) => c.detail);
    return refuse(deps, checked, failing.join('; ') || 'preflight failed');
  }

  // RDS takes no final snapshot of a failed restore (DeleteDBInstance API reference), and it would hold nothing of y's.
  const finalSnapshot = pair.finalSnapshot && !verdict.replacesFailedRestore ? finalSnapshotId(y, runId) : undefined;
  // A swap mode deletes nothing and takes no final snapshot; its copy and the old y's name are fixed here.
  const run: RunRecord = {
    ...checked,
    phase: strategy.firstPhase,
    version: 1,
    desired,
    engine: replica.engine,
    ...(finalSnapshot && strategy.openEvent === 'start' ? { finalSnapshotId: finalSnapshot } : {}),
    ...(strategy.namesOf?.(pair, runId, liveId) ?? {}),
    ...(strategy.namesOf && replica.kind !== 'cluster' && replica.dbiResourceId ? { retiredResourceId: replica.dbiResourceId } : {}),
    mode: strategy.mode,
  };
  try {
    await openRun(deps, strategy.openEvent, run);
  } catch (err) {
    if (!(err instanceof ActiveRunExistsError)) throw err;
    // A repeat of this very request that won the race while this one ran its preflight.
    const winner = await deps.ledger.getActiveRun(id);
    if (request.requestId && winner?.requestId === request.requestId) return { outcome: 'duplicate', runId: winner.runId };
    return refuse(deps, checked, err.message);
  }

  const ended = await strategy.begin(deps, ctx, run, replica, { disableDeletionProtection: verdict.mustDisableDeletionProtection });
  if (ended) return ended;
  deps.telemetry.count('RefreshStarted', 1, { replica: id });
  deps.telemetry.info('refresh started', { replica: id, runId, mode: strategy.mode, snapshot: snapshot.id });
  return { outcome: 'started', runId, snapshot: toChosen(snapshot), checks: verdict.checks };
}
