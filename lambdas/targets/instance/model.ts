/** An RDS DB instance as a refresh target. */
import type { InstanceSettings, InstanceView, TargetSettings, TargetView } from '../../kernel/model';
import type { TargetModel, TargetSignal } from '../target';
import { shapeRestore } from './engines';
import { MODIFY_GROUPS, desiredSettings, driftOf, missingRoles, postRestoreGroups } from './settings';

/** Instance states in which y serves queries again: "usable" is not only `available`. */
export const USABLE_STATES: ReadonlySet<string> = new Set([
  'available',
  'backing-up',
  'storage-optimization',
  'modifying',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'configuring-activity-stream',
]);

/** Instance states from which a restore will not come good by itself. */
export const FAILED_STATES: ReadonlySet<string> = new Set([
  'failed',
  'restore-error',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
]);

/** States from which y can be deleted and a refresh makes sense. */
export const DELETABLE_STATES: ReadonlySet<string> = new Set(['available', 'backing-up', 'stopped', 'storage-optimization', 'storage-full']);

/**
 * States a failed restore leaves an instance in, from which RDS still deletes it: `failed`, `incompatible-restore` and
 * `incompatible-network` with SkipFinalSnapshot only (DeleteDBInstance API reference); `incompatible-parameters`
 * allows only a reboot or a delete (AWS Knowledge Center, "incompatible-parameters").
 */
const REPLACEABLE_FAILED_STATES: ReadonlySet<string> = new Set(['failed', 'incompatible-restore', 'incompatible-network', 'incompatible-parameters']);

/** RDS events about a DB instance, by what they mean for a refresh (lambdas/events/parse.ts has the ids and why). */
export const INSTANCE_EVENTS = {
  /** Instance deleted. */
  deleted: ['RDS-EVENT-0003'],
  /**
   * y may serve again: restored from a DB snapshot (0008, the documented id; 0043, "Restored from snapshot NAME",
   * which can come while y is still `creating`), created (0005), point-in-time restore finished (0019), or its
   * first backup finished (0002). Each is confirmed with DescribeDBInstances before y counts as usable.
   */
  usable: ['RDS-EVENT-0008', 'RDS-EVENT-0043', 'RDS-EVENT-0005', 'RDS-EVENT-0019', 'RDS-EVENT-0002'],
  /** Creation failed (0278), insufficient resource limits (0353), KMS key inaccessible (0418), instance inaccessible (0419). */
  failed: ['RDS-EVENT-0278', 'RDS-EVENT-0353', 'RDS-EVENT-0418', 'RDS-EVENT-0419'],
  /** "The DB instance restarted" (0006, availability): a rename's reboot ended (RDS User Guide, "Renaming a DB instance"). */
  restarted: ['RDS-EVENT-0006'],
} as const;

/** The signal of a DB instance event, by its id. */
export function instanceSignal(eventId: string): TargetSignal | undefined {
  if ((INSTANCE_EVENTS.deleted as readonly string[]).includes(eventId)) return 'deleted';
  if ((INSTANCE_EVENTS.usable as readonly string[]).includes(eventId)) return 'usable';
  if ((INSTANCE_EVENTS.failed as readonly string[]).includes(eventId)) return 'failed';
  if ((INSTANCE_EVENTS.restarted as readonly string[]).includes(eventId)) return 'restarted';
  return undefined;
}

/** The instance's settings; settings of another kind here are a bug (a pair's target never changes kind). */
export function instanceSettings(s: TargetSettings): InstanceSettings {
  if (s.kind === 'cluster') throw new Error('a DB instance target was handed an Aurora cluster\'s settings');
  return s;
}

/** The instance itself; a view of another kind here is a bug. */
export function instanceView(v: TargetView): InstanceView {
  if (v.kind === 'cluster') throw new Error(`a DB instance target was handed the Aurora cluster ${v.id}`);
  return v;
}

/** The instance target. */
export const INSTANCE_TARGET: TargetModel = {
  kind: 'instance',
  eventSourceType: 'db-instance',
  arnResourceType: 'db',
  noun: 'instance',
  deleteApi: 'DeleteDBInstance',
  deletableStates: DELETABLE_STATES,
  replaceableFailedStates: REPLACEABLE_FAILED_STATES,
  // An instance's delete is one call: it is `deleting` once it has begun.
  deleteStarted: () => false,
  usable: (v) => USABLE_STATES.has(v.status),
  failed: (v) => (FAILED_STATES.has(v.status) ? v.status : undefined),
  facts: (view) => {
    const v = instanceView(view);
    return {
      summary: `${v.engine}, ${v.settings.instanceClass}`,
      monitoringRoleArns: v.settings.monitoringInterval > 0 && v.settings.monitoringRoleArn ? [v.settings.monitoringRoleArn] : [],
      associatedRoles: v.settings.associatedRoles ?? [],
      ...(v.settings.allocatedStorage !== undefined ? { allocatedStorage: v.settings.allocatedStorage } : {}),
      domainMemberships: v.domainMemberships,
      problems: [],
    };
  },
  owns: (pair, sourceType, sourceId) => sourceType === 'db-instance' && sourceId === pair.replica.identifier,
  // The event's instance is the pair's (y, or an instance its refresh mode runs beside y: the strategy's `manages`).
  signalOf: (_pair, event) => (event.sourceType === 'db-instance' ? instanceSignal(event.eventId) : undefined),
  desiredSettings: (live, overrides, engine) => desiredSettings(instanceSettings(live), overrides, engine),
  restoreSettings: (desired, snapshot, { anyZone }) => {
    const settings = { ...instanceSettings(desired) };
    // Storage cannot shrink: if x grew past y, the restore needs at least the snapshot's size.
    if (snapshot.allocatedStorage !== undefined && (settings.allocatedStorage ?? 0) < snapshot.allocatedStorage) settings.allocatedStorage = snapshot.allocatedStorage;
    // After a capacity shortage, any zone will do rather than the one that has none.
    if (anyZone) delete settings.availabilityZone;
    return settings;
  },
  shapeRestore: (engine, desired) => shapeRestore(engine, instanceSettings(desired)),
  postRestoreGroups: (desired, restored) => postRestoreGroups(instanceSettings(desired), instanceView(restored)),
  groupOfSetting: (setting) => (setting === 'associatedRoles' ? 'iam-role:' : Object.entries(MODIFY_GROUPS).find(([, keys]) => (keys as readonly string[]).includes(setting))?.[0]),
  missingRoles: (desired, restored) => missingRoles(instanceSettings(desired), instanceView(restored)),
  driftOf: (desired, actual) => driftOf(instanceSettings(desired), instanceView(actual)),
};
