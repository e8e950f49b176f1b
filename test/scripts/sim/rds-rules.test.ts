/**
 * What RDS accepts per engine in a restore and a ModifyDBInstance, as the simulation enforces it (rds-rules.ts): each
 * test names the AWS parameter in quotes and asserts RDS's fault class, and the message where a capture shows it.
 */
import { CertificateNotFoundFault, InvalidRestoreFault } from '@aws-sdk/client-rds';
import { VirtualClock } from '../../../scripts/sim/clock';
import type { SimEngine } from '../../../scripts/sim/engines';
import { engineProfile } from '../../../scripts/sim/engines';
import { SimRds } from '../../../scripts/sim/rds';
import { Random } from '../../../scripts/sim/random';
import { FIXED_TIMINGS } from '../../support/regions';

const TIMINGS = FIXED_TIMINGS;

/** A region holding an available 200 GiB snapshot `s1` of x on `engine`, with y's custom parameter group. */
async function region(engine: SimEngine = 'postgres', storage = 200) {
  const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
  const rds = new SimRds('eu-central-1', '111111111111', clock, new Random(1), TIMINGS);
  const p = engineProfile(engine);
  rds.addParameterGroup(p.parameterGroup.name, p.engine, p.sourceVersion, p.parameterGroup.parameters);
  rds.arriveCopy({ id: 's1', sourceInstanceId: 'x', sourceDbiResourceId: 'db-X', sourceRegion: 'eu-west-1', sourceSnapshotId: 'rds:s1', dataTime: new Date('2026-11-20T00:10:00Z'), engine: p.engine, engineVersion: p.sourceVersion, allocatedStorage: storage, port: p.defaultPort, licenseModel: p.licenseModel, masterUsername: p.masterUsername });
  await clock.run(clock.millis + 1_800_000);
  const restore = (extra: Record<string, unknown> = {}, id = 'y') => rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: id, DBSnapshotIdentifier: 's1', DBParameterGroupName: p.parameterGroup.name, ...extra });
  /** y restored and serving, to modify. */
  const serving = async (extra: Record<string, unknown> = {}) => {
    await restore(extra);
    await clock.run(clock.millis + 1_210_000);
    return (input: Record<string, unknown>) => rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y', ApplyImmediately: true, ...input });
  };
  return { clock, rds, profile: p, restore, serving };
}

