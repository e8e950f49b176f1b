/**
 * The watchdog: RDS events can be late, duplicated, out of order or lost, and a function can crash
 * between two steps. Every few minutes it looks at each active run and y's real state, and moves the
 * run on exactly as the missing event would have.
 */
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import { StaleRunError, describeError } from '../kernel/errors';
import type { RunContext } from './lifecycle';
import { failRun, minutesSince, runContext, settleAndLoadActiveRun } from './lifecycle';
import { gatewayOf, targetOf } from '../targets/registry';
import { onReplicaMissing } from './heal';
import { strategyOf } from './strategies/registry';
import type { RunRecord, TargetView } from '../kernel/model';
import { alert } from '../reporting/measures';
import { checkEventPaths } from './event-path';
import { reportOverdueReplicas } from '../reporting/overdue';
import type { Deps } from '../kernel/ports';
import type { TargetKind } from '../targets/target';

/** What the watchdog did for one replica. */
export interface WatchdogOutcome {
  replica: string;
  runId?: string;
  action: string;
}

/** When the run entered its phase: each phase is judged stuck against its own start, not the run's. */
function phaseStartedAt(run: RunRecord): string {
  switch (run.phase) {
    case 'deleting':
      return run.deleteRequestedAt ?? run.preflightFinishedAt ?? run.startedAt;
    case 'deleted':
      return run.deletedAt ?? run.deleteRequestedAt ?? run.startedAt;
    case 'restoring':
      return run.restoreRequestedAt ?? run.restoreClaimedAt ?? run.startedAt;
    case 'finishing':
      return run.usableAt ?? run.startedAt;
    case 'switching':
      return run.switchRequestedAt ?? run.usableAt ?? run.startedAt;
    default:
      return run.startedAt;
  }
}

/**
 * @param y the run's y as the pass's one listing of the region's instances saw it (taken after the run was loaded,
 *   as a describe of y would have been), or undefined when y was not in it
 */
async function checkRun(deps: Deps, ctx: RunContext, run: RunRecord, y: TargetView | undefined): Promise<string> {
  const now = deps.now();
  const { pair } = ctx;
  if (minutesSince(phaseStartedAt(run), now) > pair.stuckRunHours * 60) {
    if (run.phase === 'finishing') {
      // y serves; only the post-restore modify is still refused. Close with what did not apply as drift.
      return `finish:${await strategyOf(pair).onUsable(deps, ctx, run, { at: run.usableAt ? new Date(run.usableAt) : now, source: run.usableSource ?? 'poll', force: true })}`;
    }
    // A run whose y is gone or still being deleted is not stuck: failing it would leave y deleted. It goes on below
    // (the restore, or the wait for the deletion), with its own deadlines and back-off.
    const yGoneOrGoing = run.phase !== 'restoring' && (!y || y.status === 'deleting');
    if (!yGoneOrGoing) {
      await failRun(deps, ctx, run, `the run was stuck in phase ${run.phase ?? 'unknown'} for over ${pair.stuckRunHours} h.`, 'RunStuck');
      return 'failed:stuck';
    }
    if (run.phase !== 'restoring' && y?.status === 'deleting' && !run.deadlineAlertedAt) {
      // RDS has been deleting y for hours: say so once, and keep waiting (failing would leave y deleted with no restore).
      await deps.ledger.updateActiveRun(run, { deadlineAlertedAt: now.toISOString() }, ['deleting']);
      deps.telemetry.count('RunStuck', 1, { replica: run.replicaId });
      await deps.notifier.publish(
        alert(
          'run.stuck',
          run.replicaId,
          `RDS is still deleting y after ${pair.stuckRunHours} h`,
          `Run ${run.runId} asked RDS to delete ${ctx.pair.replica.identifier} at ${run.deleteRequestedAt ?? run.startedAt} and y is still deleting. replica-refresh keeps waiting and restores y as soon as it is gone. Check the RDS console's events for ${ctx.pair.replica.identifier}.`,
          { phase: run.phase },
          run.runId,
        ),
      );
      return 'alerted:deletion-stuck';
    }
  }
  return strategyOf(pair).poll(deps, ctx, run, y);
}

/** Without a run, y must exist: a deletion nobody started, whose event was lost, is found here. */
async function checkIdle(deps: Deps, ctx: RunContext, exists: boolean): Promise<string> {
  if (exists) return 'idle';
  return `missing:${await onReplicaMissing(deps, ctx, deps.now(), 'poll')}`;
}

