/**
 * Production's side of the vault (lambdas/vault/share.ts), over fake ports: which of y's region's snapshots are shared
 * with the vault account, in what order the manifest and the share happen, and what a refused share does.
 */
import { RDSServiceException } from '@aws-sdk/client-rds';
import { classify, toInstanceView, toSnapshotView } from '../../../lambdas/aws/rds';
import { toClusterSnapshotView } from '../../../lambdas/aws/rds-clusters';
import { toClusterView } from '../../../lambdas/targets/cluster/view';
import type { PairConfig } from '../../../lambdas/kernel/config';
import { vaultSchema } from '../../../lambdas/kernel/config';
import { PermanentRdsError, RetryableRdsError } from '../../../lambdas/kernel/errors';
import type { InstanceView, SnapshotView } from '../../../lambdas/kernel/model';
import type { Notification } from '../../../lambdas/kernel/ports';
import type { Manifest } from '../../../lambdas/vault/manifest';
import { manifestSchema } from '../../../lambdas/vault/manifest';
import type { ShareDeps } from '../../../lambdas/vault/share';
import { manifestOf, pairOfSnapshot, planShare, shareOne, shareSweep, vaultPairs } from '../../../lambdas/vault/share';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { ACCOUNT, REPLICA_REGION, SOURCE_REGION, X, X_RESOURCE_ID, pair, xSnapshot, yInstance } from '../../support/fixtures';
import { recordInto } from '../../support/harness';

const VAULT = vaultSchema.parse({ account: '222222222222', region: 'eu-west-2' });
const NOW = new Date('2026-11-21T12:00:00Z');
/** A copy's tags: the ownership tag and the tag the copy pipeline puts on every copy (lambdas/copy/plan.ts COPY_TAGS). */
const OWNED = [
  { Key: 'replica-refresh:managed', Value: 'true' },
  { Key: 'replica-refresh:copied-from', Value: `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:snapshot:rds:${X}-2026-11-21-00-10` },
];

/** A copy of x in y's region, as DescribeDBSnapshots reports it (owned by the project unless told otherwise). */
function copy(id: string, overrides: Parameters<typeof xSnapshot>[2] = {}): SnapshotView {
  return toSnapshotView(xSnapshot(id, '2026-11-21T00:10:00Z', { TagList: OWNED, ...overrides }));
}

/** x as DescribeDBInstances reports it in x's region. */
const xInstance: InstanceView = toInstanceView(
  yInstance({ DBInstanceIdentifier: X, DBInstanceArn: `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:db:${X}`, DbiResourceId: X_RESOURCE_ID, DBInstanceClass: 'db.r6g.xlarge', MultiAZ: true }),
);

/** Fake ports recording every call, in order. */
function fake(snapshots: SnapshotView[], options: { sharedWith?: Record<string, string[]>; x?: InstanceView | Error; shareFails?: (id: string) => Error | undefined } = {}) {
  const shares = new Map(Object.entries(options.sharedWith ?? {}));
  const log: string[] = [];
  const sent: Manifest[] = [];
  const alerts: Notification[] = [];
  const telemetry = new SimTelemetry(() => NOW);
  const deps: ShareDeps = {
    snapshots: {
      instance: {
      listSnapshots: (q) => Promise.resolve(snapshots.filter((s) => s.instanceId === q.instanceId && q.types.includes(s.type) && (q.dbiResourceId === undefined || s.dbiResourceId === q.dbiResourceId))),
      describeSnapshot: (id) => Promise.resolve(snapshots.find((s) => s.id === id)),
      sharedWith: (id) => Promise.resolve(snapshots.some((s) => s.id === id) ? [...(shares.get(id) ?? [])] : undefined),
      shareSnapshot: (id, account) => {
        log.push(`share ${id} with ${account}`);
        const refused = options.shareFails?.(id);
        if (refused) return Promise.reject(refused);
        shares.set(id, [...(shares.get(id) ?? []), account]);
        return Promise.resolve();
      },
      },
    },
    sourceRds: (region) => ({
      describeInstance: (id) => {
        log.push(`describe ${id} in ${region}`);
        return options.x instanceof Error ? Promise.reject(options.x) : Promise.resolve(id === X ? (options.x ?? xInstance) : undefined);
      },
    }),
    inbox: {
      send: (m) => {
        log.push(`send manifest of ${m.snapshotArn}`);
        sent.push(m);
        return Promise.resolve();
      },
    },
    notifier: { publish: recordInto(alerts) },
    telemetry,
    now: () => NOW,
  };
  return { deps, log, sent, alerts, shares, telemetry };
}

