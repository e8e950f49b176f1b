/**
 * The vault's side (issue 18), in the vault account and region: it finds the snapshots production shared with it
 * (DescribeDBSnapshots `SnapshotType: shared`, `IncludeShared`; for an Aurora x, DescribeDBClusterSnapshots the same
 * way), copies each into its own region under its own key (one CopyDBSnapshot across account and region: "You can copy
 * snapshots to another AWS Region or account in a single step", RDS User Guide, "Copying a DB snapshot"; one
 * CopyDBClusterSnapshot for a cluster snapshot: "To copy a snapshot cross-Region and cross-account in a single action,
 * you must first share the snapshot with the target AWS account ... Once shared, you can initiate a copy to that account
 * (in-Region or cross-Region) from the target account", Aurora User Guide, "DB cluster snapshot copying"), tags its
 * copies as its own, deletes its copies past retention (the newest few of each x always kept), and measures how old its
 * newest copy of each x is, which the RPO alarm watches. It keeps each manifest production sends, for `recover`. Shared
 * snapshots are looked for in each y's region, where production's copies live, and copied from there into the vault
 * region.
 */
import { copyTargetId } from '../copy/plan';
import type { CopyRequest } from '../copy/plan';
import { PermanentRdsError, RetryableRdsError, describeError } from '../kernel/errors';
import type { SnapshotView } from '../kernel/model';
import type { Notifier, Telemetry } from '../kernel/ports';
import { alert } from '../reporting/measures';
import type { VaultPair, VaultRuntimeConfig } from './config';
import type { Manifest } from './manifest';
import { VAULT_COPY_AGE_METRIC, VAULT_COPY_TAG, VAULT_PAIR_TAG, VAULT_SOURCE_TAG } from './names';
import { snapshotKindOf } from './snapshots';

/** What the vault function needs. */
export interface VaultDeps {
  /**
   * RDS of the vault account in a region where production's copies are: a shared snapshot is listed only in its own
   * region (a snapshot is a regional resource; DescribeDBSnapshots answers for the region it is called in).
   */
  sharedIn(region: string): { listSharedSnapshots(ownerAccount: string): Promise<SnapshotView[]> };
  /** RDS of the vault account in the vault region: DB and DB cluster snapshots alike (./snapshots.ts). */
  rds: {
    listTaggedManualSnapshots(tag: { key: string; value: string }): Promise<SnapshotView[]>;
    copySnapshot(request: CopyRequest): Promise<'started' | 'already-exists'>;
    /** Deletes a snapshot named by its ARN (which says its kind) if it carries the tag. */
    deleteOwnedSnapshot(snapshot: Pick<SnapshotView, 'id' | 'arn'>, ownershipTag: { key: string; value: string }): Promise<'deleted' | 'not-owned' | 'gone'>;
  };
  ledger: { putManifest(manifest: Manifest): Promise<void> };
  notifier: Notifier;
  telemetry: Telemetry;
  now(): Date;
}

/** The vault's name for its copy of a shared snapshot: `vault-` and the shared snapshot's own name. */
export function vaultCopyId(sharedArnOrId: string): string {
  return copyTargetId(`vault-${copyTargetId(sharedArnOrId, false)}`, false);
}

/** The region and account of a DB snapshot or DB cluster snapshot ARN. */
function arnParts(arn: string): { region: string; account: string } | undefined {
  const m = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):(\d{12}):(?:cluster-)?snapshot:.+$/.exec(arn);
  return m ? { region: m[1] ?? '', account: m[2] ?? '' } : undefined;
}

/**
 * Whether a shared snapshot holds a pair's x: production's, from y's region, of x's kind (a DB cluster snapshot for an
 * Aurora x), of x (and x's resource id when known).
 */
