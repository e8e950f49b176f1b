/**
 * The copy function's invocations: an RDS "snapshot created" event for x (EventBridge; a DB snapshot of a DB
 * instance x, or a DB cluster snapshot of an Aurora x), a deferred copy coming back from the delay queue (SQS), or
 * the scheduled sweep. Malformed and unrelated input is counted and ignored.
 */
import type { PairConfig } from '../kernel/config';
import { describeError } from '../kernel/errors';
import type { CopyDeps, CopyOutcome } from './copy-snapshot';
import { MANUAL_SNAPSHOTS_METRIC, copyOneSnapshot } from './copy-snapshot';
import { copyTargetOf, extraSnapshotId, isCopyableName } from './plan';
import { EXTRA_SNAPSHOT_TAG, isExtraSnapshot, isPipelineCopy } from '../kernel/snapshot-tags';
import { alert } from '../reporting/measures';
import { parseEventBridgeEvent } from '../events/parse';
import type { SnapshotStore } from '../kernel/ports';
import type { ClusterSnapshotRds, InstanceSourceRds, SourceSnapshots } from './kinds';
import { CREATED_EVENTS, clusterReplicaStore, clusterSource, instanceSource, sourceQuery } from './kinds';
import type { Place } from '../kernel/place';
import { placeOf } from '../kernel/place';

/** Automated (0091) and manual (0042) DB snapshot created. */
export const SNAPSHOT_CREATED_EVENTS: readonly string[] = [CREATED_EVENTS.instance.automated, CREATED_EVENTS.instance.manual];

/**
 * Automated (0169) and manual (0075) DB cluster snapshot created (RDS-NOTES: "Aurora does emit 0169"). Manual ones are
 * copied as the instance path copies manual DB snapshots (0042).
 */
export const CLUSTER_SNAPSHOT_CREATED_EVENTS: readonly string[] = [CREATED_EVENTS.cluster.automated, CREATED_EVENTS.cluster.manual];

/** What the copy function needs besides {@link CopyDeps}. */
export interface CopyInvocationDeps extends Omit<CopyDeps, 'replicaRds'> {
  /** RDS in x's region, for DB instance x's: its snapshots, and the extra manual snapshots the project takes and removes. */
  sourceRds: InstanceSourceRds;
  /** The same for Aurora x's: their cluster snapshots, over the same client as {@link sourceRds}. */
  sourceClusters: ClusterSnapshotRds;
  /** The account the pairs live in: the configuration's (their places are this account and each side's region). */
  account: string;
  /** RDS in a replica's place (account and region), one client per place. */
  replicaRdsFor(place: Place): SnapshotStore;
  /** The cluster snapshot calls in a replica's place, over the same client as {@link replicaRdsFor}'s. */
  replicaClustersFor(place: Place): ClusterSnapshotRds;
  defer(message: DeferredCopy, delaySeconds: number): Promise<void>;
  now: () => Date;
}

/** A copy waiting in the delay queue. */
export interface DeferredCopy {
  replica: string;
  snapshotId: string;
  attempt: number;
  /** When the copy was first deferred (ISO); it is given up `copy.maxWaitHours` after this. */
  since?: string;
}

