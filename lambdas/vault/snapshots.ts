/**
 * The vault keeps copies of both kinds of x (issue 18): DB snapshots of a DB instance, DB cluster snapshots of an Aurora
 * cluster. RDS has one set of calls for each (DescribeDBSnapshots / DescribeDBClusterSnapshots, ModifyDBSnapshotAttribute /
 * ModifyDBClusterSnapshotAttribute, CopyDBSnapshot / CopyDBClusterSnapshot, …); this is where the vault's code picks the
 * set, by the x it works for or by the snapshot's ARN (`:snapshot:` or `:cluster-snapshot:`), so that the rest of the
 * vault is written once.
 */
import type { CopyRequest } from '../copy/plan';
import type { SnapshotView } from '../kernel/model';

/** The two kinds of snapshot, as the two kinds of x. */
export type SnapshotKind = 'instance' | 'cluster';

/** The kind of a snapshot ARN: a DB cluster snapshot's names `cluster-snapshot`, a DB snapshot's `snapshot`. */
export function snapshotKindOf(arn: string): SnapshotKind {
  return /^arn:aws[a-z-]*:rds:[^:]*:\d*:cluster-snapshot:/.test(arn) ? 'cluster' : 'instance';
}

/** The resource type of a snapshot kind in its ARN. */
export function snapshotArnType(kind: SnapshotKind): 'snapshot' | 'cluster-snapshot' {
  return kind === 'cluster' ? 'cluster-snapshot' : 'snapshot';
}

/** One kind's snapshot calls in one region, as production's share function needs them. */
export interface SharingCalls {
  listSnapshots(query: { instanceId: string; dbiResourceId?: string; types: readonly string[] }): Promise<SnapshotView[]>;
  describeSnapshot(snapshotId: string): Promise<SnapshotView | undefined>;
  sharedWith(snapshotId: string): Promise<string[] | undefined>;
  shareSnapshot(snapshotId: string, account: string): Promise<void>;
}

/** One kind's snapshot calls in one region, as the vault needs them. */
export interface KeepingCalls {
  listShared(ownerAccount: string): Promise<SnapshotView[]>;
  listTaggedManual(tag: { key: string; value: string }): Promise<SnapshotView[]>;
  copy(request: CopyRequest): Promise<'started' | 'already-exists'>;
  deleteOwned(snapshotId: string, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'>;
}

/** A kind's calls, or an error that says the function was built without them. */
export function callsOf<T>(calls: Partial<Record<SnapshotKind, T>>, kind: SnapshotKind, what: string): T {
  const found = calls[kind];
  if (!found) throw new Error(`${what} has no ${kind === 'cluster' ? 'DB cluster' : 'DB'} snapshot calls, yet a pair of that kind reached it`);
  return found;
}

/** Each kind's calls in one region, over both kinds' snapshots at once where a sweep wants all of them. */
export class KeptSnapshots {
  public constructor(private readonly calls: Partial<Record<SnapshotKind, KeepingCalls>>) {}

  /** What other accounts share with this one in this region, of every kind built, owned by `ownerAccount`. */
  public async listSharedSnapshots(ownerAccount: string): Promise<SnapshotView[]> {
    const out: SnapshotView[] = [];
    for (const calls of Object.values(this.calls)) out.push(...(await calls.listShared(ownerAccount)));
    return out;
  }

  /** The manual snapshots of every kind built that carry `tag`. */
  public async listTaggedManualSnapshots(tag: { key: string; value: string }): Promise<SnapshotView[]> {
    const out: SnapshotView[] = [];
    for (const calls of Object.values(this.calls)) out.push(...(await calls.listTaggedManual(tag)));
    return out;
  }

  /** Copies a snapshot with the calls of its source's kind. */
  public copySnapshot(request: CopyRequest): Promise<'started' | 'already-exists'> {
    return callsOf(this.calls, snapshotKindOf(request.sourceArn), 'the vault').copy(request);
  }

  /** Deletes one of the vault's snapshots (named by its ARN, which says its kind) if it carries the tag. */
  public deleteOwnedSnapshot(snapshot: Pick<SnapshotView, 'id' | 'arn'>, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'> {
    return callsOf(this.calls, snapshotKindOf(snapshot.arn), 'the vault').deleteOwned(snapshot.id, ownershipTag);
  }
}
