/**
 * Identifiers the project makes.
 */

/** A sortable, unique run id: `20261121T020000Z-1a2b3c`. */
export function makeRunId(now: Date, random: string): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}-${random}`;
}

/** The deterministic name of the final snapshot a run takes of y. */
export function finalSnapshotId(replicaId: string, runId: string): string {
  return `${replicaId}-final-${runId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').slice(0, 255).replace(/-$/, '');
}
