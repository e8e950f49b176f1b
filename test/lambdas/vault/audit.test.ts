/**
 * The vault's inventory (lambdas/vault/audit.ts), over snapshots and ledger records as the vault account has them: what
 * an auditor is told about each x's copies, their age against rpoHours, their keys, retention and recoveries, and when
 * something needs attention.
 */
import type { RecoveryRecord } from '../../../lambdas/aws/vault-ledger';
import type { SnapshotView } from '../../../lambdas/kernel/model';
import { auditVault, type VaultAuditInput } from '../../../lambdas/vault/audit';
import type { VaultPair } from '../../../lambdas/vault/config';
import { VAULT_COPY_TAG, VAULT_PAIR_TAG, VAULT_SOURCE_TAG } from '../../../lambdas/vault/names';

const PRODUCTION = '111111111111';
const VAULT_ACCOUNT = '222222222222';
const VAULT_REGION = 'eu-west-2';
const KEY = `arn:aws:kms:${VAULT_REGION}:${VAULT_ACCOUNT}:key/vault-key`;
const NOW = new Date('2026-12-31T12:00:00Z');
const HOUR = 3_600_000;

const PAIR: VaultPair = { id: 'orders-staging', sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', replicaRegion: 'eu-central-1' };
const AURORA: VaultPair = { id: 'orders-aurora-staging', kind: 'cluster', sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', replicaRegion: 'eu-central-1' };
const sharedArn = (name: string) => `arn:aws:rds:eu-central-1:${PRODUCTION}:snapshot:${name}`;

/** One of the vault's copies of a pair's x, its data `hoursAgo` old, with the vault's tags and key. */
function copy(name: string, hoursAgo: number, overrides: Partial<SnapshotView> = {}, pair: VaultPair = PAIR): SnapshotView {
  const id = `vault-${name}`;
  return {
    id,
    arn: `arn:aws:rds:${VAULT_REGION}:${VAULT_ACCOUNT}:${pair.kind === 'cluster' ? 'cluster-snapshot' : 'snapshot'}:${id}`,
    instanceId: pair.sourceInstanceId,
    type: 'manual',
    status: 'available',
    dataTime: new Date(NOW.getTime() - hoursAgo * HOUR),
    encrypted: true,
    kmsKeyId: KEY,
    tags: { [VAULT_COPY_TAG.key]: VAULT_COPY_TAG.value, [VAULT_PAIR_TAG]: pair.id, [VAULT_SOURCE_TAG]: sharedArn(name) },
    ...overrides,
  };
}

function recovery(requestedAt: string, status: RecoveryRecord['status'], extra: Partial<RecoveryRecord> = {}): RecoveryRecord {
  return { pairId: PAIR.id, instanceId: 'orders-prod-recovered', account: VAULT_ACCOUNT, region: VAULT_REGION, snapshotId: 'vault-x', dataTime: requestedAt, requestedAt, status, settingsFrom: 'manifest', ...extra };
}

function input(copies: SnapshotView[], extra: Partial<VaultAuditInput> = {}): VaultAuditInput {
  return {
    pairs: [PAIR],
    copies,
    recoveries: new Map(),
    manifests: new Set(copies.map((c) => sharedArn(c.id.replace(/^vault-/, '')))),
    vault: { account: VAULT_ACCOUNT, region: VAULT_REGION, keyArn: KEY, rpoHours: 26, retentionDays: 35, keepAtLeast: 3 },
    now: NOW,
    ...extra,
  };
}

describe('auditVault', () => {
  it('counts the copies, names the newest and the oldest data, and needs no attention when the newest is within rpoHours', () => {
    const [row] = auditVault(input([copy('a', 60), copy('b', 12), copy('c', 36), copy('d', 1, { status: 'copying' })]));
    expect(row).toMatchObject({ replica: PAIR.id, source: 'orders-prod', kind: 'instance', copies: { available: 3, copying: 1, other: {} }, keys: [KEY], expiringNext: 0, attention: [] });
    expect(row?.newest).toEqual({ id: 'vault-b', dataTime: new Date(NOW.getTime() - 12 * HOUR).toISOString(), ageHours: 12, withinRpo: true, settingsRecorded: true });
    expect(row?.oldestDataTime).toBe(new Date(NOW.getTime() - 60 * HOUR).toISOString());
  });

  it('needs attention when the newest copy is older than rpoHours, and says what to check', () => {
    const [row] = auditVault(input([copy('a', 30)]));
    expect(row?.newest?.withinRpo).toBe(false);
    expect(row?.attention).toEqual([expect.stringMatching(/30 h old, over rpoHours 26: check production's share-to-vault in eu-central-1/) as unknown]);
  });

  it('needs attention when the vault holds no restorable copy of x, counting those still copying', () => {
    const [row] = auditVault(input([copy('a', 1, { status: 'copying' })]));
    expect(row?.newest).toBeUndefined();
    expect(row?.copies).toEqual({ available: 0, copying: 1, other: {} });
    expect(row?.attention).toEqual([expect.stringMatching(/no restorable copy of orders-prod \(1 still being copied\): until it does, x cannot be recovered/) as unknown]);
  });

  it("needs attention for a copy under another key than the vault's, and never advises deleting it", () => {
    const [row] = auditVault(input([copy('a', 2), copy('b', 3, { kmsKeyId: 'arn:aws:kms:eu-west-2:111111111111:key/production' })]));
    expect(row?.keys).toEqual(['arn:aws:kms:eu-west-2:111111111111:key/production', KEY]);
    expect(row?.attention).toEqual([expect.stringMatching(/^1 copy is under a key other than the vault's \(arn:aws:kms:eu-west-2:111111111111:key\/production\).*copy it under .*key\/vault-key/) as unknown]);
    expect(row?.attention.join('\n')).not.toMatch(/delete/);
  });

  it('needs attention for an unencrypted copy, and says to keep it until newer ones are in place', () => {
    const [row] = auditVault(input([copy('a', 2), copy('c', 4, { encrypted: false, kmsKeyId: undefined })]));
    expect(row?.attention).toEqual([expect.stringMatching(/^1 copy is not encrypted \(vault-c\).*keep it until newer copies under the vault's key are in place/) as unknown]);
  });

  it("checks no key, and says so, when the vault stack names none", () => {
    const [row] = auditVault(input([copy('a', 2, { kmsKeyId: 'arn:aws:kms:eu-west-2:111111111111:key/production' })], { vault: { account: VAULT_ACCOUNT, region: VAULT_REGION, rpoHours: 26, retentionDays: 35, keepAtLeast: 3 } }));
    expect(row?.attention).toEqual([]);
    expect(row?.notes).toContainEqual(expect.stringMatching(/names no key.*were not checked/) as unknown);
  });

  it('judges the age as the RPO alarm does: the metric rounded to 0.01 h, alarming above rpoHours', () => {
    expect(auditVault(input([copy('a', 26.004)]))[0]?.newest).toMatchObject({ ageHours: 26, withinRpo: true });
    expect(auditVault(input([copy('a', 26.02)]))[0]?.newest).toMatchObject({ ageHours: 26.02, withinRpo: false });
  });

  it("counts copies being deleted or failed apart from those still copying, and notes the failed ones", () => {
    const [row] = auditVault(input([copy('a', 2), copy('b', 50 * 24, { status: 'deleting' }), copy('c', 3, { status: 'failed' }), copy('d', 1, { status: 'creating' })]));
    expect(row?.copies).toEqual({ available: 1, copying: 1, other: { deleting: 1, failed: 1 } });
    expect(row?.notes).toContainEqual(expect.stringMatching(/^1 copy failed to copy into eu-west-2/) as unknown);
  });

  it('counts the copies past retention that the next pass deletes, never the newest keepAtLeast', () => {
    const days = (n: number) => n * 24;
    const [row] = auditVault(input([copy('a', days(40)), copy('b', days(50)), copy('c', days(1)), copy('d', days(2)), copy('e', days(36))]));
    // Five available: the newest three (1, 2 and 36 days) are kept whatever their age; the other two (40 and 50 days) are past 35 days.
    expect(row?.expiringNext).toBe(2);
  });

  it("notes a newest copy without x's recorded settings, and a pair never recovered, without needing attention", () => {
    const [row] = auditVault(input([copy('a', 2)], { manifests: new Set() }));
    expect(row?.newest?.settingsRecorded).toBe(false);
    expect(row?.attention).toEqual([]);
    expect(row?.notes).toEqual([expect.stringMatching(/no manifest of x's settings for vault-a/) as unknown, expect.stringMatching(/never recovered from the vault: prove it with npm run recover -- --replica orders-staging/) as unknown]);
  });

  it('reports the recoveries and the latest one, and needs attention when the latest failed', () => {
    const ok = recovery('2026-12-01T10:00:00.000Z', 'succeeded', { rtoSeconds: 900, rpoSeconds: 40_000 });
    const failed = recovery('2026-12-20T10:00:00.000Z', 'failed', { reason: 'RDS refused the writer' });
    const [good] = auditVault(input([copy('a', 2)], { recoveries: new Map([[PAIR.id, [ok]]]) }));
    const okSummary = { requestedAt: ok.requestedAt, status: 'succeeded', instanceId: 'orders-prod-recovered', snapshotId: 'vault-x', rtoSeconds: 900, rpoSeconds: 40_000 };
    expect(good?.recoveries).toEqual({ count: 1, succeeded: 1, last: okSummary, all: [okSummary] });
    expect(good?.attention).toEqual([]);
    const [bad] = auditVault(input([copy('a', 2)], { recoveries: new Map([[PAIR.id, [failed, ok]]]) }));
    expect(bad?.recoveries).toMatchObject({ count: 2, succeeded: 1, last: { status: 'failed' } });
    expect(bad?.attention).toEqual([expect.stringMatching(/the last recovery \(2026-12-20T10:00:00.000Z, orders-prod-recovered\) failed: RDS refused the writer/) as unknown]);
  });

  it('does not let an interrupted recovery (still recovering) hide a failed one, and notes it once it is a day old', () => {
    const failed = recovery('2026-12-20T10:00:00.000Z', 'failed', { reason: 'RDS refused the writer' });
    const interrupted = recovery('2026-12-29T10:00:00.000Z', 'recovering', { instanceId: 'orders-prod-again' });
    const [row] = auditVault(input([copy('a', 2)], { recoveries: new Map([[PAIR.id, [interrupted, failed]]]) }));
    expect(row?.recoveries).toMatchObject({ count: 2, last: { status: 'failed' }, all: [{ status: 'failed' }, { status: 'recovering' }] });
    expect(row?.attention).toHaveLength(1);
    expect(row?.notes).toContainEqual(expect.stringMatching(/orders-prod-again requested 2026-12-29T10:00:00.000Z never finished/) as unknown);
    // One running now (an hour old) is not called interrupted.
    const running = recovery('2026-12-31T11:00:00.000Z', 'recovering');
    expect(auditVault(input([copy('a', 2)], { recoveries: new Map([[PAIR.id, [running]]]) }))[0]?.notes.join('\n')).not.toMatch(/never finished/);
  });

  it("never counts a copy of the other kind tagged with the pair (a DB cluster snapshot for a DB instance x)", () => {
    const clusterTaggedForInstance = copy('z', 1, { arn: `arn:aws:rds:${VAULT_REGION}:${VAULT_ACCOUNT}:cluster-snapshot:vault-z` });
    const [row] = auditVault(input([copy('a', 5), clusterTaggedForInstance]));
    expect(row?.copies.available).toBe(1);
    expect(row?.newest?.id).toBe('vault-a');
  });

  it("keeps each pair's copies apart: by pair tag and by kind (an Aurora x's DB cluster snapshots)", () => {
    const rows = auditVault(input([copy('a', 2), copy('b', 3, {}, AURORA), copy('c', 4, { tags: { [VAULT_COPY_TAG.key]: VAULT_COPY_TAG.value, [VAULT_PAIR_TAG]: 'someone-else' } })], { pairs: [PAIR, AURORA] }));
    expect(rows.map((r) => [r.replica, r.kind, r.copies.available, r.newest?.id])).toEqual([
      [PAIR.id, 'instance', 1, 'vault-a'],
      [AURORA.id, 'cluster', 1, 'vault-b'],
    ]);
  });
});
