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
 *
 * An Aurora x comes back the way a refresh brings back an Aurora y, through the cluster target (lambdas/targets/
 * cluster/): RestoreDBClusterFromSnapshot from the vault's newest cluster snapshot copy, then its writer (and readers)
 * with CreateDBInstance once the cluster is available, named `<name>-1`, `<name>-2`, …; usable when the cluster and its
 * writer are; its master password managed anew with ModifyDBCluster ManageMasterUserPassword.
 */
import type { RecoveryRecord } from '../aws/vault-ledger';
import { RetryableRdsError, describeError } from '../kernel/errors';
import type { InstanceView, SnapshotView, TargetSettings, TargetView } from '../kernel/model';
import type { ModifyChanges, RestoreRequest } from '../kernel/ports';
import { modifyParameters } from '../targets/instance/catalog';
import { instanceSettings } from '../targets/instance/model';
import { target } from '../targets/registry';
import type { TargetChanges, TargetGateway, TargetKind, TargetModel } from '../targets/target';
import type { VaultPair } from './config';
import { copiesOf } from './keep';
import type { Manifest, PortableClusterSettings, PortableSettings, RecoveryPlacement } from './manifest';
import { recoveryClusterSettings, recoverySettings } from './manifest';
import { VAULT_COPY_TAG, VAULT_SOURCE_TAG } from './names';

/** Tag on a recovered instance naming the vault copy it came from. */
export const RECOVERED_FROM_TAG = 'replica-refresh:recovered-from';

/** The target calls a recovery makes: the seam's (lambdas/targets/target.ts), as a refresh makes them for y. */
export type RecoveryGateway = Pick<TargetGateway, 'describe' | 'restore' | 'completeRestore' | 'modify'>;

