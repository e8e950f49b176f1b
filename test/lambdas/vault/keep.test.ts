/**
 * The vault's side (lambdas/vault/keep.ts), over fake ports: which shared snapshots the vault copies and how, which
 * of its copies it expires (never the newest `keepAtLeast`, never one it does not own), and what it measures.
 */
import type { CopyRequest } from '../../../lambdas/copy/plan';
import { PermanentRdsError, RetryableRdsError } from '../../../lambdas/kernel/errors';
import type { SnapshotView } from '../../../lambdas/kernel/model';
import type { Notification } from '../../../lambdas/kernel/ports';
import type { VaultPair, VaultRuntimeConfig } from '../../../lambdas/vault/config';
import type { VaultDeps } from '../../../lambdas/vault/keep';
import { copiesOf, expiredCopies, isSharedCopyOf, newestCopyAgeHours, planVaultCopy, receiveManifests, sweepVault, vaultCopyId } from '../../../lambdas/vault/keep';
import type { Manifest } from '../../../lambdas/vault/manifest';
import { VAULT_COPY_AGE_METRIC, VAULT_COPY_TAG, VAULT_PAIR_TAG, VAULT_SOURCE_TAG } from '../../../lambdas/vault/names';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { recordInto } from '../../support/harness';

const PRODUCTION = '111111111111';
const VAULT_ACCOUNT = '222222222222';
const VAULT_REGION = 'eu-west-2';
const REPLICA_REGION = 'eu-central-1';
const KEY = `arn:aws:kms:${VAULT_REGION}:${VAULT_ACCOUNT}:key/vault-key`;
const NOW = new Date('2026-12-31T12:00:00Z');
const DAY = 86_400_000;

