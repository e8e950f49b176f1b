/**
 * `npm run bench`: what the pipeline itself costs, on top of RDS's own delete and restore times.
 * Prints every figure with its method and the machine, writes bench-output/bench.json, and with --compare shows
 * the change against an earlier run (scripts/bench/reference.json is the committed one). A benchmark, not a test: nothing here passes or fails
 * except on errors; targets are reported as met or missed.
 */
import './cli/quiet';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as os from 'node:os';
import { Command, Option } from 'commander';
import type { ColdStartResult } from './bench/cold-start';
import type { HopsResult } from './bench/hops';
import type { DowntimeResult, PerRefreshResult } from './bench/refresh';
import type { ScaleResult } from './bench/scale';
import type { SelectionResult } from './bench/selection';
import type { ModesResult } from './bench/modes';

/** Everything bench.json holds. */
interface BenchJson {
  version: 1;
  takenAt: string;
  machine: { cpu: string; cores: number; memoryGiB: number; platform: string; node: string };
  hops: HopsResult;
  coldStart: ColdStartResult;
  selection: SelectionResult;
  perRefresh: PerRefreshResult;
  downtime: DowntimeResult;
  scale: ScaleResult;
  /** Sections 4 and 5 again for a pair of Aurora clusters (absent in figures taken before clusters). */
  aurora?: { perRefresh: PerRefreshResult; downtime: DowntimeResult };
  /** Section 7: the three refresh modes side by side (absent in figures taken before the modes). */
  modes?: ModesResult;
}

const TARGETS = { hopP99WarmMs: 50, initMs: 100, overheadPercent: 0.1 };

