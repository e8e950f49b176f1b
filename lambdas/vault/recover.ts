/**
 * Recovering x from the vault (issue 18, `npm run recover`): x is restored in the vault account and region, under the
 * name the operator gives, from the vault's newest available copy of x, with x's settings as production recorded them
 * when it shared that copy (the manifest in the vault's ledger). Nothing here calls x's region, or production: the
 * drill proves the vault stands alone. It measures what a recovery costs: the RTO (from the request to a usable
 * instance) and the RPO (the age of the data when it became usable), and records both in the vault's ledger.
 *
 * Usable means someone in the vault account can log in. The restored instance keeps the snapshot's master password,
 * which is production's: when production manages it in Secrets Manager, its secret is in x's region, out of reach when
 * that region is down. So RDS is asked to manage the recovered instance's master password in the vault account
 * (ModifyDBInstance ManageMasterUserPassword; a restore takes that parameter for RDS for Oracle only, API reference),
 * and the instance is usable once that secret is active; `keepPassword` skips this for an operator who holds
 * production's password. Then the settings a restore cannot set (the maintenance window, storage autoscaling: the
 * catalog's post-restore groups, the ones a refresh applies to y) are applied one ModifyDBInstance at a time. Both are
 * asked for as soon as the instance is usable, as a refresh modifies y.
 */
import type { RecoveryRecord } from '../aws/vault-ledger';
import { RetryableRdsError, describeError } from '../kernel/errors';
import type { InstanceView, SnapshotView } from '../kernel/model';
import type { ModifyChanges, RestoreRequest } from '../kernel/ports';
import { modifyParameters } from '../targets/instance/catalog';
import { FAILED_STATES, USABLE_STATES } from '../targets/instance/model';
import { shapeRestore } from '../targets/instance/engines';
import { desiredSettings, postRestoreGroups } from '../targets/instance/settings';
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
    modifyInstance(instanceId: string, changes: ModifyChanges): Promise<'modified' | 'busy'>;
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
  /** Keep the snapshot's master password (production's) instead of having RDS manage a new one in the vault account. */
  keepPassword?: boolean;
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
  /** The secret in the vault account holding the recovered instance's master credentials (RDS manages it). */
  masterUserSecretArn?: string;
  /** The settings applied after the restore (the catalog's post-restore groups), by group. */
  settingsApplied?: string[];
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

