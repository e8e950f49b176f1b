/**
 * Aurora DB clusters in the simulated RDS (scripts/sim/rds-clusters.ts): restore, member instances and endpoints,
 * deletion and failover, modification, cluster snapshots and their cross-region copies, tags and events, each as the
 * RDS documentation describes them.
 */
import type { DBCluster, DBClusterEndpoint, DBClusterSnapshot, DBInstance } from '@aws-sdk/client-rds';
import {
  DBClusterAlreadyExistsFault,
  DBClusterNotFoundFault,
  DBClusterParameterGroupNotFoundFault,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBParameterGroupNotFoundFault,
  DBSnapshotNotFoundFault,
  DBSubnetGroupNotFoundFault,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  KMSKeyNotAccessibleFault,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import type { EmittedEvent, SimRds } from '../../../scripts/sim/rds';
import { RDS_EVENTS_PRINCIPAL } from '../../../scripts/sim/rds';
import { Random } from '../../../scripts/sim/random';
import { SimTopic } from '../../../scripts/sim/sns';
import { ACCOUNT, FIXED_CLUSTER_TIMINGS, FIXED_TIMINGS, twoRegions } from '../../support/regions';

const TIMINGS = FIXED_TIMINGS;
const CLUSTER_TIMINGS = FIXED_CLUSTER_TIMINGS;
const PG = 'aurora-postgresql';

/**
 * An account with Aurora x (aurora-postgresql 16.6, encrypted, writer x-1) in eu-west-1 and the replica region
 * eu-central-1, keys in both.
 */
function account() {
  const { clock, kms, sourceKey, replicaKey, source, replica } = twoRegions({ start: '2026-11-21T00:00:00Z', seed: 7, timings: TIMINGS, replicaKeyAlias: 'copies' });
  const events: EmittedEvent[] = [];
  for (const r of [source, replica]) {
    r.clusters.timings = CLUSTER_TIMINGS;
    r.eventBus.push((e) => void events.push(e));
  }
  const x = source.clusters.seedCluster({
    id: 'x',
    engine: PG,
    engineVersion: '16.6',
    kmsKeyId: sourceKey,
    masterPassword: 'x-master-pw',
    tags: [{ Key: 'team', Value: 'orders' }],
    copyTagsToSnapshot: true,
    backupRetentionPeriod: 7,
    members: [{ id: 'x-1', instanceClass: 'db.r6g.large' }],
  });
  /** Runs the clock forward by `s` seconds. */
  const after = (s: number) => clock.run(clock.millis + s * 1000);
  const cluster = (r: SimRds, id: string) => r.clusters.clusters.get(id) as DBCluster;
  const endpoints = async (r: SimRds, id: string) => ((await r.handle('DescribeDBClusterEndpointsCommand', { DBClusterIdentifier: id })).DBClusterEndpoints as DBClusterEndpoint[]).map((e) => `${e.EndpointType ?? ''} ${e.Status ?? ''}`);
  /** An available copy of a snapshot of x in the replica region, made with CopyDBClusterSnapshot as the pipeline would. */
  const copyOfX = async (target = 'x-copy') => {
    const snap = source.clusters.seedClusterSnapshot('x', 'rds:x-2026-11-20-03-00', 'automated', new Date('2026-11-20T03:00:00Z'));
    await replica.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: snap.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: target, KmsKeyId: 'alias/copies', CopyTags: true, SourceRegion: 'eu-west-1' });
    await after(1800);
    return replica.clusters.snapshots.get(target) as DBClusterSnapshot;
  };
  /** y restored from a copy and available, without instances. */
  const restoreY = async (extra: Record<string, unknown> = {}) => {
    await copyOfX();
    await replica.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: 'x-copy', Engine: PG, ...extra });
    await after(120);
  };
  const createMember = (id: string, extra: Record<string, unknown> = {}) => replica.handle('CreateDBInstanceCommand', { DBInstanceIdentifier: id, DBClusterIdentifier: 'y', Engine: PG, DBInstanceClass: 'db.r6g.large', ...extra });
  const ids = (of: string[]) => events.filter((e) => of.includes(e.sourceId)).map((e) => `${e.eventId} ${e.sourceId}`);
  return { clock, kms, source, replica, sourceKey, replicaKey, x, events, after, cluster, endpoints, copyOfX, restoreY, createMember, ids };
}