describe('per-engine restore rules', () => {
  it('rejects "AllocatedStorage" on a restore of RDS for SQL Server, and restores it at the snapshot\'s size without it', async () => {
    const { rds, restore } = await region('sqlserver-se');
    await expect(restore({ AllocatedStorage: 200 })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message: expect.stringContaining("The AllocatedStorage parameter isn't valid for RDS for SQL Server") as unknown });
    await restore();
    expect(rds.instances.get('y')).toMatchObject({ Engine: 'sqlserver-se', AllocatedStorage: 200, LicenseModel: 'license-included' });
  });

  it('accepts "AllocatedStorage" at or above the snapshot\'s size for the other engines, never below it', async () => {
    const { restore } = await region('mysql');
    await expect(restore({ AllocatedStorage: 100 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await restore({ AllocatedStorage: 250 });
  });

  it.each(['mariadb', 'oracle-ee', 'sqlserver-se', 'db2-se'] as SimEngine[])('rejects "EngineLifecycleSupport" for %s (MySQL and PostgreSQL only)', async (engine) => {
    const { restore } = await region(engine);
    await expect(restore({ EngineLifecycleSupport: 'open-source-rds-extended-support' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
  });

  it('accepts "EngineLifecycleSupport" for MySQL and PostgreSQL, with its two values only', async () => {
    for (const engine of ['mysql', 'postgres'] as SimEngine[]) {
      const { restore } = await region(engine);
      await expect(restore({ EngineLifecycleSupport: 'extended' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      await restore({ EngineLifecycleSupport: 'open-source-rds-extended-support-disabled' });
    }
  });

  it('takes "DedicatedLogVolume" only for MariaDB, MySQL and PostgreSQL on Provisioned IOPS storage', async () => {
    const oracle = await region('oracle-ee');
    await expect(oracle.restore({ DedicatedLogVolume: false })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    const pg = await region('postgres', 1000);
    await expect(pg.restore({ DedicatedLogVolume: true, StorageType: 'gp3' })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message: expect.stringContaining('io1 or io2') as unknown });
    await pg.restore({ DedicatedLogVolume: true, StorageType: 'io2', Iops: 3000 });
    expect(pg.rds.instances.get('y')?.DedicatedLogVolume).toBe(true);
  });

  it('refuses an expired "CACertificateIdentifier" (rds-ca-2019) with CertificateNotFound, on a restore and a modify', async () => {
    const { restore, serving } = await region();
    await expect(restore({ CACertificateIdentifier: 'rds-ca-2019' })).rejects.toBeInstanceOf(CertificateNotFoundFault);
    const modify = await serving({ CACertificateIdentifier: 'rds-ca-ecc384-g1' });
    await expect(modify({ CACertificateIdentifier: 'rds-ca-2019' })).rejects.toBeInstanceOf(CertificateNotFoundFault);
    await modify({ CACertificateIdentifier: 'rds-ca-rsa2048-g1' });
  });

  it('keeps io1 "Iops" within the IOPS:GiB ratio (0.5-50; SQL Server 1-50) and needs it for io1', async () => {
    const pg = await region('postgres', 200);
    await expect(pg.restore({ StorageType: 'io1' })).rejects.toMatchObject({ message: 'The storage type io1 requires iops to be specified.' });
    await expect(pg.restore({ StorageType: 'io1', Iops: 50 })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message: 'Invalid iops to storage (GB) ratio for engine name postgres and storage type io1: 0.2500' });
    await expect(pg.restore({ StorageType: 'io1', Iops: 12000 })).rejects.toMatchObject({ message: expect.stringContaining('60.0000') as unknown });
    const sql = await region('sqlserver-se', 200);
    await expect(sql.restore({ StorageType: 'io1', Iops: 150 })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await sql.restore({ StorageType: 'io1', Iops: 1000 });
    await pg.restore({ StorageType: 'io2', Iops: 20000 });
  });

  it('takes gp3 "Iops" and "StorageThroughput" only from the engine\'s threshold (400 GiB; Oracle 200; SQL Server 20), at least the baseline, throughput at most 0.25 per IOPS', async () => {
    const mysql = await region('mysql', 200);
    await expect(mysql.restore({ StorageType: 'gp3', Iops: 3000, StorageThroughput: 125 })).rejects.toMatchObject({ message: "You can't specify IOPS or storage throughput for engine mysql and a storage size less than 400." });
    const oracle = await region('oracle-ee', 200);
    await expect(oracle.restore({ StorageType: 'gp3', Iops: 3000 })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message: expect.stringContaining('the minimum is 12000') as unknown });
    await expect(oracle.restore({ StorageType: 'gp3', Iops: 12000, StorageThroughput: 4000 })).rejects.toMatchObject({ message: expect.stringContaining("can't be more than 0.25") as unknown });
    await oracle.restore({ StorageType: 'gp3', Iops: 12000, StorageThroughput: 500 });
    const sql = await region('sqlserver-se', 20);
    await sql.restore({ StorageType: 'gp3', Iops: 3000, StorageThroughput: 125 });
    // Without them, DescribeDBInstances reports the baseline of the size: 12,000 / 500 from Oracle's 200 GiB.
    expect(oracle.rds.instances.get('y')).toMatchObject({ Iops: 12000, StorageThroughput: 500 });
    await mysql.restore();
    expect(mysql.rds.instances.get('y')).toMatchObject({ StorageType: 'gp3', Iops: 3000, StorageThroughput: 125 });
  });

  it('refuses a "DBParameterGroupName" of another family with the message RDS gives', async () => {
    const { rds, restore } = await region('postgres');
    rds.addParameterGroup('mysql-params', 'mysql', '8.0.40');
    await expect(restore({ DBParameterGroupName: 'mysql-params' })).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: "The parameter group mysql-params with DBParameterGroupFamily mysql8.0 can't be used for this instance. Use a parameter group with DBParameterGroupFamily postgres16.",
    });
  });

  it('restores Db2 with "LicenseModel" bring-your-own-license only with a custom parameter group that has the IBM customer and site ids', async () => {
    const { rds, restore } = await region('db2-se');
    await expect(restore({ DBParameterGroupName: undefined })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message: expect.stringContaining('rds.ibm_customer_id and rds.ibm_site_id') as unknown });
    rds.addParameterGroup('no-ids', 'db2-se', '11.5.9.0.sb00052349.r1');
    await expect(restore({ DBParameterGroupName: 'no-ids' })).rejects.toMatchObject({ message: expect.stringContaining('(no-ids does not)') as unknown });
    await expect(restore({ LicenseModel: 'license-included' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await restore({ LicenseModel: 'bring-your-own-license' });
  });

  it('exports only the engine\'s log types ("EnableCloudwatchLogsExports") and refuses SQL Server\'s reserved "Port"s', async () => {
    const sql = await region('sqlserver-se');
    await expect(sql.restore({ EnableCloudwatchLogsExports: ['postgresql'] })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(sql.restore({ Port: 1434 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await sql.restore({ EnableCloudwatchLogsExports: ['error', 'agent'], Port: 1533 });
  });
});

describe('ModifyDBInstance rules', () => {
  it('needs "MaxAllocatedStorage" at least 10% above the allocated storage, with the message RDS gives', async () => {
    const { serving } = await region('postgres', 200);
    const modify = await serving();
    await expect(modify({ MaxAllocatedStorage: 210 })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message: 'The maximum allocated storage must be increased by at least 10 percent.' });
    await modify({ MaxAllocatedStorage: 220 });
  });

  it('keeps the io1 IOPS ratio for the "MaxAllocatedStorage" too', async () => {
    const { serving } = await region('postgres', 200);
    const modify = await serving({ StorageType: 'io1', Iops: 1000 });
    await expect(modify({ MaxAllocatedStorage: 4000 })).rejects.toMatchObject({ message: 'Invalid iops to max storage (GB) ratio for engine name postgres and storage type io1: 0.2500' });
    await modify({ MaxAllocatedStorage: 2000 });
  });

  it('turns on "DatabaseInsightsMode" advanced only with Performance Insights at 465 days or more in the same request', async () => {
    const { rds, serving } = await region();
    const modify = await serving();
    const message = 'To enable the Advanced mode of Database Insights, modify your instance to enable Performance Insights and set the retention period for Performance Insights to at least 465 days.';
    await expect(modify({ DatabaseInsightsMode: 'advanced' })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message });
    await expect(modify({ DatabaseInsightsMode: 'advanced', EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 93 })).rejects.toMatchObject({ message });
    await expect(modify({ EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 94 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await modify({ DatabaseInsightsMode: 'advanced', EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 465 });
    expect(rds.instances.get('y')).toMatchObject({ DatabaseInsightsMode: 'advanced', PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 465 });
  });

  it('keeps the "PreferredMaintenanceWindow" well-formed, 30 minutes or more, and off the backup window', async () => {
    const { serving } = await region();
    const modify = await serving({ PreferredBackupWindow: '03:00-03:30' });
    await expect(modify({ PreferredMaintenanceWindow: 'sun:03:15-sun:03:45' })).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'The backup window and maintenance window must not overlap.' });
    await expect(modify({ PreferredMaintenanceWindow: 'sun:05:00-sun:05:10' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ PreferredMaintenanceWindow: 'sunday 5am' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await modify({ PreferredMaintenanceWindow: 'sun:05:00-sun:05:30' });
  });
});

describe('point-in-time restore', () => {
  it('refuses a "RestoreTime" at or after the latest restorable time; UseLatestRestorableTime restores to it', async () => {
    const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
    const rds = new SimRds('eu-central-1', '111111111111', clock, new Random(1), TIMINGS);
    const arn = 'arn:aws:rds:eu-central-1:111111111111:auto-backup:ab-x';
    rds.replicatedBackups.set(arn, { backup: { DBInstanceAutomatedBackupsArn: arn, DBInstanceIdentifier: 'x', Engine: 'postgres', EngineVersion: '16.6', AllocatedStorage: 100, Port: 5432, RestoreWindow: { EarliestTime: new Date('2026-11-14T00:00:00Z') } }, lagSeconds: 300 });
    const latest = new Date(clock.millis - 300_000);
    const pitr = (id: string, extra: Record<string, unknown>) => rds.handle('RestoreDBInstanceToPointInTimeCommand', { TargetDBInstanceIdentifier: id, SourceDBInstanceAutomatedBackupsArn: arn, ...extra });
    await expect(pitr('y1', { RestoreTime: latest })).rejects.toBeInstanceOf(InvalidRestoreFault);
    await expect(pitr('y1', { RestoreTime: new Date(latest.getTime() + 60_000) })).rejects.toBeInstanceOf(InvalidRestoreFault);
    await pitr('y1', { RestoreTime: new Date(latest.getTime() - 1000) });
    await pitr('y2', { UseLatestRestorableTime: true });
  });
});
