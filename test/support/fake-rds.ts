/**
 * A small stateful RDS behind aws-sdk-client-mock, for handler tests: y and x's snapshots in the
 * replica region, with the API's real error classes and the defaults a restore really applies.
 * Tests move time and RDS's own progress by hand (finishDeletion, finishRestore).
 */
import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot, EventSubscription, RestoreDBInstanceFromDBSnapshotCommandInput, RestoreDBInstanceToPointInTimeCommandInput } from '@aws-sdk/client-rds';
import {
  AddRoleToDBInstanceCommand,
  DBProxyNotFoundFault,
  DescribeDBProxiesCommand,
  DescribeDBProxyTargetGroupsCommand,
  DescribeDBProxyTargetsCommand,
  DescribeEventSubscriptionsCommand,
  RegisterDBProxyTargetsCommand,
  SubscriptionNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBSnapshotNotFoundFault,
  DBInstanceAutomatedBackupNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  InvalidRestoreFault,
  RestoreDBInstanceToPointInTimeCommand,
  DescribeDBSnapshotsCommand,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { MODIFY_FIELDS } from '../../scripts/sim/rds';
import { ACCOUNT, REPLICA_REGION } from './fixtures';

const meta = { $metadata: {} };

/** The fake. `mock` is the aws-sdk-client-mock stub, for call assertions. */
export class FakeRds {
  public readonly mock = mockClient(RDSClient);
  public instance: DBInstance | undefined;
  public snapshots: DBSnapshot[] = [];
  /** x's automated backups replicated into this region (mode backup-replication). */
  public replicatedBackups: DBInstanceAutomatedBackup[] = [];
  /** Errors the next restore calls throw, in order. */
  public restoreFailures: Error[] = [];
  /** Statuses in which ModifyDBInstance is refused as InvalidDBInstanceState. */
  public modifyRefusedIn = new Set(['creating', 'deleting']);
  /** ModifyDBInstance parameters RDS rejects, with the error it throws. */
  public modifyRejects = new Map<string, Error>();
  /** The master password the last ModifyDBInstance set (a restore carries the snapshot's, shown as undefined). */
  public masterPassword: string | undefined;
  private secretSeq = 0;
  /** RDS Proxies of the region and the instance ids their target group lists. */
  public proxies: { name: string; arn: string; targets: string[] }[] = [];
  /** The region's event subscription, as DescribeEventSubscriptions reports it. */
  public subscription: EventSubscription | undefined;
  /** RDS's clock, for instance creation times; tests point it at their own clock. */
  public now: () => Date = () => new Date();

  public constructor() {
    this.install();
  }

  /** Resets the stub and the state. */
  public reset(instance: DBInstance | undefined, snapshots: DBSnapshot[]): void {
    this.mock.reset();
    this.instance = instance ? structuredClone(instance) : undefined;
    this.snapshots = structuredClone(snapshots);
    this.replicatedBackups = [];
    this.proxies = [];
    this.subscription = undefined;
    this.modifyRejects = new Map();
    this.masterPassword = undefined;
    this.restoreFailures = [];
    this.modifyRefusedIn = new Set(['creating', 'deleting']);
    this.install();
  }

  /** RDS finished deleting y. */
  public finishDeletion(): void {
    if (this.instance?.DBInstanceStatus !== 'deleting') throw new Error(`fake RDS: y is ${this.instance?.DBInstanceStatus ?? 'gone'}, not deleting`);
    this.instance = undefined;
  }

  /** RDS brought the restored y to a status (default `backing-up`, as since 2025). */
  public finishRestore(status = 'backing-up'): void {
    if (this.instance?.DBInstanceStatus !== 'creating') throw new Error(`fake RDS: y is ${this.instance?.DBInstanceStatus ?? 'gone'}, not creating`);
    this.instance.DBInstanceStatus = status;
  }

  private install(): void {
    this.mock.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
      // Without an identifier: every instance of the region, here y if it exists (one page).
      if (input.DBInstanceIdentifier === undefined) return { DBInstances: this.instance ? [structuredClone(this.instance)] : [] };
      if (!this.instance || this.instance.DBInstanceIdentifier !== input.DBInstanceIdentifier) {
        throw new DBInstanceNotFoundFault({ message: `DBInstance ${input.DBInstanceIdentifier} not found.`, ...meta });
      }
      return { DBInstances: [structuredClone(this.instance)] };
    });

    this.mock.on(DescribeDBSnapshotsCommand).callsFake((input: { DBSnapshotIdentifier?: string; Filters?: { Name: string; Values: string[] }[]; MaxRecords?: number; Marker?: string }) => {
      let list = this.snapshots;
      if (input.DBSnapshotIdentifier) {
        list = list.filter((s) => s.DBSnapshotIdentifier === input.DBSnapshotIdentifier || s.DBSnapshotArn === input.DBSnapshotIdentifier);
        if (list.length === 0) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${input.DBSnapshotIdentifier} not found.`, ...meta });
      }
      for (const f of input.Filters ?? []) {
        if (f.Name === 'db-instance-id') list = list.filter((s) => f.Values.includes(s.DBInstanceIdentifier ?? ''));
        if (f.Name === 'dbi-resource-id') list = list.filter((s) => f.Values.includes(s.DbiResourceId ?? ''));
      }
      const start = input.Marker ? Number(input.Marker) : 0;
      const size = input.MaxRecords ?? 100;
      const page = list.slice(start, start + size);
      return { DBSnapshots: structuredClone(page), ...(start + size < list.length ? { Marker: String(start + size) } : {}) };
    });

    this.mock.on(DeleteDBInstanceCommand).callsFake((input: { DBInstanceIdentifier?: string }) => {
      const y = this.instance;
      if (!y || y.DBInstanceIdentifier !== input.DBInstanceIdentifier) throw new DBInstanceNotFoundFault({ message: 'not found', ...meta });
      if (y.DeletionProtection) throw new InvalidDBInstanceStateFault({ message: 'Cannot delete protected DB Instance, please disable deletion protection and try again.', ...meta });
      if (y.DBInstanceStatus === 'deleting') throw new InvalidDBInstanceStateFault({ message: 'Instance is already being deleted.', ...meta });
      y.DBInstanceStatus = 'deleting';
      return { DBInstance: structuredClone(y) };
    });

    this.mock.on(ModifyDBInstanceCommand).callsFake((input: Record<string, unknown>) => {
      const y = this.instance;
      if (!y || y.DBInstanceIdentifier !== input.DBInstanceIdentifier) throw new DBInstanceNotFoundFault({ message: 'not found', ...meta });
      if (this.modifyRefusedIn.has(y.DBInstanceStatus ?? '')) throw new InvalidDBInstanceStateFault({ message: `Database instance is not in available state (${y.DBInstanceStatus}).`, ...meta });
      for (const [param, error] of this.modifyRejects) if (input[param] !== undefined) throw error;
      for (const [param, field] of Object.entries(MODIFY_FIELDS)) if (input[param] !== undefined) (y as Record<string, unknown>)[field] = input[param];
      if (typeof input.MasterUserPassword === 'string') this.masterPassword = input.MasterUserPassword;
      if (input.ManageMasterUserPassword === true) {
        y.MasterUserSecret = { SecretArn: `arn:aws:secretsmanager:${REPLICA_REGION}:${ACCOUNT}:secret:rds!db-${++this.secretSeq}-AbCdEf`, SecretStatus: 'creating', KmsKeyId: (input.MasterUserSecretKmsKeyId as string | undefined) ?? 'alias/aws/secretsmanager' };
        this.masterPassword = undefined;
      }
      if (input.DatabaseInsightsMode !== undefined) y.DatabaseInsightsMode = input.DatabaseInsightsMode as 'standard' | 'advanced';
      return { DBInstance: structuredClone(y) };
    });

    // No proxies unless a test adds some: proxy target groups, each listing instance ids.
    this.mock.on(DescribeDBProxiesCommand).callsFake(() => ({ DBProxies: this.proxies.map((p) => ({ DBProxyName: p.name, DBProxyArn: p.arn, Status: 'available' })) }));
    this.mock.on(DescribeDBProxyTargetGroupsCommand).callsFake((input: { DBProxyName?: string }) => ({ TargetGroups: this.proxies.filter((p) => p.name === input.DBProxyName).map(() => ({ TargetGroupName: 'default', DBProxyName: input.DBProxyName, IsDefault: true })) }));
    this.mock.on(DescribeDBProxyTargetsCommand).callsFake((input: { DBProxyName?: string }) => ({
      Targets: (this.proxies.find((p) => p.name === input.DBProxyName)?.targets ?? []).map((id) => ({ RdsResourceId: id, Type: 'RDS_INSTANCE' })),
    }));
    this.mock.on(RegisterDBProxyTargetsCommand).callsFake((input: { DBProxyName?: string; DBInstanceIdentifiers?: string[] }) => {
      const proxy = this.proxies.find((p) => p.name === input.DBProxyName);
      if (!proxy) throw new DBProxyNotFoundFault({ message: `DBProxy ${input.DBProxyName ?? ''} not found.`, ...meta });
      for (const id of input.DBInstanceIdentifiers ?? []) if (!proxy.targets.includes(id)) proxy.targets.push(id);
      return { DBProxyTargets: [] };
    });
    this.mock.on(AddRoleToDBInstanceCommand).callsFake((input: { DBInstanceIdentifier?: string; RoleArn?: string; FeatureName?: string }) => {
      const y = this.instance;
      if (!y || y.DBInstanceIdentifier !== input.DBInstanceIdentifier) throw new DBInstanceNotFoundFault({ message: 'not found', ...meta });
      y.AssociatedRoles = [...(y.AssociatedRoles ?? []), { RoleArn: input.RoleArn, FeatureName: input.FeatureName, Status: 'ACTIVE' }];
      return {};
    });
    this.mock.on(DescribeEventSubscriptionsCommand).callsFake((input: { SubscriptionName?: string }) => {
      if (!this.subscription || this.subscription.CustSubscriptionId !== input.SubscriptionName) throw new SubscriptionNotFoundFault({ message: `Subscription ${input.SubscriptionName ?? ''} not found.`, ...meta });
      return { EventSubscriptionsList: [structuredClone(this.subscription)] };
    });

    this.mock.on(DescribeDBInstanceAutomatedBackupsCommand).callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
      let list = this.replicatedBackups;
      for (const f of input.Filters ?? []) {
        if (f.Name === 'db-instance-id') list = list.filter((b) => f.Values.includes(b.DBInstanceIdentifier ?? ''));
        if (f.Name === 'dbi-resource-id') list = list.filter((b) => f.Values.includes(b.DbiResourceId ?? ''));
      }
      return { DBInstanceAutomatedBackups: structuredClone(list) };
    });

    this.mock.on(RestoreDBInstanceToPointInTimeCommand).callsFake((input: RestoreDBInstanceToPointInTimeCommandInput) => {
      const failure = this.restoreFailures.shift();
      if (failure) throw failure;
      if (this.instance) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta });
      const backups = this.replicatedBackups.find((b) => b.DBInstanceAutomatedBackupsArn === input.SourceDBInstanceAutomatedBackupsArn);
      if (!backups) throw new DBInstanceAutomatedBackupNotFoundFault({ message: `automated backups ${input.SourceDBInstanceAutomatedBackupsArn} not found`, ...meta });
      const { EarliestTime, LatestTime } = backups.RestoreWindow ?? {};
      const at = input.RestoreTime;
      if (!at || !EarliestTime || !LatestTime || at < EarliestTime || at > LatestTime) {
        throw new InvalidRestoreFault({ message: `The restore time ${at?.toISOString() ?? '(none)'} is outside the restorable window.`, ...meta });
      }
      const asSnapshot: DBSnapshot = { Engine: backups.Engine, AllocatedStorage: backups.AllocatedStorage, Encrypted: backups.Encrypted, KmsKeyId: backups.KmsKeyId };
      this.instance = restoredInstance({ ...input, DBInstanceIdentifier: input.TargetDBInstanceIdentifier, DBSnapshotIdentifier: undefined }, asSnapshot, this.now());
      return { DBInstance: structuredClone(this.instance) };
    });

    this.mock.on(RestoreDBInstanceFromDBSnapshotCommand).callsFake((input: RestoreDBInstanceFromDBSnapshotCommandInput) => {
      const failure = this.restoreFailures.shift();
      if (failure) throw failure;
      if (this.instance) throw new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', ...meta });
      const snap = this.snapshots.find((s) => s.DBSnapshotIdentifier === input.DBSnapshotIdentifier || s.DBSnapshotArn === input.DBSnapshotIdentifier);
      if (!snap) throw new DBSnapshotNotFoundFault({ message: `DBSnapshot ${input.DBSnapshotIdentifier} not found.`, ...meta });
      this.instance = restoredInstance(input, snap, this.now());
      return { DBInstance: structuredClone(this.instance) };
    });
  }
}

/** What RDS creates from a restore request: what was passed, and RDS's defaults for the rest. */
function restoredInstance(input: RestoreDBInstanceFromDBSnapshotCommandInput, snap: DBSnapshot, now: Date): DBInstance {
  const id = input.DBInstanceIdentifier ?? '';
  return {
    DBInstanceIdentifier: id,
    DBInstanceArn: `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:db:${id}`,
    DBInstanceStatus: 'creating',
    Engine: snap.Engine ?? 'postgres',
    DbiResourceId: `db-RESTORED${now.getTime()}`,
    InstanceCreateTime: now,
    DBInstanceClass: input.DBInstanceClass ?? 'db.m5.large',
    DBSubnetGroup: { DBSubnetGroupName: input.DBSubnetGroupName ?? 'default' },
    VpcSecurityGroups: (input.VpcSecurityGroupIds ?? ['sg-default']).map((g) => ({ VpcSecurityGroupId: g, Status: 'active' })),
    DBParameterGroups: [{ DBParameterGroupName: input.DBParameterGroupName ?? 'default.postgres16' }],
    OptionGroupMemberships: [{ OptionGroupName: input.OptionGroupName ?? 'default:postgres-16' }],
    MultiAZ: input.MultiAZ ?? false,
    AvailabilityZone: input.AvailabilityZone ?? `${REPLICA_REGION}a`,
    PubliclyAccessible: input.PubliclyAccessible ?? false,
    StorageType: input.StorageType ?? 'gp2',
    AllocatedStorage: input.AllocatedStorage ?? snap.AllocatedStorage ?? 100,
    Iops: input.Iops,
    StorageThroughput: input.StorageThroughput,
    Endpoint: { Address: `${id}.new.${REPLICA_REGION}.rds.amazonaws.com`, Port: input.Port ?? 5432 },
    IAMDatabaseAuthenticationEnabled: input.EnableIAMDatabaseAuthentication ?? false,
    EnabledCloudwatchLogsExports: input.EnableCloudwatchLogsExports ?? [],
    CACertificateIdentifier: input.CACertificateIdentifier ?? 'rds-ca-rsa2048-g1',
    AutoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    CopyTagsToSnapshot: input.CopyTagsToSnapshot ?? false,
    DeletionProtection: input.DeletionProtection ?? false,
    NetworkType: input.NetworkType ?? 'IPV4',
    BackupRetentionPeriod: input.BackupRetentionPeriod ?? 1,
    PreferredBackupWindow: input.PreferredBackupWindow ?? '22:00-22:30',
    PreferredMaintenanceWindow: 'mon:00:00-mon:00:30',
    MonitoringInterval: 0,
    PerformanceInsightsEnabled: false,
    StorageEncrypted: snap.Encrypted ?? false,
    KmsKeyId: snap.KmsKeyId,
    TagList: input.Tags ?? [],
  };
}
