/**
 * The vault's inventory, as an auditor checking a backup vault reads it (`npm run vault`, issue 18): for each x the vault
 * keeps, its copies there (how many, the newest and oldest data), the newest copy's age against `rpoHours`, the keys
 * they are under (the vault's own, never production's), what retention will expire next, whether production recorded
 * x's settings for the newest copy (else `recover` falls back to the snapshot's), and the recoveries from the vault with
 * their RTO and RPO, the proof that x can be brought back. Pure: the command fetches, this decides.
 */
import type { RecoveryRecord } from '../aws/vault-ledger';
import type { SnapshotView } from '../kernel/model';
import type { VaultPair } from './config';
import { copiesOf, expiredCopies, newestCopyAgeHours } from './keep';
import { VAULT_SOURCE_TAG } from './names';
import { snapshotKindOf } from './snapshots';

/** What the vault keeps of one x, and what needs attention. */
export interface VaultInventory {
  replica: string;
  /** x's identifier and region. */
  source: string;
  sourceRegion: string;
  kind: 'instance' | 'cluster';
  /**
   * The vault's copies of x: restorable ones, those still being copied into the vault region, and the rest (being
   * deleted by retention, or failed), by status.
   */
  copies: { available: number; copying: number; other: Record<string, number> };
  /** The newest restorable copy: its identifier, its data's time (ISO) and age in hours, and whether it is within rpoHours. */
  newest?: { id: string; dataTime: string; ageHours: number; withinRpo: boolean; settingsRecorded: boolean };
  /** The oldest restorable copy's data time (ISO): how far back x can be recovered. */
  oldestDataTime?: string;
  /** The KMS keys of the copies (the vault's own, when all is well). */
  keys: string[];
  /** Copies past retention that the vault's next hourly pass deletes. */
  expiringNext: number;
  recoveries: {
    count: number;
    succeeded: number;
    /** The latest finished recovery: when, how it ended, and its RTO and RPO in seconds. */
    last?: RecoverySummary;
    /** Every recovery, oldest first (one still `recovering` never finished, or is running now). */
    all: RecoverySummary[];
  };
  /** What an auditor must act on, each with what to do. Empty when the vault holds what it promises for x. */
  attention: string[];
  /** What is worth knowing and needs no action now. */
  notes: string[];
}

/** One recovery from the vault, as the inventory shows it. */
export interface RecoverySummary {
  requestedAt: string;
  status: RecoveryRecord['status'];
  instanceId: string;
  snapshotId: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  reason?: string;
}

/** What the inventory is drawn from. */
export interface VaultAuditInput {
  pairs: readonly VaultPair[];
  /** Every snapshot of the vault region that carries the vault-copy tag (DB and DB cluster snapshots). */
  copies: readonly SnapshotView[];
  /** Each pair's recoveries, by pair id. */
  recoveries: ReadonlyMap<string, readonly RecoveryRecord[]>;
  /** The shared snapshots (by ARN) whose manifest the vault holds: asked for each pair's newest copy. */
  manifests: ReadonlySet<string>;
  /** The vault; `keyArn` is its key's ARN (the vault stack's output), unknown when the stack does not say. */
  vault: { account: string; region: string; keyArn?: string; rpoHours: number; retentionDays: number; keepAtLeast: number };
  now: Date;
}

/** The statuses of a copy on its way into the vault region (DescribeDBSnapshots / DescribeDBClusterSnapshots Status). */
const COPYING = new Set(['copying', 'creating', 'pending']);

/** Hours after which a recovery still `recovering` has surely stopped: recover gives up after its --timeout (3 h by default). */
const UNFINISHED_HOURS = 24;

