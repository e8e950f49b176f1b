/**
 * One retention pass over the project's copies of x in y's region: find them, protect the snapshot y
 * holds and the one an active run has chosen, let the policy decide, and delete only what carries
 * the ownership tag at the moment of deletion. DB snapshot copies of a DB instance x and DB cluster
 * snapshot copies of an Aurora x are expired alike; only the RDS calls differ (`clusters` for the latter).
 */
import type { PairConfig, RuntimeConfig } from '../kernel/config';
import { MAX_PAIRS, copiesSnapshots } from '../kernel/config';
import type { RetentionPolicy, RetentionVerdict } from '../copy/plan';
import { retention } from '../copy/plan';
import type { Ledger, RegionRds, Telemetry } from '../kernel/ports';
import type { SnapshotView } from '../kernel/model';
import { gatewayOf } from '../targets/registry';
import type { TargetGateways } from '../targets/target';
import { lineageOf } from '../targets/instance/settings';
import { sourceSnapshotQuery } from '../sources/snapshots';
import type { RdsClusterAdapter } from '../aws/rds-clusters';

/** The cluster calls a pass makes for an Aurora pair: y's tags (its lineage), x's cluster snapshot copies, the delete. */
export type RetentionClusterRds = Pick<RdsClusterAdapter, 'describeCluster' | 'listClusterSnapshots' | 'deleteOwnedClusterSnapshot'>;

/** A pass reached an Aurora pair without the cluster calls wired: a wiring mistake, said with the pair. */
export class ClusterCallsMissingError extends Error {
  public constructor(pairId: string) {
    super(`retention of ${pairId} (an Aurora cluster pair) needs the cluster RDS calls: wire RetentionDeps.clusters (an RdsClusterAdapter of the replica region) in the function's runtime`);
    this.name = 'ClusterCallsMissingError';
  }
}

/** What a retention pass needs. */
export interface RetentionDeps {
  rds: Pick<RegionRds, 'listSnapshots' | 'deleteOwnedSnapshot'>;
  /** Reads each replica's lineage (the copy it holds). */
  targets: TargetGateways;
  ledger: Pick<Ledger, 'getActiveRun'>;
  /**
   * The cluster calls, for pairs whose x and y are Aurora clusters.
   * @default - none: a pass over an Aurora pair fails with {@link ClusterCallsMissingError}
   */
  clusters?: RetentionClusterRds;
  telemetry: Telemetry;
  now: () => Date;
}

function clustersOf(deps: RetentionDeps, pair: PairConfig): RetentionClusterRds {
  if (!deps.clusters) throw new ClusterCallsMissingError(pair.id);
  return deps.clusters;
}

/** y's tags (where its lineage is), or undefined when y does not exist: an instance through its gateway, a cluster through the cluster calls. */
async function replicaTags(deps: RetentionDeps, pair: PairConfig): Promise<Record<string, string> | undefined> {
  if (pair.replica.kind === 'cluster') return (await clustersOf(deps, pair).describeCluster(pair.replica.identifier))?.tags;
  return (await gatewayOf(deps.targets, pair).describe(pair.replica.identifier))?.tags;
}

/** The copies of x in y's region that retention looks at: manual DB snapshots, or manual DB cluster snapshots, of x. */
async function listCopies(deps: RetentionDeps, pair: PairConfig): Promise<SnapshotView[]> {
  if (pair.source.kind === 'cluster') return clustersOf(deps, pair).listClusterSnapshots({ clusterId: pair.source.identifier, types: ['manual'] });
  return deps.rds.listSnapshots(sourceSnapshotQuery(pair, ['manual']));
}

/** Deletes one copy if it carries the ownership tag, read just before the delete. */
async function deleteOwnedCopy(deps: RetentionDeps, pair: PairConfig, id: string): Promise<'deleted' | 'not-owned' | 'gone'> {
  if (pair.source.kind === 'cluster') return clustersOf(deps, pair).deleteOwnedClusterSnapshot(id, pair.ownershipTag);
  return deps.rds.deleteOwnedSnapshot(id, pair.ownershipTag);
}

/** What a pass did to each snapshot. */
export interface RetentionResult extends RetentionVerdict {
  deleted?: 'deleted' | 'not-owned' | 'gone';
}

/** What y holds and whether a run is active: what retention must keep for one pair. */
interface InUse {
  ids: Set<string>;
  replicaExists: boolean;
  active: boolean;
}

