import {
  AddRoleToDBInstanceCommand,
  DBInstanceRoleAlreadyExistsFault,
  DescribeDBProxiesCommand,
  DescribeDBProxyTargetGroupsCommand,
  DescribeDBProxyTargetsCommand,
  DescribeEventSubscriptionsCommand,
  SubscriptionNotFoundFault,
  CopyDBSnapshotCommand,
  DBInstanceAlreadyExistsFault,
  DBSnapshotAlreadyExistsFault,
  DeleteDBSnapshotCommand,
  SnapshotQuotaExceededFault,
  DBInstanceNotFoundFault,
  DBSubnetGroupNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  InsufficientDBInstanceCapacityFault,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  InvalidRestoreFault,
  DescribeDBInstanceAutomatedBackupsCommand,
  CreateDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsAdapter, toInstanceView } from '../../../lambdas/aws/rds';
import { desiredSettings } from '../../../lambdas/targets/instance/settings';
import { PermanentRdsError, RetryableRdsError } from '../../../lambdas/kernel/errors';
import { X, X_RESOURCE_ID, Y, xSnapshot, yInstance } from '../../support/fixtures';

const rdsMock = mockClient(RDSClient);
const adapter = new RdsAdapter(new RDSClient({ region: 'eu-central-1' }));
const meta = { $metadata: {} };

beforeEach(() => rdsMock.reset());

describe('describeInstance', () => {
  it('returns y as a view', async () => {
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: Y }).resolves({ DBInstances: [yInstance()] });
    const view = await adapter.describeInstance(Y);
    expect(view?.status).toBe('available');
    expect(view?.settings.port).toBe(6543);
  });
  it('returns undefined when y does not exist', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: `DBInstance ${Y} not found.`, ...meta }));
    await expect(adapter.describeInstance(Y)).resolves.toBeUndefined();
  });
});

describe('listInstances', () => {
  it('lists every instance of the region across pages of 100, by identifier', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [yInstance()], Marker: 'm1' });
    rdsMock.on(DescribeDBInstancesCommand, { Marker: 'm1' }).resolves({ DBInstances: [yInstance({ DBInstanceIdentifier: 'other-staging', DBInstanceStatus: 'deleting' })] });
    const listed = await adapter.listInstances();
    expect([...listed.keys()]).toEqual([Y, 'other-staging']);
    expect(listed.get('other-staging')?.status).toBe('deleting');
    // Two calls of 100 a page (the paginator reuses one input object, so only the last Marker can be read back).
    const inputs = rdsMock.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.MaxRecords)).toEqual([100, 100]);
    expect(inputs.every((i) => i.DBInstanceIdentifier === undefined && i.Filters === undefined)).toBe(true);
  });

  it('sorts a failure like the other calls', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(new InvalidDBInstanceStateFault({ message: 'busy', ...meta }));
    await expect(adapter.listInstances()).rejects.toBeInstanceOf(RetryableRdsError);
  });
});

describe('listSnapshots', () => {
  it('filters on the server and follows every page', async () => {
    // Pages are keyed by the Marker they answer, so the list below is only complete if every marker was passed on.
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [xSnapshot('a', '2026-11-19T01:00:00Z')], Marker: 'm1' });
    rdsMock.on(DescribeDBSnapshotsCommand, { Marker: 'm1' }).resolves({ DBSnapshots: [xSnapshot('b', '2026-11-20T01:00:00Z', { SnapshotType: 'automated' })], Marker: 'm2' });
    rdsMock.on(DescribeDBSnapshotsCommand, { Marker: 'm2' }).resolves({ DBSnapshots: [xSnapshot('c', '2026-11-21T01:00:00Z')] });
    const list = await adapter.listSnapshots({ instanceId: X, dbiResourceId: X_RESOURCE_ID, types: ['automated', 'manual'] });
    expect(list.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(rdsMock).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 3);
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, {
      Filters: [
        { Name: 'db-instance-id', Values: [X] },
        { Name: 'dbi-resource-id', Values: [X_RESOURCE_ID] },
      ],
      MaxRecords: 100,
    });
  });
  it('drops types that were not asked for', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [xSnapshot('a', '2026-11-19T01:00:00Z', { SnapshotType: 'automated' }), xSnapshot('b', '2026-11-19T01:00:00Z')] });
    expect((await adapter.listSnapshots({ instanceId: X, types: ['manual'] })).map((s) => s.id)).toEqual(['b']);
  });
});

