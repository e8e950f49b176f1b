/**
 * The vault account in the simulation (issue 18): production shares its copies of x with the vault account only,
 * sends their manifests (to an inbox that admits production's share role alone), and the vault copies them into its
 * own region under its own key; `recover` then restores x in the vault region from the newest vault copy, with x's
 * recorded settings, while x's region is down. The example's second pair is an Aurora cluster: its copies are DB
 * cluster snapshots, and it comes back as a cluster with its writer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VaultInbox } from '../../../lambdas/aws/queue';
import { recover } from '../../../lambdas/vault/recover';
import { VAULT_COPY_TAG, vaultInboxUrl } from '../../../lambdas/vault/names';
import type { SimRds } from '../../../scripts/sim/rds';
import { Simulation } from '../../../scripts/sim/world';
import { readInventory } from '../../../lambdas/vault/audit';

const ROOT = join(__dirname, '../../..');
const config = (
  JSON.parse(readFileSync(join(ROOT, 'infra/examples/vault/cdk.json'), 'utf8')) as {
    context: { replicaRefresh: { account: string; vault: { account: string; region: string }; pairs: { source: { instanceId?: string; clusterId?: string; region: string; mode?: string }; replica: { instanceId?: string; clusterId?: string; region: string } }[] } };
  }
).context.replicaRefresh;
const VAULT = config.vault;
const X = config.pairs[0]!.source.instanceId!;
/** The example's Aurora x: its copies are DB cluster snapshots. */
const AURORA = config.pairs.find((p) => p.source.clusterId)!;
const AURORA_X = AURORA.source.clusterId!;
/** The example's DB instance x's: across regions, in y's own region, and by backup replication. */
const INSTANCE_XS = config.pairs.flatMap((p) => (p.source.instanceId ? [p.source.instanceId] : []));
/** The example's pair with x and y in one region: the project copies x's snapshots there for the vault. */
const SAME_REGION = config.pairs.find((p) => p.source.instanceId && p.source.region === p.replica.region)!;
/** The example's backup-replication pair: y comes from replicated backups, the vault from copies of x's snapshots. */
const REPLICATED = config.pairs.find((p) => p.source.mode === 'backup-replication')!;

/** The accounts a DB snapshot is shared with, as DescribeDBSnapshotAttributes reports them. */
async function sharedWith(region: SimRds, snapshotId: string): Promise<string[]> {
  const out = (await region.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: snapshotId })) as { DBSnapshotAttributesResult?: { DBSnapshotAttributes?: { AttributeName?: string; AttributeValues?: string[] }[] } };
  return out.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
}

let sim: Simulation;
beforeAll(async () => {
  sim = await Simulation.create({ config, seed: 5 });
  // x's maintenance window and storage autoscaling, which a restore cannot set: recover applies them after it.
  const x = sim.regions.get(config.pairs[0]!.source.region)!.instances.get(X)!;
  x.PreferredMaintenanceWindow = 'sun:05:00-sun:05:30';
  x.MaxAllocatedStorage = 1000;
  await sim.runNights(3);
}, 120_000);
afterAll(() => sim.close());

