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
import { copiesOf, expiredCopies } from './keep';
import { VAULT_SOURCE_TAG } from './names';

/** What the vault keeps of one x, and what needs attention. */
export interface VaultInventory {
  replica: string;
  /** x's identifier and region. */
  source: string;
  sourceRegion: string;
  kind: 'instance' | 'cluster';
  /** The vault's copies of x: restorable ones, and those still being copied into the vault region. */
  copies: { available: number; copying: number };
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
    /** The latest recovery: when, how it ended, and its RTO and RPO in seconds. */
    last?: { requestedAt: string; status: RecoveryRecord['status']; instanceId: string; rtoSeconds?: number; rpoSeconds?: number };
  };
  /** What an auditor must act on, each with what to do. Empty when the vault holds what it promises for x. */
  attention: string[];
  /** What is worth knowing and needs no action now. */
  notes: string[];
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
  vault: { account: string; region: string; keyArn?: string; rpoHours: number; retentionDays: number; keepAtLeast: number };
  now: Date;
}

const HOUR = 3_600_000;

/** The shared snapshot a vault copy was made from (its tag), whose manifest holds x's settings. */
export function sharedSourceOf(copy: SnapshotView): string | undefined {
  return copy.tags?.[VAULT_SOURCE_TAG];
}

/** Draws up the inventory of every pair, in the pairs' order. */
export function auditVault(input: VaultAuditInput): VaultInventory[] {
  const { vault, now } = input;
  return input.pairs.map((pair) => {
    const kind = pair.kind ?? 'instance';
    const mine = copiesOf(input.copies, pair).filter((c) => (c.arn.includes(':cluster-snapshot:') ? 'cluster' : 'instance') === kind);
    const available = mine.filter((c) => c.status === 'available' && c.dataTime !== undefined);
    const copying = mine.filter((c) => c.status !== 'available').length;
    const attention: string[] = [];
    const notes: string[] = [];
    const newestCopy = available[0];
    let newest: VaultInventory['newest'];
    if (newestCopy?.dataTime) {
      const ageHours = Math.round(((now.getTime() - newestCopy.dataTime.getTime()) / HOUR) * 10) / 10;
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
    const keys = [...new Set(mine.flatMap((c) => (c.kmsKeyId ? [c.kmsKeyId] : [])))].sort();
    const unencrypted = mine.filter((c) => !c.kmsKeyId || c.encrypted === false);
    if (unencrypted.length > 0) attention.push(`${unencrypted.length} cop${unencrypted.length === 1 ? 'y is' : 'ies are'} not encrypted (${unencrypted.map((c) => c.id).join(', ')}): the vault copies under its own key; delete them and let the vault copy again`);
    if (vault.keyArn) {
      const foreign = mine.filter((c) => c.kmsKeyId && c.kmsKeyId !== vault.keyArn);
      if (foreign.length > 0) {
        attention.push(`${foreign.length} cop${foreign.length === 1 ? 'y is' : 'ies are'} under a key other than the vault's (${[...new Set(foreign.map((c) => c.kmsKeyId))].join(', ')}): a key production controls could make them unreadable; copy them again under ${vault.keyArn}`);
      }
    }
    const expiring = expiredCopies(mine, { retentionDays: vault.retentionDays, keepAtLeast: vault.keepAtLeast, now });
    const records = [...(input.recoveries.get(pair.id) ?? [])].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
    const last = records.at(-1);
    if (!last) notes.push(`never recovered from the vault: prove it with npm run recover -- --replica ${pair.id}`);
    else if (last.status === 'failed') attention.push(`the last recovery (${last.requestedAt}, ${last.instanceId}) failed${last.reason ? `: ${last.reason}` : ''}; fix what it says and run npm run recover -- --replica ${pair.id} again`);
    return {
      replica: pair.id,
      source: pair.sourceInstanceId,
      sourceRegion: pair.sourceRegion,
      kind,
      copies: { available: available.length, copying },
      ...(newest ? { newest } : {}),
      ...(available.at(-1)?.dataTime ? { oldestDataTime: available.at(-1)!.dataTime!.toISOString() } : {}),
      keys,
      expiringNext: expiring.length,
      recoveries: {
        count: records.length,
        succeeded: records.filter((r) => r.status === 'succeeded').length,
        ...(last
          ? {
              last: {
                requestedAt: last.requestedAt,
                status: last.status,
                instanceId: last.instanceId,
                ...(last.rtoSeconds !== undefined ? { rtoSeconds: last.rtoSeconds } : {}),
                ...(last.rpoSeconds !== undefined ? { rpoSeconds: last.rpoSeconds } : {}),
              },
            }
          : {}),
      },
      attention,
      notes,
    };
  });
}