/** What one invocation did. */
export interface CopyInvocationOutcome {
  replica?: string;
  snapshotId?: string;
  outcome:
    | CopyOutcome
    | { action: 'ignored'; reason: string }
    | { action: 'snapshot-taken' | 'snapshot-existed'; snapshotId: string }
    | { action: 'source-snapshot-deleted'; snapshotId: string };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An event's SourceIdentifier may or may not carry the `rds:` prefix (RDS-NOTES). Automated snapshots (0091) are
 * named with it and DescribeDBSnapshots needs it; manual ones (0042) never are (`rds:` is reserved for automated
 * snapshots), so a prefix on a manual snapshot's event is dropped.
 */
export function snapshotIdFromEvent(eventId: string, sourceId: string): string {
  // Automated cluster snapshots (0169) are named `rds:<cluster>-…` too, manual ones (0075) never (assumed, as for DB snapshots).
  if (eventId === CREATED_EVENTS.instance.automated || eventId === CREATED_EVENTS.cluster.automated) return sourceId.startsWith('rds:') ? sourceId : `rds:${sourceId}`;
  if (eventId === CREATED_EVENTS.instance.manual || eventId === CREATED_EVENTS.cluster.manual) return sourceId.replace(/^rds:/, '');
  return sourceId;
}

/** The calls on x's snapshots for the pair's kind of x, in x's region. */
function sourceOf(deps: CopyInvocationDeps, pair: PairConfig): SourceSnapshots {
  return pair.source.kind === 'cluster' ? clusterSource(deps.sourceClusters) : instanceSource(deps.sourceRds);
}

/** The calls on the copies in y's place for the pair's kind of x. */
function replicaOf(deps: CopyInvocationDeps, pair: PairConfig): SnapshotStore {
  const place = placeOf(deps.account, pair.replica);
  return pair.source.kind === 'cluster' ? clusterReplicaStore(deps.replicaClustersFor(place)) : deps.replicaRdsFor(place);
}

async function copyFor(deps: CopyInvocationDeps, pair: PairConfig, snapshotId: string, attempt: number, since?: string, opts: { defer: boolean } = { defer: true }): Promise<CopyInvocationOutcome> {
  const outcome = await copyOneSnapshot({ notifier: deps.notifier, telemetry: deps.telemetry, sourceRds: sourceOf(deps, pair), replicaRds: replicaOf(deps, pair) }, pair, snapshotId);
  if (outcome.action !== 'defer') return { replica: pair.id, snapshotId, outcome };
  // The sweep's own retry is the next sweep: a deferral chain per sweep would multiply for a stuck snapshot.
  if (!opts.defer) return { replica: pair.id, snapshotId, outcome };
  const now = deps.now();
  const first = since && !Number.isNaN(Date.parse(since)) ? since : now.toISOString();
  // A deadline, not a count: a burst legitimately waits hours behind the in-flight limit while copies progress.
  const waitedHours = (now.getTime() - Date.parse(first)) / 3_600_000;
  if (waitedHours >= pair.copy.maxWaitHours) {
    deps.telemetry.count('SnapshotCopyGaveUp', 1, { replica: pair.id });
    await deps.notifier.publish(
      alert(
        'snapshots.copy-gave-up',
        pair.id,
        `gave up copying ${snapshotId}`,
        `${snapshotId} could not be copied into ${pair.replica.region} in ${pair.copy.maxWaitHours} h (${attempt} tries; last: ${outcome.reason}). The sweep copies the newest snapshot of ${pair.source.identifier} once the cause is gone; check the copies in flight and the manual-snapshot count of ${pair.replica.region} in the RDS console.`,
        { snapshotId, attempts: attempt, since: first },
      ),
    );
    return { replica: pair.id, snapshotId, outcome: { action: 'error', reason: `gave up after ${attempt} tries in ${waitedHours.toFixed(1)} h: ${outcome.reason}` } };
  }
  await deps.defer({ replica: pair.id, snapshotId, attempt: attempt + 1, since: first }, outcome.delaySeconds);
  return { replica: pair.id, snapshotId, outcome };
}

/**
 * The sweep: for each pair, the newest available snapshot of x without a copy yet (missed events,
 * first deployment), and the clean-up of extra snapshots. One pair's failure is alerted and does not
 * keep the other pairs from being swept.
 */
async function sweep(deps: CopyInvocationDeps, pairs: readonly PairConfig[]): Promise<CopyInvocationOutcome[]> {
  const out: CopyInvocationOutcome[] = [];
  for (const pair of pairs) {
    try {
      out.push(...(await sweepPair(deps, pair)));
    } catch (err) {
      const reason = describeError(err);
      deps.telemetry.count('SweepFailed', 1, { replica: pair.id });
      await deps.notifier.publish(
        alert('snapshots.sweep-failed', pair.id, `the copy sweep failed for ${pair.source.identifier}`, `The sweep of ${pair.source.identifier} (${pair.source.region}) into ${pair.replica.region} failed: ${reason}. The next sweep tries again; if this repeats, check the copy function's permissions and logs.`, { reason }),
      );
      out.push({ replica: pair.id, outcome: { action: 'error', reason } });
    }
  }
  return out;
}

async function sweepPair(deps: CopyInvocationDeps, pair: PairConfig): Promise<CopyInvocationOutcome[]> {
  const out: CopyInvocationOutcome[] = [];
  const all = await sourceOf(deps, pair).listSnapshots(sourceQuery(pair, ['automated', 'manual']));
  // Within one region x's snapshots include the project's own copies, which are never copied again.
  const newest = all
    .filter((s) => s.status === 'available' && isCopyableName(s.id, pair.source.identifier) && !isPipelineCopy(s))
    .sort((a, b) => (b.dataTime?.getTime() ?? 0) - (a.dataTime?.getTime() ?? 0))[0];
  out.push(...(await removeCopiedExtras(deps, pair, all, newest?.id)));
  if (!newest) return [...out, { replica: pair.id, outcome: { action: 'ignored', reason: `no available snapshot of ${pair.source.identifier} in ${pair.source.region}` } }];
  const replicaRds = replicaOf(deps, pair);
  const there = await replicaRds.describeSnapshot(copyTargetOf(pair, newest.id));
  // A copy counts the region's manual snapshots and reports the quota gauge itself; otherwise the sweep reads it, so
  // the alarm sees the count every hour, even on days without copies, and the listing is never paged through twice.
  if (!there) return [...out, await copyFor(deps, pair, newest.id, 0, undefined, { defer: false })];
  deps.telemetry.count(MANUAL_SNAPSHOTS_METRIC, (await replicaRds.manualSnapshotCounts()).total, { replica: pair.id });
  return [...out, { replica: pair.id, snapshotId: newest.id, outcome: { action: 'skip', reason: 'newest already copied' } }];
}

/**
 * The extra manual snapshots the project took of x stay in x's region only until their copy is
 * available in y's region (they count against x's region's manual-snapshot quota), or, when no copy
 * is on its way, once `copy.maxWaitHours` has passed and a newer snapshot of x has superseded them.
 * Only snapshots carrying both the extra-snapshot tag and the ownership tag are ever deleted.
 */
async function removeCopiedExtras(
  deps: CopyInvocationDeps,
  pair: PairConfig,
  snapshots: readonly { id: string; type: string; status: string; dataTime?: Date; tags?: Record<string, string> }[],
  newestId: string | undefined,
): Promise<CopyInvocationOutcome[]> {
  const out: CopyInvocationOutcome[] = [];
  // A copy carries its source's tags (CopyTags): within one region the copy of an extra snapshot is not one.
  const extras = snapshots.filter((s) => s.type === 'manual' && s.status === 'available' && isExtraSnapshot(s, pair.ownershipTag));
  const now = deps.now().getTime();
  for (const extra of extras) {
    const copy = await replicaOf(deps, pair).describeSnapshot(copyTargetOf(pair, extra.id));
    const abandoned = !copy && extra.id !== newestId && extra.dataTime !== undefined && now - extra.dataTime.getTime() > pair.copy.maxWaitHours * 3_600_000;
    if (copy?.status !== 'available' && !abandoned) continue;
    const result = await sourceOf(deps, pair).deleteOwnedSnapshot(extra.id, pair.ownershipTag);
    if (result !== 'deleted') continue;
    deps.telemetry.count('ExtraSnapshotDeleted', 1, { replica: pair.id });
    if (abandoned) deps.telemetry.warn('extra snapshot deleted uncopied: superseded and past copy.maxWaitHours', { replica: pair.id, snapshotId: extra.id });
    out.push({ replica: pair.id, snapshotId: extra.id, outcome: { action: 'source-snapshot-deleted', snapshotId: extra.id } });
  }
  return out;
}

/**
 * Takes an extra manual snapshot of x (a schedule for an RPO tighter than daily). Named after the
 * scheduled minute, so a repeated delivery finds it already there. Its "created" event (0042, or 0075 for a
 * cluster snapshot of an Aurora x) brings it to the copy like any other snapshot of x.
 */
async function takeExtraSnapshot(deps: CopyInvocationDeps, pair: PairConfig, scheduledTime: Date): Promise<CopyInvocationOutcome> {
  const snapshotId = extraSnapshotId(pair.source.identifier, scheduledTime);
  const result = await sourceOf(deps, pair).createSnapshot(pair.source.identifier, snapshotId, { [pair.ownershipTag.key]: pair.ownershipTag.value, [EXTRA_SNAPSHOT_TAG]: 'true' });
  deps.telemetry.count(result === 'started' ? 'ExtraSnapshotTaken' : 'ExtraSnapshotExisted', 1, { replica: pair.id });
  return { replica: pair.id, snapshotId, outcome: { action: result === 'started' ? 'snapshot-taken' : 'snapshot-existed', snapshotId } };
}

/** Handles one invocation of the copy function for the pairs whose x is in this region. */
export async function handleCopyInvocation(deps: CopyInvocationDeps, pairs: readonly PairConfig[], input: unknown): Promise<CopyInvocationOutcome[]> {
  const ignored = (reason: string): CopyInvocationOutcome[] => {
    deps.telemetry.count('CopyInputIgnored', 1, { reason });
    return [{ outcome: { action: 'ignored', reason } }];
  };
  if (!isRecord(input)) return ignored('malformed');
  if (input.trigger === 'sweep') return sweep(deps, pairs);
  if (input.trigger === 'extra-snapshot') {
    const pair = pairs.find((p) => p.id === input.replica);
    if (!pair?.copy.extraSnapshots) return ignored('extra-snapshot-unknown-replica');
    const scheduled = typeof input.scheduledTime === 'string' ? new Date(input.scheduledTime) : deps.now();
    return [await takeExtraSnapshot(deps, pair, Number.isNaN(scheduled.getTime()) ? deps.now() : scheduled)];
  }
  if (Array.isArray(input.Records)) {
    const out: CopyInvocationOutcome[] = [];
    for (const record of input.Records as unknown[]) {
      let body: unknown;
      try {
        body = isRecord(record) && typeof record.body === 'string' ? JSON.parse(record.body) : undefined;
      } catch {
        body = undefined;
      }
      const pair = isRecord(body) ? pairs.find((p) => p.id === body.replica) : undefined;
      if (!isRecord(body) || !pair || typeof body.snapshotId !== 'string') {
        out.push(...ignored('malformed-deferred-copy'));
        continue;
      }
      out.push(await copyFor(deps, pair, body.snapshotId, typeof body.attempt === 'number' ? body.attempt : 1, typeof body.since === 'string' ? body.since : undefined));
    }
    return out;
  }
  const parsed = parseEventBridgeEvent(input);
  if (parsed.kind === 'ignored') return ignored(parsed.reason);
  const event = parsed.event;
  const kind = event.sourceType === 'db-snapshot' && SNAPSHOT_CREATED_EVENTS.includes(event.eventId) ? 'instance' : event.sourceType === 'db-cluster-snapshot' && CLUSTER_SNAPSHOT_CREATED_EVENTS.includes(event.eventId) ? 'cluster' : undefined;
  if (!kind) return ignored('irrelevant-event');
  const snapshotId = snapshotIdFromEvent(event.eventId, event.sourceId);
  // The event names the snapshot, not its instance or cluster: the copy step checks each candidate pair's x, among the
  // pairs whose x is of the event's kind (a DB snapshot and a DB cluster snapshot may share a name).
  const out: CopyInvocationOutcome[] = [];
  for (const pair of pairs.filter((p) => p.source.kind === kind)) out.push(await copyFor(deps, pair, snapshotId, 0));
  const relevant = out.filter((o) => o.outcome.action !== 'ignored');
  return relevant.length > 0 ? relevant : ignored('not-a-source-snapshot');
}
