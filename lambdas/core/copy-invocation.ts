/**
 * The copy function's invocations: an RDS "snapshot created" event for x (EventBridge), a deferred
 * copy coming back from the delay queue (SQS), or the scheduled sweep. Malformed and unrelated input
 * is counted and ignored.
 */
import type { PairConfig } from '../shared/config';
import type { CopyDeps, CopyOutcome } from './copy-snapshot';
import { copyOneSnapshot } from './copy-snapshot';
import { copyTargetId } from './copy';
import { alert } from './measures';
import { parseEventBridgeEvent } from './events';
import type { ReplicaRds, SnapshotStore } from './ports';
import { sourceSnapshotQuery } from './snapshots';

/** Automated (0091) and manual (0042) snapshot created. */
export const SNAPSHOT_CREATED_EVENTS: readonly string[] = ['RDS-EVENT-0091', 'RDS-EVENT-0042'];

/** What the copy function needs besides {@link CopyDeps}. */
export interface CopyInvocationDeps extends Omit<CopyDeps, 'replicaRds'> {
  sourceRds: CopyDeps['sourceRds'] & Pick<ReplicaRds, 'listSnapshots'>;
  /** RDS in a replica region. */
  replicaRdsFor(region: string): SnapshotStore;
  defer(message: DeferredCopy, delaySeconds: number): Promise<void>;
}

/** A copy waiting in the delay queue. */
export interface DeferredCopy {
  replica: string;
  snapshotId: string;
  attempt: number;
}

/** What one invocation did. */
export interface CopyInvocationOutcome {
  replica?: string;
  snapshotId?: string;
  outcome: CopyOutcome | { action: 'ignored'; reason: string };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An automated snapshot's id may come without its `rds:` prefix (RDS-NOTES); DescribeDBSnapshots needs it. */
function snapshotIdFromEvent(eventId: string, sourceId: string): string {
  return eventId === 'RDS-EVENT-0091' && !sourceId.startsWith('rds:') ? `rds:${sourceId}` : sourceId;
}

/** Deferrals before a copy is given up and people are told: 48 × the default 5 minutes is 4 hours. */
export const MAX_DEFERRALS = 48;

async function copyFor(deps: CopyInvocationDeps, pair: PairConfig, snapshotId: string, attempt: number): Promise<CopyInvocationOutcome> {
  const outcome = await copyOneSnapshot({ ...deps, replicaRds: deps.replicaRdsFor(pair.replica.region) }, pair, snapshotId);
  if (outcome.action !== 'defer') return { replica: pair.replica.instanceId, snapshotId, outcome };
  if (attempt >= MAX_DEFERRALS) {
    deps.telemetry.count('SnapshotCopyGaveUp', 1, { replica: pair.replica.instanceId });
    await deps.notifier.publish(
      alert(
        'snapshots.copy-gave-up',
        pair.replica.instanceId,
        `gave up copying ${snapshotId}`,
        `${snapshotId} could not be copied into ${pair.replica.region} after ${attempt} tries (last: ${outcome.reason}). The hourly sweep copies the newest snapshot of ${pair.source.instanceId} once the cause is gone; check the copies in flight in the RDS console.`,
        { snapshotId, attempts: attempt },
      ),
    );
    return { replica: pair.replica.instanceId, snapshotId, outcome: { action: 'error', reason: `gave up after ${attempt} tries: ${outcome.reason}` } };
  }
  await deps.defer({ replica: pair.replica.instanceId, snapshotId, attempt: attempt + 1 }, outcome.delaySeconds);
  return { replica: pair.replica.instanceId, snapshotId, outcome };
}

/** The sweep: for each pair, the newest available snapshot of x without a copy yet (missed events, first deployment). */
async function sweep(deps: CopyInvocationDeps, pairs: readonly PairConfig[]): Promise<CopyInvocationOutcome[]> {
  const out: CopyInvocationOutcome[] = [];
  for (const pair of pairs) {
    const all = await deps.sourceRds.listSnapshots(sourceSnapshotQuery(pair, ['automated', 'manual']));
    const newest = all.filter((s) => s.status === 'available').sort((a, b) => (b.dataTime?.getTime() ?? 0) - (a.dataTime?.getTime() ?? 0))[0];
    if (!newest) {
      out.push({ replica: pair.replica.instanceId, outcome: { action: 'ignored', reason: `no available snapshot of ${pair.source.instanceId} in ${pair.source.region}` } });
      continue;
    }
    const there = await deps.replicaRdsFor(pair.replica.region).describeSnapshot(copyTargetId(newest.id));
    out.push(there ? { replica: pair.replica.instanceId, snapshotId: newest.id, outcome: { action: 'skip', reason: 'newest already copied' } } : await copyFor(deps, pair, newest.id, 0));
  }
  return out;
}

/** Handles one invocation of the copy function for the pairs whose x is in this region. */
export async function handleCopyInvocation(deps: CopyInvocationDeps, pairs: readonly PairConfig[], input: unknown): Promise<CopyInvocationOutcome[]> {
  const ignored = (reason: string): CopyInvocationOutcome[] => {
    deps.telemetry.count('CopyInputIgnored', 1, { reason });
    return [{ outcome: { action: 'ignored', reason } }];
  };
  if (!isRecord(input)) return ignored('malformed');
  if (input.trigger === 'sweep') return sweep(deps, pairs);
  if (Array.isArray(input.Records)) {
    const out: CopyInvocationOutcome[] = [];
    for (const record of input.Records as unknown[]) {
      let body: unknown;
      try {
        body = isRecord(record) && typeof record.body === 'string' ? JSON.parse(record.body) : undefined;
      } catch {
        body = undefined;
      }
      const pair = isRecord(body) ? pairs.find((p) => p.replica.instanceId === body.replica) : undefined;
      if (!isRecord(body) || !pair || typeof body.snapshotId !== 'string') {
        out.push(...ignored('malformed-deferred-copy'));
        continue;
      }
      out.push(await copyFor(deps, pair, body.snapshotId, typeof body.attempt === 'number' ? body.attempt : 1));
    }
    return out;
  }
  const parsed = parseEventBridgeEvent(input);
  if (parsed.kind === 'ignored') return ignored(parsed.reason);
  const event = parsed.event;
  if (event.sourceType !== 'db-snapshot' || !SNAPSHOT_CREATED_EVENTS.includes(event.eventId)) return ignored('irrelevant-event');
  const snapshotId = snapshotIdFromEvent(event.eventId, event.sourceId);
  // The event names the snapshot, not its instance: the copy step checks each candidate pair's x.
  const out: CopyInvocationOutcome[] = [];
  for (const pair of pairs) out.push(await copyFor(deps, pair, snapshotId, 0));
  const relevant = out.filter((o) => o.outcome.action !== 'ignored');
  return relevant.length > 0 ? relevant : ignored('not-a-source-snapshot');
}