describe('deleteInstance', () => {
  it('deletes y with its automated backups and no final snapshot by default', async () => {
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    await adapter.deleteInstance(Y);
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: Y, DeleteAutomatedBackups: true, SkipFinalSnapshot: true });
  });
  it('takes a named final snapshot when asked', async () => {
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    await adapter.deleteInstance(Y, 'orders-staging-final-r1');
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: 'orders-staging-final-r1' });
  });
  it('classifies a busy instance as retryable', async () => {
    rdsMock.on(DeleteDBInstanceCommand).rejects(new InvalidDBInstanceStateFault({ message: 'busy', ...meta }));
    await expect(adapter.deleteInstance(Y)).rejects.toBeInstanceOf(RetryableRdsError);
  });
});

describe('restoreInstance', () => {
  const settings = desiredSettings(toInstanceView(yInstance()).settings, {});

  it('passes every setting a restore can take, so nothing falls back to RDS defaults', async () => {
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({});
    await expect(adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: 'copy-1', settings, tags: { team: 'orders' } })).resolves.toBe('requested');
    expect(rdsMock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
      DBInstanceIdentifier: Y,
      DBSnapshotIdentifier: 'copy-1',
      DBInstanceClass: 'db.r6g.large',
      Port: 6543,
      AvailabilityZone: 'eu-central-1b',
      DBSubnetGroupName: 'staging-private',
      MultiAZ: false,
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: false,
      OptionGroupName: 'default:postgres-16',
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 12000,
      StorageThroughput: 500,
      VpcSecurityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
      DBParameterGroupName: 'staging-pg16',
      DeletionProtection: false,
      CopyTagsToSnapshot: true,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      CACertificateIdentifier: 'rds-ca-rsa4096-g1',
      NetworkType: 'IPV4',
      Tags: [{ Key: 'team', Value: 'orders' }],
    });
  });
  it('restores to a point in time with the same settings when the request names replicated backups', async () => {
    rdsMock.on(RestoreDBInstanceToPointInTimeCommand).resolves({});
    const pointInTime = { automatedBackupsArn: 'arn:aws:rds:eu-central-1:111111111111:auto-backup:ab-x', restoreTime: new Date('2026-11-21T01:55:00Z') };
    await expect(adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: 'ignored', settings, tags: { team: 'orders' }, pointInTime })).resolves.toBe('requested');
    expect(rdsMock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 0);
    const input = rdsMock.commandCalls(RestoreDBInstanceToPointInTimeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ TargetDBInstanceIdentifier: Y, SourceDBInstanceAutomatedBackupsArn: pointInTime.automatedBackupsArn, RestoreTime: pointInTime.restoreTime, DBInstanceClass: 'db.r6g.large', Iops: 12000, Tags: [{ Key: 'team', Value: 'orders' }] });
    expect(input).not.toHaveProperty('DBSnapshotIdentifier');
    expect(input).not.toHaveProperty('UseLatestRestorableTime');
  });

  it('classifies a restore time outside the window as permanent, naming the backups and the time', async () => {
    rdsMock.on(RestoreDBInstanceToPointInTimeCommand).rejects(new InvalidRestoreFault({ message: 'outside the window', ...meta }));
    const pointInTime = { automatedBackupsArn: 'arn:aws:rds:eu-central-1:111111111111:auto-backup:ab-x', restoreTime: new Date('2026-11-21T01:55:00Z') };
    const err = await adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: '', settings, tags: {}, pointInTime }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentRdsError);
    expect((err as Error).message).toContain('RestoreDBInstanceToPointInTime orders-staging from arn:aws:rds:eu-central-1:111111111111:auto-backup:ab-x at 2026-11-21T01:55:00.000Z');
  });

  it('reports an existing instance instead of failing', async () => {
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(new DBInstanceAlreadyExistsFault({ message: 'exists', ...meta }));
    await expect(adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: 'copy-1', settings, tags: {} })).resolves.toBe('already-exists');
  });
  it('classifies capacity as retryable', async () => {
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(new InsufficientDBInstanceCapacityFault({ message: 'no capacity', ...meta }));
    await expect(adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: 'copy-1', settings, tags: {} })).rejects.toBeInstanceOf(RetryableRdsError);
  });
  it('classifies a missing subnet group as permanent, naming the call', async () => {
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(new DBSubnetGroupNotFoundFault({ message: 'no group', ...meta }));
    await expect(adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: 'copy-1', settings, tags: {} })).rejects.toMatchObject({
      name: 'PermanentRdsError',
      code: 'DBSubnetGroupNotFoundFault',
      message: `RestoreDBInstanceFromDBSnapshot ${Y} from copy-1: DBSubnetGroupNotFoundFault: no group`,
    });
  });
  it('classifies throttling that outlasted the SDK retries as retryable', async () => {
    const throttled = new RDSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta });
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(throttled);
    await expect(adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: 'copy-1', settings, tags: {} })).rejects.toBeInstanceOf(RetryableRdsError);
  });
  it('passes unknown errors through untouched', async () => {
    const weird = new Error('socket hang up');
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(weird);
    const err: unknown = await adapter.restoreInstance({ instanceId: Y, snapshotIdentifier: 'copy-1', settings, tags: {} }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(RetryableRdsError);
    expect(err).not.toBeInstanceOf(PermanentRdsError);
    expect((err as Error).message).toBe('socket hang up');
  });
});

