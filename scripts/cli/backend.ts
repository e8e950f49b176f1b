/**
 * Where the operator commands act: the deployed stack (standard AWS credential chain) or the local
 * simulation (`--local`). Both start refreshes through start-refresh and read the same ledger shape.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { DynamoLedger, ledgerClient } from '../../lambdas/aws/ledger';
import { FunctionInvoker, lambdaClient } from '../../lambdas/aws/functions';
import { STACK_OUTPUTS, cloudFormationClient, stackOutputs } from '../../lambdas/aws/stack';
import type { RunRecord } from '../../lambdas/kernel/model';
import type { StartResult } from '../../lambdas/refresh/start';
import type { Config, PairConfig } from '../../lambdas/kernel/config';
import { parseConfig, parseConfigText, replicaRefreshOf } from '../../lambdas/kernel/config';
import type { SimEngine } from '../sim/engines';
import type { SimAuroraEngine } from '../sim/aurora-world';
import type { FaultSpec } from '../sim/world';

/** What start-refresh answers; `rejected` when the request itself was malformed. */
export type StartAnswer = StartResult | { outcome: 'rejected'; reason: string };

/** The operations the commands need. */
export interface Backend {
  readonly kind: 'aws' | 'local';
  readonly config: Config;
  readonly pair: PairConfig;
  /** Invokes start-refresh and returns its answer. */
  start(request: { replica: string; trigger: 'drill'; requestId?: string; snapshotId?: string; dryRun?: boolean }): Promise<StartAnswer>;
  activeRun(replica: string): Promise<RunRecord | undefined>;
  listRuns(replica: string, since?: Date): Promise<RunRecord[]>;
  now(): Date;
  /** Lets time pass: real time against AWS, virtual time in the simulation. */
  wait(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Options every command shares. */
export interface CommonOptions {
  replica: string;
  config: string;
  local?: boolean;
  nights: number;
  seed: number;
  faults?: string;
  stack?: string;
  /** With --local: the engine of every simulated pair. */
  engine?: SimEngine | SimAuroraEngine;
  /** With --local: measure what clients saw with a SQL probe (commander's --no-probe sets false). */
  probe?: boolean;
  /** With --local: the refresh mode of every simulated pair. */
  mode?: 'delete-first' | 'rename-swap' | 'dns-switch';
}

/** The raw `replicaRefresh` value of a cdk.json file (a BOM is fine), with errors that name the file and what to do. */
export function readConfigFile(configPath: string): unknown {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${configPath}: ${(err as Error).message}; run from the project folder or pass --config`);
  }
  return replicaRefreshOf(parseConfigText(text, configPath), configPath);
}

/** Reads cdk.json's configuration and finds the pair of a replica, with errors that say what to do. */
export function loadPair(configPath: string, replica: string): { config: Config; pair: PairConfig; raw: unknown } {
  const raw = readConfigFile(configPath);
  const config = parseConfig(raw);
  // The pair's id first; y's instance identifier also finds it, as people know y by it too.
  const wanted = replica.toLowerCase();
  const byId = config.pairs.filter((p) => p.id === wanted);
  const matches = byId.length > 0 ? byId : config.pairs.filter((p) => p.replica.identifier === wanted);
  if (matches.length > 1) throw new Error(`${replica} names a replica in each of ${matches.map((p) => p.replica.region).join(', ')}; give the pairs their own "id" in ${configPath} to tell them apart`);
  const pair = matches[0];
  if (!pair) throw new Error(`${replica} is not a replica in ${configPath}; configured: ${config.pairs.map((p) => p.id).join(', ')}`);
  return { config, pair, raw };
}

/** Parses `--faults a,b@2`. */
export function parseFaults(spec: string | undefined, known: readonly string[]): FaultSpec[] {
  return (spec ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const [name = '', night] = f.split('@');
      if (!known.includes(name)) throw new Error(`unknown fault "${name}"; choose from: ${known.join(', ')}`);
      if (night !== undefined && !/^[1-9]\d*$/.test(night)) throw new Error(`fault "${f}": the night after @ must be a whole number from 1`);
      return { name: name as FaultSpec['name'], ...(night ? { night: Number(night) } : {}) };
    });
}

/** The deployed stack of the replica's region. */
export async function awsBackend(opts: CommonOptions): Promise<Backend> {
  if (opts.engine) throw new Error('--engine sets the engine of the local simulation: use it with --local');
  const { config, pair } = loadPair(opts.config, opts.replica);
  const region = pair.replica.region;
  const stackName = opts.stack ?? `ReplicaRefresh-${region}`;
  const outputs = await stackOutputs(cloudFormationClient(region), stackName, region);
  const table = outputs[STACK_OUTPUTS.ledgerTable];
  const fn = outputs[STACK_OUTPUTS.startRefreshFunction];
  if (!table || !fn) throw new Error(`stack ${stackName} in ${region} has no ${STACK_OUTPUTS.ledgerTable}/${STACK_OUTPUTS.startRefreshFunction} outputs; redeploy it with this version ("npx cdk deploy ${stackName}")`);
  const ledger = new DynamoLedger(ledgerClient(region), table);
  const invoker = new FunctionInvoker(lambdaClient(region));
  return {
    kind: 'aws',
    config,
    pair,
    start: (request) => invoker.invoke<StartAnswer>(fn, request),
    activeRun: (replica) => ledger.getActiveRun(replica),
    listRuns: (replica, since) => ledger.listRuns(replica, since ? { since } : {}),
    now: () => new Date(),
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    close: () => Promise.resolve(),
  };
}

/** The simulation, with `nights` nights of history already run. */
export async function localBackend(opts: CommonOptions): Promise<Backend> {
  const { Simulation, FAULTS } = await import('../sim/world');
  const { config, pair, raw } = loadPair(opts.config, opts.replica);
  const { PROBE_MAX_PAIRS } = await import('../sim/client-probe');
  const pairs = (raw as { pairs?: unknown[] } | undefined)?.pairs?.length ?? 0;
  const sim = await Simulation.create({
    config: raw,
    seed: opts.seed,
    faults: parseFaults(opts.faults, Object.keys(FAULTS)),
    ...(opts.engine ? { engine: opts.engine } : {}),
    ...(opts.mode ? { mode: opts.mode } : {}),
    probe: opts.probe !== false && pairs <= PROBE_MAX_PAIRS,
  });
  await sim.runNights(opts.nights);
  // On to 01:30 UTC: tonight's copy of x's snapshot has landed and the nightly refresh has not started yet.
  await sim.runUntil(sim.clock.millis + 13.5 * 3_600_000);
  return {
    kind: 'local',
    config,
    pair,
    start: async (request) => (await sim.startRefresh.invoke(request)) as StartAnswer,
    activeRun: (replica) => sim.activeRun(replica),
    listRuns: (replica, since) => sim.ledger.listRuns(replica, since ? { since } : {}),
    now: sim.clock.now,
    wait: (ms) => sim.runUntil(sim.clock.millis + ms),
    close: () => sim.close(),
  };
}

/** The backend the options ask for. */
export function backend(opts: CommonOptions): Promise<Backend> {
  return opts.local ? localBackend(opts) : awsBackend(opts);
}

/** `30d`, `12h`, `2w`, or a date (or date and time) read in the configured zone. */
export function parseSince(value: string, now: Date, zone: string): Date {
  const m = /^(\d+)([hdw])$/.exec(value.trim());
  if (m) {
    const hours = Number(m[1]) * { h: 1, d: 24, w: 24 * 7 }[m[2] as 'h' | 'd' | 'w'];
    return new Date(now.getTime() - hours * 3_600_000);
  }
  const d = DateTime.fromISO(value.trim(), { zone });
  if (!d.isValid) throw new Error(`--since "${value}" is neither a duration such as 30d, 12h or 2w, nor a date such as 2026-11-01 (read in ${zone})`);
  return d.toJSDate();
}
