/**
 * The tags the project puts on the snapshots it makes, which every room that finds, copies, shares or expires
 * snapshots reads: the copies (copy pipeline), the extra manual snapshots of x (copy pipeline), and what they mean.
 */

/** Tags the project puts on its copies; retention only ever deletes snapshots that carry the ownership tag. */
export const COPY_TAGS = { source: 'replica-refresh:copied-from' } as const;

/** Tag on the extra manual snapshots the project takes of x; they are deleted from x's region once copied. */
export const EXTRA_SNAPSHOT_TAG = 'replica-refresh:extra-snapshot';

type Tagged = { tags?: Record<string, string> };

/**
 * Whether a snapshot is a copy the copy pipeline made, whichever pair's (any ownership tag): it carries
 * {@link COPY_TAGS}. Such a copy is never copied again, and never taken for one of x's extra snapshots.
 */
export function isPipelineCopy(snapshot: Tagged): boolean {
  return snapshot.tags?.[COPY_TAGS.source] !== undefined;
}

/**
 * Whether a snapshot is one of this pair's copies: the pair's ownership tag and {@link COPY_TAGS}. Only these are shared
 * with the vault, and only these are expired by retention.
 */
export function isProjectCopy(snapshot: Tagged, ownershipTag: { key: string; value: string }): boolean {
  return snapshot.tags?.[ownershipTag.key] === ownershipTag.value && isPipelineCopy(snapshot);
}

/**
 * Whether a snapshot is one of the project's extra manual snapshots of x (the ownership tag and
 * {@link EXTRA_SNAPSHOT_TAG}, and not a copy, which carries its source's tags): transient, deleted once copied.
 */
export function isExtraSnapshot(snapshot: Tagged, ownershipTag: { key: string; value: string }): boolean {
  return snapshot.tags?.[EXTRA_SNAPSHOT_TAG] === 'true' && snapshot.tags[ownershipTag.key] === ownershipTag.value && !isPipelineCopy(snapshot);
}