const PAIR: VaultPair = { id: 'orders-staging', sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', replicaRegion: REPLICA_REGION };
const OTHER_PAIR: VaultPair = { id: 'billing-staging', sourceInstanceId: 'billing-prod', sourceRegion: 'eu-west-1', replicaRegion: REPLICA_REGION };
const CONFIG: VaultRuntimeConfig = {
  account: VAULT_ACCOUNT,
  region: VAULT_REGION,
  productionAccount: PRODUCTION,
  timeZone: 'Europe/Berlin',
  rpoHours: 26,
  retentionDays: 35,
  keepAtLeast: 3,
  pairs: [PAIR],
  keyArn: KEY,
  ledgerTableName: 'vault-ledger',
  notificationTopicArn: `arn:aws:sns:${VAULT_REGION}:${VAULT_ACCOUNT}:vault-notifications`,
};

const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

/** A snapshot production shared with the vault, as the vault lists it in y's region (named by its ARN). */
function shared(name: string, overrides: Partial<SnapshotView> = {}): SnapshotView {
  const arn = `arn:aws:rds:${REPLICA_REGION}:${PRODUCTION}:snapshot:${name}`;
  return { id: arn, arn, instanceId: 'orders-prod', type: 'shared', status: 'available', dataTime: daysAgo(1), encrypted: true, ...overrides };
}

/** One of the vault's own copies of a pair's x, with the vault's tags unless told otherwise. */
function own(name: string, dataDaysAgo: number | undefined, overrides: Partial<SnapshotView> = {}, pair: VaultPair = PAIR): SnapshotView {
  const id = `vault-${name}`;
  return {
    id,
    arn: `arn:aws:rds:${VAULT_REGION}:${VAULT_ACCOUNT}:snapshot:${id}`,
    instanceId: pair.sourceInstanceId,
    type: 'manual',
    status: 'available',
    ...(dataDaysAgo === undefined ? {} : { dataTime: daysAgo(dataDaysAgo) }),
    encrypted: true,
    kmsKeyId: KEY,
    tags: { [VAULT_COPY_TAG.key]: VAULT_COPY_TAG.value, [VAULT_PAIR_TAG]: pair.id, [VAULT_SOURCE_TAG]: `arn:aws:rds:${REPLICA_REGION}:${PRODUCTION}:snapshot:${name}` },
    ...overrides,
  };
}

describe('vaultCopyId', () => {
  it("is vault- and the shared snapshot's own name, a valid snapshot identifier", () => {
    expect(vaultCopyId(`arn:aws:rds:${REPLICA_REGION}:${PRODUCTION}:snapshot:orders-prod-2026-12-30-00-10`)).toBe('vault-orders-prod-2026-12-30-00-10');
    expect(vaultCopyId('Orders_Prod.Manual')).toBe('vault-orders-prod-manual');
    const long = vaultCopyId(`arn:aws:rds:${REPLICA_REGION}:${PRODUCTION}:snapshot:${'a'.repeat(255)}`);
    expect(long.length).toBeLessThanOrEqual(255);
    expect(long).toMatch(/^vault-a+$/);
  });
});

describe('isSharedCopyOf', () => {
  it("takes production's snapshots of x from y's region only", () => {
    expect(isSharedCopyOf(shared('orders-prod-2026-12-30-00-10'), PAIR, PRODUCTION)).toBe(true);
    expect(isSharedCopyOf(shared('orders-prod-2026-12-30-00-10', { arn: `arn:aws:rds:${REPLICA_REGION}:333333333333:snapshot:orders-prod-2026-12-30-00-10` }), PAIR, PRODUCTION)).toBe(false);
    expect(isSharedCopyOf(shared('orders-prod-2026-12-30-00-10', { arn: `arn:aws:rds:us-east-1:${PRODUCTION}:snapshot:orders-prod-2026-12-30-00-10` }), PAIR, PRODUCTION)).toBe(false);
    expect(isSharedCopyOf(shared('billing-prod-2026-12-30-00-10', { instanceId: 'billing-prod' }), PAIR, PRODUCTION)).toBe(false);
    expect(isSharedCopyOf(shared('orders-prod-2026-12-30-00-10', { arn: 'not-an-arn' }), PAIR, PRODUCTION)).toBe(false);
    // A cluster snapshot's ARN is not a DB snapshot's.
    expect(isSharedCopyOf(shared('x', { arn: `arn:aws:rds:${REPLICA_REGION}:${PRODUCTION}:cluster-snapshot:orders-prod-1` }), PAIR, PRODUCTION)).toBe(false);
  });

  it("takes an Aurora x's cluster snapshots only, and copies them as such", () => {
    const aurora: VaultPair = { ...PAIR, kind: 'cluster' };
    const clusterArn = `arn:aws:rds:${REPLICA_REGION}:${PRODUCTION}:cluster-snapshot:orders-prod-2026-12-30-00-10`;
    const clusterSnapshot = shared('x', { id: clusterArn, arn: clusterArn });
    expect(isSharedCopyOf(clusterSnapshot, aurora, PRODUCTION)).toBe(true);
    expect(isSharedCopyOf(shared('orders-prod-2026-12-30-00-10'), aurora, PRODUCTION)).toBe(false);
    expect(planVaultCopy(clusterSnapshot, aurora, CONFIG, new Set())).toMatchObject({ action: 'copy', request: { targetId: 'vault-orders-prod-2026-12-30-00-10', sourceArn: clusterArn, kmsKeyId: CONFIG.keyArn } });
    expect(planVaultCopy(clusterSnapshot, aurora, CONFIG, new Set(['cluster:vault-orders-prod-2026-12-30-00-10'])).action).toBe('skip');
  });

  it("takes only x's own snapshots when x's resource id is configured", () => {
    const withId: VaultPair = { ...PAIR, sourceDbiResourceId: 'db-XPRODRESOURCEID00000000001' };
    expect(isSharedCopyOf(shared('orders-prod-1', { dbiResourceId: 'db-XPRODRESOURCEID00000000001' }), withId, PRODUCTION)).toBe(true);
    expect(isSharedCopyOf(shared('orders-prod-1', { dbiResourceId: 'db-ANOTHERXCREATEDLATER000001' }), withId, PRODUCTION)).toBe(false);
    expect(isSharedCopyOf(shared('orders-prod-1'), withId, PRODUCTION)).toBe(false);
  });
});

describe('planVaultCopy', () => {
  it("copies an available shared snapshot of x into the vault under the vault's key, tagged as the vault's", () => {
    const s = shared('orders-prod-2026-12-30-00-10');
    expect(planVaultCopy(s, PAIR, CONFIG, new Set())).toEqual({
      action: 'copy',
      request: {
        targetId: 'vault-orders-prod-2026-12-30-00-10',
        sourceArn: s.arn,
        sourceRegion: REPLICA_REGION,
        kmsKeyId: KEY,
        tags: { [VAULT_COPY_TAG.key]: VAULT_COPY_TAG.value, [VAULT_SOURCE_TAG]: s.arn, [VAULT_PAIR_TAG]: PAIR.id },
      },
    });
  });

  it('skips what is in the vault already, what is not available yet, and what is not a copy of x', () => {
    const s = shared('orders-prod-2026-12-30-00-10');
    expect(planVaultCopy(s, PAIR, CONFIG, new Set(['instance:vault-orders-prod-2026-12-30-00-10'])).action).toBe('skip');
    // A DB cluster snapshot of that name is another resource: the DB snapshot is still copied.
    expect(planVaultCopy(s, PAIR, CONFIG, new Set(['cluster:vault-orders-prod-2026-12-30-00-10'])).action).toBe('copy');
    expect(planVaultCopy(shared('orders-prod-2026-12-30-00-10', { status: 'creating' }), PAIR, CONFIG, new Set()).action).toBe('skip');
    expect(planVaultCopy(s, OTHER_PAIR, CONFIG, new Set()).action).toBe('skip');
  });
});

describe('copiesOf', () => {
  it("lists the pair's copies that carry the vault's tag, newest data first", () => {
    const list = [
      own('a', 3),
      own('b', 1),
      own('c', 2),
      own('d', 0, {}, OTHER_PAIR),
      own('e', 0, { tags: { [VAULT_PAIR_TAG]: PAIR.id } }),
      own('f', 0, { tags: { [VAULT_COPY_TAG.key]: 'false', [VAULT_PAIR_TAG]: PAIR.id } }),
    ];
    expect(copiesOf(list, PAIR).map((c) => c.id)).toEqual(['vault-b', 'vault-c', 'vault-a']);
  });
});

describe('expiredCopies', () => {
  const opts = { retentionDays: 35, keepAtLeast: 3, now: NOW };
  const ids = (list: SnapshotView[]) => list.map((s) => s.id).sort();

  it('expires the available copies older than retention, beyond the newest keepAtLeast', () => {
    const list = [own('d1', 1), own('d10', 10), own('d36', 36), own('d40', 40), own('d34', 34)];
    expect(ids(expiredCopies(list, opts))).toEqual(['vault-d36', 'vault-d40']);
  });

  it('keeps the newest keepAtLeast copies however old: an outage of the pipeline never empties the vault', () => {
    const list = [own('d100', 100), own('d90', 90), own('d80', 80), own('d70', 70)];
    expect(ids(expiredCopies(list, opts))).toEqual(['vault-d100']);
    expect(expiredCopies(list, { ...opts, keepAtLeast: 4 })).toEqual([]);
    expect(expiredCopies(list.slice(0, 3), opts)).toEqual([]);
  });

  it('counts only available copies among those kept, and never expires a copy in flight, failed, or without a data time', () => {
    // The two newest are still copying: the three available old ones are the ones kept.
    const list = [own('new1', 0, { status: 'copying' }), own('new2', 0, { status: 'copying' }), own('d50', 50), own('d60', 60), own('d70', 70), own('d80', 80), own('failed', 90, { status: 'failed' }), own('nodata', undefined)];
    expect(ids(expiredCopies(list, opts))).toEqual(['vault-d80']);
  });

  it('keeps a copy exactly at the retention limit', () => {
    const list = [own('a', 0), own('b', 0), own('c', 0), own('limit', 35)];
    expect(expiredCopies(list, opts)).toEqual([]);
  });
});

describe('newestCopyAgeHours', () => {
  it("is the age of the newest available copy's data, in hours", () => {
    expect(newestCopyAgeHours([own('a', 2), own('b', 1), own('c', 0.5, { status: 'copying' })], NOW)).toBe(24);
    expect(newestCopyAgeHours([own('a', 1 / 3)], NOW)).toBe(8);
  });

  it('is undefined when the vault holds no available copy', () => {
    expect(newestCopyAgeHours([], NOW)).toBeUndefined();
    expect(newestCopyAgeHours([own('a', 1, { status: 'copying' }), own('b', undefined)], NOW)).toBeUndefined();
  });
});

/** Fake ports of the vault account, recording what the sweep did. */
function fake(state: { shared?: Record<string, SnapshotView[]>; own?: SnapshotView[]; copyFails?: (request: CopyRequest) => Error | 'already-exists' | undefined }) {
  const ownList = [...(state.own ?? [])];
  const copies: CopyRequest[] = [];
  const deleted: string[] = [];
  /** Every delete asked for, done or not. */
  const deleteRequests: string[] = [];
  let copyAttempts = 0;
  const listedIn: string[] = [];
  const manifests: Manifest[] = [];
  const alerts: Notification[] = [];
  const telemetry = new SimTelemetry(() => NOW);
  const deps: VaultDeps = {
    sharedIn: (region) => ({
      listSharedSnapshots: (owner) => {
        listedIn.push(`${region}/${owner}`);
        return Promise.resolve(state.shared?.[region] ?? []);
      },
    }),
    rds: {
      // Every manual snapshot, whatever the tag asked for: the sweep must not rely on the filter alone.
      listTaggedManualSnapshots: () => Promise.resolve([...ownList]),
      copySnapshot: (request) => {
        copyAttempts++;
        const outcome = state.copyFails?.(request);
        if (outcome instanceof Error) return Promise.reject(outcome);
        if (outcome === 'already-exists') return Promise.resolve('already-exists');
        copies.push(request);
        return Promise.resolve('started');
      },
      deleteOwnedSnapshot: ({ id }, tag) => {
        deleteRequests.push(id);
        const s = ownList.find((o) => o.id === id);
        if (!s) return Promise.resolve('gone');
        if (s.tags?.[tag.key] !== tag.value) return Promise.resolve('not-owned');
        deleted.push(id);
        return Promise.resolve('deleted');
      },
    },
    ledger: { putManifest: recordInto(manifests) },
    notifier: { publish: recordInto(alerts) },
    telemetry,
    now: () => NOW,
  };
  return { deps, copies, deleted, deleteRequests, listedIn, manifests, alerts, telemetry, copyAttempts: () => copyAttempts };
}

describe('sweepVault', () => {
  it("copies what production shared and the vault lacks, expires old copies, and reports the newest copy's age", async () => {
    const f = fake({
      shared: { [REPLICA_REGION]: [shared('orders-prod-2026-12-30-00-10', { dataTime: daysAgo(1) }), shared('orders-prod-2026-12-29-00-10'), shared('orders-prod-2026-12-31-00-10', { status: 'creating' })] },
      own: [own('orders-prod-2026-12-29-00-10', 2), own('orders-prod-2026-12-28-00-10', 3), own('orders-prod-2026-12-27-00-10', 4), own('orders-prod-2026-11-01-00-10', 60)],
    });
    const [sweep] = await sweepVault(f.deps, CONFIG);
    expect(f.listedIn).toEqual([`${REPLICA_REGION}/${PRODUCTION}`]);
    expect(f.copies.map((c) => c.targetId)).toEqual(['vault-orders-prod-2026-12-30-00-10']);
    expect(f.deleted).toEqual(['vault-orders-prod-2026-11-01-00-10']);
    expect(sweep).toEqual({ pairId: PAIR.id, copied: ['vault-orders-prod-2026-12-30-00-10'], deleted: ['vault-orders-prod-2026-11-01-00-10'], newestAgeHours: 48, problems: [] });
    expect(f.telemetry.total(VAULT_COPY_AGE_METRIC, { replica: PAIR.id })).toBe(48);
  });

  it("never deletes a snapshot that does not carry the vault's tag, however old", async () => {
    const foreign = own('orders-prod-hand-made', 400, { tags: { [VAULT_PAIR_TAG]: PAIR.id } });
    const retagged = own('orders-prod-2026-01-01-00-10', 300);
    const f = fake({ own: [own('a', 1), own('b', 2), own('c', 3), foreign, retagged] });
    // The tag was taken off between the listing and the delete: the adapter's re-check answers not-owned.
    const asked: string[] = [];
    const deps: VaultDeps = {
      ...f.deps,
      rds: { ...f.deps.rds, deleteOwnedSnapshot: (snapshot, tag) => (asked.push(snapshot.id), snapshot.id === retagged.id ? Promise.resolve('not-owned') : f.deps.rds.deleteOwnedSnapshot(snapshot, tag)) },
    };
    const [sweep] = await sweepVault(deps, CONFIG);
    // The untagged one is never even asked about; the re-tagged one is asked, and the re-check keeps it.
    expect(asked).toEqual([retagged.id]);
    expect(f.deleted).toEqual([]);
    expect(sweep?.deleted).toEqual([]);
  });

  it("keeps each pair's copies apart: another pair's old copies do not count toward this pair's", async () => {
    const f = fake({ own: [own('o1', 50), own('o2', 60), own('o3', 70), own('b1', 1, {}, OTHER_PAIR), own('b2', 2, {}, OTHER_PAIR), own('b3', 3, {}, OTHER_PAIR)] });
    const sweeps = await sweepVault(f.deps, { ...CONFIG, pairs: [PAIR, OTHER_PAIR] });
    expect(f.deleteRequests).toEqual([]);
    expect(sweeps.map((s) => [s.pairId, s.newestAgeHours])).toEqual([
      [PAIR.id, 1200],
      [OTHER_PAIR.id, 24],
    ]);
  });

  it('reports no age when the vault holds no copy of x (the RPO alarm treats the missing metric as breaching)', async () => {
    const f = fake({});
    const [sweep] = await sweepVault(f.deps, CONFIG);
    expect(sweep).toEqual({ pairId: PAIR.id, copied: [], deleted: [], problems: [] });
    expect(f.telemetry.total(VAULT_COPY_AGE_METRIC, { replica: PAIR.id })).toBe(0);
  });

  it('alerts when RDS refuses a copy for good, and goes on with the next one', async () => {
    const f = fake({
      shared: { [REPLICA_REGION]: [shared('orders-prod-2026-12-29-00-10'), shared('orders-prod-2026-12-30-00-10')] },
      copyFails: (r) => (r.targetId === 'vault-orders-prod-2026-12-29-00-10' ? new PermanentRdsError('CopyDBSnapshot: KMSKeyNotAccessibleFault: The source snapshot KMS key does not exist', 'KMSKeyNotAccessibleFault') : undefined),
    });
    const [sweep] = await sweepVault(f.deps, CONFIG);
    expect(sweep?.copied).toEqual(['vault-orders-prod-2026-12-30-00-10']);
    expect(sweep?.problems).toHaveLength(1);
    expect(sweep?.problems[0]).toContain('KMSKeyNotAccessibleFault');
    expect(f.alerts).toHaveLength(1);
    expect(f.alerts[0]).toMatchObject({ kind: 'vault.copy-refused', replicaId: PAIR.id, data: { snapshot: `arn:aws:rds:${REPLICA_REGION}:${PRODUCTION}:snapshot:orders-prod-2026-12-29-00-10` } });
    expect(f.telemetry.total('VaultCopyRefused', { replica: PAIR.id })).toBe(1);
  });

  it('notes a copy that a retry may fix (the copy quota is full) without alerting, and fails the sweep on anything unknown', async () => {
    const quota = fake({ shared: { [REPLICA_REGION]: [shared('orders-prod-2026-12-30-00-10')] }, copyFails: () => new RetryableRdsError('CopyDBSnapshot: SnapshotQuotaExceeded', 'SnapshotQuotaExceeded') });
    const [sweep] = await sweepVault(quota.deps, CONFIG);
    expect(sweep?.problems).toHaveLength(1);
    expect(sweep?.copied).toEqual([]);
    expect(quota.alerts).toEqual([]);
    const unknown = fake({ shared: { [REPLICA_REGION]: [shared('orders-prod-2026-12-30-00-10')] }, copyFails: () => new TypeError('a bug') });
    await expect(sweepVault(unknown.deps, CONFIG)).rejects.toThrow('a bug');
  });

  it('counts a copy RDS already has as made: it is neither copied again nor reported as new', async () => {
    const f = fake({ shared: { [REPLICA_REGION]: [shared('orders-prod-2026-12-30-00-10'), shared('orders-prod-2026-12-30-00-10')] }, copyFails: () => 'already-exists' });
    const [sweep] = await sweepVault(f.deps, CONFIG);
    expect(sweep?.copied).toEqual([]);
    // Listed twice (two pages that overlapped), asked for once.
    expect(f.copyAttempts()).toBe(1);
  });

  it('looks for shared snapshots in each replica region once', async () => {
    const elsewhere: VaultPair = { id: 'eu-north', sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', replicaRegion: 'eu-north-1' };
    const f = fake({ shared: { 'eu-north-1': [shared('orders-prod-2026-12-30-00-10', { arn: `arn:aws:rds:eu-north-1:${PRODUCTION}:snapshot:orders-prod-2026-12-30-00-10` })] } });
    const sweeps = await sweepVault(f.deps, { ...CONFIG, pairs: [PAIR, OTHER_PAIR, elsewhere] });
    expect(f.listedIn).toEqual([`${REPLICA_REGION}/${PRODUCTION}`, `eu-north-1/${PRODUCTION}`]);
    // The snapshot shared from eu-north-1 is the eu-north pair's, not the eu-central-1 pair's with the same x.
    expect(sweeps.map((s) => [s.pairId, s.copied])).toEqual([
      [PAIR.id, []],
      [OTHER_PAIR.id, []],
      ['eu-north', ['vault-orders-prod-2026-12-30-00-10']],
    ]);
    expect(f.copies[0]).toMatchObject({ sourceRegion: 'eu-north-1', tags: { [VAULT_PAIR_TAG]: 'eu-north' } });
  });
});

describe('receiveManifests', () => {
  it('keeps every manifest in the ledger', async () => {
    const f = fake({});
    const m: Manifest = { version: 1, pairId: PAIR.id, sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', snapshotArn: shared('orders-prod-1').arn, dataTime: daysAgo(1).toISOString(), sharedAt: NOW.toISOString(), engine: 'postgres' };
    await receiveManifests(f.deps, [m, { ...m, snapshotArn: shared('orders-prod-2').arn }]);
    expect(f.manifests.map((x) => x.snapshotArn)).toEqual([shared('orders-prod-1').arn, shared('orders-prod-2').arn]);
  });
});
