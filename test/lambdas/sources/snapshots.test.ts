import { toSnapshotView } from '../../../lambdas/aws/rds';
import { chooseSnapshot, isSnapshotOfSource, pinnedSnapshotProblem, restoreIdentifier, sourceSnapshotQuery, toChosen } from '../../../lambdas/sources/snapshots';
import { X_RESOURCE_ID, pair, xSnapshot } from '../../support/fixtures';

const view = (...args: Parameters<typeof xSnapshot>) => toSnapshotView(xSnapshot(...args));

describe('chooseSnapshot', () => {
  it('picks the newest available snapshot by original creation time, not by copy time', () => {
    const older = view('copy-a', '2026-11-20T01:00:00Z', { SnapshotCreateTime: new Date('2026-11-21T05:00:00Z') });
    const newer = view('copy-b', '2026-11-21T01:00:00Z', { SnapshotCreateTime: new Date('2026-11-21T02:00:00Z') });
    expect(chooseSnapshot([older, newer], pair()).snapshot?.id).toBe('copy-b');
  });

  it('falls back to SnapshotCreateTime when there is no original creation time', () => {
    const a = view('a', '2026-11-20T01:00:00Z', { OriginalSnapshotCreateTime: undefined, SnapshotCreateTime: new Date('2026-11-21T03:00:00Z') });
    const b = view('b', '2026-11-21T01:00:00Z');
    expect(chooseSnapshot([b, a], pair()).snapshot?.id).toBe('a');
  });

  it('skips types config does not allow', () => {
    const shared = view('shared-1', '2026-11-21T01:00:00Z', { SnapshotType: 'shared' });
    const manual = view('manual-1', '2026-11-20T01:00:00Z');
    expect(chooseSnapshot([shared, manual], pair()).snapshot?.id).toBe('manual-1');
  });

  it('uses the newest available one when the newest is still copying, by default', () => {
    const copying = view('copying', '2026-11-21T01:00:00Z', { Status: 'copying', PercentProgress: 40 });
    const ready = view('ready', '2026-11-20T01:00:00Z');
    const choice = chooseSnapshot([copying, ready], pair());
    expect(choice.snapshot?.id).toBe('ready');
    expect(choice.newerNotReady?.id).toBe('copying');
  });

  it('refuses when the newest is still copying and config says so', () => {
    const copying = view('copying', '2026-11-21T01:00:00Z', { Status: 'copying', PercentProgress: 40 });
    const ready = view('ready', '2026-11-20T01:00:00Z');
    const choice = chooseSnapshot([copying, ready], pair({ whenNewestSnapshotNotReady: 'refuse' }));
    expect(choice.snapshot).toBeUndefined();
    expect(choice.reason).toContain('copying (40%)');
  });

  it('does not refuse for a copy still copying when an available snapshot holds the same data (x and y in one region, copied for a vault)', () => {
    // x's automated snapshot and the project's copy of it, made later within the region: the same data time.
    const automated = view('rds:orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', { SnapshotType: 'automated', SnapshotCreateTime: new Date('2026-11-21T00:20:00Z') });
    const copying = view('orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z', { Status: 'copying', PercentProgress: 40, SnapshotCreateTime: new Date('2026-11-21T00:30:00Z') });
    const choice = chooseSnapshot([copying, automated], pair({ whenNewestSnapshotNotReady: 'refuse' }));
    expect(choice.snapshot?.id).toBe(automated.id);
    expect(choice.newerNotReady).toBeUndefined();
  });

  it("never chooses one of the project's extra snapshots of x (x and y in one region): the copy function deletes it once copied", () => {
    const extraTags = [
      { Key: 'replica-refresh:managed', Value: 'true' },
      { Key: 'replica-refresh:extra-snapshot', Value: 'true' },
    ];
    const extra = view('orders-prod-rr-2026-11-21-06-00', '2026-11-21T06:00:00Z', { TagList: extraTags });
    const itsCopy = view('orders-prod-rr-2026-11-21-06-00-copy', '2026-11-21T06:00:00Z', { Status: 'copying', TagList: [...extraTags, { Key: 'replica-refresh:copied-from', Value: 'arn' }] });
    const older = view('orders-prod-2026-11-21-00-10', '2026-11-21T00:10:00Z');
    const choice = chooseSnapshot([extra, itsCopy, older], pair());
    expect(choice.snapshot?.id).toBe(older.id);
    expect(choice.newerNotReady?.id).toBe(itsCopy.id);
    // Once its copy is available, the copy is chosen.
    expect(chooseSnapshot([extra, { ...itsCopy, status: 'available' }, older], pair()).snapshot?.id).toBe(itsCopy.id);
  });

  it('ignores a different instance re-created under x\'s name when the DbiResourceId is known', () => {
    const impostor = view('impostor', '2026-11-21T01:00:00Z', { DbiResourceId: 'db-SOMEOTHERINSTANCE0000000001' });
    const real = view('real', '2026-11-20T01:00:00Z');
    expect(chooseSnapshot([impostor, real], pair({ source: { instanceId: 'orders-prod', region: 'eu-west-1', dbiResourceId: X_RESOURCE_ID } })).snapshot?.id).toBe('real');
  });

  it('says why when nothing is there', () => {
    expect(chooseSnapshot([], pair())).toEqual({ reason: 'no automated or manual snapshot of orders-prod exists in eu-central-1', considered: 0 });
  });

  it('says why when nothing is available yet', () => {
    const choice = chooseSnapshot([view('c', '2026-11-21T01:00:00Z', { Status: 'creating' })], pair());
    expect(choice.snapshot).toBeUndefined();
    expect(choice.reason).toBe('no snapshot of orders-prod in eu-central-1 is available yet (newest: c, creating)');
  });

  it('breaks ties between copies of the same source by the newest copy', () => {
    const a = view('copy-1', '2026-11-21T01:00:00Z', { SnapshotCreateTime: new Date('2026-11-21T02:00:00Z') });
    const b = view('copy-2', '2026-11-21T01:00:00Z', { SnapshotCreateTime: new Date('2026-11-21T03:00:00Z') });
    expect(chooseSnapshot([a, b], pair()).snapshot?.id).toBe('copy-2');
  });
});

