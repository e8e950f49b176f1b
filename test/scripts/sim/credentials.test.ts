/**
 * y's master credentials as RDS and Secrets Manager keep them in the simulation: a restore carries the snapshot's
 * (x's) user and password, ModifyDBInstance sets a password or turns on an RDS-managed secret, a managed secret goes
 * with its instance; and, end to end, each credentials mode of a pair ends with the credentials the pair chose.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { ParameterAlreadyExists } from '@aws-sdk/client-ssm';
import { VirtualClock } from '../../../scripts/sim/clock';
import type { SimEngine } from '../../../scripts/sim/engines';
import { engineProfile } from '../../../scripts/sim/engines';
import { SimRds } from '../../../scripts/sim/rds';
import { Random } from '../../../scripts/sim/random';
import { SimSsm } from '../../../scripts/sim/ssm';
import { Simulation, sourcePassword } from '../../../scripts/sim/world';
import { FIXED_TIMINGS } from '../../support/regions';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const TIMINGS = FIXED_TIMINGS;
const Y = 'orders-staging';

/** A region with a snapshot of x holding x's master user and password, ready to restore. */
async function region(engine: SimEngine = 'postgres') {
  const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
  const rds = new SimRds('eu-central-1', '111111111111', clock, new Random(1), TIMINGS);
  const p = engineProfile(engine);
  rds.addParameterGroup(p.parameterGroup.name, p.engine, p.sourceVersion, p.parameterGroup.parameters);
  rds.arriveCopy({ id: 's1', sourceInstanceId: 'x', sourceDbiResourceId: 'db-X', sourceRegion: 'eu-west-1', sourceSnapshotId: 'rds:s1', dataTime: new Date('2026-11-20T00:10:00Z'), engine: p.engine, engineVersion: p.sourceVersion, allocatedStorage: 200, port: p.defaultPort, masterUsername: 'xadmin', masterPassword: 'x-production-secret-1' });
  await clock.run(clock.millis + 1_800_000);
  const restore = async (extra: Record<string, unknown> = {}) => {
    await rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1', DBParameterGroupName: p.parameterGroup.name, ...extra });
    await clock.run(clock.millis + 1_210_000);
  };
  const modify = (input: Record<string, unknown>) => rds.handle('ModifyDBInstanceCommand', { DBInstanceIdentifier: 'y', ApplyImmediately: true, ...input });
  return { clock, rds, restore, modify };
}

