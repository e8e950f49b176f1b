/**
 * Self-healing: a y that a refresh deleted and could not bring back is restored again, by the watchdog on a back-off
 * of hours (so a capacity shortage has time to pass) and by the next nightly run at the latest, from the newest valid
 * snapshot with y's recorded settings. A y that someone else deleted is only restored when the pair opts in
 * (`restoreUnmanagedDeletions`). Whatever happens, the alert says what happened and what comes next.
 */
import { ActiveRunExistsError } from '../kernel/errors';
import { makeRunId } from '../kernel/ids';
import type { RunContext } from './lifecycle';
import { HEAL_ALERTS, MISSING_ALERT, requestRestore } from './lifecycle';
import { openRun } from './machine';
import { alert } from '../reporting/measures';
import type { RunRecord, TargetSettings } from '../kernel/model';
import type { Deps } from '../kernel/ports';

/** How many closed runs the heal rules look back over. */
const HISTORY = 40;

/**
 * The run that left y deleted, when the ledger says the project did it: the newest run that is not a refusal
 * failed after y's deletion was seen (or was itself a heal), and no run since brought y back.
 */
export function deletedByProject(history: readonly RunRecord[]): RunRecord | undefined {
  for (const r of history) {
    if (r.status === 'refused' || r.status === 'active') continue;
    if (r.status === 'succeeded') return undefined;
    if (r.deletedAt !== undefined || r.restoreClaimedAt !== undefined || r.trigger === 'heal') return r;
    // A failed run that never got as far as deleting y is not why y is missing; look further back.
  }
  return undefined;
}

/** Failed heal runs since the run that deleted y: the watchdog's attempts so far. */
function healAttempts(history: readonly RunRecord[]): RunRecord[] {
  const out: RunRecord[] = [];
  for (const r of history) {
    if (r.status === 'refused') continue;
    if (r.status !== 'failed' || r.trigger !== 'heal') break;
    out.push(r);
  }
  return out;
}

/**
 * When the watchdog may heal next: `backoffHours` after the last failure, doubling with each failed heal (at most
 * 24 h). Undefined when it has used its `maxAttempts` (the nightly run still heals).
 */
export function nextHealAt(history: readonly RunRecord[], ctx: RunContext): Date | undefined {
  const cause = history.find((r) => r.status === 'failed');
  if (!cause) return undefined;
  const attempts = healAttempts(history).length;
  if (attempts >= ctx.pair.heal.maxAttempts) return undefined;
  const hours = Math.min(24, ctx.pair.heal.backoffHours * 2 ** attempts);
  return new Date(Date.parse(cause.closedAt ?? cause.startedAt) + hours * 3_600_000);
}

/** The settings to heal with: the recorded ones, else those the run that deleted y meant to restore. */
async function settingsFor(deps: Deps, cause: RunRecord): Promise<TargetSettings | undefined> {
  return (await deps.ledger.getDesired(cause.replicaId))?.settings ?? cause.desired;
}

/** Who started a heal, as its alert names them. */
const HEALED_BY = { watchdog: 'the watchdog', schedule: 'the nightly schedule', drill: 'a drill', restore: "the operator's npm run restore" } as const;

/** What healing did. */
export type HealOutcome = 'restoring' | 'duplicate' | 'no-settings';

/**
 * Opens a heal run for y, which `cause` deleted and did not bring back, and restores y. Its downtime window starts
 * when y went away (the cause's delete), so the report shows the whole outage on one row.
 */
export async function heal(deps: Deps, ctx: RunContext, cause: RunRecord, by: 'schedule' | 'drill' | 'restore' | 'watchdog', requestId?: string, pinnedSnapshotId?: string): Promise<HealOutcome> {
  const y = ctx.pair.replica.identifier;
  const id = ctx.pair.id;
  const desired = await settingsFor(deps, cause);
  if (!desired) {
    if (await deps.ledger.alertOnce(id, HEAL_ALERTS.noSettings, deps.now())) {
      await deps.notifier.publish(
        alert('replica.heal-impossible', id, 'y is missing and cannot be healed', `${y} was deleted by run ${cause.runId} and is still missing, but the ledger holds no settings to restore it with. Restore it by hand.`, { cause: cause.runId }, cause.runId),
      );
    }
    return 'no-settings';
  }
  const run = await openGoneRun(deps, ctx, {
    trigger: 'heal',
    ...(requestId ? { requestId } : {}),
    ...(pinnedSnapshotId ? { pinnedSnapshotId } : {}),
    healsRunId: cause.runId,
    deleteRequestedAt: cause.deleteRequestedAt ?? cause.deletedAt ?? cause.startedAt,
    ...(cause.deleteRequestedEstimated ? { deleteRequestedEstimated: true } : {}),
    deletedAt: cause.deletedAt ?? cause.deleteRequestedAt ?? cause.startedAt,
    deletedSource: cause.deletedSource ?? 'poll',
    desired,
    ...(cause.engine ? { engine: cause.engine } : {}),
  });
  if (run === 'duplicate') return 'duplicate';
  deps.telemetry.count('ReplicaHealed', 1, { replica: id });
  await deps.notifier.publish(
    alert(
      'replica.healing',
      id,
      `restoring y, deleted by run ${cause.runId}`,
      `${y} was deleted by run ${cause.runId}, whose restore failed: ${firstSentence(cause.reason)}. ` +
        `Run ${run.runId} (${HEALED_BY[by]}) restores it now from the newest valid snapshot of ${ctx.pair.source.identifier} with y's recorded settings; its notification follows.`,
      { cause: cause.runId, by },
      run.runId,
    ),
  );
  await requestRestore(deps, ctx, run, { event: 'claim-restore', deletedSource: run.deletedSource ?? 'poll' });
  return 'restoring';
}

