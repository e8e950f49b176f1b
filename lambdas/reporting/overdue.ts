/**
 * "No successful refresh within N hours", decided in code. A CloudWatch Metrics Insights alarm evaluates only the
 * latest three hours of data ("Only the latest 3 hours of data can be used for evaluating the alarm's conditions",
 * CloudWatch User Guide, "Limits", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html),
 * and N (`alarms.noSuccessWithinHours`) goes up to 168, so the alarm cannot count successes itself. Instead the
 * watchdog, which runs every few minutes over every pair, asks this module on each pass: a replica that is overdue
 * reports `SuccessOverdue` = 1 (nothing while it is not, as the other per-replica metrics), which the region's
 * multi-time-series alarm `replica-refresh-<region>-no-success` watches, one contributor per replica; and one alert
 * goes out per episode (the ledger's alertOnce, cleared when the episode ends).
 *
 * Where the last success comes from: the ledger's history (`RUN#` items, newest first), the one record of every
 * close, drills and heals included, as the old alarm's RefreshSucceeded metric counted them. The desired-settings
 * record is written by clean successes only (a success with drift does not refresh it), so it cannot say when y last
 * succeeded. The history is read once per replica when a watchdog instance first meets it, and again only once that
 * success is N hours old (then only the runs started since the newest one seen; a replica without any run yet, every
 * N hours): a pass over replicas that are not overdue makes no ledger call at all. What was read is kept per ledger client, for the life of the warm function.
 */
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import { describeError } from '../kernel/errors';
import type { RunRecord } from '../kernel/model';
import type { Deps, Ledger } from '../kernel/ports';
import { formatInZone } from '../kernel/time-zones';
import { alert, formatDuration } from './measures';

/** The metric a replica reports on every watchdog pass while it is overdue: 1 under `service` and `replica`. */
export const SUCCESS_OVERDUE_METRIC = 'SuccessOverdue';

/** The ledger alert key of an overdue episode (the episode's identity follows it: see {@link episodeKey}). */
export const SUCCESS_OVERDUE_ALERT = 'success-overdue';

/** How many of a replica's newest runs the first look reads: weeks of nights, enough to find the last success. */
export const LOOKBACK_RUNS = 30;

/** What the ledger says about a replica's successes, as far as the verdict needs it. */
export interface SuccessRecord {
  /** The newest successful run: its id and when it closed. */
  lastSuccess?: { runId: string; at: Date };
  /**
   * Without a success among the runs looked at: the oldest of them, since whose start the replica is known to have
   * had no success. Undefined as well when the replica has no run at all (a new pair: nothing to judge yet).
   */
  watchedSince?: { runId: string; at: Date };
}

/** Whether a replica is overdue, and from when it is (or was). */
export interface OverdueVerdict {
  overdue: boolean;
  /** The moment the replica becomes overdue: the reference plus N hours; undefined with nothing to judge. */
  dueAt?: Date;
}

/**
 * The verdict: overdue once N hours have passed since the last success, or, without any success recorded, since
 * the oldest run looked at started. A replica with no run at all is not judged (its first night has not come).
 * Pure: the same record, time and hours give the same verdict.
 */
export function overdueVerdict(record: SuccessRecord, now: Date, hours: number): OverdueVerdict {
  const reference = record.lastSuccess?.at ?? record.watchedSince?.at;
  if (!reference || hours <= 0) return { overdue: false };
  const dueAt = new Date(reference.getTime() + hours * 3_600_000);
  return { overdue: now.getTime() >= dueAt.getTime(), dueAt };
}

/** The success record of closed and refused runs, newest first (as the ledger lists them); pure. */
export function successRecordOf(runs: readonly RunRecord[]): SuccessRecord {
  const success = runs.find((r) => r.status === 'succeeded');
  if (success) return { lastSuccess: { runId: success.runId, at: new Date(success.closedAt ?? success.usableAt ?? success.startedAt) } };
  const oldest = runs.at(-1);
  return oldest ? { watchedSince: { runId: oldest.runId, at: new Date(oldest.startedAt) } } : {};
}

/**
 * The identity of an overdue episode: the success it follows, or the run since which none is known. The same episode
 * has the same key in every watchdog instance, so alertOnce sends it once; the next episode has another.
 */
export function episodeKey(record: SuccessRecord): string {
  if (record.lastSuccess) return `${SUCCESS_OVERDUE_ALERT}#after-${record.lastSuccess.runId}`;
  return `${SUCCESS_OVERDUE_ALERT}#since-${record.watchedSince?.runId ?? 'none'}`;
}

/** What a watchdog instance knows of one replica. */
interface Watch {
  record: SuccessRecord;
  /** When the ledger was last read for it. */
  checkedAt: Date;
  /** The start of the newest run seen: the next look reads only the runs started since. */
  newestStartedAt?: Date;
  /** The episode this instance knows to be alerted (the ledger holds its alert item). */
  alerted?: string;
}

/** Per ledger client: a warm function keeps what it read; a test's or simulation's new ledger starts afresh. */
const watches = new WeakMap<Ledger, Map<string, Watch>>();

function watchesOf(ledger: Ledger): Map<string, Watch> {
  let map = watches.get(ledger);
  if (!map) watches.set(ledger, (map = new Map<string, Watch>()));
  return map;
}

/**
 * When the ledger must be read again for a replica: once its known success (or the run since which none is known) is
 * N hours old, since a newer success only moves that moment later; without any run yet, N hours after the last look,
 * so that a first run is seen before it can be N hours old.
 */
