/**
 * Recovering x from the vault (issue 18, `npm run recover`): x is restored in the vault account and region, under the
 * name the operator gives, from the vault's newest available copy of x, with x's settings as production recorded them
 * when it shared that copy (the manifest in the vault's ledger). Nothing here calls x's region, or production: the
 * drill proves the vault stands alone. It measures what a recovery costs: the RTO (from the request to a usable
 * instance) and the RPO (the age of the data when it became usable), and records both in the vault's ledger.
 */
import type { RecoveryRecord } from '../aws/vault-ledger';
import { describeError } from '../kernel/errors';
import type { InstanceView, SnapshotView } from '../kernel/model';
import type { RestoreRequest } from '../kernel/ports';
import { FAILED_STATES, USABLE_STATES } from '../targets/instance/model';
import { shapeRestore } from '../targets/instance/engines';
import { desiredSettings } from '../targets/instance/settings';
import type { VaultPair } from './config';
import { copiesOf } from './keep';
import type { Manifest, RecoveryPlacement } from './manifest';
import { recoverySettings } from './manifest';
import { VAULT_COPY_TAG, VAULT_SOURCE_TAG } from './names';

/** Tag on a recovered instance naming the vault copy it came from. */
export const RECOVERED_FROM_TAG = 'replica-refresh:recovered-from';

/** What a recovery needs: RDS and the ledger of the vault account in its region, a clock, and a way to wait. */
export interface RecoverDeps {
  rds: {
    listTaggedManualSnapshots(tag: { key: string; value: string }): Promise<SnapshotView[]>;
    describeInstance(instanceId: string): Promise<InstanceView | undefined>;
    restoreInstance(request: RestoreRequest): Promise<'requested' | 'already-exists'>;
  };
  ledger: { manifestOf(snapshotArn: string): Promise<Manifest | undefined>; putRecovery(record: RecoveryRecord): Promise<void> };
  now(): Date;
  /** Waits between two looks at the instance (real time in AWS, the simulated clock in the simulation). */
  sleep(ms: number): Promise<void>;
  /** One line of progress for the operator. */
  progress(line: string): void;
}

/** What to recover, and how. */
export interface RecoverRequest {
  pair: VaultPair;
  /** The recovered instance's name (default `<x>-recovered`). */
  instanceId: string;
  account: string;
  region: string;
  placement: RecoveryPlacement;
  /** x's instance class when the vault holds no manifest of the copy (production's settings never arrived). */
  instanceClass?: string;
  pollSeconds: number;
  timeoutMinutes: number;
}

/** What the operator gets back. */
export interface RecoverResult {
  status: 'succeeded' | 'failed';
  instanceId: string;
  region: string;
  account: string;
  snapshotId?: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  settingsFrom?: RecoveryRecord['settingsFrom'];
  /** What the engine's restore rules changed in the settings, and anything else worth knowing. */
  notes: string[];
  reason?: string;
}

/** A recovery that cannot start: the message says what to do. */
export class RecoverError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'RecoverError';
  }
}

/** The newest available vault copy of a pair's x. */
export function newestVaultCopy(copies: readonly SnapshotView[], pair: VaultPair): SnapshotView | undefined {
  return copiesOf(copies, pair).find((c) => c.status === 'available');
}

