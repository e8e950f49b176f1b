/**
 * What the core needs from the outside world. Adapters in `lambdas/aws/` implement these against
 * AWS; tests and the local simulation implement or drive them too.
 */
import type { CopyRequest } from '../copy/plan';
import type { TargetGateways } from '../targets/target';
import type { PairConfig } from './config';
import type { DesiredRecord, InstanceSettings, InstanceView, ProxyTarget, ReceivedEvent, ReplicatedBackupView, RunRecord, SnapshotView, TargetView, ValidationStepResult } from './model';

/** A restore request, already complete: nothing is left to RDS defaults. */
export interface RestoreRequest {
  instanceId: string;
  snapshotIdentifier: string;
  settings: InstanceSettings;
  /** Tags to put on the new y: y's own plus lineage. */
  tags: Record<string, string>;
  /** Restore x's replicated automated backups to this time instead of a snapshot (mode `backup-replication`). */
  pointInTime?: { automatedBackupsArn: string; restoreTime: Date };
}

/** One ModifyDBInstance call after a restore: one settings group, or y's master credentials. */
export interface ModifyChanges {
  settings?: Partial<InstanceSettings>;
  /** Sets the master password (mode `secret`). Never logged or stored. */
  masterUserPassword?: string;
  /** Turns on RDS-managed master credentials (mode `managed`), optionally with a KMS key for the secret. */
  manageMasterUserPassword?: { kmsKeyId?: string };
  /** Renames the instance (rename-swap): NewDBInstanceIdentifier, applied immediately; the instance reboots. */
  newIdentifier?: string;
}

/** An RDS event subscription as DescribeEventSubscriptions reports it. */
export interface EventSubscriptionView {
  name: string;
  /** creating | modifying | deleting | active | no-permission | topic-not-exist | all-sources-deleted */
  status: string;
  enabled: boolean;
  sourceType?: string;
  sourceIds: string[];
  topicArn?: string;
}

