/**
 * `npm run demo`: N simulated nights of the pairs in cdk.json, through the real handlers, printed as
 * they happen, then the table of downtime windows, restore times and data ages read from the ledger.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { FaultSpec } from './sim/world';

// Before any handler module loads: their logger stays quiet, the simulation narrates instead.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1, got "${v}"`);
    return n;
  };
}

async function main(): Promise<void> {
  const { FAULTS } = await import('./sim/world');
  const { SIM_ENGINES } = await import('./sim/engines');
  const { SIM_AURORA_ENGINES, auroraProfile } = await import('./sim/aurora-world');
  const { PROBE_MAX_PAIRS } = await import('./sim/client-probe');
  const { describeReplica, parseFaults, readConfigFile } = await import('./cli/backend');
  const program = new Command()
    .name('npm run demo --')
    .description('Simulate nightly refreshes of the pairs in cdk.json on a local, simulated AWS account (no credentials, no network).')
    .addOption(new Option('--nights <n>', 'how many nights to simulate').default(7).argParser(positiveInt('--nights')))
    .addOption(new Option('--seed <n>', 'random seed: the same seed replays the same nights').default(42).argParser(positiveInt('--seed')))
    .addOption(
      new Option('--faults <list>', `faults to inject, comma-separated, each optionally @night (e.g. lost-deletion-event@2,throttle): ${Object.keys(FAULTS).join(', ')}`).default(''),
    )
    .addOption(new Option('--speed <n>', 'run in real time at N× (0 = as fast as possible)').default(0).argParser(Number))
    .addOption(new Option('--config <path>', 'the cdk.json to read').default(join(__dirname, '..', 'cdk.json')))
    .addOption(new Option('--source-mode <mode>', "where y's data comes from, for every pair (default: as cdk.json says)").choices(['snapshot-copy', 'backup-replication']))
    .addOption(new Option('--pairs <n>', "clone the config's first pair N times (x and y numbered <id>-001, …), all in its regions: e.g. 200 pairs in one region").argParser(positiveInt('--pairs')))
    .addOption(new Option('--engine <engine>', 'the RDS engine of every simulated pair (x, its snapshots, y); an Aurora engine makes each pair two Aurora clusters').choices([...SIM_ENGINES, ...SIM_AURORA_ENGINES]).default('postgres'))
    .addOption(new Option('--mode <mode>', "the refresh mode of every pair (default: as cdk.json says): delete-first deletes y then restores it; rename-swap restores a copy beside y, validates it and swaps names; dns-switch restores the idle one of <y>-a/<y>-b, validates it and points a Route 53 record at it").choices(['delete-first', 'rename-swap', 'dns-switch']))
    .option('--no-probe', `do not measure what clients saw: a SQL probe queries a real PostgreSQL behind y's name every 5 simulated seconds around each refresh (on by default for up to ${PROBE_MAX_PAIRS} pairs; it costs a process about 3 s and 600 MiB more)`)
    .option('--quiet', 'print only the final report')
    .addHelpText(
      'after',
      `\nFaults:\n${Object.entries(FAULTS)
        .map(([k, v]) => `  ${k.padEnd(28)} ${v}`)
        .join('\n')}\n\nExamples:\n  npm run demo -- --nights 3 --faults lost-deletion-event@2,duplicate-events\n  npm run demo -- --nights 2 --source-mode backup-replication\n  npm run demo -- --nights 2 --engine sqlserver-se\n  npm run demo -- --nights 3 --engine aurora-postgresql\n  npm run demo -- --nights 3 --faults dead-event-path\n  npm run demo -- --nights 3 --mode rename-swap --faults validation-fails@2\n  npm run demo -- --pairs 200 --nights 1 --quiet`,
    );
  // A usage error exits 2, as on every command (README, "Exit codes"); help exits 0.
  program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  program.parse();
  const opts = program.opts<{ nights: number; seed: number; faults: string; speed: number; config: string; quiet?: boolean; sourceMode?: string; pairs?: number; engine: (typeof SIM_ENGINES)[number] | (typeof SIM_AURORA_ENGINES)[number]; probe: boolean; mode?: 'delete-first' | 'rename-swap' | 'dns-switch' }>();

  let faults: FaultSpec[] = [];
  try {
    faults = parseFaults(opts.faults, Object.keys(FAULTS));
  } catch (err) {
    program.error(`error: ${(err as Error).message}${(err as { hint?: string }).hint ? `\n${(err as { hint?: string }).hint}` : ''}`, { exitCode: 2 });
  }
  const late = faults.find((f) => f.night !== undefined && f.night > opts.nights);
  if (late) program.error(`error: fault "${late.name}@${late.night}": the night must be between 1 and ${opts.nights}`, { exitCode: 2 });

  let raw: { pairs?: { source?: Record<string, unknown> }[] } | undefined;
  try {
    raw = readConfigFile(opts.config) as typeof raw;
  } catch (err) {
    program.error(`error: ${(err as Error).message}${(err as { hint?: string }).hint ? `\n${(err as { hint?: string }).hint}` : ''}`, { exitCode: 2 });
  }

  if (opts.pairs !== undefined) {
    const { scaleConfig } = await import('./sim/scale');
    try {
      raw = scaleConfig(raw, opts.pairs);
    } catch (err) {
      program.error(`error: ${(err as Error).message}${(err as { hint?: string }).hint ? `\n${(err as { hint?: string }).hint}` : ''}`, { exitCode: 2 });
    }
  }
  if (opts.sourceMode && raw?.pairs) for (const pair of raw.pairs) pair.source = { ...pair.source, mode: opts.sourceMode };

  const { formatLocal } = await import('./cli/time');
  const { Simulation } = await import('./sim/world');
  const { buildReport } = await import('../lambdas/reporting/report');
  const { renderTable } = await import('./report/format');
  const started = Date.now();
  let zone = 'UTC';
  const sim = await Simulation.create({
    config: raw,
    seed: opts.seed,
    faults,
    engine: opts.engine,
    ...(opts.mode ? { mode: opts.mode } : {}),
    probe: opts.probe && (raw?.pairs?.length ?? 0) <= PROBE_MAX_PAIRS,
    onStep: (s) => {
      if (opts.quiet || s.kind === 'snapshot') return;
      const when = formatLocal(s.time, zone, 'ccc yyyy-MM-dd HH:mm:ss');
      console.log(`${when}  ${s.replica === '*' ? '' : `${s.replica}: `}${s.text}`);
    },
  });
  zone = sim.config.timeZone;
  try {
    // Every pair for a few; the first three and a count for many (a 200-pair config is one line, not 200).
    const pairs = sim.pairs.map((p) => `${p.source.identifier} (${p.source.region}) → ${p.replica.identifier} (${p.replica.region})`);
    const which = pairs.length > 3 ? `${pairs.length} pairs: ${pairs.slice(0, 3).join(', ')}, … and ${pairs.length - 3} more` : pairs.join(', ');
    console.log(
      `Simulating ${opts.nights} night(s) of ${which} on ${sim.aurora ? `Aurora clusters, ${sim.aurora} ${auroraProfile(sim.aurora).version}` : `${sim.engine.engine} ${sim.engine.sourceVersion}`}` +
        `, seed ${opts.seed}${faults.length ? `, faults: ${faults.map((f) => `${f.name}${f.night ? `@${f.night}` : ''}`).join(', ')}` : ''}. Times in ${zone}.\n`,
    );
    await sim.runNights(opts.nights, opts.speed);
    for (const pair of sim.pairs) {
      const active = await sim.activeRun(pair.id);
      const runs = [...(await sim.history(pair.id)), ...(active ? [active] : [])];
      // The period is the simulated one: from its first day to now; an outage still going on is shown as ongoing.
      const state = await describeReplica(sim.operatorRdsClient(pair.replica.region), pair, sim.operatorDns());
      const report = buildReport(runs, { replica: pair.id, since: sim.historyStart, until: sim.clock.now(), timeZone: zone, rtoTargetMinutes: sim.config.rtoTargetMinutes, replicaMissing: !state.exists });
      console.log(`\n${renderTable({ simulated: true, since: report.since, until: report.until, timeZone: zone, rtoTargetMinutes: report.rtoTargetMinutes, reports: [report] })}`);
      if (active) console.log(`still active: run ${active.runId} in phase ${active.phase ?? '?'}`);
    }
    const refreshed = (await Promise.all(sim.pairs.map(async (p) => (await sim.history(p.id)).some((r) => r.status === 'succeeded')))).filter(Boolean).length;
    console.log(`\n${refreshed} of ${sim.pairs.length} pair(s) refreshed successfully at least once.`);
    // An alarm over the replicas is named with the replicas it was (or is) in ALARM for, its contributors.
    const withReplicas = (name: string, replicas: string[]) => {
      const unique = [...new Set(replicas)];
      return unique.length === 0 ? name : `${name} (${unique.slice(0, 5).join(', ')}${unique.length > 5 ? ` and ${unique.length - 5} more` : ''})`;
    };
    if (sim.alarms.length > 0) {
      const fired = [...new Set(sim.alarms.map((a) => a.name))].map((name) => withReplicas(name, sim.alarms.filter((a) => a.name === name && a.contributor?.replica).map((a) => a.contributor?.replica ?? '')));
      console.log(`\nalarms fired: ${fired.join('; ')}`);
    }
    const stillAlarming = sim.cloudwatch.alarms
      .filter((a) => sim.cloudwatch.state(a.name) === 'ALARM')
      .map((a) => withReplicas(a.name, sim.cloudwatch.contributors(a.name).filter((c) => c.state === 'ALARM').map((c) => c.attributes.replica ?? '')));
    if (stillAlarming.length > 0) console.log(`in ALARM at the end: ${stillAlarming.join('; ')}`);
    for (const path of sim.stack.eventPaths) {
      const sub = sim.rds.subscription(path.subscriptionName);
      console.log(`event subscription ${path.subscriptionName}: ${sub ? `${sub.Status}${sub.SourceIdsList ? `, SourceIds ${sub.SourceIdsList.join(', ')}` : `, all ${path.sourceType ?? ''} sources`}` : `not created (${sim.eventSubscriptionError ?? '?'})`}`);
    }
    for (const line of (await sim.vault?.summary()) ?? []) console.log(line);
    console.log(`\nsimulated ${opts.nights} night(s) in ${((Date.now() - started) / 1000).toFixed(1)} s of real time.`);
  } finally {
    await sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
