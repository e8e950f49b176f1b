/**
 * `npm run report`: per replica, the downtime windows, restore times (RTO) and data ages (RPO) of a period, with a
 * summary an auditor can read; an outage still going on counts, with its length so far.
 */
import { checkPeriodOrder, periodOf } from '../cli/backend';
import { defineCommand } from '../cli/command';
import type { ReportSet } from '../report/format';
import { render, restoreHint } from '../report/format';
import { reportOf } from './runs';

interface ReportOptions {
  since: string;
  until?: string;
}

export const report = defineCommand<ReportOptions>({
  name: 'report',
  description: "Report every replica's (or one's) refreshes: downtime windows in the configured time zone, restore time (RTO), data age (RPO: the data's age when y became usable), outcome and drift, with a summary. An outage still going on is shown as ongoing and counted. Exits 1 when a replica is missing.",
  replicas: 'any',
  options: (cmd) =>
    cmd
      .option('--since <when>', 'start of the period: a duration back from now (30d, 12h, 2w) or a date (2026-11-01); in the simulation, at most its first night', '30d')
      .option('--until <when>', 'end of the period (same forms; default: now)'),
  validate: (opts) => checkPeriodOrder(opts),
  examples: ['npm run report -- --local', 'npm run report -- --local --output json', 'npm run report -- --local --output html', 'npm run report -- --replica orders-staging --since 2026-11-01 --output csv --out-file runs.csv'],
  run: async (ctx) => {
    const b = await ctx.backend();
    const period = periodOf(ctx.opts, b, '30d');
    const reports = [];
    for (const pair of ctx.pairs) reports.push((await reportOf(b, pair, period)).report);
    const json: ReportSet = { simulated: b.kind === 'local', since: period.since.toISOString(), until: period.until.toISOString(), timeZone: b.config.timeZone, rtoTargetMinutes: b.config.rtoTargetMinutes, reports };
    ctx.emit({ json, render: (format) => render({ ...json, sameTarget: ctx.sameTarget }, format), name: `report-${ctx.pairs.length === 1 ? ctx.pairs[0]!.id : 'replicas'}.html` });
    // A replica that is missing now needs a human: the same exit as status.
    return reports.some((r) => restoreHint(r) !== undefined) ? 1 : 0;
  },
});
