/**
 * Sharing DB snapshots between accounts in the simulated RDS, as AWS documents it (scripts/sim/sharing.ts): the owner
 * (production, account A) shares manual snapshots with ModifyDBSnapshotAttribute; the other account (a vault, B) lists
 * them with IncludeShared, copies them (in its region or, in one call, another) and restores from unencrypted ones.
 */
import type { DBSnapshot, DBSnapshotAttributesResult } from '@aws-sdk/client-rds';
import { DBSnapshotNotFoundFault, InvalidDBSnapshotStateFault, InvalidRestoreFault, KMSKeyNotAccessibleFault, SharedSnapshotQuotaExceededFault } from '@aws-sdk/client-rds';
import type { EmittedEvent } from '../../../scripts/sim/rds';
import { FIXED_TIMINGS, OWNER, VAULT_ACCOUNT, twoAccounts } from '../../support/regions';

/** The owner (production) and the vault account. */
const A = OWNER;
const B = VAULT_ACCOUNT;
const SRC = 'eu-west-1';
const DST = 'eu-central-1';
const AT = new Date('2026-11-20T00:10:00Z');

/** Two accounts, each with RDS in two regions and its own KMS; A has an unencrypted, a customer-key and an aws/rds instance. */
function cloud() {
  const { clock, kms, at, keys } = twoAccounts(FIXED_TIMINGS);
  const a = at(A, SRC);
  const instance = (id: string, kmsKeyId: string | undefined) => {
    a.instances.set(id, {
      DBInstanceIdentifier: id,
      DBInstanceArn: a.arn('db', id),
      DBInstanceStatus: 'available',
      DbiResourceId: `db-${id.toUpperCase()}`,
      DBInstanceClass: 'db.r6g.large',
      Engine: 'postgres',
      EngineVersion: '16.4',
      AllocatedStorage: 100,
      StorageType: 'gp3',
      MasterUsername: 'xadmin',
      StorageEncrypted: kmsKeyId !== undefined,
      KmsKeyId: kmsKeyId,
      BackupRetentionPeriod: 7,
    });
    a.seedPassword(a.instances.get(id)!, `${id}-secret`);
    return a.seedSnapshot(id, `${id}-snap`, 'manual', AT);
  };
  const snaps = { plain: instance('plain', undefined), cmk: instance('cmk', keys.share), aws: instance('aws', keys.awsRds) };
  const share = (id: string, add: string[] = [B], remove: string[] = []) =>
    a.handle('ModifyDBSnapshotAttributeCommand', { DBSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: add, ValuesToRemove: remove });
  /** What the SDK sends for a copy from another region: the source ARN and a URL presigned for the source region. */
  const presigned = (arn: string, target: string, extra: Record<string, unknown> = {}) => ({
    SourceDBSnapshotIdentifier: arn,
    TargetDBSnapshotIdentifier: target,
    PreSignedUrl: `https://rds.${SRC}.amazonaws.com/?Action=CopyDBSnapshot&DestinationRegion=${DST}&SourceDBSnapshotIdentifier=${encodeURIComponent(arn)}&X-Amz-Credential=${encodeURIComponent(`SIM/20261121/${SRC}/rds/aws4_request`)}`,
    ...extra,
  });
  return { clock, kms, a, aDst: at(A, DST), b: at(B, SRC), bDst: at(B, DST), keys, snaps, share, presigned };
}

const attributes = (out: Record<string, unknown>) => out.DBSnapshotAttributesResult as DBSnapshotAttributesResult;
const listed = (out: Record<string, unknown>) => out.DBSnapshots as DBSnapshot[];