describe('modifyInstance', () => {
  it('applies immediately', async () => {
    rdsMock.on(ModifyDBInstanceCommand).resolves({});
    await expect(
      adapter.modifyInstance(Y, { settings: { preferredMaintenanceWindow: 'sun:04:00-sun:04:30', monitoringInterval: 30, monitoringRoleArn: 'arn:aws:iam::111111111111:role/m', performanceInsightsEnabled: true } }),
    ).resolves.toBe('modified');
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: Y,
      ApplyImmediately: true,
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      MonitoringInterval: 30,
      MonitoringRoleArn: 'arn:aws:iam::111111111111:role/m',
      EnablePerformanceInsights: true,
    });
  });
  it('reports a busy instance', async () => {
    rdsMock.on(ModifyDBInstanceCommand).rejects(new InvalidDBInstanceStateFault({ message: 'backing-up', ...meta }));
    await expect(adapter.modifyInstance(Y, { settings: { monitoringInterval: 60 } })).resolves.toBe('busy');
  });
  it('sets the master password alone, and never names it in an error', async () => {
    rdsMock.on(ModifyDBInstanceCommand).rejects(new RDSServiceException({ name: 'InvalidParameterValue', $fault: 'client', message: 'The parameter MasterUserPassword is not a valid password.', ...meta }));
    const err = await adapter.modifyInstance(Y, { masterUserPassword: 's3cret-Value-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentRdsError);
    expect((err as Error).message).not.toContain('s3cret-Value-1');
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { DBInstanceIdentifier: Y, ApplyImmediately: true, MasterUserPassword: 's3cret-Value-1' });
  });
  it('turns on RDS-managed credentials with the secret key', async () => {
    rdsMock.on(ModifyDBInstanceCommand).resolves({});
    await adapter.modifyInstance(Y, { manageMasterUserPassword: { kmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/k' } });
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/k' });
  });
});

describe('associated roles, proxies and the event subscription', () => {
  it('treats an already associated role as done', async () => {
    rdsMock.on(AddRoleToDBInstanceCommand).rejects(new DBInstanceRoleAlreadyExistsFault({ message: 'already associated', ...meta }));
    await expect(adapter.addRoleToInstance(Y, 'arn:aws:iam::111111111111:role/r', 's3Import')).resolves.toBe('already-associated');
  });
  it('finds the proxy target groups that list y, across proxies', async () => {
    rdsMock.on(DescribeDBProxiesCommand).resolves({ DBProxies: [{ DBProxyName: 'a', DBProxyArn: 'arn:aws:rds:eu-central-1:111111111111:db-proxy:prx-a' }, { DBProxyName: 'b', DBProxyArn: 'arn:aws:rds:eu-central-1:111111111111:db-proxy:prx-b' }] });
    rdsMock.on(DescribeDBProxyTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupName: 'default' }] });
    rdsMock.on(DescribeDBProxyTargetsCommand, { DBProxyName: 'a' }).resolves({ Targets: [{ RdsResourceId: Y, Type: 'RDS_INSTANCE' }] });
    rdsMock.on(DescribeDBProxyTargetsCommand, { DBProxyName: 'b' }).resolves({ Targets: [{ RdsResourceId: 'other', Type: 'RDS_INSTANCE' }] });
    await expect(adapter.proxyTargetsOf(Y)).resolves.toEqual([{ proxyName: 'a', proxyArn: 'arn:aws:rds:eu-central-1:111111111111:db-proxy:prx-a', targetGroupName: 'default' }]);
  });
  it('reads the subscription status, and a missing subscription as undefined', async () => {
    rdsMock.on(DescribeEventSubscriptionsCommand, { SubscriptionName: 'replica-refresh-eu-central-1' }).resolves({
      EventSubscriptionsList: [{ CustSubscriptionId: 'replica-refresh-eu-central-1', Status: 'no-permission', Enabled: true, SourceType: 'db-instance' }],
    });
    rdsMock.on(DescribeEventSubscriptionsCommand, { SubscriptionName: 'gone' }).rejects(new SubscriptionNotFoundFault({ message: 'not found', ...meta }));
    await expect(adapter.describeEventSubscription('replica-refresh-eu-central-1')).resolves.toEqual({ name: 'replica-refresh-eu-central-1', status: 'no-permission', enabled: true, sourceType: 'db-instance', sourceIds: [] });
    await expect(adapter.describeEventSubscription('gone')).resolves.toBeUndefined();
  });
});

