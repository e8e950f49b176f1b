/**
 * Where the operator commands act: the deployed stacks (the standard AWS credential chain, `--profile`), one per
 * replica region, or the local simulation (`--local`). Both start runs through start-refresh, read the same ledger,
 * and describe y and the event subscriptions with the same adapters.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { DynamoLedger, ledgerClient } from '../../lambdas/aws/ledger';
import { FunctionInvoker, lambdaClient } from '../../lambdas/aws/functions';
import { RdsAdapter, replicaRdsClient } from '../../lambdas/aws/rds';
import { STACK_OUTPUTS, cloudFormationClient, stackOutputs } from '../../lambdas/aws/stack';
import { eventSubscriptionNames } from '../../lambdas/kernel/stack-outputs';
import { gatewaysOver } from '../../lambdas/kernel/runtime';
import { subscriptionProblem } from '../../lambdas/refresh/event-path';
import { strategyOf } from '../../lambdas/refresh/strategies/registry';
import { instanceOfEndpoint } from '../../lambdas/refresh/strategies/dns-switch';
import { Route53Adapter, route53Client } from '../../lambdas/aws/route53';
import type { DnsRecords } from '../../lambdas/kernel/ports';
import { gatewayOf } from '../../lambdas/targets/registry';
import type { ReceivedEvent, RunRecord } from '../../lambdas/kernel/model';
import type { StartRequest, StartResult } from '../../lambdas/refresh/start';
import type { Config, PairConfig } from '../../lambdas/kernel/config';
import { parseConfig, parseConfigText, replicaRefreshOf } from '../../lambdas/kernel/config';
import type { SimEngine } from '../sim/engines';
import type { SimAuroraEngine } from '../sim/aurora-world';
import type { FaultSpec } from '../sim/world';
import { UsageError } from './errors';

/** What start-refresh answers; `rejected` when the request itself was malformed. */
export type StartAnswer = StartResult | { outcome: 'rejected'; reason: string };

/** y as RDS describes it now. */
export interface ReplicaState {
  /** The instance (or Aurora cluster) clients use: y, or a dns-switch pair's live slot. */
  identifier: string;
  exists: boolean;
  /** RDS's status (`available`, `deleting`, …) when it exists. */
  status?: string;
  engine?: string;
}

/** One RDS event subscription of a region, and what is wrong with it, if anything. */
export interface SubscriptionState {
  name: string;
  /** RDS's status (`active`, `no-permission`, …), or `missing`. */
  status: string;
  enabled?: boolean;
  /** Why no event would arrive through it; undefined when it is healthy. */
  problem?: string;
}

