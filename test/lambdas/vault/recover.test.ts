/**
 * The recovery's steps over a fake vault account (lambdas/vault/recover.ts): the master password is handed to RDS to
 * manage before the instance counts as usable, RDS's one-modification-at-a-time answer is waited out, and a refusal
 * leaves the restored instance in place with a failed record that says what to do.
 */
import type { RecoveryRecord } from '../../../lambdas/aws/vault-ledger';
import type { ClusterTargetSettings, ClusterView, InstanceSettings, InstanceView, SnapshotView } from '../../../lambdas/kernel/model';
import type { ModifyChanges, RestoreRequest } from '../../../lambdas/kernel/ports';
import { PermanentRdsError, RetryableRdsError } from '../../../lambdas/kernel/errors';
import type { TargetRestoreRequest } from '../../../lambdas/targets/target';
import type { VaultPair } from '../../../lambdas/vault/config';
import type { Manifest } from '../../../lambdas/vault/manifest';
import { VAULT_COPY_TAG, VAULT_PAIR_TAG, VAULT_SOURCE_TAG } from '../../../lambdas/vault/names';
import type { RecoverDeps, RecoverRequest, RecoveryGateway } from '../../../lambdas/vault/recover';
import { recover } from '../../../lambdas/vault/recover';

const PAIR: VaultPair = { id: 'orders-staging', sourceInstanceId: 'orders-prod', sourceRegion: 'eu-west-1', replicaRegion: 'eu-central-1' };
const SHARED = 'arn:aws:rds:eu-central-1:111111111111:snapshot:orders-prod-copy';
const DATA_TIME = new Date('2026-12-31T00:10:00Z');
const COPY: SnapshotView = {
  id: 'vault-orders-prod-copy',
  arn: 'arn:aws:rds:eu-west-2:222222222222:snapshot:vault-orders-prod-copy',
  instanceId: 'orders-prod',
  type: 'manual',
  status: 'available',
  engine: 'postgres',
  dataTime: DATA_TIME,
  encrypted: true,
  tags: { [VAULT_COPY_TAG.key]: VAULT_COPY_TAG.value, [VAULT_SOURCE_TAG]: SHARED, [VAULT_PAIR_TAG]: PAIR.id },
};
const MANIFEST: Manifest = {
  version: 1,
  pairId: PAIR.id,
  sourceInstanceId: 'orders-prod',
  sourceRegion: 'eu-west-1',
  snapshotArn: SHARED,
  dataTime: DATA_TIME.toISOString(),
  sharedAt: DATA_TIME.toISOString(),
  engine: 'postgres',
  settings: { instanceClass: 'db.r6g.large', multiAz: false, iamDatabaseAuthentication: false, cloudwatchLogsExports: [], autoMinorVersionUpgrade: true, copyTagsToSnapshot: true, deletionProtection: false, backupRetentionPeriod: 7, maxAllocatedStorage: 1000, tags: {} },
};
const REQUEST: RecoverRequest = { pair: PAIR, instanceId: 'orders-prod-recovered', account: '222222222222', region: 'eu-west-2', placement: {}, pollSeconds: 30, timeoutMinutes: 60 };

/** A vault account with one copy of x; RDS restores in 10 min, and answers modifications as `modify` says. */
function vaultAccount(modify: (changes: ModifyChanges) => 'modified' | 'busy' | Error) {
  let clock = Date.parse('2026-12-31T12:00:00Z');
  let instance: InstanceView | undefined;
  let readyAt = Infinity;
  const modifications: ModifyChanges[] = [];
  const records: RecoveryRecord[] = [];
  const deps: RecoverDeps = {
    rds: {
      listTaggedManualSnapshots: () => Promise.resolve([COPY]),
      describeInstance: () => {
        if (instance?.status === 'creating' && clock >= readyAt) instance.status = 'available';
        return Promise.resolve(instance && structuredClone(instance));
      },
      restoreInstance: (request: RestoreRequest) => {
        const settings = { ...request.settings, maxAllocatedStorage: undefined } as InstanceSettings;
        instance = { id: request.instanceId, arn: `arn:aws:rds:eu-west-2:222222222222:db:${request.instanceId}`, status: 'creating', engine: 'postgres', domainMemberships: [], storageEncrypted: true, settings, pending: {}, tags: request.tags };
        readyAt = clock + 10 * 60_000;
        return Promise.resolve('requested');
      },
      modifyInstance: (_id: string, changes: ModifyChanges) => {
        modifications.push(changes);
        const answer = modify(changes);
        if (answer instanceof Error) return Promise.reject(answer);
        if (answer === 'modified' && instance) {
          if (changes.manageMasterUserPassword) Object.assign(instance, { masterUserSecretArn: 'arn:aws:secretsmanager:eu-west-2:222222222222:secret:rds!db-1', masterUserSecretStatus: 'active' });
          if (changes.settings) instance.settings = { ...instance.settings, ...changes.settings };
        }
        return Promise.resolve(answer);
      },
    },
    ledger: { manifestOf: (arn) => Promise.resolve(arn === SHARED ? MANIFEST : undefined), putRecovery: (r) => (records.push(r), Promise.resolve()) },
    now: () => new Date(clock),
    sleep: (ms) => {
      clock += ms;
      return new Promise((resolve) => setImmediate(resolve));
    },
    progress: () => undefined,
  };
  return { deps, modifications, records, instance: () => instance };
}

