/**
 * Sharing Aurora DB cluster snapshots between accounts in the simulated RDS, as AWS documents it (scripts/sim/sharing.ts,
 * scripts/sim/rds-clusters.ts): the owner (production, account A) shares manual cluster snapshots with
 * ModifyDBClusterSnapshotAttribute; the other account (a vault, B) lists them with IncludeShared, copies them (in its
 * region or, in one call, another, under its own key) and restores from them directly, encrypted ones too.
 */
import type { DBCluster, DBClusterSnapshot, DBClusterSnapshotAttributesResult, DBSnapshot } from '@aws-sdk/client-rds';
import {
  DBClusterSnapshotNotFoundFault,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  InvalidDBClusterSnapshotStateFault,
  InvalidRestoreFault,
  KMSKeyNotAccessibleFault,
  ModifyDBClusterSnapshotAttributeCommand,
  RDSClient,
  SharedSnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { answerFromSimulator } from '../../../scripts/sim/middleware';
import type { SimRds } from '../../../scripts/sim/rds';
import { FIXED_CLUSTER_TIMINGS, FIXED_TIMINGS, OWNER, VAULT_ACCOUNT, twoAccounts } from '../../support/regions';

/** The owner (production) and the vault account. */
const A = OWNER;
const B = VAULT_ACCOUNT;
const SRC = 'eu-west-1';
const DST = 'eu-central-1';
const AT = new Date('2026-11-20T00:10:00Z');
const PG = 'aurora-postgresql';

/**
 * Two accounts, each with RDS in two regions and its own KMS; A has three Aurora clusters (unencrypted, under a customer
 * managed key, under aws/rds), each with a manual cluster snapshot `<cluster>-snap`.
 */
function cloud() {
  const { clock, kms, at, keys } = twoAccounts(FIXED_TIMINGS, FIXED_CLUSTER_TIMINGS);
  const a = at(A, SRC);
  const cluster = (id: string, kmsKeyId: string | undefined) => {
    a.clusters.seedCluster({ id, engine: PG, engineVersion: '16.6', kmsKeyId, masterUsername: 'xadmin', masterPassword: `${id}-secret`, members: [{ id: `${id}-1`, instanceClass: 'db.r6g.large' }] });
    return a.clusters.seedClusterSnapshot(id, `${id}-snap`, 'manual', AT, [{ Key: 'team', Value: 'orders' }]);
  };
  const snaps = { plain: cluster('plain', undefined), cmk: cluster('cmk', keys.share), aws: cluster('aws', keys.awsRds) };
  const share = (id: string, add: string[] = [B], remove: string[] = []) =>
    a.handle('ModifyDBClusterSnapshotAttributeCommand', { DBClusterSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: add, ValuesToRemove: remove });
  const arn = (id: string) => a.arn('cluster-snapshot', id);
  /** Runs the clock forward by `s` seconds. */
  const after = (s: number) => clock.run(clock.millis + s * 1000);
  return { clock, kms, a, aDst: at(A, DST), b: at(B, SRC), bDst: at(B, DST), keys, snaps, share, arn, after };
}

/** An SDK client of `rds`'s account and region whose commands the simulator answers. */
function client(rds: SimRds): RDSClient {
  const c = new RDSClient({ region: rds.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  answerFromSimulator(c, (command, input) => rds.handle(command, input));
  return c;
}

const attributes = (out: Record<string, unknown>) => out.DBClusterSnapshotAttributesResult as DBClusterSnapshotAttributesResult;
const restoreValues = (out: Record<string, unknown>) => attributes(out).DBClusterSnapshotAttributes?.[0]?.AttributeValues;
const listed = (out: Record<string, unknown>) => out.DBClusterSnapshots as DBClusterSnapshot[];

describe('ModifyDBClusterSnapshotAttribute and DescribeDBClusterSnapshotAttributes', () => {
  it("shares a manual cluster snapshot through the SDK's commands, answers DBClusterSnapshotAttributesResult, and reads back, adds, dedupes and removes accounts", async () => {
    const { a, b, arn } = cloud();
    const rds = client(a);
    const describe = () => rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: 'plain-snap' }));
    expect((await describe()).DBClusterSnapshotAttributesResult).toEqual({ DBClusterSnapshotIdentifier: 'plain-snap', DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [] }] });
    const modify = (add: string[], remove: string[] = []) =>
      rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'plain-snap', AttributeName: 'restore', ValuesToAdd: add, ValuesToRemove: remove }));
    expect((await modify([B, '333333333333'])).DBClusterSnapshotAttributesResult).toEqual({
      DBClusterSnapshotIdentifier: 'plain-snap',
      DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [B, '333333333333'] }],
    });
    expect((await modify([B], ['333333333333'])).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues).toEqual([B]);
    // An unencrypted cluster snapshot can be made public.
    expect((await modify(['all'])).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues).toEqual([B, 'all']);
    expect((await describe()).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues).toEqual([B, 'all']);
    // The other account sees it through its own SDK client, by the owner's ARN.
    const seen = await client(b).send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }));
    expect(seen.DBClusterSnapshots?.map((s) => [s.DBClusterSnapshotIdentifier, s.SnapshotType])).toEqual([[arn('plain-snap'), 'shared']]);
    expect((await modify([], [B, 'all'])).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.[0]?.AttributeValues).toEqual([]);
    await expect(rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: 'nope' }))).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await expect(rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'nope', AttributeName: 'restore', ValuesToAdd: [B] }))).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await expect(rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'plain-snap', AttributeName: 'copy', ValuesToAdd: [B] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('refuses to share an automated cluster snapshot (InvalidDBClusterSnapshotStateFault), though its attributes can be read', async () => {
    const { a, share } = cloud();
    const auto = a.clusters.takeAutomatedClusterSnapshot('plain')!;
    const autoId = auto.DBClusterSnapshotIdentifier!;
    a.clusters.seedClusterSnapshot('plain', 'rds:plain-2026-11-20-00-10', 'automated', AT);
    await expect(share('rds:plain-2026-11-20-00-10')).rejects.toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    await expect(share(autoId)).rejects.toBeInstanceOf(InvalidDBClusterSnapshotStateFault);
    expect(attributes(await a.handle('DescribeDBClusterSnapshotAttributesCommand', { DBClusterSnapshotIdentifier: 'rds:plain-2026-11-20-00-10' })).DBClusterSnapshotAttributes).toEqual([
      { AttributeName: 'restore', AttributeValues: [] },
    ]);
  });

  it('refuses to share a cluster snapshot that is not available (InvalidDBClusterSnapshotStateFault while creating)', async () => {
    const { a, share, after } = cloud();
    await a.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'plain', DBClusterSnapshotIdentifier: 'fresh' });
    await expect(share('fresh')).rejects.toMatchObject({ name: 'InvalidDBClusterSnapshotStateFault', message: expect.stringContaining('not in available state') as unknown });
    await after(300);
    expect(restoreValues(await share('fresh'))).toEqual([B]);
  });

  it('refuses to share a cluster snapshot encrypted with the aws/rds default KMS key', async () => {
    const { a, b, keys, share, arn, after } = cloud();
    expect(a.clusters.snapshots.get('aws-snap')).toMatchObject({ StorageEncrypted: true, KmsKeyId: keys.awsRds });
    await expect(share('aws-snap')).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('aws/rds') as unknown });
    expect(restoreValues(await a.handle('DescribeDBClusterSnapshotAttributesCommand', { DBClusterSnapshotIdentifier: 'aws-snap' }))).toEqual([]);
    await expect(b.handle('DescribeDBClusterSnapshotsCommand', { DBClusterSnapshotIdentifier: arn('aws-snap') })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    // The documented workaround (Aurora User Guide, "Sharing encrypted snapshots"): copy under a customer managed key, share the copy.
    await a.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: 'aws-snap', TargetDBClusterSnapshotIdentifier: 'aws-snap-cmk', KmsKeyId: 'alias/share' });
    await after(300);
    expect(a.clusters.snapshots.get('aws-snap-cmk')).toMatchObject({ Status: 'available', KmsKeyId: keys.share });
    expect(restoreValues(await share('aws-snap-cmk'))).toEqual([B]);
  });

  it('refuses to make an encrypted cluster snapshot public (all) but shares it with account IDs', async () => {
    const { a, share } = cloud();
    await expect(share('cmk-snap', ['all'])).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('public') as unknown });
    await expect(share('cmk-snap', [B, 'all'])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(restoreValues(await a.handle('DescribeDBClusterSnapshotAttributesCommand', { DBClusterSnapshotIdentifier: 'cmk-snap' }))).toEqual([]);
    expect(restoreValues(await share('cmk-snap', [B]))).toEqual([B]);
  });

  it('takes only 12-digit account IDs or all (InvalidParameterValue otherwise)', async () => {
    const { share } = cloud();
    for (const bad of ['12345', 'abcdefghijkl', '1234567890123', 'ALL']) await expect(share('plain-snap', [bad])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(share('plain-snap', [], ['12345'])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(restoreValues(await share('plain-snap', ['012345678901']))).toEqual(['012345678901']);
  });

  it('shares with at most 20 accounts: the 21st is refused (SharedSnapshotQuotaExceededFault); all is not an account', async () => {
    const { a, share } = cloud();
    const accounts = Array.from({ length: 21 }, (_, i) => String(300000000000 + i));
    expect(restoreValues(await share('plain-snap', accounts.slice(0, 20)))).toHaveLength(20);
    await expect(share('plain-snap', [accounts[20]!])).rejects.toBeInstanceOf(SharedSnapshotQuotaExceededFault);
    expect(restoreValues(await a.handle('DescribeDBClusterSnapshotAttributesCommand', { DBClusterSnapshotIdentifier: 'plain-snap' }))).toHaveLength(20);
    expect(restoreValues(await share('plain-snap', ['all']))).toHaveLength(21);
    // Replacing one account in the same call stays within the quota.
    expect(restoreValues(await share('plain-snap', [accounts[20]!], [accounts[0]!]))).toContain(accounts[20]);
  });

  it('keeps the restore attribute with its snapshot: deleted with it, and a new snapshot of the same name starts unshared', async () => {
    const { a, b, share, arn, after } = cloud();
    await share('plain-snap');
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { IncludeShared: true }))).toHaveLength(1);
    await a.handle('DeleteDBClusterSnapshotCommand', { DBClusterSnapshotIdentifier: 'plain-snap' });
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { IncludeShared: true }))).toEqual([]);
    await expect(b.handle('DescribeDBClusterSnapshotsCommand', { DBClusterSnapshotIdentifier: arn('plain-snap') })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await a.handle('CreateDBClusterSnapshotCommand', { DBClusterIdentifier: 'plain', DBClusterSnapshotIdentifier: 'plain-snap' });
    await after(300);
    expect(restoreValues(await a.handle('DescribeDBClusterSnapshotAttributesCommand', { DBClusterSnapshotIdentifier: 'plain-snap' }))).toEqual([]);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { IncludeShared: true }))).toEqual([]);
  });
});

