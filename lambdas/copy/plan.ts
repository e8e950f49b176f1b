/**
 * Keeping x's snapshots flowing into the replica region: what to copy, under which name, when to wait
 * for the copy quota, and which of the project's copies retention may delete. Pure decisions; the
 * copy handler and the sweep fetch and act.
 */
import type { SnapshotView } from '../kernel/model';
import { dataTimeOf } from '../sources/snapshots';
import { COPY_TAGS, isPipelineCopy, isProjectCopy } from '../kernel/snapshot-tags';

/** RDS snapshot identifiers: 1–255 letters, digits and hyphens, starting with a letter, no double or trailing hyphen. */
const MAX_ID = 255;

/**
 * What a copy within x's own region adds to the name of a manual source snapshot, whose name with `rds:` stripped would
 * be the source's own (an automated source's copy needs none: `rds:` is reserved for automated snapshots).
 */
const IN_PLACE_SUFFIX = '-copy';

/**
 * The replica-region name of a copy, derived from the source snapshot so every retry and every path
 * (event, queue, sweep) names it the same: `rds:` stripped, invalid characters replaced, at most 255.
 * @param source the source snapshot's id or ARN
 * @param inPlace whether the copy is made in x's own region (x and y in one region, copied for a vault): a manual
 *   source's copy then ends in {@link IN_PLACE_SUFFIX}
 */
export function copyTargetId(source: string, inPlace: boolean): string {
  // An ARN names a DB snapshot (`:snapshot:`) or a DB cluster snapshot (`:cluster-snapshot:`); the id follows either.
  const arn = /^arn:[^:]+:rds:[^:]*:\d*:(?:cluster-)?snapshot:(.+)$/.exec(source);
  const id = arn?.[1] ?? source;
  const suffix = inPlace && !id.startsWith('rds:') ? IN_PLACE_SUFFIX : '';
  let out = id
    .replace(/^rds:/, '')
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '');
  if (!/^[A-Za-z]/.test(out)) out = `copy-${out}`;
  out = out.slice(0, MAX_ID - suffix.length).replace(/-+$/, '');
  return `${out}${suffix}`.toLowerCase();
}

/** Whether a pair's copies are made in x's own region (x and y in one region, copied for a vault). */
function copiesInPlace(pair: { source: { region: string }; replica: { region: string } }): boolean {
  return pair.source.region === pair.replica.region;
}

/** The name in y's region of the pair's copy of one of x's snapshots ({@link copyTargetId}). */
export function copyTargetOf(pair: { source: { region: string }; replica: { region: string } }, source: string): string {
  return copyTargetId(source, copiesInPlace(pair));
}



/**
 * Aurora's own limit on cluster snapshot copies: "You can have up to five snapshot copy requests in progress to a
 * single destination Region per account" (Aurora UG, "DB cluster snapshot copying", Limitations; RDS-NOTES: "Aurora: 5
 * cluster snapshot copies at a time"). `copy.inFlightLimit` (20 by default, the DB snapshot limit) can only lower it.
 */
export const CLUSTER_COPY_LIMIT = 5;

/** The copies in flight into y's region at which a pair's copy waits: the configured limit, capped by the kind's own. */
export function inFlightLimitOf(pair: { source: { kind: 'instance' | 'cluster' }; copy: { inFlightLimit: number } }): number {
  return pair.source.kind === 'cluster' ? Math.min(pair.copy.inFlightLimit, CLUSTER_COPY_LIMIT) : pair.copy.inFlightLimit;
}

/** What a copy request asks of RDS. */
export interface CopyRequest {
  targetId: string;
  sourceArn: string;
  /**
   * What to name the source with instead of its ARN: its identifier, for a copy within its own region ("If the source
   * snapshot is in the same AWS Region as the copy, specify a valid DB snapshot identifier", CopyDBSnapshot API
   * reference, SourceDBSnapshotIdentifier; CopyDBClusterSnapshot says the same). Unset: the ARN.
   */
  sourceIdentifier?: string;
  sourceRegion: string;
  /** The replica-region key to re-encrypt with; required for an encrypted source. */
  kmsKeyId?: string;
  /** An option group in the replica region, for sources with a persistent option (Oracle/SQL Server TDE) RDS must carry across. */
  optionGroupName?: string;
  /** Tags for the copy: the ownership tag and where it came from. CopyTags carries the source's too. */
  tags: Record<string, string>;
}