describe('KMS key policies for cross-account use', () => {
  it('admits the accounts a customer managed key policy names; aws/rds is AWS managed, admits no one, and its policy cannot change', () => {
    const { kms, keys } = cloud();
    expect(kms.a.keys.get(keys.awsRds)).toMatchObject({ manager: 'AWS', aliases: ['aws/rds'], region: SRC });
    expect(kms.a.isAwsManaged(keys.awsRds)).toBe(true);
    expect(kms.a.isAwsManaged(keys.share)).toBe(false);
    expect(kms.a.resolve('alias/aws/rds', SRC)?.arn).toBe(keys.awsRds);
    expect(kms.a.admits(keys.share, A)).toBe(true);
    expect(kms.a.admits(keys.share, B)).toBe(false);
    kms.a.admit(keys.share, B);
    expect(kms.a.admits(keys.share, B)).toBe(true);
    expect(() => kms.a.admit(keys.awsRds, B)).toThrow(/AWS managed/);
    expect(kms.a.admits(keys.awsRds, B)).toBe(false);
  });

  it('lets another account resolve an admitting key only by its ARN, in its region, while enabled', () => {
    const { kms, keys } = cloud();
    expect(kms.a.resolve(keys.share, SRC, B)).toBeUndefined();
    kms.a.admit(keys.share, B);
    expect(kms.a.resolve(keys.share, SRC, B)?.arn).toBe(keys.share);
    expect(kms.a.resolve(`arn:aws:kms:${SRC}:${A}:alias/share`, SRC, B)?.arn).toBe(keys.share);
    expect(kms.a.resolve('alias/share', SRC, B)).toBeUndefined();
    expect(kms.a.resolve('a-share', SRC, B)).toBeUndefined();
    expect(kms.a.resolve(keys.share, DST, B)).toBeUndefined();
    kms.a.keys.get(keys.share)!.enabled = false;
    expect(kms.a.resolve(keys.share, SRC, B)).toBeUndefined();
    // Its own account's calls resolve as before.
    expect(kms.b.resolve('alias/vault', DST)?.arn).toBe(kms.b.create(DST, 'b-vault-dst'));
  });
});

describe('ModifyDBSnapshotAttribute and DescribeDBSnapshotAttributes', () => {
  it('shares a manual snapshot, answers DBSnapshotAttributesResult, and reads back, adds, dedupes and removes accounts', async () => {
    const { a, share } = cloud();
    expect(attributes(await a.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: 'plain-snap' }))).toEqual({
      DBSnapshotIdentifier: 'plain-snap',
      DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [] }],
    });
    expect(attributes(await share('plain-snap', [B, '333333333333']))).toEqual({
      DBSnapshotIdentifier: 'plain-snap',
      DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [B, '333333333333'] }],
    });
    expect(attributes(await share('plain-snap', [B], ['333333333333'])).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([B]);
    // An unencrypted snapshot can be made public.
    expect(attributes(await share('plain-snap', ['all'])).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([B, 'all']);
    expect(attributes(await a.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: 'plain-snap' })).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([B, 'all']);
    expect(attributes(await share('plain-snap', [], [B, 'all'])).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([]);
    await expect(a.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: 'nope' })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await expect(share('nope')).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await expect(a.handle('ModifyDBSnapshotAttributeCommand', { DBSnapshotIdentifier: 'plain-snap', AttributeName: 'copy', ValuesToAdd: [B] })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('shares only manual snapshots: an automated one is refused (InvalidParameterValue on its rds: identifier), though its attributes can be read', async () => {
    const { a, share } = cloud();
    const auto = a.takeAutomatedSnapshot('plain')!;
    const autoId = auto.DBSnapshotIdentifier!;
    await expect(share(autoId)).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('DBSnapshotIdentifier is not a valid identifier') as unknown });
    expect(attributes(await a.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: autoId })).DBSnapshotAttributes).toEqual([{ AttributeName: 'restore', AttributeValues: [] }]);
    // A non-manual snapshot whose identifier would pass is still not shared.
    a.seedSnapshot('plain', 'odd-automated', 'automated', AT);
    await expect(share('odd-automated')).rejects.toBeInstanceOf(InvalidDBSnapshotStateFault);
  });

  it('shares only available snapshots (InvalidDBSnapshotState while creating)', async () => {
    const { clock, a, share } = cloud();
    await a.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: 'plain', DBSnapshotIdentifier: 'fresh' });
    await expect(share('fresh')).rejects.toBeInstanceOf(InvalidDBSnapshotStateFault);
    await clock.run(clock.millis + 600_000 + 1000);
    expect(attributes(await share('fresh')).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([B]);
  });

  it('refuses to share a snapshot encrypted with the aws/rds default KMS key; a copy re-encrypted with a customer managed key can be shared', async () => {
    const { clock, a, b, keys, share } = cloud();
    expect(a.snapshots.get('aws-snap')).toMatchObject({ Encrypted: true, KmsKeyId: keys.awsRds });
    await expect(share('aws-snap')).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('aws/rds') as unknown });
    expect(attributes(await a.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: 'aws-snap' })).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([]);
    await expect(b.handle('DescribeDBSnapshotsCommand', { DBSnapshotIdentifier: a.arn('snapshot', 'aws-snap') })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    // The documented workaround: copy with a customer managed key, share the copy.
    await a.handle('CopyDBSnapshotCommand', { SourceDBSnapshotIdentifier: 'aws-snap', TargetDBSnapshotIdentifier: 'aws-snap-cmk', KmsKeyId: 'alias/share' });
    await clock.run(clock.millis + 1_800_000 + 1000);
    expect(attributes(await share('aws-snap-cmk')).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([B]);
  });

  it('refuses to make an encrypted snapshot public (all) but shares it with account IDs', async () => {
    const { a, share } = cloud();
    await expect(share('cmk-snap', ['all'])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(share('cmk-snap', [B, 'all'])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(attributes(await share('cmk-snap', [B])).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([B]);
    expect(attributes(await a.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: 'cmk-snap' })).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual([B]);
  });

  it('takes only 12-digit account IDs or all (InvalidParameterValue otherwise)', async () => {
    const { share } = cloud();
    for (const bad of ['12345', 'abcdefghijkl', '1234567890123', ' 222222222222', 'ALL']) await expect(share('plain-snap', [bad])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(share('plain-snap', [], ['12345'])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(attributes(await share('plain-snap', ['012345678901'])).DBSnapshotAttributes?.[0]?.AttributeValues).toEqual(['012345678901']);
  });

  it('shares with at most 20 accounts (SharedSnapshotQuotaExceededFault); all is not an account', async () => {
    const { a, share } = cloud();
    const accounts = Array.from({ length: 21 }, (_, i) => String(300000000000 + i));
    expect(attributes(await share('plain-snap', accounts.slice(0, 20))).DBSnapshotAttributes?.[0]?.AttributeValues).toHaveLength(20);
    await expect(share('plain-snap', [accounts[20]!])).rejects.toBeInstanceOf(SharedSnapshotQuotaExceededFault);
    expect(attributes(await a.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: 'plain-snap' })).DBSnapshotAttributes?.[0]?.AttributeValues).toHaveLength(20);
    expect(attributes(await share('plain-snap', ['all'])).DBSnapshotAttributes?.[0]?.AttributeValues).toHaveLength(21);
    // Replacing one account in the same call stays within the quota.
    expect(attributes(await share('plain-snap', [accounts[20]!], [accounts[0]!])).DBSnapshotAttributes?.[0]?.AttributeValues).toContain(accounts[20]);
  });
});