describe("the other account's view of shared cluster snapshots", () => {
  it('keeps an unshared cluster snapshot invisible to the other account, by ARN and in every listing, until it is shared', async () => {
    const { b, share, arn } = cloud();
    await expect(b.handle('DescribeDBClusterSnapshotsCommand', { DBClusterSnapshotIdentifier: arn('plain-snap') })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await expect(b.handle('DescribeDBClusterSnapshotsCommand', { DBClusterSnapshotIdentifier: 'plain-snap' })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { IncludeShared: true, IncludePublic: true }))).toEqual([]);
    await expect(b.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('plain-snap'), TargetDBClusterSnapshotIdentifier: 'c' })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await expect(b.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: arn('plain-snap'), Engine: PG })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    // Shared with another account only: still invisible to B.
    await share('plain-snap', ['333333333333']);
    await expect(b.handle('DescribeDBClusterSnapshotsCommand', { DBClusterSnapshotIdentifier: arn('plain-snap') })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    await share('plain-snap');
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { DBClusterSnapshotIdentifier: arn('plain-snap') }))[0]).toMatchObject({ DBClusterSnapshotIdentifier: arn('plain-snap'), SnapshotType: 'shared' });
  });

  it('lists cluster snapshots shared with it only with IncludeShared, named by the owner ARN, without the owner tags', async () => {
    const { a, b, bDst, share, arn } = cloud();
    await share('plain-snap');
    const shared = listed(await b.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }));
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({
      DBClusterSnapshotIdentifier: arn('plain-snap'),
      DBClusterSnapshotArn: arn('plain-snap'),
      SnapshotType: 'shared',
      DBClusterIdentifier: 'plain',
      Status: 'available',
      StorageEncrypted: false,
      Engine: PG,
      TagList: [],
    });
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', {}))).toEqual([]);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'shared' }))).toEqual([]);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'manual', IncludeShared: true }))).toEqual([]);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { IncludeShared: true })).map((s) => s.DBClusterSnapshotIdentifier)).toEqual([arn('plain-snap')]);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { IncludeShared: true, Filters: [{ Name: 'db-cluster-id', Values: [a.arn('cluster', 'plain')] }] }))).toHaveLength(1);
    // Only in the snapshot's region: B's other region does not list it.
    expect(listed(await bDst.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }))).toEqual([]);
    // The owner's own listing and tags are unchanged by sharing.
    expect(listed(await a.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'manual' })).map((s) => s.DBClusterSnapshotIdentifier).sort()).toEqual(['aws-snap', 'cmk-snap', 'plain-snap']);
    expect(a.clusters.snapshots.get('plain-snap')?.TagList).toEqual([{ Key: 'team', Value: 'orders' }]);
    // Unshared again: gone for B.
    await share('plain-snap', [], [B]);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }))).toEqual([]);
  });

  it('lists public cluster snapshots with IncludePublic as public, not as shared', async () => {
    const { b, share, arn } = cloud();
    await share('plain-snap', ['all']);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true }))).toEqual([]);
    const pub = listed(await b.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'public', IncludePublic: true }));
    expect(pub.map((s) => [s.DBClusterSnapshotIdentifier, s.SnapshotType])).toEqual([[arn('plain-snap'), 'public']]);
  });
});