describe('Aurora cluster restore and members', () => {
  it('restores a cluster that serves only once a writer exists: creating → available (0170), endpoints creating until the writer is available', async () => {
    const { replica, replicaKey, after, cluster, endpoints, copyOfX, createMember, ids } = account();
    await copyOfX();
    const out = await replica.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'Y', SnapshotIdentifier: 'x-copy', Engine: PG });
    // Identifiers are kept in lowercase; the snapshot's key, port, master user and engine version are the defaults.
    expect(out.DBCluster).toMatchObject({ DBClusterIdentifier: 'y', Status: 'creating', DBClusterMembers: [], Port: 5432, EngineVersion: '16.6', StorageEncrypted: true, KmsKeyId: replicaKey, MasterUsername: 'postgres', DBClusterParameterGroup: 'default.aurora-postgresql16', TagList: [{ Key: 'team', Value: 'orders' }] });
    expect(replica.clusters.masterPassword('y')).toBe('x-master-pw');
    // No instance before the cluster is available.
    await expect(createMember('y-1')).rejects.toBeInstanceOf(InvalidDBClusterStateFault);
    await after(120);
    expect(cluster(replica, 'y').Status).toBe('available');
    expect(await endpoints(replica, 'y')).toEqual(['WRITER creating', 'READER creating']);

    const created = await createMember('Y-1', { Tags: [{ Key: 'role', Value: 'writer' }] });
    expect(created.DBInstance).toMatchObject({ DBInstanceIdentifier: 'y-1', DBInstanceStatus: 'creating', DBClusterIdentifier: 'y', StorageEncrypted: true, KmsKeyId: replicaKey, MasterUsername: 'postgres' });
    const listed = (await replica.handle('DescribeDBInstancesCommand', { Filters: [{ Name: 'db-cluster-id', Values: ['y'] }] })).DBInstances as DBInstance[];
    expect(listed.map((d) => [d.DBInstanceIdentifier, d.DBClusterIdentifier])).toEqual([['y-1', 'y']]);
    expect(cluster(replica, 'y').DBClusterMembers).toEqual([{ DBInstanceIdentifier: 'y-1', IsClusterWriter: true, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 1 }]);
    expect(await endpoints(replica, 'y')).toEqual(['WRITER creating', 'READER creating']);
    await after(600);
    expect(replica.instances.get('y-1')).toMatchObject({ DBInstanceStatus: 'available', Endpoint: { Port: 5432 } });
    expect(await endpoints(replica, 'y')).toEqual(['WRITER available', 'READER available']);
    expect(replica.clusters.endpointsReady('y')).toBe(true);

    // Later members are readers.
    await createMember('y-2', { PromotionTier: 0 });
    expect(cluster(replica, 'y').DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter, m.PromotionTier])).toEqual([
      ['y-1', true, 1],
      ['y-2', false, 0],
    ]);
    await after(600);
    expect(ids(['y', 'y-1', 'y-2'])).toEqual(['RDS-EVENT-0170 y', 'RDS-EVENT-0005 y-1', 'RDS-EVENT-0005 y-2']);
  });

  it('refuses restores RDS refuses, with its fault classes', async () => {
    const { replica, source, sourceKey, after, copyOfX } = account();
    const restore = (extra: Record<string, unknown>) => replica.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: 'x-copy', Engine: PG, ...extra });
    await expect(restore({})).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    // A copy still copying cannot be restored.
    const snap = source.clusters.seedClusterSnapshot('x', 'x-manual', 'manual', new Date('2026-11-20T03:00:00Z'));
    await replica.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: snap.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: 'x-copying', KmsKeyId: 'alias/copies' });
    await expect(restore({ SnapshotIdentifier: 'x-copying' })).rejects.toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    await copyOfX();
    await expect(restore({ Engine: 'aurora-mysql' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(restore({ Engine: 'postgres' })).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    await expect(restore({ DBClusterIdentifier: 'y--1' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(restore({ EngineVersion: '15.8' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(restore({ DBSubnetGroupName: 'missing' })).rejects.toBeInstanceOf(DBSubnetGroupNotFoundFault);
    await expect(restore({ DBClusterParameterGroupName: 'missing' })).rejects.toBeInstanceOf(DBClusterParameterGroupNotFoundFault);
    replica.clusters.addClusterParameterGroup('mysql-group', 'aurora-mysql', '8.0.mysql_aurora.3.05.2');
    await expect(restore({ DBClusterParameterGroupName: 'mysql-group' })).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: "The parameter group mysql-group with DBParameterGroupFamily aurora-mysql8.0 can't be used for this cluster. Use a parameter group with DBParameterGroupFamily aurora-postgresql16.",
    });
    await expect(restore({ BacktrackWindow: 3600 })).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'Backtrack is not enabled for the aurora-postgresql engine.' });
    await expect(restore({ ServerlessV2ScalingConfiguration: { MinCapacity: 0.25, MaxCapacity: 8 } })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(restore({ ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 300 } })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(restore({ ServerlessV2ScalingConfiguration: { MinCapacity: 16, MaxCapacity: 8 } })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(restore({ EnableCloudwatchLogsExports: ['slowquery'] })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(restore({ Port: 80 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    // A key of another region is no key here.
    await expect(restore({ KmsKeyId: sourceKey })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    replica.clusters.clusterQuota = 0;
    await expect(restore({})).rejects.toMatchObject({ name: 'DBClusterQuotaExceededFault' });
    replica.clusters.clusterQuota = 40;
    await restore({ ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 256, SecondsUntilAutoPause: 300 } });
    await expect(restore({})).rejects.toBeInstanceOf(DBClusterAlreadyExistsFault);
    await after(120);
    expect(replica.clusters.clusters.get('y')).toMatchObject({ Status: 'available', ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 256 } });
  });

  it('restores aurora-mysql with its own defaults and rules: port 3306, aurora-mysql8.0 groups, a backtrack window; re-encrypts with a given key', async () => {
    const { replica, replicaKey, after, cluster } = account();
    replica.clusters.arriveClusterCopy({ id: 'm-copy', sourceClusterId: 'm', sourceClusterResourceId: 'cluster-M', sourceRegion: 'eu-west-1', sourceSnapshotId: 'm-snap', dataTime: new Date('2026-11-20T03:00:00Z'), engine: 'aurora-mysql', engineVersion: '8.0.mysql_aurora.3.05.2' });
    await after(1800);
    replica.clusters.addClusterParameterGroup('staging-mysql', 'aurora-mysql', '8.0.mysql_aurora.3.05.2', { long_query_time: '1' });
    await replica.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'm', SnapshotIdentifier: 'm-copy', Engine: 'aurora-mysql', DBClusterParameterGroupName: 'staging-mysql', BacktrackWindow: 86400, KmsKeyId: 'alias/copies', EnableCloudwatchLogsExports: ['slowquery', 'audit'] });
    await after(120);
    expect(cluster(replica, 'm')).toMatchObject({ Port: 3306, MasterUsername: 'admin', DBClusterParameterGroup: 'staging-mysql', BacktrackWindow: 86400, StorageEncrypted: true, KmsKeyId: replicaKey, EnabledCloudwatchLogsExports: ['slowquery', 'audit'] });
    await expect(replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'm', BacktrackWindow: 300000 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'm', BacktrackWindow: 3600 });
    expect(cluster(replica, 'm').BacktrackWindow).toBe(3600);
  });

  it('creates members only as RDS allows: the cluster owns engine, storage, credentials, backups, security groups and deletion protection', async () => {
    const { replica, after, cluster, restoreY, createMember } = account();
    await expect(replica.handle('CreateDBInstanceCommand', { DBInstanceIdentifier: 'solo', Engine: 'postgres', DBInstanceClass: 'db.t4g.micro' })).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    await expect(createMember('y-1')).rejects.toBeInstanceOf(DBClusterNotFoundFault);
    await restoreY();
    await expect(createMember('y-1', { Engine: 'aurora-mysql' })).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: "The engine name requested for your DB instance (aurora-mysql) doesn't match the engine name of your DB cluster (aurora-postgresql).",
    });
    await expect(createMember('y-1', { MasterUserPassword: 'secret-password' })).rejects.toMatchObject({ message: 'The requested DB Instance will be a member of a DB Cluster. Set master user password for the DB Cluster.' });
    await expect(createMember('y-1', { AllocatedStorage: 100 })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(createMember('y-1', { BackupRetentionPeriod: 7 })).rejects.toMatchObject({ message: 'The requested DB Instance will be a member of a DB Cluster. Set backup retention period for the DB Cluster.' });
    await expect(createMember('y-1', { VpcSecurityGroupIds: ['sg-1'] })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(createMember('y-1', { DeletionProtection: true })).rejects.toMatchObject({ message: 'Deletion Protection can only be applied on the Cluster level, not for individual instances' });
    await expect(createMember('y-1', { EngineVersion: '16.4' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(createMember('y-1', { PromotionTier: 16 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(createMember('y-1', { DBParameterGroupName: 'missing' })).rejects.toBeInstanceOf(DBParameterGroupNotFoundFault);
    replica.addParameterGroup('rds-pg16', 'postgres', '16.6');
    await expect(createMember('y-1', { DBParameterGroupName: 'rds-pg16' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    // Serverless v2 needs the cluster's capacity range first, with the message RDS gives.
    await expect(createMember('y-1', { DBInstanceClass: 'db.serverless' })).rejects.toMatchObject({
      name: 'InvalidDBClusterStateFault',
      message: 'Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance.',
    });
    await replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'y', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 } });
    replica.clusters.addInstanceParameterGroup('staging-apg16', PG, '16.6');
    await createMember('y-1', { DBInstanceClass: 'db.serverless', DBParameterGroupName: 'staging-apg16' });
    await expect(createMember('y-1')).rejects.toBeInstanceOf(DBInstanceAlreadyExistsFault);
    await after(600);
    expect(replica.instances.get('y-1')).toMatchObject({ DBInstanceClass: 'db.serverless', DBInstanceStatus: 'available', DBParameterGroups: [{ DBParameterGroupName: 'staging-apg16' }] });
    expect(cluster(replica, 'y').DBClusterMembers?.[0]).toMatchObject({ DBInstanceIdentifier: 'y-1', IsClusterWriter: true });
  });

  it('keeps instance operations off what the cluster owns: ModifyDBInstance, CreateDBSnapshot and automated instance snapshots of a member', async () => {
    const { replica, after, restoreY, createMember } = account();
    await restoreY();
    await createMember('y-1');
    await after(600);
    await expect(replica.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y-1', BackupRetentionPeriod: 7 })).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: 'The specified DB Instance is a member of a cluster. Modify backup retention for the DB Cluster using the ModifyDbCluster API',
    });
    await expect(replica.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y-1', DeletionProtection: true })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await replica.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y-1', MonitoringInterval: 0 });
    await expect(replica.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: 'y-1', DBSnapshotIdentifier: 's' })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.',
    });
    expect(replica.takeAutomatedSnapshot('y-1')).toBeUndefined();
    expect(replica.snapshots.size).toBe(0);
  });
});

describe('Aurora cluster deletion', () => {
  it('deletes members first (a writer fails over to the best reader, 0072 then 0071), then the cluster with a final snapshot (0074, 0075, 0171)', async () => {
    const { replica, after, cluster, endpoints, restoreY, createMember, ids } = account();
    await restoreY({ DeletionProtection: true });
    await createMember('y-1');
    await createMember('y-2', { PromotionTier: 2 });
    await createMember('y-3', { PromotionTier: 0 });
    await after(600);
    replica.clusters.takeAutomatedClusterSnapshot('y');
    await replica.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'y', DBClusterSnapshotIdentifier: 'y-keep' });
    await after(300);

    await expect(replica.handle('DeleteDBClusterCommand', { DBClusterIdentifier: 'y', SkipFinalSnapshot: true })).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: 'Cannot delete protected Cluster, please disable deletion protection and try again.',
    });
    await replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'y', DeletionProtection: false });
    await expect(replica.handle('DeleteDBClusterCommand', { DBClusterIdentifier: 'y', SkipFinalSnapshot: true })).rejects.toMatchObject({
      name: 'InvalidDBClusterStateFault',
      message: 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.',
    });
    await replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'y', DeletionProtection: true });
    // A member has no final snapshot, and the cluster's deletion protection does not protect it.
    await expect(replica.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y-1', FinalDBSnapshotIdentifier: 'y-1-final' })).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: 'FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance',
    });
    const deleted = await replica.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y-1' });
    expect(deleted.DBInstance).toMatchObject({ DBInstanceStatus: 'deleting' });
    await expect(replica.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y-1' })).rejects.toBeInstanceOf(InvalidDBInstanceStateFault);
    await after(30);
    // The reader of tier 0 is the new writer.
    expect(cluster(replica, 'y').DBClusterMembers?.filter((m) => m.IsClusterWriter).map((m) => m.DBInstanceIdentifier)).toEqual(['y-3']);
    expect(await endpoints(replica, 'y')).toEqual(['WRITER available', 'READER available']);
    await after(300);
    expect(replica.instances.has('y-1')).toBe(false);
    expect(cluster(replica, 'y').DBClusterMembers?.map((m) => m.DBInstanceIdentifier)).toEqual(['y-2', 'y-3']);
    await replica.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y-2', SkipFinalSnapshot: true });
    await replica.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y-3' });
    await replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'y', DeletionProtection: false });

    // Members being deleted no longer hold the cluster; the final snapshot's rules.
    await expect(replica.handle('DeleteDBClusterCommand', { DBClusterIdentifier: 'y' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(replica.handle('DeleteDBClusterCommand', { DBClusterIdentifier: 'y', SkipFinalSnapshot: true, FinalDBSnapshotIdentifier: 'y-final' })).rejects.toMatchObject({
      message: 'You cannot specify both FinalDBSnapshotIdentifier and SkipFinalSnapshot',
    });
    await expect(replica.handle('DeleteDBClusterCommand', { DBClusterIdentifier: 'y', FinalDBSnapshotIdentifier: 'y-keep' })).rejects.toBeInstanceOf(DBClusterSnapshotAlreadyExistsFault);
    const out = await replica.handle('DeleteDBClusterCommand', { DBClusterIdentifier: 'y', FinalDBSnapshotIdentifier: 'y-final' });
    // Available while the final snapshot is taken, then deleting.
    expect(out.DBCluster).toMatchObject({ Status: 'available' });
    expect(replica.clusters.snapshots.get('y-final')).toMatchObject({ Status: 'creating', SnapshotType: 'manual', DBClusterIdentifier: 'y' });
    await expect(replica.handle('DeleteDBClusterCommand', { DBClusterIdentifier: 'y', SkipFinalSnapshot: true })).rejects.toBeInstanceOf(InvalidDBClusterStateFault);
    await after(120);
    expect(cluster(replica, 'y').Status).toBe('deleting');
    expect(await endpoints(replica, 'y')).toEqual(['WRITER deleting', 'READER deleting']);
    await after(180);
    await expect(replica.handle('DescribeDBClustersCommand', { DBClusterIdentifier: 'y' })).rejects.toBeInstanceOf(DBClusterNotFoundFault);
    // Automated snapshots go with the cluster; manual ones stay.
    expect([...replica.clusters.snapshots.keys()].sort()).toEqual(['x-copy', 'y-final', 'y-keep']);
    expect(ids(['y', 'y-1', 'y-final'])).toEqual([
      'RDS-EVENT-0170 y',
      'RDS-EVENT-0005 y-1',
      'RDS-EVENT-0072 y',
      'RDS-EVENT-0071 y',
      'RDS-EVENT-0003 y-1',
      'RDS-EVENT-0074 y-final',
      'RDS-EVENT-0075 y-final',
      'RDS-EVENT-0171 y',
    ]);
  });
});