export function isSharedCopyOf(shared: SnapshotView, pair: VaultPair, productionAccount: string): boolean {
  const where = arnParts(shared.arn);
  if (!where || where.account !== productionAccount || where.region !== pair.replicaRegion) return false;
  if (snapshotKindOf(shared.arn) !== (pair.kind ?? 'instance')) return false;
  if (shared.instanceId !== pair.sourceInstanceId) return false;
  return pair.sourceDbiResourceId === undefined || shared.dbiResourceId === pair.sourceDbiResourceId;
}

/** How the vault's copies are told apart: by kind and name (a DB snapshot and a DB cluster snapshot may share a name). */
export function keptKey(arnOfKind: string, id: string): string {
  return `${snapshotKindOf(arnOfKind)}:${id}`;
}

/** What to do about one shared snapshot. */
export type VaultCopyDecision = { action: 'copy'; request: CopyRequest } | { action: 'skip'; reason: string };

/** Copy a shared snapshot of a pair's x that is available and not copied yet, under the vault's key, tagged as the vault's. */
export function planVaultCopy(shared: SnapshotView, pair: VaultPair, vault: Pick<VaultRuntimeConfig, 'keyArn' | 'productionAccount'>, existing: ReadonlySet<string>): VaultCopyDecision {
  if (!isSharedCopyOf(shared, pair, vault.productionAccount)) return { action: 'skip', reason: `${shared.arn} is not a copy of ${pair.sourceInstanceId} shared from ${pair.replicaRegion}` };
  const targetId = vaultCopyId(shared.arn);
  if (existing.has(keptKey(shared.arn, targetId))) return { action: 'skip', reason: `${targetId} is already in the vault` };
  if (shared.status !== 'available') return { action: 'skip', reason: `${shared.arn} is ${shared.status}: copied once available` };
  return {
    action: 'copy',
    request: {
      targetId,
      sourceArn: shared.arn,
      sourceRegion: arnParts(shared.arn)?.region ?? pair.replicaRegion,
      kmsKeyId: vault.keyArn,
      tags: { [VAULT_COPY_TAG.key]: VAULT_COPY_TAG.value, [VAULT_SOURCE_TAG]: shared.arn, [VAULT_PAIR_TAG]: pair.id },
    },
  };
}

/** Newest data first; a copy without a data time last. */
function newestFirst(a: SnapshotView, b: SnapshotView): number {
  return (b.dataTime?.getTime() ?? 0) - (a.dataTime?.getTime() ?? 0);
}

/** A pair's copies in the vault, newest data first. */
export function copiesOf(copies: readonly SnapshotView[], pair: VaultPair): SnapshotView[] {
  return copies.filter((c) => c.tags?.[VAULT_PAIR_TAG] === pair.id && c.tags?.[VAULT_COPY_TAG.key] === VAULT_COPY_TAG.value).sort(newestFirst);
}

/**
 * The pair's vault copies past retention: older (by their data) than `retentionDays`, never one of the newest
 * `keepAtLeast` available ones, never one still being copied.
 */
export function expiredCopies(copies: readonly SnapshotView[], opts: { retentionDays: number; keepAtLeast: number; now: Date }): SnapshotView[] {
  const cutoff = opts.now.getTime() - opts.retentionDays * 86_400_000;
  const available = copies.filter((c) => c.status === 'available').sort(newestFirst);
  const kept = new Set(available.slice(0, opts.keepAtLeast).map((c) => c.id));
  return available.filter((c) => !kept.has(c.id) && c.dataTime !== undefined && c.dataTime.getTime() < cutoff);
}

/** Hours between now and the data of the pair's newest available vault copy; undefined when it has none. */
export function newestCopyAgeHours(copies: readonly SnapshotView[], now: Date): number | undefined {
  const newest = copies.filter((c) => c.status === 'available' && c.dataTime).sort(newestFirst)[0];
  return newest?.dataTime ? Math.round(((now.getTime() - newest.dataTime.getTime()) / 3_600_000) * 100) / 100 : undefined;
}

