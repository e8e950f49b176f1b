/**
 * The vault's manifest (lambdas/vault/manifest.ts): what the inbox accepts (and how it names what it refuses), which of
 * x's settings travel to the vault, and the settings a recovery restores x with.
 */
import type { DBInstance } from '@aws-sdk/client-rds';
import { toInstanceView } from '../../../lambdas/aws/rds';
import { toClusterView } from '../../../lambdas/targets/cluster/view';
import type { Manifest } from '../../../lambdas/vault/manifest';
import { ManifestError, parseManifest, portableClusterSettings, portableSettings, portableSettingsSchema, recoveryClusterSettings, recoverySettings } from '../../../lambdas/vault/manifest';
import { yInstance } from '../../support/fixtures';

const x = toInstanceView(yInstance({ DBInstanceIdentifier: 'orders-prod', AssociatedRoles: [{ RoleArn: 'arn:aws:iam::111111111111:role/s3-import', FeatureName: 's3Import', Status: 'ACTIVE' }] }));

const manifest: Manifest = {
  version: 1,
  pairId: 'orders-staging',
  sourceInstanceId: 'orders-prod',
  sourceRegion: 'eu-west-1',
  sourceDbiResourceId: 'db-XPRODRESOURCEID00000000001',
  snapshotArn: 'arn:aws:rds:eu-central-1:111111111111:snapshot:orders-prod-2026-11-21-00-10',
  dataTime: '2026-11-21T00:10:00.000Z',
  sharedAt: '2026-11-21T01:00:00.000Z',
  engine: 'postgres',
  engineVersion: '16.4',
  settings: portableSettings(x.settings),
};

/** The message of the ManifestError that parsing `body` throws. */
function refusal(body: string): string {
  try {
    parseManifest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as Error).message;
  }
  throw new Error('parseManifest accepted the message');
}

