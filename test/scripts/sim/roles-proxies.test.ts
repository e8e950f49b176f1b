/**
 * What a restore does not bring back, as the simulation keeps it: IAM roles associated with y (AddRoleToDBInstance)
 * and RDS Proxy targets that pointed at y; and, end to end, a pair that lists them gets them back after a refresh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DBInstanceRoleAlreadyExistsFault, DBProxyNotFoundFault, DBProxyTargetAlreadyRegisteredFault } from '@aws-sdk/client-rds';
import { VirtualClock } from '../../../scripts/sim/clock';
import { SimRds } from '../../../scripts/sim/rds';
import { Random } from '../../../scripts/sim/random';
import { Simulation } from '../../../scripts/sim/world';
import { FIXED_TIMINGS } from '../../support/regions';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const TIMINGS = FIXED_TIMINGS;
const ROLE = 'arn:aws:iam::111111111111:role/staging-s3-import';
const PROXY = 'arn:aws:rds:eu-central-1:111111111111:db-proxy:prx-0123456789abcdef0';

async function region(engine = 'postgres', version = '16.6') {
  const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
  const rds = new SimRds('eu-central-1', '111111111111', clock, new Random(1), TIMINGS);
  rds.arriveCopy({ id: 's1', sourceInstanceId: 'x', sourceDbiResourceId: 'db-X', sourceRegion: 'eu-west-1', sourceSnapshotId: 'rds:s1', dataTime: new Date('2026-11-20T00:10:00Z'), engine, engineVersion: version, allocatedStorage: 200, port: 5432 });
  await clock.run(clock.millis + 1_800_000);
  const restore = async () => {
    await rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1' });
    await clock.run(clock.millis + 1_210_000);
  };
  return { clock, rds, restore };
}

describe('IAM roles of an instance', () => {
  it('associates a role with "AddRoleToDBInstance" (PENDING, then ACTIVE); the same role or feature again is "DBInstanceRoleAlreadyExists"', async () => {
    const { clock, rds, restore } = await region();
    await restore();
    expect(rds.instances.get('y')?.AssociatedRoles).toEqual([]);
    await rds.handle('AddRoleToDBInstanceCommand', { DBInstanceIdentifier: 'y', RoleArn: ROLE, FeatureName: 's3Import' });
    expect(rds.instances.get('y')?.AssociatedRoles).toEqual([{ RoleArn: ROLE, FeatureName: 's3Import', Status: 'PENDING' }]);
    await clock.run(clock.millis + 61_000);
    expect(rds.instances.get('y')?.AssociatedRoles?.[0]?.Status).toBe('ACTIVE');
    await expect(rds.handle('AddRoleToDBInstanceCommand', { DBInstanceIdentifier: 'y', RoleArn: ROLE, FeatureName: 's3Export' })).rejects.toBeInstanceOf(DBInstanceRoleAlreadyExistsFault);
    await expect(rds.handle('AddRoleToDBInstanceCommand', { DBInstanceIdentifier: 'y', RoleArn: `${ROLE}-2`, FeatureName: 's3Import' })).rejects.toBeInstanceOf(DBInstanceRoleAlreadyExistsFault);
    await expect(rds.handle('AddRoleToDBInstanceCommand', { DBInstanceIdentifier: 'y', RoleArn: `${ROLE}-2`, FeatureName: 'S3_INTEGRATION' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('loses the roles of a deleted instance: a restored instance has none ("AssociatedRoles")', async () => {
    const { clock, rds, restore } = await region();
    await restore();
    await rds.handle('AddRoleToDBInstanceCommand', { DBInstanceIdentifier: 'y', RoleArn: ROLE, FeatureName: 's3Import' });
    await rds.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y', SkipFinalSnapshot: true });
    await clock.run(clock.millis + 400_000);
    await restore();
    expect(rds.instances.get('y')?.AssociatedRoles).toEqual([]);
  });
});

describe('RDS Proxy targets', () => {
  it('drops the target of a deleted instance (assumed), re-registers the new one with "RegisterDBProxyTargets", and refuses a second registration', async () => {
    const { clock, rds, restore } = await region();
    await restore();
    rds.seedProxy('y-proxy', PROXY, 'POSTGRESQL', ['y']);
    const targets = async () => (await rds.handle('DescribeDBProxyTargetsCommand', { DBProxyName: 'y-proxy' })).Targets as { RdsResourceId: string; TargetHealth: { State: string } }[];
    expect(await targets()).toEqual([expect.objectContaining({ RdsResourceId: 'y', Type: 'RDS_INSTANCE' })]);
    expect((await rds.handle('DescribeDBProxiesCommand', {})).DBProxies).toEqual([expect.objectContaining({ DBProxyName: 'y-proxy', DBProxyArn: PROXY })]);
    await rds.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y', SkipFinalSnapshot: true });
    await clock.run(clock.millis + 400_000);
    expect(await targets()).toEqual([]);
    await restore();
    await rds.handle('RegisterDBProxyTargetsCommand', { DBProxyName: 'y-proxy', DBInstanceIdentifiers: ['y'] });
    expect((await targets())[0]?.TargetHealth.State).toBe('REGISTERING');
    await clock.run(clock.millis + 61_000);
    expect((await targets())[0]?.TargetHealth.State).toBe('AVAILABLE');
    await expect(rds.handle('RegisterDBProxyTargetsCommand', { DBProxyName: 'y-proxy', DBInstanceIdentifiers: ['y'] })).rejects.toBeInstanceOf(DBProxyTargetAlreadyRegisteredFault);
    await expect(rds.handle('DescribeDBProxyTargetsCommand', { DBProxyName: 'nope' })).rejects.toBeInstanceOf(DBProxyNotFoundFault);
  });

  it('refuses to register an instance of another engine family ("RegisterDBProxyTargets")', async () => {
    const { rds, restore } = await region('mysql', '8.0.40');
    await restore();
    rds.seedProxy('pg-proxy', PROXY, 'POSTGRESQL', []);
    await expect(rds.handle('RegisterDBProxyTargetsCommand', { DBProxyName: 'pg-proxy', DBInstanceIdentifiers: ['y'] })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('a pair with associated roles and an RDS Proxy, end to end', () => {
  it('gets its "AssociatedRoles" and its proxy target ("RegisterDBProxyTargets") back after the refresh', async () => {
    const sim = await Simulation.create({ config, seed: 13, pairOverrides: { associatedRoleArns: [ROLE], rdsProxyArns: [PROXY] } });
    try {
      expect(sim.rds.instances.get('orders-staging')?.AssociatedRoles).toEqual([{ RoleArn: ROLE, FeatureName: 's3Import', Status: 'ACTIVE' }]);
      expect(sim.rds.proxyTargets('orders-staging-proxy').map((t) => t.RdsResourceId)).toEqual(['orders-staging']);
      await sim.runNights(1);
      expect((await sim.history('orders-staging')).map((r) => r.status)).toEqual(['succeeded']);
      expect(sim.rds.instances.get('orders-staging')?.AssociatedRoles).toEqual([{ RoleArn: ROLE, FeatureName: 's3Import', Status: 'ACTIVE' }]);
      expect(sim.rds.proxyTargets('orders-staging-proxy')).toEqual([expect.objectContaining({ RdsResourceId: 'orders-staging', TargetHealth: { State: 'AVAILABLE' } })]);
    } finally {
      await sim.close();
    }
  });
});