describe('CopyDBClusterSnapshot from a shared cluster snapshot', () => {
  it("copies an unencrypted shared cluster snapshot into a manual snapshot the other account owns, with the snapshot's master password", async () => {
    const { a, b, share, arn, after } = cloud();
    await share('plain-snap');
    // Named by its identifier, it is not B's: not found.
    await expect(b.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: 'plain-snap', TargetDBClusterSnapshotIdentifier: 'vault-plain' })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    const out = (await b.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('plain-snap'), TargetDBClusterSnapshotIdentifier: 'vault-plain' })) as { DBClusterSnapshot: DBClusterSnapshot };
    expect(out.DBClusterSnapshot).toMatchObject({
      DBClusterSnapshotIdentifier: 'vault-plain',
      DBClusterSnapshotArn: `arn:aws:rds:${SRC}:${B}:cluster-snapshot:vault-plain`,
      SnapshotType: 'manual',
      Status: 'copying',
      SourceDBClusterSnapshotArn: arn('plain-snap'),
      StorageEncrypted: false,
    });
    // Not a cross-region copy.
    expect(b.clusters.crossRegionCopiesInFlight()).toBe(0);
    await after(300);
    expect(b.clusters.snapshots.get('vault-plain')).toMatchObject({ Status: 'available', PercentProgress: 100, SnapshotCreateTime: AT, DBClusterIdentifier: 'plain' });
    expect(b.clusters.snapshotPassword('vault-plain')).toBe('plain-secret');
    expect(a.clusters.snapshots.has('vault-plain')).toBe(false);
  });

  it('refuses to copy an encrypted shared cluster snapshot without a KmsKeyId (KMSKeyNotAccessibleFault)', async () => {
    const { kms, b, keys, share, arn } = cloud();
    await share('cmk-snap');
    kms.a.admit(keys.share, B);
    await expect(b.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('cmk-snap'), TargetDBClusterSnapshotIdentifier: 'c1' })).rejects.toMatchObject({
      name: 'KMSKeyNotAccessibleFault',
      message: 'The target KMS key [None] does not exist, is not enabled or you do not have permissions to access it.',
    });
    expect(b.clusters.snapshots.has('c1')).toBe(false);
  });

  it("refuses to copy an encrypted shared cluster snapshot whose key policy does not admit the copying account, then copies it under the copier's key once it does", async () => {
    const { kms, b, keys, share, arn, after } = cloud();
    await share('cmk-snap');
    const copy = (target: string, extra: Record<string, unknown> = {}) => b.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('cmk-snap'), TargetDBClusterSnapshotIdentifier: target, ...extra });
    await expect(copy('c1', { KmsKeyId: 'alias/vault' })).rejects.toMatchObject({
      name: 'KMSKeyNotAccessibleFault',
      message: `The source snapshot KMS key [${keys.share}] does not exist, is not enabled or you do not have permissions to access it.`,
    });
    kms.a.admit(keys.share, B);
    await expect(copy('c1', { KmsKeyId: 'alias/missing' })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    const out = (await copy('c1', { KmsKeyId: 'alias/vault' })) as { DBClusterSnapshot: DBClusterSnapshot };
    expect(out.DBClusterSnapshot).toMatchObject({ DBClusterSnapshotArn: `arn:aws:rds:${SRC}:${B}:cluster-snapshot:c1`, SnapshotType: 'manual', StorageEncrypted: true, KmsKeyId: keys.vault, SourceDBClusterSnapshotArn: arn('cmk-snap') });
    // A key of the owner's that admits B may encrypt the copy too, named by its ARN.
    expect(((await copy('c2', { KmsKeyId: keys.share })) as { DBClusterSnapshot: DBClusterSnapshot }).DBClusterSnapshot.KmsKeyId).toBe(keys.share);
    // A disabled source key is no key.
    kms.a.keys.get(keys.share)!.enabled = false;
    await expect(copy('c3', { KmsKeyId: 'alias/vault' })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await after(300);
    expect(b.clusters.snapshots.get('c1')).toMatchObject({ Status: 'available', StorageEncrypted: true, KmsKeyId: keys.vault });
    expect(b.clusters.snapshotPassword('c1')).toBe('cmk-secret');
  });

  it("copies a shared cluster snapshot across accounts and regions in one call, under the copier's key of the destination region", async () => {
    const { kms, bDst, keys, share, arn, after } = cloud();
    await share('plain-snap');
    await share('cmk-snap');
    kms.a.admit(keys.share, B);
    const plain = (await bDst.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('plain-snap'), TargetDBClusterSnapshotIdentifier: 'dr-plain' })) as { DBClusterSnapshot: DBClusterSnapshot };
    expect(plain.DBClusterSnapshot).toMatchObject({ DBClusterSnapshotArn: `arn:aws:rds:${DST}:${B}:cluster-snapshot:dr-plain`, SourceDBClusterSnapshotArn: arn('plain-snap'), Status: 'copying' });
    expect(bDst.clusters.crossRegionCopiesInFlight()).toBe(1);
    // Encrypted: a key is needed, and it must be of the destination region (KMS keys never leave their region).
    await expect(bDst.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('cmk-snap'), TargetDBClusterSnapshotIdentifier: 'dr-cmk' })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await expect(bDst.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('cmk-snap'), TargetDBClusterSnapshotIdentifier: 'dr-cmk', KmsKeyId: keys.vault })).rejects.toBeInstanceOf(KMSKeyNotAccessibleFault);
    await bDst.handle('CopyDBClusterSnapshotCommand', { SourceDBClusterSnapshotIdentifier: arn('cmk-snap'), TargetDBClusterSnapshotIdentifier: 'dr-cmk', KmsKeyId: 'alias/vault' });
    expect(bDst.clusters.crossRegionCopiesInFlight()).toBe(2);
    await after(1800);
    expect(bDst.clusters.snapshots.get('dr-plain')).toMatchObject({ Status: 'available', SnapshotType: 'manual', StorageEncrypted: false });
    expect(bDst.clusters.snapshots.get('dr-cmk')).toMatchObject({ Status: 'available', SnapshotType: 'manual', StorageEncrypted: true, KmsKeyId: keys.vaultDst, SourceDBClusterSnapshotArn: arn('cmk-snap') });
    expect(bDst.clusters.snapshotPassword('dr-cmk')).toBe('cmk-secret');
  });
});

