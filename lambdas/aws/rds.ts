/**
 * RDS in the replica region: the only file that speaks the RDS API. It translates SDK shapes to
 * the core's views and SDK faults to the core's two error kinds.
 */
import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot, Tag } from '@aws-sdk/client-rds';
import type { RDSClientConfig } from '@aws-sdk/client-rds';
import {
  AddRoleToDBInstanceCommand,
  DBInstanceRoleAlreadyExistsFault,
  DBProxyTargetAlreadyRegisteredFault,
  DescribeEventSubscriptionsCommand,
  RegisterDBProxyTargetsCommand,
  SubscriptionNotFoundFault,
  paginateDescribeDBProxies,
  paginateDescribeDBProxyTargetGroups,
  paginateDescribeDBProxyTargets,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBParameterGroupNotFoundFault,
  DBSnapshotNotFoundFault,
  DBSubnetGroupNotFoundFault,
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DBInstanceAutomatedBackupNotFoundFault,
  paginateDescribeDBInstanceAutomatedBackups,
  PointInTimeRestoreNotEnabledFault,
  RestoreDBInstanceToPointInTimeCommand,
  DBSnapshotAlreadyExistsFault,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  SnapshotQuotaExceededFault,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  ModifyDBSnapshotAttributeCommand,
  InstanceQuotaExceededFault,
  InsufficientDBInstanceCapacityFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  InvalidRestoreFault,
  InvalidVPCNetworkStateFault,
  KMSKeyNotAccessibleFault,
  ModifyDBInstanceCommand,
  StopDBInstanceCommand,
  OptionGroupNotFoundFault,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  ProvisionedIopsNotAvailableInAZFault,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  StorageQuotaExceededFault,
  StorageTypeNotSupportedFault,
  DBClusterParameterGroupNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  InsufficientDBClusterCapacityFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
} from '@aws-sdk/client-rds';
import type { InstanceSettings, InstanceView, ProxyTarget, ReplicatedBackupView, SnapshotView } from '../kernel/model';
import type { CopyRequest } from '../copy/plan';
import type { EventSubscriptionView, ModifyChanges, ReplicaRds, RestoreRequest, SnapshotStore } from '../kernel/ports';
import { PermanentRdsError, RetryableRdsError } from '../kernel/errors';
import { modifyParameters, readPending, readSettings, restoreParameters } from '../targets/instance/catalog';

/** Faults that a later attempt may not meet: capacity, a snapshot that went away (another is chosen), a busy instance. */
const RETRYABLE = [
  InsufficientDBInstanceCapacityFault,
  DBSnapshotNotFoundFault,
  InvalidDBSnapshotStateFault,
  InvalidDBInstanceStateFault,
  ProvisionedIopsNotAvailableInAZFault,
  SnapshotQuotaExceededFault,
  // The same for Aurora clusters and their snapshots.
  InsufficientDBClusterCapacityFault,
  DBClusterSnapshotNotFoundFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
] as const;

/** Faults that need a person: a missing group, no key access, a quota, an invalid request. */
const PERMANENT = [
  DBSubnetGroupNotFoundFault,
  DBParameterGroupNotFoundFault,
  DBClusterParameterGroupNotFoundFault,
  OptionGroupNotFoundFault,
  KMSKeyNotAccessibleFault,
  InvalidRestoreFault,
  InvalidVPCNetworkStateFault,
  InstanceQuotaExceededFault,
  PointInTimeRestoreNotEnabledFault,
  DBInstanceAutomatedBackupNotFoundFault,
  StorageQuotaExceededFault,
  StorageTypeNotSupportedFault,
] as const;

/** Throttling left over after the SDK's own retries. RDS's query protocol names it `Throttling`. */
function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: { throttling?: boolean } };
  return e?.$retryable?.throttling === true || ['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException'].includes(e?.name ?? '');
}

/**
 * Sorts an RDS error into the core's two kinds. Modelled faults go by class; unmodelled client faults
 * (InvalidParameterCombination, AccessDenied, …) are permanent, server faults and transport errors
 * (timeouts, resets) retryable. Only errors that are not AWS errors at all (bugs) pass through.
 */