/** What a recovery needs: RDS and the ledger of the vault account in its region, a clock, and a way to wait. */
export interface RecoverDeps {
  /** The DB instance calls, for an x that is a DB instance. */
  rds: {
    listTaggedManualSnapshots(tag: { key: string; value: string }): Promise<SnapshotView[]>;
    describeInstance(instanceId: string): Promise<InstanceView | undefined>;
    restoreInstance(request: RestoreRequest): Promise<'requested' | 'already-exists'>;
    modifyInstance(instanceId: string, changes: ModifyChanges): Promise<'modified' | 'busy'>;
  };
  /** The Aurora cluster calls, for an x that is an Aurora cluster: its cluster snapshots and the cluster target's gateway. */
  clusters?: { listTaggedManualSnapshots(tag: { key: string; value: string }): Promise<SnapshotView[]>; gateway: RecoveryGateway };
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
  /** x's instance class (an Aurora x's writer's) when the vault holds no manifest of the copy (production's settings never arrived). */
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

/** The target calls of a DB instance x, over the vault region's RDS adapter. */
function instanceRecoveryGateway(rds: RecoverDeps['rds']): RecoveryGateway {
  return {
    describe: (id) => rds.describeInstance(id),
    restore: ({ identifier, snapshotIdentifier, settings, tags }) => rds.restoreInstance({ instanceId: identifier, snapshotIdentifier, settings: instanceSettings(settings), tags }),
    completeRestore: () => Promise.resolve('done'),
    modify: (id, { settings, ...rest }) => rds.modifyInstance(id, { ...rest, ...(settings ? { settings } : {}) }),
  };
}

/** x's kind, its target model, its RDS calls and its vault copies. */
function recoveryTarget(deps: RecoverDeps, pair: VaultPair): { kind: TargetKind; model: TargetModel; gateway: RecoveryGateway; copies: () => Promise<SnapshotView[]> } {
  const kind = pair.kind ?? 'instance';
  if (kind === 'instance') return { kind, model: target(kind), gateway: instanceRecoveryGateway(deps.rds), copies: () => deps.rds.listTaggedManualSnapshots(VAULT_COPY_TAG) };
  const clusters = deps.clusters;
  if (!clusters) throw new Error(`recover was built without the Aurora cluster calls, yet ${pair.sourceInstanceId} is an Aurora cluster`);
  return { kind, model: target(kind), gateway: clusters.gateway, copies: () => clusters.listTaggedManualSnapshots(VAULT_COPY_TAG) };
}

/** Whether a post-restore group carries anything the kind's modify call would send. */
function carriesChange(kind: TargetKind, changes: Readonly<Record<string, unknown>>): boolean {
  // An instance group may name no ModifyDBInstance parameter (no security groups named: the VPC's default, which the
  // restore gave); a cluster group is ModifyDBCluster parameters already (the cluster catalog made them).
  return kind === 'instance' ? Object.keys(modifyParameters(changes)).length > 0 : Object.keys(changes).length > 0;
}

/** The settings to recover with, from the manifest, or from the operator's instance class and RDS's defaults. */
function recoveryTargetSettings(
  kind: TargetKind,
  manifest: Manifest | undefined,
  copy: SnapshotView,
  request: RecoverRequest,
  notes: string[],
): { settings: TargetSettings; from: RecoveryRecord['settingsFrom'] } {
  if (kind === 'instance' && manifest?.settings) return { settings: recoverySettings(manifest.settings, request.placement), from: 'manifest' };
  if (kind === 'cluster' && manifest?.clusterSettings) return { settings: recoveryClusterSettings(manifest.clusterSettings, request.placement, request.instanceId), from: 'manifest' };
  if (!request.instanceClass) {
    throw new RecoverError(
      `the vault has no record of x's settings for ${copy.id} (production's manifest never arrived): give x's ${kind === 'cluster' ? "writer's " : ''}instance class with --instance-class, and the rest comes from the snapshot and RDS's defaults`,
    );
  }
  const defaults = { iamDatabaseAuthentication: false, cloudwatchLogsExports: [], deletionProtection: false, copyTagsToSnapshot: true, backupRetentionPeriod: 7, tags: {} };
  if (kind === 'cluster') {
    notes.push(`x's recorded settings were not in the vault: restored with one writer of class ${request.instanceClass} and RDS's defaults for the rest`);
    const portable: PortableClusterSettings = { ...defaults, members: [{ writer: true, instanceClass: request.instanceClass, autoMinorVersionUpgrade: true, tags: {} }] };
    return { settings: recoveryClusterSettings(portable, request.placement, request.instanceId), from: 'snapshot' };
  }
  notes.push(`x's recorded settings were not in the vault: restored as ${request.instanceClass}, single-AZ, with RDS's defaults for the rest`);
  const portable: PortableSettings = {
    ...defaults,
    instanceClass: request.instanceClass,
    multiAz: false,
    autoMinorVersionUpgrade: true,
    ...(copy.allocatedStorage !== undefined ? { allocatedStorage: copy.allocatedStorage } : {}),
  };
  return { settings: recoverySettings(portable, request.placement), from: 'snapshot' };
}

/** Restores x in the vault region and follows it until it is usable, failed, or past the time limit. */
export async function recover(deps: RecoverDeps, request: RecoverRequest): Promise<RecoverResult> {
  const base = { instanceId: request.instanceId, region: request.region, account: request.account };
  const { kind, model, gateway, copies } = recoveryTarget(deps, request.pair);
  const copy = newestVaultCopy(await copies(), request.pair);
  if (!copy) throw new RecoverError(`the vault (account ${request.account}, ${request.region}) holds no available copy of ${request.pair.sourceInstanceId}: check the vault function's log and its RPO alarm, and that production shares its copies`);
  if (await gateway.describe(request.instanceId)) throw new RecoverError(`${kind === 'cluster' ? 'a cluster' : 'an instance'} named ${request.instanceId} already exists in ${request.region}: give another name with --name`);
  const source = copy.tags?.[VAULT_SOURCE_TAG];
  const manifest = source ? await deps.ledger.manifestOf(source) : undefined;
  const notes: string[] = [];
  const chosen = recoveryTargetSettings(kind, manifest, copy, request, notes);
  const settingsFrom = chosen.from;
  const engine = copy.engine ?? manifest?.engine;
  if (kind === 'cluster' && engine !== 'aurora-postgresql' && engine !== 'aurora-mysql') {
    throw new RecoverError(`the vault copy ${copy.id} names no Aurora engine (${engine ?? 'none'}): RestoreDBClusterFromSnapshot needs aurora-postgresql or aurora-mysql`);
  }
  if (chosen.settings.kind === 'cluster') {
    // The members are created under these names once the cluster is available; one taken already would stall the recovery.
    for (const member of chosen.settings.members) {
      if (await deps.rds.describeInstance(member.id)) throw new RecoverError(`an instance named ${member.id} already exists in ${request.region}, and the recovered cluster's members are named ${request.instanceId}-1, -2, …: give another name with --name`);
    }
  }
  // The same rules a refresh's restore follows: what RDS reports but a restore must not name (gp3's baseline IOPS
  // below its threshold, …), then what the engine does not accept.
  const desired = model.desiredSettings(chosen.settings, {}, engine);
  const shaped = model.shapeRestore(engine, desired);
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
    // An Aurora cluster at the version of its data (RDS would otherwise choose the region's default version).
    const engineVersion = kind === 'cluster' ? (copy.engineVersion ?? manifest?.engineVersion) : undefined;
    await gateway.restore({
      identifier: request.instanceId,
      snapshotIdentifier: copy.id,
      ...(engine ? { engine } : {}),
      ...(engineVersion ? { engineVersion } : {}),
      settings: shaped.settings,
      tags: { ...shaped.settings.tags, [RECOVERED_FROM_TAG]: copy.arn },
    });
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
  /** RDS refused an Aurora x's readers: they are not asked for again (a note says so). */
  let readersRefused = false;
  /**
   * Looks at x every pollSeconds until `ready`, a failed state, or `until` (default: the time limit). What a restore
   * leaves to do (an Aurora cluster's writer and readers) is asked for on the way, as a refresh does for y.
   */
  const follow = async (what: string, ready: (view: TargetView) => boolean, until = deadline): Promise<TargetView | string> => {
    for (;;) {
      const view = await gateway.describe(request.instanceId);
      const status = view?.status ?? 'not found';
      const members = view?.kind === 'cluster' ? `; ${view.members.length === 0 ? 'no instance yet' : view.members.map((m) => `${m.id} ${m.status}`).join(', ')}` : '';
      const shown = `${status}${members}${view?.masterUserSecretStatus ? `, master secret ${view.masterUserSecretStatus}` : ''}`;
      if (shown !== last) {
        deps.progress(`${request.instanceId}: ${shown} (${Math.round((deps.now().getTime() - requestedAt.getTime()) / 1000)} s)`);
        last = shown;
      }
      if (view) {
        const broken = model.failed(view);
        if (broken) return `${request.instanceId} is ${broken}`;
        if (!readersRefused) {
          const members = view.kind === 'cluster' && view.members.some((m) => m.writer) ? 'readers' : 'writer';
          try {
            if ((await gateway.completeRestore(view, shaped.settings)) === 'created') deps.progress(`${request.instanceId}: asked RDS for its ${members}`);
          } catch (err) {
            // Throttling or a cluster busy a moment: asked again at the next look, as a refresh does.
            if (!(err instanceof RetryableRdsError)) {
              // Without a writer nothing serves: the recovery has failed. A refused reader is said, and x serves from its writer.
              if (members === 'writer') {
                return `${request.instanceId} is restored, but RDS refused its writer: ${describeError(err)}; the cluster is left in place, without instances: create the writer by hand (aws rds create-db-instance --region ${request.region} --db-cluster-identifier ${request.instanceId} --db-instance-identifier ${request.instanceId}-1 --engine ${engine ?? '<engine>'} --db-instance-class <class>) or delete it (aws rds delete-db-cluster --region ${request.region} --db-cluster-identifier ${request.instanceId} --skip-final-snapshot)`;
              }
              readersRefused = true;
              notes.push(`RDS refused the readers of ${request.instanceId}: ${describeError(err)}; it serves from its writer`);
            }
          }
        }
        if (ready(view)) return view;
      }
      if (deps.now().getTime() > until) return `${request.instanceId} was not ${what} within ${Math.round((until - requestedAt.getTime()) / 60_000)} min of the request (last ${shown})`;
      await deps.sleep(request.pollSeconds * 1000);
    }
  };
  // As a refresh modifies y: once x is usable (a first backup may still run). RDS's busy answer (one change at a
  // time) and a passing error (throttling, a 5xx) are waited out and the change asked for again, until `until`.
  const modify = async (changes: TargetChanges, until: number): Promise<true | string> => {
    let lastAnswer = 'busy';
    for (;;) {
      const ready = await follow('usable for a modification', (view) => model.usable(view), until);
      if (typeof ready === 'string') return ready;
      try {
        if ((await gateway.modify(request.instanceId, changes)) === 'modified') return true;
        lastAnswer = `RDS answered that the ${model.noun} is busy with another change`;
      } catch (err) {
        if (!(err instanceof RetryableRdsError)) throw err;
        lastAnswer = describeError(err);
      }
      if (deps.now().getTime() > until) return `the change was not accepted in time (last: ${lastAnswer})`;
      await deps.sleep(request.pollSeconds * 1000);
    }
  };

  const restored = await follow('usable', (view) => model.usable(view));
  if (typeof restored === 'string') return failed(restored);
  let masterUserSecretArn = restored.masterUserSecretArn;
  if (!request.keepPassword) {
    const cli = kind === 'cluster' ? `modify-db-cluster --region ${request.region} --db-cluster-identifier` : `modify-db-instance --region ${request.region} --db-instance-identifier`;
    const help = `it serves with production's master password; to have RDS manage a new one in the vault account, run with the vault account's credentials: aws rds ${cli} ${request.instanceId} --manage-master-user-password --apply-immediately`;
    try {
      const asked = masterUserSecretArn ? true : await modify({ manageMasterUserPassword: {} }, deadline);
      if (asked !== true) return failed(`${request.instanceId} is restored, but RDS could not be asked to manage its master password: ${asked}; ${help}`);
    } catch (err) {
      return failed(`${request.instanceId} is restored, but RDS refused to manage its master password in the vault account: ${describeError(err)}; ${help}`);
    }
    const withSecret = await follow('usable with its master secret active', (view) => model.usable(view) && view.masterUserSecretArn !== undefined && view.masterUserSecretStatus === 'active');
    const describe = kind === 'cluster' ? `describe-db-clusters --region ${request.region} --db-cluster-identifier` : `describe-db-instances --region ${request.region} --db-instance-identifier`;
    if (typeof withSecret === 'string') return failed(`${withSecret}; RDS was asked to manage its master password: look at the ${model.noun}'s MasterUserSecret (aws rds ${describe} ${request.instanceId})`);
    masterUserSecretArn = withSecret.masterUserSecretArn;
    deps.progress(`${request.instanceId}: master credentials in Secrets Manager: ${masterUserSecretArn}`);
  } else {
    notes.push(`the master password is production's (--keep-password): RDS does not manage it in the vault account`);
  }
  const now = deps.now();
  const rtoSeconds = Math.round((now.getTime() - requestedAt.getTime()) / 1000);
  const rpoSeconds = Math.round((now.getTime() - (dataTime ?? requestedAt).getTime()) / 1000);
  await deps.ledger.putRecovery({ ...record, status: 'succeeded', usableAt: now.toISOString(), rtoSeconds, rpoSeconds, ...(masterUserSecretArn ? { masterUserSecretArn } : {}) });

  // What a restore cannot set, as a refresh applies it to y: one group per call, so one rejected value loses no other.
  // x is usable already (and recorded so): these get a time of their own, and what fails becomes a note.
  const settingsApplied: string[] = [];
  const settingsUntil = deps.now().getTime() + SETTINGS_MINUTES * 60_000;
  const current = (await gateway.describe(request.instanceId).catch(() => undefined)) ?? restored;
  for (const { group, changes } of model.postRestoreGroups(shaped.settings, current)) {
    if (!carriesChange(kind, changes)) continue;
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
  // An Aurora x serves from its writer; a reader still coming, or one that failed, is said.
  const final = (await gateway.describe(request.instanceId).catch(() => undefined)) ?? current;
  if (final.kind === 'cluster' && shaped.settings.kind === 'cluster') {
    for (const wanted of shaped.settings.members.filter((m) => !m.writer)) {
      const member = final.members.find((m) => m.id === wanted.id);
      if (!member || member.status !== 'available') notes.push(`reader ${wanted.id} is ${member?.status ?? 'not created yet'}: the cluster serves from its writer; look at it with aws rds describe-db-instances --region ${request.region} --db-instance-identifier ${wanted.id}`);
    }
  }
  return { status: 'succeeded', ...base, snapshotId: copy.id, rtoSeconds, rpoSeconds, settingsFrom, ...(masterUserSecretArn ? { masterUserSecretArn } : {}), settingsApplied, notes };
}