/** RDS in the replica region. Errors surface as RetryableRdsError / PermanentRdsError, or the result says "not found". */
export interface ReplicaRds {
  /** y as it is now, or undefined when it does not exist. */
  describeInstance(instanceId: string): Promise<InstanceView | undefined>;
  /**
   * Every DB instance of the region, by identifier: one paginated DescribeDBInstances (100 a page), so the watchdog
   * looks at all its replicas with a call per hundred instances instead of one per replica.
   */
  listInstances(): Promise<Map<string, InstanceView>>;
  /** Every snapshot of the instance, across all pages, fetched with server-side filters. */
  listSnapshots(query: { instanceId: string; dbiResourceId?: string; types: readonly string[] }): Promise<SnapshotView[]>;
  /** x's automated backups replicated into this region from `sourceRegion` (mode `backup-replication`). */
  describeReplicatedBackups(query: { instanceId: string; dbiResourceId?: string; sourceRegion: string }): Promise<ReplicatedBackupView[]>;
  /** One snapshot by id, or undefined. */
  describeSnapshot(snapshotId: string): Promise<SnapshotView | undefined>;
  disableDeletionProtection(instanceId: string): Promise<void>;
  /** Deletes y; automated backups go too. `finalSnapshotId` takes a final snapshot first. */
  deleteInstance(instanceId: string, finalSnapshotId?: string): Promise<void>;
  /** Starts a restore; `already-exists` when an instance of that name exists. */
  restoreInstance(request: RestoreRequest): Promise<'requested' | 'already-exists'>;
  /**
   * Deletes a snapshot only if it carries the ownership tag, read just before the delete.
   * @returns 'not-owned' when the tag is missing or different, 'gone' when it no longer exists
   */
  deleteOwnedSnapshot(snapshotId: string, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'>;
  /**
   * Applies one group of what a restore cannot set, immediately.
   * @returns 'busy' while y's state refuses modifications (InvalidDBInstanceState)
   * @throws PermanentRdsError when RDS rejects a value
   */
  modifyInstance(instanceId: string, changes: ModifyChanges): Promise<'modified' | 'busy'>;
  /** Stops the instance (StopDBInstance); 'busy' while its state refuses a stop. */
  stopInstance(instanceId: string): Promise<'stopped' | 'busy'>;
  /** Associates an IAM role with y for a feature; `already-associated` when it is. */
  addRoleToInstance(instanceId: string, roleArn: string, featureName: string): Promise<'added' | 'already-associated' | 'busy'>;
  /** The RDS Proxy target groups that list this instance. */
  proxyTargetsOf(instanceId: string): Promise<ProxyTarget[]>;
  /** Registers y with a proxy's target group; `already-registered` when it is. */
  registerProxyTarget(target: ProxyTarget, instanceId: string): Promise<'registered' | 'already-registered'>;
  /** The event subscription, or undefined when it does not exist. */
  describeEventSubscription(name: string): Promise<EventSubscriptionView | undefined>;
}

/** The snapshot side of RDS that copying needs: one instance per region. */
export interface SnapshotStore {
  describeSnapshot(snapshotId: string): Promise<SnapshotView | undefined>;
  copySnapshot(request: CopyRequest): Promise<'started' | 'already-exists'>;
  manualSnapshotCounts(): Promise<{ total: number; copying: number }>;
}

/** The run ledger. Every write is conditional so duplicate and racing invocations cannot double-act. */
export interface Ledger {
  /**
   * Opens a run as the replica's single active run.
   * @throws ActiveRunExistsError when another run is active
   */
  openRun(run: RunRecord): Promise<void>;
  getActiveRun(replicaId: string): Promise<RunRecord | undefined>;
  /**
   * Records details on the active run (never its phase or status: those move only by {@link moveRun}) if it is still
   * `runId`, (when given) in one of `fromPhases`, and (with `dueBy`) its `nextRetryAt` is unset or not later than
   * `dueBy`. Every write moves the run's version on.
   * @returns the updated run
   * @throws StaleRunError when the condition does not hold
   */
  updateActiveRun(run: Pick<RunRecord, 'replicaId' | 'runId'>, changes: Partial<RunRecord>, fromPhases?: readonly string[], options?: { dueBy?: string }): Promise<RunRecord>;
  /**
   * A lifecycle transition (refresh/machine.ts calls it; nothing else should): writes `changes`, which carry the new
   * phase or the closing status, if the run is still `runId`, active, in one of `fromPhases`, at `run.version`, and
   * (with `dueBy`) due.
   * @returns the run as written
   * @throws StaleRunError when the condition does not hold
   */
  moveRun(run: Pick<RunRecord, 'replicaId' | 'runId' | 'version'>, changes: Partial<RunRecord>, fromPhases: readonly string[], options?: { dueBy?: string }): Promise<RunRecord>;
  /** Moves a closed run into history and frees the active slot. Idempotent. */
  archiveRun(run: RunRecord): Promise<void>;
  /**
   * Replaces a time the watchdog's poll recorded with the RDS event's exact one, on the active run or in history.
   * @returns false when the run's time already came from an event (or the run is unknown)
   */
  amendTiming(replicaId: string, runId: string, which: 'deleted' | 'usable', at: string): Promise<boolean>;
  /**
   * Records what a SQL probe measured of a run (clientDowntimeSeconds), on the run in history or, while it is active,
   * in its slot.
   * @returns false when no such run is in the ledger
   */
  recordClientDowntime(replicaId: string, runId: string, seconds: number): Promise<boolean>;
  /**
   * Records that an alert was sent, once per key until cleared.
   * @returns true the first time, when the alert should be sent
   */
  alertOnce(replicaId: string, key: string, at: Date): Promise<boolean>;
  /** When an alert still recorded was first sent for (its `at`), if it is recorded. */
  alertedAt(replicaId: string, key: string): Promise<string | undefined>;
  /** Forgets an alert, so that it is sent again next time. */
  clearAlert(replicaId: string, key: string): Promise<void>;
  /** Records a run that never became active (refused by preflight). */
  recordRefusal(run: RunRecord): Promise<void>;
  /** One closed or refused run by id, or undefined. */
  getRun(replicaId: string, runId: string): Promise<RunRecord | undefined>;
  /** The settings y must have, when recorded. */
  getDesired(replicaId: string): Promise<DesiredRecord | undefined>;
  /** Records the settings y must have (after a clean successful run, or by the operator). */
  putDesired(record: DesiredRecord): Promise<void>;
  /** Closed runs of a replica, newest first. */
  listRuns(replicaId: string, options?: { since?: Date; until?: Date; limit?: number }): Promise<RunRecord[]>;
  /** Records the last RDS event received about a replica (a newer receipt wins), the event path's sign of life. */
  noteEvent(replicaId: string, event: ReceivedEvent): Promise<void>;
  /** The last RDS event received about a replica, if any. */
  lastEvent(replicaId: string): Promise<ReceivedEvent | undefined>;
}

/** Severity decides who is woken: alerts are for people, info is the nightly report. */
export type Severity = 'info' | 'alert';

/** One message for people, with a machine-readable twin. */
export interface Notification {
  severity: Severity;
  /** A short kind such as `refresh.succeeded`, for filtering. */
  kind: string;
  replicaId: string;
  runId?: string;
  subject: string;
  text: string;
  data: Record<string, unknown>;
}

/** Where notifications and alerts go. */
export interface Notifier {
  publish(notification: Notification): Promise<void>;
}

/** Counts and measurements; the adapter decides how they are shipped. */
export interface Telemetry {
  count(name: string, value?: number, dimensions?: Record<string, string>): void;
  seconds(name: string, value: number, dimensions?: Record<string, string>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Reads master passwords; the value is only ever handed to RDS. */
export interface SecretReader {
  /**
   * The password in a secret: its JSON `passwordKey`, or the whole string when it is not JSON.
   * @throws SecretUnusableError when the secret is missing, unreadable or has no password
   */
  readPassword(secretArn: string, passwordKey: string): Promise<string>;
}

/** Publishes a value where applications look it up. */
export interface ParameterStore {
  put(name: string, value: string, description: string): Promise<void>;
}

/**
 * What the refresh reads from the region's RDS apart from its target: x's snapshots and replicated backups, the
 * project's copies, and the event subscription. The target itself is reached only through {@link Deps.targets}.
 */
export type RegionRds = Pick<ReplicaRds, 'listSnapshots' | 'describeReplicatedBackups' | 'describeSnapshot' | 'deleteOwnedSnapshot' | 'describeEventSubscription'>;

/** Everything a workflow needs, passed in so it can run anywhere. */
export interface Deps {
  rds: RegionRds;
  /** The RDS calls on replicas, one gateway per kind of target (the target seam, lambdas/targets/). */
  targets: TargetGateways;
  secrets: SecretReader;
  parameters: ParameterStore;
  ledger: Ledger;
  notifier: Notifier;
  telemetry: Telemetry;
  now: () => Date;
  /** Unique id source for run ids. */
  randomId: () => string;
  /** Validates a swap mode's new copy over a database connection; absent where no pair uses a swap mode. */
  validator?: CopyValidator;
  /** The dns-switch mode's record in Route 53; absent where no pair uses it. */
  dns?: DnsRecords;
}

/** Where a change stands: PENDING until it has reached every Route 53 DNS server of the zone, then INSYNC (API Reference, GetChange). */
export type DnsChangeStatus = 'PENDING' | 'INSYNC';

/** What to point, where, and for how long resolvers may cache it. */
export interface PointRecordRequest {
  /** The private hosted zone's ID, bare (`Z0123…`) or as Route 53 lists it (`/hostedzone/Z0123…`). */
  hostedZoneId: string;
  /** The record's name, with or without the trailing dot, in any case. */
  recordName: string;
  /** The instance endpoint the record is to answer with. */
  target: string;
  /** How long resolvers may keep the answer: the refresh waits at least this long after INSYNC before deleting the old slot. */
  ttlSeconds: number;
  /** Kept with the change in Route 53 (at most 256 characters): a run ID lets a person tie a change to a refresh. */
  comment?: string;
}

/**
 * The port the `dns-switch` refresh uses: point the record, follow the change, read the record back. Errors surface
 * as RetryableDnsError / PermanentDnsError (lambdas/aws/route53.ts).
 */
export interface DnsRecords {
  /** UPSERTs the CNAME record to `target`: creates it when missing, replaces its value and TTL otherwise. */
  pointRecord(req: PointRecordRequest): Promise<{ changeId: string; submittedAt: Date }>;
  /** Whether a change submitted by {@link pointRecord} has reached every Route 53 DNS server of the zone. */
  changeStatus(changeId: string): Promise<DnsChangeStatus>;
  /**
   * Where the CNAME record points now, or undefined when the zone has no CNAME record of that name. "Now" includes
   * PENDING changes: ListResourceRecordSets "returns the most current version of the records" (API Reference).
   */
  currentTarget(hostedZoneId: string, recordName: string): Promise<{ target: string; ttlSeconds: number } | undefined>;
}

/** What validating a copy found: each check in order; `ok` when every one passed. */
export interface CopyValidation {
  ok: boolean;
  steps: ValidationStepResult[];
  /** Why it failed, in a line: the first failed check and its error. */
  error?: string;
}

/**
 * Validates a copy before clients are switched to it (lambdas/validation/): connects to its endpoint with the pair's
 * credentials and runs the pair's checks. In AWS a function inside y's VPC does it; the simulation runs the same
 * code against a real PostgreSQL.
 */
export interface CopyValidator {
  validate(request: { pair: PairConfig; runId: string; copy: TargetView }): Promise<CopyValidation>;
  /** Runs a pair's staging hooks on `target`: the afterRestore changes in order, then the validate checks (issue 17). */
  runHooks(request: { pair: PairConfig; runId: string; target: TargetView; afterRestore: readonly { name: string; sql: string }[]; validate: readonly { name: string; sql: string }[] }): Promise<CopyValidation>;
}