describe('master credentials in the simulated RDS', () => {
  it('gives a restored instance the snapshot\'s master user and password ("MasterUserPassword" is x\'s until set)', async () => {
    const { clock, rds, restore, modify } = await region();
    await restore();
    expect(rds.instances.get('y')?.MasterUsername).toBe('xadmin');
    expect(rds.masterPassword('y')).toBe('x-production-secret-1');
    await modify({ MasterUserPassword: 'staging-only-pw' });
    expect(rds.masterPassword('y')).toBe('staging-only-pw');
    // A snapshot of y (once its baseline backup is done) holds y's password, not x's.
    await clock.run(clock.millis + 610_000);
    await rds.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 'y-snap' });
    expect(rds.snapshotPassword('y-snap')).toBe('staging-only-pw');
  });

  it('turns on "ManageMasterUserPassword": a new rds!db-<uuid> secret with the user and a generated password, reported as MasterUserSecret', async () => {
    const { clock, rds, restore, modify } = await region();
    await restore();
    const out = (await modify({ ManageMasterUserPassword: true })) as { DBInstance: { MasterUserSecret: { SecretArn: string; SecretStatus: string; KmsKeyId: string } } };
    expect(out.DBInstance.MasterUserSecret).toMatchObject({ SecretArn: expect.stringMatching(/^arn:aws:secretsmanager:eu-central-1:111111111111:secret:rds!db-[0-9a-f-]{36}-[A-Za-z0-9]{6}$/) as unknown, SecretStatus: 'creating' });
    await clock.run(clock.millis + 61_000);
    const [described] = (await rds.handle('DescribeDBInstancesCommand', { DBInstanceIdentifier: 'y' })).DBInstances as { MasterUserSecret: { SecretArn: string; SecretStatus: string } }[];
    expect(described?.MasterUserSecret.SecretStatus).toBe('active');
    const value = await rds.secretsManager.handle('GetSecretValueCommand', { SecretId: described?.MasterUserSecret.SecretArn });
    const secret = JSON.parse(String(value.SecretString)) as { username: string; password: string };
    expect(secret.username).toBe('xadmin');
    expect(secret.password).toBe(rds.masterPassword('y'));
    expect(secret.password).not.toBe('x-production-secret-1');
  });

  it('refuses "MasterUserPassword" together with "ManageMasterUserPassword", and on an instance whose password RDS manages', async () => {
    const { restore, modify } = await region();
    await restore();
    await expect(modify({ MasterUserPassword: 'staging-only-pw', ManageMasterUserPassword: true })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await modify({ ManageMasterUserPassword: true });
    await expect(modify({ MasterUserPassword: 'staging-only-pw' })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(modify({ ManageMasterUserPassword: false })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    // Turning management off takes the new password and deletes the secret.
    await modify({ ManageMasterUserPassword: false, MasterUserPassword: 'staging-only-pw' });
  });

  it('checks "MasterUserPassword" per engine: length and characters, never echoing it', async () => {
    const { restore, modify } = await region('oracle-ee');
    await restore();
    await expect(modify({ MasterUserPassword: 'short' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ MasterUserPassword: 'x'.repeat(31) })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(modify({ MasterUserPassword: "it's-oracle" })).rejects.not.toMatchObject({ message: expect.stringContaining("it's-oracle") as unknown });
    await modify({ MasterUserPassword: 'oracle-ok-123' });
  });

  it('deletes the managed secret with its instance: then "ResourceNotFoundException" with Secrets Manager\'s message', async () => {
    const { clock, rds, restore, modify } = await region();
    await restore();
    const out = (await modify({ ManageMasterUserPassword: true })) as { DBInstance: { MasterUserSecret: { SecretArn: string } } };
    const arn = out.DBInstance.MasterUserSecret.SecretArn;
    await rds.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y', SkipFinalSnapshot: true });
    await clock.run(clock.millis + 400_000);
    await expect(rds.secretsManager.handle('GetSecretValueCommand', { SecretId: arn })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(rds.secretsManager.handle('GetSecretValueCommand', { SecretId: arn })).rejects.toMatchObject({ message: "Secrets Manager can't find the specified secret." });
  });

  it('takes "ManageMasterUserPassword" on a restore for RDS for Oracle only', async () => {
    const pg = await region('postgres');
    await expect(pg.restore({ ManageMasterUserPassword: true })).rejects.toMatchObject({ name: 'InvalidParameterCombination', message: expect.stringContaining('RDS for Oracle only') as unknown });
    const oracle = await region('oracle-ee');
    await oracle.restore({ ManageMasterUserPassword: true });
    expect(oracle.rds.instances.get('y')?.MasterUserSecret?.SecretArn).toMatch(/secret:rds!db-/);
    expect(oracle.rds.masterPassword('y')).not.toBe('x-production-secret-1');
  });

  it('finds a secret by ARN, partial ARN or name ("GetSecretValue")', async () => {
    const { rds } = await region();
    const s = rds.secretsManager.adopt('arn:aws:secretsmanager:eu-central-1:111111111111:secret:staging-master-AbCdEf', '{"password":"p"}');
    for (const id of [s.arn, 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:staging-master', 'staging-master']) {
      expect((await rds.secretsManager.handle('GetSecretValueCommand', { SecretId: id })).SecretString).toBe('{"password":"p"}');
    }
    await expect(rds.secretsManager.handle('GetSecretValueCommand', { SecretId: 'nope' })).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('overwrites an SSM parameter only with "Overwrite" ("PutParameter")', async () => {
    const ssm = new SimSsm('eu-central-1', '111111111111', new VirtualClock(new Date()));
    await ssm.handle('PutParameterCommand', { Name: '/a/b', Value: '1', Type: 'String' });
    await expect(ssm.handle('PutParameterCommand', { Name: '/a/b', Value: '2', Type: 'String' })).rejects.toBeInstanceOf(ParameterAlreadyExists);
    expect(await ssm.handle('PutParameterCommand', { Name: '/a/b', Value: '2', Type: 'String', Overwrite: true })).toEqual({ Version: 2, Tier: 'Standard' });
    expect(await ssm.handle('GetParameterCommand', { Name: '/a/b' })).toMatchObject({ Parameter: { Value: '2', Version: 2 } });
  });
});

describe('each credentials mode of a pair, end to end', () => {
  const SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf';

  async function oneNight(credentials: Record<string, unknown>) {
    const sim = await Simulation.create({ config, seed: 21, pairOverrides: { credentials } });
    await sim.runNights(1);
    return sim;
  }

  it('ends each refresh with the credentials the pair chose ("MasterUserPassword", "ManageMasterUserPassword", or x\'s)', async () => {
    const secret = await oneNight({ mode: 'secret', secretArn: SECRET, passwordKey: 'password' });
    try {
      expect((await secret.history(Y)).map((r) => r.status)).toEqual(['succeeded']);
      const value = JSON.parse(secret.secrets.secrets.get(SECRET)?.value ?? '{}') as { password: string };
      expect(secret.rds.masterPassword(Y)).toBe(value.password);
      expect(secret.rds.masterPassword(Y)).not.toBe(sourcePassword(secret.pairs[0]!));
    } finally {
      await secret.close();
    }

    const managed = await oneNight({ mode: 'managed' });
    try {
      expect((await managed.history(Y)).map((r) => r.status)).toEqual(['succeeded']);
      const arn = managed.rds.instances.get(Y)?.MasterUserSecret?.SecretArn ?? '';
      expect(arn).toMatch(/:secret:rds!db-/);
      const value = JSON.parse(managed.secrets.secrets.get(arn)?.value ?? '{}') as { password: string };
      expect(managed.rds.masterPassword(Y)).toBe(value.password);
      // The old y's secret went with the old y; applications find the new one in the parameter.
      expect(managed.secrets.purged.map((s) => s.name)).toContain(`rds!db-seed-${Y}`);
      expect(managed.ssm.parameters.get(`/replica-refresh/${Y}/master-user-secret-arn`)?.value).toBe(arn);
    } finally {
      await managed.close();
    }

    const source = await oneNight({ mode: 'source' });
    try {
      expect((await source.history(Y)).map((r) => r.status)).toEqual(['succeeded']);
      expect(source.rds.masterPassword(Y)).toBe(sourcePassword(source.pairs[0]!));
      expect(source.rds.calls.filter((c) => c.command === 'ModifyDBInstanceCommand' && ('MasterUserPassword' in c.input || 'ManageMasterUserPassword' in c.input))).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('refuses a "secret" pair whose secret does not exist ("ResourceNotFoundException") before y is deleted', async () => {
    const sim = await Simulation.create({ config, seed: 21, pairOverrides: { credentials: { mode: 'secret', secretArn: SECRET, passwordKey: 'password' } } });
    try {
      // Someone deleted the secret.
      sim.secrets.purge(SECRET);
      await sim.runNights(1);
      expect((await sim.history(Y)).map((r) => r.status)).toEqual(['refused']);
      expect(sim.rds.calls.filter((c) => c.command === 'DeleteDBInstanceCommand')).toHaveLength(0);
    } finally {
      await sim.close();
    }
  });
});