describe("the other account's view of shared snapshots", () => {
  it('lists snapshots shared with it only with IncludeShared, named by the owner ARN, and never unshared ones', async () => {
    const { a, b, bDst, share } = cloud();
    await share('plain-snap');
    const arn = a.arn('snapshot', 'plain-snap');
    const shared = listed(await b.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }));
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({ DBSnapshotIdentifier: arn, DBSnapshotArn: arn, SnapshotType: 'shared', DBInstanceIdentifier: 'plain', Status: 'available', Encrypted: false });
    expect(listed(await b.handle('DescribeDBSnapshotsCommand', {}))).toEqual([]);
    expect(listed(await b.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'shared' }))).toEqual([]);
    expect(listed(await b.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'manual', IncludeShared: true }))).toEqual([]);
    expect(listed(await b.handle('DescribeDBSnapshotsCommand', { IncludeShared: true })).map((s) => s.DBSnapshotIdentifier)).toEqual([arn]);
    // By its ARN; the owner's other snapshots do not exist for B, nor does the shared one in B's other region.
    expect(listed(await b.handle('DescribeDBSnapshotsCommand', { DBSnapshotIdentifier: arn }))[0]).toMatchObject({ DBSnapshotIdentifier: arn, SnapshotType: 'shared' });
    await expect(b.handle('DescribeDBSnapshotsCommand', { DBSnapshotIdentifier: a.arn('snapshot', 'cmk-snap') })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await expect(b.handle('DescribeDBSnapshotsCommand', { DBSnapshotIdentifier: 'plain-snap' })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    expect(listed(await bDst.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }))).toEqual([]);
    // The owner's own listing is unchanged by sharing.
    expect(listed(await a.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'manual' })).map((s) => s.DBSnapshotIdentifier).sort()).toEqual(['aws-snap', 'cmk-snap', 'plain-snap']);
    // Unshared again: gone for B.
    await share('plain-snap', [], [B]);
    expect(listed(await b.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }))).toEqual([]);
    await expect(b.handle('DescribeDBSnapshotsCommand', { DBSnapshotIdentifier: arn })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
  });

  it('lists public snapshots with IncludePublic as public, not as shared', async () => {
    const { a, b, share } = cloud();
    await share('plain-snap', ['all']);
    expect(listed(await b.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }))).toEqual([]);
    const pub = listed(await b.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'public', IncludePublic: true }));
    expect(pub.map((s) => [s.DBSnapshotIdentifier, s.SnapshotType])).toEqual([[a.arn('snapshot', 'plain-snap'), 'public']]);
  });
});