function nextLookAt(watch: Watch, hours: number): Date {
  const reference = watch.record.lastSuccess?.at ?? watch.record.watchedSince?.at ?? watch.checkedAt;
  return new Date(reference.getTime() + hours * 3_600_000);
}

/** Reads what is new about a replica's successes: its newest runs, or the runs started since the newest one seen. */
async function look(ledger: Ledger, replicaId: string, previous: Watch | undefined, now: Date): Promise<Watch> {
  const since = previous?.newestStartedAt;
  const runs = since ? await ledger.listRuns(replicaId, { since }) : await ledger.listRuns(replicaId, { limit: LOOKBACK_RUNS });
  const fresh = successRecordOf(runs);
  // Nothing new succeeded: what was known before still holds (the runs since it are the failures that followed),
  // unless nothing was known (no run then): the runs read now are the first.
  const knewReference = previous?.record.lastSuccess !== undefined || previous?.record.watchedSince !== undefined;
  const record = fresh.lastSuccess || !knewReference ? fresh : previous.record;
  const newest = runs[0]?.startedAt;
  return { record, checkedAt: now, newestStartedAt: newest ? new Date(newest) : since, ...(previous?.alerted ? { alerted: previous.alerted } : {}) };
}

/** One replica's pass; returns what happened worth telling (an alert, an episode's end), or nothing. */
async function checkReplica(deps: Pick<Deps, 'ledger' | 'notifier' | 'telemetry' | 'now'>, config: RuntimeConfig, pair: PairConfig, hours: number): Promise<string | undefined> {
  const now = deps.now();
  const known = watchesOf(deps.ledger);
  let watch = known.get(pair.id);
  if (!watch || now.getTime() >= nextLookAt(watch, hours).getTime()) {
    // The first look, or the known success is N hours old: a newer one may have closed since.
    watch = await look(deps.ledger, pair.id, watch, now);
    known.set(pair.id, watch);
  }
  const verdict = overdueVerdict(watch.record, now, hours);
  if (!verdict.overdue) {
    if (!watch.alerted) return undefined;
    await deps.ledger.clearAlert(pair.id, watch.alerted);
    delete watch.alerted;
    return 'success-overdue:cleared';
  }
  deps.telemetry.count(SUCCESS_OVERDUE_METRIC, 1, { replica: pair.id });
  const key = episodeKey(watch.record);
  if (watch.alerted === key) return undefined;
  if (watch.alerted) await deps.ledger.clearAlert(pair.id, watch.alerted);
  watch.alerted = key;
  if (!(await deps.ledger.alertOnce(pair.id, key, now))) return undefined;
  const last = watch.record.lastSuccess;
  const since = last ? `The last successful refresh closed at ${formatInZone(last.at.toISOString(), config.timeZone)} (run ${last.runId}), ${formatDuration((now.getTime() - last.at.getTime()) / 1000)} ago.` : `No refresh of it has succeeded since run ${watch.record.watchedSince?.runId ?? '?'} started at ${formatInZone((watch.record.watchedSince?.at ?? now).toISOString(), config.timeZone)}.`;
  await deps.notifier.publish(
    alert(
      'replica.no-success',
      pair.id,
      `no successful refresh within ${hours} h`,
      `${pair.replica.identifier} has not been refreshed successfully within alarms.noSuccessWithinHours (${hours} h): its data is getting old. ${since} ` +
        `The schedule did not fire, or the runs were refused or failed: run \`npm run report -- --replica ${pair.id}\` to see them and why, fix the cause, then start a refresh (\`npm run drill -- --replica ${pair.id}\`).`,
      { hours, ...(last ? { lastSuccessAt: last.at.toISOString(), lastSuccessRunId: last.runId } : {}), ...(verdict.dueAt ? { overdueSince: verdict.dueAt.toISOString() } : {}) },
    ),
  );
  return 'success-overdue:alerted';
}

/**
 * One pass over the region's replicas: each whose last success is older than `noSuccessWithinHours` reports
 * SuccessOverdue and is alerted once per episode. Paused replicas (schedule disabled) are not judged: nothing is
 * expected to succeed. Off when `noSuccessWithinHours` is 0 or unset. A failure on one replica does not stop the others; the
 * pass throws at the end, naming them, so the function's error alarm fires.
 * @returns what happened worth telling, per replica (`success-overdue:alerted`, `success-overdue:cleared`)
 */
export async function reportOverdueReplicas(deps: Pick<Deps, 'ledger' | 'notifier' | 'telemetry' | 'now'>, config: RuntimeConfig): Promise<{ replica: string; action: string }[]> {
  const hours = config.noSuccessWithinHours ?? 0;
  if (hours <= 0) return [];
  const outcomes: { replica: string; action: string }[] = [];
  const failures: string[] = [];
  for (const pair of config.pairs) {
    if (!pair.schedule.enabled) {
      // Paused: not judged. Forget what was known, so that a resumed schedule starts from a fresh look.
      watchesOf(deps.ledger).delete(pair.id);
      continue;
    }
    try {
      const action = await checkReplica(deps, config, pair, hours);
      if (action) outcomes.push({ replica: pair.id, action });
    } catch (err) {
      failures.push(`${pair.id}: ${describeError(err)}`);
      deps.telemetry.error('success overdue check failed', { replica: pair.id, error: describeError(err) });
    }
  }
  if (failures.length > 0) throw new Error(`the success-overdue check failed for ${failures.length} replica(s): ${failures.join('; ')}`);
  return outcomes;
}
