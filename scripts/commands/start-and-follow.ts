/**
 * What `drill` and `restore` share: the plan first (shown with --dry-run, and behind the confirmation a deployment
 * asks for), then the start through start-refresh, then following the run to its close with dated progress lines, and
 * the measured outcome in the output convention.
 */
import { randomUUID } from 'node:crypto';
import type { PairConfig } from '../../lambdas/kernel/config';
import type { RunRecord } from '../../lambdas/kernel/model';
import { formatDuration, measure, rtoMissed } from '../../lambdas/reporting/measures';
import { percentile } from '../../lambdas/reporting/report';
import type { Backend, CommonOptions } from '../cli/backend';
import type { CommandContext } from '../cli/command';
import { EXIT, UsageError } from '../cli/errors';
import { renderView } from '../cli/output';
import { formatLocal } from '../cli/time';
import { dryRun, noPlanReason } from './plan';
import { planSection } from './plan-view';

/** The options of a command that starts a run. */
export interface StartOptions {
  snapshot?: string;
  allowOlder?: boolean;
  follow?: boolean;
  poll: number;
  timeout?: number;
  dryRun?: boolean;
  yes?: boolean;
}

/** Options that need another option, refused before anything slow. */
export function validateStartOptions(opts: StartOptions & CommonOptions, used: (flag: string) => boolean): void {
  // In the simulation a run is always followed to its end, so --poll and --timeout apply there too.
  for (const flag of ['poll', 'timeout'] as const) if (used(flag) && !opts.follow && !opts.local) throw new UsageError(`--${flag} applies to --follow`, `add --follow, or leave --${flag} out`);
  if (opts.allowOlder && !opts.snapshot) throw new UsageError('--allow-older applies to a snapshot pinned with --snapshot <id>', 'add --snapshot <id>, or leave --allow-older out');
  if (opts.dryRun && opts.follow) throw new UsageError('--dry-run starts nothing, so there is nothing to --follow', 'leave one of them out');
}

/** A run's outcome (JSON). */
export interface RunOutcomeJson {
  replica: string;
  simulated: boolean;
  runId: string;
  trigger: string;
  status: string;
  snapshotId: string | null;
  downtimeSeconds: number | null;
  restoreSeconds: number | null;
  dataAgeSeconds: number | null;
  rtoTargetMinutes: number;
  rtoMissed: boolean;
  reason: string | null;
  /** y as RDS describes it after the run closed: `available` when it is back; null when it is missing. */
  replicaStatus: string | null;
}

function outcomeJson(run: RunRecord, b: Backend, replicaStatus: string | null): RunOutcomeJson {
  const m = measure(run);
  const ok = run.status === 'succeeded';
  return {
    replica: run.replicaId,
    simulated: b.kind === 'local',
    runId: run.runId,
    trigger: run.trigger,
    status: run.status,
    snapshotId: run.snapshot?.id ?? run.plannedSnapshot?.id ?? null,
    downtimeSeconds: ok ? (m.downtimeSeconds ?? null) : null,
    restoreSeconds: ok ? (m.restoreSeconds ?? null) : null,
    dataAgeSeconds: ok ? (m.dataAgeSeconds ?? null) : null,
    rtoTargetMinutes: b.config.rtoTargetMinutes,
    rtoMissed: rtoMissed(run, b.config.rtoTargetMinutes),
    reason: run.reason ?? null,
    replicaStatus,
  };
}

/**
 * Plans, confirms, starts and (with --follow, or always in the simulation) follows a drill or a restore.
 * @returns the exit code
 */