describe('CopyDBSnapshot from a shared snapshot', () => {
  it('copies an unencrypted shared snapshot into a manual snapshot the other account owns, copying then available after the copy time', async () => {
    const { clock, a, b, share } = cloud();
    const arn = a.arn('snapshot', 'plain-snap');
    await expect(b.handle('CopyDBSnapshotCommand', { SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'vault-plain' })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await share('plain-snap');
    await expect(b.handle('CopyDBSnapshotCommand', { SourceDBSnapshotIdentifier: 'plain-snap', TargetDBSnapshotIdentifier: 'vault-plain' })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    const started = clock.millis;
    const out = (await b.handle('CopyDBSnapshotCommand', { SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'vault-plain', CopyTags: true })) as { DBSnapshot: DBSnapshot };
    expect(out.DBSnapshot).toMatchObject({ DBSnapshotIdentifier: 'vault-plain', DBSnapshotArn: `arn:aws:rds:${SRC}:${B}:snapshot:vault-plain`, SnapshotType: 'manual', Status: 'copying', SourceDBSnapshotIdentifier: arn, Encrypted: false });
    expect(out.DBSnapshot.SourceRegion).toBeUndefined();
    expect(b.crossRegionCopiesInFlight()).toBe(0);
    await clock.run(started + 1_799_000);
    expect(b.snapshots.get('vault-plain')?.Status).toBe('copying');
    await clock.run(started + 1_800_000);
    expect(b.snapshots.get('vault-plain')).toMatchObject({ Status: 'available', PercentProgress: 100, OriginalSnapshotCreateTime: AT, DBInstanceIdentifier: 'plain' });
    expect(b.snapshotPassword('vault-plain')).toBe('plain-secret');
    // The owner's snapshot is untouched and still A's.
    expect(a.snapshots.get('plain-snap')).toMatchObject({ SnapshotType: 'manual', DBSnapshotArn: arn });
    expect(a.snapshots.has('vault-plain')).toBe(false);
  });

  it('copies an encrypted shared snapshot only with its own KmsKeyId and a source key that admits it (KMSKeyNotAccessibleFault otherwise)', async () => {
    const { clock, kms, a, b, keys, share } = cloud();
    const arn = a.arn('snapshot', 'cmk-snap');
    await share('cmk-snap');
    const copy = (target: string, extra: Record<string, unknown> = {}) => b.handle('CopyDBSnapshotCommand', { SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: target, ...extra });
    await expect(copy('c1')).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault', message: 'The target KMS key [None] does not exist, is not enabled or you do not have permissions to access it.' });
    await expect(copy('c1', { KmsKeyId: 'alias/vault' })).rejects.toMatchObject({
      name: 'KMSKeyNotAccessibleFault',
      message: `The source snapshot KMS key [${keys.share}] does not exist, is not enabled or you do not have permissions to access it.`,
    });
    kms.a.admit(keys.share, B);
    await expect(copy('c1', { KmsKeyId: 'alias/missing' })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    const out = (await copy('c1', { KmsKeyId: 'alias/vault' })) as { DBSnapshot: DBSnapshot };
    expect(out.DBSnapshot).toMatchObject({ DBSnapshotArn: `arn:aws:rds:${SRC}:${B}:snapshot:c1`, SnapshotType: 'manual', Encrypted: true, KmsKeyId: keys.vault, SourceDBSnapshotIdentifier: arn });
    // A key of the owner's that admits B may encrypt the copy too ("when the key policy grants access to the source and target accounts").
    expect(((await copy('c2', { KmsKeyId: keys.share })) as { DBSnapshot: DBSnapshot }).DBSnapshot.KmsKeyId).toBe(keys.share);
    // A disabled source key is no key.
    kms.a.keys.get(keys.share)!.enabled = false;
    await expect(copy('c3', { KmsKeyId: 'alias/vault' })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await clock.run(clock.millis + 1_800_000);
    expect(b.snapshots.get('c1')).toMatchObject({ Status: 'available', Encrypted: true, KmsKeyId: keys.vault });
  });

  it('copies a shared snapshot across accounts and regions in one call, encrypted ones too, with a key of the destination region', async () => {
    const { clock, kms, a, bDst, keys, share, presigned } = cloud();
    const events: EmittedEvent[] = [];
    bDst.eventBus.push((e) => void events.push(e));
    await share('plain-snap');
    await share('cmk-snap');
    kms.a.admit(keys.share, B);
    const plain = a.arn('snapshot', 'plain-snap');
    const cmk = a.arn('snapshot', 'cmk-snap');
    const out = (await bDst.handle('CopyDBSnapshotCommand', presigned(plain, 'dr-plain'))) as { DBSnapshot: DBSnapshot };
    expect(out.DBSnapshot).toMatchObject({ DBSnapshotArn: `arn:aws:rds:${DST}:${B}:snapshot:dr-plain`, SourceRegion: SRC, SourceDBSnapshotIdentifier: plain, Status: 'copying' });
    expect(bDst.crossRegionCopiesInFlight()).toBe(1);
    // Encrypted: a key of the destination region, and the URL presigned for the source region.
    await expect(bDst.handle('CopyDBSnapshotCommand', presigned(cmk, 'dr-cmk', { KmsKeyId: keys.vault }))).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await expect(bDst.handle('CopyDBSnapshotCommand', { ...presigned(cmk, 'dr-cmk', { KmsKeyId: 'alias/vault' }), PreSignedUrl: undefined })).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'PreSignedUrl could not be authenticated.' });
    await bDst.handle('CopyDBSnapshotCommand', presigned(cmk, 'dr-cmk', { KmsKeyId: 'alias/vault' }));
    await clock.run(clock.millis + 1_800_000 + 1000);
    expect(bDst.snapshots.get('dr-plain')).toMatchObject({ Status: 'available', SnapshotType: 'manual', Encrypted: false });
    expect(bDst.snapshots.get('dr-cmk')).toMatchObject({ Status: 'available', SnapshotType: 'manual', Encrypted: true, KmsKeyId: keys.vaultDst, SourceRegion: SRC });
    expect(events.filter((e) => e.sourceId === 'dr-plain').map((e) => e.eventId)).toEqual(['RDS-EVENT-0059', 'RDS-EVENT-0060']);
  });
});

describe('RestoreDBInstanceFromDBSnapshot from a shared snapshot', () => {
  it('restores directly from an unencrypted shared snapshot named by its ARN, with its master user and password', async () => {
    const { clock, a, b, share } = cloud();
    const arn = a.arn('snapshot', 'plain-snap');
    await expect(b.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: arn })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await share('plain-snap');
    await expect(b.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 'plain-snap' })).rejects.toBeInstanceOf(DBSnapshotNotFoundFault);
    await b.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: arn });
    expect(b.instances.get('y')).toMatchObject({ DBInstanceArn: `arn:aws:rds:${SRC}:${B}:db:y`, DBInstanceStatus: 'creating', MasterUsername: 'xadmin', StorageEncrypted: false, DBInstanceClass: 'db.r6g.large' });
    expect(b.masterPassword('y')).toBe('plain-secret');
    await clock.run(clock.millis + 1_200_000 + 600_000 + 1000);
    expect(b.instances.get('y')?.DBInstanceStatus).toBe('available');
    expect(a.instances.has('y')).toBe(false);
  });

  it('refuses to restore from an encrypted shared snapshot (InvalidRestoreFault): the other account copies it, then restores from the copy', async () => {
    const { clock, kms, a, b, keys, share } = cloud();
    await share('cmk-snap');
    kms.a.admit(keys.share, B);
    const arn = a.arn('snapshot', 'cmk-snap');
    await expect(b.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: arn })).rejects.toBeInstanceOf(InvalidRestoreFault);
    expect(b.instances.has('y')).toBe(false);
    await b.handle('CopyDBSnapshotCommand', { SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'vault-cmk', KmsKeyId: 'alias/vault' });
    await clock.run(clock.millis + 1_800_000 + 1000);
    await b.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 'vault-cmk' });
    expect(b.instances.get('y')).toMatchObject({ StorageEncrypted: true, KmsKeyId: keys.vault, MasterUsername: 'xadmin' });
    expect(b.masterPassword('y')).toBe('cmk-secret');
  });
});