/**
 * One watchdog pass over every replica of the region. First each replica's active run is loaded, then the region's
 * instances are listed once (one paginated DescribeDBInstances, 100 a page: two calls for 200 replicas, where a
 * describe per replica took 200), and each replica is decided from that list: as before, y's state is read after
 * its run. With the event subscription's check that is three RDS calls a pass for 200 replicas at rest; only the
 * actions a pass takes (a restore, closing a run) make more. A failure on one replica is logged and counted, and
 * does not stop the others; the pass throws at the end so the error alarm fires.
 */
export async function runWatchdog(deps: Deps, config: RuntimeConfig): Promise<WatchdogOutcome[]> {
  const outcomes: WatchdogOutcome[] = [];
  const failures: string[] = [];
  const failed = (replica: string, err: unknown): void => {
    failures.push(`${replica}: ${describeError(err)}`);
    deps.telemetry.count('WatchdogErrors', 1, { replica });
    deps.telemetry.error('watchdog check failed', { replica, error: describeError(err) });
    outcomes.push({ replica, action: 'error' });
  };
  // Each of the region's event subscriptions (./event-path.ts): one that cannot be read fails the pass at the end.
  for (const finding of await checkEventPaths(deps, config)) {
    if ('error' in finding) failures.push(`event path ${finding.subscription}: ${finding.error}`);
    else outcomes.push({ replica: '*', action: finding.action });
  }
  const loaded: { pair: PairConfig; run: RunRecord | undefined }[] = [];
  for (const pair of config.pairs) {
    try {
      // A close a crashed invocation left half done is finished first (a write of its own; reading never writes).
      loaded.push({ pair, run: await settleAndLoadActiveRun(deps, config, pair.id) });
    } catch (err) {
      if (err instanceof StaleRunError) outcomes.push({ replica: pair.id, action: 'raced' });
      else failed(pair.id, err);
    }
  }
  // One listing per kind of target the region's pairs have (one paginated call for 200 instances), not one per pair.
  // A kind none of whose pairs has an active run only needs to know which replicas exist: for Aurora that is one paged
  // DescribeDBClusters a pass, whatever the number of clusters; the members' states (a paged DescribeDBInstances
  // more) are read only while a run needs them.
  const listings = new Map<TargetKind, { views?: Map<string, TargetView>; present: ReadonlySet<string> }>();
  for (const { pair } of [...new Map(loaded.map((l) => [targetOf(l.pair).kind, l])).values()]) {
    const kind = targetOf(pair).kind;
    const gateway = gatewayOf(deps.targets, pair);
    try {
      if (loaded.some((l) => l.run && targetOf(l.pair).kind === kind)) {
        const views = await gateway.list();
        listings.set(kind, { views, present: new Set(views.keys()) });
      } else {
        listings.set(kind, { present: await gateway.identifiers() });
      }
    } catch (err) {
      for (const { pair } of loaded) if (targetOf(pair).kind === kind) failed(pair.id, err);
    }
  }
  for (const { pair, run } of loaded) {
    const listing = listings.get(targetOf(pair).kind);
    if (!listing) continue;
    const replica = pair.id;
    try {
      if (!run) {
        const candidates = strategyOf(pair).servingCandidates?.(pair) ?? [pair.replica.identifier];
        outcomes.push({ replica, action: await checkIdle(deps, runContext(deps, config, pair), candidates.some((id) => listing.present.has(id))) });
        continue;
      }
      const y = listing.views?.get(pair.replica.identifier);
      outcomes.push({ replica, runId: run.runId, action: await checkRun(deps, runContext(deps, config, pair), run, y) });
    } catch (err) {
      if (err instanceof StaleRunError) {
        outcomes.push({ replica, action: 'raced' });
        continue;
      }
      failed(replica, err);
    }
  }
  // A mode's own upkeep outside its runs (rename-swap deletes old instances kept past keepOldHours): never while a run
  // of the pair is active, whose instances are in flux.
  for (const { pair, run } of loaded) {
    const strategy = strategyOf(pair);
    const listing = listings.get(targetOf(pair).kind);
    if (!strategy.housekeep || run || !listing) continue;
    try {
      const done = await strategy.housekeep(deps, runContext(deps, config, pair), listing.present);
      if (done) outcomes.push({ replica: pair.id, action: `housekeeping:${done}` });
    } catch (err) {
      failed(pair.id, err);
    }
  }
  outcomes.push(...(await reportOverdueReplicas(deps, config)));
  if (failures.length > 0) throw new Error(`watchdog failed for ${failures.length} replica(s): ${failures.join('; ')}`);
  return outcomes;
}