describe('ModifyDBCluster', () => {
  it('applies what RDS applies at once, defers IAM authentication without ApplyImmediately, and refuses invalid values', async () => {
    const { replica, after, cluster, restoreY, createMember } = account();
    await restoreY();
    await createMember('y-1');
    await expect(replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'nope', DeletionProtection: true })).rejects.toBeInstanceOf(DBClusterNotFoundFault);
    const modify = (extra: Record<string, unknown>) => replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'y', ...extra });
    await expect(modify({ BackupRetentionPeriod: 0 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ BackupRetentionPeriod: 36 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 0.5 } })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ ServerlessV2ScalingConfiguration: { MinCapacity: 1.25, MaxCapacity: 8 } })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ ServerlessV2ScalingConfiguration: { MaxCapacity: 8 } })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(modify({ CloudwatchLogsExportConfiguration: { EnableLogTypes: ['audit'] } })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(modify({ DBClusterParameterGroupName: 'missing' })).rejects.toBeInstanceOf(DBClusterParameterGroupNotFoundFault);
    await expect(modify({ BacktrackWindow: 3600 })).rejects.toMatchObject({ message: 'Backtrack is not enabled for the aurora-postgresql engine.' });
    await expect(modify({ NewDBClusterIdentifier: 'z' })).rejects.toMatchObject({ name: 'UnsupportedOperation' });

    replica.clusters.addClusterParameterGroup('staging-apg16', PG, '16.6');
    await modify({
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 32 },
      CloudwatchLogsExportConfiguration: { EnableLogTypes: ['postgresql', 'instance'] },
      DBClusterParameterGroupName: 'staging-apg16',
      VpcSecurityGroupIds: ['sg-staging'],
      EnableIAMDatabaseAuthentication: true,
    });
    expect(cluster(replica, 'y')).toMatchObject({
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 32 },
      EnabledCloudwatchLogsExports: ['postgresql', 'instance'],
      DBClusterParameterGroup: 'staging-apg16',
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-staging', Status: 'active' }],
      IAMDatabaseAuthenticationEnabled: false,
      PendingModifiedValues: { IAMDatabaseAuthenticationEnabled: true },
    });
    // The members follow the cluster's security groups; a new cluster parameter group waits for a reboot.
    expect(replica.instances.get('y-1')?.VpcSecurityGroups).toEqual([{ VpcSecurityGroupId: 'sg-staging', Status: 'active' }]);
    expect(cluster(replica, 'y').DBClusterMembers?.[0]?.DBClusterParameterGroupStatus).toBe('pending-reboot');
    await modify({ ApplyImmediately: true, CloudwatchLogsExportConfiguration: { DisableLogTypes: ['instance'] }, ServerlessV2ScalingConfiguration: { MaxCapacity: 64 } });
    expect(cluster(replica, 'y')).toMatchObject({ IAMDatabaseAuthenticationEnabled: true, EnabledCloudwatchLogsExports: ['postgresql'], ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 64 } });
    expect(cluster(replica, 'y').PendingModifiedValues).toBeUndefined();
    await after(600);
    expect(replica.instances.get('y-1')?.IAMDatabaseAuthenticationEnabled).toBe(true);
  });

  it('manages the master password as RDS does: a new password, or a managed secret, never both', async () => {
    const { replica, replicaKey, after, cluster, restoreY } = account();
    await restoreY();
    const modify = (extra: Record<string, unknown>) => replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'y', ApplyImmediately: true, ...extra });
    await expect(modify({ MasterUserPassword: 'short' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ MasterUserPassword: 'has/slash-in-it' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ MasterUserPassword: 'new-password-1', ManageMasterUserPassword: true })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(modify({ MasterUserSecretKmsKeyId: 'alias/copies' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await modify({ MasterUserPassword: 'new-password-1' });
    expect(replica.clusters.masterPassword('y')).toBe('new-password-1');

    await modify({ ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: 'alias/copies' });
    const secret = cluster(replica, 'y').MasterUserSecret;
    expect(secret).toMatchObject({ SecretStatus: 'creating', KmsKeyId: replicaKey });
    const stored = replica.secretsManager.secrets.get(secret?.SecretArn ?? '');
    expect(stored?.name).toMatch(/^rds!cluster-/);
    expect(JSON.parse(stored?.value ?? '{}')).toEqual({ username: 'postgres', password: replica.clusters.masterPassword('y') });
    await after(60);
    expect(cluster(replica, 'y').MasterUserSecret?.SecretStatus).toBe('active');
    await expect(modify({ MasterUserPassword: 'new-password-2' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(modify({ ManageMasterUserPassword: false })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    // Turning management off deletes the secret and sets the password given.
    await modify({ ManageMasterUserPassword: false, MasterUserPassword: 'new-password-2' });
    expect(cluster(replica, 'y').MasterUserSecret).toBeUndefined();
    expect(replica.secretsManager.secrets.has(secret?.SecretArn ?? '')).toBe(false);
    expect(replica.clusters.masterPassword('y')).toBe('new-password-2');
  });

  it('refuses modifications while the cluster is being created', async () => {
    const { replica, copyOfX } = account();
    await copyOfX();
    await replica.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: 'x-copy', Engine: PG });
    await expect(replica.handle('ModifyDBClusterCommand', { DBClusterIdentifier: 'y', DeletionProtection: true })).rejects.toBeInstanceOf(InvalidDBClusterStateFault);
    await expect(replica.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'y', DBClusterSnapshotIdentifier: 'y-s' })).rejects.toMatchObject({
      name: 'InvalidDBClusterStateFault',
      message: "Can't create a snapshot because the database cluster y isn't currently in the available state.",
    });
  });
});