describe('snapshot copies', () => {
  it('names the option group a copy needs when one is given', async () => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    await adapter.copySnapshot({ targetId: 'orders-prod-1', sourceArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:orders-prod-1', sourceRegion: 'eu-west-1', optionGroupName: 'oracle-tde', tags: {} });
    expect(rdsMock).toHaveReceivedCommandWith(CopyDBSnapshotCommand, { OptionGroupName: 'oracle-tde' });
  });

  it('copies by source ARN with the replica key, CopyTags and the ownership tag', async () => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    await expect(
      adapter.copySnapshot({ targetId: 'orders-prod-2026-11-21-00-10', sourceArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:rds:orders-prod-2026-11-21-00-10', sourceRegion: 'eu-west-1', kmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/k', tags: { 'replica-refresh:managed': 'true' } }),
    ).resolves.toBe('started');
    expect(rdsMock).toHaveReceivedCommandWith(CopyDBSnapshotCommand, {
      SourceDBSnapshotIdentifier: 'arn:aws:rds:eu-west-1:111111111111:snapshot:rds:orders-prod-2026-11-21-00-10',
      TargetDBSnapshotIdentifier: 'orders-prod-2026-11-21-00-10',
      KmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/k',
      CopyTags: true,
      Tags: [{ Key: 'replica-refresh:managed', Value: 'true' }],
    });
  });
  it('counts an existing target as done and a full quota as retryable', async () => {
    const req = { targetId: 't', sourceArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:s', sourceRegion: 'eu-west-1', tags: {} };
    rdsMock
      .on(CopyDBSnapshotCommand)
      .rejectsOnce(new DBSnapshotAlreadyExistsFault({ message: 'exists', ...meta }))
      .rejectsOnce(new SnapshotQuotaExceededFault({ message: 'Cannot copy more than 5 snapshots across regions', ...meta }));
    await expect(adapter.copySnapshot(req)).resolves.toBe('already-exists');
    await expect(adapter.copySnapshot(req)).rejects.toBeInstanceOf(RetryableRdsError);
  });
  it('counts manual snapshots and copies in flight across pages', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [xSnapshot('a', '2026-11-20T00:00:00Z', { Status: 'copying' }), xSnapshot('b', '2026-11-20T00:00:00Z', { SourceRegion: undefined })], Marker: 'm' });
    rdsMock.on(DescribeDBSnapshotsCommand, { Marker: 'm' }).resolves({ DBSnapshots: [xSnapshot('c', '2026-11-20T00:00:00Z', { Status: 'pending' })] });
    await expect(adapter.manualSnapshotCounts()).resolves.toEqual({ total: 3, copying: 2 });
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' });
  });
  it('counts as in flight only copies coming into this region, not snapshots whose SourceRegion is this one', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [xSnapshot('in', '2026-11-20T00:00:00Z', { Status: 'copying' }), xSnapshot('local', '2026-11-20T00:00:00Z', { Status: 'copying', SourceRegion: 'eu-central-1' })],
    });
    await expect(adapter.manualSnapshotCounts()).resolves.toEqual({ total: 2, copying: 1 });
  });
  it('deletes a snapshot only when RDS shows the ownership tag on it', async () => {
    const owner = { key: 'replica-refresh:managed', value: 'true' };
    rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'mine' }).resolves({ DBSnapshots: [xSnapshot('mine', '2026-11-01T00:00:00Z', { TagList: [{ Key: 'replica-refresh:managed', Value: 'true' }] })] });
    rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'theirs' }).resolves({ DBSnapshots: [xSnapshot('theirs', '2026-11-01T00:00:00Z', { TagList: [{ Key: 'team', Value: 'dba' }] })] });
    rdsMock.on(DeleteDBSnapshotCommand).resolves({});
    await expect(adapter.deleteOwnedSnapshot('theirs', owner)).resolves.toBe('not-owned');
    expect(rdsMock).toHaveReceivedCommandTimes(DeleteDBSnapshotCommand, 0);
    await expect(adapter.deleteOwnedSnapshot('mine', owner)).resolves.toBe('deleted');
    expect(rdsMock).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'mine' });
  });
});