describe('parseManifest', () => {
  it('reads back what the share function sends', () => {
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
    const { settings: _settings, engineVersion: _version, sourceDbiResourceId: _id, ...minimal } = manifest;
    expect(parseManifest(JSON.stringify(minimal))).toEqual(minimal);
  });

  it('fails on a message that is not JSON', () => {
    expect(refusal('{"version": 1,')).toMatch(/^the message is not JSON \(/);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a snapshot ARN that is no snapshot ARN', { snapshotArn: 'arn:aws:rds:eu-central-1:111111111111:db:orders-prod' }, 'snapshotArn: must be a DB snapshot or DB cluster snapshot ARN'],
    ['a kind that is neither', { kind: 'aurora' }, 'kind:'],
    ['cluster settings without members', { kind: 'cluster', clusterSettings: { iamDatabaseAuthentication: false, cloudwatchLogsExports: [], deletionProtection: false, copyTagsToSnapshot: true, backupRetentionPeriod: 7, tags: {}, members: [] } }, 'clusterSettings.members:'],
    ['a data time that is no time', { dataTime: 'yesterday' }, 'dataTime: must be an ISO 8601 time'],
    ['a shared time that is no time', { sharedAt: '' }, 'sharedAt: must be an ISO 8601 time'],
    ['another version', { version: 2 }, 'version:'],
    ['an empty pair id', { pairId: '' }, 'pairId:'],
    ['an empty engine', { engine: '' }, 'engine:'],
    ['settings without an instance class', { settings: { ...manifest.settings, instanceClass: '' } }, 'settings.instanceClass:'],
    ['settings with a string where a number goes', { settings: { ...manifest.settings, allocatedStorage: '400' } }, 'settings.allocatedStorage:'],
  ])('fails on %s, naming the field', (_what, change, field) => {
    expect(refusal(JSON.stringify({ ...manifest, ...change }))).toContain(field);
  });

  it('fails on a missing field, naming it', () => {
    const { snapshotArn: _arn, ...rest } = manifest;
    expect(refusal(JSON.stringify(rest))).toContain('snapshotArn:');
  });

  it('names every bad field at once', () => {
    const message = refusal(JSON.stringify({ ...manifest, pairId: '', dataTime: 'soon', settings: { ...manifest.settings, multiAz: 'yes' } }));
    expect(message).toContain('pairId:');
    expect(message).toContain('dataTime:');
    expect(message).toContain('settings.multiAz:');
  });

  it('fails on a field it does not know (production may not smuggle in settings the vault would restore with)', () => {
    expect(refusal(JSON.stringify({ ...manifest, settings: { ...manifest.settings, subnetGroupName: 'production-private' } }))).toContain('subnetGroupName');
    expect(refusal(JSON.stringify({ ...manifest, extra: true }))).toContain('extra');
  });

  it('fails on JSON that is no object', () => {
    expect(refusal('null')).toMatch(/^the message is no vault manifest: message:/);
    expect(refusal('[]')).toMatch(/^the message is no vault manifest: message:/);
  });
});

describe('portableSettings', () => {
  it("keeps the settings that mean the same in the vault, and none of production's groups, roles or keys", () => {
    const portable = portableSettings(x.settings);
    expect(portableSettingsSchema.parse(portable)).toEqual(portable);
    expect(portable).toMatchObject({
      instanceClass: 'db.r6g.large',
      multiAz: false,
      storageType: 'gp3',
      allocatedStorage: 400,
      maxAllocatedStorage: 1000,
      iops: 12000,
      storageThroughput: 500,
      port: 6543,
      iamDatabaseAuthentication: true,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      caCertificateIdentifier: 'rds-ca-rsa4096-g1',
      backupRetentionPeriod: 3,
      preferredBackupWindow: '01:00-01:30',
      preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
    });
    for (const key of ['subnetGroupName', 'vpcSecurityGroupIds', 'parameterGroupName', 'optionGroupName', 'monitoringRoleArn', 'monitoringInterval', 'performanceInsightsKmsKeyId', 'performanceInsightsEnabled', 'associatedRoles', 'proxyTargets', 'publiclyAccessible', 'availabilityZone']) {
      expect(Object.keys(portable)).not.toContain(key);
    }
  });

  it("copies x's lists and tags, so that a later change to x's view does not change the manifest", () => {
    const settings = { ...x.settings, cloudwatchLogsExports: ['postgresql'], tags: { team: 'orders' } };
    const portable = portableSettings(settings);
    settings.cloudwatchLogsExports.push('upgrade');
    settings.tags.team = 'changed';
    expect(portable.cloudwatchLogsExports).toEqual(['postgresql']);
    expect(portable.tags).toEqual({ team: 'orders' });
  });

  it('leaves out the optional settings x does not have', () => {
    const { storageType: _t, iops: _i, storageThroughput: _s, port: _p, ...bare } = x.settings;
    const portable = portableSettings(bare);
    for (const key of ['storageType', 'iops', 'storageThroughput', 'port']) expect(Object.keys(portable)).not.toContain(key);
  });
});

describe('recoverySettings', () => {
  const portable = portableSettings(x.settings);

  it("restores with x's settings in the vault's own groups, never public, without monitoring or Performance Insights", () => {
    const s = recoverySettings(portable, { subnetGroupName: 'vault-private', securityGroupIds: ['sg-0123456789abcdef0'], parameterGroupName: 'vault-pg16', optionGroupName: 'vault-og' });
    expect(s).toMatchObject({
      instanceClass: 'db.r6g.large',
      allocatedStorage: 400,
      subnetGroupName: 'vault-private',
      vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      parameterGroupName: 'vault-pg16',
      optionGroupName: 'vault-og',
      publiclyAccessible: false,
      monitoringInterval: 0,
      performanceInsightsEnabled: false,
    });
    expect(s.monitoringRoleArn).toBeUndefined();
    expect(s.associatedRoles).toBeUndefined();
  });

  it("uses RDS's defaults of the vault account when no placement is given", () => {
    const s = recoverySettings(portable, {});
    expect(s.vpcSecurityGroupIds).toEqual([]);
    for (const key of ['subnetGroupName', 'parameterGroupName', 'optionGroupName']) expect(Object.keys(s)).not.toContain(key);
  });
});

describe('an Aurora x in the vault', () => {
  const owned = { Key: 'replica-refresh:managed', Value: 'true' };
  const members: DBInstance[] = [
    {
      DBInstanceIdentifier: 'orders-aurora-1',
      DBClusterIdentifier: 'orders-aurora',
      DBInstanceStatus: 'available',
      DBInstanceClass: 'db.r6g.large',
      MonitoringInterval: 60,
      MonitoringRoleArn: 'arn:aws:iam::111111111111:role/monitoring',
      PerformanceInsightsEnabled: true,
      PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/pi',
      DBParameterGroups: [{ DBParameterGroupName: 'orders-pg16' }],
      TagList: [owned],
    },
    { DBInstanceIdentifier: 'orders-aurora-reader', DBClusterIdentifier: 'orders-aurora', DBInstanceStatus: 'available', DBInstanceClass: 'db.serverless', PromotionTier: 2, TagList: [] },
  ];
  const cluster = toClusterView(
    {
      DBClusterIdentifier: 'orders-aurora',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.6',
      Status: 'available',
      // The reader is listed first: the manifest puts the writer first.
      DBClusterMembers: [
        { DBInstanceIdentifier: 'orders-aurora-reader', IsClusterWriter: false },
        { DBInstanceIdentifier: 'orders-aurora-1', IsClusterWriter: true },
      ],
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-prod', Status: 'active' }],
      DBSubnetGroup: 'prod-subnets',
      DBClusterParameterGroup: 'orders-cluster-pg16',
      Port: 5432,
      BackupRetentionPeriod: 14,
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      TagList: [owned, { Key: 'team', Value: 'orders' }],
    },
    [...members].reverse(),
  );

  it("keeps the cluster's and its members' settings that mean the same in the vault, writer first, and none of production's groups, roles or keys", () => {
    const portable = portableClusterSettings(cluster.settings);
    expect(portable).toMatchObject({ port: 5432, backupRetentionPeriod: 14, preferredMaintenanceWindow: 'sun:04:00-sun:04:30', serverlessV2Scaling: { minCapacity: 0.5, maxCapacity: 8 } });
    expect(portable.members.map((m) => [m.writer, m.instanceClass])).toEqual([
      [true, 'db.r6g.large'],
      [false, 'db.serverless'],
    ]);
    const text = JSON.stringify(portable);
    for (const production of ['sg-prod', 'prod-subnets', 'orders-cluster-pg16', 'orders-pg16', 'role/monitoring', 'key/pi', 'orders-aurora-1']) expect(text).not.toContain(production);
    const m: Manifest = { ...manifest, kind: 'cluster', snapshotArn: 'arn:aws:rds:eu-central-1:111111111111:cluster-snapshot:orders-aurora-2026-11-21-00-10', clusterSettings: portable };
    delete m.settings;
    expect(parseManifest(JSON.stringify(m))).toEqual(m);
  });

  it("recovers with x's settings in the vault's own subnet group and security groups, its members named after the recovered cluster, never public, without monitoring", () => {
    const settings = recoveryClusterSettings(portableClusterSettings(cluster.settings), { subnetGroupName: 'vault-subnets', securityGroupIds: ['sg-vault'], parameterGroupName: 'vault-pg' }, 'orders-aurora-recovered');
    expect(settings).toMatchObject({ kind: 'cluster', subnetGroupName: 'vault-subnets', vpcSecurityGroupIds: ['sg-vault'], port: 5432, backupRetentionPeriod: 14 });
    expect(settings.clusterParameterGroupName).toBeUndefined();
    expect(settings.members.map((mm) => [mm.id, mm.writer, mm.instanceClass, mm.publiclyAccessible, mm.monitoringInterval, mm.performanceInsightsEnabled, mm.parameterGroupName])).toEqual([
      ['orders-aurora-recovered-1', true, 'db.r6g.large', false, 0, false, undefined],
      ['orders-aurora-recovered-2', false, 'db.serverless', false, 0, false, undefined],
    ]);
  });
});
