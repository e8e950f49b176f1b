/**
 * `npm run drill`: start a refresh now, through the same function as the nightly one, and follow it.
 */
import './cli/quiet';
import { DateTime } from 'luxon';
import { formatDuration, measure } from '../lambdas/core/measures';
import { percentile } from '../lambdas/core/report';
import type { CommonOptions } from './cli/backend';
import { backend } from './cli/backend';
import { operatorCommand, run, wholeNumber } from './cli/options';

const program = operatorCommand('drill', 'Start a refresh (an RTO drill) now, through the nightly code path. With --follow, show its progress until it closes; exits non-zero when it fails, is refused, or misses the RTO target.')
  .option('--snapshot <id>', 'restore from this snapshot instead of the newest')
  .option('--follow', 'follow the run until it closes')
  .option('--poll <seconds>', 'with --follow: seconds between progress checks', wholeNumber('--poll'), 15);

run(async () => {
  program.parse();
  const opts = program.opts<CommonOptions & { snapshot?: string; follow?: boolean; poll: number }>();
  const b = await backend(opts);
  try {
    const y = b.pair.replica.instanceId;
    const history = (await b.listRuns(y)).filter((r) => r.status === 'succeeded');
    const typical = percentile(history.map((r) => measure(r).downtimeSeconds).filter((v): v is number => v !== undefined).sort((a, c) => a - c), 0.5);
    const answer = await b.start({ replica: y, trigger: 'drill', ...(opts.snapshot ? { snapshotId: opts.snapshot } : {}) });
    if (answer.outcome !== 'started') {
      console.error(`drill not started: ${answer.outcome}${'reason' in answer ? `: ${answer.reason}` : ''}`);
      return 1;
    }
    console.log(`drill ${answer.runId} started on ${y}${b.kind === 'local' ? ' (simulation)' : ''}: restoring from ${answer.snapshot.id}`);
    if (!opts.follow) {
      console.log(`follow it with: npm run drill -- --replica ${y} --follow, or npm run report -- --replica ${y}`);
      return 0;
    }
    const started = b.now().getTime();
    let last = '';
    for (;;) {
      await b.wait(opts.poll * 1000);
      const active = await b.activeRun(y);
      const elapsed = (b.now().getTime() - started) / 1000;
      if (!active || active.runId !== answer.runId || active.status !== 'active') break;
      const remaining = typical !== undefined ? Math.max(0, typical - elapsed) : undefined;
      const line = `phase ${active.phase ?? '?'}, ${formatDuration(elapsed)} elapsed${remaining !== undefined ? `, about ${formatDuration(remaining)} to go (median downtime of ${history.length} run(s))` : ''}`;
      if (line !== last) console.log(`${DateTime.fromJSDate(b.now()).setZone(b.config.timeZone).toFormat('HH:mm:ss ZZZZ')}  ${line}`);
      last = line;
    }
    const closed = (await b.listRuns(y)).find((r) => r.runId === answer.runId);
    if (!closed) {
      console.error(`run ${answer.runId} is no longer active but is not in the ledger's history yet; check npm run report`);
      return 1;
    }
    const m = measure(closed);
    const missed = m.restoreSeconds !== undefined && m.restoreSeconds > b.config.rtoTargetMinutes * 60;
    console.log(`\nrun ${closed.runId} ${closed.status}: downtime ${formatDuration(m.downtimeSeconds)}, restore ${formatDuration(m.restoreSeconds)} (target ${b.config.rtoTargetMinutes} min${missed ? ', MISSED' : ''}), data age ${formatDuration(m.dataAgeSeconds)}${closed.reason ? `\nwhy: ${closed.reason}` : ''}`);
    return closed.status === 'succeeded' && !missed ? 0 : 1;
  } finally {
    await b.close();
  }
});
