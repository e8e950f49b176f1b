/**
 * Which pairs share a retention pass: those whose retention cron and time zone are the same. One schedule per group
 * (infra/features/retention-schedule.ts) invokes the retention function with the group's pair ids; the simulation
 * schedules the same groups.
 */

/** When one pair's copies are expired. */
export interface RetentionScheduleEntry {
  /** The pair's id, passed to the function among `replicas`. */
  readonly replicaId: string;
  /** A Scheduler cron expression, such as `cron(30 12 * * ? *)`. */
  readonly cron: string;
  /** The IANA time zone the cron expression is read in. */
  readonly timeZone: string;
}

/** The pairs that share one retention schedule: one cron, one zone. */
export interface RetentionGroup {
  readonly cron: string;
  readonly timeZone: string;
  /** The pairs' ids, in the order of the entries. */
  readonly replicaIds: readonly string[];
}

/** The entries grouped by cron and time zone, in the order each group first appears. */
export function retentionGroups(entries: readonly RetentionScheduleEntry[]): RetentionGroup[] {
  const groups = new Map<string, { cron: string; timeZone: string; replicaIds: string[] }>();
  for (const e of entries) {
    const key = `${e.cron} ${e.timeZone}`;
    const group = groups.get(key) ?? { cron: e.cron, timeZone: e.timeZone, replicaIds: [] };
    group.replicaIds.push(e.replicaId);
    groups.set(key, group);
  }
  return [...groups.values()];
}