/** Restores x in the vault region and follows it until it is usable, failed, or past the time limit. */
export async function recover(deps: RecoverDeps, request: RecoverRequest): Promise<RecoverResult> {
  const base = { instanceId: request.instanceId, region: request.region, account: request.account };
  const copy = newestVaultCopy(await deps.rds.listTaggedManualSnapshots(VAULT_COPY_TAG), request.pair);
  if (!copy) throw new RecoverError(`the vault (account ${request.account}, ${request.region}) holds no available copy of ${request.pair.sourceInstanceId}: check the vault function's log and its RPO alarm, and that production shares its copies`);
  if (await deps.rds.describeInstance(request.instanceId)) throw new RecoverError(`an instance named ${request.instanceId} already exists in ${request.region}: give another name with --name`);
  const source = copy.tags?.[VAULT_SOURCE_TAG];
  const manifest = source ? await deps.ledger.manifestOf(source) : undefined;
  const notes: string[] = [];
  let settingsFrom: RecoveryRecord['settingsFrom'] = 'manifest';
  let portable = manifest?.settings;
  if (!portable) {
    settingsFrom = 'snapshot';
    if (!request.instanceClass) {
      throw new RecoverError(`the vault has no record of x's settings for ${copy.id} (production's manifest never arrived): give x's instance class with --instance-class, and the rest comes from the snapshot and RDS's defaults`);
    }
    portable = {
      instanceClass: request.instanceClass,
      multiAz: false,
      iamDatabaseAuthentication: false,
      cloudwatchLogsExports: [],
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      deletionProtection: false,
      backupRetentionPeriod: 7,
      tags: {},
      ...(copy.allocatedStorage !== undefined ? { allocatedStorage: copy.allocatedStorage } : {}),
    };
    notes.push(`x's recorded settings were not in the vault: restored as ${request.instanceClass}, single-AZ, with RDS's defaults for the rest`);
  }
  const engine = copy.engine ?? manifest?.engine;
  // The same rules a refresh's restore follows: what DescribeDBInstances reports but a restore must not name (gp3's
  // baseline IOPS below its threshold, …), then what the engine does not accept.
  const shaped = shapeRestore(engine, desiredSettings(recoverySettings(portable, request.placement), {}, engine));
  notes.push(...shaped.notes);
  const dataTime = copy.dataTime ?? (manifest ? new Date(manifest.dataTime) : undefined);
  const requestedAt = deps.now();
  const record: RecoveryRecord = {
    pairId: request.pair.id,
    ...base,
    snapshotId: copy.id,
    dataTime: (dataTime ?? requestedAt).toISOString(),
    requestedAt: requestedAt.toISOString(),
    status: 'recovering',
    settingsFrom,
  };
  await deps.ledger.putRecovery(record);
  deps.progress(`restoring ${request.instanceId} from ${copy.id} (data of ${record.dataTime}, settings from the ${settingsFrom})`);
  try {
    await deps.rds.restoreInstance({ instanceId: request.instanceId, snapshotIdentifier: copy.id, settings: shaped.settings, tags: { ...shaped.settings.tags, [RECOVERED_FROM_TAG]: copy.arn } });
  } catch (err) {
    const reason = `RDS refused the restore: ${describeError(err)}`;
    await deps.ledger.putRecovery({ ...record, status: 'failed', reason });
    return { status: 'failed', ...base, snapshotId: copy.id, settingsFrom, notes, reason };
  }
  const deadline = requestedAt.getTime() + request.timeoutMinutes * 60_000;
  let last = '';
  for (;;) {
    const db = await deps.rds.describeInstance(request.instanceId);
    const status = db?.status ?? 'not found';
    const now = deps.now();
    if (status !== last) {
      deps.progress(`${request.instanceId}: ${status} (${Math.round((now.getTime() - requestedAt.getTime()) / 1000)} s)`);
      last = status;
    }
    if (db && USABLE_STATES.has(status)) {
      const rtoSeconds = Math.round((now.getTime() - requestedAt.getTime()) / 1000);
      const rpoSeconds = Math.round((now.getTime() - (dataTime ?? requestedAt).getTime()) / 1000);
      await deps.ledger.putRecovery({ ...record, status: 'succeeded', usableAt: now.toISOString(), rtoSeconds, rpoSeconds });
      return { status: 'succeeded', ...base, snapshotId: copy.id, rtoSeconds, rpoSeconds, settingsFrom, notes };
    }
    if (FAILED_STATES.has(status) || now.getTime() > deadline) {
      const reason = FAILED_STATES.has(status) ? `${request.instanceId} is ${status}` : `${request.instanceId} was not usable within ${request.timeoutMinutes} min (last ${status})`;
      await deps.ledger.putRecovery({ ...record, status: 'failed', reason });
      return { status: 'failed', ...base, snapshotId: copy.id, settingsFrom, notes, reason };
    }
    await deps.sleep(request.pollSeconds * 1000);
  }
}
