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
    expect(row).toMatchObject({ replica: PAIR.id, source: 'orders-prod', kind: 'instance', copies: { available: 3, copying: 1 }, keys: [KEY], expiringNext: 0, attention: [] });
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
    expect(row?.copies).toEqual({ available: 0, copying: 1 });
    expect(row?.attention).toEqual([expect.stringMatching(/no restorable copy of orders-prod \(1 still being copied\): until it does, x cannot be recovered/) as unknown]);
  });

  it("needs attention for a copy under another key than the vault's, or unencrypted", () => {
    const [row] = auditVault(input([copy('a', 2), copy('b', 3, { kmsKeyId: 'arn:aws:kms:eu-west-2:111111111111:key/production' }), copy('c', 4, { encrypted: false, kmsKeyId: undefined })]));
    expect(row?.keys).toEqual(['arn:aws:kms:eu-west-2:111111111111:key/production', KEY]);
    expect(row?.attention).toHaveLength(2);
    expect(row?.attention.join('\n')).toMatch(/1 copy is not encrypted \(vault-c\)/);
    expect(row?.attention.join('\n')).toMatch(/1 copy is under a key other than the vault's \(arn:aws:kms:eu-west-2:111111111111:key\/production\)/);
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
    expect(good?.recoveries).toEqual({ count: 1, succeeded: 1, last: { requestedAt: ok.requestedAt, status: 'succeeded', instanceId: 'orders-prod-recovered', rtoSeconds: 900, rpoSeconds: 40_000 } });
    expect(good?.attention).toEqual([]);
    const [bad] = auditVault(input([copy('a', 2)], { recoveries: new Map([[PAIR.id, [failed, ok]]]) }));
    expect(bad?.recoveries).toMatchObject({ count: 2, succeeded: 1, last: { status: 'failed' } });
    expect(bad?.attention).toEqual([expect.stringMatching(/the last recovery \(2026-12-20T10:00:00.000Z, orders-prod-recovered\) failed: RDS refused the writer/) as unknown]);
  });

  it("keeps each pair's copies apart: by pair tag and by kind (an Aurora x's DB cluster snapshots)", () => {
    const rows = auditVault(input([copy('a', 2), copy('b', 3, {}, AURORA), copy('c', 4, { tags: { [VAULT_COPY_TAG.key]: VAULT_COPY_TAG.value, [VAULT_PAIR_TAG]: 'someone-else' } })], { pairs: [PAIR, AURORA] }));
    expect(rows.map((r) => [r.replica, r.kind, r.copies.available, r.newest?.id])).toEqual([
      [PAIR.id, 'instance', 1, 'vault-a'],
      [AURORA.id, 'cluster', 1, 'vault-b'],
    ]);
  });
});