/** What y holds (its lineage) and what its active run planned, chose or pinned: copies retention must keep. */
async function inUse(deps: RetentionDeps, pair: PairConfig): Promise<InUse> {
  const [tags, run] = await Promise.all([replicaTags(deps, pair), deps.ledger.getActiveRun(pair.id)]);
  const ids = new Set<string>();
  // An Aurora y carries the same lineage tags on the cluster (assumed: the cluster target tags its restore as the instance target does).
  const held = tags ? lineageOf(tags).snapshotId : undefined;
  if (held) ids.add(held);
  for (const s of [run?.plannedSnapshot?.id, run?.snapshot?.id, run?.pinnedSnapshotId]) if (s) ids.add(s);
  return { ids, replicaExists: tags !== undefined, active: run !== undefined };
}

/**
 * Runs retention for one pair; `dryRun` decides without deleting. `siblings` are the other pairs of the
 * region restored from the same x: the copies they hold or use are shared, and kept too.
 */
export async function runRetention(
  deps: RetentionDeps,
  pair: PairConfig,
  policy: RetentionPolicy,
  opts: { dryRun?: boolean; siblings?: readonly PairConfig[]; inUseOf?: (pair: PairConfig) => Promise<InUse> } = {},
): Promise<RetentionResult[]> {
  const id = pair.id;
  const use = opts.inUseOf ?? ((p: PairConfig) => inUse(deps, p));
  const [own, snapshots, ...others] = await Promise.all([use(pair), listCopies(deps, pair), ...(opts.siblings ?? []).map(use)]);
  // Without y (or a sibling's y) and its lineage, nothing tells which copy it needs next: keep everything.
  const states = [own, ...others];
  const missing = [pair, ...(opts.siblings ?? [])].filter((_, i) => !states[i]?.replicaExists && !states[i]?.active).map((p) => p.replica.identifier);
  if (missing.length > 0) {
    return snapshots.map((s) => ({ id: s.id, keep: true, reason: `${missing.join(', ')} does not exist and no run is active: retention waits until it is back` }));
  }
  const protectedIds = new Set([...own.ids, ...others.flatMap((o) => [...o.ids])]);
  const verdicts = retention(snapshots, { policy, ownershipTag: pair.ownershipTag, protectedIds, now: deps.now() });
  const results: RetentionResult[] = [];
  for (const v of verdicts) {
    if (v.keep || opts.dryRun) {
      results.push(v);
      continue;
    }
    const deleted = await deleteOwnedCopy(deps, pair, v.id);
    deps.telemetry.count(deleted === 'deleted' ? 'SnapshotsExpired' : 'SnapshotExpirySkipped', 1, { replica: id });
    results.push({ ...v, deleted });
  }
  return results;
}

/** One pair's pass, as the retention function reports it. */
export interface RetentionPass {
  replica: string;
  dryRun: boolean;
  deleted: string[];
  kept: number;
  /** Copies that were due but had lost the ownership tag, or were gone, by the time of the delete. */
  skipped: string[];
  results: RetentionResult[];
}