/** The operations the commands need. */
export interface Backend {
  readonly kind: 'aws' | 'local';
  readonly config: Config;
  /** The simulation's first day: no report period starts before it. */
  readonly historyStart?: Date;
  /** Invokes start-refresh in the pair's region and returns its answer. */
  start(pair: PairConfig, request: Omit<StartRequest, 'replica'>): Promise<StartAnswer>;
  activeRun(pair: PairConfig): Promise<RunRecord | undefined>;
  /** Closed and refused runs, newest first. */
  listRuns(pair: PairConfig, options?: { since?: Date; until?: Date; limit?: number }): Promise<RunRecord[]>;
  /** The last RDS event on-rds-event received about the pair. */
  lastEvent(pair: PairConfig): Promise<ReceivedEvent | undefined>;
  replicaState(pair: PairConfig): Promise<ReplicaState>;
  /** The region's event subscriptions, instances' first. */
  subscriptions(region: string): Promise<SubscriptionState[]>;
  now(): Date;
  /** Lets time pass: real time against AWS, virtual time in the simulation. */
  wait(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Options every command shares. */
export interface CommonOptions {
  replica?: string;
  config: string;
  region?: string;
  profile?: string;
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
    throw new UsageError(`cannot read ${configPath}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'run from the project folder, or pass --config <path to cdk.json>');
  }
  try {
    return replicaRefreshOf(parseConfigText(text, configPath), configPath);
  } catch (err) {
    throw new UsageError((err as Error).message, `fix ${configPath}; npx cdk synth checks it too`);
  }
}

/** The validated configuration of a cdk.json, and its raw value (the simulation reads that). */
export function loadConfig(configPath: string): { config: Config; raw: unknown } {
  const raw = readConfigFile(configPath);
  try {
    return { config: parseConfig(raw), raw };
  } catch (err) {
    throw new UsageError((err as Error).message, `fix ${configPath}; npx cdk synth checks it too`);
  }
}

/**
 * The pairs a command acts on: the one `--replica` names (its id, or y's identifier), those of `--region`, or all.
 * @throws UsageError naming the configured replicas when none matches
 */
export function selectPairs(config: Config, configPath: string, wanted: { replica?: string; region?: string }): PairConfig[] {
  const inRegion = wanted.region ? config.pairs.filter((p) => p.replica.region === wanted.region) : config.pairs;
  const known = config.pairs.map((p) => p.id).join(', ');
  if (wanted.region && inRegion.length === 0) throw new UsageError(`no replica of ${configPath} is in ${wanted.region}`, `its replicas are in ${[...new Set(config.pairs.map((p) => p.replica.region))].join(', ')}`);
  if (!wanted.replica) return inRegion;
  const name = wanted.replica.toLowerCase();
  const byId = inRegion.filter((p) => p.id === name);
  const matches = byId.length > 0 ? byId : inRegion.filter((p) => p.replica.identifier === name);
  if (matches.length > 1) throw new UsageError(`${wanted.replica} names a replica in each of ${matches.map((p) => p.replica.region).join(', ')}`, `give the pairs their own "id" in ${configPath}, or pass --region`);
  if (matches.length === 0) throw new UsageError(`${wanted.replica} is not a replica in ${configPath}${wanted.region ? ` (in ${wanted.region})` : ''}`, `configured: ${known}`);
  return matches;
}

/** Parses `--faults a,b@2`. */
export function parseFaults(spec: string | undefined, known: readonly string[]): FaultSpec[] {
  return (spec ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const [name = '', night] = f.split('@');
      if (!known.includes(name)) throw new UsageError(`--faults: unknown fault "${name}"`, `choose from: ${known.join(', ')}`);
      if (night !== undefined && !/^[1-9]\d*$/.test(night)) throw new UsageError(`--faults: "${f}": the night after @ must be a whole number from 1`);
      return { name: name as FaultSpec['name'], ...(night ? { night: Number(night) } : {}) };
    });
}

/**
 * y as the target gateway describes it: the instance clients use. For a dns-switch pair that is the one its Route 53
 * record points at (the other slot may exist too, stopped or about to be deleted); otherwise the first of the
 * strategy's candidates that exists.
 */
export async function describeReplica(rds: ReturnType<typeof replicaRdsClient>, pair: PairConfig, dns?: Pick<DnsRecords, 'currentTarget'>): Promise<ReplicaState> {
  const gateway = gatewayOf(gatewaysOver([pair], rds), pair);
  if (pair.refresh.mode === 'dns-switch' && dns) {
    const record = await dns.currentTarget(pair.refresh.dns.hostedZoneId, pair.refresh.dns.recordName);
    const live = record ? instanceOfEndpoint(record.target) : pair.replica.identifier;
    const view = await gateway.describe(live);
    return view ? { identifier: live, exists: true, status: view.status, engine: view.engine } : { identifier: live, exists: false };
  }
  const candidates = strategyOf(pair).servingCandidates?.(pair) ?? [pair.replica.identifier];
  for (const id of candidates) {
    const view = await gateway.describe(id);
    if (view) return { identifier: id, exists: true, status: view.status, engine: view.engine };
  }
  return { identifier: pair.replica.identifier, exists: false };
}

/** A region's event subscriptions as RDS describes them. */
async function describeSubscriptions(rds: RdsAdapter, config: Config, region: string): Promise<SubscriptionState[]> {
  const clusters = config.pairs.some((p) => p.replica.region === region && p.replica.kind === 'cluster');
  const out: SubscriptionState[] = [];
  for (const name of eventSubscriptionNames(region, { clusters })) {
    const sub = await rds.describeEventSubscription(name);
    const problem = subscriptionProblem(sub, region);
    out.push({ name, status: sub?.status ?? 'missing', ...(sub ? { enabled: sub.enabled } : {}), ...(problem ? { problem } : {}) });
  }
  return out;
}

/** The deployed stacks of the replicas' regions. */
export function awsBackend(opts: CommonOptions, config: Config): Backend {
  interface Region {
    ledger: DynamoLedger;
    startFunction: string;
    invoker: FunctionInvoker;
    rds: RdsAdapter;
    client: ReturnType<typeof replicaRdsClient>;
  }
  const regions = new Map<string, Promise<Region>>();
  const regionOf = (region: string): Promise<Region> => {
    let found = regions.get(region);
    if (!found) {
      found = (async () => {
        const stackName = opts.stack ?? `ReplicaRefresh-${region}`;
        const outputs = await stackOutputs(cloudFormationClient(region), stackName, region);
        const table = outputs[STACK_OUTPUTS.ledgerTable];
        const fn = outputs[STACK_OUTPUTS.startRefreshFunction];
        if (!table || !fn) throw new Error(`stack ${stackName} in ${region} has no ${STACK_OUTPUTS.ledgerTable}/${STACK_OUTPUTS.startRefreshFunction} outputs; redeploy it with this version ("npx cdk deploy ${stackName}")`);
        const client = replicaRdsClient(region);
        return { ledger: new DynamoLedger(ledgerClient(region), table), startFunction: fn, invoker: new FunctionInvoker(lambdaClient(region)), rds: new RdsAdapter(client), client };
      })();
      regions.set(region, found);
    }
    return found;
  };
  const of = (pair: PairConfig) => regionOf(pair.replica.region);
  // Route 53 is global: one client, made for the first dns-switch pair.
  let dns: Route53Adapter | undefined;
  return {
    kind: 'aws',
    config,
    start: async (pair, request) => {
      const r = await of(pair);
      return r.invoker.invoke<StartAnswer>(r.startFunction, { replica: pair.id, ...request });
    },
    activeRun: async (pair) => (await of(pair)).ledger.getActiveRun(pair.id),
    listRuns: async (pair, options = {}) => (await of(pair)).ledger.listRuns(pair.id, options),
    lastEvent: async (pair) => (await of(pair)).ledger.lastEvent(pair.id),
    replicaState: async (pair) => describeReplica((await of(pair)).client, pair, pair.refresh.mode === 'dns-switch' ? (dns ??= new Route53Adapter(route53Client())) : undefined),
    subscriptions: async (region) => describeSubscriptions((await regionOf(region)).rds, config, region),
    now: () => new Date(),
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    close: () => Promise.resolve(),
  };
}

/** The simulation, with `nights` nights of history already run, stopped at 01:30 UTC of the next night. */
export async function localBackend(opts: CommonOptions, config: Config, raw: unknown, progress: (line: string) => void): Promise<Backend> {
  const { Simulation, FAULTS } = await import('../sim/world');
  const { PROBE_MAX_PAIRS } = await import('../sim/client-probe');
  const faults = parseFaults(opts.faults, Object.keys(FAULTS));
  progress(`simulating ${opts.nights} night(s) of ${config.pairs.length} pair(s) (seed ${opts.seed}${faults.length ? `, faults ${opts.faults}` : ''})…`);
  const sim = await Simulation.create({
    config: raw,
    seed: opts.seed,
    faults,
    ...(opts.engine ? { engine: opts.engine } : {}),
    ...(opts.mode ? { mode: opts.mode } : {}),
    probe: opts.probe !== false && config.pairs.length <= PROBE_MAX_PAIRS,
  });
  try {
    await sim.runNights(opts.nights);
    // On to 01:30 UTC: tonight's copy of x's snapshot has landed and the nightly refresh has not started yet.
    await sim.runUntil(sim.clock.millis + 13.5 * 3_600_000);
  } catch (err) {
    await sim.close();
    throw err;
  }
  const clients = new Map<string, ReturnType<typeof replicaRdsClient>>();
  const dns = sim.operatorDns();
  const clientOf = (region: string) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = sim.operatorRdsClient(region)));
    return c;
  };
  return {
    kind: 'local',
    // The pairs as simulated: --mode and --engine applied, only those of the first pair's region.
    config: { ...config, pairs: sim.pairs },
    historyStart: sim.historyStart,
    start: async (pair, request) => (await sim.startRefresh.invoke({ replica: pair.id, ...request })) as StartAnswer,
    activeRun: (pair) => sim.activeRun(pair.id),
    listRuns: (pair, options = {}) => sim.ledger.listRuns(pair.id, options),
    lastEvent: (pair) => sim.ledger.lastEvent(pair.id),
    replicaState: (pair) => describeReplica(clientOf(pair.replica.region), pair, dns),
    subscriptions: (region) => describeSubscriptions(new RdsAdapter(clientOf(region)), config, region),
    now: sim.clock.now,
    wait: (ms) => sim.runUntil(sim.clock.millis + ms),
    close: () => sim.close(),
  };
}

/**
 * `30d`, `12h`, `2w`, or a date (or date and time) read in the configured zone.
 * @param flag the option's name, for the message
 */
export function parseWhen(value: string, now: Date, zone: string, flag = '--since'): Date {
  const m = /^(\d+)([hdw])$/.exec(value.trim());
  if (m) {
    const hours = Number(m[1]) * { h: 1, d: 24, w: 24 * 7 }[m[2] as 'h' | 'd' | 'w'];
    return new Date(now.getTime() - hours * 3_600_000);
  }
  const d = DateTime.fromISO(value.trim(), { zone });
  if (!d.isValid) throw new UsageError(`${flag} "${value}" is neither a duration back from now (30d, 12h, 2w) nor a date (2026-11-01, read in ${zone})`);
  return d.toJSDate();
}

/**
 * Checks `--since`/`--until` before anything slow: each must read as a duration or a date, and two dates must be in
 * order. (Durations count back from the backend's now, so their order is checked again by {@link periodOf}.)
 */
export function checkPeriodOrder(opts: { since?: string; until?: string }): void {
  const now = new Date();
  const since = opts.since ? parseWhen(opts.since, now, 'UTC', '--since') : undefined;
  const until = opts.until ? parseWhen(opts.until, now, 'UTC', '--until') : undefined;
  if (since && until && since.getTime() >= until.getTime()) throw new UsageError(`--since ${opts.since} is not before --until ${opts.until}`, 'swap them, or widen the period');
}

/**
 * The period of `--since`/`--until`: `until` defaults to now; `since` after `until`, or in the future, is an error.
 * In the simulation, the period starts no earlier than its first day.
 */
export function periodOf(opts: { since?: string; until?: string }, b: Pick<Backend, 'now' | 'config' | 'historyStart'>, defaultSince: string | undefined): { since: Date; until: Date } {
  const now = b.now();
  const zone = b.config.timeZone;
  const until = opts.until ? parseWhen(opts.until, now, zone, '--until') : now;
  const sinceText = opts.since ?? defaultSince;
  let since = sinceText ? parseWhen(sinceText, now, zone, '--since') : new Date(0);
  if (since.getTime() > now.getTime()) throw new UsageError(`--since ${opts.since} is in the future (now is ${now.toISOString()})`);
  if (since.getTime() >= until.getTime()) throw new UsageError(`--since ${sinceText} is not before --until ${opts.until ?? 'now'}`, 'swap them, or widen the period');
  if (b.historyStart && since.getTime() < b.historyStart.getTime()) since = b.historyStart;
  if (since.getTime() >= until.getTime()) throw new UsageError(`--until ${opts.until ?? 'now'} is before ${since.toISOString()}, where the ${b.historyStart ? "simulation's history begins" : 'period starts'}`, 'move --until later');
  // The ledger is read up to now even when --until is later: nothing has started after now.
  return { since, until: until.getTime() > now.getTime() ? now : until };
}
