/**
 * The lineage every refreshed y carries in its tags, whatever its kind: the snapshot it was restored from, when that
 * data is from, the run that restored it and when. The preflight reads it (is the snapshot newer?), the restore writes
 * it, and a run knows its own restore by it.
 */

/** Tags the project writes on every refreshed y; never carried across as y's own. */
export const LINEAGE_TAGS = {
  sourceSnapshot: 'replica-refresh:source-snapshot',
  sourceSnapshotTime: 'replica-refresh:source-snapshot-time',
  runId: 'replica-refresh:run-id',
  refreshedAt: 'replica-refresh:refreshed-at',
} as const;

const LINEAGE_KEYS: ReadonlySet<string> = new Set(Object.values(LINEAGE_TAGS));

/** Tags that RDS or AWS manage and that may not be written back. */
function isReservedTag(key: string): boolean {
  return key.startsWith('aws:');
}

/** y's own tags: everything but lineage and reserved tags. */
export function ownTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !LINEAGE_KEYS.has(k) && !isReservedTag(k)));
}

/** The lineage y carries: which snapshot it came from and when that data is from. */
export function lineageOf(tags: Record<string, string>): { snapshotId?: string; dataTime?: Date } {
  const raw = tags[LINEAGE_TAGS.sourceSnapshotTime];
  const parsed = raw ? new Date(raw) : undefined;
  return {
    ...(tags[LINEAGE_TAGS.sourceSnapshot] ? { snapshotId: tags[LINEAGE_TAGS.sourceSnapshot] } : {}),
    ...(parsed && !Number.isNaN(parsed.getTime()) ? { dataTime: parsed } : {}),
  };
}

/** Lineage tags for a new y. */
export function lineageTags(input: { snapshotId: string; dataTime?: string; runId: string; refreshedAt: Date }): Record<string, string> {
  return {
    [LINEAGE_TAGS.sourceSnapshot]: input.snapshotId,
    ...(input.dataTime ? { [LINEAGE_TAGS.sourceSnapshotTime]: input.dataTime } : {}),
    [LINEAGE_TAGS.runId]: input.runId,
    [LINEAGE_TAGS.refreshedAt]: input.refreshedAt.toISOString(),
  };
}
