/**
 * A simulated RDS (one region of one account): instances with their real status sequences and hidden
 * master passwords, snapshots (automated backups, manual snapshots, cross-region copies from the
 * account's other regions), event subscriptions as RDS keeps them (sources resolved at creation,
 * statuses, delivery through a topic whose policies are evaluated), IAM role associations, RDS Proxy
 * targets, and the API's validation, pagination, quotas and fault classes. The per-engine rules of
 * restores and modifications are in rds-rules.ts. Durations come from configurable distributions on
 * the virtual clock.
 */
import type { DBInstance, DBInstanceAutomatedBackup, DBProxy, DBProxyTarget, DBSnapshot, EventSubscription, Filter, Tag, TargetState } from '@aws-sdk/client-rds';
import {
  DBInstanceRoleAlreadyExistsFault,
  DBProxyNotFoundFault,
  DBProxyTargetAlreadyRegisteredFault,
  DBProxyTargetGroupNotFoundFault,
  EventSubscriptionQuotaExceededFault,
  SNSInvalidTopicFault,
  SNSTopicArnNotFoundFault,
  SourceNotFoundFault,
  SubscriptionAlreadyExistFault,
  SubscriptionCategoryNotFoundFault,
  SubscriptionNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceAutomatedBackupNotFoundFault,
  InvalidRestoreFault,
  DBInstanceNotFoundFault,
  DBParameterGroupNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DBSubnetGroupNotFoundFault,
  InsufficientDBInstanceCapacityFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  OptionGroupNotFoundFault,
  RDSServiceException,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import type { VirtualClock } from './clock';
import { defaultOptionGroup, engineFamilyOf, parameterGroupFamily } from './engines';
import type { SimKey, SimKms } from './kms';
import type { Distribution, Random } from './random';
import { lognormal, uniform } from './random';
import { SimClusters } from './rds-clusters';
import type { ParameterGroup } from './rds-rules';
import { ROLE_FEATURES, checkModify, checkRestore, gp3Baseline, text } from './rds-rules';
import { SimSecretsManager } from './secrets';
import { attributesResult, modifyRestoreAttribute, mayUse, parseSnapshotArn, PUBLIC, sharedCopyNeedsKey, sharedEncryptedRestore, sharedView, sourceKeyNotAccessible } from './sharing';
import type { SimTopic } from './sns';

/** How long RDS takes, by default. Assumptions for a small instance (db.t4g/db.r6g.large, ≤ 500 GB), stated in the README. */
export interface RdsTimings {
  /** DeleteDBInstance accepted → instance gone. */
  delete: Distribution;
  /** Restore accepted → instance serves (status backing-up). */
  restore: Distribution;
  /** The baseline backup after a restore: backing-up → available. */
  baselineBackup: Distribution;
  /** A cross-region snapshot copy: copying → available. */
  copy: Distribution;
  /** A snapshot of an instance (the nightly automated backup, CreateDBSnapshot): creating → available. */
  snapshot: Distribution;
  /** A final snapshot taken on delete. */
  finalSnapshot: Distribution;
  /** RDS event → published to the subscription's topic. */
  eventDelay: Distribution;
  /** A rename (ModifyDBInstance NewDBInstanceIdentifier, ApplyImmediately) → the new name effective; default about 10 minutes. */
  rename?: Distribution;
  /** The reboot that follows a rename. */
  reboot?: Distribution;
}

/**
 * A rename's timings when the simulation's do not name them: "The new DNS name for the renamed DB instance becomes
 * effective in about 10 minutes. The renamed DB instance is not available until the new name becomes effective"
 * (RDS User Guide, "Renaming a DB instance"), so 9 to 11 minutes; then "After renaming, the DB instance reboots"
 * (same page, in its translations), a reboot assumed to take 30 to 90 seconds (unconfirmed).
 */
export const RENAME_TIMINGS = { rename: uniform(540, 660), reboot: uniform(30, 90) } as const;

/** The documented defaults. */
export const DEFAULT_TIMINGS: RdsTimings = {
  delete: uniform(240, 480),
  restore: lognormal(1200, 0.25),
  baselineBackup: uniform(600, 3600),
  copy: uniform(1200, 2700),
  snapshot: uniform(300, 900),
  finalSnapshot: uniform(120, 300),
  eventDelay: uniform(2, 30),
};

/** An RDS event as RDS emits it. */
export interface EmittedEvent {
  sourceType: 'db-instance' | 'db-snapshot' | 'db-cluster' | 'db-cluster-snapshot';
  sourceId: string;
  sourceArn: string;
  /** The resource behind the name (an instance's DbiResourceId): a re-created instance of the same name is another resource. */
  sourceResourceId?: string;
  eventId: string;
  category: string;
  message: string;
  time: Date;
}

/** The service principal RDS publishes event notifications as (RDS User Guide, "Granting permissions to publish notifications to an Amazon SNS topic"). */
export const RDS_EVENTS_PRINCIPAL = 'events.rds.amazonaws.com';

/**
 * Event categories per source type (DescribeEventCategories; RDS User Guide, "Amazon RDS event categories and event
 * messages"), for the types the simulation emits.
 */
export const EVENT_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  'db-instance': ['availability', 'backup', 'configuration change', 'creation', 'deletion', 'failover', 'failure', 'low storage', 'maintenance', 'notification', 'read replica', 'recovery', 'restoration', 'security', 'security patching'],
  'db-snapshot': ['creation', 'deletion', 'notification', 'restoration'],
  // Aurora UG, "Amazon RDS event categories and event messages for Aurora": DB cluster and DB cluster snapshot events.
  'db-cluster': ['configuration change', 'creation', 'deletion', 'failover', 'failure', 'global-failover', 'maintenance', 'migration', 'notification'],
  'db-cluster-snapshot': ['backup', 'notification'],
};

/** The ARN resource type and the console link of each source type (public captures of RDS event messages). */
const SOURCE_LINKS: Readonly<Record<EmittedEvent['sourceType'], { arnType: 'db' | 'snapshot' | 'cluster' | 'cluster-snapshot'; console: string }>> = {
  'db-instance': { arnType: 'db', console: 'dbinstance:id=' },
  'db-snapshot': { arnType: 'snapshot', console: 'snapshot:id=' },
  'db-cluster': { arnType: 'cluster', console: 'dbclusters:id=' },
  'db-cluster-snapshot': { arnType: 'cluster-snapshot', console: 'snapshot:engine=aurora;id=' },
};

/** An event subscription as RDS keeps it. */
export interface EventSubscriptionRecord {
  name: string;
  snsTopicArn: string;
  sourceType?: string;
  /** SourceIds as given (what DescribeEventSubscriptions lists). */
  sourceIds: string[];
  /** The resources those ids named when the subscription was created (DbiResourceId), still existing. */
  resolvedSources: Set<string>;
  categories: string[];
  enabled: boolean;
  /** creating | modifying | deleting | active | no-permission | topic-not-exist | all-sources-deleted */
  status: string;
  createdAt: Date;
  /** Deliveries RDS made, refused or skipped, for tests and narration. */
  log: { time: Date; eventId: string; sourceId: string; outcome: 'delivered' | 'denied' | 'topic-not-exist' }[];
}

/** An RDS Proxy with its target groups. */
interface ProxyRecord {
  proxy: DBProxy;
  groups: Map<string, { targets: DBProxyTarget[] }>;
}

/** Faults the RDS model can inject. */
export interface RdsFaults {
  /** Probability that any API call is throttled. */
  throttleRate: number;
  /** The next N restores fail with InsufficientDBInstanceCapacity. */
  restoreCapacityFailures: number;
  /**
   * Every restore fails with InsufficientDBInstanceCapacity until this time (epoch ms): a shortage of the instance class
   * in the Availability Zone that lasts hours. RDS returns the error to the restore call ("InsufficientDBInstanceCapacity:
   * The specified DB instance class isn't available in the specified Availability Zone", RestoreDBInstanceFromDBSnapshot
   * API reference, Errors), and the shortage passes on AWS's side, not the caller's (RDS User Guide, "Troubleshooting for
   * Amazon RDS": try again later or in another AZ).
   */
  restoreCapacityUntil?: number;
  /** Deletion events of instances and clusters (RDS-EVENT-0003, RDS-EVENT-0171) are never emitted. */
  dropDeletionEvents: boolean;
  /** Restores finish in `incompatible-parameters` instead of available (their parameter group does not fit the instance). */
  restoreEndsIncompatible?: boolean;
}

const meta = () => ({ $metadata: { httpStatusCode: 400 } });

function invalidParameter(message: string, name = 'InvalidParameterValue'): RDSServiceException {
  return new RDSServiceException({ name, $fault: 'client', message, ...meta() });
}

/** Snapshot identifiers: 1-255 letters, digits and hyphens, starting with a letter, no double or trailing hyphen. */
function isValidSnapshotId(id: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(id) && !id.includes('--') && !id.endsWith('-');
}

function invalidSnapshotId(param: string): RDSServiceException {
  return invalidParameter(`The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`);
}

