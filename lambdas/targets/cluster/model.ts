/**
 * An Aurora DB cluster as a refresh target: the cluster and its member instances, refreshed as one. Operations work on
 * the cluster; a restore creates no instance, so the writer is created once the restored cluster is available, and
 * the readers once the writer serves (RDS-NOTES, Aurora; CreateDBInstance: "You can create DB instances only after the
 * RestoreDBClusterFromSnapshot operation has completed and the DB cluster is available").
 */
import type { PairConfig, SettingsOverrides } from '../../kernel/config';
import type { ClusterTargetSettings, ClusterView, Drift, MemberSettings, TargetSettings, TargetView } from '../../kernel/model';
import { ownTags } from '../lineage';
import { DELETABLE_STATES as INSTANCE_DELETABLE_STATES, FAILED_STATES as INSTANCE_FAILED_STATES, USABLE_STATES as INSTANCE_USABLE_STATES, instanceSignal } from '../instance/model';
import type { PostRestoreGroup, TargetModel } from '../target';
import type { AuroraEngine } from './catalog';
import { CLUSTER_CATALOG, clusterDrift, clusterModifyParameters } from './catalog';
import { writerOf } from './view';

/**
 * Cluster states in which a refresh may delete it: it serves (`available`, `backing-up`) or is stopped. "You can
 * delete a stopped DB cluster" is assumed from the DB instance rule (DeleteDBInstance deletes a stopped instance);
 * the cluster status list is the Aurora UG's "Viewing DB cluster status".
 */
const DELETABLE_STATES: ReadonlySet<string> = new Set(['available', 'backing-up', 'stopped']);

/**
 * Cluster states from which a restore will not come good by itself (Aurora UG, "Viewing DB cluster status":
 * `inaccessible-encryption-credentials` and its recoverable form; `cloning-failed` and `migration-failed` end other
 * creations).
 */
const FAILED_STATES: ReadonlySet<string> = new Set(['inaccessible-encryption-credentials', 'inaccessible-encryption-credentials-recoverable', 'cloning-failed', 'migration-failed']);

/** Cluster states in which it serves once its writer does: as for instances (view.ts). */
const SERVING: ReadonlySet<string> = new Set(['available', 'backing-up']);

/** No state of a failed cluster restore is known to be deletable for a retry: a failed cluster is for a human. */
const REPLACEABLE_FAILED_STATES: ReadonlySet<string> = new Set();

/**
 * RDS events about a cluster (RDS-NOTES: db-cluster RDS-EVENT-0170 "cluster created (also after a restore)", 0171
 * "deleted"). 0170 means the cluster can take its writer, not that it serves: the refresh creates the writer then.
 */
const CLUSTER_EVENTS = { deleted: ['RDS-EVENT-0171'], created: ['RDS-EVENT-0170'] } as const;

function clusterSettings(s: TargetSettings): ClusterTargetSettings {
  if (s.kind !== 'cluster') throw new Error("an Aurora cluster target was handed a DB instance's settings");
  return s;
}

function clusterView(v: TargetView): ClusterView {
  if (v.kind !== 'cluster') throw new Error(`an Aurora cluster target was handed the DB instance ${v.id}`);
  return v;
}

function engineOf(view: { engine: string }): AuroraEngine {
  return view.engine === 'aurora-mysql' ? 'aurora-mysql' : 'aurora-postgresql';
}

/** The overrides that set the cluster's own settings, and those that set every member's. */
const CLUSTER_OVERRIDES = ['subnetGroupName', 'vpcSecurityGroupIds', 'port', 'iamDatabaseAuthentication', 'cloudwatchLogsExports', 'deletionProtection', 'copyTagsToSnapshot', 'backupRetentionPeriod', 'preferredBackupWindow', 'preferredMaintenanceWindow'] as const;
const MEMBER_OVERRIDES = [
  'instanceClass',
  'parameterGroupName',
  'publiclyAccessible',
  'caCertificateIdentifier',
  'autoMinorVersionUpgrade',
  'preferredMaintenanceWindow',
  'monitoringInterval',
  'monitoringRoleArn',
  'performanceInsightsEnabled',
  'performanceInsightsRetentionPeriod',
] as const;

