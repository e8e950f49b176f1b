/**
 * The vault (issue 18): everything that runs in the vault account and region, out of production's reach. Its own key;
 * the inbox production's share roles send manifests to (and nobody else may); the vault function, which copies the
 * snapshots production shares into this region under the vault's key, expires them past retention and reports how old
 * each x's newest copy is; its ledger (the manifests `npm run recover` rebuilds x with) and topic; the alarms, one
 * recovery-point alarm per pair.
 *
 * Deployed with the vault account's credentials; it reads nothing of production's stacks (which deploy with
 * production's), and they nothing of it: the names both sides agree on are fixed in lambdas/vault/names.ts (the inbox,
 * the key alias, the share roles). Production's roles have no permission here beyond sqs:SendMessage on the inbox, and the vault key's use for it
 * through SQS (kms:GenerateDataKey and kms:Decrypt; infra/features/vault-inbox.ts).
 */
import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { VAULT_STACK_OUTPUTS } from '../../lambdas/vault/names';
import type { Config, PairConfig, VaultConfig } from '../../lambdas/kernel/config';
import { vaultConfigFile } from '../../lambdas/vault/config';
import { VAULT_KEY_ALIAS, shareRoleArn } from '../../lambdas/vault/names';
import { acknowledgeInvokeQualifiers, everyMinutes, schedulerRole } from '../features/schedule';
import { VaultCopies } from '../features/vault-copies';
import { VaultInbox } from '../features/vault-inbox';
import { VaultLedgerTable } from '../features/vault-ledger';
import { VAULT_SWEEP_INTERVAL, VaultMonitoring } from '../features/vault-monitoring';
import { Notifications } from '../platform/notifications';
import { deadLetterQueue } from '../platform/dead-letter-queue';
import { RefreshFunction } from '../platform/refresh-function';
import { enforceResourceLimit } from '../platform/resource-limit';
import { SnapshotKey } from '../platform/snapshot-key';

/** Properties of a {@link VaultStack}. */
export interface VaultStackProps extends StackProps {
  /** The whole parsed configuration; its `vault` must be set. */
  readonly config: Config;
}

/** The outputs of the vault stack, for operators (`npm run recover` finds the ledger through them). */
export { VAULT_STACK_OUTPUTS };

/** The sweep's input: anything but an SQS batch makes the vault function sweep (lambdas/handlers/vault-copy.ts). */
export const VAULT_SWEEP_INPUT = { trigger: 'vault-sweep' } as const;

/** How long one vault invocation may take: a sweep describes the shared and own snapshots and copies for every pair. */
const VAULT_TIMEOUT = Duration.seconds(300);

/** The vault role: one stack in the vault account and region, when the configuration has a vault. */
export class VaultStack extends Stack {
  /** The vault's own key: its copies, its ledger, its topic and its inbox. */
  public readonly key: SnapshotKey;
  /** The vault function. */
  public readonly vault: RefreshFunction;
  /** The inbox production sends manifests to. */
  public readonly inbox: VaultInbox;
  /** The vault's ledger. */
  public readonly ledger: VaultLedgerTable;
  /** The vault's topic. */
  public readonly notifications: Notifications;
  /** The vault's alarms. */
  public readonly monitoring: VaultMonitoring;