const arnOf = (id: string) => `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:snapshot:${id}`;

describe('planShare', () => {
  const p = pair();

  it('shares an available manual copy of x that carries the ownership tag and is not shared with the vault yet', () => {
    expect(planShare(copy('orders-prod-2026-11-21-00-10'), p, [], VAULT.account)).toEqual({ action: 'share' });
    // Shared with some other account already (someone did it by hand): the vault still gets it.
    expect(planShare(copy('orders-prod-2026-11-21-00-10'), p, ['333333333333'], VAULT.account)).toEqual({ action: 'share' });
  });

  it.each<[string, SnapshotView, readonly string[], RegExp]>([
    ['a snapshot of another instance', copy('orders-dev-2026-11-21-00-10', { DBInstanceIdentifier: 'orders-dev' }), [], /not a snapshot of orders-prod/],
    ['an automated snapshot', copy('rds:orders-prod-2026-11-21-00-10', { SnapshotType: 'automated' }), [], /automated: only manual snapshots can be shared/],
    ['a snapshot without the ownership tag', copy('orders-prod-before-upgrade', { TagList: [{ Key: 'team', Value: 'dba' }] }), [], /not one of the project's copies/],
    ['a snapshot whose ownership tag has another value', copy('orders-prod-before-upgrade', { TagList: [{ Key: 'replica-refresh:managed', Value: 'false' }, OWNED[1]!] }), [], /not one of the project's copies/],
    // x and y in one region: the extra snapshots the project takes of x are there too, under x's key, and are not copies.
    ['an extra snapshot the project took of x', copy('orders-prod-rr-2026-11-21-06-00', { TagList: [OWNED[0]!, { Key: 'replica-refresh:extra-snapshot', Value: 'true' }] }), [], /not one of the project's copies.*copied-from/],
    ['a copy still being copied', copy('orders-prod-2026-11-21-00-10', { Status: 'copying' }), [], /copying: it is shared once available/],
    ['a copy already shared with the vault', copy('orders-prod-2026-11-21-00-10'), [VAULT.account], /already shared with the vault/],
  ])('skips %s', (_what, snapshot, shared, reason) => {
    const decision = planShare(snapshot, p, shared, VAULT.account);
    expect(decision.action).toBe('skip');
    expect(decision).toMatchObject({ reason: expect.stringMatching(reason) as unknown });
  });

  it("skips a snapshot of another instance named x when x's resource id is configured", () => {
    const withId = pair({ source: { instanceId: X, region: SOURCE_REGION, dbiResourceId: X_RESOURCE_ID } });
    expect(planShare(copy('orders-prod-2026-11-21-00-10', { DbiResourceId: 'db-ANOTHERXCREATEDLATER000001' }), withId, [], VAULT.account).action).toBe('skip');
    expect(planShare(copy('orders-prod-2026-11-21-00-10'), withId, [], VAULT.account).action).toBe('share');
  });

  it("honours the pair's own ownership tag", () => {
    const custom = pair({ ownershipTag: { key: 'owner', value: 'replica-refresh' } });
    expect(planShare(copy('orders-prod-2026-11-21-00-10'), custom, [], VAULT.account).action).toBe('skip');
    expect(planShare(copy('orders-prod-2026-11-21-00-10', { TagList: [{ Key: 'owner', Value: 'replica-refresh' }, OWNED[1]!] }), custom, [], VAULT.account).action).toBe('share');
  });
});

describe('manifestOf', () => {
  it("records x's data time, resource id, engine and portable settings, and passes the inbox's schema", () => {
    const snapshot = copy('orders-prod-2026-11-21-00-10', { EngineVersion: '16.4' });
    const m = manifestOf(pair(), snapshot, xInstance, NOW);
    expect(manifestSchema.parse(m)).toEqual(m);
    expect(m).toMatchObject({
      version: 1,
      pairId: 'orders-staging',
      sourceInstanceId: X,
      sourceRegion: SOURCE_REGION,
      sourceDbiResourceId: X_RESOURCE_ID,
      snapshotArn: arnOf('orders-prod-2026-11-21-00-10'),
      dataTime: '2026-11-21T00:10:00.000Z',
      sharedAt: NOW.toISOString(),
      engine: 'postgres',
      engineVersion: '16.4',
      settings: { instanceClass: 'db.r6g.xlarge', multiAz: true },
    });
  });

  it("goes without settings when x could not be read, and falls back to x's engine version and to the snapshot's creation time", () => {
    const snapshot: SnapshotView = { ...copy('orders-prod-2026-11-21-00-10'), dataTime: undefined };
    const without = manifestOf(pair(), snapshot, undefined, NOW);
    expect(without.settings).toBeUndefined();
    expect(without.engineVersion).toBeUndefined();
    expect(without.dataTime).toBe(snapshot.createdAt?.toISOString());
    expect(manifestSchema.safeParse(without).success).toBe(true);
    expect(manifestOf(pair(), snapshot, xInstance, NOW).engineVersion).toBe(xInstance.engineVersion);
  });
});

describe('shareOne', () => {
  const p = pair();

  it('sends the manifest first, then shares the copy with the vault account and nothing else', async () => {
    const f = fake([copy('orders-prod-2026-11-21-00-10')]);
    const outcome = await shareOne(f.deps, p, VAULT, 'orders-prod-2026-11-21-00-10');
    expect(outcome).toEqual({ action: 'shared', snapshotId: 'orders-prod-2026-11-21-00-10' });
    expect(f.log).toEqual([`describe ${X} in ${SOURCE_REGION}`, `send manifest of ${arnOf('orders-prod-2026-11-21-00-10')}`, `share orders-prod-2026-11-21-00-10 with ${VAULT.account}`]);
    expect(f.shares.get('orders-prod-2026-11-21-00-10')).toEqual([VAULT.account]);
    expect(f.sent[0]?.settings?.instanceClass).toBe('db.r6g.xlarge');
    expect(f.telemetry.total('VaultSnapshotShared', { replica: p.id })).toBe(1);
  });

  it('does nothing with a copy already shared with the vault (a repeated event, the sweep after the event)', async () => {
    const f = fake([copy('orders-prod-2026-11-21-00-10')], { sharedWith: { 'orders-prod-2026-11-21-00-10': [VAULT.account] } });
    expect(await shareOne(f.deps, p, VAULT, 'orders-prod-2026-11-21-00-10')).toMatchObject({ action: 'skipped', reason: expect.stringMatching(/already shared/) as unknown });
    expect(f.log).toEqual([]);
  });

  it('never shares, nor sends a manifest of, a snapshot the project does not own', async () => {
    const f = fake([copy('orders-prod-before-upgrade', { TagList: [{ Key: 'team', Value: 'dba' }] })]);
    expect((await shareOne(f.deps, p, VAULT, 'orders-prod-before-upgrade')).action).toBe('skipped');
    expect(f.log).toEqual([]);
    expect(f.shares.size).toBe(0);
  });

  it('skips a snapshot that no longer exists', async () => {
    const f = fake([]);
    expect(await shareOne(f.deps, p, VAULT, 'orders-prod-2026-11-21-00-10')).toMatchObject({ action: 'skipped', reason: expect.stringMatching(/no longer exists in eu-central-1/) as unknown });
    expect(f.log).toEqual([]);
  });

  it('refuses an aws/rds-encrypted copy that RDS will not share, and alerts with what to change', async () => {
    // RDS's answer as the simulation gives it (scripts/sim/sharing.ts), classified as the adapter classifies it.
    const refusal = classify(
      new RDSServiceException({ name: 'InvalidParameterValue', $fault: 'client', message: 'Snapshot orders-prod-2026-11-21-00-10 is encrypted with the default KMS key (aws/rds) and can\'t be shared.', $metadata: {} }),
      'ModifyDBSnapshotAttribute orders-prod-2026-11-21-00-10',
    ) as Error;
    expect(refusal).toBeInstanceOf(PermanentRdsError);
    const f = fake([copy('orders-prod-2026-11-21-00-10', { KmsKeyId: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/aws-rds-default` })], { shareFails: () => refusal });
    const outcome = await shareOne(f.deps, p, VAULT, 'orders-prod-2026-11-21-00-10');
    expect(outcome.action).toBe('refused');
    expect(outcome).toMatchObject({ reason: expect.stringContaining(`with the vault account ${VAULT.account}`) as unknown });
    expect(f.shares.get('orders-prod-2026-11-21-00-10')).toBeUndefined();
    expect(f.alerts).toHaveLength(1);
    expect(f.alerts[0]).toMatchObject({ severity: 'alert', kind: 'vault.share-refused', replicaId: p.id, data: { snapshot: arnOf('orders-prod-2026-11-21-00-10'), vaultAccount: VAULT.account } });
    // What the operator must change: the copies' key, away from the AWS managed aws/rds.
    expect(f.alerts[0]?.text).toContain('aws/rds');
    expect(f.alerts[0]?.text).toContain('copy.replicaKmsKeyArn');
    expect(f.telemetry.total('VaultShareRefused', { replica: p.id })).toBe(1);
  });

  it('throws an error that a retry may fix (after the manifest went), so that Lambda retries the event', async () => {
    const f = fake([copy('orders-prod-2026-11-21-00-10')], { shareFails: () => new RetryableRdsError('ModifyDBSnapshotAttribute: Throttling', 'Throttling') });
    await expect(shareOne(f.deps, p, VAULT, 'orders-prod-2026-11-21-00-10')).rejects.toBeInstanceOf(RetryableRdsError);
    expect(f.sent).toHaveLength(1);
    expect(f.alerts).toEqual([]);
  });

  it("shares without x's settings when x's region cannot be read", async () => {
    const f = fake([copy('orders-prod-2026-11-21-00-10')], { x: new RetryableRdsError('DescribeDBInstances: ServiceUnavailable', 'ServiceUnavailable') });
    expect((await shareOne(f.deps, p, VAULT, 'orders-prod-2026-11-21-00-10')).action).toBe('shared');
    expect(f.sent[0]?.settings).toBeUndefined();
    expect(f.shares.get('orders-prod-2026-11-21-00-10')).toEqual([VAULT.account]);
  });
});

describe('shareSweep', () => {
  it('shares every available owned copy of each pair that the vault does not have, and only those', async () => {
    const f = fake(
      [
        copy('orders-prod-2026-11-19-00-10'),
        copy('orders-prod-2026-11-20-00-10'),
        copy('orders-prod-2026-11-21-00-10', { Status: 'copying' }),
        copy('orders-prod-before-upgrade', { TagList: [] }),
        copy('rds:orders-prod-2026-11-21-00-10', { SnapshotType: 'automated' }),
      ],
      { sharedWith: { 'orders-prod-2026-11-19-00-10': [VAULT.account] } },
    );
    const outcomes = await shareSweep(f.deps, [pair()], VAULT);
    expect(outcomes).toEqual([{ action: 'skipped', reason: expect.stringMatching(/already shared/) as unknown }, { action: 'shared', snapshotId: 'orders-prod-2026-11-20-00-10' }]);
    expect([...f.shares]).toEqual([
      ['orders-prod-2026-11-19-00-10', [VAULT.account]],
      ['orders-prod-2026-11-20-00-10', [VAULT.account]],
    ]);
    expect(f.sent.map((m) => m.snapshotArn)).toEqual([arnOf('orders-prod-2026-11-20-00-10')]);
  });

  it("goes on after one copy's failure, then fails the sweep so that the function's alarms say so; the next sweep retries", async () => {
    const f = fake([copy('orders-prod-2026-11-20-00-10'), copy('orders-prod-2026-11-21-00-10')], {
      shareFails: (id) => (id === 'orders-prod-2026-11-20-00-10' ? new Error('socket hang up') : undefined),
    });
    await expect(shareSweep(f.deps, [pair()], VAULT)).rejects.toThrow(/the vault share sweep failed for 1 snapshot\(s\) or pair\(s\), after going on with the others: orders-prod-2026-11-20-00-10: .*socket hang up/);
    // The other copy was shared all the same.
    expect(f.shares.get('orders-prod-2026-11-21-00-10')).toEqual([VAULT.account]);
    expect(f.telemetry.total('VaultShareFailed', { replica: pair().id })).toBe(1);
  });

  it('leaves out a pair whose copies are encrypted with aws/rds, which RDS cannot share', async () => {
    const awsRds = pair({ copy: { replicaKmsKeyArn: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:alias/aws/rds` } });
    expect(vaultPairs([awsRds])).toEqual([]);
    const f = fake([copy('orders-prod-2026-11-21-00-10')]);
    expect(await shareSweep(f.deps, [awsRds], VAULT)).toEqual([]);
    expect(f.log).toEqual([]);
  });
});

describe('pairOfSnapshot', () => {
  const orders = pair();
  const ordersArchive = pair({ id: 'archive', source: { instanceId: 'orders-prod-archive', region: SOURCE_REGION }, replica: { instanceId: 'orders-archive-staging', region: REPLICA_REGION } });

  it('finds the pair by the x its copy is named after, the longest x winning, by id or by ARN', () => {
    expect(pairOfSnapshot([orders, ordersArchive], 'orders-prod-2026-11-21-00-10')?.id).toBe(orders.id);
    expect(pairOfSnapshot([orders, ordersArchive], 'orders-prod-archive-2026-11-21-00-10')?.id).toBe('archive');
    expect(pairOfSnapshot([ordersArchive, orders], arnOf('orders-prod-archive-2026-11-21-00-10'))?.id).toBe('archive');
  });

  it("finds none for a snapshot of no pair's x, or of a pair that cannot go to the vault", () => {
    expect(pairOfSnapshot([orders], 'orders-prodx-2026-11-21-00-10')).toBeUndefined();
    expect(pairOfSnapshot([orders], 'billing-prod-2026-11-21-00-10')).toBeUndefined();
    const notCopied: PairConfig = pair({ copy: { enabled: false } });
    expect(pairOfSnapshot([notCopied], 'orders-prod-2026-11-21-00-10')).toBeUndefined();
  });

  it('finds the pair of x and y in one region, whose copies the project makes there for the vault', () => {
    const sameRegion: PairConfig = pair({ source: { instanceId: X, region: REPLICA_REGION }, replica: { instanceId: 'orders-staging', region: REPLICA_REGION } });
    expect(pairOfSnapshot([sameRegion], 'orders-prod-2026-11-21-00-10')).toBe(sameRegion);
  });
});

describe('sharing the copies of an Aurora x', () => {
  const aurora = pair({
    engine: 'aurora-postgresql',
    source: { clusterId: 'orders-aurora', region: SOURCE_REGION },
    replica: { clusterId: 'orders-aurora-staging', region: REPLICA_REGION, memberIds: ['orders-aurora-staging-1'] },
  });
  const clusterCopy = toClusterSnapshotView({
    DBClusterSnapshotIdentifier: 'orders-aurora-2026-11-21-00-10',
    DBClusterSnapshotArn: `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:cluster-snapshot:orders-aurora-2026-11-21-00-10`,
    DBClusterIdentifier: 'orders-aurora',
    SnapshotType: 'manual',
    Status: 'available',
    Engine: 'aurora-postgresql',
    EngineVersion: '16.6',
    SnapshotCreateTime: new Date('2026-11-21T00:10:00Z'),
    StorageEncrypted: true,
    TagList: OWNED,
  });
  const x = toClusterView(
    { DBClusterIdentifier: 'orders-aurora', Engine: 'aurora-postgresql', Status: 'available', DBClusterMembers: [{ DBInstanceIdentifier: 'orders-aurora-1', IsClusterWriter: true }], BackupRetentionPeriod: 7 },
    [{ DBInstanceIdentifier: 'orders-aurora-1', DBClusterIdentifier: 'orders-aurora', DBInstanceStatus: 'available', DBInstanceClass: 'db.r6g.large' }],
  );

  it("shares a cluster snapshot copy with the cluster calls, after a manifest with the cluster's settings, and never touches the DB snapshot calls", async () => {
    const f = fake([]);
    const clusterShares: string[] = [];
    const deps: ShareDeps = {
      ...f.deps,
      snapshots: {
        instance: f.deps.snapshots.instance,
        cluster: {
          listSnapshots: () => Promise.resolve([clusterCopy]),
          describeSnapshot: (id) => Promise.resolve(id === clusterCopy.id ? clusterCopy : undefined),
          sharedWith: () => Promise.resolve([]),
          shareSnapshot: (id, account) => (clusterShares.push(`${id} with ${account}`), Promise.resolve()),
        },
      },
      sourceRds: () => ({ describeInstance: () => Promise.reject(new Error('an Aurora x is no DB instance')), describeCluster: (id) => Promise.resolve(id === 'orders-aurora' ? x : undefined) }),
    };
    const outcomes = await shareSweep(deps, [aurora], VAULT);
    expect(outcomes).toEqual([{ action: 'shared', snapshotId: clusterCopy.id }]);
    expect(clusterShares).toEqual([`${clusterCopy.id} with ${VAULT.account}`]);
    expect(f.log.filter((l) => l.startsWith('share '))).toEqual([]);
    const [manifest] = f.sent;
    expect(manifestSchema.parse(manifest)).toEqual(manifest);
    expect(manifest).toMatchObject({ kind: 'cluster', sourceInstanceId: 'orders-aurora', snapshotArn: clusterCopy.arn, clusterSettings: { members: [{ writer: true, instanceClass: 'db.r6g.large' }] } });
    expect(manifest?.settings).toBeUndefined();
    // A DB snapshot event naming the cluster's copy is no Aurora pair's: those are shared by the sweep.
    expect(pairOfSnapshot([aurora], clusterCopy.id)).toBeUndefined();
    expect(pairOfSnapshot([aurora], clusterCopy.arn, 'cluster')).toBe(aurora);
  });

  it('says what is missing when the function was built without the cluster calls', async () => {
    const f = fake([]);
    await expect(shareSweep(f.deps, [aurora], VAULT)).rejects.toThrow(/the share function has no DB cluster snapshot calls/);
  });
});