function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got ${JSON.stringify(v)}`);
    return n;
  };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')).join('\n');
}

function render(b: BenchJson): string {
  const out: string[] = [];
  out.push(`replica-refresh bench, ${b.takenAt}`);
  out.push(`machine: ${b.machine.cpu}, ${b.machine.cores} cores, ${b.machine.memoryGiB} GiB, ${b.machine.platform}, Node ${b.machine.node}\n`);

  out.push('1. Overhead per hop (ms)');
  out.push(table([['hop', 'warm p50', 'warm p99', 'cold p50', 'cold p99', 'ledger calls', `target p99 warm < ${TARGETS.hopP99WarmMs}`], ...b.hops.hops.map((h) => [h.hop, fmt(h.warmMs.p50), fmt(h.warmMs.p99), fmt(h.coldMs.p50), fmt(h.coldMs.p99), h.ledgerCalls, met(h.warmMs.p99 < TARGETS.hopP99WarmMs)])]));
  out.push(`   method: ${b.hops.method}\n`);

  out.push('2. Cold start');
  out.push(
    table([
      ['function', 'bundle KiB', 'init p50 ms', 'init p90 ms', 'p50 with NODE_OPTIONS', 'unbundled KiB', 'unbundled init p50', 'init ratio', 'size ratio', `target < ${TARGETS.initMs} ms`],
      ...b.coldStart.figures.map((f) => [
        f.function,
        fmt(f.bundleBytes / 1024, 0),
        fmt(f.initMs.median),
        fmt(f.initMs.p90),
        f.withNodeOptions ? fmt(f.withNodeOptions.initMs.median) : '-',
        fmt(f.unbundled.bytes / 1024, 0),
        fmt(f.unbundled.initMs.median),
        fmt(f.initRatio, 2),
        fmt(f.sizeRatio, 2),
        met(f.initMs.median < TARGETS.initMs),
      ]),
    ]),
  );
  out.push(`   method: ${b.coldStart.method}\n`);

  out.push('3. Snapshot selection at scale');
  out.push(table([['snapshots of x', 'other snapshots', 'DescribeDBSnapshots calls', 'our CPU ms', 'wall ms'], ...b.selection.figures.map((f) => [f.snapshotsOfX, f.otherSnapshots, f.describeCalls, fmt(f.cpuMs), fmt(f.wallMs)])]));
  out.push(`   independent of other instances' snapshots: ${b.selection.independentOfOthers ? 'yes (same calls with 0 and with the others)' : 'NO'}`);
  out.push(`   method: ${b.selection.method}\n`);

  const p = b.perRefresh;
  out.push(`4. Per refresh (${p.succeeded} of ${p.nights} simulated nights succeeded; per day, one refresh a day)`);
  out.push(table([['function', 'invocations/day', 'billed GB-s/day', 'p50 ms', 'max ms'], ...p.functions.map((f) => [f.function, fmt(f.invocationsPerDay), fmt(f.billedGbSecondsPerDay, 4), fmt(f.durationMs.p50), fmt(f.durationMs.max)]), ['total', fmt(p.totalInvocationsPerDay), fmt(p.totalBilledGbSecondsPerDay, 4), '', '']]));
  out.push(`   RDS API calls per day: ${Object.entries(p.rdsCallsPerDay).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  out.push(`   no handler waits on RDS: ${p.noWaitProof}`);
  out.push(`   method: ${p.method}\n`);

  out.push('5. Downtime breakdown (s, medians)');
  out.push(
    table([
      ['design', 'RDS delete', 'event delivery (AWS)', 'pipeline', 'RDS restore', 'downtime', 'client-seen (probe)', 'pipeline share', `target < ${TARGETS.overheadPercent}%`],
      ...b.downtime.rows.map((r, i) => [
        r.design,
        fmt(r.rdsDeleteS),
        fmt(r.eventDeliveryS),
        r.pipelineS < 1 ? r.pipelineS.toFixed(3) : fmt(r.pipelineS),
        fmt(r.rdsRestoreS),
        fmt(r.downtimeS),
        r.clientDowntimeS === undefined ? '-' : fmt(r.clientDowntimeS),
        `${r.overheadPercent.toFixed(r.overheadPercent < 1 ? 4 : 2)}%`,
        i === 0 ? met(r.overheadPercent < TARGETS.overheadPercent) : '',
      ]),
    ]),
  );
  out.push(`   method: ${b.downtime.method}\n`);

  if (b.aurora) {
    const a = b.aurora.perRefresh;
    const r = b.aurora.downtime.rows[0];
    out.push(`4a/5a. An Aurora cluster pair (${a.succeeded} of ${a.nights} simulated nights succeeded)`);
    out.push(table([['function', 'invocations/day', 'billed GB-s/day', 'p50 ms', 'max ms'], ...a.functions.map((f) => [f.function, fmt(f.invocationsPerDay), fmt(f.billedGbSecondsPerDay, 4), fmt(f.durationMs.p50), fmt(f.durationMs.max)]), ['total', fmt(a.totalInvocationsPerDay), fmt(a.totalBilledGbSecondsPerDay, 4), '', '']]));
    out.push(`   RDS API calls per day: ${Object.entries(a.rdsCallsPerDay).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    if (r) {
      out.push(
        `   downtime (s, medians): RDS delete (members, then cluster) ${fmt(r.rdsDeleteS)}, event delivery ${fmt(r.eventDeliveryS)}, RDS restore ${fmt(r.rdsRestoreS)}` +
          `${r.aurora ? ` (the cluster ${fmt(r.aurora.clusterRestoreS)}, then its writer ${fmt(r.aurora.writerS)})` : ''}, downtime ${fmt(r.downtimeS)}` +
          `${r.clientDowntimeS === undefined ? '' : `, client-seen ${fmt(r.clientDowntimeS)} (probe)`}; pipeline share ${r.overheadPercent.toFixed(4)}%`,
      );
    }
    out.push(`   method: ${a.method}\n`);
  }

  out.push(`6. Scale: ${b.scale.pairs} pairs in one region`);
  out.push(`   watchdog RDS calls per tick: ${b.scale.watchdogRdsCallsPerTick} (${Object.entries(b.scale.byCommand).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  if (b.scale.aurora) out.push(`   the same ${b.scale.pairs} pairs as Aurora clusters, at rest: ${b.scale.aurora.watchdogRdsCallsPerTick} (${Object.entries(b.scale.aurora.byCommand).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  out.push(`   method: ${b.scale.method}`);
  if (b.modes) {
    const m = b.modes;
    out.push(`\n7. Refresh modes side by side (${m.modes[0]?.nights ?? 0} simulated nights each; medians of succeeded runs)`);
    out.push(
      table([
        ['mode', 'succeeded', 'downtime window s', 'client-seen s', 'restore (RTO) s', 'extra instance-h/night', 'RDS calls/night'],
        ...m.modes.map((f) => [f.mode, `${f.succeeded}/${f.nights}`, fmt(f.downtimeS), fmt(f.clientDowntimeS), fmt(f.restoreS), fmt(f.extraInstanceHoursPerNight, 2), fmt(f.rdsCallsPerNight)]),
      ]),
    );
    out.push(`   goals: dns-switch client-seen under 30 s: ${met(m.goals.dnsSwitchUnder30s)}; rename-swap at most 10% of delete-first: ${met(m.goals.renameSwapWithin10Percent)} (${(100 * m.goals.renameSwapRatio).toFixed(1)}%: RDS makes a renamed instance's new name resolve in about 10 minutes)`);
    out.push(`   method: ${m.method}`);
  }
  return out.join('\n');
}

/** The figures a comparison looks at: name → value (lower is better for all). */
function keyFigures(b: BenchJson): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of b.hops.hops) out[`hop ${h.hop} warm p99 ms`] = h.warmMs.p99;
  for (const f of b.coldStart.figures) {
    out[`${f.function} bundle KiB`] = f.bundleBytes / 1024;
    out[`${f.function} init p50 ms`] = f.initMs.median;
    if (f.withNodeOptions) out[`${f.function} init p50 ms with NODE_OPTIONS`] = f.withNodeOptions.initMs.median;
  }
  const largest = b.selection.figures.at(-1);
  if (largest) out[`selection ${largest.snapshotsOfX}+${largest.otherSnapshots} describe calls`] = largest.describeCalls;
  out['billed GB-s per day'] = b.perRefresh.totalBilledGbSecondsPerDay;
  out['invocations per day'] = b.perRefresh.totalInvocationsPerDay;
  out['pipeline share of downtime %'] = b.downtime.rows[0]?.overheadPercent ?? 0;
  const client = b.downtime.rows[0]?.clientDowntimeS;
  if (client !== undefined) out['client-seen downtime s (delete-first, median)'] = client;
  if (b.scale) out[`watchdog RDS calls per tick, ${b.scale.pairs} pairs`] = b.scale.watchdogRdsCallsPerTick;
  for (const f of b.modes?.modes ?? []) out[`${f.mode}: client-seen downtime s (median)`] = f.clientDowntimeS;
  if (b.aurora) {
    out['Aurora: billed GB-s per day'] = b.aurora.perRefresh.totalBilledGbSecondsPerDay;
    out['Aurora: pipeline share of downtime %'] = b.aurora.downtime.rows[0]?.overheadPercent ?? 0;
  }
  return out;
}

function compare(now: BenchJson, before: BenchJson, file: string): string {
  const a = keyFigures(before);
  const b = keyFigures(now);
  const rows = Object.keys(b).map((k) => {
    const was = a[k];
    if (was === undefined) return [k, '-', fmt(b[k]!, 2), 'new'];
    const change = was === 0 ? 0 : (100 * (b[k]! - was)) / was;
    return [k, fmt(was, 2), fmt(b[k]!, 2), `${change >= 0 ? '+' : ''}${change.toFixed(1)}%`];
  });
  return [`Compared with ${file} (${before.takenAt}, ${before.machine.cpu}, Node ${before.machine.node}):`, table([['figure', 'before', 'now', 'change'], ...rows])].join('\n');
}

async function main(): Promise<void> {
  const program = new Command()
    .name('npm run bench --')
    .description("Measure what the pipeline itself costs: hop latency, cold start, snapshot selection at scale, cost per refresh, the pipeline's share of downtime, and the watchdog's RDS calls at 200 pairs. Writes bench-output/bench.json.")
    .addOption(new Option('--iterations <n>', 'refresh cycles for the hop latencies, warm and cold each').default(200).argParser(positiveInt('--iterations')))
    .addOption(new Option('--runs <n>', 'fresh processes per build for the init time').default(10).argParser(positiveInt('--runs')))
    .addOption(new Option('--nights <n>', 'simulated nights for the per-refresh cost and the downtime breakdown').default(14).argParser(positiveInt('--nights')))
    .addOption(new Option('--out <file>', 'where to write the figures').default('bench-output/bench.json'))
    .addOption(new Option('--compare <file>', 'an earlier figures file to compare against (the committed reference: scripts/bench/reference.json)'))
    .addHelpText('after', '\nExamples:\n  npm run bench\n  npm run bench -- --compare scripts/bench/reference.json');
  program.parse();
  const opts = program.opts<{ iterations: number; runs: number; nights: number; out: string; compare?: string }>();
  let before: BenchJson | undefined;
  if (opts.compare) {
    try {
      before = JSON.parse(readFileSync(opts.compare, 'utf8')) as BenchJson;
    } catch (err) {
      program.error(`cannot read --compare ${opts.compare}: ${(err as Error).message}`);
    }
  }
  const log = (line: string) => console.error(line);
  const started = Date.now();
  const step = (n: number, what: string) => log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${n}/7 ${what}`);

  step(1, `hop latency: ${opts.iterations} warm + ${opts.iterations} cold refresh cycles`);
  const hops = await (await import('./bench/hops')).measureHops({ iterations: opts.iterations, log });
  step(2, `cold start: synth with bundling, ${opts.runs} fresh processes per build`);
  const coldStart = await (await import('./bench/cold-start')).measureColdStart({ runs: opts.runs, log });
  step(3, 'snapshot selection: 50 / 500 / 5,000 snapshots of x, with and without 50,000 others');
  const selection = await (await import('./bench/selection')).measureSelection({ log });
  step(4, `per refresh and downtime: ${opts.nights} simulated nights`);
  const deletedHop = hops.hops.find((h) => h.hop.startsWith('deleted'));
  const { perRefresh, downtime } = await (await import('./bench/refresh')).measureRefresh({ nights: opts.nights, pipelineMs: deletedHop?.warmMs.p50 ?? 0, log });
  step(4, `per refresh and downtime of an Aurora cluster pair: ${opts.nights} simulated nights`);
  const aurora = await (await import('./bench/refresh')).measureRefresh({ nights: opts.nights, pipelineMs: deletedHop?.warmMs.p50 ?? 0, engine: 'aurora-postgresql', log });
  step(5, 'scale: the watchdog over 200 pairs of one region');
  const scale = await (await import('./bench/scale')).measureScale({ log });
  step(6, `refresh modes side by side: ${opts.nights} simulated nights of each mode`);
  const modes = await (await import('./bench/modes')).measureModes({ nights: opts.nights, log });
  step(7, 'done');

  const cpus = os.cpus();
  const result: BenchJson = {
    version: 1,
    takenAt: new Date().toISOString(),
    machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()} ${os.arch()}`, node: process.version },
    hops,
    coldStart,
    selection,
    perRefresh,
    downtime,
    scale,
    aurora,
    modes,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(render(result));
  if (before && opts.compare) console.log(`\n${compare(result, before, opts.compare)}`);
  console.log(`\nwrote ${opts.out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