describe('replicated backups and extra snapshots', () => {
  it('lists only the backups replicated from x region, by name and resource id', async () => {
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [
        { DBInstanceIdentifier: X, DbiResourceId: X_RESOURCE_ID, Region: 'eu-west-1', Status: 'replicating', DBInstanceAutomatedBackupsArn: 'arn:ab-1', RestoreWindow: { LatestTime: new Date('2026-11-21T01:55:00Z') } },
        { DBInstanceIdentifier: X, Region: 'us-east-1', Status: 'replicating', DBInstanceAutomatedBackupsArn: 'arn:ab-2' },
      ],
    });
    const found = await adapter.describeReplicatedBackups({ instanceId: X, dbiResourceId: X_RESOURCE_ID, sourceRegion: 'eu-west-1' });
    expect(found).toEqual([{ arn: 'arn:ab-1', instanceId: X, dbiResourceId: X_RESOURCE_ID, sourceRegion: 'eu-west-1', status: 'replicating', latestTime: new Date('2026-11-21T01:55:00Z'), encrypted: false }]);
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBInstanceAutomatedBackupsCommand, { Filters: [{ Name: 'dbi-resource-id', Values: [X_RESOURCE_ID] }] });
  });

  it('falls back to an unfiltered listing when the name filter finds nothing for an instance of another region', async () => {
    const record = { DBInstanceIdentifier: X, Region: 'eu-west-1', Status: 'replicating', DBInstanceAutomatedBackupsArn: 'arn:ab-1' };
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).callsFake((input: { Filters?: unknown[] }) => ({ DBInstanceAutomatedBackups: input.Filters ? [] : [record, { ...record, DBInstanceIdentifier: 'billing-prod' }] }));
    const found = await adapter.describeReplicatedBackups({ instanceId: X, sourceRegion: 'eu-west-1' });
    expect(found.map((b) => b.arn)).toEqual(['arn:ab-1']);
    expect(rdsMock).toHaveReceivedCommandTimes(DescribeDBInstanceAutomatedBackupsCommand, 2);
  });

  it('takes a tagged manual snapshot, and reports one already there', async () => {
    rdsMock.on(CreateDBSnapshotCommand).resolvesOnce({}).rejects(new DBSnapshotAlreadyExistsFault({ message: 'exists', ...meta }));
    await expect(adapter.createSnapshot(X, 'orders-prod-rr-1', { a: 'b' })).resolves.toBe('started');
    await expect(adapter.createSnapshot(X, 'orders-prod-rr-1', { a: 'b' })).resolves.toBe('already-exists');
    expect(rdsMock).toHaveReceivedCommandWith(CreateDBSnapshotCommand, { DBInstanceIdentifier: X, DBSnapshotIdentifier: 'orders-prod-rr-1', Tags: [{ Key: 'a', Value: 'b' }] });
  });
});
