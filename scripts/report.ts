/**
 * `npm run report`: downtime windows, restore times and data ages of a replica, from the ledger.
 */
import './cli/quiet';
import { writeFileSync } from 'node:fs';
import { Option } from 'commander';
import { buildReport } from '../lambdas/reporting/report';
import type { CommonOptions } from './cli/backend';
import { backend, loadPair, parseSince } from './cli/backend';
import { operatorCommand, run } from './cli/options';
import type { Format } from './report/format';
import { FORMATS, render } from './report/format';

const program = operatorCommand('report', "Report a replica's refreshes: downtime windows in the configured time zone, restore time (RTO), data age (RPO), outcome and drift, with a summary.")
  .option('--since <when>', 'start of the period: a duration back from now (30d, 12h, 2w) or a date (2026-11-01)', '30d')
  .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('table'))
  .option('--output <file>', 'write to a file instead of standard output (html defaults to report-<replica>.html)');

run(async () => {
  program.parse();
  const opts = program.opts<CommonOptions & { since: string; format: Format; output?: string }>();
  // Check --since before the slow part (the AWS lookup or the simulated history).
  parseSince(opts.since, new Date(), loadPair(opts.config, opts.replica).config.timeZone);
  const b = await backend(opts);
  try {
    const since = parseSince(opts.since, b.now(), b.config.timeZone);
    const active = await b.activeRun(b.pair.id);
    // The run in progress (an outage now) belongs in the report too.
    const runs = [...(await b.listRuns(b.pair.id, since)), ...(active ? [active] : [])];
    const report = buildReport(runs, { replica: b.pair.id, since, until: b.now(), timeZone: b.config.timeZone, rtoTargetMinutes: b.config.rtoTargetMinutes });
    const text = render(b.kind === 'local' ? { ...report, replica: `${report.replica} (SIMULATED)` } : report, opts.format);
    const output = opts.output ?? (opts.format === 'html' ? `report-${b.pair.id}.html` : undefined);
    if (output) {
      writeFileSync(output, text);
      console.error(`wrote ${output} (${report.rows.length} run(s)${b.kind === 'local' ? ', from the simulation' : ''})`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  } finally {
    await b.close();
  }
});