describe('recover', () => {
  it('hands the master password to RDS before x counts as usable, then applies what a restore cannot set', async () => {
    const account = vaultAccount(() => 'modified');
    const result = await recover(account.deps, REQUEST);
    expect(result).toMatchObject({ status: 'succeeded', rtoSeconds: 600, masterUserSecretArn: 'arn:aws:secretsmanager:eu-west-2:222222222222:secret:rds!db-1', settingsApplied: ['storage-autoscaling'] });
    expect(account.modifications).toEqual([{ manageMasterUserPassword: {} }, { settings: { maxAllocatedStorage: 1000 } }]);
    expect(account.instance()?.settings.maxAllocatedStorage).toBe(1000);
    expect(account.records.at(-1)).toMatchObject({ status: 'succeeded', masterUserSecretArn: result.masterUserSecretArn, rtoSeconds: result.rtoSeconds });
  });

  it("waits out RDS's busy answer (one modification at a time) and asks again", async () => {
    let busy = 2;
    const account = vaultAccount(() => (busy-- > 0 ? 'busy' : 'modified'));
    const result = await recover(account.deps, REQUEST);
    expect(result.status).toBe('succeeded');
    expect(account.modifications.filter((m) => m.manageMasterUserPassword)).toHaveLength(3);
  });

  it('gives up at the time limit when RDS stays busy, with a failed record, never looping on', async () => {
    const account = vaultAccount(() => 'busy');
    const result = await recover(account.deps, REQUEST);
    expect(result.status).toBe('failed');
    expect(result.reason).toContain('the change was not accepted in time (last: RDS answered that the instance is busy with another change)');
    // One look and one ask a poll, from the restore (10 min) to the limit (60 min): about 100 calls, not thousands.
    expect(account.modifications.length).toBeGreaterThan(90);
    expect(account.modifications.length).toBeLessThan(110);
    expect(account.records.at(-1)).toMatchObject({ status: 'failed' });
  });

  it('retries a passing RDS error (throttling) as it retries busy', async () => {
    let throttled = 1;
    const account = vaultAccount(() => (throttled-- > 0 ? new RetryableRdsError('ModifyDBInstance orders-prod-recovered: Throttling: Rate exceeded', 'Throttling') : 'modified'));
    const result = await recover(account.deps, REQUEST);
    expect(result.status).toBe('succeeded');
    expect(account.modifications.filter((m) => m.manageMasterUserPassword)).toHaveLength(2);
  });

  it('settings that stay refused after x is usable become notes: the recovery still succeeded, and ends', async () => {
    const account = vaultAccount((changes) => (changes.settings ? 'busy' : 'modified'));
    const result = await recover(account.deps, REQUEST);
    expect(result).toMatchObject({ status: 'succeeded', settingsApplied: [] });
    expect(result.notes.some((n) => n.startsWith('storage-autoscaling (maxAllocatedStorage) not applied: the change was not accepted in time'))).toBe(true);
    expect(account.records.at(-1)).toMatchObject({ status: 'succeeded' });
  });

  it('fails, leaving the restored instance in place, when RDS refuses to manage its password, and says what to do', async () => {
    const account = vaultAccount((changes) => (changes.manageMasterUserPassword ? Object.assign(new Error('secretsmanager:CreateSecret denied'), { name: 'AccessDenied' }) : 'modified'));
    const result = await recover(account.deps, REQUEST);
    expect(result.status).toBe('failed');
    expect(result.reason).toContain('orders-prod-recovered is restored, but RDS refused to manage its master password in the vault account');
    expect(result.reason).toContain("it serves with production's master password");
    expect(result.reason).toContain('aws rds modify-db-instance --region eu-west-2 --db-instance-identifier orders-prod-recovered --manage-master-user-password --apply-immediately');
    expect(account.instance()?.status).toBe('available');
    expect(account.records.at(-1)).toMatchObject({ status: 'failed', reason: result.reason });
  });
});