function summaryOf(r: RecoveryRecord): RecoverySummary {
  return {
    requestedAt: r.requestedAt,
    status: r.status,
    instanceId: r.instanceId,
    snapshotId: r.snapshotId,
    ...(r.rtoSeconds !== undefined ? { rtoSeconds: r.rtoSeconds } : {}),
    ...(r.rpoSeconds !== undefined ? { rpoSeconds: r.rpoSeconds } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

/** The shared snapshot a vault copy was made from (its tag), whose manifest holds x's settings. */
function sharedSourceOf(copy: SnapshotView): string | undefined {
  return copy.tags?.[VAULT_SOURCE_TAG];
}

/**
 * The vault's copies of a pair's x, newest data first, and the restorable ones among them: its pair tag, and x's kind
 * (a copy of the other kind tagged with the pair, a DB snapshot for an Aurora x say, is not one of x's).
 */
function vaultCopiesOf(copies: readonly SnapshotView[], pair: VaultPair): { mine: SnapshotView[]; available: SnapshotView[] } {
  const mine = copiesOf(copies, pair).filter((c) => snapshotKindOf(c.arn) === (pair.kind ?? 'instance'));
  return { mine, available: mine.filter((c) => c.status === 'available' && c.dataTime !== undefined) };
}

/** Draws up the inventory of every pair, in the pairs' order. */
export function auditVault(input: VaultAuditInput): VaultInventory[] {
  const { vault, now } = input;
  return input.pairs.map((pair) => {
    const kind = pair.kind ?? 'instance';
    const { mine, available } = vaultCopiesOf(input.copies, pair);
    const copying = mine.filter((c) => COPYING.has(c.status)).length;
    const other: Record<string, number> = {};
    for (const c of mine) if (c.status !== 'available' && !COPYING.has(c.status)) other[c.status] = (other[c.status] ?? 0) + 1;
    const attention: string[] = [];
    const notes: string[] = [];
    const newestCopy = available[0];
    let newest: VaultInventory['newest'];
    // The age as the vault function measures it for the RPO alarm (which fires above rpoHours).
    const ageHours = newestCopyAgeHours(mine, now);
    if (newestCopy?.dataTime && ageHours !== undefined) {
      const source = sharedSourceOf(newestCopy);
      newest = { id: newestCopy.id, dataTime: newestCopy.dataTime.toISOString(), ageHours, withinRpo: ageHours <= vault.rpoHours, settingsRecorded: source !== undefined && input.manifests.has(source) };
      if (!newest.withinRpo) {
        attention.push(
          `the newest copy of ${pair.sourceInstanceId} holds data ${ageHours} h old, over rpoHours ${vault.rpoHours}: check production's share-to-vault in ${pair.replicaRegion} (its alarms and the VaultShareFailed metric) and the vault function's alarms in ${vault.region}`,
        );
      }
      if (!newest.settingsRecorded) notes.push(`no manifest of x's settings for ${newestCopy.id}: recover would take the snapshot's settings (class and storage), and --instance-class where it must`);
    } else {
      attention.push(
        `the vault holds no restorable copy of ${pair.sourceInstanceId}${copying > 0 ? ` (${copying} still being copied)` : ''}: until it does, x cannot be recovered from the vault; check production's share-to-vault in ${pair.replicaRegion} and the vault function in ${vault.region}`,
      );
    }
    if (other.failed) notes.push(`${other.failed} cop${other.failed === 1 ? 'y' : 'ies'} failed to copy into ${vault.region}: the vault copies the shared snapshot again while production still shares it; delete the failed ones`);
    const keys = [...new Set(mine.flatMap((c) => (c.kmsKeyId ? [c.kmsKeyId] : [])))].sort();
    // Never advise deleting: a copy that looks wrong may still be x's only restorable one.
    const unencrypted = mine.filter((c) => !c.encrypted);
    if (unencrypted.length > 0) {
      attention.push(
        `${unencrypted.length} cop${unencrypted.length === 1 ? 'y is' : 'ies are'} not encrypted (${unencrypted.map((c) => c.id).join(', ')}), yet the vault function copies only under its key: find who made ${unencrypted.length === 1 ? 'it' : 'them'} (CloudTrail, CopyDBSnapshot in ${vault.region}), and keep ${unencrypted.length === 1 ? 'it' : 'them'} until newer copies under the vault's key are in place`,
      );
    }
    if (vault.keyArn) {
      const foreign = mine.filter((c) => c.encrypted && c.kmsKeyId !== vault.keyArn);
      if (foreign.length > 0) {
        attention.push(
          `${foreign.length} cop${foreign.length === 1 ? 'y is' : 'ies are'} under a key other than the vault's (${[...new Set(foreign.map((c) => c.kmsKeyId ?? 'unknown'))].join(', ')}): whoever controls that key can make ${foreign.length === 1 ? 'it' : 'them'} unreadable; copy ${foreign.length === 1 ? 'it' : 'them'} under ${vault.keyArn} (aws rds copy-db-snapshot --kms-key-id) before relying on ${foreign.length === 1 ? 'it' : 'them'}`,
        );
      }
    } else {
      notes.push("the vault stack names no key (its VaultKeyArn output): the copies' keys were not checked against it");
    }
    const expiring = expiredCopies(mine, { retentionDays: vault.retentionDays, keepAtLeast: vault.keepAtLeast, now });
    const records = [...(input.recoveries.get(pair.id) ?? [])].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
    const finished = records.filter((r) => r.status !== 'recovering');
    const last = finished.at(-1);
    for (const r of records.filter((rr) => rr.status === 'recovering' && now.getTime() - Date.parse(rr.requestedAt) > UNFINISHED_HOURS * 3_600_000)) {
      notes.push(`the recovery of ${r.instanceId} requested ${r.requestedAt} never finished (recover was interrupted): check ${r.instanceId} in ${r.region}, delete it if it is not needed, and run npm run recover again`);
    }
    if (records.length === 0) notes.push(`never recovered from the vault: prove it with npm run recover -- --replica ${pair.id}`);
    else if (last?.status === 'failed') attention.push(`the last recovery (${last.requestedAt}, ${last.instanceId}) failed${last.reason ? `: ${last.reason}` : ''}; fix what it says and run npm run recover -- --replica ${pair.id} again`);
    return {
      replica: pair.id,
      source: pair.sourceInstanceId,
      sourceRegion: pair.sourceRegion,
      kind,
      copies: { available: available.length, copying, other },
      ...(newest ? { newest } : {}),
      ...(available.at(-1)?.dataTime ? { oldestDataTime: available.at(-1)!.dataTime!.toISOString() } : {}),
      keys,
      expiringNext: expiring.length,
      recoveries: {
        count: records.length,
        succeeded: records.filter((r) => r.status === 'succeeded').length,
        ...(last ? { last: summaryOf(last) } : {}),
        all: records.map(summaryOf),
      },
      attention,
      notes,
    };
  });
}

/** What the inventory reads of the vault account: its RDS in the vault region and its ledger. */
export interface VaultInventoryReads {
  /** Every snapshot of the vault region that carries the vault-copy tag, of the kinds the pairs are. */
  listCopies(): Promise<SnapshotView[]>;
  ledger: { recoveries(pairId: string): Promise<RecoveryRecord[]>; manifestOf(snapshotArn: string): Promise<unknown> };
  /** The vault key's ARN, when the vault stack says it. */
  keyArn?: string;
  now: Date;
}

/**
 * Reads the vault account and draws up the inventory of `pairs`.
 * @param progress a line before each slow step
 */
export async function readInventory(
  reads: VaultInventoryReads,
  pairs: readonly VaultPair[],
  vault: Omit<VaultAuditInput['vault'], 'keyArn'>,
  progress: (line: string) => void = () => undefined,
): Promise<VaultInventory[]> {
  progress(`listing the vault's copies in account ${vault.account}, ${vault.region}…`);
  const copies = await reads.listCopies();
  progress(`reading the vault's ledger: the recoveries and the newest copies' manifests of ${pairs.length} x(s)…`);
  const recoveries = new Map<string, RecoveryRecord[]>();
  const manifests = new Set<string>();
  for (const pair of pairs) {
    // Only the newest copy's manifest matters: it is the one recover restores from.
    const newest = vaultCopiesOf(copies, pair).available[0];
    const source = newest && sharedSourceOf(newest);
    const [records, manifest] = await Promise.all([reads.ledger.recoveries(pair.id), source ? reads.ledger.manifestOf(source) : undefined]);
    recoveries.set(pair.id, records);
    if (source && manifest !== undefined) manifests.add(source);
  }
  return auditVault({ pairs, copies, recoveries, manifests, vault: { ...vault, ...(reads.keyArn ? { keyArn: reads.keyArn } : {}) }, now: reads.now });
}