/** What became of a y found missing outside any run. */
export type MissingOutcome = 'alerted' | 'already-alerted' | 'restoring' | 'no-settings' | 'duplicate' | 'heal-due' | 'heal-exhausted';

/**
 * y is missing outside any run. When a refresh deleted it and failed, y is healed once the back-off allows (the
 * alert says which run and when); when nobody here deleted it (by hand, say), it alerts once and restores y with the
 * last successful run's captured settings only when config opts in.
 */
export async function onReplicaMissing(deps: Deps, ctx: RunContext, at: Date, source: 'event' | 'poll'): Promise<MissingOutcome> {
  const y = ctx.pair.replica.identifier;
  const id = ctx.pair.id;
  const { cause, history } = await projectDeletion(deps, id);
  if (cause) {
    const due = nextHealAt(history, ctx);
    if (!due) {
      if (await deps.ledger.alertOnce(id, HEAL_ALERTS.exhausted, deps.now())) {
        await deps.notifier.publish(
          alert(
            'replica.heal-exhausted',
            id,
            'y is still missing after every heal attempt',
            `${y} was deleted by run ${cause.trigger === 'heal' ? (cause.healsRunId ?? cause.runId) : cause.runId} and the watchdog's ${ctx.pair.heal.maxAttempts} heal attempt(s) failed (last: ${firstSentence(cause.reason)}). The next nightly run tries again; fix the cause, or run "npm run restore -- --replica ${id}" to restore it now.`,
            { cause: cause.runId },
            cause.runId,
          ),
        );
      }
      return 'heal-exhausted';
    }
    if (due.getTime() > deps.now().getTime()) return 'heal-due';
    const outcome = await heal(deps, ctx, cause, 'watchdog');
    return outcome === 'restoring' ? 'restoring' : outcome;
  }
  const once = (subject: string, text: string) =>
    deps.ledger.alertOnce(id, MISSING_ALERT, at).then(async (first) => {
      if (first) await deps.notifier.publish(alert('replica.deleted-outside-run', id, subject, text, { deletedAt: at.toISOString(), detectedBy: source }));
      return first;
    });
  deps.telemetry.count('UnmanagedDeletion', 1, { replica: id });

  if (!ctx.pair.restoreUnmanagedDeletions) {
    const first = await once(
      'y was deleted outside any refresh',
      `${y} is gone (${source === 'event' ? `deleted at ${at.toISOString()}` : `found missing at ${at.toISOString()}`}) and no replica-refresh run deleted it. It is NOT being restored, because restoreUnmanagedDeletions is off for this pair. ` +
        'Restore it by hand, or set restoreUnmanagedDeletions: true to have replica-refresh do it next time.',
    );
    return first ? 'alerted' : 'already-alerted';
  }

  const template = await templateOf(deps, id, history);
  if (!template) {
    await once(
      'y was deleted outside any refresh and cannot be restored',
      `${y} is gone and no run deleted it. restoreUnmanagedDeletions is on, but the ledger holds no successful run with y's captured settings, so a restore would fall back to RDS defaults. Restore it by hand.`,
    );
    return 'no-settings';
  }

  const run = await openGoneRun(deps, ctx, {
    trigger: 'unmanaged-deletion',
    requestId: `deletion:${at.toISOString()}`,
    // Nobody here saw the delete request: the window starts at the deletion as seen, later than the truth.
    deleteRequestedAt: at.toISOString(),
    deleteRequestedEstimated: true,
    deletedAt: at.toISOString(),
    deletedSource: source,
    desired: template.desired,
    ...(template.engine ? { engine: template.engine } : {}),
  });
  if (run === 'duplicate') return 'duplicate';
  await deps.notifier.publish(
    alert(
      'replica.deleted-outside-run',
      id,
      'y was deleted outside any refresh; restoring it',
      `${y} is gone and no run deleted it. restoreUnmanagedDeletions is on: run ${run.runId} restores it with the settings captured by run ${template.runId}.`,
      { deletedAt: at.toISOString(), templateRunId: template.runId },
      run.runId,
    ),
  );
  await requestRestore(deps, ctx, run, { event: 'claim-restore', deletedSource: source });
  return 'restoring';
}

