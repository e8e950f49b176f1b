/**
 * What y's settings become on the new y: overrides, lineage tags, the split between what a restore
 * can set and what needs a ModifyDBInstance afterwards, and the drift check.
 */
import type { SettingsOverrides } from '../../kernel/config';
import { COMPARED_SETTINGS, MODIFY_GROUPS, type ModifyGroupName } from './catalog';
import { gp3ProvisioningThreshold } from './engines';
import type { Drift, InstanceSettings, InstanceView } from '../../kernel/model';
import { ownTags } from '../lineage';

export { LINEAGE_TAGS, lineageOf, lineageTags, ownTags } from '../lineage';

/**
 * The settings the new y must have: y's live settings with config overrides on top. Tag overrides
 * merge into y's tags rather than replace them. Values a restore would reject in their combination
 * (an AZ with Multi-AZ, IOPS on gp2, gp3 IOPS below the provisioning threshold) are dropped.
 */
export function desiredSettings(live: InstanceSettings, overrides: SettingsOverrides, engine?: string): InstanceSettings {
  const { tags: tagOverrides, ...rest } = overrides;
  const merged: InstanceSettings = { ...live, ...rest, tags: { ...ownTags(live.tags), ...(tagOverrides ?? {}) } };
  // A Multi-AZ instance may not name an availability zone, and a zone only binds a single-AZ one.
  if (merged.multiAz) delete merged.availabilityZone;
  // Provisioned IOPS and throughput belong to the storage types that take them; gp2 and magnetic reject them.
  if (merged.storageType === 'gp2' || merged.storageType === 'standard') {
    delete merged.iops;
    delete merged.storageThroughput;
  }
  if (merged.storageType !== 'gp3') delete merged.storageThroughput;
  // Below the threshold gp3 runs at its baseline (3000 IOPS, 125 MiB/s), which DescribeDBInstances reports but a restore must not name.
  if (merged.storageType === 'gp3' && (merged.allocatedStorage ?? 0) < gp3ProvisioningThreshold(engine) && rest.iops === undefined && rest.storageThroughput === undefined) {
    delete merged.iops;
    delete merged.storageThroughput;
  }
  if (merged.monitoringInterval === 0) delete merged.monitoringRoleArn;
  if (!merged.performanceInsightsEnabled) {
    delete merged.performanceInsightsKmsKeyId;
    delete merged.performanceInsightsRetentionPeriod;
  }
  return merged;
}

export type { ModifyGroupName } from './catalog';

/**
 * What a restore cannot set, in groups that RDS accepts or rejects together (the catalog's `modify.group`): one
 * rejected value (a MaxAllocatedStorage too close to the allocated storage, say) fails the whole ModifyDBInstance,
 * so each group goes in its own call and one bad value does not lose the rest.
 */
export { MODIFY_GROUPS };

/** One post-restore ModifyDBInstance. */
export interface ModifyGroup {
  group: ModifyGroupName;
  changes: Partial<InstanceSettings>;
}

/** Compares two setting values; lists compare as sets. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const sa = (a as unknown[]).map((v) => JSON.stringify(v)).sort();
    const sb = (b as unknown[]).map((v) => JSON.stringify(v)).sort();
    return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return sameValue(ka, kb) && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** The ModifyDBInstance calls that bring a freshly restored y to the desired settings, one per group that differs (empty: none needed). */
export function postRestoreGroups(desired: InstanceSettings, restored: InstanceView): ModifyGroup[] {
  const effective: InstanceSettings = { ...restored.settings, ...restored.pending };
  const groups: ModifyGroup[] = [];
  for (const [group, keys] of Object.entries(MODIFY_GROUPS) as [ModifyGroupName, readonly (keyof InstanceSettings)[]][]) {
    const changes: Partial<InstanceSettings> = {};
    for (const key of keys) {
      const want = desired[key];
      if (want !== undefined && !sameValue(want, effective[key])) (changes as Record<string, unknown>)[key] = want;
    }
    if (Object.keys(changes).length === 0) continue;
    // Enhanced monitoring needs its role in the same call.
    if (changes.monitoringInterval !== undefined && desired.monitoringRoleArn) changes.monitoringRoleArn = desired.monitoringRoleArn;
    if (group === 'performance-insights' && desired.performanceInsightsEnabled) {
      changes.performanceInsightsEnabled = true;
      if (desired.performanceInsightsRetentionPeriod) changes.performanceInsightsRetentionPeriod = desired.performanceInsightsRetentionPeriod;
      // PI takes its key only when it is first enabled (it cannot change later).
      if (desired.performanceInsightsKmsKeyId && !effective.performanceInsightsEnabled) changes.performanceInsightsKmsKeyId = desired.performanceInsightsKmsKeyId;
      if (desired.databaseInsightsMode) changes.databaseInsightsMode = desired.databaseInsightsMode;
    }
    groups.push({ group, changes });
  }
  return groups;
}

/** The IAM roles the new y must get back: y's associated roles it does not have yet. */
export function missingRoles(desired: InstanceSettings, restored: InstanceView): { roleArn: string; featureName: string }[] {
  const have = new Set((restored.settings.associatedRoles ?? []).map((r) => `${r.roleArn}|${r.featureName}`));
  return (desired.associatedRoles ?? []).filter((r) => !have.has(`${r.roleArn}|${r.featureName}`));
}

/** What the drift check compares (only where a value is desired): the catalog's compared settings, and y's IAM roles. */
const COMPARED: readonly (keyof InstanceSettings)[] = [...COMPARED_SETTINGS, 'associatedRoles'];

/**
 * Every desired setting the new y does not have, counting modifications RDS has accepted but not
 * yet applied as done. Tags compare y's own tags only.
 */
export function driftOf(desired: InstanceSettings, actual: InstanceView): Drift[] {
  const effective: InstanceSettings = { ...actual.settings, ...actual.pending };
  const drift: Drift[] = [];
  for (const key of COMPARED) {
    const want = desired[key];
    if (want === undefined) continue;
    const have = effective[key];
    if (!sameValue(want, have)) drift.push({ setting: key, expected: want, actual: have ?? null });
  }
  const wantTags = ownTags(desired.tags);
  const haveTags = ownTags(actual.tags);
  for (const key of new Set([...Object.keys(wantTags), ...Object.keys(haveTags)])) {
    if (wantTags[key] !== haveTags[key]) drift.push({ setting: `tags.${key}`, expected: wantTags[key] ?? null, actual: haveTags[key] ?? null });
  }
  return drift;
}