describe('Aurora cluster snapshots', () => {
  it('takes automated (0168, 0169) and manual (0074, 0075) snapshots, prunes by retention, and deletes only manual ones that are not being created', async () => {
    const { source, after, ids, clock } = account();
    const auto = source.clusters.takeAutomatedClusterSnapshot('x');
    expect(auto).toMatchObject({ DBClusterSnapshotIdentifier: 'rds:x-2026-11-21-00-00', SnapshotType: 'automated', Status: 'creating', StorageEncrypted: true, TagList: [{ Key: 'team', Value: 'orders' }] });
    const out = await source.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'x', DBClusterSnapshotIdentifier: 'X-Manual', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(out.DBClusterSnapshot).toMatchObject({ DBClusterSnapshotIdentifier: 'x-manual', Status: 'creating', TagList: [{ Key: 'team', Value: 'orders' }, { Key: 'k', Value: 'v' }] });
    expect(source.clusters.snapshotPassword('x-manual')).toBe('x-master-pw');
    await expect(source.handle('DeleteDBClusterSnapshotCommand', { DBClusterSnapshotIdentifier: 'x-manual' })).rejects.toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    await expect(source.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'x', DBClusterSnapshotIdentifier: 'x-manual' })).rejects.toBeInstanceOf(DBClusterSnapshotAlreadyExistsFault);
    await expect(source.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'x', DBClusterSnapshotIdentifier: 'rds:x' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(source.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'nope', DBClusterSnapshotIdentifier: 'n' })).rejects.toBeInstanceOf(DBClusterNotFoundFault);
    await after(300);
    await expect(source.handle('DeleteDBClusterSnapshotCommand', { DBClusterSnapshotIdentifier: 'rds:x-2026-11-21-00-00' })).rejects.toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    await source.handle('DeleteDBClusterSnapshotCommand', { DBClusterSnapshotIdentifier: 'x-manual' });
    await expect(source.handle('DeleteDBClusterSnapshotCommand', { DBClusterSnapshotIdentifier: 'x-manual' })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    expect(ids(['rds:x-2026-11-21-00-00', 'x-manual'])).toEqual(['RDS-EVENT-0168 rds:x-2026-11-21-00-00', 'RDS-EVENT-0074 x-manual', 'RDS-EVENT-0169 rds:x-2026-11-21-00-00', 'RDS-EVENT-0075 x-manual']);
    // Retention 7 days: the first automated snapshot goes when one is taken 8 days later.
    await clock.run(new Date('2026-11-29T01:00:00Z'));
    source.clusters.takeAutomatedClusterSnapshot('x');
    expect([...source.clusters.snapshots.keys()]).toEqual(['rds:x-2026-11-29-01-00']);
    // The region's manual cluster snapshot quota.
    source.clusters.manualSnapshotQuota = 0;
    await expect(source.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'x', DBClusterSnapshotIdentifier: 'x-m2' })).rejects.toBeInstanceOf(SnapshotQuotaExceededFault);
  });

  it('describes cluster snapshots by identifier, cluster, type and filters, paged, an automated one by identifier only with its SnapshotType', async () => {
    const { source } = account();
    for (let i = 0; i < 25; i++) source.clusters.seedClusterSnapshot('x', `x-m-${i}`, 'manual', new Date(Date.UTC(2026, 10, 1 + i)));
    source.clusters.seedClusterSnapshot('x', 'rds:x-2026-11-20-03-00', 'automated', new Date('2026-11-20T03:00:00Z'));
    const describe = async (input: Record<string, unknown>) => (await source.handle('DescribeDBClusterSnapshotsCommand', input)) as { DBClusterSnapshots: DBClusterSnapshot[]; Marker?: string };
    const first = await describe({ Filters: [{ Name: 'db-cluster-id', Values: [source.arn('cluster', 'x')] }], MaxRecords: 20 });
    expect(first.DBClusterSnapshots).toHaveLength(20);
    const second = await describe({ Filters: [{ Name: 'db-cluster-id', Values: [source.arn('cluster', 'x')] }], MaxRecords: 20, Marker: first.Marker });
    expect(second.DBClusterSnapshots).toHaveLength(6);
    expect(second.Marker).toBeUndefined();
    expect((await describe({ DBClusterIdentifier: 'x', SnapshotType: 'automated' })).DBClusterSnapshots.map((s) => s.DBClusterSnapshotIdentifier)).toEqual(['rds:x-2026-11-20-03-00']);
    expect((await describe({ Filters: [{ Name: 'snapshot-type', Values: ['manual'] }, { Name: 'engine', Values: [PG] }] })).DBClusterSnapshots).toHaveLength(25);
    expect((await describe({ DBClusterSnapshotIdentifier: 'x-m-3' })).DBClusterSnapshots[0]).toMatchObject({ DBClusterSnapshotArn: source.arn('cluster-snapshot', 'x-m-3'), TagList: [{ Key: 'team', Value: 'orders' }] });
    await expect(describe({ DBClusterSnapshotIdentifier: 'rds:x-2026-11-20-03-00' })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    expect((await describe({ DBClusterSnapshotIdentifier: 'rds:x-2026-11-20-03-00', SnapshotType: 'automated' })).DBClusterSnapshots).toHaveLength(1);
    await expect(describe({ DBClusterIdentifier: 'x', DBClusterSnapshotIdentifier: 'x-m-3' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(describe({ MaxRecords: 10 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('copies across regions as Aurora does: KmsKeyId required when encrypted, copying then available, tags on request, five in flight, no events', async () => {
    const { source, replica, replicaKey, sourceKey, after, events, x } = account();
    const snap = source.clusters.seedClusterSnapshot('x', 'x-s1', 'manual', new Date('2026-11-20T03:00:00Z'), [{ Key: 'k', Value: 'v' }]);
    const arn = snap.DBClusterSnapshotArn ?? '';
    const copy = (target: string, extra: Record<string, unknown> = {}) => replica.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn, TargetDBClusterSnapshotIdentifier: target, KmsKeyId: replicaKey, ...extra });
    await expect(copy('c1', { SourceDBClusterSnapshotIdentifier: source.arn('cluster-snapshot', 'nope') })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await expect(copy('c1', { SourceDBClusterSnapshotIdentifier: arn.replace(ACCOUNT, '222222222222') })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await expect(copy('c1', { KmsKeyId: undefined })).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'Must specify new KMS key for cross region encrypted snapshot copy.' });
    await expect(copy('c1', { KmsKeyId: sourceKey })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await expect(copy('c--1')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const out = await copy('c1', { CopyTags: true, Tags: [{ Key: 'owner', Value: 'staging' }] });
    expect(out.DBClusterSnapshot).toMatchObject({ Status: 'copying', PercentProgress: 0 });
    await expect(copy('c1')).rejects.toBeInstanceOf(DBClusterSnapshotAlreadyExistsFault);
    await after(900);
    const [halfway] = (await replica.handle('DescribeDBClusterSnapshotsCommand', { DBClusterSnapshotIdentifier: 'c1' })).DBClusterSnapshots as DBClusterSnapshot[];
    expect(halfway?.PercentProgress).toBe(50);
    await after(900);
    expect(replica.clusters.snapshots.get('c1')).toMatchObject({
      Status: 'available',
      SnapshotType: 'manual',
      DBClusterIdentifier: 'x',
      DbClusterResourceId: x.DbClusterResourceId,
      StorageEncrypted: true,
      KmsKeyId: replicaKey,
      SourceDBClusterSnapshotArn: arn,
      SnapshotCreateTime: new Date('2026-11-20T03:00:00Z'),
      TagList: [{ Key: 'team', Value: 'orders' }, { Key: 'k', Value: 'v' }, { Key: 'owner', Value: 'staging' }],
    });
    expect(replica.clusters.snapshotPassword('c1')).toBe('x-master-pw');
    // Without CopyTags only the request's tags; a copy in the region keeps the source's key.
    await copy('c2', { Tags: [{ Key: 'owner', Value: 'staging' }] });
    expect(replica.clusters.snapshots.get('c2')?.TagList).toEqual([{ Key: 'owner', Value: 'staging' }]);
    await replica.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: 'c1', TargetDBClusterSnapshotIdentifier: 'c1-local' });
    expect(replica.clusters.snapshots.get('c1-local')).toMatchObject({ KmsKeyId: replicaKey, SourceDBClusterSnapshotArn: replica.arn('cluster-snapshot', 'c1') });

    // Five cross-region copies in flight into a region; deleting a copy in progress cancels it.
    for (const t of ['c3', 'c4', 'c5', 'c6']) await copy(t);
    expect(replica.clusters.crossRegionCopiesInFlight()).toBe(5);
    await expect(copy('c7')).rejects.toMatchObject({ name: 'SnapshotQuotaExceededFault', message: 'Cannot copy more than 5 snapshots across regions' });
    await replica.handle('DeleteDBClusterSnapshotCommand', { DBClusterSnapshotIdentifier: 'c6' });
    await copy('c7');
    expect(replica.clusters.copyHighWater).toBe(5);
    // An unencrypted source takes no key.
    const plain = source.clusters.seedCluster({ id: 'p', engine: PG, engineVersion: '16.6' });
    const plainSnap = source.clusters.seedClusterSnapshot(plain.DBClusterIdentifier ?? '', 'p-s1', 'manual', new Date('2026-11-20T03:00:00Z'));
    await expect(copy('p1', { SourceDBClusterSnapshotIdentifier: plainSnap.DBClusterSnapshotArn })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    replica.clusters.manualSnapshotQuota = replica.clusters.snapshots.size;
    await expect(copy('p1', { SourceDBClusterSnapshotIdentifier: plainSnap.DBClusterSnapshotArn, KmsKeyId: undefined })).rejects.toBeInstanceOf(SnapshotQuotaExceededFault);
    expect(events.filter((e) => e.sourceType === 'db-cluster-snapshot' && e.sourceId.startsWith('c'))).toEqual([]);
  });
});

describe('Aurora clusters in the rest of the API', () => {
  it('describes clusters by identifier, ARN and filters, paged, and DBClusterNotFoundFault for an unknown one', async () => {
    const { source, x } = account();
    for (let i = 0; i < 24; i++) source.clusters.seedCluster({ id: `c-${i}`, engine: i % 2 ? 'aurora-mysql' : PG, engineVersion: i % 2 ? '8.0.mysql_aurora.3.05.2' : '16.6' });
    const describe = async (input: Record<string, unknown>) => (await source.handle('DescribeDBClustersCommand', input)) as { DBClusters: DBCluster[]; Marker?: string };
    expect((await describe({ DBClusterIdentifier: 'X' })).DBClusters.map((c) => c.DBClusterIdentifier)).toEqual(['x']);
    expect((await describe({ DBClusterIdentifier: x.DBClusterArn })).DBClusters).toHaveLength(1);
    await expect(describe({ DBClusterIdentifier: 'nope' })).rejects.toMatchObject({ name: 'DBClusterNotFoundFault', message: 'DBCluster nope not found.' });
    const first = await describe({ MaxRecords: 20 });
    const second = await describe({ MaxRecords: 20, Marker: first.Marker });
    expect([...first.DBClusters, ...second.DBClusters]).toHaveLength(25);
    expect((await describe({ Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] })).DBClusters).toHaveLength(12);
    expect((await describe({ Filters: [{ Name: 'db-cluster-id', Values: ['x', 'c-3'] }] })).DBClusters.map((c) => c.DBClusterIdentifier)).toEqual(['x', 'c-3']);
    expect((await describe({ Filters: [{ Name: 'db-cluster-resource-id', Values: [x.DbClusterResourceId ?? ''] }] })).DBClusters).toHaveLength(1);
    expect((await source.handle('DescribeDBInstancesCommand', { DBInstanceIdentifier: 'x-1' })).DBInstances).toEqual([expect.objectContaining({ DBClusterIdentifier: 'x', DBInstanceStatus: 'available' })]);
  });

  it('reads and adds tags by cluster and cluster snapshot ARN', async () => {
    const { source, x } = account();
    const snap = source.clusters.seedClusterSnapshot('x', 'x-s1', 'manual', new Date('2026-11-20T03:00:00Z'));
    await source.handle('AddTagsToResourceCommand', { ResourceName: x.DBClusterArn, Tags: [{ Key: 'team', Value: 'payments' }, { Key: 'a', Value: '1' }] });
    expect((await source.handle('ListTagsForResourceCommand', { ResourceName: x.DBClusterArn })).TagList).toEqual([{ Key: 'team', Value: 'payments' }, { Key: 'a', Value: '1' }]);
    await source.handle('AddTagsToResourceCommand', { ResourceName: snap.DBClusterSnapshotArn, Tags: [{ Key: 'b', Value: '2' }] });
    expect((await source.handle('ListTagsForResourceCommand', { ResourceName: snap.DBClusterSnapshotArn })).TagList).toEqual([{ Key: 'team', Value: 'orders' }, { Key: 'b', Value: '2' }]);
    await expect(source.handle('ListTagsForResourceCommand', { ResourceName: source.arn('cluster', 'nope') })).rejects.toBeInstanceOf(DBClusterNotFoundFault);
    await expect(source.handle('ListTagsForResourceCommand', { ResourceName: source.arn('cluster-snapshot', 'nope') })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
  });

  it('publishes cluster events to a db-cluster subscription with the cluster ARN and console link, as RDS words them', async () => {
    const { clock, replica, after, restoreY } = account();
    const topic = new SimTopic(`arn:aws:sns:eu-central-1:${ACCOUNT}:rds-events`, clock, new Random(3));
    // The documented topic policy form, for this account's clusters in the region.
    topic.policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: RDS_EVENTS_PRINCIPAL },
          Action: 'sns:Publish',
          Resource: topic.arn,
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:rds:eu-central-1:${ACCOUNT}:cluster:*` } },
        },
      ],
    };
    replica.topics = new Map([[topic.arn, topic]]);
    await replica.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'clusters', SnsTopicArn: topic.arn, SourceType: 'db-cluster', EventCategories: ['creation', 'deletion'] });
    await after(61);
    await restoreY();
    await after(10);
    const bodies = topic.messages.map((m) => m.message).filter((m) => m.startsWith('{')).map((m) => JSON.parse(m) as Record<string, string>);
    expect(bodies).toEqual([
      expect.objectContaining({
        'Event Source': 'db-cluster',
        'Source ID': 'y',
        'Source ARN': `arn:aws:rds:eu-central-1:${ACCOUNT}:cluster:y`,
        'Identifier Link': 'https://console.aws.amazon.com/rds/home?region=eu-central-1#dbclusters:id=y',
        'Event Message': 'DB cluster created',
      }),
    ]);
    expect(bodies[0]?.['Event ID']).toMatch(/#RDS-EVENT-0170$/);
    expect(replica.subscription('clusters')?.Status).toBe('active');
  });

  it('seeds an account with Aurora x in one region and copies arriving in another, restorable once available', async () => {
    const { source, replica, replicaKey, after, x } = account();
    const older = source.clusters.seedClusterSnapshot('x', 'rds:x-2026-11-19-03-00', 'automated', new Date('2026-11-19T03:00:00Z'));
    const seeded = replica.clusters.seedClusterCopy(older, 'x-2026-11-19', replicaKey);
    expect(seeded).toMatchObject({ Status: 'available', SourceDBClusterSnapshotArn: older.DBClusterSnapshotArn, DBClusterIdentifier: 'x', SnapshotCreateTime: new Date('2026-11-19T03:00:00Z') });
    const arriving = replica.clusters.arriveClusterCopy({
      id: 'x-2026-11-20',
      sourceClusterId: 'x',
      sourceClusterResourceId: x.DbClusterResourceId ?? '',
      sourceRegion: 'eu-west-1',
      sourceSnapshotId: 'rds:x-2026-11-20-03-00',
      dataTime: new Date('2026-11-20T03:00:00Z'),
      engine: PG,
      engineVersion: '16.6',
      kmsKeyId: replicaKey,
      masterPassword: 'x-master-pw',
    });
    expect(replica.clusters.crossRegionCopiesInFlight()).toBe(1);
    await expect(replica.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: arriving.DBClusterSnapshotArn, Engine: PG })).rejects.toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    await after(1800);
    const newest = ((await replica.handle('DescribeDBClusterSnapshotsCommand', { Filters: [{ Name: 'db-cluster-id', Values: ['x'] }] })).DBClusterSnapshots as DBClusterSnapshot[]).sort((a, b) => (b.SnapshotCreateTime?.getTime() ?? 0) - (a.SnapshotCreateTime?.getTime() ?? 0));
    expect(newest.map((s) => s.DBClusterSnapshotIdentifier)).toEqual(['x-2026-11-20', 'x-2026-11-19']);
    await replica.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: arriving.DBClusterSnapshotArn, Engine: PG });
    await after(120);
    expect(replica.clusters.clusters.get('y')).toMatchObject({ Status: 'available', KmsKeyId: replicaKey });
    expect(replica.clusters.masterPassword('y')).toBe('x-master-pw');
  });
});