/** The settings to restore a y nobody here deleted with: the recorded ones, else the last successful run's. */
export async function templateOf(deps: Deps, replicaId: string, history: readonly RunRecord[]): Promise<{ runId: string; desired: TargetSettings; engine?: string } | undefined> {
  const recorded = await deps.ledger.getDesired(replicaId);
  if (recorded) return { runId: recorded.runId ?? 'the recorded settings', desired: recorded.settings, ...(recorded.engine ? { engine: recorded.engine } : {}) };
  const last = history.find((r) => r.status === 'succeeded' && r.desired);
  return last?.desired ? { runId: last.runId, desired: last.desired, ...(last.engine ? { engine: last.engine } : {}) } : undefined;
}

/**
 * The operator's `npm run restore` for a y that is missing although no run of the project deleted it (by hand, say):
 * restores it with the recorded settings, as a run of its own whose window starts when y was found missing (nobody here
 * saw the delete itself).
 * A y that a run deleted is healed instead ({@link heal}), so the outage stays on one row.
 */
export async function restoreMissing(deps: Deps, ctx: RunContext, history: readonly RunRecord[], requestId?: string, pinnedSnapshotId?: string): Promise<HealOutcome> {
  const id = ctx.pair.id;
  const template = await templateOf(deps, id, history);
  if (!template) return 'no-settings';
  // The outage began when y was found gone outside any run (the alert's time: the deletion event's, or the poll's);
  // without that record, now. Either way an estimate, later than the truth.
  const at = (await deps.ledger.alertedAt(id, MISSING_ALERT)) ?? deps.now().toISOString();
  const run = await openGoneRun(deps, ctx, {
    trigger: 'restore',
    ...(requestId ? { requestId } : {}),
    ...(pinnedSnapshotId ? { pinnedSnapshotId } : {}),
    deleteRequestedAt: at,
    deleteRequestedEstimated: true,
    deletedAt: at,
    deletedSource: 'poll',
    desired: template.desired,
    ...(template.engine ? { engine: template.engine } : {}),
  });
  if (run === 'duplicate') return 'duplicate';
  await deps.notifier.publish(
    alert('replica.restoring', id, 'restoring y (npm run restore)', `${ctx.pair.replica.identifier} is missing and no replica-refresh run deleted it. The operator's npm run restore started run ${run.runId}: it restores y from the newest valid snapshot of ${ctx.pair.source.identifier} with the settings captured by run ${template.runId}; its notification follows.`, { templateRunId: template.runId }, run.runId),
  );
  await requestRestore(deps, ctx, run, { event: 'claim-restore', deletedSource: 'poll' });
  return 'restoring';
}

/** The reason a run failed, without the state and advice that follow it. */
function firstSentence(reason: string | undefined): string {
  if (!reason) return 'unknown';
  const cut = reason.indexOf(`. `);
  return (cut > 0 ? reason.slice(0, cut) : reason).replace(/\.$/, '');
}

/** Looks up whether the project left y deleted, with its history for the back-off. */
export async function projectDeletion(deps: Deps, replicaId: string): Promise<{ cause?: RunRecord; history: RunRecord[] }> {
  const history = await deps.ledger.listRuns(replicaId, { limit: HISTORY });
  const cause = deletedByProject(history);
  return { history, ...(cause ? { cause } : {}) };
}

/**
 * Opens a run that starts with y already gone (a heal, or a deletion by someone else): its next move is the restore.
 * @returns 'duplicate' when another run of y is active
 */
async function openGoneRun(deps: Deps, ctx: RunContext, fields: Pick<RunRecord, 'trigger' | 'deleteRequestedAt' | 'deletedAt' | 'deletedSource' | 'desired'> & Partial<RunRecord>): Promise<RunRecord | 'duplicate'> {
  const now = deps.now();
  const run: RunRecord = {
    replicaId: ctx.pair.id,
    runId: makeRunId(now, deps.randomId()),
    sourceId: ctx.pair.source.identifier,
    status: 'active',
    phase: 'deleted',
    startedAt: now.toISOString(),
    restoreAttempts: 0,
    checks: [],
    errors: [],
    ...fields,
  };
  try {
    return await openRun(deps, 'heal', run);
  } catch (err) {
    if (err instanceof ActiveRunExistsError) return 'duplicate';
    throw err;
  }
}
