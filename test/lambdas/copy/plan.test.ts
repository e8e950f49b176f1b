import { toSnapshotView } from '../../../lambdas/aws/rds';
import type { RetentionPolicy } from '../../../lambdas/copy/plan';
import { copyTargetId, extraSnapshotId, isCopyableName, planCopy, retention } from '../../../lambdas/copy/plan';
import { COPY_TAGS } from '../../../lambdas/kernel/snapshot-tags';
import type { SnapshotView } from '../../../lambdas/kernel/model';
import { xSnapshot } from '../../support/fixtures';

const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/replica-key';
const owner = { key: 'replica-refresh:managed', value: 'true' };
const source = toSnapshotView(
  xSnapshot('rds:orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', {
    SnapshotType: 'automated',
    DBSnapshotArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:rds:orders-prod-2026-11-21-00-10',
    KmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/source-key',
    SourceRegion: undefined,
  }),
);
const base = { source, sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', existing: undefined, inFlight: 0, inFlightLimit: 20, replicaKmsKeyArn: KEY, replicaRegion: 'eu-central-1', ownershipTag: owner, deferSeconds: 300 };

describe('copyTargetId', () => {
  it.each([
    ['rds:orders-prod-2026-11-21-00-10', 'orders-prod-2026-11-21-00-10'],
    ['arn:aws:rds:eu-west-1:111111111111:snapshot:rds:orders-prod-2026-11-21-00-10', 'orders-prod-2026-11-21-00-10'],
    ['Manual_Snapshot.Before--Upgrade-', 'manual-snapshot-before-upgrade'],
    ['2026-backup', 'copy-2026-backup'],
    [`rds:${'a'.repeat(300)}`, 'a'.repeat(255)],
  ])('%s → %s', (from, to) => {
    const id = copyTargetId(from, false);
    expect(id).toBe(to);
    expect(id).toMatch(/^[a-z](?!.*--)[a-z0-9-]{0,254}$/);
    expect(id.endsWith('-')).toBe(false);
  });
});

describe('copyTargetId within one region (x and y in one region, copied for a vault)', () => {
  it('names an automated snapshot\'s copy without `rds:`, which no manual snapshot can be named with', () => {
    expect(copyTargetId('rds:orders-prod-2026-11-21-00-10', true)).toBe('orders-prod-2026-11-21-00-10');
  });

  it("names a manual snapshot's copy apart from its source, whose own name it would otherwise take", () => {
    expect(copyTargetId('orders-prod-rr-2026-11-21-06-00', true)).toBe('orders-prod-rr-2026-11-21-06-00-copy');
    expect(copyTargetId('arn:aws:rds:eu-central-1:111111111111:snapshot:orders-prod-before-upgrade', true)).toBe('orders-prod-before-upgrade-copy');
    const long = copyTargetId(`orders-prod-${'a'.repeat(300)}`, true);
    expect(long).toHaveLength(255);
    expect(long.endsWith('-copy')).toBe(true);
  });
});

describe('names the copy role may copy', () => {
  it.each([
    ['rds:orders-prod-2026-11-21-00-10', true],
    ['orders-prod-2026-11-21-00-10', true],
    ['orders-prod-rr-2026-11-21-12-00', true],
    ['orders-prod2-2026-11-21-00-10', false],
    ['before-upgrade', false],
    ['rds:orders-production-2026-11-21', false],
  ])('%s: %s', (id, ok) => {
    expect(isCopyableName(id, 'orders-prod')).toBe(ok);
  });

  it('skips, with the rename to do, a manual snapshot not named after x', () => {
    expect(planCopy({ ...base, source: { ...source, id: 'before-upgrade', type: 'manual' } })).toEqual({
      action: 'skip',
      reason: expect.stringContaining('not named orders-prod-…') as unknown,
    });
  });

  it('names extra snapshots after x and the scheduled minute, so a repeated schedule delivery names the same one', () => {
    expect(extraSnapshotId('orders-prod', new Date('2026-11-21T12:00:41.5Z'))).toBe('orders-prod-rr-2026-11-21-12-00');
    expect(isCopyableName(extraSnapshotId('orders-prod', new Date()), 'orders-prod')).toBe(true);
  });
});

describe('planCopy within one region', () => {
  const inPlace = { ...base, sourceRegion: 'eu-central-1' };

  it('copies an automated snapshot of x under the project key, to the name without `rds:`', () => {
    const auto = toSnapshotView(xSnapshot('rds:orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', { SnapshotType: 'automated', SourceRegion: undefined }));
    expect(planCopy({ ...inPlace, source: auto })).toMatchObject({ action: 'copy', request: { targetId: 'orders-prod-2026-11-21-00-10', sourceIdentifier: 'rds:orders-prod-2026-11-21-00-10', kmsKeyId: KEY, tags: { [owner.key]: owner.value } } });
  });

  it("never copies one of the project's own copies again (they are snapshots of x in that region too)", () => {
    const own = toSnapshotView(
      xSnapshot('orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', { SourceRegion: undefined, TagList: [{ Key: owner.key, Value: owner.value }, { Key: COPY_TAGS.source, Value: 'arn:aws:rds:eu-central-1:111111111111:snapshot:rds:orders-prod-2026-11-21-00-10' }] }),
    );
    expect(planCopy({ ...inPlace, source: own })).toMatchObject({ action: 'skip', reason: expect.stringContaining("the project's own copy") as unknown });
    // The same snapshot without the copy tag is a manual snapshot of x like any other: copied, under a name of its own.
    const byHand = toSnapshotView(xSnapshot('orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', { SourceRegion: undefined, TagList: [{ Key: owner.key, Value: owner.value }] }));
    expect(planCopy({ ...inPlace, source: byHand })).toMatchObject({ action: 'copy', request: { targetId: 'orders-prod-2026-11-21-00-10-copy' } });
  });

  it("never copies another pair's copy of the same x either (another ownership tag)", () => {
    const theirs = toSnapshotView(
      xSnapshot('orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', { SourceRegion: undefined, TagList: [{ Key: 'team-b:managed', Value: 'true' }, { Key: COPY_TAGS.source, Value: 'arn:aws:rds:eu-central-1:111111111111:snapshot:rds:orders-prod-2026-11-21-00-10' }] }),
    );
    expect(planCopy({ ...inPlace, source: theirs }).action).toBe('skip');
    expect(planCopy({ ...base, source: theirs }).action).toBe('skip');
  });
});

describe('planCopy', () => {
  it('passes copy.optionGroupName on, for sources with a persistent option such as TDE', () => {
    expect(planCopy({ ...base, optionGroupName: 'oracle-tde-eu-central-1' })).toMatchObject({ action: 'copy', request: { optionGroupName: 'oracle-tde-eu-central-1' } });
    expect(planCopy(base)).toMatchObject({ action: 'copy', request: expect.not.objectContaining({ optionGroupName: expect.anything() as unknown }) as unknown });
  });

  it('copies with the replica key, the source ARN and the ownership tag', () => {
    expect(planCopy(base)).toEqual({
      action: 'copy',
      request: {
        targetId: 'orders-prod-2026-11-21-00-10',
        sourceArn: source.arn,
        sourceRegion: 'eu-west-1',
        kmsKeyId: KEY,
        tags: { 'replica-refresh:managed': 'true', [COPY_TAGS.source]: source.arn },
      },
    });
  });
  it('counts an existing copy of the same source, in any state, as done', () => {
    const existing: SnapshotView = { ...source, id: 'orders-prod-2026-11-21-00-10', status: 'copying', sourceSnapshotArn: source.arn };
    expect(planCopy({ ...base, existing })).toEqual({ action: 'skip', reason: 'orders-prod-2026-11-21-00-10 is already in eu-central-1 (copying)' });
  });
  it('refuses to mistake another snapshot with the same name for the copy', () => {
    const existing: SnapshotView = { ...source, id: 'orders-prod-2026-11-21-00-10', sourceSnapshotArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:something-else' };
    expect(planCopy({ ...base, existing })).toMatchObject({ action: 'error', reason: expect.stringContaining('is a copy of arn:aws:rds:eu-west-1:111111111111:snapshot:something-else') as unknown });
  });
  it('waits while the in-flight quota is full instead of failing', () => {
    expect(planCopy({ ...base, inFlight: 20 })).toEqual({ action: 'defer', delaySeconds: 300, reason: '20 copies are already in flight into eu-central-1 (limit 20)' });
  });
  it('fails clearly, naming key and region, for an encrypted source without a usable key', () => {
    expect(planCopy({ ...base, replicaKmsKeyArn: undefined })).toMatchObject({ action: 'error', reason: expect.stringContaining('encrypted (key arn:aws:kms:eu-west-1:111111111111:key/source-key)') as unknown });
    expect(planCopy({ ...base, replicaKmsKeyArn: 'None' })).toMatchObject({ action: 'error', reason: 'the copy key None is not a KMS key ARN' });
    expect(planCopy({ ...base, replicaKmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/k' })).toMatchObject({ action: 'error', reason: expect.stringContaining('is in eu-west-1, not eu-central-1') as unknown });
  });
  it('copies an unencrypted source without a key', () => {
    const plain = { ...source, encrypted: false };
    const decision = planCopy({ ...base, source: plain, replicaKmsKeyArn: undefined });
    expect(decision.action).toBe('copy');
    expect(decision.action === 'copy' && 'kmsKeyId' in decision.request).toBe(false);
  });
  it('waits for a source that is still being created', () => {
    expect(planCopy({ ...base, source: { ...source, status: 'creating' } })).toMatchObject({ action: 'defer' });
  });
});

describe('retention', () => {
  const now = new Date('2026-11-21T12:00:00Z');
  const ours = { 'replica-refresh:managed': 'true', [COPY_TAGS.source]: 'arn:aws:rds:eu-west-1:111111111111:snapshot:rds:x' };
  const copy = (day: number, tags: Record<string, string> = ours, status = 'available'): SnapshotView => ({
    ...source,
    id: `orders-prod-2026-11-${String(day).padStart(2, '0')}`,
    status,
    dataTime: new Date(Date.UTC(2026, 10, day, 0, 10)),
    tags,
  });
  const verdicts = (snaps: SnapshotView[], policy: RetentionPolicy = { keepDays: 7, keepLast: 3 }, protectedIds = new Set<string>()) =>
    Object.fromEntries(retention(snaps, { policy, ownershipTag: owner, protectedIds, now }).map((v) => [v.id, v.keep ? 'keep' : 'delete']));

  it('deletes only owned, unused, expired copies', () => {
    const snaps = [copy(21), copy(18), copy(14), copy(10), copy(5), copy(4, {}), copy(3, { 'replica-refresh:managed': 'false' }), copy(2, undefined, 'copying')];
    expect(verdicts(snaps, { keepDays: 7, keepLast: 3 }, new Set(['orders-prod-2026-11-05']))).toEqual({
      'orders-prod-2026-11-21': 'keep',
      'orders-prod-2026-11-18': 'keep',
      'orders-prod-2026-11-14': 'keep',
      'orders-prod-2026-11-10': 'delete',
      'orders-prod-2026-11-05': 'keep',
      'orders-prod-2026-11-04': 'keep',
      'orders-prod-2026-11-03': 'keep',
      'orders-prod-2026-11-02': 'keep',
    });
  });
  it('keeps a copy tagged as owned but not made by the pipeline (no copied-from tag)', () => {
    expect(verdicts([copy(21), copy(20), copy(19), copy(1, { 'replica-refresh:managed': 'true' })])['orders-prod-2026-11-01']).toBe('keep');
  });

  it('counts only available copies toward the newest K, so failed or copying ones never push the last good copy out', () => {
    const snaps = [copy(21, ours, 'failed'), copy(20, ours, 'copying'), copy(19, ours, 'failed'), copy(2), copy(1)];
    expect(verdicts(snaps, { keepDays: 7, keepLast: 2 })).toEqual({
      'orders-prod-2026-11-21': 'keep',
      'orders-prod-2026-11-20': 'keep',
      'orders-prod-2026-11-19': 'keep',
      'orders-prod-2026-11-02': 'keep',
      'orders-prod-2026-11-01': 'keep',
    });
  });

  it('always keeps the newest K, however old', () => {
    expect(verdicts([copy(1), copy(2)], { keepDays: 1, keepLast: 2 })).toEqual({ 'orders-prod-2026-11-01': 'keep', 'orders-prod-2026-11-02': 'keep' });
  });
  it('keeps the newest copy of each week for the weekly tier', () => {
    const snaps = [copy(20), copy(19), copy(12), copy(11), copy(4)];
    expect(verdicts(snaps, { keepDays: 1, keepLast: 1, weekly: 3 })).toEqual({
      'orders-prod-2026-11-20': 'keep',
      'orders-prod-2026-11-19': 'delete',
      'orders-prod-2026-11-12': 'keep',
      'orders-prod-2026-11-11': 'delete',
      'orders-prod-2026-11-04': 'keep',
    });
  });
});