/** y's live (or recorded) settings with config overrides on top: the cluster's, and each member's. */
function desiredSettings(live: TargetSettings, overrides: SettingsOverrides): ClusterTargetSettings {
  const base = clusterSettings(live);
  const out: ClusterTargetSettings = { ...base, tags: { ...ownTags(base.tags), ...(overrides.tags ?? {}) } };
  for (const key of CLUSTER_OVERRIDES) if (overrides[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = overrides[key];
  out.members = base.members.map((m) => {
    const member: MemberSettings = { ...m, tags: ownTags(m.tags) };
    for (const key of MEMBER_OVERRIDES) if (overrides[key] !== undefined) (member as unknown as Record<string, unknown>)[key] = overrides[key];
    if (member.monitoringInterval === 0) delete member.monitoringRoleArn;
    if (!member.performanceInsightsEnabled) {
      delete member.performanceInsightsKmsKeyId;
      delete member.performanceInsightsRetentionPeriod;
    }
    return member;
  });
  return out;
}

/** What the cluster target's preflight adds: members config does not name, members not the project's, members busy. */
function problems(view: ClusterView, pair: PairConfig): { id: string; detail: string }[] {
  const out: { id: string; detail: string }[] = [];
  const listed = new Set(pair.replica.memberIds ?? []);
  const unlisted = view.members.filter((m) => !listed.has(m.id)).map((m) => m.id);
  if (unlisted.length > 0) {
    out.push({
      id: 'cluster-members',
      detail: `${view.id} has member instance(s) ${unlisted.join(', ')} that replica.memberIds does not list; the functions may delete and re-create only the members listed there. Add them (writer first) and redeploy`,
    });
  }
  const untagged = view.members.filter((m) => m.settings.tags[pair.ownershipTag.key] !== pair.ownershipTag.value).map((m) => m.id);
  if (untagged.length > 0) out.push({ id: 'ownership-tag-members', detail: `member instance(s) ${untagged.join(', ')} of ${view.id} do not carry ${pair.ownershipTag.key}=${pair.ownershipTag.value}; tag every member to hand the cluster to replica-refresh` });
  // Each member is deleted as a DB instance is, from the same states (../instance/model.ts).
  const busy = view.members.filter((m) => !INSTANCE_DELETABLE_STATES.has(m.status));
  if (busy.length > 0) out.push({ id: 'cluster-members-state', detail: `member instance(s) ${busy.map((m) => `${m.id} (${m.status})`).join(', ')} of ${view.id} are not in a state a refresh deletes from (${[...INSTANCE_DELETABLE_STATES].join(', ')}); a refresh starts when every member is` });
  if (!writerOf(view)) out.push({ id: 'cluster-writer', detail: `${view.id} has no writer instance; a refresh captures the writer's settings to create it again. Add a writer first` });
  return out;
}

/** The readers' and roles' drift the catalog does not list: IAM roles, and y's own tags. */
function extraDrift(desired: ClusterTargetSettings, actual: ClusterView): Drift[] {
  const drift: Drift[] = [];
  const have = new Set((actual.settings.associatedRoles ?? []).map((r) => `${r.roleArn}|${r.featureName}`));
  const missing = (desired.associatedRoles ?? []).filter((r) => !have.has(`${r.roleArn}|${r.featureName}`));
  if (missing.length > 0) drift.push({ setting: 'associatedRoles', expected: desired.associatedRoles, actual: actual.settings.associatedRoles ?? [] });
  const want = ownTags(desired.tags);
  const got = ownTags(actual.tags);
  for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) if (want[key] !== got[key]) drift.push({ setting: `tags.${key}`, expected: want[key] ?? null, actual: got[key] ?? null });
  return drift;
}

/** The cluster target. */
export const CLUSTER_TARGET: TargetModel = {
  kind: 'cluster',
  eventSourceType: 'db-cluster',
  arnResourceType: 'cluster',
  noun: 'cluster',
  deleteApi: 'DeleteDBCluster',
  deletableStates: DELETABLE_STATES,
  replaceableFailedStates: REPLACEABLE_FAILED_STATES,
  deleteStarted: (v, desired) => {
    const view = clusterView(v);
    const members = desired?.kind === 'cluster' ? desired.members.map((m) => m.id) : [];
    return members.some((id) => {
      const m = view.members.find((x) => x.id === id);
      return m === undefined || m.status === 'deleting';
    });
  },
  usable: (v) => {
    const view = clusterView(v);
    const writer = writerOf(view);
    return SERVING.has(view.status) && writer !== undefined && INSTANCE_USABLE_STATES.has(writer.status);
  },
  failed: (v) => {
    const view = clusterView(v);
    if (FAILED_STATES.has(view.status)) return view.status;
    const writer = writerOf(view);
    return writer && INSTANCE_FAILED_STATES.has(writer.status) ? `writer ${writer.id} ${writer.status}` : undefined;
  },
  facts: (v, pair) => {
    const view = clusterView(v);
    const writer = writerOf(view);
    const readers = view.members.length - (writer ? 1 : 0);
    return {
      summary: `${view.engine} ${view.engineVersion ?? ''}`.trim() + `, ${writer ? `writer ${writer.id} (${writer.settings.instanceClass})` : 'no writer'}${readers > 0 ? ` + ${readers} reader${readers > 1 ? 's' : ''}` : ''}`,
      monitoringRoleArns: [...new Set(view.members.flatMap((m) => (m.settings.monitoringInterval > 0 && m.settings.monitoringRoleArn ? [m.settings.monitoringRoleArn] : [])))],
      associatedRoles: view.settings.associatedRoles ?? [],
      domainMemberships: [],
      problems: problems(view, pair),
    };
  },
  owns: (pair, sourceType, sourceId) => (sourceType === 'db-cluster' ? sourceId === pair.replica.identifier : sourceType === 'db-instance' && (pair.replica.memberIds ?? []).includes(sourceId)),
  signalOf: (pair, event) => {
    if (event.sourceType === 'db-cluster') {
      if (event.sourceId !== pair.replica.identifier) return undefined;
      if ((CLUSTER_EVENTS.deleted as readonly string[]).includes(event.eventId)) return 'deleted';
      if ((CLUSTER_EVENTS.created as readonly string[]).includes(event.eventId)) return 'usable';
      return undefined;
    }
    if (event.sourceType !== 'db-instance' || !(pair.replica.memberIds ?? []).includes(event.sourceId)) return undefined;
    const signal = instanceSignal(event.eventId);
    // A member's own deletion is part of the cluster's (the cluster's 0171 says y is gone); a reader's failure shows
    // as drift when the run closes. The writer's creation or failure decides the restore.
    if (signal === 'deleted') return undefined;
    if (signal === 'failed' && event.sourceId !== pair.replica.memberIds?.[0]) return undefined;
    // A member's reboot is not the cluster's news (the swap modes, which wait for one, are for DB instances).
    if (signal === 'restarted') return undefined;
    return signal;
  },
  desiredSettings: (live, overrides) => desiredSettings(live, overrides),
  restoreSettings: (desired) => clusterSettings(desired),
  shapeRestore: (engine, desired) => {
    const settings = { ...clusterSettings(desired) };
    const notes: string[] = [];
    const aurora: AuroraEngine = engine === 'aurora-mysql' ? 'aurora-mysql' : 'aurora-postgresql';
    for (const spec of CLUSTER_CATALOG) {
      if (!spec.engines || spec.engines.includes(aurora) || settings[spec.name] === undefined) continue;
      delete settings[spec.name];
      notes.push(`${spec.name} not sent: ${spec.enginesWhy ?? `not accepted for ${aurora}`}`);
    }
    return { settings, notes };
  },
  postRestoreGroups: (desired, restored): PostRestoreGroup[] => {
    const parameters = clusterModifyParameters(clusterSettings(desired), clusterView(restored).settings);
    return Object.keys(parameters).length > 0 ? [{ group: 'cluster', changes: parameters }] : [];
  },
  groupOfSetting: (setting) => (setting === 'associatedRoles' ? 'iam-role:' : CLUSTER_CATALOG.some((s) => s.name === setting) ? 'cluster' : setting.includes('.') && !setting.startsWith('tags.') ? 'members' : undefined),
  missingRoles: (desired, restored) => {
    const have = new Set((clusterView(restored).settings.associatedRoles ?? []).map((r) => `${r.roleArn}|${r.featureName}`));
    return (clusterSettings(desired).associatedRoles ?? []).filter((r) => !have.has(`${r.roleArn}|${r.featureName}`));
  },
  driftOf: (d, a) => {
    const desired = clusterSettings(d);
    const actual = clusterView(a);
    const catalog = clusterDrift(engineOf(actual), { cluster: desired, members: desired.members }, { cluster: actual.settings, members: actual.members.map((m) => m.settings) });
    return [...catalog.map((x) => ({ setting: x.setting, expected: x.expected, actual: x.actual ?? null })), ...extraDrift(desired, actual)];
  },
};