/** What to do about one source snapshot. */
export type CopyDecision =
  | { action: 'copy'; request: CopyRequest }
  | { action: 'skip'; reason: string }
  | { action: 'defer'; delaySeconds: number; reason: string }
  | { action: 'error'; reason: string };


/**
 * The name of the extra manual snapshot of x taken for the scheduled time `at` (to the minute), so a
 * repeated delivery of one schedule occurrence names the same snapshot: `<x>-rr-YYYY-MM-DD-HH-MM`.
 */
export function extraSnapshotId(sourceInstanceId: string, at: Date): string {
  const stamp = at.toISOString().slice(0, 16).replace(/[T:]/g, '-');
  return `${sourceInstanceId}-rr-${stamp}`;
}

/**
 * Whether the copy role may copy this snapshot: x's automated snapshots (`rds:<x>-…`) and manual
 * snapshots named `<x>-…`, DB snapshots and DB cluster snapshots alike. IAM scopes CopyDBSnapshot and
 * CopyDBClusterSnapshot to those names, so that the project copies x's snapshots and nothing else of the region.
 */
export function isCopyableName(snapshotId: string, sourceInstanceId: string): boolean {
  return snapshotId.replace(/^rds:/, '').startsWith(`${sourceInstanceId}-`);
}

/** What the copy decision looks at. */
export interface CopyInput {
  source: SnapshotView;
  /** x's identifier. */
  sourceInstanceId: string;
  sourceRegion: string;
  /** The snapshot already under the target id in the replica region, if any. */
  existing: SnapshotView | undefined;
  /** Cross-region copies now in flight into the replica region. */
  inFlight: number;
  inFlightLimit: number;
  /** The replica-region key (ARN) copies are encrypted with. */
  replicaKmsKeyArn: string | undefined;
  replicaRegion: string;
  ownershipTag: { key: string; value: string };
  /** Seconds to wait before trying again when the quota is full. */
  deferSeconds: number;
  /** `copy.optionGroupName`, passed on to the copy. */
  optionGroupName?: string;
}

/**
 * Decides one copy: skip what is already there (in any state), refuse an encrypted source without a
 * usable replica key, wait while the in-flight quota is full, copy otherwise.
 */
export function planCopy(input: CopyInput): CopyDecision {
  const { source, existing } = input;
  // Within one region the copies (this pair's, or another pair's of the same x) are snapshots of x there too (their
  // creation may even raise 0042).
  if (isPipelineCopy(source)) return { action: 'skip', reason: `${source.id} is the project's own copy of ${source.sourceSnapshotArn ?? 'a snapshot of x'}` };
  if (!isCopyableName(source.id, input.sourceInstanceId)) {
    return {
      action: 'skip',
      reason: `${source.id} is not named ${input.sourceInstanceId}-…; the copy role may copy only snapshots named after x (copy it to a ${input.sourceInstanceId}-… name in ${input.sourceRegion} to have it copied)`,
    };
  }
  const inPlace = copiesInPlace({ source: { region: input.sourceRegion }, replica: { region: input.replicaRegion } });
  const targetId = copyTargetId(source.id, inPlace);
  if (existing) {
    const from = existing.sourceSnapshotArn;
    if (from && from !== source.arn) {
      return { action: 'error', reason: `${targetId} already exists in ${input.replicaRegion} but is a copy of ${from}, not of ${source.arn}; rename or delete it` };
    }
    return { action: 'skip', reason: `${targetId} is already in ${input.replicaRegion} (${existing.status})` };
  }
  if (source.status !== 'available') {
    return { action: 'defer', delaySeconds: input.deferSeconds, reason: `${source.id} is ${source.status}; it can be copied once available` };
  }
  if (source.encrypted && !input.replicaKmsKeyArn) {
    return {
      action: 'error',
      reason: `${source.id} is encrypted (key ${source.kmsKeyId ?? 'unknown'}), and a copy into ${input.replicaRegion} needs a KMS key there: set replicaKmsKeyArn, or let the stack create one`,
    };
  }
  if (source.encrypted && input.replicaKmsKeyArn) {
    const [prefix, , service, region] = input.replicaKmsKeyArn.split(':');
    if (!prefix?.startsWith('arn') || service !== 'kms') return { action: 'error', reason: `the copy key ${input.replicaKmsKeyArn} is not a KMS key ARN` };
    if (region !== input.replicaRegion) {
      return { action: 'error', reason: `the copy key ${input.replicaKmsKeyArn} is in ${region}, not ${input.replicaRegion}: a cross-region copy must be encrypted with a key of the destination region` };
    }
  }
  if (input.inFlight >= input.inFlightLimit) {
    return { action: 'defer', delaySeconds: input.deferSeconds, reason: `${input.inFlight} copies are already in flight into ${input.replicaRegion} (limit ${input.inFlightLimit})` };
  }
  return {
    action: 'copy',
    request: {
      targetId,
      sourceArn: source.arn,
      ...(inPlace ? { sourceIdentifier: source.id } : {}),
      sourceRegion: input.sourceRegion,
      ...(source.encrypted && input.replicaKmsKeyArn ? { kmsKeyId: input.replicaKmsKeyArn } : {}),
      ...(input.optionGroupName ? { optionGroupName: input.optionGroupName } : {}),
      tags: { [input.ownershipTag.key]: input.ownershipTag.value, [COPY_TAGS.source]: source.arn },
    },
  };
}

