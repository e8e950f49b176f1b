/**
 * `npm run history`: the runs of every replica (or one), newest first, with the same fields as the report's rows: an
 * outage still going on shows as ongoing, with its length so far.
 */
import type { ReportRow } from '../../lambdas/reporting/report';
import { checkPeriodOrder, periodOf } from '../cli/backend';
import { defineCommand, wholeNumber } from '../cli/command';
import { COLUMNS, cells, restoreHint } from '../report/format';
import { reportOf } from './runs';

interface HistoryOptions {
  since?: string;
  until?: string;
  limit: number;
}

export const history = defineCommand<HistoryOptions>({
  name: 'history',
  description: 'List the runs of every replica (or one), newest first: outcome, downtime window, downtime, restore time (RTO), data age (RPO), snapshot and why.',
  replicas: 'any',
  options: (cmd) =>
    cmd
      .option('--since <when>', 'only runs started from then: a duration back from now (30d, 12h, 2w) or a date (2026-11-01)')
      .option('--until <when>', 'only runs started before then (same forms; default: now)')
      .option('--limit <n>', 'at most this many runs (newest first)', wholeNumber('--limit'), 50),
  validate: (opts) => checkPeriodOrder(opts),
  examples: ['npm run history -- --local', 'npm run history -- --local --output json', 'npm run history -- --replica orders-staging --since 7d --limit 10'],
  run: async (ctx) => {
    const b = await ctx.backend();
    const period = periodOf(ctx.opts, b, undefined);
    const rows: ReportRow[] = [];
    const hints: string[] = [];
    for (const pair of ctx.pairs) {
      // One more than shown, so that the note below knows when older runs were left out.
      const { report } = await reportOf(b, pair, { ...period, limit: ctx.opts.limit + 1 });
      rows.push(...report.rows);
      const hint = restoreHint(report, ctx.sameTarget);
      if (hint) hints.push(hint);
    }
    rows.sort((a, c) => c.startedAt.localeCompare(a.startedAt));
    const shown = rows.slice(0, ctx.opts.limit);
    const zone = b.config.timeZone;
    const simulated = b.kind === 'local';
    ctx.emit({
      json: { simulated, timeZone: zone, ...(ctx.opts.since || b.historyStart ? { since: period.since.toISOString() } : {}), until: period.until.toISOString(), runs: shown },
      name: 'history.html',
      view: {
        title: `Runs of ${ctx.pairs.map((p) => p.id).join(', ')}, newest first${simulated ? ' (simulation)' : ''}; times in ${zone}`,
        sections: [
          {
            columns: ['replica', ...COLUMNS],
            rows: shown.map((r) => [r.replica, ...cells(r, zone)]),
            empty: '(no runs in this period)',
            notes: [...(rows.length > shown.length ? [`${rows.length - shown.length} older run(s) not shown: raise --limit or narrow --since`] : []), ...hints],
          },
        ],
      },
    });
    return 0;
  },
});