describe('the vault in the simulated accounts', () => {
  it("shares each of production's copies with the vault account only, and the vault copies them under its own key", async () => {
    const vault = sim.vault!;
    const replica = sim.regions.get(config.pairs[0]!.replica.region)!;
    // Every DB instance x's, however y gets its data: the copies are all manual snapshots in y's region.
    const copies = [...replica.snapshots.values()].filter((s) => s.SnapshotType === 'manual' && INSTANCE_XS.includes(s.DBInstanceIdentifier!) && s.Status === 'available');
    for (const x of INSTANCE_XS) expect(copies.filter((c) => c.DBInstanceIdentifier === x).length).toBeGreaterThanOrEqual(3);
    for (const copy of copies) {
      const out = (await replica.handle('DescribeDBSnapshotAttributesCommand', { DBSnapshotIdentifier: copy.DBSnapshotIdentifier })) as { DBSnapshotAttributesResult?: { DBSnapshotAttributes?: { AttributeName?: string; AttributeValues?: string[] }[] } };
      expect(out.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues).toEqual([VAULT.account]);
    }
    const kept = [...vault.rds.snapshots.values()].filter((s) => s.TagList?.some((t) => t.Key === VAULT_COPY_TAG.key && t.Value === VAULT_COPY_TAG.value));
    expect(kept.map((s) => s.DBSnapshotIdentifier).sort()).toEqual(copies.map((c) => `vault-${c.DBSnapshotIdentifier!}`).sort());
    for (const s of kept) {
      expect(s.KmsKeyId).toBe(vault.keyArn);
      expect(s.DBSnapshotArn).toMatch(new RegExp(`^arn:aws:rds:${VAULT.region}:${VAULT.account}:snapshot:`));
    }
  });

  it("keeps each manifest with x's settings as production recorded them", async () => {
    const vault = sim.vault!;
    const replica = sim.regions.get(config.pairs[0]!.replica.region)!;
    const copy = [...replica.snapshots.values()].find((s) => s.SnapshotType === 'manual' && s.DBInstanceIdentifier === X && s.Status === 'available')!;
    const manifest = await vault.ledger.manifestOf(copy.DBSnapshotArn!);
    const x = sim.regions.get(config.pairs[0]!.source.region)!.instances.get(X)!;
    expect(manifest).toMatchObject({ sourceInstanceId: X, settings: { instanceClass: x.DBInstanceClass, multiAz: x.MultiAZ } });
  });

  it("admits to the inbox production's share role alone: the pipeline's manifests all arrived, anyone else's send is refused", async () => {
    const vault = sim.vault!;
    // The share function sent one manifest per copy it shared, through the inbox's queue policy, and the vault function got each.
    expect(vault.inbox.policy).toBeDefined();
    expect(vault.inbox.sent.length).toBeGreaterThanOrEqual(3);
    expect(vault.inbox.sent.every((m) => m.outcome === 'deleted')).toBe(true);
    expect(vault.inbox.denied).toEqual([]);
    const before = vault.inbox.sent.length;
    const forged = { snapshotArn: `arn:aws:rds:${config.pairs[0]!.replica.region}:${config.account}:snapshot:${X}-forged` };
    const intruders = [`arn:aws:iam::${config.account}:role/replica-refresh-start-refresh`, `arn:aws:iam::${VAULT.account}:role/vault-operator`];
    for (const principal of intruders) {
      await expect(new VaultInbox(vault.inboxClient(principal), vaultInboxUrl(VAULT)).send(forged)).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    }
    expect(vault.inbox.sent).toHaveLength(before);
    expect(vault.inbox.denied.map((d) => d.principal)).toEqual(intruders);
    expect(await vault.ledger.manifestOf(forged.snapshotArn)).toBeUndefined();
  });

  it('recovers x in the vault region from the newest vault copy with the source region down, and measures its RTO and RPO', async () => {
    const vault = sim.vault!;
    const source = sim.regions.get(config.pairs[0]!.source.region)!;
    source.unreachable = true;
    const lines: string[] = [];
    const result = await recover(vault.recoverDeps((l) => lines.push(l)), {
      pair: vault.config.pairs[0]!,
      instanceId: `${X}-recovered`,
      account: VAULT.account,
      region: VAULT.region,
      placement: {},
      pollSeconds: 30,
      timeoutMinutes: 120,
    });
    expect(result.reason).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded' });
    expect(result.settingsFrom).toBe('manifest');
    expect(result.rtoSeconds).toBeGreaterThan(0);
    expect(result.rpoSeconds).toBeGreaterThan(result.rtoSeconds!);
    const recovered = vault.rds.instances.get(`${X}-recovered`)!;
    const x = source.instances.get(X)!;
    expect(recovered.DBInstanceClass).toBe(x.DBInstanceClass);
    expect(recovered.MultiAZ).toBe(x.MultiAZ);
    expect(recovered.PubliclyAccessible).toBe(false);
    // The recovery's own calls went to the vault region only: its RDS client was never one of x's region.
    expect([...(sim.actionsCalled.get('recover') ?? [])].every((a) => a.startsWith('rds:'))).toBe(true);
    expect(vault.rds.calls.some((c) => c.command === 'RestoreDBInstanceFromDBSnapshotCommand')).toBe(true);
    const [record] = await vault.ledger.recoveries(vault.config.pairs[0]!.id);
    expect(record).toMatchObject({ status: 'succeeded', instanceId: `${X}-recovered`, rtoSeconds: result.rtoSeconds, rpoSeconds: result.rpoSeconds });
    expect(lines.length).toBeGreaterThan(1);
    // Someone in the vault account can log in: RDS manages the master password there, in an active secret of the
    // vault's region (production's secret, if any, is in x's region, which is down).
    expect(recovered.MasterUserSecret).toMatchObject({ SecretStatus: 'active', SecretArn: expect.stringMatching(new RegExp(`^arn:aws:secretsmanager:${VAULT.region}:${VAULT.account}:secret:rds!db-`)) as unknown });
    expect(result.masterUserSecretArn).toBe(recovered.MasterUserSecret!.SecretArn);
    expect(record?.masterUserSecretArn).toBe(recovered.MasterUserSecret!.SecretArn);
    // What a restore cannot set came after it, as x has it: the maintenance window and storage autoscaling.
    expect(result.settingsApplied).toEqual(['maintenance-window', 'storage-autoscaling']);
    expect(recovered.PreferredMaintenanceWindow).toBe('sun:05:00-sun:05:30');
    expect(recovered.MaxAllocatedStorage).toBe(1000);
  }, 120_000);

  it("with keepPassword, leaves the master password production's: no managed secret is asked for, and a note says so", async () => {
    const vault = sim.vault!;
    const before = vault.rds.calls.length;
    const result = await recover(vault.recoverDeps(() => undefined), {
      pair: vault.config.pairs[0]!,
      instanceId: `${X}-kept-password`,
      account: VAULT.account,
      region: VAULT.region,
      placement: {},
      pollSeconds: 30,
      timeoutMinutes: 120,
      keepPassword: true,
    });
    expect(result.status).toBe('succeeded');
    expect(result.masterUserSecretArn).toBeUndefined();
    expect(result.notes).toContain("the master password is production's (--keep-password): RDS does not manage it in the vault account");
    expect(vault.rds.instances.get(`${X}-kept-password`)?.MasterUserSecret).toBeUndefined();
    const modifies = vault.rds.calls.slice(before).filter((c) => c.command === 'ModifyDBInstanceCommand');
    expect(modifies.some((c) => c.input.ManageMasterUserPassword !== undefined)).toBe(false);
  }, 120_000);

  it("shares an Aurora x's cluster snapshot copies with the vault account only, and the vault copies them under its own key", async () => {
    const vault = sim.vault!;
    const replica = sim.regions.get(AURORA.replica.region)!;
    const copies = [...replica.clusters.snapshots.values()].filter((s) => s.SnapshotType === 'manual' && s.DBClusterIdentifier === AURORA_X && s.Status === 'available');
    expect(copies.length).toBeGreaterThanOrEqual(3);
    for (const copy of copies) {
      const out = (await replica.handle('DescribeDBClusterSnapshotAttributesCommand', { DBClusterSnapshotIdentifier: copy.DBClusterSnapshotIdentifier })) as {
        DBClusterSnapshotAttributesResult?: { DBClusterSnapshotAttributes?: { AttributeName?: string; AttributeValues?: string[] }[] };
      };
      expect(out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues).toEqual([VAULT.account]);
    }
    const kept = [...vault.rds.clusters.snapshots.values()].filter((s) => s.TagList?.some((t) => t.Key === VAULT_COPY_TAG.key && t.Value === VAULT_COPY_TAG.value));
    expect(kept.map((s) => s.DBClusterSnapshotIdentifier).sort()).toEqual(copies.map((c) => `vault-${c.DBClusterSnapshotIdentifier!}`).sort());
    for (const s of kept) {
      expect(s.KmsKeyId).toBe(vault.keyArn);
      expect(s.DBClusterSnapshotArn).toMatch(new RegExp(`^arn:aws:rds:${VAULT.region}:${VAULT.account}:cluster-snapshot:`));
    }
    // The vault's cluster snapshots are the Aurora x's alone; its DB snapshots, the instance x's alone.
    expect(kept.every((s) => s.DBClusterIdentifier === AURORA_X)).toBe(true);
    const instanceCopies = [...vault.rds.snapshots.values()].filter((s) => s.TagList?.some((t) => t.Key === VAULT_COPY_TAG.key));
    expect(instanceCopies.length).toBeGreaterThan(0);
    expect(instanceCopies.every((s) => INSTANCE_XS.includes(s.DBInstanceIdentifier!))).toBe(true);
  });

  it("x and y in one region: the project copies x's automated snapshots there under its own key and shares only those copies", async () => {
    const region = sim.regions.get(SAME_REGION.replica.region)!;
    const x = SAME_REGION.source.instanceId!;
    const ofX = [...region.snapshots.values()].filter((s) => s.DBInstanceIdentifier === x);
    const automated = ofX.filter((s) => s.SnapshotType === 'automated');
    const copies = ofX.filter((s) => s.SnapshotType === 'manual');
    // Each night's automated snapshot (three seeded, three taken) has its copy within the region, named without `rds:`.
    expect(automated.length).toBeGreaterThanOrEqual(6);
    expect(copies.map((c) => c.DBSnapshotIdentifier).sort()).toEqual(automated.map((a) => a.DBSnapshotIdentifier!.replace(/^rds:/, '')).sort());
    for (const c of copies) {
      // A copy within the region: no SourceRegion; re-encrypted under the project key, which admits the vault account.
      expect(c.SourceRegion).toBeUndefined();
      expect(c.KmsKeyId).toBe(sim.replicaKeyArn);
      expect(c.KmsKeyId).not.toBe(automated[0]!.KmsKeyId);
      expect(await sharedWith(region, c.DBSnapshotIdentifier!)).toEqual([VAULT.account]);
    }
    // x's own automated snapshots stay unshared (RDS cannot share them anyway).
    for (const a of automated) expect(await sharedWith(region, a.DBSnapshotIdentifier!)).toEqual([]);
    const kept = [...sim.vault!.rds.snapshots.values()].filter((s) => s.DBInstanceIdentifier === x && s.TagList?.some((t) => t.Key === VAULT_COPY_TAG.key));
    expect(kept.map((s) => s.DBSnapshotIdentifier).sort()).toEqual(copies.map((c) => `vault-${c.DBSnapshotIdentifier!}`).sort());
  });

  it('backup replication: y is still restored from the replicated backups, and the vault gets copies of x made into y\'s region', async () => {
    const runs = (await sim.ledger.listRuns(REPLICATED.replica.instanceId!, { limit: 10 })).filter((r) => r.status === 'succeeded');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    // A replicated-backup restore names x and the time it restored to, never a snapshot.
    for (const run of runs) expect(run.snapshot?.id).toMatch(new RegExp(`^${REPLICATED.source.instanceId!}@`));
    const replica = sim.regions.get(REPLICATED.replica.region)!;
    const copies = [...replica.snapshots.values()].filter((s) => s.DBInstanceIdentifier === REPLICATED.source.instanceId && s.SnapshotType === 'manual');
    expect(copies.length).toBeGreaterThanOrEqual(3);
    for (const c of copies) expect(c.SourceRegion).toBe(REPLICATED.source.region);
    const kept = [...sim.vault!.rds.snapshots.values()].filter((s) => s.DBInstanceIdentifier === REPLICATED.source.instanceId && s.TagList?.some((t) => t.Key === VAULT_COPY_TAG.key));
    expect(kept.length).toBe(copies.filter((c) => c.Status === 'available').length);
  });

  it("keeps an Aurora x's manifest with its cluster's settings and its writer's class", async () => {
    const vault = sim.vault!;
    const replica = sim.regions.get(AURORA.replica.region)!;
    const copy = [...replica.clusters.snapshots.values()].find((s) => s.SnapshotType === 'manual' && s.DBClusterIdentifier === AURORA_X && s.Status === 'available')!;
    const manifest = await vault.ledger.manifestOf(copy.DBClusterSnapshotArn!);
    const source = sim.regions.get(AURORA.source.region)!;
    const writerId = source.clusters.clusters.get(AURORA_X)!.DBClusterMembers!.find((m) => m.IsClusterWriter)!.DBInstanceIdentifier!;
    expect(manifest).toMatchObject({ kind: 'cluster', sourceInstanceId: AURORA_X, clusterSettings: { members: [{ writer: true, instanceClass: source.instances.get(writerId)!.DBInstanceClass }] } });
    expect(manifest?.settings).toBeUndefined();
  });

  it('recovers an Aurora x as a cluster with its writer, in the vault region, with the source region down, and measures its RTO and RPO', async () => {
    const vault = sim.vault!;
    const source = sim.regions.get(AURORA.source.region)!;
    source.unreachable = true;
    const pair = vault.config.pairs.find((p) => p.kind === 'cluster')!;
    const id = `${AURORA_X}-recovered`;
    const before = vault.rds.calls.length;
    const result = await recover(vault.recoverDeps(() => undefined), { pair, instanceId: id, account: VAULT.account, region: VAULT.region, placement: {}, pollSeconds: 30, timeoutMinutes: 120 });
    expect(result.reason).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', instanceId: id, settingsFrom: 'manifest', snapshotId: expect.stringMatching(/^vault-/) as unknown });
    expect(result.rpoSeconds).toBeGreaterThan(result.rtoSeconds!);
    const cluster = vault.rds.clusters.clusters.get(id)!;
    expect(cluster.Status).toBe('available');
    expect(cluster.KmsKeyId).toBe(vault.keyArn);
    const writerId = source.clusters.clusters.get(AURORA_X)!.DBClusterMembers!.find((m) => m.IsClusterWriter)!.DBInstanceIdentifier!;
    expect(cluster.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: `${id}-1`, IsClusterWriter: true })]);
    const writer = vault.rds.instances.get(`${id}-1`)!;
    expect(writer.DBInstanceClass).toBe(source.instances.get(writerId)!.DBInstanceClass);
    expect(writer.PubliclyAccessible).toBe(false);
    // RDS manages the cluster's master password in the vault account's Secrets Manager, of the vault's region.
    expect(cluster.MasterUserSecret).toMatchObject({ SecretStatus: 'active', SecretArn: expect.stringMatching(new RegExp(`^arn:aws:secretsmanager:${VAULT.region}:${VAULT.account}:secret:rds!cluster-`)) as unknown });
    expect(result.masterUserSecretArn).toBe(cluster.MasterUserSecret!.SecretArn);
    const commands = vault.rds.calls.slice(before).map((c) => c.command);
    expect(commands).toEqual(expect.arrayContaining(['RestoreDBClusterFromSnapshotCommand', 'CreateDBInstanceCommand', 'ModifyDBClusterCommand']));
    expect(commands).not.toContain('RestoreDBInstanceFromDBSnapshotCommand');
    const records = await vault.ledger.recoveries(pair.id);
    expect(records.at(-1)).toMatchObject({ status: 'succeeded', instanceId: id, rtoSeconds: result.rtoSeconds, rpoSeconds: result.rpoSeconds });
  }, 120_000);

  it("npm run vault's inventory, read from the vault account alone after the recoveries: each with its RTO and RPO, every x within rpoHours", async () => {
    const vault = sim.vault!;
    const before = vault.rds.calls.length;
    const inventory = await readInventory(vault.inventoryReads(vault.config.pairs), vault.config.pairs, sim.fullConfig.vault!);
    expect(inventory.map((r) => r.replica)).toEqual(config.pairs.map((p) => p.replica.instanceId ?? p.replica.clusterId));
    expect(inventory.every((r) => r.attention.length === 0 && r.keys.length === 1 && r.keys[0] === vault.keyArn)).toBe(true);
    const recovered = inventory.filter((r) => r.recoveries.count > 0);
    // The recoveries of the tests above: the DB instance x (twice) and the Aurora x, as the ledger recorded them.
    expect(recovered.map((r) => r.replica).sort()).toEqual([config.pairs[0]!.replica.instanceId, AURORA.replica.clusterId].sort());
    for (const r of recovered) {
      const records = await vault.ledger.recoveries(r.replica);
      expect(r.recoveries.all.map((a) => [a.instanceId, a.status, a.rtoSeconds, a.rpoSeconds])).toEqual(records.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)).map((a) => [a.instanceId, a.status, a.rtoSeconds, a.rpoSeconds]));
      expect(r.recoveries.last).toMatchObject({ status: 'succeeded', rtoSeconds: expect.any(Number) as unknown, rpoSeconds: expect.any(Number) as unknown });
    }
    // It only read the vault region: describe calls, nothing that changes a thing.
    expect(vault.rds.calls.slice(before).every((c) => /^Describe/.test(c.command))).toBe(true);
  });
});
