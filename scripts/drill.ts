/**
 * `npm run drill`: start a refresh now, through the same function as the nightly one, and follow it.
 */
import './cli/quiet';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { formatDuration, measure, rtoMissed } from '../lambdas/reporting/measures';
import { percentile } from '../lambdas/reporting/report';
import type { CommonOptions } from './cli/backend';
import { backend } from './cli/backend';
import { operatorCommand, run, wholeNumber } from './cli/options';

const program = operatorCommand('drill', 'Start a refresh (an RTO drill) now, through the nightly code path. With --follow, show its progress until it closes; exits non-zero when it fails, is refused, or misses the RTO target.')
  .option('--snapshot <id>', 'restore from this snapshot instead of the newest')
  .option('--follow', 'follow the run until it closes')
  .option('--poll <seconds>', 'with --follow: seconds between progress checks', wholeNumber('--poll'), 15)
  .option('--timeout <minutes>', 'with --follow: give up following after this long (the run goes on; exit 3)', wholeNumber('--timeout'));

run(async () => {
  program.parse();
  const opts = program.opts<CommonOptions & { snapshot?: string; follow?: boolean; poll: number; timeout?: number }>();
  const b = await backend(opts);
  try {
    const y = b.pair.id;
    const history = (await b.listRuns(y)).filter((r) => r.status === 'succeeded');
    const typical = percentile(history.map((r) => measure(r).downtimeSeconds).filter((v): v is number => v !== undefined).sort((a, c) => a - c), 0.5);
    // A request id makes a repeated invoke (a retry, a double click) a no-op instead of a second, refused start.
    const requestId = `drill-${randomUUID()}`;
    let answer;
    try {
      answer = await b.start({ replica: y, trigger: 'drill', requestId, ...(opts.snapshot ? { snapshotId: opts.snapshot } : {}) });
    } catch (err) {
      // The invoke failed or timed out, but start-refresh may have got far: the ledger says.
      const active = await b.activeRun(y);
      if (active?.requestId !== requestId) throw err;
      console.error(`start-refresh reported an error (${(err as Error).message}), but the drill is running as run ${active.runId}`);
      answer = { outcome: 'duplicate' as const, runId: active.runId };
    }
    if (answer.outcome !== 'started' && answer.outcome !== 'duplicate' && answer.outcome !== 'healing') {
      console.error(`drill not started: ${answer.outcome}${'reason' in answer ? `: ${answer.reason}` : ''}`);
      return 1;
    }
    const what = answer.outcome === 'started' ? `: restoring from ${answer.snapshot.id}` : answer.outcome === 'healing' ? `: ${y} was missing after run ${answer.healsRunId}; restoring it (heal)` : '';
    console.log(`drill ${answer.runId} started on ${y}${b.kind === 'local' ? ' (simulation)' : ''}${what}`);
    if (!opts.follow) {
      console.log(`follow it with: npm run report -- --replica ${y} (the run's id is ${answer.runId})`);
      return 0;
    }
    const zone = b.config.timeZone;
    const started = b.now().getTime();
    const deadline = opts.timeout ? started + opts.timeout * 60_000 : Infinity;
    let lastPhase = '';
    let lastPrinted = 0;
    for (;;) {
      await b.wait(opts.poll * 1000);
      const active = await b.activeRun(y);
      const elapsed = (b.now().getTime() - started) / 1000;
      // Closed but not yet archived counts as closed: the run's final state is already on it.
      if (!active || active.runId !== answer.runId || active.status !== 'active') break;
      if (b.now().getTime() > deadline) {
        console.error(`stopped following after ${opts.timeout} min; run ${answer.runId} goes on (phase ${active.phase ?? '?'}): npm run report -- --replica ${y}`);
        return 3;
      }
      const phase = active.phase ?? '?';
      // Print on every phase change, and otherwise every five minutes.
      if (phase === lastPhase && elapsed - lastPrinted < 300) continue;
      lastPhase = phase;
      lastPrinted = elapsed;
      const expected = typical === undefined ? '' : elapsed <= typical ? `, about ${formatDuration(typical - elapsed)} to go (median downtime of ${history.length} run(s))` : `, ${formatDuration(elapsed - typical)} over the median downtime`;
      console.log(`${DateTime.fromJSDate(b.now()).setZone(zone).toFormat('HH:mm:ss ZZZZ')}  phase ${phase}, ${formatDuration(elapsed)} elapsed${expected}`);
    }
    const closing = await b.activeRun(y);
    const closed = closing?.runId === answer.runId ? closing : (await b.listRuns(y)).find((r) => r.runId === answer.runId);
    if (!closed) {
      console.error(`run ${answer.runId} is no longer active but is not in the ledger's history yet; check npm run report`);
      return 1;
    }
    const m = measure(closed);
    // The one definition of a missed RTO (notification, metric, report): slower than the target, or no y at all.
    const missed = rtoMissed(closed, b.config.rtoTargetMinutes);
    console.log(`\nrun ${closed.runId} ${closed.status}: downtime ${formatDuration(m.downtimeSeconds)}, restore ${formatDuration(m.restoreSeconds)} (target ${b.config.rtoTargetMinutes} min${missed ? ', MISSED' : ''}), data age ${formatDuration(m.dataAgeSeconds)}${closed.reason ? `\nwhy: ${closed.reason}` : ''}`);
    return closed.status === 'succeeded' && !missed ? 0 : 1;
  } finally {
    await b.close();
  }
});