/** What a sweep did, per pair. */
export interface VaultSweep {
  pairId: string;
  copied: string[];
  deleted: string[];
  /** Hours since the newest vault copy's data; undefined when the vault holds none. */
  newestAgeHours?: number;
  problems: string[];
}

/** Keeps the manifests production sent; a copy is attempted by the sweep that follows. */
export async function receiveManifests(deps: VaultDeps, manifests: readonly Manifest[]): Promise<void> {
  for (const m of manifests) {
    await deps.ledger.putManifest(m);
    deps.telemetry.info('vault manifest kept', { replica: m.pairId, snapshot: m.snapshotArn, dataTime: m.dataTime });
  }
}

/** One pass: copy what is shared and not in the vault, expire what is past retention, measure the newest copy's age. */
export async function sweepVault(deps: VaultDeps, config: VaultRuntimeConfig): Promise<VaultSweep[]> {
  const now = deps.now();
  const shared: SnapshotView[] = [];
  for (const region of [...new Set(config.pairs.map((p) => p.replicaRegion))].sort()) shared.push(...(await deps.sharedIn(region).listSharedSnapshots(config.productionAccount)));
  const own = await deps.rds.listTaggedManualSnapshots(VAULT_COPY_TAG);
  const existing = new Set(own.map((s) => keptKey(s.arn, s.id)));
  const out: VaultSweep[] = [];
  for (const pair of config.pairs) {
    const sweep: VaultSweep = { pairId: pair.id, copied: [], deleted: [], problems: [] };
    for (const snapshot of shared) {
      const decision = planVaultCopy(snapshot, pair, config, existing);
      if (decision.action === 'skip') continue;
      try {
        const result = await deps.rds.copySnapshot(decision.request);
        existing.add(keptKey(snapshot.arn, decision.request.targetId));
        if (result === 'started') sweep.copied.push(decision.request.targetId);
      } catch (err) {
        const reason = `the vault could not copy ${snapshot.arn}: ${describeError(err)}`;
        sweep.problems.push(reason);
        if (err instanceof RetryableRdsError) continue;
        if (!(err instanceof PermanentRdsError)) throw err;
        deps.telemetry.count('VaultCopyRefused', 1, { replica: pair.id });
        await deps.notifier.publish(
          alert(
            'vault.copy-refused',
            pair.id,
            `the vault cannot copy ${snapshot.id}`,
            `${reason}. The key production's copy is encrypted with must admit the vault account ${config.account} (the project's key does when the vault is configured: redeploy production's stack in ${pair.replicaRegion}), and the vault's key ${config.keyArn} must be enabled.` +
              (snapshotKindOf(snapshot.arn) === 'cluster' && pair.replicaRegion !== config.region
                ? ` If RDS's reason is that a shared cluster snapshot cannot be copied to another region: the current CopyDBClusterSnapshot API reference allows that in one step, older Aurora guides did not; a vault in ${pair.replicaRegion} copies within one region.`
                : ''),
            { snapshot: snapshot.arn },
          ),
        );
      }
    }
    const mine = copiesOf(own, pair);
    for (const expired of expiredCopies(mine, { retentionDays: config.retentionDays, keepAtLeast: config.keepAtLeast, now })) {
      // The tag is read again just before the delete; IAM allows the delete only on tagged snapshots too.
      const result = await deps.rds.deleteOwnedSnapshot(expired, VAULT_COPY_TAG);
      if (result === 'deleted') sweep.deleted.push(expired.id);
    }
    const age = newestCopyAgeHours(mine, now);
    if (age !== undefined) {
      sweep.newestAgeHours = age;
      deps.telemetry.count(VAULT_COPY_AGE_METRIC, age, { replica: pair.id });
    }
    // No copy at all is the worst age: the alarm treats the missing metric as breaching.
    if (age === undefined) deps.telemetry.warn('the vault holds no copy of x yet', { replica: pair.id, source: pair.sourceInstanceId });
    out.push(sweep);
  }
  return out;
}
