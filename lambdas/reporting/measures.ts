/**
 * The numbers a run is judged by, and the words people read about it. Definitions (README):
 * downtime = delete accepted → y usable; restore time (RTO) = first restore attempt → y usable;
 * data age (RPO) = y usable − the snapshot's original creation time.
 */
import type { PairConfig } from '../kernel/config';
import { formatInZone } from '../kernel/time-zones';
import { describeCredentials } from '../refresh/credentials';
import type { Drift, RunRecord } from '../kernel/model';
import type { Notification } from '../kernel/ports';

/** A run's measured durations in seconds; undefined where a timestamp is missing. */
export interface RunMeasures {
  downtimeSeconds?: number;
  restoreSeconds?: number;
  dataAgeSeconds?: number;
  preflightSeconds?: number;
  deleteSeconds?: number;
  modifySeconds?: number;
  /** A swap mode: from the switch to the copy serving under the name clients use. */
  switchSeconds?: number;
  /** Staging hooks: from the restored instance usable to its hooks done (part of delete-first's downtime). */
  hooksSeconds?: number;
}

function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const s = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(s) ? s : undefined;
}

/** Computes every duration the ledger's timestamps allow. */
export function measure(run: RunRecord): RunMeasures {
  const m: RunMeasures = {
    // A swap mode: clients lose y from the switch until the copy serves under y's name; the restore was beside y.
    // dns-switch: none by design, both instances serve through the switch (the old one until the TTL after INSYNC).
    // delete-first with staging hooks: y serves clients once its hooks passed (it was restored isolated until then).
    downtimeSeconds: run.mode === 'dns-switch' ? (run.switchedAt ? 0 : undefined) : run.copyId ? secondsBetween(run.switchRequestedAt, run.switchedAt) : secondsBetween(run.deleteRequestedAt, run.hooksPassedAt ?? run.usableAt),
    // From the first attempt: retries after a failed restore are part of the time to recover.
    restoreSeconds: secondsBetween(run.firstRestoreAttemptAt ?? run.restoreRequestedAt, run.usableAt),
    // The data's age when clients got it: when y (or, in a swap mode, the switched copy) became usable.
    dataAgeSeconds: secondsBetween(run.snapshot?.dataTime, run.copyId ? run.switchedAt : run.usableAt),
    preflightSeconds: secondsBetween(run.startedAt, run.preflightFinishedAt),
    deleteSeconds: secondsBetween(run.deleteRequestedAt, run.deletedAt),
    modifySeconds: secondsBetween(run.usableAt, run.modifiedAt),
    switchSeconds: secondsBetween(run.switchRequestedAt, run.switchedAt),
    hooksSeconds: secondsBetween(run.usableAt, run.hooksFinishedAt),
  };
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined));
}

/**
 * The one definition of a missed RTO, used by notifications, metrics, `drill` and the report: a restore slower than
 * the target, or a run that failed after a restore was attempted (y did not come back at all).
 */
export function rtoMissed(run: RunRecord, rtoTargetMinutes: number): boolean {
  // A swap mode's failed run left y serving unless its switch began and was not rolled back.
  if (run.status === 'failed' && run.copyId) return run.switchRequestedAt !== undefined && run.rolledBackAt === undefined;
  if (run.status === 'failed') return run.firstRestoreAttemptAt !== undefined || run.restoreClaimedAt !== undefined;
  const seconds = measure(run).restoreSeconds;
  return run.usableAt !== undefined && seconds !== undefined && seconds > rtoTargetMinutes * 60;
}

/** `1 h 04 min`, `12 min 30 s`, `45 s`. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return 'unknown';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(r).padStart(2, '0')} s`;
  return `${r} s`;
}

/** A UTC ISO time shown in the configured zone, with the zone's abbreviation. */
export function formatTime(iso: string | undefined, zone: string): string {
  if (!iso) return 'unknown';
  return formatInZone(iso, zone);
}

function driftLines(drift: readonly Drift[] | undefined): string[] {
  if (!drift || drift.length === 0) return ['Settings: all carried across (no drift).'];
  return [
    'Settings that differ from y before the refresh:',
    ...drift.map((d) => `  - ${d.setting}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)}${d.error ? ` (RDS rejected it: ${d.error})` : ''}`),
  ];
}

/** The message sent when a run closes, successful or not. */
export function closedRunNotification(run: RunRecord, opts: { timeZone: string; rtoTargetMinutes: number }, pair?: PairConfig): Notification {
  const m = measure(run);
  const succeeded = run.status === 'succeeded';
  const missed = rtoMissed(run, opts.rtoTargetMinutes);
  const drifted = (run.drift?.length ?? 0) > 0;
  const verdict = succeeded ? (missed ? 'refreshed, RTO target missed' : drifted ? 'refreshed, with drift' : 'refreshed') : 'refresh FAILED';
  const lines = [
    `${run.replicaId} ${verdict} (run ${run.runId}, ${run.trigger}).`,
    '',
    ...(succeeded ? [] : [`Why: ${run.reason ?? 'unknown'}`, '']),
    `Snapshot: ${run.snapshot?.id ?? run.plannedSnapshot?.id ?? 'none'}${run.snapshot?.dataTime ? `, data from ${formatTime(run.snapshot.dataTime, opts.timeZone)}` : ''}`,
    `Data age when usable: ${formatDuration(m.dataAgeSeconds)}`,
    `Downtime: ${formatTime(run.deleteRequestedAt, opts.timeZone)} → ${formatTime(run.usableAt, opts.timeZone)} (${formatDuration(m.downtimeSeconds)})`,
    `Restore time: ${formatDuration(m.restoreSeconds)} against a target of ${opts.rtoTargetMinutes} min${missed ? ' (MISSED)' : ''}`,
    `Timing: deletion from ${run.deletedSource === 'poll' ? "the watchdog's poll (no RDS event)" : 'an RDS event'}, usable from ${run.usableSource === 'poll' ? "the watchdog's poll (no RDS event)" : 'an RDS event'}`,
    ...(pair && succeeded ? [`Credentials: ${describeCredentials(pair, run)}`] : []),
    ...driftLines(run.drift),
    ...(run.restoreNotes?.length ? ['', 'Restore request adjusted for the engine:', ...run.restoreNotes.map((n) => `  - ${n}`)] : []),
    ...(run.errors.length > 0 ? ['', 'Errors on the way:', ...run.errors.map((e) => `  - ${e}`)] : []),
  ];
  return {
    severity: succeeded && !drifted && !missed ? 'info' : 'alert',
    kind: succeeded ? 'refresh.succeeded' : 'refresh.failed',
    replicaId: run.replicaId,
    runId: run.runId,
    subject: `[replica-refresh] ${run.replicaId} ${verdict}`,
    text: lines.join('\n'),
    data: { ...m, status: run.status, runId: run.runId, replica: run.replicaId, snapshot: run.snapshot ?? null, drift: run.drift ?? [], rtoMissed: missed, deletedSource: run.deletedSource ?? null, usableSource: run.usableSource ?? null, masterUserSecretArn: run.masterUserSecretArn ?? null, reason: run.reason ?? null },
  };
}

/** An alert about a replica, outside the closing message. */
export function alert(kind: string, replicaId: string, subject: string, text: string, data: Record<string, unknown> = {}, runId?: string): Notification {
  return { severity: 'alert', kind, replicaId, ...(runId ? { runId } : {}), subject: `[replica-refresh] ${replicaId}: ${subject}`, text, data };
}
