/**
 * `npm run status`: for every replica, y's state (from RDS), the run in progress, the last run's outcome, the next
 * scheduled run, the event path's health, and what needs a human. Exit 0 when all is well, 1 when something needs
 * attention.
 */
import { scheduleTimeZone } from '../../lambdas/kernel/config';
import type { PairConfig } from '../../lambdas/kernel/config';
import type { ReceivedEvent, RunRecord } from '../../lambdas/kernel/model';
import { formatDuration, measure, rtoMissed } from '../../lambdas/reporting/measures';
import type { Report } from '../../lambdas/reporting/report';
import type { Backend, ReplicaState, SubscriptionState } from '../cli/backend';
import { defineCommand } from '../cli/command';
import { EXIT } from '../cli/errors';
import type { View } from '../cli/output';
import { formatLocal, formatUtc } from '../cli/time';
import { downtimeCell, formatHours } from '../report/format';
import { nextRunOf } from './list';
import { reportOf } from './runs';

/**
 * DB instance and cluster statuses in which y does not serve and nothing of the project's is bringing it back, so a
 * human must look (RDS User Guide, "Viewing Amazon RDS DB instance status"; Aurora User Guide, "Viewing DB cluster
 * status"): failures, incompatibilities, a full disk, a stopped or deleting y outside any run.
 */
const NEEDS_A_HUMAN = new Set([
  'failed',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'insufficient-capacity',
  'restore-error',
  'storage-full',
  'stopped',
  'stopping',
  'deleting',
]);

/** One replica's status (JSON). Times ISO UTC; durations in seconds. */
export interface ReplicaStatus {
  replica: string;
  region: string;
  y: { identifier: string; exists: boolean; status: string | null; engine: string | null };
  /** The outage going on now (y missing, or the active run's window open): seconds so far; null when y serves. */
  downSeconds: number | null;
  activeRun: { runId: string; trigger: string; phase: string | null; startedAt: string; elapsedSeconds: number } | null;
  lastRun: { runId: string; trigger: string; status: string; startedAt: string; closedAt: string | null; downtimeSeconds: number | null; restoreSeconds: number | null; dataAgeSeconds: number | null; rtoMissed: boolean; reason: string | null } | null;
  /** The last run's downtime as the report prints it (between its printed ends); for the table, not the JSON. */
  lastRunDowntimeText?: string;
  nextRun: { at: string; timeZone: string } | null;
  eventPath: { subscriptions: SubscriptionState[]; lastEvent: ReceivedEvent | null };
  /** What needs a human, each with what to do; empty when all is well. */
  attention: string[];
}

/** The facts of one replica that {@link assess} judges. */
export interface StatusFacts {
  pair: PairConfig;
  now: Date;
  rtoTargetMinutes: number;
  zone: string;
  state: ReplicaState;
  active: RunRecord | undefined;
  /** Closed and refused runs, newest first. */
  history: readonly RunRecord[];
  report: Report;
  subscriptions: SubscriptionState[];
  lastEvent: ReceivedEvent | undefined;
  /** Flags for the commands it suggests (the same deployment or simulation). */
  sameTarget?: string;
}