describe('pinnedSnapshotProblem', () => {
  it('accepts an available snapshot of x', () => {
    expect(pinnedSnapshotProblem(view('p', '2026-11-21T01:00:00Z'), 'p', pair())).toBeUndefined();
  });
  it('rejects a missing snapshot', () => {
    expect(pinnedSnapshotProblem(undefined, 'p', pair())).toBe('the pinned snapshot p does not exist in eu-central-1');
  });
  it('rejects a snapshot of another instance', () => {
    expect(pinnedSnapshotProblem(view('p', '2026-11-21T01:00:00Z', { DBInstanceIdentifier: 'billing-prod', DbiResourceId: undefined }), 'p', pair())).toBe(
      'the pinned snapshot p is of billing-prod, not of orders-prod',
    );
  });
  it('rejects a snapshot that is not available', () => {
    expect(pinnedSnapshotProblem(view('p', '2026-11-21T01:00:00Z', { Status: 'copying' }), 'p', pair())).toBe('the pinned snapshot p is copying, not available');
  });
});

describe('restoreIdentifier', () => {
  it('names own snapshots by id and shared ones by ARN', () => {
    const own = toChosen(view('own', '2026-11-21T01:00:00Z'));
    const shared = toChosen(view('shared', '2026-11-21T01:00:00Z', { SnapshotType: 'shared' }));
    expect(restoreIdentifier(own)).toBe('own');
    expect(restoreIdentifier(shared)).toBe(shared.arn);
  });
});

describe("x's identity: its name, and its resource id when config names it", () => {
  const clusterPair = (source: Record<string, unknown> = {}) =>
    pair({
      engine: 'aurora-postgresql',
      source: { clusterId: 'orders-prod', region: 'eu-west-1', ...source },
      replica: { clusterId: 'orders-staging', region: 'eu-central-1', memberIds: ['orders-staging-1'] },
    });
  const clusterSnapshot = (id: string, resourceId: string) => ({ id, arn: `arn:aws:rds:eu-central-1:111111111111:cluster-snapshot:${id}`, instanceId: 'orders-prod', dbiResourceId: resourceId, type: 'manual', status: 'available', encrypted: true, dataTime: new Date('2026-11-21T00:10:00Z') });

  it("takes an Aurora x's snapshots by its DbClusterResourceId (source.clusterResourceId), never those of a cluster re-created under its name", () => {
    const ours = clusterSnapshot('orders-prod-a', 'cluster-OURS0000000000000000000001');
    const imposter = clusterSnapshot('orders-prod-b', 'cluster-OTHER000000000000000000001');
    const p = clusterPair({ clusterResourceId: 'cluster-OURS0000000000000000000001' });
    expect([isSnapshotOfSource(ours, p), isSnapshotOfSource(imposter, p)]).toEqual([true, false]);
    expect(sourceSnapshotQuery(p, ['manual'])).toEqual({ instanceId: 'orders-prod', dbiResourceId: 'cluster-OURS0000000000000000000001', types: ['manual'] });
    // Without it, the name decides, as for an instance without source.dbiResourceId.
    expect([isSnapshotOfSource(ours, clusterPair()), isSnapshotOfSource(imposter, clusterPair())]).toEqual([true, true]);
    expect(sourceSnapshotQuery(pair({ source: { instanceId: 'orders-prod', region: 'eu-west-1', dbiResourceId: X_RESOURCE_ID } }), ['manual']).dbiResourceId).toBe(X_RESOURCE_ID);
  });
});
