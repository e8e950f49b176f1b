/** An RDS DB instance as a refresh target. */
import type { TargetModel } from '../target';
import { INSTANCE_CATALOG } from './catalog';
import { shapeRestore } from './engines';
import { desiredSettings, driftOf, postRestoreGroups } from './settings';

/** Instance states in which y serves queries again: "usable" is not only `available`. */
const USABLE_STATES: ReadonlySet<string> = new Set([
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
const FAILED_STATES: ReadonlySet<string> = new Set([
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
const DELETABLE_STATES: ReadonlySet<string> = new Set(['available', 'backing-up', 'stopped', 'storage-optimization', 'storage-full']);

/**
 * States a failed restore leaves an instance in, from which RDS still deletes it: `failed`, `incompatible-restore` and
 * `incompatible-network` with SkipFinalSnapshot only (DeleteDBInstance API reference); `incompatible-parameters`
 * allows only a reboot or a delete (AWS Knowledge Center, "incompatible-parameters").
 */
const REPLACEABLE_FAILED_STATES: ReadonlySet<string> = new Set(['failed', 'incompatible-restore', 'incompatible-network', 'incompatible-parameters']);

/** The instance target. */
export const INSTANCE_TARGET: TargetModel = {
  kind: 'instance',
  eventSourceType: 'db-instance',
  arnResourceType: 'db',
  usableStates: USABLE_STATES,
  failedStates: FAILED_STATES,
  deletableStates: DELETABLE_STATES,
  replaceableFailedStates: REPLACEABLE_FAILED_STATES,
  catalog: INSTANCE_CATALOG,
  desiredSettings,
  shapeRestore,
  postRestoreGroups,
  driftOf,
};