describe('RestoreDBClusterFromSnapshot from a shared cluster snapshot', () => {
  it('restores directly from an unencrypted shared cluster snapshot named by its ARN, with its master user and password', async () => {
    const { a, b, share, arn, after } = cloud();
    await share('plain-snap');
    await expect(b.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: 'plain-snap', Engine: PG })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
    const out = (await b.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: arn('plain-snap'), Engine: PG })) as { DBCluster: DBCluster };
    expect(out.DBCluster).toMatchObject({ DBClusterArn: `arn:aws:rds:${SRC}:${B}:cluster:y`, Status: 'creating', MasterUsername: 'xadmin', StorageEncrypted: false, TagList: [] });
    expect(b.clusters.masterPassword('y')).toBe('plain-secret');
    await after(120);
    expect(b.clusters.clusters.get('y')?.Status).toBe('available');
    expect(a.clusters.clusters.has('y')).toBe(false);
  });

  it("restores directly from an encrypted shared cluster snapshot, as Aurora allows, once the snapshot's key admits the account", async () => {
    const { kms, b, bDst, keys, share, arn } = cloud();
    await share('cmk-snap');
    const restore = (id: string, extra: Record<string, unknown> = {}) => b.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: id, SnapshotIdentifier: arn('cmk-snap'), Engine: PG, ...extra });
    // Without access to the snapshot's key: refused, and no cluster.
    await expect(restore('y')).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault', message: expect.stringContaining(keys.share) as unknown });
    expect(b.clusters.clusters.has('y')).toBe(false);
    kms.a.admit(keys.share, B);
    // Not refused as an instance restore would be (InvalidRestoreFault): no copy is needed.
    const out = (await restore('y')) as { DBCluster: DBCluster };
    expect(out.DBCluster).toMatchObject({ DBClusterArn: `arn:aws:rds:${SRC}:${B}:cluster:y`, StorageEncrypted: true, KmsKeyId: keys.share, MasterUsername: 'xadmin' });
    expect(b.clusters.masterPassword('y')).toBe('cmk-secret');
    // Under the restoring account's own key when it names one.
    expect(((await restore('y2', { KmsKeyId: 'alias/vault' })) as { DBCluster: DBCluster }).DBCluster).toMatchObject({ StorageEncrypted: true, KmsKeyId: keys.vault });
    // A restore reads a snapshot of its own region: B's other region copies it first.
    await expect(bDst.handle('RestoreDBClusterFromSnapshotCommand', { DBClusterIdentifier: 'y', SnapshotIdentifier: arn('cmk-snap'), Engine: PG })).rejects.toBeInstanceOf(DBClusterSnapshotNotFoundFault);
  });
});

