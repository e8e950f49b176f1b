/**
 * The target seam: what a replica is (an RDS DB instance today; an Aurora cluster next) and the RDS calls for that
 * kind. The refresh logic asks the pair's target (registry.ts) for its states, its settings catalog and the decisions
 * made from it, and makes its RDS calls through the target's gateway; a new kind of target is a new folder beside
 * `instance/` and one line in the registry.
 */
import type { SettingsOverrides } from '../kernel/config';
import type { Drift, InstanceSettings, InstanceView, ProxyTarget } from '../kernel/model';
import type { ModifyChanges, RestoreRequest } from '../kernel/ports';
import type { SettingSpec } from './instance/catalog';
import type { ShapedRestore } from './instance/engines';
import type { ModifyGroup } from './instance/settings';

/** The kinds of replica the project refreshes. */
export type TargetKind = 'instance';

/** What a replica of one kind is: its events, its IAM scope, its states, and its settings and how they travel. */
export interface TargetModel {
  kind: TargetKind;
  /** The `SourceType` of its RDS events and of the event subscription that covers it. */
  eventSourceType: 'db-instance';
  /** The resource type in its ARN (`arn:<partition>:rds:<region>:<account>:<type>:<id>`): the IAM scope of every mutating call. */
  arnResourceType: 'db';
  /** States in which it serves connections. */
  usableStates: ReadonlySet<string>;
  /** States from which a restore will not come good by itself. */
  failedStates: ReadonlySet<string>;
  /** States from which it can be deleted for a refresh. */
  deletableStates: ReadonlySet<string>;
  /** Failed states a failed run of the project may leave it in, which the next refresh replaces. */
  replaceableFailedStates: ReadonlySet<string>;
  /** Every setting a refresh captures and gives back. */
  catalog: readonly SettingSpec[];
  /** The settings the new replica must have: the live ones with config overrides on top. */
  desiredSettings(live: InstanceSettings, overrides: SettingsOverrides, engine?: string): InstanceSettings;
  /** The settings a restore of this engine may send, with a note for each change. */
  shapeRestore(engine: string | undefined, desired: InstanceSettings): ShapedRestore;
  /** The post-restore calls, one per group that differs. */
  postRestoreGroups(desired: InstanceSettings, restored: InstanceView): ModifyGroup[];
  /** Every desired setting the replica does not have. */
  driftOf(desired: InstanceSettings, actual: InstanceView): Drift[];
}

/**
 * The RDS calls a refresh makes on its target, in the target's own terms: an instance gateway calls
 * DescribeDBInstances, DeleteDBInstance, RestoreDBInstanceFromDBSnapshot…; a cluster gateway calls the cluster APIs
 * and its members'. The refresh logic reaches RDS for its target only through this. Errors surface as
 * RetryableRdsError / PermanentRdsError, or the result says "not found".
 */
export interface TargetGateway {
  /** The target as it is now, or undefined when it does not exist. */
  describe(id: string): Promise<InstanceView | undefined>;
  /** Every target of this kind in the region, by identifier, in as few paged calls as RDS allows. */
  list(): Promise<Map<string, InstanceView>>;
  disableDeletionProtection(id: string): Promise<void>;
  /** Deletes the target; `finalSnapshotId` takes a final snapshot first. */
  delete(id: string, finalSnapshotId?: string): Promise<void>;
  /** Starts a restore; `already-exists` when a target of that name exists. */
  restore(request: RestoreRequest): Promise<'requested' | 'already-exists'>;
  /**
   * Applies one group of what a restore cannot set, immediately.
   * @returns 'busy' while the target's state refuses modifications
   */
  modify(id: string, changes: ModifyChanges): Promise<'modified' | 'busy'>;
  /** Associates an IAM role with the target for a feature. */
  addRole(id: string, roleArn: string, featureName: string): Promise<'added' | 'already-associated' | 'busy'>;
  /** The RDS Proxy target groups that list the target. */
  proxyTargetsOf(id: string): Promise<ProxyTarget[]>;
  /** Registers the target with a proxy's target group. */
  registerProxyTarget(target: ProxyTarget, id: string): Promise<'registered' | 'already-registered'>;
}

/** One gateway per kind of target, built once per cold start from the region's adapters. */
export type TargetGateways = Readonly<Record<TargetKind, TargetGateway>>;