/** The policy of a pair, from its config. */
export function retentionPolicyOf(pair: PairConfig): RetentionPolicy {
  const r = pair.copy.retention;
  return {
    keepDays: r.keepDays,
    keepLast: r.keepLast,
    ...(r.daily ? { daily: r.daily } : {}),
    ...(r.weekly ? { weekly: r.weekly } : {}),
    ...(r.monthly ? { monthly: r.monthly } : {}),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The most replicas one retention input may name: every pair of a deployment. */
export const MAX_RETENTION_REPLICAS = MAX_PAIRS;

/** How many sources' copies one invocation expires at once (the pairs of one x go one after another: they share its copies). */
export const PARALLEL_SOURCES = 4;

/** A retention input as the schedules send it, or an operator. */
export interface RetentionInput {
  trigger: 'retention';
  /** One replica (an operator, or a schedule deployed before schedules were shared). */
  replica?: string;
  /** The replicas of one shared schedule (one per retention cron and time zone). */
  replicas?: string[];
  dryRun?: boolean;
}

/** Validates a retention input; says what is wrong with it otherwise. */
export function parseRetentionInput(input: unknown): { input: RetentionInput } | { problem: string } {
  if (!isRecord(input) || input.trigger !== 'retention') return { problem: 'not a retention input (trigger must be "retention")' };
  const { replica, replicas } = input;
  if (replica !== undefined && (typeof replica !== 'string' || replica === '')) return { problem: 'replica must be a non-empty string' };
  if (replicas !== undefined) {
    if (replica !== undefined) return { problem: 'give replica or replicas, not both' };
    if (!Array.isArray(replicas) || replicas.length === 0 || replicas.length > MAX_RETENTION_REPLICAS) return { problem: `replicas must be a list of 1 to ${MAX_RETENTION_REPLICAS} replica ids` };
    const ids = replicas as unknown[];
    const bad = ids.find((r) => typeof r !== 'string' || r === '');
    if (bad !== undefined) return { problem: `replicas must hold replica ids, got ${JSON.stringify(bad)}` };
    const repeated = ids.find((r, i) => ids.indexOf(r) !== i);
    if (repeated !== undefined) return { problem: `replicas names ${JSON.stringify(repeated)} twice` };
  }
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') return { problem: 'dryRun must be true or false' };
  return {
    input: {
      trigger: 'retention',
      ...(typeof replica === 'string' ? { replica } : {}),
      ...(replicas ? { replicas: replicas as string[] } : {}),
      ...(input.dryRun === true ? { dryRun: true } : {}),
    },
  };
}

/** Runs `work` over `items`, at most `limit` at a time; results in the order of `items`. */
async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The retention function: `{trigger: 'retention', replicas?, replica?, dryRun?}` runs a pass for each replica named
 * (a shared schedule names all the replicas of its cron and time zone; `replica` names one), or for every replica of
 * the region whose copies the project makes, with retention on, when none is named. Replicas named but unknown here
 * (or without retention) are warned about and skipped; an input that names none that is known, or is malformed, is
 * counted and ignored. Pairs restored from different sources run a few at a time, the pairs of one source one after
 * another (they share its copies), and what each pair's y holds is read once per invocation.
 */
export async function handleRetention(deps: RetentionDeps, config: Pick<RuntimeConfig, 'pairs' | 'vault'>, raw: unknown): Promise<RetentionPass[]> {
  const parsed = parseRetentionInput(raw);
  if ('problem' in parsed) {
    deps.telemetry.count('RetentionInputIgnored', 1);
    deps.telemetry.warn('retention input ignored', { problem: parsed.problem, input: JSON.stringify(raw ?? null).slice(0, 500) });
    return [];
  }
  const { input } = parsed;
  const wanted = input.replicas ?? (input.replica !== undefined ? [input.replica] : undefined);
  const eligible = config.pairs.filter((p) => copiesSnapshots(p, config) && p.copy.retention.enabled);
  const pairs = wanted ? eligible.filter((p) => wanted.includes(p.id)) : eligible;
  const unknown = wanted?.filter((id) => !pairs.some((p) => p.id === id)) ?? [];
  if (pairs.length === 0) {
    deps.telemetry.count('RetentionInputIgnored', 1);
    deps.telemetry.warn('no pair to run retention for', { replicas: wanted });
    return [];
  }
  if (unknown.length > 0) deps.telemetry.warn('retention skips replicas without retention here', { replicas: unknown });
  const dryRun = input.dryRun === true;
  const memo = new Map<string, Promise<InUse>>();
  const inUseOf = (p: PairConfig): Promise<InUse> => {
    let found = memo.get(p.id);
    if (!found) memo.set(p.id, (found = inUse(deps, p)));
    return found;
  };
  // A DB instance and an Aurora cluster of one name are two sources with separate snapshots.
  const sourceOf = (p: PairConfig) => `${p.source.region}/${p.source.kind}/${p.source.identifier}`;
  const bySource = new Map<string, PairConfig[]>();
  for (const p of pairs) bySource.set(sourceOf(p), [...(bySource.get(sourceOf(p)) ?? []), p]);
  const passes = new Map<PairConfig, RetentionPass>();
  await inBatches([...bySource.values()], PARALLEL_SOURCES, async (group) => {
    for (const pair of group) {
      const siblings = config.pairs.filter((p) => p !== pair && sourceOf(p) === sourceOf(pair));
      const results = await runRetention(deps, pair, retentionPolicyOf(pair), { dryRun, siblings, inUseOf });
      const pass: RetentionPass = {
        replica: pair.id,
        dryRun,
        deleted: results.filter((r) => r.deleted === 'deleted').map((r) => r.id),
        kept: results.filter((r) => r.keep).length,
        skipped: results.filter((r) => r.deleted !== undefined && r.deleted !== 'deleted').map((r) => r.id),
        results,
      };
      deps.telemetry.info('retention pass', { replica: pass.replica, dryRun, deleted: pass.deleted, kept: pass.kept, skipped: pass.skipped });
      passes.set(pair, pass);
    }
  });
  return pairs.map((p) => passes.get(p)!);
}