describe('recover of an Aurora x', () => {
  const AURORA: VaultPair = { ...PAIR, kind: 'cluster', sourceInstanceId: 'orders-aurora' };
  const CLUSTER_SHARED = 'arn:aws:rds:eu-central-1:111111111111:cluster-snapshot:orders-aurora-copy';
  const CLUSTER_COPY: SnapshotView = {
    ...COPY,
    id: 'vault-orders-aurora-copy',
    arn: 'arn:aws:rds:eu-west-2:222222222222:cluster-snapshot:vault-orders-aurora-copy',
    instanceId: 'orders-aurora',
    engine: 'aurora-postgresql',
    engineVersion: '16.6',
    tags: { ...COPY.tags, [VAULT_SOURCE_TAG]: CLUSTER_SHARED },
  };
  const CLUSTER_MANIFEST: Manifest = {
    version: 1,
    kind: 'cluster',
    pairId: PAIR.id,
    sourceInstanceId: 'orders-aurora',
    sourceRegion: 'eu-west-1',
    snapshotArn: CLUSTER_SHARED,
    dataTime: DATA_TIME.toISOString(),
    sharedAt: DATA_TIME.toISOString(),
    engine: 'aurora-postgresql',
    clusterSettings: {
      iamDatabaseAuthentication: false,
      cloudwatchLogsExports: [],
      deletionProtection: false,
      copyTagsToSnapshot: true,
      backupRetentionPeriod: 7,
      tags: {},
      members: [
        { writer: true, instanceClass: 'db.r6g.large', autoMinorVersionUpgrade: true, tags: {} },
        { writer: false, instanceClass: 'db.r6g.large', autoMinorVersionUpgrade: true, tags: {} },
      ],
    },
  };
  const ID = 'orders-aurora-recovered';

  /** A vault account whose RDS restores the cluster in 5 min and creates members as `create` answers. */
  function clusterAccount(create: (memberId: string) => 'requested' | Error, takenInstances: string[] = []) {
    let clock = Date.parse('2026-12-31T12:00:00Z');
    let cluster: ClusterView | undefined;
    const restores: TargetRestoreRequest[] = [];
    const records: RecoveryRecord[] = [];
    let readyAt = Infinity;
    const gateway: RecoveryGateway = {
      describe: () => {
        if (cluster?.status === 'creating' && clock >= readyAt) cluster.status = 'available';
        return Promise.resolve(cluster && structuredClone(cluster));
      },
      restore: (request) => {
        restores.push(request);
        cluster = { kind: 'cluster', id: request.identifier, arn: `arn:aws:rds:eu-west-2:222222222222:cluster:${request.identifier}`, status: 'creating', engine: 'aurora-postgresql', storageEncrypted: true, settings: request.settings as ClusterTargetSettings, members: [], tags: request.tags };
        readyAt = clock + 5 * 60_000;
        return Promise.resolve('requested');
      },
      completeRestore: (view) => {
        const c = view as ClusterView;
        if (c.status !== 'available' || !cluster) return Promise.resolve('waiting');
        const wanted = (c.settings.members ?? []).filter((m) => !c.members.some((have) => have.id === m.id) && (m.writer || c.members.length > 0));
        if (wanted.length === 0) return Promise.resolve('done');
        for (const m of wanted) {
          const answer = create(m.id);
          if (answer instanceof Error) return Promise.reject(answer);
          cluster.members.push({ id: m.id, arn: `arn:aws:rds:eu-west-2:222222222222:db:${m.id}`, status: 'available', writer: m.writer, settings: m });
        }
        return Promise.resolve('created');
      },
      modify: (_id, changes) => {
        if (changes.manageMasterUserPassword && cluster) Object.assign(cluster, { masterUserSecretArn: 'arn:aws:secretsmanager:eu-west-2:222222222222:secret:rds!cluster-1', masterUserSecretStatus: 'active' });
        return Promise.resolve('modified');
      },
    };
    const base = vaultAccount(() => 'modified');
    const deps: RecoverDeps = {
      ...base.deps,
      rds: { ...base.deps.rds, describeInstance: (id) => Promise.resolve(takenInstances.includes(id) ? ({ id } as InstanceView) : undefined) },
      clusters: { listTaggedManualSnapshots: () => Promise.resolve([CLUSTER_COPY]), gateway },
      ledger: { manifestOf: (arn) => Promise.resolve(arn === CLUSTER_SHARED ? CLUSTER_MANIFEST : undefined), putRecovery: (r) => (records.push(r), Promise.resolve()) },
      now: () => new Date(clock),
      sleep: (ms) => {
        clock += ms;
        return new Promise((resolve) => setImmediate(resolve));
      },
    };
    return { deps, restores, records, cluster: () => cluster };
  }

  it("restores the cluster at its data's engine version, then its writer and reader named after it, and is usable with its secret active", async () => {
    const created: string[] = [];
    const account = clusterAccount((id) => (created.push(id), 'requested'));
    const result = await recover(account.deps, { ...REQUEST, pair: AURORA, instanceId: ID });
    expect(result).toMatchObject({ status: 'succeeded', instanceId: ID, masterUserSecretArn: 'arn:aws:secretsmanager:eu-west-2:222222222222:secret:rds!cluster-1', settingsFrom: 'manifest' });
    expect(account.restores).toEqual([expect.objectContaining({ identifier: ID, snapshotIdentifier: CLUSTER_COPY.id, engine: 'aurora-postgresql', engineVersion: '16.6' })]);
    expect(created).toEqual([`${ID}-1`, `${ID}-2`]);
    expect(account.records.at(-1)).toMatchObject({ status: 'succeeded' });
  });

  it('fails with a record that says what to do when RDS refuses its writer, leaving the cluster in place', async () => {
    const account = clusterAccount(() => new PermanentRdsError('RDS does not support creating a DB instance with the following combination: DBInstanceClass=db.r6g.large', 'InvalidParameterCombination'));
    const result = await recover(account.deps, { ...REQUEST, pair: AURORA, instanceId: ID });
    expect(result.status).toBe('failed');
    expect(result.reason).toContain(`${ID} is restored, but RDS refused its writer`);
    expect(result.reason).toContain('DBInstanceClass=db.r6g.large');
    expect(account.records.at(-1)).toMatchObject({ status: 'failed', reason: result.reason });
    expect(account.cluster()?.status).toBe('available');
  });

  it('asks again for a writer RDS throttled, and succeeds', async () => {
    let throttled = 1;
    const account = clusterAccount((id) => (id.endsWith('-1') && throttled-- > 0 ? new RetryableRdsError('Rate exceeded', 'Throttling') : 'requested'));
    const result = await recover(account.deps, { ...REQUEST, pair: AURORA, instanceId: ID });
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(account.cluster()?.members.map((m) => m.id)).toEqual([`${ID}-1`, `${ID}-2`]);
  });

  it('succeeds from its writer when RDS refuses its reader, and says so in a note', async () => {
    const account = clusterAccount((id) => (id.endsWith('-2') ? new PermanentRdsError('You have reached the maximum number of DB instances', 'InstanceQuotaExceeded') : 'requested'));
    const result = await recover(account.deps, { ...REQUEST, pair: AURORA, instanceId: ID });
    expect(result.status).toBe('succeeded');
    expect(result.masterUserSecretArn).toBeDefined();
    expect(result.notes).toContainEqual(expect.stringContaining(`RDS refused the readers of ${ID}`));
    expect(account.cluster()?.members.map((m) => m.id)).toEqual([`${ID}-1`]);
    expect(account.records.at(-1)).toMatchObject({ status: 'succeeded' });
  });

  it('refuses to start when an instance already has the name of one of the members, before any restore', async () => {
    const account = clusterAccount(() => 'requested', [`${ID}-2`]);
    await expect(recover(account.deps, { ...REQUEST, pair: AURORA, instanceId: ID })).rejects.toThrow(`an instance named ${ID}-2 already exists in eu-west-2`);
    expect(account.restores).toEqual([]);
  });
});