/** Builds a replica's status and decides what needs a human. Pure. */
export function assess(f: StatusFacts): ReplicaStatus {
  const id = f.pair.id;
  const y = f.state.identifier;
  const attention: string[] = [];
  const flags = f.sameTarget ? ` ${f.sameTarget}` : '';
  const ongoing = f.report.rows.find((r) => r.ongoing);
  const last = f.history[0];
  if (!f.state.exists && !f.active) {
    const since = ongoing?.downtimeSeconds !== undefined ? ` for ≥ ${formatHours(ongoing.downtimeSeconds)}` : '';
    const cause = last && last.status === 'failed' ? ` since run ${last.runId} failed (${firstLine(last.reason)})` : '';
    attention.push(`${y} is missing${since}${cause}. Bring it back: npm run restore -- --replica ${id}${flags}`);
  } else if (f.state.exists && !f.active && f.state.status && NEEDS_A_HUMAN.has(f.state.status)) {
    attention.push(`${y} is ${f.state.status} and no run is working on it. Look at it in the RDS console; the next run replaces it, or run: npm run drill -- --replica ${id}${flags}`);
  }
  if (f.active) {
    const downFor = ongoing?.downtimeSeconds;
    if (downFor !== undefined && downFor > f.rtoTargetMinutes * 60) attention.push(`run ${f.active.runId} has kept y down for ${formatDuration(downFor)}, over the RTO target of ${f.rtoTargetMinutes} min (phase ${f.active.phase ?? '?'}). Follow it: npm run history -- --replica ${id} --limit 3${flags}`);
  }
  if (last && !f.active) {
    if (last.status === 'failed' && f.state.exists) attention.push(`the last run (${last.runId}) failed: ${firstLine(last.reason)}. See: npm run history -- --replica ${id} --limit 5${flags}`);
    if (last.status === 'refused') attention.push(`the last run (${last.runId}) was refused, y kept its previous data: ${firstLine(last.reason)}. See every check: npm run plan -- --replica ${id}${flags}`);
    if (last.status === 'succeeded' && rtoMissed(last, f.rtoTargetMinutes)) attention.push(`the last run (${last.runId}) missed the RTO target of ${f.rtoTargetMinutes} min (restore ${formatDuration(measure(last).restoreSeconds)}). See: npm run report -- --replica ${id}${flags}`);
  }
  for (const s of f.subscriptions) {
    if (s.problem) attention.push(`RDS event subscription ${s.name} ${s.problem}: RDS events about ${f.pair.replica.region}'s replicas do not arrive (the watchdog's polls still close runs, later). Redeploy: npx cdk deploy ReplicaRefresh-${f.pair.replica.region}`);
  }
  const next = nextRunOf(f.pair, f.zone, f.now);
  const m = last ? measure(last) : undefined;
  const lastRow = last ? f.report.rows.find((r) => r.runId === last.runId) : undefined;
  return {
    replica: id,
    region: f.pair.replica.region,
    y: { identifier: y, exists: f.state.exists, status: f.state.status ?? null, engine: f.state.engine ?? null },
    downSeconds: ongoing?.downtimeSeconds ?? null,
    activeRun: f.active ? { runId: f.active.runId, trigger: f.active.trigger, phase: f.active.phase ?? null, startedAt: f.active.startedAt, elapsedSeconds: (f.now.getTime() - Date.parse(f.active.startedAt)) / 1000 } : null,
    lastRun: last
      ? {
          runId: last.runId,
          trigger: last.trigger,
          status: last.status,
          startedAt: last.startedAt,
          closedAt: last.closedAt ?? null,
          downtimeSeconds: last.status === 'succeeded' ? (m?.downtimeSeconds ?? null) : null,
          restoreSeconds: last.status === 'succeeded' ? (m?.restoreSeconds ?? null) : null,
          dataAgeSeconds: last.status === 'succeeded' ? (m?.dataAgeSeconds ?? null) : null,
          rtoMissed: rtoMissed(last, f.rtoTargetMinutes),
          reason: last.reason ?? null,
        }
      : null,
    ...(lastRow ? { lastRunDowntimeText: downtimeCell(lastRow) } : {}),
    nextRun: next ? { at: next.toISOString(), timeZone: f.zone } : null,
    eventPath: { subscriptions: f.subscriptions, lastEvent: f.lastEvent ?? null },
    attention,
  };
}

function firstLine(reason: string | undefined): string {
  if (!reason) return 'no reason recorded';
  const cut = reason.search(/\.(\s|$)/);
  return cut > 0 ? reason.slice(0, cut) : reason;
}

/** Gathers one replica's facts from the backend. */
async function factsOf(b: Backend, pair: PairConfig, subscriptions: SubscriptionState[], sameTarget: string): Promise<StatusFacts> {
  const now = b.now();
  // The last 40 days (at most 40 runs): enough to see an outage that began weeks ago, and the last run.
  const [{ report, state, runs: history, active }, lastEvent] = await Promise.all([reportOf(b, pair, { since: new Date(now.getTime() - 40 * 86_400_000), until: now, limit: 40 }), b.lastEvent(pair)]);
  return { pair, now, rtoTargetMinutes: b.config.rtoTargetMinutes, zone: scheduleTimeZone(b.config, pair), state, active, history, report, subscriptions, lastEvent, sameTarget };
}