/** How long the project keeps its copies. */
export interface RetentionPolicy {
  /** Keep every copy younger than this. */
  keepDays: number;
  /** Keep at least the newest this many copies, whatever their age. */
  keepLast: number;
  /** Optional tiers: the newest copy of each of the last N days, ISO weeks and months. */
  daily?: number;
  weekly?: number;
  monthly?: number;
}

/** One retention verdict. */
export interface RetentionVerdict {
  id: string;
  keep: boolean;
  reason: string;
}

function dayKey(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function weekKey(d: Date): string {
  // ISO week: Thursday of the same week decides the year.
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function monthKey(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/**
 * Decides, for every snapshot given, whether retention keeps or deletes it. Only the project's own
 * available copies (by the ownership tag, never by name) are ever deleted; the snapshot y was restored
 * from and the one an active run has chosen are always kept.
 */
export function retention(snapshots: readonly SnapshotView[], opts: { policy: RetentionPolicy; ownershipTag: { key: string; value: string }; protectedIds: ReadonlySet<string>; now: Date }): RetentionVerdict[] {
  const { policy, now } = opts;
  // The project's copies: the ownership tag and the tag every copy the pipeline makes carries.
  const owned = snapshots.filter((s) => isProjectCopy(s, opts.ownershipTag));
  const verdicts: RetentionVerdict[] = snapshots
    .filter((s) => !owned.includes(s))
    .map((s) => ({ id: s.id, keep: true, reason: `not the project's copy (it lacks ${opts.ownershipTag.key}=${opts.ownershipTag.value} or ${COPY_TAGS.source})` }));
  const newestFirst = [...owned].sort((a, b) => (dataTimeOf(b)?.getTime() ?? 0) - (dataTimeOf(a)?.getTime() ?? 0));
  const tierSeen = { daily: new Set<string>(), weekly: new Set<string>(), monthly: new Set<string>() };
  // keepLast counts restorable copies only: copies still copying, or failed, must not push the last good ones out.
  let availableSeen = 0;
  newestFirst.forEach((s) => {
    const time = dataTimeOf(s) ?? now;
    const ageDays = (now.getTime() - time.getTime()) / 86_400_000;
    const index = s.status === 'available' ? availableSeen++ : Infinity;
    let reason: string | undefined;
    if (opts.protectedIds.has(s.id)) reason = 'in use: y holds it or an active run chose it';
    else if (s.status !== 'available') reason = `${s.status}, not available`;
    else if (index < policy.keepLast) reason = `one of the newest ${policy.keepLast}`;
    else if (ageDays < policy.keepDays) reason = `younger than ${policy.keepDays} days`;
    const tiers: [keyof typeof tierSeen, number | undefined, string, number][] = [
      ['daily', policy.daily, dayKey(time), 1],
      ['weekly', policy.weekly, weekKey(time), 7],
      ['monthly', policy.monthly, monthKey(time), 31],
    ];
    for (const [tier, count, key, days] of tiers) {
      if (!count || tierSeen[tier].has(key)) continue;
      if (ageDays < count * days && tierSeen[tier].size < count) {
        tierSeen[tier].add(key);
        reason ??= `the newest of its ${tier === 'daily' ? 'day' : tier === 'weekly' ? 'week' : 'month'} (${tier} tier)`;
      }
    }
    verdicts.push(reason ? { id: s.id, keep: true, reason } : { id: s.id, keep: false, reason: `older than ${policy.keepDays} days and beyond the newest ${policy.keepLast}` });
  });
  return verdicts;
}