  public constructor(scope: Construct, id: string, props: VaultStackProps) {
    super(scope, id, props);
    const vault = vaultOf(props.config);
    if (this.account !== vault.account || this.region !== vault.region) {
      throw new Error(`the vault stack must be in the vault's account and region (${vault.account}, ${vault.region}), got ${this.account}, ${this.region}`);
    }
    const { config } = props;
    checkPairIds(config.pairs);
    enforceResourceLimit(this, config.pairs.length, 'a recovery-point alarm');

    this.key = new SnapshotKey(this, 'Key', {
      aliasName: VAULT_KEY_ALIAS,
      description: "Encrypts the replica-refresh vault's copies of x, its ledger, its topic and its inbox",
    });
    this.ledger = new VaultLedgerTable(this, 'Ledger', { key: this.key.key });
    // The project's notifications topic, encrypted with the vault's key (whose policy then lets the vault's alarms use it).
    this.notifications = new Notifications(this, 'Notifications', { key: this.key.key, displayName: 'replica-refresh vault notifications', emails: config.notificationEmails });
    const replicaRegions = [...new Set(config.pairs.map((p) => p.replica.region))].sort();
    this.inbox = new VaultInbox(this, 'Inbox', {
      productionAccount: config.account,
      senderRoleArns: replicaRegions.map((r) => shareRoleArn(config.account, r)),
      consumerTimeout: VAULT_TIMEOUT,
      key: this.key.key,
    });

    this.vault = new RefreshFunction(this, 'Vault', {
      config: {
        kind: 'vault',
        file: vaultConfigFile(config),
        resources: { keyArn: this.key.key.keyArn, ledgerTableName: this.ledger.table.tableName, notificationTopicArn: this.notifications.topic.topicArn },
      },
      entry: path.join(__dirname, '..', '..', 'lambdas', 'handlers', 'vault-copy.ts'),
      serviceName: 'vault',
      description: "Keeps the vault: copies the snapshots production shares into the vault's region under its key, expires old copies, reports each x's newest copy's age",
      timeout: VAULT_TIMEOUT,
      // Scheduler invokes asynchronously; two retries ride out throttling and busy RDS APIs.
      asyncRetryAttempts: 2,
    });
    this.inbox.connect(this.vault.function);
    new VaultCopies(this, 'Copies', { productionAccount: config.account, pairs: config.pairs, vaultKey: this.key.key }).grantCopy(this.vault.role);
    this.ledger.grantWriteManifests(this.vault.role);
    this.notifications.topic.grantPublish(this.vault.role);

    const scheduleDlq = deadLetterQueue(this, 'ScheduleDeadLetterQueue', "the vault's hourly sweep schedule");
    const role = schedulerRole(this, 'SchedulerRole', 'Lets the replica-refresh vault sweep invoke the vault function');
    everyMinutes(this, 'Sweep', {
      description: 'Copies what production shared into the vault, expires old copies, reports the newest copy of each x',
      minutes: VAULT_SWEEP_INTERVAL.toMinutes(),
      fn: this.vault.function,
      role,
      input: { ...VAULT_SWEEP_INPUT },
      deadLetterQueue: scheduleDlq,
    });
    acknowledgeInvokeQualifiers(role, [this.vault.function]);

    this.monitoring = new VaultMonitoring(this, 'Monitoring', { alarmTopic: this.notifications.topic });
    this.monitoring.alarmOnDeadLetters(
      'InboxDlqAlarm',
      this.inbox.deadLetterQueue,
      "A manifest from production that the vault function failed on repeatedly (the vault's ledger lacks it, so recover would fall back to the snapshot's own settings; the inbox admits only production's share roles, so a redrive into it is refused: fix the cause, then write the manifest to the ledger from the message)",
    );
    this.monitoring.alarmOnDeadLetters('ScheduleDlqAlarm', scheduleDlq, 'A vault sweep Scheduler could not deliver');
    this.monitoring.alarmOnDeadLetters('VaultFailureQueueAlarm', this.vault.failureQueue, 'An invocation of the vault function that failed after its retries');
    this.monitoring.alarmOnFunctionErrors('VaultErrorsAlarm', this.vault.function, 'vault');
    for (const pair of config.pairs) this.monitoring.alarmOnCopyAge(pair.id, vault.rpoHours, `${pair.source.identifier} (${pair.source.region}, shared from ${pair.replica.region})`);

    new CfnOutput(this, VAULT_STACK_OUTPUTS.ledgerTable, { value: this.ledger.table.tableName, description: "The vault's ledger: the manifests of shared snapshots, and every recovery" });
    new CfnOutput(this, VAULT_STACK_OUTPUTS.vaultFunction, { value: this.vault.function.functionName, description: 'Keeps the vault; invoke with {"trigger":"vault-sweep"} to copy what production shared now' });
    new CfnOutput(this, VAULT_STACK_OUTPUTS.keyArn, { value: this.key.key.keyArn, description: "The vault's key: its copies, its ledger, its topic and its inbox" });
  }
}

/** The configuration's vault. */
function vaultOf(config: Config): VaultConfig {
  if (!config.vault) throw new Error('the configuration has no vault: the vault stack needs replicaRefresh.vault');
  return config.vault;
}

/**
 * The vault's metrics and alarms name a pair by its id alone (the `replica` dimension), across replica regions; ids are
 * unique only per replica region in production.
 * @throws Error naming the pairs that share an id
 */
function checkPairIds(pairs: readonly PairConfig[]): void {
  const seen = new Map<string, PairConfig>();
  for (const pair of pairs) {
    const other = seen.get(pair.id);
    if (other) {
      throw new Error(
        `pairs ${other.replica.identifier} (${other.replica.region}) and ${pair.replica.identifier} (${pair.replica.region}) share the id "${pair.id}": ` +
          "the vault reports and alarms on each x by its pair's id, so with a vault every pair needs an id of its own across regions; give one of them its own \"id\"",
      );
    }
    seen.set(pair.id, pair);
  }
}