function viewOf(statuses: ReplicaStatus[], now: Date, zone: string, simulated: boolean): View {
  const when = (iso: string) => formatLocal(iso, zone, 'ccc yyyy-MM-dd HH:mm:ss');
  return {
    title: `replica-refresh status at ${when(now.toISOString())}${simulated ? ' (simulation)' : ''}`,
    sections: statuses.map((s) => ({
      heading: `${s.replica} (${s.region})${s.attention.length ? ': NEEDS ATTENTION' : ': all well'}`,
      columns: ['', ''],
      rows: [
        ['y', s.y.exists ? `${s.y.identifier}: ${s.y.status ?? '?'}${s.y.engine ? ` (${s.y.engine})` : ''}` : `${s.y.identifier}: MISSING${s.downSeconds !== null ? `, down for ≥ ${formatHours(s.downSeconds)}, ongoing` : ''}`],
        ['run in progress', s.activeRun ? `${s.activeRun.runId} (${s.activeRun.trigger}), phase ${s.activeRun.phase ?? '?'}, ${formatDuration(s.activeRun.elapsedSeconds)} elapsed${s.downSeconds !== null ? `, y down for ${formatDuration(s.downSeconds)}` : ''}` : 'none'],
        [
          'last run',
          s.lastRun
            ? `${s.lastRun.status} (${s.lastRun.trigger}, ${when(s.lastRun.startedAt)})${s.lastRun.downtimeSeconds !== null ? `: downtime ${s.lastRunDowntimeText ?? formatDuration(s.lastRun.downtimeSeconds)}, restore (RTO) ${formatDuration(s.lastRun.restoreSeconds ?? undefined)}${s.lastRun.rtoMissed ? ' MISSED' : ''}, data age (RPO) ${formatDuration(s.lastRun.dataAgeSeconds ?? undefined)}` : ''}`
            : 'none yet',
        ],
        ['next run', s.nextRun ? `${formatLocal(s.nextRun.at, s.nextRun.timeZone, 'ccc yyyy-MM-dd HH:mm')} (${formatUtc(s.nextRun.at, "yyyy-MM-dd HH:mm 'UTC'")})` : 'none (schedule disabled)'],
        ...s.eventPath.subscriptions.map((sub) => [`event subscription`, `${sub.name}: ${sub.status}${sub.problem ? ` (${sub.problem})` : ''}`]),
        ['last event received', s.eventPath.lastEvent ? `${s.eventPath.lastEvent.eventId} for ${s.eventPath.lastEvent.sourceId}, ${when(s.eventPath.lastEvent.receivedAt)}` : 'none yet'],
      ],
      notes: s.attention.length ? s.attention.map((a) => `needs attention: ${a}`) : ['Nothing needs a human.'],
    })),
  };
}

export const status = defineCommand({
  name: 'status',
  description: "Show every replica's state: y (from RDS), the run in progress, the last run's outcome, the next scheduled run, the event path's health, and what needs a human. Exits 0 when all is well, 1 when something needs attention.",
  replicas: 'any',
  examples: ['npm run status -- --local', 'npm run status -- --local --faults capacity-outage@7', 'npm run status -- --replica orders-staging --output json'],
  run: async (ctx) => {
    const b = await ctx.backend();
    const now = b.now();
    const subscriptions = new Map<string, Promise<SubscriptionState[]>>();
    const subsOf = (region: string) => {
      let s = subscriptions.get(region);
      if (!s) subscriptions.set(region, (s = b.subscriptions(region)));
      return s;
    };
    const statuses: ReplicaStatus[] = [];
    for (const pair of ctx.pairs) statuses.push(assess(await factsOf(b, pair, await subsOf(pair.replica.region), ctx.sameTarget)));
    const simulated = b.kind === 'local';
    ctx.emit({ json: { simulated, now: now.toISOString(), ok: statuses.every((s) => s.attention.length === 0), replicas: statuses.map(({ lastRunDowntimeText: _text, ...s }) => s) }, view: viewOf(statuses, now, b.config.timeZone, simulated), name: 'status.html' });
    return statuses.some((s) => s.attention.length > 0) ? EXIT.failure : EXIT.ok;
  },
});