/** Minutes the settings after a recovery may take (x is usable by then): past them, what is left becomes a note. */
export const SETTINGS_MINUTES = 30;

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
  const failed = async (reason: string): Promise<RecoverResult> => {
    await deps.ledger.putRecovery({ ...record, status: 'failed', reason });
    return { status: 'failed', ...base, snapshotId: copy.id, settingsFrom, notes, reason };
  };
  let last = '';
  /** Looks at the instance every pollSeconds until `ready`, a failed state, or `until` (default: the time limit). */
  const follow = async (what: string, ready: (db: InstanceView) => boolean, until = deadline): Promise<InstanceView | string> => {
    for (;;) {
      const db = await deps.rds.describeInstance(request.instanceId);
      const status = db?.status ?? 'not found';
      const shown = db?.masterUserSecretStatus ? `${status}, master secret ${db.masterUserSecretStatus}` : status;
      if (shown !== last) {
        deps.progress(`${request.instanceId}: ${shown} (${Math.round((deps.now().getTime() - requestedAt.getTime()) / 1000)} s)`);
        last = shown;
      }
      if (db && ready(db)) return db;
      if (FAILED_STATES.has(status)) return `${request.instanceId} is ${status}`;
      if (deps.now().getTime() > until) return `${request.instanceId} was not ${what} within ${Math.round((until - requestedAt.getTime()) / 60_000)} min of the request (last ${shown})`;
      await deps.sleep(request.pollSeconds * 1000);
    }
  };
  // As a refresh modifies y: once the instance is usable (a first backup may still run). RDS's busy answer
  // (InvalidDBInstanceState: one change at a time) and a passing error (throttling, a 5xx) are waited out and the
  // change asked for again, until `until`.
  const modify = async (changes: ModifyChanges, until: number): Promise<true | string> => {
    let lastAnswer = 'busy';
    for (;;) {
      const ready = await follow('usable for a modification', (db) => USABLE_STATES.has(db.status), until);
      if (typeof ready === 'string') return ready;
      try {
        if ((await deps.rds.modifyInstance(request.instanceId, changes)) === 'modified') return true;
        lastAnswer = 'RDS answered that the instance is busy with another change';
      } catch (err) {
        if (!(err instanceof RetryableRdsError)) throw err;
        lastAnswer = describeError(err);
      }
      if (deps.now().getTime() > until) return `the change was not accepted in time (last: ${lastAnswer})`;
      await deps.sleep(request.pollSeconds * 1000);
    }
  };

  const restored = await follow('usable', (db) => USABLE_STATES.has(db.status));
  if (typeof restored === 'string') return failed(restored);
  let masterUserSecretArn = restored.masterUserSecretArn;
  if (!request.keepPassword) {
    const help = `it serves with production's master password; to have RDS manage a new one in the vault account, run with the vault account's credentials: aws rds modify-db-instance --region ${request.region} --db-instance-identifier ${request.instanceId} --manage-master-user-password --apply-immediately`;
    try {
      const asked = masterUserSecretArn ? true : await modify({ manageMasterUserPassword: {} }, deadline);
      if (asked !== true) return failed(`${request.instanceId} is restored, but RDS could not be asked to manage its master password: ${asked}; ${help}`);
    } catch (err) {
      return failed(`${request.instanceId} is restored, but RDS refused to manage its master password in the vault account: ${describeError(err)}; ${help}`);
    }
    const withSecret = await follow('usable with its master secret active', (db) => USABLE_STATES.has(db.status) && db.masterUserSecretArn !== undefined && db.masterUserSecretStatus === 'active');
    if (typeof withSecret === 'string') return failed(`${withSecret}; RDS was asked to manage its master password: look at the instance's MasterUserSecret (aws rds describe-db-instances --region ${request.region} --db-instance-identifier ${request.instanceId})`);
    masterUserSecretArn = withSecret.masterUserSecretArn;
    deps.progress(`${request.instanceId}: master credentials in Secrets Manager: ${masterUserSecretArn}`);
  } else {
    notes.push("the master password is production's (--keep-password): RDS does not manage it in the vault account");
  }
  const now = deps.now();
  const rtoSeconds = Math.round((now.getTime() - requestedAt.getTime()) / 1000);
  const rpoSeconds = Math.round((now.getTime() - (dataTime ?? requestedAt).getTime()) / 1000);
  await deps.ledger.putRecovery({ ...record, status: 'succeeded', usableAt: now.toISOString(), rtoSeconds, rpoSeconds, ...(masterUserSecretArn ? { masterUserSecretArn } : {}) });

  // What a restore cannot set, as a refresh applies it to y: one group per call, so one rejected value loses no other.
  // x is usable already (and recorded so): these get a time of their own, and what fails becomes a note.
  const settingsApplied: string[] = [];
  const settingsUntil = deps.now().getTime() + SETTINGS_MINUTES * 60_000;
  const current = (await deps.rds.describeInstance(request.instanceId).catch(() => undefined)) ?? restored;
  for (const { group, changes } of postRestoreGroups(shaped.settings, current)) {
    // A change no ModifyDBInstance parameter carries (no security groups named: the VPC's default, which the restore gave).
    if (Object.keys(modifyParameters(changes)).length === 0) continue;
    const what = `${group} (${Object.keys(changes).join(', ')})`;
    try {
      const done = await modify({ settings: changes }, settingsUntil);
      if (done === true) settingsApplied.push(group);
      else notes.push(`${what} not applied: ${done}`);
    } catch (err) {
      notes.push(`${what} not applied: ${describeError(err)}`);
    }
  }
  if (settingsApplied.length > 0) deps.progress(`${request.instanceId}: applied after the restore: ${settingsApplied.join(', ')}`);
  return { status: 'succeeded', ...base, snapshotId: copy.id, rtoSeconds, rpoSeconds, settingsFrom, ...(masterUserSecretArn ? { masterUserSecretArn } : {}), settingsApplied, notes };
}
