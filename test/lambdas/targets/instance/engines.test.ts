import { engineFamily, shapeRestore } from '../../../../lambdas/targets/instance/engines';
import { desiredSettings } from '../../../../lambdas/targets/instance/settings';
import { toInstanceView } from '../../../../lambdas/aws/rds';
import { yInstance } from '../../../support/fixtures';

const base = desiredSettings(toInstanceView(yInstance()).settings, {});

describe('engineFamily', () => {
  it.each([
    ['postgres', 'postgres'],
    ['mysql', 'mysql'],
    ['mariadb', 'mariadb'],
    ['oracle-ee', 'oracle'],
    ['oracle-se2-cdb', 'oracle'],
    ['sqlserver-se', 'sqlserver'],
    ['db2-se', 'db2'],
    ['custom-oracle-ee', 'other'],
  ])('%s is %s', (engine, family) => {
    expect(engineFamily(engine)).toBe(family);
  });
});

describe('shapeRestore: only what the engine accepts ("AllocatedStorage" and friends)', () => {
  it('sends no AllocatedStorage for SQL Server, whose restore takes the snapshot\'s size, and says so', () => {
    const { settings, notes } = shapeRestore('sqlserver-se', { ...base, storageType: 'gp3', iops: undefined, storageThroughput: undefined });
    expect(settings).not.toHaveProperty('allocatedStorage');
    expect(notes).toEqual(["AllocatedStorage not sent: RDS for SQL Server restores at the snapshot's size"]);
  });

  it.each(['oracle-ee', 'sqlserver-se', 'mariadb', 'db2-se'])('sends EngineLifecycleSupport to MySQL and PostgreSQL only, not %s', (engine) => {
    expect(shapeRestore(engine, { ...base, engineLifecycleSupport: 'open-source-rds-extended-support-disabled' }).settings).not.toHaveProperty('engineLifecycleSupport');
  });
  it.each(['mysql', 'postgres'])('keeps EngineLifecycleSupport for %s', (engine) => {
    expect(shapeRestore(engine, { ...base, engineLifecycleSupport: 'open-source-rds-extended-support-disabled' }).settings.engineLifecycleSupport).toBe('open-source-rds-extended-support-disabled');
  });

  it('sends DedicatedLogVolume only when y has one', () => {
    expect(shapeRestore('postgres', { ...base, dedicatedLogVolume: false }).settings).not.toHaveProperty('dedicatedLogVolume');
    expect(shapeRestore('postgres', { ...base, dedicatedLogVolume: true }).settings.dedicatedLogVolume).toBe(true);
  });

  it('drops a CA that RDS no longer issues, with a note', () => {
    const { settings, notes } = shapeRestore('postgres', { ...base, caCertificateIdentifier: 'rds-ca-2019' });
    expect(settings).not.toHaveProperty('caCertificateIdentifier');
    expect(notes[0]).toContain('rds-ca-2019');
    expect(shapeRestore('postgres', { ...base, caCertificateIdentifier: 'rds-ca-ecc384-g1' }).settings.caCertificateIdentifier).toBe('rds-ca-ecc384-g1');
  });

  it('brings io1 IOPS back into 0.5-50 per GiB when the snapshot grew y, and uses 1-50 for SQL Server', () => {
    const grown = { ...base, storageType: 'io1', allocatedStorage: 1000, iops: 400, storageThroughput: undefined };
    expect(shapeRestore('postgres', grown).settings.iops).toBe(500);
    expect(shapeRestore('sqlserver-ee', { ...grown, allocatedStorage: 1000 }).settings.iops).toBe(1000);
    expect(shapeRestore('postgres', { ...grown, iops: 3000 }).notes).toEqual([]);
  });

  it('keeps gp3 throughput within 0.25 MiB/s per IOPS', () => {
    const { settings } = shapeRestore('postgres', { ...base, storageType: 'gp3', allocatedStorage: 500, iops: 12000, storageThroughput: 4000 });
    expect(settings.storageThroughput).toBe(3000);
  });

  it('changes nothing for a PostgreSQL y that RDS accepts as it is', () => {
    expect(shapeRestore('postgres', base)).toEqual({ settings: { ...base, dedicatedLogVolume: undefined }, notes: [] });
  });
});