export function classify(err: unknown, action: string): unknown {
  const e = err as { name?: string; message?: string; $fault?: string; $metadata?: unknown };
  const name = e?.name ?? 'Error';
  const message = `${action}: ${name}: ${e?.message ?? String(err)}`;
  if (isThrottling(err) || RETRYABLE.some((c) => err instanceof c)) return new RetryableRdsError(message, name, { cause: err });
  if (PERMANENT.some((c) => err instanceof c) || e?.$fault === 'client') return new PermanentRdsError(message, name, { cause: err });
  if (e?.$fault === 'server' || ['TimeoutError', 'RequestTimeout', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'NetworkingError'].includes(name)) {
    return new RetryableRdsError(message, name, { cause: err });
  }
  return err;
}

export function tagsOf(list: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Translates a replicated automated-backups record into the core's view. */
export function toReplicatedBackupView(b: DBInstanceAutomatedBackup): ReplicatedBackupView {
  return {
    arn: b.DBInstanceAutomatedBackupsArn ?? '',
    instanceId: b.DBInstanceIdentifier ?? '',
    ...(b.DbiResourceId ? { dbiResourceId: b.DbiResourceId } : {}),
    sourceRegion: b.Region ?? '',
    status: b.Status ?? 'unknown',
    ...(b.RestoreWindow?.EarliestTime ? { earliestTime: b.RestoreWindow.EarliestTime } : {}),
    ...(b.RestoreWindow?.LatestTime ? { latestTime: b.RestoreWindow.LatestTime } : {}),
    ...(b.Engine ? { engine: b.Engine } : {}),
    ...(b.EngineVersion ? { engineVersion: b.EngineVersion } : {}),
    ...(b.AllocatedStorage !== undefined ? { allocatedStorage: b.AllocatedStorage } : {}),
    encrypted: b.Encrypted === true,
    ...(b.KmsKeyId ? { kmsKeyId: b.KmsKeyId } : {}),
  };
}

/** Translates a DBInstance into the core's view. */
export function toInstanceView(db: DBInstance): InstanceView {
  const tags = tagsOf(db.TagList);
  // Every setting the refresh carries across, read as the catalog says (targets/instance/catalog.ts).
  const read = readSettings(db);
  const settings: InstanceSettings = defined({
    ...read,
    instanceClass: read.instanceClass ?? '',
    vpcSecurityGroupIds: read.vpcSecurityGroupIds ?? [],
    multiAz: read.multiAz ?? false,
    publiclyAccessible: read.publiclyAccessible ?? false,
    iamDatabaseAuthentication: read.iamDatabaseAuthentication ?? false,
    cloudwatchLogsExports: read.cloudwatchLogsExports ?? [],
    autoMinorVersionUpgrade: read.autoMinorVersionUpgrade ?? false,
    copyTagsToSnapshot: read.copyTagsToSnapshot ?? false,
    deletionProtection: read.deletionProtection ?? false,
    backupRetentionPeriod: read.backupRetentionPeriod ?? 0,
    monitoringInterval: read.monitoringInterval ?? 0,
    performanceInsightsEnabled: read.performanceInsightsEnabled ?? false,
    // Roles being removed are on their way out; roles still being added belong to y.
    associatedRoles: db.AssociatedRoles?.length
      ? db.AssociatedRoles.filter((r) => r.RoleArn && r.Status !== 'INVALID').map((r) => ({ roleArn: r.RoleArn ?? '', featureName: r.FeatureName ?? '' }))
      : undefined,
    tags,
  });
  const pending = readPending(db.PendingModifiedValues, settings);
  return defined({
    id: db.DBInstanceIdentifier ?? '',
    arn: db.DBInstanceArn ?? '',
    status: db.DBInstanceStatus ?? 'unknown',
    engine: db.Engine ?? 'unknown',
    engineVersion: db.EngineVersion,
    dbiResourceId: db.DbiResourceId,
    domainMemberships: (db.DomainMemberships ?? []).flatMap((d) => (d.Domain ? [d.Domain] : [])),
    createdAt: db.InstanceCreateTime,
    storageEncrypted: db.StorageEncrypted ?? false,
    kmsKeyId: db.KmsKeyId,
    settings,
    pending,
    tags,
    masterUsername: db.MasterUsername,
    masterUserSecretArn: db.MasterUserSecret?.SecretArn,
    masterUserSecretStatus: db.MasterUserSecret?.SecretStatus,
    endpoint: db.Endpoint?.Address && db.Endpoint.Port !== undefined ? { address: db.Endpoint.Address, port: db.Endpoint.Port } : undefined,
  });
}

/** Translates a DBSnapshot into the core's view. */
export function toSnapshotView(s: DBSnapshot): SnapshotView {
  return defined({
    id: s.DBSnapshotIdentifier ?? '',
    arn: s.DBSnapshotArn ?? '',
    instanceId: s.DBInstanceIdentifier ?? '',
    dbiResourceId: s.DbiResourceId,
    type: s.SnapshotType ?? 'unknown',
    status: s.Status ?? 'unknown',
    engine: s.Engine,
    engineVersion: s.EngineVersion,
    allocatedStorage: s.AllocatedStorage,
    dataTime: s.OriginalSnapshotCreateTime ?? s.SnapshotCreateTime,
    createdAt: s.SnapshotCreateTime,
    encrypted: s.Encrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    sourceRegion: s.SourceRegion,
    sourceSnapshotArn: s.SourceDBSnapshotIdentifier,
    percentProgress: s.PercentProgress,
    tags: s.TagList ? tagsOf(s.TagList) : undefined,
  });
}

/** The RDS adapter for the replica region. */
export class RdsAdapter implements ReplicaRds, SnapshotStore {
  /** @param replicaRds a client in the replica region, built once per cold start */
  public constructor(private readonly replicaRds: RDSClient) {}

  /** The client this adapter sends with: the cluster adapter of the same region shares it. */
  public get client(): RDSClient {
    return this.replicaRds;
  }

  public async describeInstance(instanceId: string): Promise<InstanceView | undefined> {
    try {
      const out = await this.replicaRds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
      const db = out.DBInstances?.find((d) => d.DBInstanceIdentifier === instanceId);
      return db ? toInstanceView(db) : undefined;
    } catch (err) {
      if (err instanceof DBInstanceNotFoundFault) return undefined;
      throw classify(err, `DescribeDBInstances ${instanceId}`);
    }
  }

  public async listInstances(): Promise<Map<string, InstanceView>> {
    const out = new Map<string, InstanceView>();
    try {
      for await (const page of paginateDescribeDBInstances({ client: this.replicaRds, pageSize: 100 }, {})) {
        for (const db of page.DBInstances ?? []) if (db.DBInstanceIdentifier) out.set(db.DBInstanceIdentifier, toInstanceView(db));
      }
    } catch (err) {
      throw classify(err, 'DescribeDBInstances (all instances of the region)');
    }
    return out;
  }

  public async listSnapshots(query: { instanceId: string; dbiResourceId?: string; types: readonly string[] }): Promise<SnapshotView[]> {
    // Server-side filters keep the cost proportional to x's snapshots, not the region's. Shared
    // snapshots are only listed when asked for; the default call returns automated and manual ones.
    const filters = [{ Name: 'db-instance-id', Values: [query.instanceId] }, ...(query.dbiResourceId ? [{ Name: 'dbi-resource-id', Values: [query.dbiResourceId] }] : [])];
    const out: SnapshotView[] = [];
    try {
      const pages = paginateDescribeDBSnapshots(
        { client: this.replicaRds, pageSize: 100 },
        { Filters: filters, ...(query.types.includes('shared') ? { IncludeShared: true } : {}) },
      );
      for await (const page of pages) {
        for (const s of page.DBSnapshots ?? []) if (query.types.includes(s.SnapshotType ?? '')) out.push(toSnapshotView(s));
      }
      if (query.types.includes('awsbackup')) {
        for await (const page of paginateDescribeDBSnapshots({ client: this.replicaRds, pageSize: 100 }, { Filters: filters, SnapshotType: 'awsbackup' })) {
          for (const s of page.DBSnapshots ?? []) out.push(toSnapshotView(s));
        }
      }
    } catch (err) {
      throw classify(err, `DescribeDBSnapshots of ${query.instanceId}`);
    }
    return out;
  }

  public async describeSnapshot(snapshotId: string): Promise<SnapshotView | undefined> {
    try {
      // An automated snapshot is only found by id when SnapshotType says so; a shared one only by ARN with IncludeShared.
      const out = await this.replicaRds.send(
        new DescribeDBSnapshotsCommand({
          DBSnapshotIdentifier: snapshotId,
          ...(snapshotId.startsWith('rds:') ? { SnapshotType: 'automated' } : {}),
          ...(snapshotId.startsWith('arn:') ? { IncludeShared: true } : {}),
        }),
      );
      const s = out.DBSnapshots?.[0];
      return s ? toSnapshotView(s) : undefined;
    } catch (err) {
      if (err instanceof DBSnapshotNotFoundFault) return undefined;
      throw classify(err, `DescribeDBSnapshots ${snapshotId}`);
    }
  }

  public async disableDeletionProtection(instanceId: string): Promise<void> {
    try {
      await this.replicaRds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: instanceId, DeletionProtection: false, ApplyImmediately: true }));
    } catch (err) {
      throw classify(err, `ModifyDBInstance ${instanceId} (deletion protection off)`);
    }
  }

  public async deleteInstance(instanceId: string, finalSnapshotId?: string): Promise<void> {
    try {
      await this.replicaRds.send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: instanceId,
          DeleteAutomatedBackups: true,
          ...(finalSnapshotId ? { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: finalSnapshotId } : { SkipFinalSnapshot: true }),
        }),
      );
    } catch (err) {
      throw classify(err, `DeleteDBInstance ${instanceId}`);
    }
  }

  public async restoreInstance(request: RestoreRequest): Promise<'requested' | 'already-exists'> {
    // The same settings go with either kind of restore (RDS resets the same defaults for both), built from the catalog.
    const common = { ...restoreParameters(request.settings), Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })) };
    const pit = request.pointInTime;
    try {
      if (pit) {
        // An explicit RestoreTime (the latest restorable time just read), not UseLatestRestorableTime: the data's age is then known exactly.
        await this.replicaRds.send(
          new RestoreDBInstanceToPointInTimeCommand({ ...common, TargetDBInstanceIdentifier: request.instanceId, SourceDBInstanceAutomatedBackupsArn: pit.automatedBackupsArn, RestoreTime: pit.restoreTime }),
        );
      } else {
        await this.replicaRds.send(new RestoreDBInstanceFromDBSnapshotCommand({ ...common, DBInstanceIdentifier: request.instanceId, DBSnapshotIdentifier: request.snapshotIdentifier }));
      }
      return 'requested';
    } catch (err) {
      if (err instanceof DBInstanceAlreadyExistsFault) return 'already-exists';
      const what = pit
        ? `RestoreDBInstanceToPointInTime ${request.instanceId} from ${pit.automatedBackupsArn} at ${pit.restoreTime.toISOString()}`
        : `RestoreDBInstanceFromDBSnapshot ${request.instanceId} from ${request.snapshotIdentifier}`;
      throw classify(err, what);
    }
  }

  /**
   * x's automated backups replicated into this region (cross-region automated backup replication),
   * found by x's name and, when known, its DbiResourceId; only records that came from `sourceRegion`.
   */
  public async describeReplicatedBackups(query: { instanceId: string; dbiResourceId?: string; sourceRegion: string }): Promise<ReplicatedBackupView[]> {
    // Whether the db-instance-id filter matches an instance that lives in another region is not documented: when it
    // finds nothing, list the region's automated backups unfiltered and match on name, resource id and region.
    const filters = query.dbiResourceId ? [{ Name: 'dbi-resource-id', Values: [query.dbiResourceId] }] : [{ Name: 'db-instance-id', Values: [query.instanceId] }];
    const matches = (b: DBInstanceAutomatedBackup) => b.Region === query.sourceRegion && b.DBInstanceIdentifier === query.instanceId && (!query.dbiResourceId || b.DbiResourceId === query.dbiResourceId);
    const list = async (withFilters: boolean): Promise<ReplicatedBackupView[]> => {
      const out: ReplicatedBackupView[] = [];
      for await (const page of paginateDescribeDBInstanceAutomatedBackups({ client: this.replicaRds, pageSize: 100 }, withFilters ? { Filters: filters } : {})) {
        for (const b of page.DBInstanceAutomatedBackups ?? []) if (matches(b)) out.push(toReplicatedBackupView(b));
      }
      return out;
    };
    try {
      const found = await list(true);
      return found.length > 0 ? found : await list(false);
    } catch (err) {
      if (err instanceof DBInstanceAutomatedBackupNotFoundFault) return [];
      throw classify(err, `DescribeDBInstanceAutomatedBackups of ${query.instanceId}`);
    }
  }

  /**
   * Takes a manual snapshot of an instance (x, in x's region), tagged.
   * @returns 'already-exists' when a snapshot of that name exists (a repeated request)
   */
  public async createSnapshot(instanceId: string, snapshotId: string, tags: Record<string, string>): Promise<'started' | 'already-exists'> {
    try {
      await this.replicaRds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: instanceId, DBSnapshotIdentifier: snapshotId, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
      return 'started';
    } catch (err) {
      if (err instanceof DBSnapshotAlreadyExistsFault) return 'already-exists';
      throw classify(err, `CreateDBSnapshot ${snapshotId} of ${instanceId}`);
    }
  }

  /**
   * Starts a cross-region copy into this client's region. The source is named by its ARN, so the SDK
   * presigns the request for the source region itself; CopyTags carries the source's tags across.
   */
  public async copySnapshot(request: CopyRequest): Promise<'started' | 'already-exists'> {
    try {
      await this.replicaRds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: request.sourceIdentifier ?? request.sourceArn,
          TargetDBSnapshotIdentifier: request.targetId,
          ...(request.kmsKeyId ? { KmsKeyId: request.kmsKeyId } : {}),
          ...(request.optionGroupName ? { OptionGroupName: request.optionGroupName } : {}),
          CopyTags: true,
          Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return 'started';
    } catch (err) {
      if (err instanceof DBSnapshotAlreadyExistsFault) return 'already-exists';
      throw classify(err, `CopyDBSnapshot ${request.sourceArn} to ${request.targetId}`);
    }
  }

  /**
   * The accounts a manual snapshot is shared with: the `restore` attribute (DescribeDBSnapshotAttributes), `all` for a
   * public one.
   * @returns undefined when the snapshot no longer exists
   */
  public async sharedWith(snapshotId: string): Promise<string[] | undefined> {
    try {
      const out = await this.replicaRds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: snapshotId }));
      return out.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
    } catch (err) {
      if (err instanceof DBSnapshotNotFoundFault) return undefined;
      throw classify(err, `DescribeDBSnapshotAttributes ${snapshotId}`);
    }
  }

  /**
   * Shares a manual snapshot with one account (ModifyDBSnapshotAttribute `restore`, ValuesToAdd): that account may
   * then copy it. Adding an account it is already shared with changes nothing.
   */
  public async shareSnapshot(snapshotId: string, account: string): Promise<void> {
    try {
      await this.replicaRds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: snapshotId, AttributeName: 'restore', ValuesToAdd: [account] }));
    } catch (err) {
      throw classify(err, `ModifyDBSnapshotAttribute ${snapshotId} (share with ${account})`);
    }
  }

  /**
   * The snapshots other accounts share with this one (DescribeDBSnapshots `SnapshotType: shared`, `IncludeShared`),
   * each named by its ARN, as RDS reports a shared snapshot; only those owned by `ownerAccount`.
   */
  public async listSharedSnapshots(ownerAccount: string): Promise<SnapshotView[]> {
    const out: SnapshotView[] = [];
    try {
      for await (const page of paginateDescribeDBSnapshots({ client: this.replicaRds, pageSize: 100 }, { SnapshotType: 'shared', IncludeShared: true })) {
        for (const s of page.DBSnapshots ?? []) {
          const view = toSnapshotView(s);
          const arn = view.arn || view.id;
          if (arn.split(':')[4] === ownerAccount) out.push({ ...view, arn });
        }
      }
    } catch (err) {
      throw classify(err, 'DescribeDBSnapshots (snapshots shared with this account)');
    }
    return out;
  }

  /** The account's manual snapshots that carry a tag (the vault's copies), across all pages, with their tags. */
  public async listTaggedManualSnapshots(tag: { key: string; value: string }): Promise<SnapshotView[]> {
    const out: SnapshotView[] = [];
    try {
      for await (const page of paginateDescribeDBSnapshots({ client: this.replicaRds, pageSize: 100 }, { SnapshotType: 'manual' })) {
        for (const s of page.DBSnapshots ?? []) {
          const view = toSnapshotView(s);
          if (view.tags?.[tag.key] === tag.value) out.push(view);
        }
      }
    } catch (err) {
      throw classify(err, 'DescribeDBSnapshots (manual snapshots of the region)');
    }
    return out;
  }

  /** Manual snapshots of the region, across all pages: how many exist, and how many are copies still in flight. */
  public async manualSnapshotCounts(): Promise<{ total: number; copying: number }> {
    let total = 0;
    let copying = 0;
    try {
      for await (const page of paginateDescribeDBSnapshots({ client: this.replicaRds, pageSize: 100 }, { SnapshotType: 'manual' })) {
        for (const s of page.DBSnapshots ?? []) {
          total++;
          // A cross-region copy into this region: copied from another region (the snapshot's own ARN names this one), not yet done.
          const here = s.DBSnapshotArn?.split(':')[3];
          if (s.SourceRegion && s.SourceRegion !== here && (s.Status === 'copying' || s.Status === 'pending' || s.Status === 'creating')) copying++;
        }
      }
    } catch (err) {
      throw classify(err, 'DescribeDBSnapshots (manual snapshots of the region)');
    }
    return { total, copying };
  }

  /**
   * Deletes a snapshot only if it carries the ownership tag, read from RDS just before: retention
   * never deletes by name alone.
   * @returns whether it was deleted ('not-owned' when the tag is missing or different, 'gone' when it no longer exists)
   */
  public async deleteOwnedSnapshot(snapshotId: string, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'> {
    const snapshot = await this.describeSnapshot(snapshotId);
    if (!snapshot) return 'gone';
    if (snapshot.tags?.[ownershipTag.key] !== ownershipTag.value) return 'not-owned';
    try {
      await this.replicaRds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshotId }));
      return 'deleted';
    } catch (err) {
      if (err instanceof DBSnapshotNotFoundFault) return 'gone';
      throw classify(err, `DeleteDBSnapshot ${snapshotId}`);
    }
  }

  public async modifyInstance(instanceId: string, changes: ModifyChanges): Promise<'modified' | 'busy'> {
    const c = changes.settings ?? {};
    const input = defined({
      DBInstanceIdentifier: instanceId,
      ApplyImmediately: true,
      ...modifyParameters(c),
      MasterUserPassword: changes.masterUserPassword,
      ManageMasterUserPassword: changes.manageMasterUserPassword ? true : undefined,
      MasterUserSecretKmsKeyId: changes.manageMasterUserPassword?.kmsKeyId,
      NewDBInstanceIdentifier: changes.newIdentifier,
    });
    const what =
      changes.masterUserPassword !== undefined ? 'master password' : changes.manageMasterUserPassword ? 'managed master password' : changes.newIdentifier ? `rename to ${changes.newIdentifier}` : Object.keys(c).join(', ');
    try {
      await this.replicaRds.send(new ModifyDBInstanceCommand(input));
      return 'modified';
    } catch (err) {
      if (err instanceof InvalidDBInstanceStateFault) return 'busy';
      // The SDK's message never echoes a password; only the setting names go into ours.
      throw classify(err, `ModifyDBInstance ${instanceId} (${what})`);
    }
  }

  public async stopInstance(instanceId: string): Promise<'stopped' | 'busy'> {
    try {
      await this.replicaRds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: instanceId }));
      return 'stopped';
    } catch (err) {
      if (err instanceof InvalidDBInstanceStateFault) return 'busy';
      throw classify(err, `StopDBInstance ${instanceId}`);
    }
  }

  public async addRoleToInstance(instanceId: string, roleArn: string, featureName: string): Promise<'added' | 'already-associated' | 'busy'> {
    try {
      await this.replicaRds.send(new AddRoleToDBInstanceCommand({ DBInstanceIdentifier: instanceId, RoleArn: roleArn, FeatureName: featureName }));
      return 'added';
    } catch (err) {
      if (err instanceof DBInstanceRoleAlreadyExistsFault) return 'already-associated';
      if (err instanceof InvalidDBInstanceStateFault) return 'busy';
      throw classify(err, `AddRoleToDBInstance ${instanceId} ${roleArn} (${featureName})`);
    }
  }

  /**
   * The proxy target groups that list a DB instance (`RDS_INSTANCE`) or an Aurora cluster (`TRACKED_CLUSTER`: a
   * cluster is registered by its identifier and the proxy tracks its instances; DBProxyTarget.Type, API reference).
   */
  public async proxyTargetsOf(instanceId: string, type: 'RDS_INSTANCE' | 'TRACKED_CLUSTER' = 'RDS_INSTANCE'): Promise<ProxyTarget[]> {
    const out: ProxyTarget[] = [];
    try {
      for await (const page of paginateDescribeDBProxies({ client: this.replicaRds, pageSize: 100 }, {})) {
        for (const proxy of page.DBProxies ?? []) {
          if (!proxy.DBProxyName || !proxy.DBProxyArn) continue;
          // Today every proxy has one target group, "default"; listing them does not depend on that.
          for await (const groups of paginateDescribeDBProxyTargetGroups({ client: this.replicaRds, pageSize: 100 }, { DBProxyName: proxy.DBProxyName })) {
            for (const group of groups.TargetGroups ?? []) {
              const targetGroupName = group.TargetGroupName;
              if (!targetGroupName) continue;
              for await (const targets of paginateDescribeDBProxyTargets({ client: this.replicaRds, pageSize: 100 }, { DBProxyName: proxy.DBProxyName, TargetGroupName: targetGroupName })) {
                if ((targets.Targets ?? []).some((t) => t.Type === type && t.RdsResourceId === instanceId)) out.push({ proxyName: proxy.DBProxyName, proxyArn: proxy.DBProxyArn, targetGroupName });
              }
            }
          }
        }
      }
    } catch (err) {
      throw classify(err, `DescribeDBProxies/DescribeDBProxyTargets for ${instanceId}`);
    }
    return out;
  }

  /** Registers a DB instance, or an Aurora cluster (`DBClusterIdentifiers`), with a proxy's target group. */
  public async registerProxyTarget(target: ProxyTarget, instanceId: string, kind: 'instance' | 'cluster' = 'instance'): Promise<'registered' | 'already-registered'> {
    try {
      await this.replicaRds.send(
        new RegisterDBProxyTargetsCommand({ DBProxyName: target.proxyName, TargetGroupName: target.targetGroupName, ...(kind === 'cluster' ? { DBClusterIdentifiers: [instanceId] } : { DBInstanceIdentifiers: [instanceId] }) }),
      );
      return 'registered';
    } catch (err) {
      if (err instanceof DBProxyTargetAlreadyRegisteredFault) return 'already-registered';
      throw classify(err, `RegisterDBProxyTargets ${target.proxyName}/${target.targetGroupName} ${instanceId}`);
    }
  }

  public async describeEventSubscription(name: string): Promise<EventSubscriptionView | undefined> {
    try {
      const out = await this.replicaRds.send(new DescribeEventSubscriptionsCommand({ SubscriptionName: name }));
      const sub = out.EventSubscriptionsList?.find((e) => e.CustSubscriptionId === name);
      if (!sub) return undefined;
      return defined({
        name,
        status: sub.Status ?? 'unknown',
        enabled: sub.Enabled === true,
        sourceType: sub.SourceType,
        sourceIds: sub.SourceIdsList ?? [],
        topicArn: sub.SnsTopicArn,
      });
    } catch (err) {
      if (err instanceof SubscriptionNotFoundFault) return undefined;
      throw classify(err, `DescribeEventSubscriptions ${name}`);
    }
  }

}

/** A replica-region RDS client; the SDK's standard retry backs off on throttling (up to 6 attempts). */
export function replicaRdsClient(region: string, extra: RDSClientConfig = {}): RDSClient {
  return new RDSClient({ region, maxAttempts: 6, ...extra });
}