describe('DB instance snapshot sharing beside cluster sharing', () => {
  it('is unchanged: DB snapshots keep their own attribute, listing and encrypted-restore rule', async () => {
    const { a, b, keys, kms, share } = cloud();
    a.instances.set('inst', {
      DBInstanceIdentifier: 'inst',
      DBInstanceArn: a.arn('db', 'inst'),
      DBInstanceStatus: 'available',
      DbiResourceId: 'db-INST',
      DBInstanceClass: 'db.r6g.large',
      Engine: 'postgres',
      EngineVersion: '16.4',
      AllocatedStorage: 100,
      StorageType: 'gp3',
      MasterUsername: 'xadmin',
      StorageEncrypted: true,
      KmsKeyId: keys.share,
      BackupRetentionPeriod: 7,
    });
    a.seedSnapshot('inst', 'inst-snap', 'manual', AT);
    await share('cmk-snap');
    // Sharing a cluster snapshot shares no DB snapshot, and the other way round.
    expect(await b.handle('DescribeDBSnapshotsCommand', { IncludeShared: true })).toMatchObject({ DBSnapshots: [] });
    const out = await a.handle('ModifyDBSnapshotAttributeCommand', { DBSnapshotIdentifier: 'inst-snap', AttributeName: 'restore', ValuesToAdd: [B] });
    expect(out.DBSnapshotAttributesResult).toEqual({ DBSnapshotIdentifier: 'inst-snap', DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [B] }] });
    expect((await b.handle('DescribeDBSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true })).DBSnapshots as DBSnapshot[]).toHaveLength(1);
    expect(listed(await b.handle('DescribeDBClusterSnapshotsCommand', { SnapshotType: 'shared', IncludeShared: true })).map((s) => s.DBClusterSnapshotIdentifier)).toEqual([a.arn('cluster-snapshot', 'cmk-snap')]);
    // The instance rule still stands: a shared encrypted DB snapshot is copied, not restored.
    kms.a.admit(keys.share, B);
    await expect(b.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: a.arn('snapshot', 'inst-snap') })).rejects.toBeInstanceOf(InvalidRestoreFault);
    // And its state fault is still the DB snapshot's.
    await a.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: 'inst', DBSnapshotIdentifier: 'inst-fresh' });
    await expect(a.handle('ModifyDBSnapshotAttributeCommand', { DBSnapshotIdentifier: 'inst-fresh', AttributeName: 'restore', ValuesToAdd: [B] })).rejects.toMatchObject({
      name: 'InvalidDBSnapshotStateFault',
      message: 'Snapshot inst-fresh is not in available state (creating).',
    });
  });
});
