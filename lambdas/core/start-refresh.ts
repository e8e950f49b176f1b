/**
 * Starting a refresh: preflight, capture y's settings, open the run, delete y. Also the dry run
 * (`plan`), which stops after the preflight.
 */
import { pairFor } from '../shared/config';
import type { RuntimeConfig } from '../shared/config';
import { ActiveRunExistsError, StaleRunError, describeError } from '../shared/errors';
import { finalSnapshotId, makeRunId } from './ids';
import type { RunContext } from './lifecycle';
import { failRun, loadActiveRun } from './lifecycle';
import { alert } from './measures';
import type { CheckResult, ChosenSnapshot, InstanceSettings, RunRecord, RunTrigger, SnapshotView } from './model';
import type { Deps } from './ports';
import { preflight } from './preflight';
import { desiredSettings } from './settings';
import { findRestoreSource, toChosen } from './snapshots';

/** A request to start a refresh. */
export interface StartRequest {
  replica: string;
  trigger: Exclude<RunTrigger, 'unmanaged-deletion'>;
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
  | { outcome: 'refused'; runId: string; reason: string; checks: CheckResult[] }
  | { outcome: 'duplicate'; runId: string }
  | { outcome: 'failed'; runId: string; reason: string }
  | { outcome: 'planned'; ok: boolean; checks: CheckResult[]; snapshot?: ChosenSnapshot; newerNotReady?: ChosenSnapshot; desired?: InstanceSettings; wouldDisableDeletionProtection: boolean };

async function refuse(deps: Deps, run: RunRecord, reason: string): Promise<StartResult> {
  const refused: RunRecord = { ...run, status: 'refused', closedAt: deps.now().toISOString(), reason };
  await deps.ledger.recordRefusal(refused);
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

/** Starts (or, with `dryRun`, plans) a refresh of one replica. Refusals alert and leave y untouched. */
export async function startRefresh(deps: Deps, config: RuntimeConfig, request: StartRequest): Promise<StartResult> {
  const startedAt = deps.now();
  const runId = makeRunId(startedAt, deps.randomId());
  const pair = pairFor(config, request.replica);
  if (!pair) {
    const known = config.pairs.map((p) => p.replica.instanceId).join(', ');
    const reason = `${request.replica} is not a replica configured in ${config.region} (configured: ${known})`;
    deps.telemetry.count('StartRejected', 1);
    deps.telemetry.error('start rejected', { replica: request.replica, reason });
    return { outcome: 'failed', runId, reason };
  }
  const ctx: RunContext = { config, pair };
  const y = pair.replica.instanceId;

  const base: RunRecord = {
    replicaId: y,
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
    const active = await loadActiveRun(deps, config, y);
    if (active && request.requestId && active.requestId === request.requestId) {
      deps.telemetry.info('duplicate start ignored', { replica: y, runId: active.runId, requestId: request.requestId });
      return { outcome: 'duplicate', runId: active.runId };
    }
    if (active) return refuse(deps, base, new ActiveRunExistsError(y, active.runId).message);
  }

  const replica = await deps.rds.describeInstance(y);
  const found = await findRestoreSource(deps.rds, pair, request.snapshotId ? { pinnedId: request.snapshotId } : {});
  const snapshot: SnapshotView | undefined = found.snapshot;
  const snapshotProblem = found.problem;
  const newerNotReady = found.newerNotReady;

  const verdict = preflight({ pair, replica, snapshot, ...(snapshotProblem ? { snapshotProblem } : {}), now: deps.now() });
  const desired = replica ? desiredSettings(replica.settings, pair.overrides, replica.engine) : undefined;

  if (request.dryRun) {
    // A real start would also need the replica's slot free.
    const active = await loadActiveRun(deps, config, y);
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

  const finalSnapshot = pair.finalSnapshot ? finalSnapshotId(y, runId) : undefined;
  const run: RunRecord = { ...checked, phase: 'deleting', desired, engine: replica.engine, ...(finalSnapshot ? { finalSnapshotId: finalSnapshot } : {}) };
  try {
    await deps.ledger.openRun(run);
  } catch (err) {
    if (!(err instanceof ActiveRunExistsError)) throw err;
    // A repeat of this very request that won the race while this one ran its preflight.
    const winner = await deps.ledger.getActiveRun(y);
    if (request.requestId && winner?.requestId === request.requestId) return { outcome: 'duplicate', runId: winner.runId };
    return refuse(deps, checked, err.message);
  }

  try {
    if (verdict.mustDisableDeletionProtection) await deps.rds.disableDeletionProtection(y);
    await deps.rds.deleteInstance(y, finalSnapshot);
  } catch (err) {
    // A timeout or dropped connection can hide a delete RDS accepted: y's state, not the error, says what happened.
    const after = await deps.rds.describeInstance(y).catch(() => replica);
    if (after?.status !== 'deleting' && after !== undefined) {
      const note = verdict.mustDisableDeletionProtection ? ' Deletion protection may now be off on y; turn it back on if you need it before the next refresh.' : '';
      const closed = await failRun(deps, ctx, { ...run, errors: [describeError(err)] }, `DeleteDBInstance failed: ${describeError(err)}.${note}`);
      return { outcome: 'failed', runId, reason: closed.reason ?? describeError(err) };
    }
    deps.telemetry.warn('DeleteDBInstance reported an error but y is being deleted; carrying on', { replica: y, runId, error: describeError(err) });
    run.errors.push(`${deps.now().toISOString()} DeleteDBInstance: ${describeError(err)} (y was being deleted anyway)`);
  }
  // No phase condition: a fast deletion event may already have moved the run on, and the time still belongs on it.
  await deps.ledger.updateActiveRun(run, { deleteRequestedAt: deps.now().toISOString(), ...(run.errors.length > 0 ? { errors: run.errors } : {}) }).catch((err: unknown) => {
    if (!(err instanceof StaleRunError)) throw err;
  });
  deps.telemetry.count('RefreshStarted', 1, { replica: y });
  deps.telemetry.info('y deletion requested', { replica: y, runId, snapshot: snapshot.id });
  return { outcome: 'started', runId, snapshot: toChosen(snapshot), checks: verdict.checks };
}