/** A UUID from the simulation's seeded randomness, so a seed replays the same secret names. */
function randomUUIDFrom(random: Random): string {
  const hex = Array.from({ length: 6 }, () => random.hex6()).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Tags merged by key, later lists winning. */
function mergeTags(...lists: (Tag[] | undefined)[]): Tag[] {
  const out = new Map<string, Tag>();
  for (const list of lists) for (const t of list ?? []) if (t.Key) out.set(t.Key, { Key: t.Key, Value: t.Value ?? '' });
  return [...out.values()];
}

/** A string parameter of a request, or '' when it is missing or not a string. */
function param(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Statuses of a cross-region copy that count against the in-flight limit. */
const IN_FLIGHT = ['pending', 'copying'];

/** ModifyDBInstance parameters the models apply, and the DBInstance field each sets. */
export const MODIFY_FIELDS: Readonly<Record<string, keyof DBInstance>> = {
  DeletionProtection: 'DeletionProtection',
  CACertificateIdentifier: 'CACertificateIdentifier',
  DatabaseInsightsMode: 'DatabaseInsightsMode',
  BackupRetentionPeriod: 'BackupRetentionPeriod',
  PreferredBackupWindow: 'PreferredBackupWindow',
  PreferredMaintenanceWindow: 'PreferredMaintenanceWindow',
  MonitoringInterval: 'MonitoringInterval',
  MonitoringRoleArn: 'MonitoringRoleArn',
  EnablePerformanceInsights: 'PerformanceInsightsEnabled',
  PerformanceInsightsKMSKeyId: 'PerformanceInsightsKMSKeyId',
  PerformanceInsightsRetentionPeriod: 'PerformanceInsightsRetentionPeriod',
  MaxAllocatedStorage: 'MaxAllocatedStorage',
};

/** What each API call was, for tests and the benchmark. */
export interface ApiCall {
  time: Date;
  command: string;
  input: Record<string, unknown>;
  outcome: string;
}

/** The simulated RDS of one region. */
export class SimRds {
  public readonly instances = new Map<string, DBInstance>();
  public readonly snapshots = new Map<string, DBSnapshot>();
  /** The region's RDS event subscriptions, by name. */
  public readonly subscriptions = new Map<string, EventSubscriptionRecord>();
  /** EventBridge's default bus in this region: RDS sends every event there, no subscription needed (User Guide, "Creating a rule that triggers on an Amazon RDS event"). */
  public readonly eventBus: ((event: EmittedEvent) => void)[] = [];
  /** The region's SNS topics, by ARN, for event subscriptions to publish to. */
  public topics: ReadonlyMap<string, SimTopic> = new Map();
  /** The region's Secrets Manager, where RDS keeps managed master passwords. */
  public secretsManager: SimSecretsManager;
  /** Groups that exist in the account; a restore naming another one fails as RDS would. */
  public readonly subnetGroups = new Set<string>(['default']);
  /** Custom DB parameter groups, with their family and parameters (the default.<family> groups always exist). */
  public readonly parameterGroups = new Map<string, ParameterGroup>();
  /** Custom option groups, with their engine and major version (the default:<engine>-<version> groups always exist). */
  public readonly optionGroups = new Map<string, { engine: string; majorVersion: string }>();
  /** RDS Proxies, by name. */
  private readonly proxies = new Map<string, ProxyRecord>();
  /** Master passwords, which RDS never returns: of each instance and of each snapshot (the instance's when it was taken). */
  private readonly passwords = new WeakMap<object, string>();
  /** The instance class of the instance each snapshot was taken of: a restore's default class. */
  private readonly snapshotClasses = new WeakMap<object, string>();
  /** Each manual snapshot's restore attribute: the accounts it is shared with, or `all` (ModifyDBSnapshotAttribute). It goes with the snapshot. */
  private readonly restoreAttributes = new WeakMap<DBSnapshot, string[]>();
  public readonly calls: ApiCall[] = [];
  /** Every rename applied, in order: which instance (its DbiResourceId) changed name, and when (the simulated DNS follows these). */
  public readonly renames: { from: string; to: string; dbiResourceId: string; at: Date }[] = [];
  /** The region's Aurora DB clusters, their member instances (kept in {@link instances}) and cluster snapshots. */
  public readonly clusters: SimClusters;
  public faults: RdsFaults = { throttleRate: 0, restoreCapacityFailures: 0, dropDeletionEvents: false };
  /** Sees every event as RDS emits it, before any delivery (the simulation's narration). */
  public observer: ((event: EmittedEvent) => void) | undefined;
  /** Sees every status change of an event subscription (the simulation's narration). */
  public subscriptionObserver: ((sub: EventSubscriptionRecord, from: string) => void) | undefined;
  /** The account's RDS in every simulated region, this one included: where cross-region copies come from. */
  public regions: ReadonlyMap<string, SimRds> = new Map();
  /**
   * Every simulated account's RDS in every region, keyed `${account}/${region}`: where another account's snapshots
   * shared with this one are found (scripts/sim/sharing.ts). Empty (the default): only this account exists.
   */
  public cloud: ReadonlyMap<string, SimRds> = new Map();
  /** The account's KMS keys; unset, any KmsKeyId is taken as given. */
  public kms: SimKms | undefined;
  /** The whole region is unreachable (the simulation's --source-region-down): every call fails, none is answered. */
  public unreachable = false;
  /** Cross-region copies allowed in flight into this region (20 today; 5 on older accounts). */
  public crossRegionCopyLimit = 20;
  /** Manual snapshots allowed in this region (the default quota). */
  public manualSnapshotQuota = 100;
  /** The most cross-region copies ever in flight into this region at once. */
  public copyHighWater = 0;
  private markerSeq = 0;
  private readonly markers = new Map<string, { items: unknown[]; next: number }>();
  /** When each copy in progress started and will finish, for PercentProgress. */
  private readonly copyWindows = new Map<DBSnapshot, { start: number; end: number }>();

  public constructor(
    public readonly region: string,
    public readonly account: string,
    private readonly clock: VirtualClock,
    private readonly random: Random,
    public timings: RdsTimings = DEFAULT_TIMINGS,
  ) {
    this.secretsManager = new SimSecretsManager(region, account, clock, random);
    this.clusters = new SimClusters(
      this,
      {
        page: (items, input) => this.page(items, input),
        filterValues: (filters, name) => SimRds.filterValues(filters, name),
        instanceGone: (db) => {
          this.instanceGone(db);
          this.sourceDeleted(db.DbiResourceId);
        },
        mergeTags,
        uuid: () => randomUUIDFrom(random),
        resolveKmsKey: (id) => this.resolveKmsKey(id),
      },
      clock,
      random,
    );
  }

  /** The ARN of a resource in this region. */
  public arn(type: 'db' | 'snapshot' | 'es' | 'db-proxy' | 'cluster' | 'cluster-snapshot', id: string): string {
    return `arn:aws:rds:${this.region}:${this.account}:${type}:${id}`;
  }

  /** Adds a custom DB parameter group of the family of `engine` `version`. */
  public addParameterGroup(name: string, engine: string, version: string, parameters: Record<string, string> = {}): void {
    this.parameterGroups.set(name, { family: parameterGroupFamily(engine, version), parameters });
  }

  /** Adds a custom option group for an engine and major version. */
  public addOptionGroup(name: string, engine: string, majorVersion: string): void {
    this.optionGroups.set(name, { engine, majorVersion });
  }

  /** An instance's current master password (tests only: RDS never returns it). */
  public masterPassword(instanceId: string): string | undefined {
    const db = this.instances.get(instanceId);
    return db ? this.passwords.get(db) : undefined;
  }

  /** A snapshot's master password: the one its instance had when it was taken (tests only). */
  public snapshotPassword(snapshotId: string): string | undefined {
    const snap = this.snapshots.get(snapshotId);
    return snap ? this.passwords.get(snap) : undefined;
  }

  /** Sets an instance's or a snapshot's master password, as history before the simulation starts. */
  public seedPassword(resource: DBInstance | DBSnapshot, password: string): void {
    this.passwords.set(resource, password);
  }

  /** Answers one API call, as the SDK middleware hands it over. */
  public async handle(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const record: ApiCall = { time: this.clock.now(), command, input: structuredClone(input), outcome: 'ok' };
    this.calls.push(record);
    try {
      // The region is down (recover --source-region-down): no call reaches it; the SDK sees a connection that times out.
      if (this.unreachable) throw Object.assign(new Error(`connect ETIMEDOUT rds.${this.region}.amazonaws.com:443 (the simulated region ${this.region} is down)`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
      if (this.faults.throttleRate > 0 && this.random.chance(this.faults.throttleRate)) {
        throw new RDSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta() });
      }
      return await Promise.resolve(this.dispatch(command, input));
    } catch (err) {
      record.outcome = (err as Error).name;
      throw err;
    }
  }

  /**
   * A call a deployment makes (CloudFormation creating a resource), not the functions: answered like any other, but
   * neither throttled nor recorded in {@link calls}.
   */
  public deploy(command: string, input: Record<string, unknown>): Record<string, unknown> {
    return this.dispatch(command, input);
  }

  private dispatch(command: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (command) {
      case 'DescribeDBInstancesCommand':
        return this.describeDBInstances(input);
      case 'DescribeDBSnapshotsCommand':
        return this.describeDBSnapshots(input);
      case 'DeleteDBInstanceCommand':
        return this.deleteDBInstance(input);
      case 'RestoreDBInstanceFromDBSnapshotCommand':
        return this.restoreDBInstanceFromDBSnapshot(input);
      case 'RestoreDBInstanceToPointInTimeCommand':
        return this.restoreDBInstanceToPointInTime(input);
      case 'DescribeDBInstanceAutomatedBackupsCommand':
        return this.describeDBInstanceAutomatedBackups(input);
      case 'ModifyDBInstanceCommand':
        return this.modifyDBInstance(input);
      case 'StopDBInstanceCommand':
        return this.stopDBInstance(input);
      case 'CopyDBSnapshotCommand':
        return this.copyDBSnapshot(input);
      case 'CreateDBSnapshotCommand':
        return this.createDBSnapshot(input);
      case 'DeleteDBSnapshotCommand':
        return this.deleteDBSnapshot(input);
      case 'ModifyDBSnapshotAttributeCommand':
        return this.modifyDBSnapshotAttribute(input);
      case 'DescribeDBSnapshotAttributesCommand':
        return this.describeDBSnapshotAttributes(input);
      case 'ListTagsForResourceCommand':
        return this.listTagsForResource(input);
      case 'AddTagsToResourceCommand':
        return this.addTagsToResource(input);
      case 'CreateEventSubscriptionCommand':
        return this.createEventSubscription(input);
      case 'DescribeEventSubscriptionsCommand':
        return this.describeEventSubscriptions(input);
      case 'AddRoleToDBInstanceCommand':
        return this.addRoleToDBInstance(input);
      case 'DescribeDBProxiesCommand':
        return this.describeDBProxies(input);
      case 'DescribeDBProxyTargetGroupsCommand':
        return this.describeDBProxyTargetGroups(input);
      case 'DescribeDBProxyTargetsCommand':
        return this.describeDBProxyTargets(input);
      case 'RegisterDBProxyTargetsCommand':
        return this.registerDBProxyTargets(input);
      case 'DescribeDBClustersCommand':
        return this.clusters.describeDBClusters(input);
      case 'DescribeDBClusterEndpointsCommand':
        return this.clusters.describeDBClusterEndpoints(input);
      case 'DescribeDBClusterSnapshotsCommand':
        return this.clusters.describeDBClusterSnapshots(input);
      case 'RestoreDBClusterFromSnapshotCommand':
        return this.clusters.restoreDBClusterFromSnapshot(input);
      case 'CreateDBInstanceCommand':
        return this.clusters.createDBInstance(input);
      case 'ModifyDBClusterCommand':
        return this.clusters.modifyDBCluster(input);
      case 'DeleteDBClusterCommand':
        return this.clusters.deleteDBCluster(input);
      case 'CreateDBClusterSnapshotCommand':
        return this.clusters.createDBClusterSnapshot(input);
      case 'CopyDBClusterSnapshotCommand':
        return this.clusters.copyDBClusterSnapshot(input);
      case 'DeleteDBClusterSnapshotCommand':
        return this.clusters.deleteDBClusterSnapshot(input);
      case 'ModifyDBClusterSnapshotAttributeCommand':
        return this.clusters.modifyDBClusterSnapshotAttribute(input);
      case 'DescribeDBClusterSnapshotAttributesCommand':
        return this.clusters.describeDBClusterSnapshotAttributes(input);
      default:
        throw invalidParameter(`the simulator does not implement ${command}`, 'UnsupportedOperation');
    }
  }

  // ---- events -------------------------------------------------------------------------------

  /**
   * Emits an RDS event: to EventBridge's default bus, and to every event subscription it matches, after RDS's own
   * publishing delay. `resourceId` is the resource behind the name (an instance's DbiResourceId).
   */
  public emit(sourceType: EmittedEvent['sourceType'], sourceId: string, eventId: string, category: string, message: string, resourceId?: string): void {
    const event: EmittedEvent = {
      sourceType,
      sourceId,
      sourceArn: this.arn(SOURCE_LINKS[sourceType].arnType, sourceId),
      ...(resourceId ? { sourceResourceId: resourceId } : {}),
      eventId,
      category,
      message,
      time: this.clock.now(),
    };
    this.observer?.(event);
    if ((eventId === 'RDS-EVENT-0003' || eventId === 'RDS-EVENT-0171') && this.faults.dropDeletionEvents) return;
    for (const put of this.eventBus) put(event);
    for (const sub of this.subscriptions.values()) {
      if (!this.matches(sub, event)) continue;
      this.clock.after(this.random.duration(this.timings.eventDelay), `publish ${eventId} ${sourceId}`, () => this.deliver(sub, event));
    }
  }

  /**
   * Whether a subscription delivers an event. A subscription that is disabled, or whose status is not active, sends
   * nothing (RDS-NOTES: "Anything but active means no events"); one in no-permission still tries, so that a fixed
   * policy heals it (unconfirmed, assumed). Listed SourceIds match the resources they named when the subscription was
   * created, not their names (CloudFormation RDS provider PR #551: once all listed instances are deleted the
   * subscription turns all-sources-deleted; RDS-NOTES): a y re-created under the same name is not matched.
   */
  private matches(sub: EventSubscriptionRecord, event: EmittedEvent): boolean {
    if (!sub.enabled || (sub.status !== 'active' && sub.status !== 'no-permission')) return false;
    // CreateEventSubscription API reference, SourceType: "If this value isn't specified, all events are returned."
    if (sub.sourceType !== undefined && sub.sourceType !== event.sourceType) return false;
    if (sub.categories.length > 0 && !sub.categories.includes(event.category)) return false;
    if (sub.sourceIds.length > 0) {
      // Snapshots have no resource id of their own here: they match by identifier.
      const key = event.sourceResourceId ?? event.sourceId;
      if (!sub.resolvedSources.has(key)) return false;
    }
    return true;
  }

  /** The message RDS publishes to the topic (RDS-NOTES, "Payloads"; the format real captures show). */
  private messageBody(event: EmittedEvent): string {
    return JSON.stringify({
      'Event Source': event.sourceType,
      'Event Time': event.time.toISOString().replace('T', ' ').replace('Z', ''),
      'Identifier Link': `https://console.aws.amazon.com/rds/home?region=${this.region}#${SOURCE_LINKS[event.sourceType].console}${event.sourceId}`,
      'Source ID': event.sourceId,
      'Source ARN': event.sourceArn,
      'Event ID': `http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#${event.eventId}`,
      'Event Message': event.message,
    });
  }

  /**
   * RDS publishes an event to the subscription's topic as events.rds.amazonaws.com on behalf of the resource that
   * emitted it (aws:SourceArn = that resource's ARN, aws:SourceAccount = the account: RDS User Guide, "Granting
   * permissions to publish notifications to an Amazon SNS topic"). A publish the topic or its key refuses is dropped
   * and the subscription's status turns no-permission (Neptune/DocumentDB EventSubscription.Status, same API: "The
   * status no-permission indicates that … no longer has permission to post to the SNS topic"; that a KMS refusal of an
   * encrypted topic also shows as no-permission is assumed, unconfirmed). A deleted topic turns it topic-not-exist
   * ("the topic was deleted after the subscription was created").
   */
  private async deliver(sub: EventSubscriptionRecord, event: EmittedEvent): Promise<void> {
    if (this.subscriptions.get(sub.name) !== sub) return;
    const topic = this.topics.get(sub.snsTopicArn);
    if (!topic) {
      sub.log.push({ time: this.clock.now(), eventId: event.eventId, sourceId: event.sourceId, outcome: 'topic-not-exist' });
      this.setStatus(sub, 'topic-not-exist');
      return;
    }
    const out = await topic.publishAsService({ principal: RDS_EVENTS_PRINCIPAL, sourceArn: event.sourceArn, sourceAccount: this.account }, this.messageBody(event), 'RDS Notification Message');
    if ('denied' in out) {
      sub.log.push({ time: this.clock.now(), eventId: event.eventId, sourceId: event.sourceId, outcome: 'denied' });
      this.setStatus(sub, 'no-permission');
      return;
    }
    if (sub.status === 'no-permission') this.setStatus(sub, 'active');
    sub.log.push({ time: this.clock.now(), eventId: event.eventId, sourceId: event.sourceId, outcome: 'delivered' });
  }

  /** A listed source was deleted: once none is left, the subscription turns all-sources-deleted (PR #551). */
  private sourceDeleted(resourceId: string | undefined): void {
    if (!resourceId) return;
    for (const sub of this.subscriptions.values()) {
      if (!sub.resolvedSources.delete(resourceId)) continue;
      // After the deletion event itself, which RDS emits as the resource goes (assumed delivered; unconfirmed).
      if (sub.resolvedSources.size === 0) this.clock.after(this.random.duration(this.timings.eventDelay) + 1000, `subscription ${sub.name} all sources deleted`, () => this.setStatus(sub, 'all-sources-deleted'));
    }
  }

  private setStatus(sub: EventSubscriptionRecord, status: string): void {
    const from = sub.status;
    if (from === status) return;
    sub.status = status;
    this.subscriptionObserver?.(sub, from);
  }

  // ---- event subscriptions --------------------------------------------------------------------

  /**
   * CreateEventSubscription: the listed SourceIds are resolved now, and a missing one fails the call with SourceNotFound
   * (CloudFormation RDS provider PR #222 and #192: "SourceNotFoundException: Could not find source :test-source",
   * HTTP 404). The subscription is `creating`, then `active` (after a minute; the duration is unconfirmed), and RDS
   * sends a plain-text first message to the topic (RDS-NOTES, "Payloads"; its wording is unconfirmed).
   */
  private createEventSubscription(input: Record<string, unknown>): Record<string, unknown> {
    const name = param(input.SubscriptionName);
    const topicArn = param(input.SnsTopicArn);
    const sourceType = input.SourceType as string | undefined;
    const sourceIds = (input.SourceIds as string[] | undefined) ?? [];
    const categories = (input.EventCategories as string[] | undefined) ?? [];
    // SubscriptionName: "The name must be less than 255 characters" (API reference); message unconfirmed.
    if (!name || name.length >= 255) throw invalidParameter(`The parameter SubscriptionName must be 1 to 254 characters, got ${name.length}.`);
    if (this.subscriptions.has(name)) throw new SubscriptionAlreadyExistFault({ message: `Subscription ${name} already exists.`, ...meta() });
    // "Quotas (adjustable): … 20 event subscriptions" (RDS-NOTES; User Guide, "Quotas in Amazon RDS").
    if (this.subscriptions.size >= 20) throw new EventSubscriptionQuotaExceededFault({ message: 'You have reached the maximum number of event subscriptions.', ...meta() });
    // "If SourceIds are supplied, SourceType must also be provided" (CreateEventSubscription API reference, SourceIds).
    if (sourceIds.length > 0 && !sourceType) throw invalidParameter('SourceType must be provided when SourceIds are supplied.', 'InvalidParameterCombination');
    if (sourceType !== undefined && !EVENT_CATEGORIES[sourceType]) throw invalidParameter(`Invalid source type ${sourceType}.`);
    const known = sourceType ? EVENT_CATEGORIES[sourceType] ?? [] : Object.values(EVENT_CATEGORIES).flat();
    const badCategory = categories.find((c) => !known.includes(c));
    if (badCategory) throw new SubscriptionCategoryNotFoundFault({ message: `Event category ${badCategory} not found for source type ${sourceType ?? 'all'}.`, ...meta() });
    const topic = this.topics.get(topicArn);
    if (!topic) throw new SNSTopicArnNotFoundFault({ message: `SNS topic ${topicArn} does not exist.`, ...meta() });
    // "RDS doesn't support FIFO (first in, first out) topics" (API reference, SnsTopicArn).
    if (topicArn.endsWith('.fifo')) throw new SNSInvalidTopicFault({ message: 'RDS does not support FIFO topics.', ...meta() });
    const resolved = new Set<string>();
    for (const id of sourceIds) {
      if (sourceType === 'db-instance') {
        const db = this.instances.get(id.toLowerCase());
        if (!db) throw new SourceNotFoundFault({ message: `Could not find source :${id}`, ...meta() });
        resolved.add(db.DbiResourceId ?? id);
      } else if (sourceType === 'db-snapshot') {
        if (!this.snapshots.has(id)) throw new SourceNotFoundFault({ message: `Could not find source :${id}`, ...meta() });
        resolved.add(id);
      } else {
        resolved.add(id);
      }
    }
    const sub: EventSubscriptionRecord = {
      name,
      snsTopicArn: topicArn,
      ...(sourceType ? { sourceType } : {}),
      sourceIds: [...sourceIds],
      resolvedSources: resolved,
      categories: [...categories],
      // CreateEventSubscription, Enabled: "If the value isn't specified, the subscription is enabled" (default true).
      enabled: input.Enabled !== false,
      status: 'creating',
      createdAt: this.clock.now(),
      log: [],
    };
    this.subscriptions.set(name, sub);
    this.clock.after(60_000, `subscription ${name} active`, () => this.activateSubscription(name));
    return { EventSubscription: this.subscriptionView(sub) };
  }

  /**
   * A subscription still `creating` becomes `active`, and RDS sends its first, plain-text message. Called a minute after
   * CreateEventSubscription, or at once for a subscription that a deployment created before the simulation starts
   * (CloudFormation waits until the subscription is active before the stack completes: its RDS provider stabilizes on
   * the status, PR #551).
   */
  public async activateSubscription(name: string): Promise<void> {
    const sub = this.subscriptions.get(name);
    const topic = sub ? this.topics.get(sub.snsTopicArn) : undefined;
    if (!sub || sub.status !== 'creating') return;
    this.setStatus(sub, 'active');
    // Which aws:SourceArn this first message carries is unconfirmed (the subscription's, assumed); a refused first message
    // is not held against the subscription, only refused events are.
    await topic?.publishAsService({ principal: RDS_EVENTS_PRINCIPAL, sourceArn: this.arn('es', name), sourceAccount: this.account }, `RDS Event Subscription ${name} was created and is active. This is a test notification.`);
  }

  private subscriptionView(sub: EventSubscriptionRecord): EventSubscription {
    return {
      CustomerAwsId: this.account,
      CustSubscriptionId: sub.name,
      SnsTopicArn: sub.snsTopicArn,
      Status: sub.status,
      SubscriptionCreationTime: sub.createdAt.toUTCString(),
      ...(sub.sourceType ? { SourceType: sub.sourceType } : {}),
      ...(sub.sourceIds.length > 0 ? { SourceIdsList: [...sub.sourceIds] } : {}),
      ...(sub.categories.length > 0 ? { EventCategoriesList: [...sub.categories] } : {}),
      Enabled: sub.enabled,
      EventSubscriptionArn: this.arn('es', sub.name),
    };
  }

  /** DescribeEventSubscriptions; SubscriptionNotFound with the message RDS gives (hashicorp/terraform-provider-aws PR #9371). */
  private describeEventSubscriptions(input: Record<string, unknown>): Record<string, unknown> {
    const name = input.SubscriptionName as string | undefined;
    if (name !== undefined) {
      const sub = this.subscriptions.get(name);
      if (!sub) throw new SubscriptionNotFoundFault({ message: `Event Subscription ${name} not found.`, ...meta() });
      return { EventSubscriptionsList: [this.subscriptionView(sub)] };
    }
    const { items, marker } = this.page([...this.subscriptions.values()].map((s) => this.subscriptionView(s)), input);
    return { EventSubscriptionsList: items, ...(marker ? { Marker: marker } : {}) };
  }

  /** A subscription as DescribeEventSubscriptions shows it (tests and narration). */
  public subscription(name: string): EventSubscription | undefined {
    const sub = this.subscriptions.get(name);
    return sub ? this.subscriptionView(sub) : undefined;
  }

  // ---- pagination ---------------------------------------------------------------------------

  private page<T>(items: T[], input: Record<string, unknown>): { items: T[]; marker?: string } {
    const max = input.MaxRecords === undefined ? 100 : Number(input.MaxRecords);
    if (!Number.isInteger(max) || max < 20 || max > 100) throw invalidParameter(`MaxRecords must be between 20 and 100, got ${String(input.MaxRecords)}`);
    let list = items;
    let start = 0;
    if (input.Marker !== undefined) {
      const saved = this.markers.get(input.Marker as string);
      if (!saved) throw invalidParameter(`invalid Marker ${input.Marker as string}`);
      list = saved.items as T[];
      start = saved.next;
    }
    const out = list.slice(start, start + max);
    if (start + max >= list.length) return { items: out };
    const marker = `sim-marker-${++this.markerSeq}`;
    this.markers.set(marker, { items: list, next: start + max });
    return { items: out, marker };
  }

  private static filterValues(filters: unknown, name: string): string[] | undefined {
    const f = (filters as Filter[] | undefined)?.find((x) => x.Name === name);
    return f?.Values;
  }

  // ---- instances ----------------------------------------------------------------------------

  private describeDBInstances(input: Record<string, unknown>): Record<string, unknown> {
    const id = input.DBInstanceIdentifier as string | undefined;
    if (id !== undefined) {
      const db = this.instances.get(id);
      if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
      return { DBInstances: [structuredClone(db)] };
    }
    const ids = SimRds.filterValues(input.Filters, 'db-instance-id');
    // db-cluster-id: "Accepts DB cluster identifiers and DB cluster ARNs" (DescribeDBInstances API reference).
    const clusterIds = SimRds.filterValues(input.Filters, 'db-cluster-id');
    const all = [...this.instances.values()]
      .filter((d) => !ids || ids.includes(d.DBInstanceIdentifier ?? '') || ids.includes(d.DBInstanceArn ?? ''))
      .filter((d) => !clusterIds || (d.DBClusterIdentifier !== undefined && (clusterIds.includes(d.DBClusterIdentifier) || clusterIds.includes(this.arn('cluster', d.DBClusterIdentifier)))));
    const { items, marker } = this.page(all, input);
    return { DBInstances: structuredClone(items), ...(marker ? { Marker: marker } : {}) };
  }

  private deleteDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.DBInstanceIdentifier);
    const db = this.instances.get(id);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
    // An Aurora cluster member is deleted by the cluster's rules (rds-clusters.ts).
    if (db.DBClusterIdentifier) return this.clusters.deleteMember(db, input);
    if (db.DeletionProtection) throw invalidParameter('Cannot delete protected DB Instance, please disable deletion protection and try again.', 'InvalidParameterCombination');
    // incompatible-parameters "can only be rebooted or deleted" (AWS Knowledge Center, "aurora-mysql-incompatible-parameter").
    if (!['available', 'backing-up', 'stopped', 'storage-full', 'storage-optimization', 'failed', 'incompatible-parameters', 'incompatible-restore', 'incompatible-network'].includes(db.DBInstanceStatus ?? '')) {
      throw new InvalidDBInstanceStateFault({ message: `Instance ${id} is not in a state that allows deletion (${db.DBInstanceStatus}).`, ...meta() });
    }
    const skip = input.SkipFinalSnapshot === true;
    const finalId = input.FinalDBSnapshotIdentifier as string | undefined;
    // DeleteDBInstance API reference: "If the DB instance is in the failed, incompatible-restore, or incompatible-network
    // state, you can only delete it when you skip creation of the final snapshot with the SkipFinalSnapshot parameter."
    // (The error's name and wording are unconfirmed.)
    if (!skip && ['failed', 'incompatible-restore', 'incompatible-network'].includes(db.DBInstanceStatus ?? '')) {
      throw new InvalidDBInstanceStateFault({ message: `Instance ${id} is ${db.DBInstanceStatus}: it can only be deleted with SkipFinalSnapshot.`, ...meta() });
    }
    if (!skip && !finalId) throw invalidParameter('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.', 'InvalidParameterCombination');
    if (skip && finalId) throw invalidParameter('FinalDBSnapshotIdentifier can not be specified when deleting an instance with SkipFinalSnapshot=true', 'InvalidParameterCombination');
    if (finalId && this.snapshots.has(finalId)) throw new DBSnapshotAlreadyExistsFault({ message: `Cannot create the snapshot because a snapshot with the identifier ${finalId} already exists.`, ...meta() });

    db.DBInstanceStatus = 'deleting';
    let wait = 0;
    if (finalId) {
      const snap = this.snapshotOf(db, finalId, 'manual', 'creating');
      this.snapshots.set(finalId, snap);
      wait = this.random.duration(this.timings.finalSnapshot);
      this.clock.after(wait, `final snapshot ${finalId}`, () => {
        snap.Status = 'available';
        snap.PercentProgress = 100;
        this.emit('db-snapshot', finalId, 'RDS-EVENT-0042', 'creation', 'Manual snapshot created');
      });
    }
    this.clock.after(wait + this.random.duration(this.timings.delete), `delete ${id}`, () => {
      if (this.instances.get(id) !== db) return;
      this.instances.delete(id);
      this.instanceGone(db);
      this.emit('db-instance', id, 'RDS-EVENT-0003', 'deletion', 'DB instance deleted', db.DbiResourceId);
      this.sourceDeleted(db.DbiResourceId);
    });
    return { DBInstance: structuredClone(db) };
  }

  /**
   * What goes with a deleted instance: its RDS-managed master secret ("An RDS-managed master secret of y is deleted with
   * y", RDS-NOTES; User Guide, "Password management with Amazon RDS and AWS Secrets Manager"; deleted without a recovery
   * window, assumed) and its RDS Proxy target registrations. What a proxy keeps of a deleted target is undocumented: the
   * simulation assumes the target is removed (a proxy has a single target, so a kept stale one would block re-registering;
   * unconfirmed), so the new y must be registered again.
   */
  private instanceGone(db: DBInstance): void {
    const secretArn = db.MasterUserSecret?.SecretArn;
    if (secretArn) this.secretsManager.purge(secretArn);
    for (const { groups } of this.proxies.values()) {
      for (const group of groups.values()) group.targets = group.targets.filter((t) => t.RdsResourceId !== db.DBInstanceIdentifier);
    }
  }

  private restoreDBInstanceFromDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.DBInstanceIdentifier);
    const snapId = String(input.DBSnapshotIdentifier);
    if (this.instances.has(id)) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta() });
    const snap = [...this.snapshots.values()].find((s) => s.DBSnapshotIdentifier === snapId || s.DBSnapshotArn === snapId);
    if (!snap) {
      // Another account's snapshot shared with this one, named by its ARN, of this region (sharing.ts).
      const shared = this.sharedSnapshot(snapId);
      if (shared && shared.owner.region === this.region) return this.restoreFromShared(id, shared.owner, shared.snap, input);
    }
    if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot not found: ${snapId}`, ...meta() });
    if (snap.Status !== 'available') throw new InvalidDBSnapshotStateFault({ message: `Snapshot ${snapId} is not available (${snap.Status}).`, ...meta() });
    return this.restoreInstance(id, snap, input, { eventId: 'RDS-EVENT-0043', message: `Restored from snapshot ${snap.DBSnapshotIdentifier}` });
  }

  /**
   * A restore from a snapshot another account shared with this one: only an unencrypted one (sharedEncryptedRestore in
   * sharing.ts: "you can't restore a DB instance from a DB snapshot that is both shared and encrypted", RDS User Guide,
   * "Sharing a DB snapshot for Amazon RDS"). The instance is this account's; it holds the snapshot's data, master user
   * and password.
   */
  private restoreFromShared(id: string, owner: SimRds, snap: DBSnapshot, input: Record<string, unknown>): Record<string, unknown> {
    const arn = snap.DBSnapshotArn ?? '';
    if (snap.Encrypted) throw sharedEncryptedRestore(arn);
    if (snap.Status !== 'available') throw new InvalidDBSnapshotStateFault({ message: `Snapshot ${arn} is not available (${snap.Status}).`, ...meta() });
    const local = structuredClone(snap);
    const password = owner.passwords.get(snap);
    if (password !== undefined) this.passwords.set(local, password);
    const cls = owner.snapshotClasses.get(snap);
    if (cls) this.snapshotClasses.set(local, cls);
    return this.restoreInstance(id, local, input, { eventId: 'RDS-EVENT-0043', message: `Restored from snapshot ${arn}` });
  }

  /**
   * A point-in-time restore from replicated automated backups (SourceDBInstanceAutomatedBackupsArn), to RestoreTime
   * within their window or to the latest restorable time. The restored instance announces itself with RDS-EVENT-0019.
   */
  private restoreDBInstanceToPointInTime(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.TargetDBInstanceIdentifier);
    const arn = param(input.SourceDBInstanceAutomatedBackupsArn);
    if (!arn) throw invalidParameter('the simulator restores to a point in time only from SourceDBInstanceAutomatedBackupsArn', 'UnsupportedOperation');
    if (input.RestoreTime !== undefined && input.UseLatestRestorableTime === true) throw invalidParameter('Cannot specify both RestoreTime and UseLatestRestorableTime.', 'InvalidParameterCombination');
    if (this.instances.has(id)) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta() });
    const backups = this.replicatedBackups.get(arn);
    if (!backups) throw new DBInstanceAutomatedBackupNotFoundFault({ message: `No automated backup found for ${arn}.`, ...meta() });
    const view = this.backupView(backups);
    const { EarliestTime, LatestTime } = view.RestoreWindow ?? {};
    const latest = input.UseLatestRestorableTime === true;
    const at = latest ? LatestTime : (input.RestoreTime as Date | undefined);
    // RestoreDBInstanceToPointInTime API reference, RestoreTime: "Must be before the latest restorable time for the DB
    // instance"; UseLatestRestorableTime restores to that time itself. Not before the window's start either. Message
    // unconfirmed.
    if (!at || !EarliestTime || !LatestTime || at.getTime() < EarliestTime.getTime() || at.getTime() > LatestTime.getTime() || (!latest && at.getTime() >= LatestTime.getTime())) {
      throw new InvalidRestoreFault({ message: `The restore time ${at?.toISOString() ?? '(none)'} must be before the latest restorable time ${LatestTime?.toISOString() ?? '?'} and not before the earliest ${EarliestTime?.toISOString() ?? '?'}.`, ...meta() });
    }
    const asSnapshot: DBSnapshot = {
      Engine: view.Engine,
      EngineVersion: view.EngineVersion,
      AllocatedStorage: view.AllocatedStorage,
      Port: view.Port,
      Encrypted: view.Encrypted,
      KmsKeyId: view.KmsKeyId,
      StorageType: view.StorageType,
      Iops: view.Iops,
      MasterUsername: view.MasterUsername,
      LicenseModel: view.LicenseModel,
      TagList: [],
    };
    // The backups hold x's data, master user and password.
    if (backups.masterPassword !== undefined) this.passwords.set(asSnapshot, backups.masterPassword);
    return this.restoreInstance(id, asSnapshot, input, { eventId: 'RDS-EVENT-0019', message: `Restored from DB instance ${view.DBInstanceIdentifier ?? '?'} to ${at.toISOString()}` });
  }

  /** x's automated backups replicated into this region, by their ARN; LatestTime follows the clock, minus the lag. */
  public readonly replicatedBackups = new Map<string, { backup: DBInstanceAutomatedBackup; lagSeconds: number; frozenAt?: Date; masterPassword?: string }>();

  private backupView(entry: { backup: DBInstanceAutomatedBackup; lagSeconds: number; frozenAt?: Date }): DBInstanceAutomatedBackup {
    const latest = entry.frozenAt ?? new Date(this.clock.now().getTime() - entry.lagSeconds * 1000);
    return { ...structuredClone(entry.backup), RestoreWindow: { EarliestTime: entry.backup.RestoreWindow?.EarliestTime, LatestTime: latest } };
  }

  private describeDBInstanceAutomatedBackups(input: Record<string, unknown>): Record<string, unknown> {
    const names = SimRds.filterValues(input.Filters, 'db-instance-id');
    const resources = SimRds.filterValues(input.Filters, 'dbi-resource-id');
    const all = [...this.replicatedBackups.values()]
      .map((e) => this.backupView(e))
      .filter((b) => !names || names.includes(b.DBInstanceIdentifier ?? ''))
      .filter((b) => !resources || resources.includes(b.DbiResourceId ?? ''));
    const { items, marker } = this.page(all, input);
    return { DBInstanceAutomatedBackups: items, ...(marker ? { Marker: marker } : {}) };
  }

  /** What both kinds of restore share: the request's validation, RDS's defaults, and the status sequence. */
  private restoreInstance(id: string, snap: DBSnapshot, input: Record<string, unknown>, done: { eventId: string; message: string }): Record<string, unknown> {
    // RestoreDBInstanceFromDBSnapshot API reference, AvailabilityZone: "You can't specify the AvailabilityZone parameter if
    // the DB instance is a Multi-AZ deployment."
    if (input.MultiAZ === true && input.AvailabilityZone !== undefined) throw invalidParameter('Requesting a specific availability zone is not valid for Multi-AZ instances.', 'InvalidParameterCombination');
    checkRestore(input, snap, { parameterGroups: this.parameterGroups });
    const engine = (input.Engine as string | undefined) ?? snap.Engine ?? 'postgres';
    const version = snap.EngineVersion ?? '';
    // StorageType "Default: io1 if the Iops parameter is specified, otherwise gp3" (API reference).
    const storageType = (input.StorageType as string | undefined) ?? (input.Iops !== undefined ? 'io1' : 'gp3');
    const subnet = (input.DBSubnetGroupName as string | undefined) ?? 'default';
    if (!this.subnetGroups.has(subnet)) throw new DBSubnetGroupNotFoundFault({ message: `DBSubnetGroup ${subnet} not found.`, ...meta() });
    const pg = input.DBParameterGroupName as string | undefined;
    if (pg && !pg.startsWith('default.') && !this.parameterGroups.has(pg)) throw new DBParameterGroupNotFoundFault({ message: `DBParameterGroup not found: ${pg}`, ...meta() });
    const og = input.OptionGroupName as string | undefined;
    if (og && !og.startsWith('default:') && !this.optionGroups.has(og)) throw new OptionGroupNotFoundFault({ message: `Specified OptionGroupName: ${og} not found.`, ...meta() });
    const ogEntry = og ? this.optionGroups.get(og) : undefined;
    // An option group belongs to one engine and major version (User Guide, "Working with option groups"); message unconfirmed.
    if (ogEntry && (ogEntry.engine !== engine || !version.startsWith(ogEntry.majorVersion))) throw invalidParameter(`The option group ${og} is for ${ogEntry.engine} ${ogEntry.majorVersion} and can't be used with ${engine} ${version}.`, 'InvalidParameterCombination');
    if (this.faults.restoreCapacityFailures > 0 || (this.faults.restoreCapacityUntil ?? 0) > this.clock.millis) {
      if (this.faults.restoreCapacityFailures > 0) this.faults.restoreCapacityFailures--;
      throw new InsufficientDBInstanceCapacityFault({ message: `Insufficient ${(input.DBInstanceClass as string | undefined) ?? 'instance'} capacity in the requested Availability Zone.`, ...meta() });
    }

    const now = this.clock.now();
    const storage = (input.AllocatedStorage as number | undefined) ?? snap.AllocatedStorage ?? 0;
    const baseline = gp3Baseline(engineFamilyOf(engine), storage);
    const db: DBInstance = {
      DBInstanceIdentifier: id,
      DBInstanceArn: this.arn('db', id),
      DBInstanceStatus: 'creating',
      Engine: engine,
      EngineVersion: version,
      DbiResourceId: `db-SIM${now.getTime().toString(36).toUpperCase()}${this.random.hex6().toUpperCase()}`,
      InstanceCreateTime: now,
      // DBInstanceClass "Default: The same DBInstanceClass as the original DB instance" (API reference).
      DBInstanceClass: (input.DBInstanceClass as string | undefined) ?? this.snapshotClasses.get(snap) ?? 'db.m5.large',
      DBSubnetGroup: { DBSubnetGroupName: subnet },
      VpcSecurityGroups: ((input.VpcSecurityGroupIds as string[] | undefined) ?? ['sg-default']).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
      DBParameterGroups: [{ DBParameterGroupName: pg ?? `default.${parameterGroupFamily(engine, version)}`, ParameterApplyStatus: 'in-sync' }],
      OptionGroupMemberships: [{ OptionGroupName: og ?? defaultOptionGroup(engine, version), Status: 'in-sync' }],
      MultiAZ: (input.MultiAZ as boolean | undefined) ?? false,
      AvailabilityZone: (input.AvailabilityZone as string | undefined) ?? `${this.region}a`,
      PubliclyAccessible: (input.PubliclyAccessible as boolean | undefined) ?? false,
      StorageType: storageType,
      AllocatedStorage: storage,
      // gp3 reports its baseline below and at the provisioning threshold, as DescribeDBInstances does.
      Iops: (input.Iops as number | undefined) ?? (storageType === 'gp3' ? baseline.iops : snap.Iops),
      StorageThroughput: (input.StorageThroughput as number | undefined) ?? (storageType === 'gp3' ? baseline.throughput : undefined),
      DbInstancePort: (input.Port as number | undefined) ?? snap.Port,
      // LicenseModel "Default: Same as the source" (API reference).
      LicenseModel: (input.LicenseModel as string | undefined) ?? snap.LicenseModel,
      // A restored instance has the snapshot's master user (and password, below): x's (RDS-NOTES, "Credentials").
      MasterUsername: snap.MasterUsername,
      IAMDatabaseAuthenticationEnabled: (input.EnableIAMDatabaseAuthentication as boolean | undefined) ?? false,
      EnabledCloudwatchLogsExports: (input.EnableCloudwatchLogsExports as string[] | undefined) ?? [],
      CACertificateIdentifier: (input.CACertificateIdentifier as string | undefined) ?? 'rds-ca-rsa2048-g1',
      AutoMinorVersionUpgrade: (input.AutoMinorVersionUpgrade as boolean | undefined) ?? true,
      CopyTagsToSnapshot: (input.CopyTagsToSnapshot as boolean | undefined) ?? false,
      DeletionProtection: (input.DeletionProtection as boolean | undefined) ?? false,
      NetworkType: (input.NetworkType as string | undefined) ?? 'IPV4',
      ...(input.DedicatedLogVolume === true ? { DedicatedLogVolume: true } : {}),
      ...(input.EngineLifecycleSupport !== undefined ? { EngineLifecycleSupport: text(input.EngineLifecycleSupport) } : {}),
      // Backups as the restore asked for (the snapshot's retention otherwise); the rest a restore resets and the modify after it must bring back.
      BackupRetentionPeriod: (input.BackupRetentionPeriod as number | undefined) ?? 1,
      PreferredBackupWindow: (input.PreferredBackupWindow as string | undefined) ?? '22:00-22:30',
      PreferredMaintenanceWindow: 'mon:00:00-mon:00:30',
      MonitoringInterval: 0,
      PerformanceInsightsEnabled: false,
      // A new instance reports Database Insights standard (assumed, unconfirmed: the default mode for RDS).
      DatabaseInsightsMode: 'standard',
      // A restore associates no IAM roles; they need AddRoleToDBInstance afterwards (RDS-NOTES).
      AssociatedRoles: [],
      StorageEncrypted: snap.Encrypted,
      KmsKeyId: snap.KmsKeyId,
      TagList: (input.Tags as Tag[] | undefined) ?? structuredClone(snap.TagList ?? []),
    };
    const password = this.passwords.get(snap);
    if (password !== undefined) this.passwords.set(db, password);
    // ManageMasterUserPassword on a restore (RDS for Oracle only; checked in rds-rules.ts): RDS generates a password and
    // keeps it in a new managed secret.
    if (input.ManageMasterUserPassword === true) this.manageMasterPassword(db, input.MasterUserSecretKmsKeyId as string | undefined);
    this.instances.set(id, db);
    const incompatible = this.faults.restoreEndsIncompatible === true;
    this.clock.after(this.random.duration(this.timings.restore), `restore ${id}`, () => {
      if (this.instances.get(id) !== db) return;
      if (incompatible) {
        // A parameter group whose memory settings exceed the class: the instance never starts (User Guide, "DB instance
        // status": incompatible-parameters). RDS-EVENT-0035 (category failure, "the DB instance has invalid parameters";
        // User Guide, "Amazon RDS event categories and event messages"); the message's exact wording is unconfirmed.
        db.DBInstanceStatus = 'incompatible-parameters';
        this.emit('db-instance', id, 'RDS-EVENT-0035', 'failure', 'Database instance put into incompatible-parameters.', db.DbiResourceId);
        return;
      }
      db.DBInstanceStatus = 'backing-up';
      db.Endpoint = { Address: `${id}.sim.${this.region}.rds.amazonaws.com`, Port: db.DbInstancePort };
      this.emit('db-instance', id, done.eventId, 'restoration', done.message, db.DbiResourceId);
      this.emit('db-instance', id, 'RDS-EVENT-0005', 'creation', 'DB instance created', db.DbiResourceId);
      this.emit('db-instance', id, 'RDS-EVENT-0001', 'backup', 'Backing up DB instance', db.DbiResourceId);
      this.clock.after(this.random.duration(this.timings.baselineBackup), `baseline backup ${id}`, () => {
        if (this.instances.get(id) !== db || db.DBInstanceStatus !== 'backing-up') return;
        db.DBInstanceStatus = 'available';
        this.emit('db-instance', id, 'RDS-EVENT-0002', 'backup', 'Finished DB Instance backup', db.DbiResourceId);
      });
    });
    return { DBInstance: structuredClone(db) };
  }

  /**
   * Turns on RDS-managed master credentials: a secret named `rds!db-<uuid>` holding {"username","password"} with a
   * password RDS generates (User Guide, "Password management with Amazon RDS and AWS Secrets Manager"), encrypted with
   * MasterUserSecretKmsKeyId or the account's aws/secretsmanager key; MasterUserSecret reports it, `creating` until the
   * secret is ready (a minute here; the duration is unconfirmed), then `active`.
   */
  private manageMasterPassword(db: DBInstance, kmsKeyId: string | undefined): void {
    const sm = this.secretsManager;
    let keyArn = sm.defaultKmsKeyArn;
    if (kmsKeyId !== undefined) {
      const key = this.kms ? this.kms.resolve(kmsKeyId, this.region)?.arn : kmsKeyId;
      // MasterUserSecretKmsKeyId: "the key ARN, key ID, alias ARN, or alias name for the KMS key" (API reference); message unconfirmed.
      if (!key) throw new KMSKeyNotAccessibleFault({ message: `The specified KMS key [${kmsKeyId}] does not exist, is not enabled or you do not have permissions to access it.`, ...meta() });
      keyArn = key;
    }
    const password = `sim-managed-${this.random.hex6()}${this.random.hex6()}${this.random.hex6()}`;
    const secret = sm.create(`rds!db-${randomUUIDFrom(this.random)}`, JSON.stringify({ username: db.MasterUsername ?? 'admin', password }), {
      kmsKeyId: keyArn,
      owningService: 'rds',
      tags: [{ Key: 'aws:rds:primaryDBInstanceArn', Value: db.DBInstanceArn ?? '' }],
    });
    db.MasterUserSecret = { SecretArn: secret.arn, SecretStatus: 'creating', KmsKeyId: keyArn };
    this.passwords.set(db, password);
    const current = db.MasterUserSecret;
    this.clock.after(60_000, `managed secret of ${db.DBInstanceIdentifier ?? '?'} active`, () => {
      if (db.MasterUserSecret === current) current.SecretStatus = 'active';
    });
  }

  private modifyDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const id = String(input.DBInstanceIdentifier);
    const db = this.instances.get(id);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
    if (['creating', 'deleting', 'rebooting', 'renaming'].includes(db.DBInstanceStatus ?? '')) {
      throw new InvalidDBInstanceStateFault({ message: `Database instance is not in available state (${db.DBInstanceStatus}).`, ...meta() });
    }
    // What an Aurora cluster owns is modified with ModifyDBCluster (rds-clusters.ts).
    if (db.DBClusterIdentifier) this.clusters.checkMemberModify(input);
    checkModify(input, db);
    if (input.NewDBInstanceIdentifier !== undefined) this.renameInstance(db, input);
    // ApplyImmediately: the simulator applies at once instead of going through PendingModifiedValues.
    for (const [param, field] of Object.entries(MODIFY_FIELDS)) if (input[param] !== undefined) (db as Record<string, unknown>)[field] = input[param];
    // VpcSecurityGroupIds: "A list of Amazon EC2 VPC security groups to associate with this DB instance. This change is
    // asynchronously applied as soon as possible" (ModifyDBInstance API reference): the new list replaces the old.
    if (Array.isArray(input.VpcSecurityGroupIds)) db.VpcSecurityGroups = (input.VpcSecurityGroupIds as string[]).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' }));
    // PubliclyAccessible: "The change takes effect immediately" with ApplyImmediately (same reference).
    if (typeof input.PubliclyAccessible === 'boolean') db.PubliclyAccessible = input.PubliclyAccessible;
    if (input.ManageMasterUserPassword === true && !db.MasterUserSecret) {
      this.manageMasterPassword(db, input.MasterUserSecretKmsKeyId as string | undefined);
    } else if (input.MasterUserPassword !== undefined) {
      // Turning management off deletes the managed secret and sets the new password (API reference, ManageMasterUserPassword).
      if (input.ManageMasterUserPassword === false && db.MasterUserSecret?.SecretArn) {
        this.secretsManager.purge(db.MasterUserSecret.SecretArn);
        delete db.MasterUserSecret;
      }
      // "Changing this parameter doesn't result in an outage and the change is asynchronously applied as soon as possible"
      // (MasterUserPassword): applied at once here.
      this.passwords.set(db, text(input.MasterUserPassword));
    }
    return { DBInstance: structuredClone(db) };
  }

  /**
   * StopDBInstance: "Stops an Amazon RDS DB instance temporarily ... Amazon RDS retains the DB instance's metadata,
   * including its endpoint ... The instance restarts automatically after 7 days" (API reference). The instance must be
   * available (InvalidDBInstanceState otherwise; RDS User Guide, "Stopping an Amazon RDS DB instance temporarily"),
   * is `stopping`, then `stopped` with RDS-EVENT-0087 (notification, "DB instance stopped"; RDS-NOTES). The stop takes
   * a minute or two here (unconfirmed); the automatic restart after 7 days is not modelled (a refresh deletes the
   * stopped instance the next night).
   */
  private stopDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBInstanceIdentifier);
    const db = this.instances.get(id);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
    if (db.DBInstanceStatus !== 'available') throw new InvalidDBInstanceStateFault({ message: `Cannot stop the DB instance ${id} because it is in ${db.DBInstanceStatus} state.`, ...meta() });
    db.DBInstanceStatus = 'stopping';
    this.clock.after(this.random.duration(uniform(60, 120)), `stop ${id}`, () => {
      if (this.instances.get(id) !== db || db.DBInstanceStatus !== 'stopping') return;
      db.DBInstanceStatus = 'stopped';
      this.emit('db-instance', id, 'RDS-EVENT-0087', 'notification', 'DB instance stopped', db.DbiResourceId);
    });
    return { DBInstance: structuredClone(db) };
  }

  /**
   * ModifyDBInstance with NewDBInstanceIdentifier. "You cannot use an existing DB instance name when renaming an
   * instance"; "the endpoint for the DB instance changes, because the URL includes the name"; "the old DNS name that
   * was used by the DB instance is immediately deleted, although it could remain cached for a few minutes. The new DNS
   * name ... becomes effective in about 10 minutes. The renamed DB instance is not available until the new name becomes
   * effective"; "Metrics and events associated with the name of a DB instance are maintained if you reuse a DB instance
   * name"; tags stay with the instance (RDS User Guide, "Renaming a DB instance"). The instance answers to its new
   * identifier at once (assumed: the guide's "immediately deleted" old name), is `renaming` until the new name is
   * effective, then `rebooting` ("After renaming, the DB instance reboots"), then available with RDS-EVENT-0006
   * ("DB instance restarted", category availability). No event marks the rename itself (RDS-NOTES: none is
   * documented). Without ApplyImmediately the rename waits for the maintenance window (PendingModifiedValues), which
   * the simulation does not reach.
   */
  private renameInstance(db: DBInstance, input: Record<string, unknown>): void {
    const from = db.DBInstanceIdentifier ?? '';
    const raw = text(input.NewDBInstanceIdentifier);
    // NewDBInstanceIdentifier: "Must contain from 1 to 63 letters, numbers, or hyphens. The first character must be a
    // letter. Can't end with a hyphen or contain two consecutive hyphens"; "This value is stored as a lowercase string"
    // (ModifyDBInstance API reference).
    if (!/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(raw) || raw.includes('--') || raw.endsWith('-')) throw invalidSnapshotId('NewDBInstanceIdentifier');
    const to = raw.toLowerCase();
    if (to === from) return;
    // DBInstanceAlreadyExistsFault: "The user already has a DB instance with the given identifier" (API reference).
    if (this.instances.has(to)) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta() });
    if (input.ApplyImmediately !== true) {
      db.PendingModifiedValues = { ...db.PendingModifiedValues, DBInstanceIdentifier: to };
      return;
    }
    this.instances.delete(from);
    this.instances.set(to, db);
    db.DBInstanceIdentifier = to;
    db.DBInstanceArn = this.arn('db', to);
    db.DBInstanceStatus = 'renaming';
    if (db.Endpoint) db.Endpoint = { ...db.Endpoint, Address: `${to}.sim.${this.region}.rds.amazonaws.com` };
    const renamedAt = this.clock.millis;
    this.renames.push({ from, to, dbiResourceId: db.DbiResourceId ?? '', at: new Date(renamedAt) });
    const timings = { ...RENAME_TIMINGS, ...this.timings };
    this.clock.after(this.random.duration(timings.rename ?? RENAME_TIMINGS.rename), `rename ${from} → ${to}`, () => {
      if (this.instances.get(to) !== db || db.DBInstanceStatus !== 'renaming') return;
      db.DBInstanceStatus = 'rebooting';
      this.clock.after(this.random.duration(timings.reboot ?? RENAME_TIMINGS.reboot), `reboot ${to}`, () => {
        if (this.instances.get(to) !== db || db.DBInstanceStatus !== 'rebooting') return;
        db.DBInstanceStatus = 'available';
        this.emit('db-instance', to, 'RDS-EVENT-0006', 'availability', 'DB instance restarted', db.DbiResourceId);
      });
    });
  }

  // ---- IAM roles --------------------------------------------------------------------------------

  /**
   * AddRoleToDBInstance: the role is PENDING, then ACTIVE (DBInstanceRole Status: ACTIVE | PENDING | INVALID; a minute
   * here, unconfirmed). "The specified RoleArn or FeatureName value is already associated with the DB instance"
   * (DBInstanceRoleAlreadyExistsFault). The feature must be one the engine has (see ROLE_FEATURES). The instance must
   * serve: assumed available or backing-up, unconfirmed.
   */
  private addRoleToDBInstance(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBInstanceIdentifier);
    const roleArn = param(input.RoleArn);
    const feature = param(input.FeatureName);
    const db = this.instances.get(id);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
    if (!['available', 'backing-up'].includes(db.DBInstanceStatus ?? '')) throw new InvalidDBInstanceStateFault({ message: `The DB instance ${id} is not in a valid state (${db.DBInstanceStatus}).`, ...meta() });
    const family = engineFamilyOf(db.Engine);
    // Message unconfirmed.
    if (family && !ROLE_FEATURES[family].includes(feature)) throw invalidParameter(`Feature ${feature} is not supported for engine ${db.Engine ?? '?'}.`);
    const roles = (db.AssociatedRoles ??= []);
    if (roles.some((r) => r.RoleArn === roleArn || r.FeatureName === feature)) throw new DBInstanceRoleAlreadyExistsFault({ message: `Role ${roleArn} or feature ${feature} is already associated with DB instance ${id}.`, ...meta() });
    const role = { RoleArn: roleArn, FeatureName: feature, Status: 'PENDING' };
    roles.push(role);
    this.clock.after(60_000, `role ${feature} of ${id} active`, () => void (role.Status = 'ACTIVE'));
    return {};
  }

  // ---- RDS Proxy --------------------------------------------------------------------------------

  /** An RDS Proxy with its default target group (CreateDBProxy: "creates the default target group"), as history. */
  public seedProxy(name: string, proxyArn: string, engineFamily: string, targets: string[]): void {
    const proxy: DBProxy = { DBProxyName: name, DBProxyArn: proxyArn, Status: 'available', EngineFamily: engineFamily, Endpoint: `${name}.proxy-sim.${this.region}.rds.amazonaws.com` };
    const record: ProxyRecord = { proxy, groups: new Map([['default', { targets: [] }]]) };
    this.proxies.set(name, record);
    for (const t of targets) record.groups.get('default')!.targets.push(this.proxyTarget(t, 'AVAILABLE'));
  }

  private proxyTarget(instanceId: string, state: TargetState): DBProxyTarget {
    const db = this.instances.get(instanceId);
    return {
      TargetArn: db?.DBInstanceArn ?? this.arn('db', instanceId),
      Endpoint: db?.Endpoint?.Address,
      RdsResourceId: instanceId,
      Port: db?.DbInstancePort,
      Type: 'RDS_INSTANCE',
      Role: 'READ_WRITE',
      TargetHealth: { State: state },
    };
  }

  private proxyRecord(name: string): ProxyRecord {
    const record = this.proxies.get(name);
    if (!record) throw new DBProxyNotFoundFault({ message: `DBProxy ${name} not found.`, ...meta() });
    return record;
  }

  private describeDBProxies(input: Record<string, unknown>): Record<string, unknown> {
    const name = input.DBProxyName as string | undefined;
    const list = name !== undefined ? [this.proxyRecord(name).proxy] : [...this.proxies.values()].map((r) => r.proxy);
    const { items, marker } = this.page(structuredClone(list), input);
    return { DBProxies: items, ...(marker ? { Marker: marker } : {}) };
  }

  private describeDBProxyTargetGroups(input: Record<string, unknown>): Record<string, unknown> {
    const record = this.proxyRecord(param(input.DBProxyName));
    const wanted = input.TargetGroupName as string | undefined;
    if (wanted !== undefined && !record.groups.has(wanted)) throw new DBProxyTargetGroupNotFoundFault({ message: `DBProxyTargetGroup ${wanted} not found.`, ...meta() });
    const groups = [...record.groups.keys()].filter((g) => wanted === undefined || g === wanted).map((g) => ({ DBProxyName: record.proxy.DBProxyName, TargetGroupName: g, IsDefault: g === 'default', Status: 'available' }));
    const { items, marker } = this.page(groups, input);
    return { TargetGroups: items, ...(marker ? { Marker: marker } : {}) };
  }

  /** DescribeDBProxyTargets; TargetGroupName defaults to the default group (API reference). */
  private describeDBProxyTargets(input: Record<string, unknown>): Record<string, unknown> {
    const record = this.proxyRecord(param(input.DBProxyName));
    const groupName = (input.TargetGroupName as string | undefined) ?? 'default';
    const group = record.groups.get(groupName);
    if (!group) throw new DBProxyTargetGroupNotFoundFault({ message: `DBProxyTargetGroup ${groupName} not found.`, ...meta() });
    const { items, marker } = this.page(structuredClone(group.targets), input);
    return { Targets: items, ...(marker ? { Marker: marker } : {}) };
  }

  /**
   * RegisterDBProxyTargets (API reference errors: DBProxyNotFound, DBProxyTargetGroupNotFound, DBInstanceNotFound,
   * DBProxyTargetAlreadyRegistered, InvalidDBInstanceState). The instance's engine must be of the proxy's engine family
   * (User Guide, "RDS Proxy": a proxy is for one engine family); message unconfirmed. The target is REGISTERING, then
   * AVAILABLE (TargetHealth lifecycle "registering > unavailable > available").
   */
  private registerDBProxyTargets(input: Record<string, unknown>): Record<string, unknown> {
    const record = this.proxyRecord(param(input.DBProxyName));
    const groupName = (input.TargetGroupName as string | undefined) ?? 'default';
    const group = record.groups.get(groupName);
    if (!group) throw new DBProxyTargetGroupNotFoundFault({ message: `DBProxyTargetGroup ${groupName} not found.`, ...meta() });
    const out: DBProxyTarget[] = [];
    for (const id of (input.DBInstanceIdentifiers as string[] | undefined) ?? []) {
      const db = this.instances.get(id);
      if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta() });
      if (group.targets.some((t) => t.RdsResourceId === id)) throw new DBProxyTargetAlreadyRegisteredFault({ message: `DB instance ${id} is already registered with proxy ${record.proxy.DBProxyName ?? '?'}.`, ...meta() });
      if (!['available', 'backing-up'].includes(db.DBInstanceStatus ?? '')) throw new InvalidDBInstanceStateFault({ message: `The DB instance ${id} is not in a valid state (${db.DBInstanceStatus}).`, ...meta() });
      const family = engineFamilyOf(db.Engine);
      const proxyFamily = { POSTGRESQL: ['postgres'], MYSQL: ['mysql', 'mariadb'], SQLSERVER: ['sqlserver'] }[record.proxy.EngineFamily ?? ''] ?? [];
      if (!family || !proxyFamily.includes(family)) throw invalidParameter(`The engine ${db.Engine ?? '?'} of ${id} doesn't match the proxy's engine family ${record.proxy.EngineFamily ?? '?'}.`);
      const target = this.proxyTarget(id, 'REGISTERING');
      group.targets.push(target);
      out.push(structuredClone(target));
      this.clock.after(60_000, `proxy target ${id} available`, () => void (target.TargetHealth = { State: 'AVAILABLE' }));
    }
    return { DBProxyTargets: out };
  }

  /** The proxy targets of a proxy's target group (tests and narration). */
  public proxyTargets(proxyName: string, group = 'default'): DBProxyTarget[] {
    return structuredClone(this.proxies.get(proxyName)?.groups.get(group)?.targets ?? []);
  }

  // ---- snapshots ----------------------------------------------------------------------------

  private snapshotOf(db: DBInstance, id: string, type: string, status: string): DBSnapshot {
    const now = this.clock.now();
    const snap: DBSnapshot = {
      DBSnapshotIdentifier: id,
      DBSnapshotArn: this.arn('snapshot', id),
      DBInstanceIdentifier: db.DBInstanceIdentifier,
      DbiResourceId: db.DbiResourceId,
      SnapshotType: type,
      Status: status,
      Engine: db.Engine,
      EngineVersion: db.EngineVersion,
      AllocatedStorage: db.AllocatedStorage,
      Port: db.Endpoint?.Port ?? db.DbInstancePort,
      SnapshotCreateTime: now,
      OriginalSnapshotCreateTime: now,
      Encrypted: db.StorageEncrypted,
      KmsKeyId: db.KmsKeyId,
      PercentProgress: status === 'available' ? 100 : 0,
      TagList: db.CopyTagsToSnapshot ? structuredClone(db.TagList ?? []) : [],
      StorageType: db.StorageType,
      ...(db.Iops !== undefined && db.StorageType !== 'gp3' ? { Iops: db.Iops } : {}),
      MasterUsername: db.MasterUsername,
      LicenseModel: db.LicenseModel,
    };
    // A snapshot holds the instance's master user and password as they are now (RDS-NOTES, "Credentials").
    const password = this.passwords.get(db);
    if (password !== undefined) this.passwords.set(snap, password);
    if (db.DBInstanceClass) this.snapshotClasses.set(snap, db.DBInstanceClass);
    return snap;
  }

  /** Cross-region copies in flight into this region now. */
  public crossRegionCopiesInFlight(): number {
    let n = 0;
    for (const s of this.snapshots.values()) if (s.SourceRegion && s.SourceRegion !== this.region && IN_FLIGHT.includes(s.Status ?? '')) n++;
    return n;
  }

  private manualSnapshotCount(): number {
    let n = 0;
    for (const s of this.snapshots.values()) if (s.SnapshotType === 'manual') n++;
    return n;
  }

  private noteInFlight(): void {
    this.copyHighWater = Math.max(this.copyHighWater, this.crossRegionCopiesInFlight());
  }

  /** A snapshot in `creating` that becomes available after the snapshot time, with its two events. */
  private startSnapshot(db: DBInstance, id: string, type: 'automated' | 'manual', tags: Tag[] = []): DBSnapshot {
    const snap = this.snapshotOf(db, id, type, 'creating');
    snap.TagList = mergeTags(snap.TagList, tags);
    this.snapshots.set(id, snap);
    const [creating, created] = type === 'automated' ? ['RDS-EVENT-0090', 'RDS-EVENT-0091'] : ['RDS-EVENT-0040', 'RDS-EVENT-0042'];
    this.emit('db-snapshot', id, creating, 'creation', type === 'automated' ? 'Creating automated snapshot' : 'Creating manual snapshot');
    this.clock.after(this.random.duration(this.timings.snapshot), `snapshot ${id}`, () => {
      if (this.snapshots.get(id) !== snap) return;
      snap.Status = 'available';
      snap.PercentProgress = 100;
      this.emit('db-snapshot', id, created, 'creation', type === 'automated' ? 'Automated snapshot created' : 'Manual snapshot created');
    });
    return snap;
  }

  /**
   * The nightly automated backup of an instance: `rds:<id>-YYYY-MM-DD-HH-MM`, creating (RDS-EVENT-0090)
   * then available (RDS-EVENT-0091). Automated snapshots older than the instance's backup retention go.
   */
  public takeAutomatedSnapshot(instanceId: string): DBSnapshot | undefined {
    const db = this.instances.get(instanceId);
    // An Aurora member is backed up with its cluster (SimClusters.takeAutomatedClusterSnapshot).
    if (!db || db.DBClusterIdentifier || !['available', 'backing-up'].includes(db.DBInstanceStatus ?? '')) return undefined;
    const stamp = this.clock.now().toISOString().slice(0, 16).replace(/[T:]/g, '-');
    const id = `rds:${instanceId}-${stamp}`;
    if (this.snapshots.has(id)) return this.snapshots.get(id);
    const keepMs = (db.BackupRetentionPeriod ?? 1) * 86_400_000;
    for (const [sid, s] of this.snapshots) {
      if (s.SnapshotType === 'automated' && s.DBInstanceIdentifier === instanceId && this.clock.millis - (s.SnapshotCreateTime?.getTime() ?? 0) > keepMs) this.snapshots.delete(sid);
    }
    return this.startSnapshot(db, id, 'automated');
  }

  /** An available snapshot of an instance taken at `at` (history before the simulation starts). */
  public seedSnapshot(instanceId: string, id: string, type: 'automated' | 'manual', at: Date, tags: Tag[] = []): DBSnapshot {
    const db = this.instances.get(instanceId);
    if (!db) throw new Error(`seedSnapshot: no instance ${instanceId} in ${this.region}`);
    const snap = this.snapshotOf(db, id, type, 'available');
    snap.SnapshotCreateTime = at;
    snap.OriginalSnapshotCreateTime = at;
    snap.TagList = mergeTags(snap.TagList, tags);
    this.snapshots.set(id, snap);
    return snap;
  }

  /** What CopyDBSnapshot makes of a source snapshot in this region, before it is stored. */
  private copyOf(source: DBSnapshot, sourceRegion: string, targetId: string, kmsKeyId: string | undefined, tags: Tag[], from: SimRds = this): DBSnapshot {
    const copy: DBSnapshot = {
      DBSnapshotIdentifier: targetId,
      DBSnapshotArn: this.arn('snapshot', targetId),
      DBInstanceIdentifier: source.DBInstanceIdentifier,
      DbiResourceId: source.DbiResourceId,
      SnapshotType: 'manual',
      Status: 'copying',
      Engine: source.Engine,
      EngineVersion: source.EngineVersion,
      AllocatedStorage: source.AllocatedStorage,
      Port: source.Port,
      SnapshotCreateTime: this.clock.now(),
      // A copy keeps the time of the data it holds.
      OriginalSnapshotCreateTime: source.OriginalSnapshotCreateTime ?? source.SnapshotCreateTime,
      ...(sourceRegion !== this.region ? { SourceRegion: sourceRegion } : {}),
      SourceDBSnapshotIdentifier: source.DBSnapshotArn,
      Encrypted: kmsKeyId !== undefined,
      KmsKeyId: kmsKeyId,
      PercentProgress: 0,
      TagList: tags,
      StorageType: source.StorageType,
      ...(source.Iops !== undefined ? { Iops: source.Iops } : {}),
      MasterUsername: source.MasterUsername,
      LicenseModel: source.LicenseModel,
    };
    // A copy holds the same data: the same master user and password.
    const password = from.passwords.get(source);
    if (password !== undefined) this.passwords.set(copy, password);
    const cls = from.snapshotClasses.get(source);
    if (cls) this.snapshotClasses.set(copy, cls);
    return copy;
  }

  /**
   * A copy that the project's pipeline made before the simulation starts: available, with the tags
   * and key the copy request gave it.
   */
  public seedCopy(source: DBSnapshot, sourceRegion: string, targetId: string, kmsKeyId: string | undefined, tags: Tag[]): DBSnapshot {
    const snap = this.copyOf(source, sourceRegion, targetId, kmsKeyId, mergeTags(source.TagList, tags), this.regions.get(sourceRegion) ?? this);
    snap.Status = 'available';
    snap.PercentProgress = 100;
    snap.SnapshotCreateTime = new Date((source.SnapshotCreateTime?.getTime() ?? this.clock.millis) + 30 * 60_000);
    this.snapshots.set(targetId, snap);
    return snap;
  }

  /** The region and snapshot a CopyDBSnapshot source names: an ARN (any region of the account) or an id here. */
  private copySource(sourceId: string, input: Record<string, unknown>): { from: SimRds; snap: DBSnapshot } {
    const notFound = () => new DBSnapshotNotFoundFault({ message: `DBSnapshot not found: ${sourceId}`, ...meta() });
    if (!sourceId.startsWith('arn:')) {
      const local = this.snapshots.get(sourceId);
      if (!local) throw notFound();
      return { from: this, snap: local };
    }
    const m = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):snapshot:(.+)$/.exec(sourceId);
    if (!m) throw invalidParameter(`The parameter SourceDBSnapshotIdentifier is not a valid identifier: ${sourceId}`);
    const [, region = '', account, id = ''] = m;
    // Another account's snapshot: only one shared with this account (or public) is found; in this region or, in a
    // single step, another ("You can also specify an ARN of a snapshot that is in a different account and a different
    // AWS Region", CopyDBSnapshot API reference, SourceDBSnapshotIdentifier). Like any cross-region copy, it comes with
    // the URL presigned for the source region.
    if (account !== this.account) {
      const shared = this.sharedSnapshot(sourceId);
      if (!shared) throw notFound();
      if (shared.owner.region !== this.region) this.checkPresignedUrl(input, sourceId, region, shared.snap);
      return { from: shared.owner, snap: shared.snap };
    }
    const from = region === this.region ? this : this.regions.get(region);
    const snap = from?.snapshots.get(id);
    if (from && from.region !== this.region) this.checkPresignedUrl(input, sourceId, region, snap);
    if (!from || !snap) throw notFound();
    return { from, snap };
  }

  /**
   * A cross-region copy of an encrypted snapshot needs the PreSignedUrl the SDK builds: signed for the
   * source region, naming this region as the destination. A client in the wrong region, or an SDK that
   * did not presign, meets the error RDS gives.
   */
  private checkPresignedUrl(input: Record<string, unknown>, sourceArn: string, sourceRegion: string, source: DBSnapshot | undefined): void {
    const raw = input.PreSignedUrl as string | undefined;
    if (raw === undefined && !source?.Encrypted) return;
    let ok = false;
    try {
      const url = new URL(raw ?? '');
      const q = url.searchParams;
      ok =
        url.hostname === `rds.${sourceRegion}.amazonaws.com` &&
        q.get('Action') === 'CopyDBSnapshot' &&
        q.get('DestinationRegion') === this.region &&
        q.get('SourceDBSnapshotIdentifier') === sourceArn &&
        (q.get('X-Amz-Credential') ?? '').includes(`/${sourceRegion}/rds/`);
    } catch {
      ok = false;
    }
    if (!ok) throw invalidParameter('PreSignedUrl could not be authenticated.');
  }

  private copyDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const sourceId = param(input.SourceDBSnapshotIdentifier);
    const targetId = param(input.TargetDBSnapshotIdentifier);
    if (!isValidSnapshotId(targetId)) throw invalidSnapshotId('TargetDBSnapshotIdentifier');
    const { from, snap: source } = this.copySource(sourceId, input);
    if (source.Status !== 'available') throw new InvalidDBSnapshotStateFault({ message: `Snapshot ${source.DBSnapshotIdentifier} is not in available state (${source.Status}).`, ...meta() });
    if (this.snapshots.has(targetId)) throw new DBSnapshotAlreadyExistsFault({ message: `Cannot create the snapshot because a snapshot with the identifier ${targetId} already exists.`, ...meta() });
    // Across regions: a copy of another account's snapshot of this region is not a cross-region copy.
    const cross = from.region !== this.region;
    const requested = input.KmsKeyId as string | undefined;
    if (from.account !== this.account) this.checkSharedCopy(from, source, requested);
    let key: string | undefined;
    if (requested !== undefined) {
      key = this.kms ? this.resolveKmsKey(requested)?.arn : requested;
      if (!key) throw new KMSKeyNotAccessibleFault({ message: `The target KMS key [${requested}] does not exist, is not enabled or you do not have permissions to access it.`, ...meta() });
    } else if (source.Encrypted) {
      // KMS keys never leave their region: a cross-region copy of an encrypted snapshot must name a key here.
      if (cross) throw invalidParameter('Must specify new KMS key for cross region encrypted snapshot copy.');
      key = source.KmsKeyId;
    }
    if (this.manualSnapshotCount() >= this.manualSnapshotQuota) {
      throw new SnapshotQuotaExceededFault({ message: `Cannot create more than ${this.manualSnapshotQuota} manual snapshots`, ...meta() });
    }
    if (cross && this.crossRegionCopiesInFlight() >= this.crossRegionCopyLimit) {
      throw new SnapshotQuotaExceededFault({ message: `Cannot copy more than ${this.crossRegionCopyLimit} snapshots across regions`, ...meta() });
    }
    const tags = mergeTags(input.CopyTags === true ? source.TagList : [], input.Tags as Tag[] | undefined);
    const snap = this.copyOf(source, from.region, targetId, key, tags, from);
    this.snapshots.set(targetId, snap);
    const took = this.random.duration(this.timings.copy);
    this.copyWindows.set(snap, { start: this.clock.millis, end: this.clock.millis + took });
    this.noteInFlight();
    if (cross) this.emit('db-snapshot', targetId, 'RDS-EVENT-0059', 'notification', `Started cross region copy of snapshot ${source.DBSnapshotArn}`);
    this.clock.after(took, `copy ${targetId}`, () => {
      this.copyWindows.delete(snap);
      if (this.snapshots.get(targetId) !== snap) return;
      snap.Status = 'available';
      snap.PercentProgress = 100;
      if (cross) this.emit('db-snapshot', targetId, 'RDS-EVENT-0060', 'notification', `Finished cross region copy of snapshot ${source.DBSnapshotArn} in ${Math.round(took / 60_000)} minutes`);
    });
    return { DBSnapshot: structuredClone(snap) };
  }

  private createDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBSnapshotIdentifier);
    const instanceId = param(input.DBInstanceIdentifier);
    if (!isValidSnapshotId(id)) throw invalidSnapshotId('DBSnapshotIdentifier');
    const db = this.instances.get(instanceId);
    if (!db) throw new DBInstanceNotFoundFault({ message: `DBInstance ${instanceId} not found.`, ...meta() });
    // An Aurora member has no snapshots of its own: the message RDS gives (cloud-custodian issue #313).
    if (db.DBClusterIdentifier) throw invalidParameter('The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.');
    if (db.DBInstanceStatus !== 'available') throw new InvalidDBInstanceStateFault({ message: `Cannot create a snapshot because the database instance ${instanceId} is not currently in the available state.`, ...meta() });
    if (this.snapshots.has(id)) throw new DBSnapshotAlreadyExistsFault({ message: `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`, ...meta() });
    if (this.manualSnapshotCount() >= this.manualSnapshotQuota) {
      throw new SnapshotQuotaExceededFault({ message: `Cannot create more than ${this.manualSnapshotQuota} manual snapshots`, ...meta() });
    }
    const snap = this.startSnapshot(db, id, 'manual', input.Tags as Tag[] | undefined);
    return { DBSnapshot: structuredClone(snap) };
  }

  private deleteDBSnapshot(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBSnapshotIdentifier);
    const snap = this.snapshots.get(id);
    if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${id} not found.`, ...meta() });
    if (snap.SnapshotType !== 'manual') throw new InvalidDBSnapshotStateFault({ message: `Only manual snapshots can be deleted; ${id} is ${snap.SnapshotType}.`, ...meta() });
    if (snap.Status !== 'available') throw new InvalidDBSnapshotStateFault({ message: `Cannot delete the snapshot because it is not in available state (${snap.Status}).`, ...meta() });
    this.snapshots.delete(id);
    this.emit('db-snapshot', id, 'RDS-EVENT-0041', 'deletion', 'Deleted manual snapshot');
    return { DBSnapshot: { ...structuredClone(snap), Status: 'deleted' } };
  }

  // ---- sharing snapshots with other accounts (the rules are in sharing.ts) ---------------------

  /**
   * ModifyDBSnapshotAttribute (AttributeName restore): shares a manual snapshot of this account with other accounts, or
   * makes it public, by the rules of sharing.ts. The identifier is checked as a manual snapshot's: RDS refuses an
   * automated snapshot's `rds:` identifier with InvalidParameterValue, "The parameter DBSnapshotIdentifier is not a
   * valid identifier. Identifiers must begin with a letter; ..." (aws/aws-cli issue #8296, aws/aws-sdk issue #638), and
   * a missing snapshot with DBSnapshotNotFound, "DBSnapshot not found: <id>" (same issue; API reference, Errors).
   */
  private modifyDBSnapshotAttribute(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBSnapshotIdentifier);
    if (!isValidSnapshotId(id)) throw invalidSnapshotId('DBSnapshotIdentifier');
    const snap = this.snapshots.get(id);
    if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot not found: ${id}`, ...meta() });
    const values = modifyRestoreAttribute(snap, input, this.restoreAttributes.get(snap) ?? [], this.kms?.isAwsManaged(snap.KmsKeyId) ?? false);
    this.restoreAttributes.set(snap, values);
    return { DBSnapshotAttributesResult: attributesResult(id, values) };
  }

  /**
   * DescribeDBSnapshotAttributes: the restore attribute of one of this account's snapshots, empty when it is not shared
   * (it answers for an automated snapshot too: aws/aws-sdk issue #638); DBSnapshotNotFound otherwise (API reference,
   * Errors).
   */
  private describeDBSnapshotAttributes(input: Record<string, unknown>): Record<string, unknown> {
    const id = param(input.DBSnapshotIdentifier);
    const snap = this.snapshots.get(id);
    if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot not found: ${id}`, ...meta() });
    return { DBSnapshotAttributesResult: attributesResult(id, this.restoreAttributes.get(snap) ?? []) };
  }

  /**
   * Another account's manual snapshot, named by its ARN, that this account may copy or restore: shared with it, or
   * public (sharing.ts, mayUse). Undefined for this account's own ARNs, for accounts and regions not simulated, and for
   * snapshots this account may not use: to it they do not exist (DBSnapshotNotFound).
   */
  private sharedSnapshot(arn: string): { owner: SimRds; snap: DBSnapshot; values: string[] } | undefined {
    const parts = parseSnapshotArn(arn);
    if (!parts || parts.account === this.account) return undefined;
    const owner = this.cloud.get(`${parts.account}/${parts.region}`);
    const snap = owner?.snapshots.get(parts.id);
    if (!owner || !snap || snap.SnapshotType !== 'manual') return undefined;
    const values = owner.restoreAttributes.get(snap) ?? [];
    return mayUse(values, this.account) ? { owner, snap, values } : undefined;
  }

  /**
   * Other accounts' snapshots of this region that DescribeDBSnapshots lists for this account: `shared` ones with
   * IncludeShared ("shared - Return all manual DB snapshots that have been shared to my AWS account"; "Shared and public
   * DB snapshots are not included in the returned results by default. You can include shared snapshots with these
   * results by enabling the IncludeShared parameter"), `public` ones with IncludePublic ("The IncludePublic parameter
   * doesn't apply when SnapshotType is set to shared. The IncludeShared parameter doesn't apply when SnapshotType is set
   * to public"; DescribeDBSnapshots API reference, SnapshotType). SnapshotType shared without IncludeShared lists none:
   * callers pass both (AWS Ops Automator's RDS copy action selects shared snapshots with {"SnapshotType": "shared",
   * "IncludeShared": True}); that RDS requires both is assumed, unconfirmed.
   */
  private sharedWithThisAccount(input: Record<string, unknown>): DBSnapshot[] {
    const type = input.SnapshotType as string | undefined;
    const shared = input.IncludeShared === true && (type === undefined || type === 'shared');
    const pub = input.IncludePublic === true && (type === undefined || type === 'public');
    if (!shared && !pub) return [];
    const out: DBSnapshot[] = [];
    for (const owner of this.cloud.values()) {
      if (owner.account === this.account || owner.region !== this.region) continue;
      for (const snap of owner.snapshots.values()) {
        const values = snap.SnapshotType === 'manual' ? (owner.restoreAttributes.get(snap) ?? []) : [];
        if (shared && values.includes(this.account)) out.push(sharedView(snap, 'shared'));
        else if (pub && values.includes(PUBLIC)) out.push(sharedView(snap, 'public'));
      }
    }
    return out;
  }

  /**
   * What a copy of another account's shared snapshot needs: "You can copy snapshots shared to you by other AWS
   * accounts. In some cases, you might copy an encrypted snapshot that has been shared from another AWS account. In
   * these cases, you must have access to the AWS KMS key that was used to encrypt the snapshot" (RDS User Guide,
   * "Copying a DB snapshot for Amazon RDS"). An encrypted one needs a KmsKeyId of the copying account's choosing and a
   * source key whose key policy admits this account (an AWS managed aws/rds key never does: kms.ts). Without a KMS
   * simulated for the owner, its key is taken as usable.
   */
  private checkSharedCopy(from: SimRds, source: DBSnapshot, requested: string | undefined): void {
    if (!source.Encrypted) return;
    if (requested === undefined) throw sharedCopyNeedsKey();
    const keyArn = source.KmsKeyId ?? '';
    if (from.kms && !from.kms.resolve(keyArn, from.region, this.account)) throw sourceKeyNotAccessible(keyArn);
  }

  /**
   * The key a KmsKeyId names for this account in this region: one of its own, or another account's key named by its ARN
   * whose key policy admits this account ("You can also use a KMS key from another Amazon account when the key policy
   * grants access to the source and target accounts", RDS User Guide, "Sharing encrypted snapshots for Amazon RDS"; the
   * resolution rules are in kms.ts).
   */
  private resolveKmsKey(id: string): SimKey | undefined {
    const own = this.kms?.resolve(id, this.region);
    if (own) return own;
    const account = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:(\d{12}):/.exec(id)?.[1];
    if (!account || account === this.account) return undefined;
    const other = [...this.cloud.values()].find((r) => r.account === account && r.kms)?.kms;
    return other?.resolve(id, this.region, this.account);
  }

  private resourceByArn(arn: string): { TagList?: Tag[] } {
    if (/:cluster(-snapshot)?:/.test(arn)) return this.clusters.resourceByArn(arn);
    const snap = [...this.snapshots.values()].find((s) => s.DBSnapshotArn === arn);
    if (snap) return snap;
    const db = [...this.instances.values()].find((d) => d.DBInstanceArn === arn);
    if (db) return db;
    if (arn.includes(':snapshot:')) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${arn} not found.`, ...meta() });
    throw new DBInstanceNotFoundFault({ message: `DBInstance ${arn} not found.`, ...meta() });
  }

  private listTagsForResource(input: Record<string, unknown>): Record<string, unknown> {
    return { TagList: structuredClone(this.resourceByArn(param(input.ResourceName)).TagList ?? []) };
  }

  private addTagsToResource(input: Record<string, unknown>): Record<string, unknown> {
    const resource = this.resourceByArn(param(input.ResourceName));
    resource.TagList = mergeTags(resource.TagList, input.Tags as Tag[] | undefined);
    if (resource.TagList.length > 50) throw invalidParameter('Cannot add tags: a resource can have at most 50 tags.', 'TagQuotaPerResourceExceeded');
    return {};
  }

  /**
   * A copy of one of x's snapshots arriving from the source region: `copying` now, `available` after
   * the copy time. It keeps x's identifier, DbiResourceId and original creation time.
   */
  public arriveCopy(
    input: {
      id: string;
      sourceInstanceId: string;
      sourceDbiResourceId: string;
      sourceRegion: string;
      sourceSnapshotId: string;
      dataTime: Date;
      engine: string;
      engineVersion?: string;
      allocatedStorage: number;
      port: number;
      kmsKeyId?: string;
      type?: string;
      tags?: Tag[];
      storageType?: string;
      licenseModel?: string;
      instanceClass?: string;
      masterUsername?: string;
      /** x's master password, which the copy holds. */
      masterPassword?: string;
    },
    copyTime: Distribution = this.timings.copy,
  ): DBSnapshot {
    const snap: DBSnapshot = {
      DBSnapshotIdentifier: input.id,
      DBSnapshotArn: this.arn('snapshot', input.id),
      DBInstanceIdentifier: input.sourceInstanceId,
      DbiResourceId: input.sourceDbiResourceId,
      SnapshotType: input.type ?? 'manual',
      Status: 'copying',
      Engine: input.engine,
      EngineVersion: input.engineVersion,
      AllocatedStorage: input.allocatedStorage,
      Port: input.port,
      SnapshotCreateTime: this.clock.now(),
      OriginalSnapshotCreateTime: input.dataTime,
      SourceRegion: input.sourceRegion,
      SourceDBSnapshotIdentifier: `arn:aws:rds:${input.sourceRegion}:${this.account}:snapshot:${input.sourceSnapshotId}`,
      Encrypted: input.kmsKeyId !== undefined,
      KmsKeyId: input.kmsKeyId,
      PercentProgress: 0,
      ...(input.tags ? { TagList: structuredClone(input.tags) } : {}),
      StorageType: input.storageType ?? 'gp3',
      ...(input.masterUsername ? { MasterUsername: input.masterUsername } : {}),
      ...(input.licenseModel ? { LicenseModel: input.licenseModel } : {}),
    };
    if (input.masterPassword !== undefined) this.passwords.set(snap, input.masterPassword);
    if (input.instanceClass) this.snapshotClasses.set(snap, input.instanceClass);
    this.snapshots.set(input.id, snap);
    const took = this.random.duration(copyTime);
    this.copyWindows.set(snap, { start: this.clock.millis, end: this.clock.millis + took });
    this.noteInFlight();
    this.emit('db-snapshot', input.id, 'RDS-EVENT-0059', 'notification', 'Started cross-region snapshot copy');
    this.clock.after(took, `copy ${input.id}`, () => {
      this.copyWindows.delete(snap);
      snap.Status = 'available';
      snap.PercentProgress = 100;
      this.emit('db-snapshot', input.id, 'RDS-EVENT-0060', 'notification', 'Finished cross-region snapshot copy');
    });
    return snap;
  }

  /** Brings PercentProgress of the copies in progress up to now. */
  private updateProgress(): void {
    for (const [snap, w] of this.copyWindows) {
      if (snap.Status !== 'copying') continue;
      snap.PercentProgress = Math.min(99, Math.floor(((this.clock.millis - w.start) / Math.max(1, w.end - w.start)) * 100));
    }
  }

  private describeDBSnapshots(input: Record<string, unknown>): Record<string, unknown> {
    this.updateProgress();
    const id = input.DBSnapshotIdentifier as string | undefined;
    if (id !== undefined) {
      const snap = [...this.snapshots.values()].find((s) => s.DBSnapshotIdentifier === id || s.DBSnapshotArn === id);
      // Another account's snapshot, by its ARN: seen only when shared with this account or public (sharing.ts; that no
      // IncludeShared is needed to describe one by ARN is assumed, unconfirmed).
      const shared = snap ? undefined : this.sharedSnapshot(id);
      if (shared && shared.owner.region === this.region) return { DBSnapshots: [sharedView(shared.snap, shared.values.includes(this.account) ? 'shared' : 'public')] };
      if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${id} not found.`, ...meta() });
      return { DBSnapshots: [structuredClone(snap)] };
    }
    const byInstance = (input.DBInstanceIdentifier as string | undefined) ?? undefined;
    const instanceIds = SimRds.filterValues(input.Filters, 'db-instance-id');
    const resourceIds = SimRds.filterValues(input.Filters, 'dbi-resource-id');
    const snapshotIds = SimRds.filterValues(input.Filters, 'db-snapshot-id');
    const typeFilter = SimRds.filterValues(input.Filters, 'snapshot-type');
    const engines = SimRds.filterValues(input.Filters, 'engine');
    // Like RDS: without SnapshotType, automated and manual snapshots; shared and public only when asked.
    const types = input.SnapshotType ? [input.SnapshotType as string] : ['automated', 'manual', ...(input.IncludeShared ? ['shared'] : []), ...(input.IncludePublic ? ['public'] : [])];
    const all = [...[...this.snapshots.values()].filter((s) => types.includes(s.SnapshotType ?? '')), ...this.sharedWithThisAccount(input)]
      .filter((s) => !byInstance || s.DBInstanceIdentifier === byInstance)
      .filter((s) => !instanceIds || instanceIds.includes(s.DBInstanceIdentifier ?? ''))
      .filter((s) => !resourceIds || resourceIds.includes(s.DbiResourceId ?? ''))
      .filter((s) => !snapshotIds || snapshotIds.includes(s.DBSnapshotIdentifier ?? ''))
      .filter((s) => !typeFilter || typeFilter.includes(s.SnapshotType ?? ''))
      .filter((s) => !engines || engines.includes(s.Engine ?? ''));
    const { items, marker } = this.page(all, input);
    return { DBSnapshots: structuredClone(items), ...(marker ? { Marker: marker } : {}) };
  }

  /** Someone deletes an instance by hand (console, CLI): not an API call of the project's. */
  /** Someone deletes y in the console; false when there is nothing to delete (y is gone or already being deleted). */
  public deleteByHand(id: string): boolean {
    const db = this.instances.get(id);
    if (!db || db.DBInstanceStatus === 'deleting') return false;
    this.deleteDBInstance({ DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    return true;
  }
}