export async function startAndFollow(ctx: CommandContext<StartOptions>, kind: 'drill' | 'restore'): Promise<number> {
  const b = await ctx.backend();
  const pair = ctx.pairs[0] as PairConfig;
  const zone = b.config.timeZone;
  const stamp = () => formatLocal(b.now(), zone, 'ccc yyyy-MM-dd HH:mm:ss');
  const y = pair.replica.identifier;
  const flags = ctx.sameTarget ? ` ${ctx.sameTarget}` : '';
  const request = { trigger: kind, ...(ctx.opts.snapshot ? { snapshotId: ctx.opts.snapshot } : {}), ...(ctx.opts.allowOlder ? { allowOlder: true } : {}) };

  const planned = await dryRun(b, pair, request);
  if (!('plan' in planned)) {
    if (planned.answer.outcome === 'not-needed') {
      ctx.emit({ json: { replica: pair.id, simulated: b.kind === 'local', outcome: 'not-needed', reason: planned.answer.reason }, view: { title: `${pair.id}: nothing to restore`, sections: [{ columns: [], rows: [], empty: planned.answer.reason }] }, name: `${kind}-${pair.id}.html` });
      return EXIT.ok;
    }
    ctx.io.stderr(`error: start-refresh did not plan the ${kind} of ${pair.id}: ${noPlanReason(planned.answer)}\n`);
    return EXIT.failure;
  }
  const plan = planned.plan;
  if (ctx.opts.dryRun || !plan.wouldStart) {
    ctx.emit({ json: { simulated: b.kind === 'local', plans: [plan] }, view: { title: `${kind} ${pair.id}: ${ctx.opts.dryRun ? 'dry run, nothing started' : 'REFUSED, nothing started'}`, sections: [planSection(plan, pair, zone, b.kind === 'local')] }, name: `${kind}-${pair.id}.html` });
    if (!plan.wouldStart) {
      const failing = plan.checks.filter((c) => c.result === 'FAIL').map((c) => `${c.id}: ${c.detail}`);
      ctx.io.stderr(`refused: the ${kind} of ${pair.id} would not start (${failing.join('; ') || 'see the plan'})\n`);
      return EXIT.refused;
    }
    return EXIT.ok;
  }
  const from = plan.snapshot?.id ?? 'the newest snapshot';
  const what = plan.replicaMissing
    ? `Restore the missing ${y} in ${pair.replica.region} from ${from} with its recorded settings`
    : plan.wouldDelete
      ? `Delete ${plan.wouldDelete} in ${pair.replica.region} and restore it from ${from}`
      : `Refresh ${y} in ${pair.replica.region} (${pair.refresh.mode}: restore a copy from ${from} beside it, validate it, then switch clients to it)`;
  // Against a deployment the person sees the plan before answering (it goes to stderr: stdout stays the output).
  if (b.kind !== 'local' && !ctx.opts.yes) ctx.io.stderr(renderView({ title: `${kind} ${pair.id}: the plan`, sections: [planSection(plan, pair, zone, false)] }, 'table'));
  if (!(await ctx.confirm(`${what}?`))) {
    ctx.io.stderr(`not confirmed: nothing was started\n`);
    return EXIT.refused;
  }

  const history = (await b.listRuns(pair, { limit: 30 })).filter((r) => r.status === 'succeeded');
  const typical = percentile(history.map((r) => measure(r).downtimeSeconds).filter((v): v is number => v !== undefined).sort((a, c) => a - c), 0.5);
  // A request id makes a repeated invoke (a retry, a double click) a no-op instead of a second, refused start.
  const requestId = `${kind}-${randomUUID()}`;
  let answer;
  try {
    answer = await b.start(pair, { ...request, requestId });
  } catch (err) {
    // The invoke failed or timed out, but start-refresh may have got far: the ledger says.
    const active = await b.activeRun(pair);
    if (active?.requestId !== requestId) throw err;
    ctx.progress(`start-refresh reported an error (${(err as Error).message}), but the ${kind} is running as run ${active.runId}`);
    answer = { outcome: 'duplicate' as const, runId: active.runId };
  }
  if (answer.outcome === 'refused') {
    ctx.io.stderr(`refused: ${answer.reason}\n`);
    return EXIT.refused;
  }
  if (answer.outcome === 'not-needed') {
    ctx.io.stderr(`${answer.reason}\n`);
    return EXIT.ok;
  }
  if (answer.outcome !== 'started' && answer.outcome !== 'duplicate' && answer.outcome !== 'healing' && answer.outcome !== 'started-restore') {
    ctx.io.stderr(`error: the ${kind} did not start: ${answer.outcome}${'reason' in answer ? `: ${answer.reason}` : ''}\n`);
    return EXIT.failure;
  }
  const runId = answer.runId;
  const how = answer.outcome === 'started' ? `restoring from ${answer.snapshot.id}` : answer.outcome === 'healing' ? `${y} was missing after run ${answer.healsRunId}; restoring it (heal)` : answer.outcome === 'started-restore' ? `restoring ${y} with its recorded settings` : 'already running (the same request)';
  ctx.progress(`${stamp()}  ${kind} ${runId} started on ${pair.id}${b.kind === 'local' ? ' (simulation)' : ''}: ${how}`);
  if (!ctx.opts.follow && b.kind !== 'local') {
    ctx.emit({ json: { replica: pair.id, simulated: false, runId, status: 'active', outcome: answer.outcome }, view: { title: `${kind} ${runId} started on ${pair.id}`, sections: [{ columns: [], rows: [], empty: `Follow it: npm run status -- --replica ${pair.id}${flags}, then npm run history -- --replica ${pair.id} --limit 1${flags}` }] }, name: `${kind}-${pair.id}.html` });
    return EXIT.ok;
  }

  const started = b.now().getTime();
  const deadline = ctx.opts.timeout ? started + ctx.opts.timeout * 60_000 : Infinity;
  let lastPhase = '';
  let lastPrinted = 0;
  for (;;) {
    await b.wait(ctx.opts.poll * 1000);
    const active = await b.activeRun(pair);
    const elapsed = (b.now().getTime() - started) / 1000;
    // Closed but not yet archived counts as closed: the run's final state is already on it.
    if (!active || active.runId !== runId || active.status !== 'active') break;
    if (b.now().getTime() > deadline) {
      ctx.io.stderr(`stopped following after ${ctx.opts.timeout} min; run ${runId} goes on (phase ${active.phase ?? '?'}). Follow it: npm run status -- --replica ${pair.id}${flags}\n`);
      return EXIT.failure;
    }
    const phase = active.phase ?? '?';
    // Print on every phase change, and otherwise every five minutes.
    if (phase === lastPhase && elapsed - lastPrinted < 300) continue;
    lastPhase = phase;
    lastPrinted = elapsed;
    const expected = typical === undefined ? '' : elapsed <= typical ? `, about ${formatDuration(typical - elapsed)} to go (median downtime of ${history.length} run(s))` : `, ${formatDuration(elapsed - typical)} over the median downtime`;
    ctx.progress(`${stamp()}  phase ${phase}, ${formatDuration(elapsed)} elapsed${expected}`);
  }
  const closing = await b.activeRun(pair);
  const closed = closing?.runId === runId ? closing : (await b.listRuns(pair, { limit: 10 })).find((r) => r.runId === runId);
  if (!closed) {
    ctx.io.stderr(`error: run ${runId} is no longer active but is not in the ledger's history yet; look again with npm run history -- --replica ${pair.id}${flags}\n`);
    return EXIT.failure;
  }
  const state = await b.replicaState(pair);
  const out = outcomeJson(closed, b, state.exists ? (state.status ?? 'unknown') : null);
  ctx.emit({
    json: out,
    name: `${kind}-${pair.id}.html`,
    view: {
      title: `${kind} ${closed.runId} on ${pair.id}: ${closed.status}${b.kind === 'local' ? ' (simulation)' : ''}`,
      sections: [
        {
          columns: [],
          rows: [
            ['downtime', formatDuration(out.downtimeSeconds ?? undefined)],
            ['restore (RTO)', `${formatDuration(out.restoreSeconds ?? undefined)} (target ${out.rtoTargetMinutes} min${out.rtoMissed ? ', MISSED' : ''})`],
            ['data age (RPO)', formatDuration(out.dataAgeSeconds ?? undefined)],
            ['snapshot', out.snapshotId ?? '-'],
            ['y now', out.replicaStatus ? `${state.identifier}: ${out.replicaStatus}` : `${state.identifier}: MISSING`],
            ...(out.reason ? [['why', out.reason]] : []),
          ],
          notes: closed.status === 'succeeded' ? [] : [`${y} may be missing: npm run status -- --replica ${pair.id}${flags} says, and npm run restore -- --replica ${pair.id}${flags} brings it back`],
        },
      ],
    },
  });
  return closed.status === 'succeeded' && !out.rtoMissed ? EXIT.ok : EXIT.failure;
}
