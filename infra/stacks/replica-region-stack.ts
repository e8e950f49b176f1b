/**
 * Everything that runs in a replica region: the functions, the events and schedules that drive them, the ledger,
 * notifications, alarms and a dashboard, for the pairs whose y lives in this region; the project key that copies
 * and replicated backups are encrypted with, the retention of the copies, the replication of x's automated
 * backups for the pairs restored from them, the SQL function of each pair that needs one (a swap pair's validation, a
 * pair's staging hooks), and the read-only parameter groups of the pairs whose y is made read-only.
 */
import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../../lambdas/kernel/stack-outputs';
import type { z } from 'zod/mini';
import { copiesSnapshots, embedHookSql, needsProjectKey, scheduleTimeZone, splitRuntimeConfig, type Config, type PairConfig, type runtimeConfigSchema } from '../../lambdas/kernel/config';
import { BackupReplication } from '../features/backup-replication';
import { CopyValidation, copyValidationProps, needsSqlRunner } from '../features/copy-validation';
import { RefreshDashboard } from '../platform/dashboard';
import { EventPipeline, eventSubscriptionNames } from '../features/event-pipeline';
import { Ledger } from '../platform/ledger';
import { Monitoring } from '../platform/monitoring';
import { Notifications } from '../platform/notifications';
import { RefreshFunction } from '../platform/refresh-function';
import { ReplicaCredentials } from '../features/replica-credentials';
import { ReplicaInstances } from '../features/replica-instances';
import { RetentionSchedules } from '../features/retention-schedule';
import { RefreshSchedules, acknowledgeInvokeQualifiers } from '../features/schedule';
import { SnapshotKey } from '../platform/snapshot-key';
import { StagingSafety } from '../features/staging-safety';
import { VaultSharing } from '../features/vault-sharing';
import { acknowledgeNag } from '../platform/nag';
import { enforceResourceLimit } from '../platform/resource-limit';

/** Properties of a {@link ReplicaRegionStack}. */
export interface ReplicaRegionStackProps extends StackProps {
  /** The whole parsed configuration. */
  readonly config: Config;
  /** The pairs whose y lives in this stack's region. */
  readonly pairs: readonly PairConfig[];
}

const handlerEntry = (name: string): string => path.join(__dirname, '..', '..', 'lambdas', 'handlers', `${name}.ts`);

/** The repository, which the paths of staging hook files (`staging.hooks`) are relative to. */
export const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

/** The replica-region role: one stack per region that holds at least one y. */
export class ReplicaRegionStack extends Stack {
  /** Starts a refresh: checks, then deletes y. */
  public readonly startRefresh: RefreshFunction;
  /** Reacts to RDS events of y: restores after the deletion, closes the run after the restore. */
  public readonly onRdsEvent: RefreshFunction;
  /** Acts for events that never came and fails runs that are stuck. */
  public readonly watchdog: RefreshFunction;
  /** Expires the project's old copies of x; only when some pair of the region has retention on. */
  public readonly retention?: RefreshFunction;
  /** The project key of this region; only when some pair needs it ({@link needsProjectKey}). */
  public readonly snapshotKey?: SnapshotKey;
  /**
   * The SQL function of each pair that needs one, by pair id: a pair with a swap mode (rename-swap, dns-switch)
   * validates its copies with it, a pair with staging hooks runs them with it (one function when a pair does both).
   */
  public readonly validations: ReadonlyMap<string, CopyValidation>;
  /** The read-only parameter groups of the pairs with `staging.readOnly`. */
  public readonly stagingSafety: StagingSafety;
  /** What shares the region's copies with the vault account; only when the configuration has a vault (issue 18). */
  public readonly vaultSharing?: VaultSharing;

  public constructor(scope: Construct, id: string, props: ReplicaRegionStackProps) {
    super(scope, id, props);
    const { config } = props;
    // The pairs with an SQL function of their own: a swap mode's validation, staging hooks, or both.
    const sqlPairs = props.pairs.filter(needsSqlRunner);
    enforceResourceLimit(
      this,
      props.pairs.length,
      `its refresh schedule${sqlPairs.length > 0 ? ', a swap pair or one with staging hooks also its SQL function (a function, its role, policy, log group and invoke configuration)' : ''} (alarms, retention schedules, the read-only parameter groups and the dashboard do not grow with the pairs)`,
    );
    // With a vault, the project key also admits the vault account as far as copying a shared snapshot needs.
    if (props.pairs.some((p) => needsProjectKey(p, config))) this.snapshotKey = new SnapshotKey(this, 'SnapshotKey', config.vault ? { vaultAccount: config.vault.account } : {});
    const replicas = new ReplicaInstances(this, 'Replicas', { pairs: props.pairs, copyContext: config, projectKeyArn: this.snapshotKey?.key.keyArn });
    // One read-only parameter group per family the staging.readOnly pairs use, named as start-refresh names it for
    // y's restore (readOnlyParameterGroupName); the restorers' pg:* inputs cover it.
    this.stagingSafety = new StagingSafety(this, 'StagingSafety', { pairs: props.pairs });
    const credentials = new ReplicaCredentials(this, 'Credentials', { pairs: props.pairs });
    // Known before the pipeline exists (it needs on-rds-event): the functions get them in their configuration. A region
    // with an Aurora cluster pair has a second subscription, for its clusters' events.
    const subscriptionNames = eventSubscriptionNames(this.region, { clusters: replicas.clusterIds.length > 0 });

    const notifications = new Notifications(this, 'Notifications', { emails: config.notificationEmails });
    const ledger = new Ledger(this, 'Ledger');

    const runtimeConfig: z.input<typeof runtimeConfigSchema> = {
      region: this.region,
      account: config.account,
      timeZone: config.timeZone,
      rtoTargetMinutes: config.rtoTargetMinutes,
      ledgerTableName: ledger.table.tableName,
      notificationTopicArn: notifications.topic.topicArn,
      eventSubscriptionNames: subscriptionNames,
      // The watchdog decides "no success within N hours" itself (lambdas/reporting/overdue.ts).
      noSuccessWithinHours: config.alarms.noSuccessWithinHours,
      // Bundled with each function as runtime-config.json (the environment only names the ledger and the topic, and
      // for on-rds-event and the watchdog the pairs' SQL functions). Each staging hook file is read here, at synth, and
      // its SQL bundled as { name, sql }: the functions never read the repository. A file that cannot be read fails
      // the synth with a ConfigError naming the pair and the path.
      pairs: embedHookSql(props.pairs, REPOSITORY_ROOT),
    };
    const split = splitRuntimeConfig(runtimeConfig);
    const common = { config: { kind: 'runtime', ...split } as const };
    // The functions that read the vault from their runtime configuration: the share function, and retention (with a
    // vault the project copies every pair's snapshots, copiesSnapshots, and retention expires those copies too).
    const withVault = config.vault ? ({ config: { kind: 'runtime', file: { ...split.file, vault: config.vault }, resources: split.resources } } as const) : common;

    // A swap pair's copy is validated before clients are switched to it, and a pair's staging hooks run after each
    // restore, by a function of the pair's own inside y's VPC (one per pair, whatever it does), which on-rds-event and
    // the watchdog invoke synchronously (lambdas/validation/copy.ts). They find it by the pair's id in
    // validationFunctions, which names deployed resources and so travels in the environment with the ledger and topic.
    const validations = new Map<string, CopyValidation>();
    let longestValidation = 0;
    for (const pair of sqlPairs) {
      const sqlProps = copyValidationProps(this, pair);
      validations.set(pair.id, new CopyValidation(this, `Validation-${pair.id}`, sqlProps));
      longestValidation = Math.max(longestValidation, sqlProps.timeout?.toSeconds() ?? 0);
    }
    this.validations = validations;
    const switching =
      validations.size === 0
        ? common
        : ({ config: { kind: 'runtime', file: split.file, resources: { ...split.resources, validationFunctions: Object.fromEntries([...validations].map(([id, v]) => [id, v.functionName])) } } } as const);
    // The caller waits for the validation or the hooks (a synchronous invoke): it must outlive the longest one. (The
    // names take the environment's room: some 30 such pairs per region fit Lambda's 4 KB, RefreshFunction checks it at
    // synth.)
    const outliving = (seconds: number, margin: number) => Duration.seconds(Math.min(900, Math.max(seconds, longestValidation === 0 ? 0 : longestValidation + margin)));
    // A throw from start-refresh or the watchdog is a bug, not a passing fault: no retry, straight to the DLQ and an alarm.
    this.startRefresh = new RefreshFunction(this, 'StartRefresh', {
      ...common,
      entry: handlerEntry('start-refresh'),
      serviceName: 'start-refresh',
      description: 'Starts the refresh of a replica: checks the newest snapshot, then deletes y',
      timeout: Duration.seconds(60),
      asyncRetryAttempts: 0,
    });
    // SNS invokes asynchronously; two retries (about 1 and 2 minutes later) ride out throttling and busy instances.
    this.onRdsEvent = new RefreshFunction(this, 'OnRdsEvent', {
      ...switching,
      entry: handlerEntry('on-rds-event'),
      serviceName: 'on-rds-event',
      description: 'Reacts to RDS events of the replicas: restores y after its deletion, closes the run after the restore',
      timeout: outliving(60, 30),
      asyncRetryAttempts: 2,
    });
    this.watchdog = new RefreshFunction(this, 'Watchdog', {
      ...switching,
      entry: handlerEntry('watchdog'),
      serviceName: 'watchdog',
      description: 'Acts for RDS events that never came and fails runs that are stuck',
      timeout: outliving(120, 60),
      asyncRetryAttempts: 0,
    });

    for (const fn of [this.startRefresh, this.onRdsEvent, this.watchdog]) {
      ledger.grantUse(fn.role, 'read-write');
      notifications.topic.grantPublish(fn.role);
      replicas.grantRead(fn.role, { proxies: true });
      acknowledgeKmsDataKeyActions(fn.role);
    }
    // Deleting a delete-first y; a swap pair's first restore beside y (and, dns-switch, the idle slot's deletion).
    replicas.grantStart(this.startRefresh.role);
    replicas.grantRestore(this.onRdsEvent.role);
    replicas.grantRestore(this.watchdog.role);
    // A delete-first y whose staging hooks failed, deleted when its pair says staging.onFailure "delete".
    replicas.grantDeleteAfterFailedHooks(this.onRdsEvent.role);
    replicas.grantDeleteAfterFailedHooks(this.watchdog.role);
    for (const [label, fn] of [['on-rds-event', this.onRdsEvent], ['the watchdog', this.watchdog]] as const) {
      for (const validation of validations.values()) validation.function.grantInvoke(fn.role);
      acknowledgeInvokeQualifiers(fn.role, [...validations.values()].map((v) => v.function), label);
    }
    // An Aurora y is deleted by start-refresh alone, its members and then the cluster in one go (DeleteDBCluster takes a
    // cluster whose members are deleting; lambdas/targets/cluster/gateway.ts): grantStart includes it.
    // The preflight refuses a run whose secret cannot be read, before y is deleted; the run's end sets the credentials.
    credentials.grantReadSecrets(this.startRefresh.role);
    credentials.grantApply(this.onRdsEvent.role);
    credentials.grantApply(this.watchdog.role);

    // The vault (issue 18): every copy of the region's x's is shared with the vault account, a manifest of each sent to
    // the vault's inbox.
    if (config.vault) {
      this.vaultSharing = new VaultSharing(this, 'VaultSharing', {
        vault: config.vault,
        pairs: props.pairs,
        config: withVault.config,
        notificationTopic: notifications.topic,
      });
    }

    const expiring = props.pairs.filter((p) => copiesSnapshots(p, config) && p.copy.retention.enabled);
    let retentionSchedules: RetentionSchedules | undefined;
    if (expiring.length > 0) {
      // Deleting is idempotent and checks the ownership tag again: two retries ride out throttling.
      this.retention = new RefreshFunction(this, 'Retention', {
        ...withVault,
        entry: handlerEntry('retention'),
        serviceName: 'retention',
        description: "Deletes the project's expired copies of x in this region, never the one y holds or a run has chosen",
        // One invocation expires the copies of every pair on its schedule (all of them when they share a cron), a few
        // sources at a time: a few RDS calls per pair, some 400 pairs at most.
        timeout: Duration.seconds(300),
        asyncRetryAttempts: 2,
      });
      replicas.grantRead(this.retention.role, { proxies: false, replicatedBackups: false });
      replicas.grantExpireCopies(this.retention.role);
      ledger.grantUse(this.retention.role, 'read');
      retentionSchedules = new RetentionSchedules(this, 'RetentionSchedules', {
        entries: expiring.map((p) => ({ replicaId: p.id, cron: p.copy.retention.cron, timeZone: scheduleTimeZone(config, p) })),
        retention: this.retention.function,
      });
    }

    const managedReplications = props.pairs.filter((p) => p.source.mode === 'backup-replication' && p.backupReplication.manage);
    if (managedReplications.length > 0) {
      new BackupReplication(this, 'BackupReplication', {
        replications: managedReplications.map((p) => ({
          sourceInstanceId: p.source.identifier,
          sourceRegion: p.source.region,
          retentionDays: p.backupReplication.retentionDays,
          kmsKeyArn: p.backupReplication.kmsKeyArn ?? this.projectKeyArn(),
        })),
      });
    }

    const events = new EventPipeline(this, 'Events', { instanceIds: replicas.eventInstanceIds, clusterIds: replicas.clusterIds, handler: this.onRdsEvent.function });
    // The watchdog checks on every pass that the subscription still delivers.
    events.grantDescribeSubscription(this.watchdog.role);
    // Its housekeeping never retires the instance a dns-switch record points at.
    replicas.grantReadDnsRecords(this.watchdog.role);
    // on-rds-event reads it for a deletion event outside any run: y retired by a dns-switch pair's first switch is news
    // only when the instance the record points at is gone too.
    replicas.grantReadDnsRecords(this.onRdsEvent.role);
    const schedules = new RefreshSchedules(this, 'Schedules', {
      refreshes: props.pairs.map((p) => ({
        replicaId: p.id,
        cron: p.schedule.cron,
        timeZone: scheduleTimeZone(config, p),
        enabled: p.schedule.enabled,
      })),
      startRefresh: this.startRefresh.function,
      watchdog: this.watchdog.function,
      watchdogIntervalMinutes: config.watchdogIntervalMinutes,
    });

    const replicaIds = props.pairs.map((p) => p.id);
    const watchdogInterval = Duration.minutes(config.watchdogIntervalMinutes);
    const monitoring = new Monitoring(this, 'Monitoring', {
      alarmTopic: notifications.topic,
      replicaIds,
      rtoTargetMinutes: config.rtoTargetMinutes,
      alarms: config.alarms,
      eventSubscriptionName: events.subscriptionName,
      ...(events.clusterSubscriptionName === undefined ? {} : { clusterEventSubscriptionName: events.clusterSubscriptionName }),
      watchdogInterval,
    });
    const deadLetterQueues = [
      { id: 'RdsEventDeliveryDlqAlarm', label: 'RDS event delivery', queue: events.deliveryDeadLetterQueue, what: 'An RDS event SNS could not deliver to on-rds-event' },
      { id: 'ScheduleDlqAlarm', label: 'Scheduler delivery', queue: schedules.deadLetterQueue, what: 'A scheduled invocation Scheduler could not deliver' },
      ...(retentionSchedules
        ? [{ id: 'RetentionScheduleDlqAlarm', label: 'Retention schedule delivery', queue: retentionSchedules.deadLetterQueue, what: 'A retention pass Scheduler could not deliver' }]
        : []),
      ...(this.vaultSharing
        ? [{ id: 'VaultShareDeliveryDlqAlarm', label: 'Vault share delivery', queue: this.vaultSharing.deadLetterQueue, what: 'A snapshot event or sweep EventBridge or Scheduler could not deliver to share-to-vault' }]
        : []),
    ];
    const functions = [
      { label: 'start-refresh', fn: this.startRefresh },
      { label: 'on-rds-event', fn: this.onRdsEvent },
      { label: 'watchdog', fn: this.watchdog },
      ...(this.retention ? [{ label: 'retention', fn: this.retention }] : []),
      ...(this.vaultSharing ? [{ label: 'share-to-vault', fn: this.vaultSharing.share }] : []),
    ];
    for (const { label, fn } of functions) {
      deadLetterQueues.push({
        id: `${fn.node.id}FailureQueueAlarm`,
        label: `${label} failures`,
        queue: fn.failureQueue,
        what: `An invocation of ${label} that failed after its retries`,
      });
    }
    for (const { id, queue, what } of deadLetterQueues) monitoring.alarmOnDeadLetters(id, queue, what);
    for (const { label, fn } of functions) monitoring.alarmOnFunctionErrors(`${fn.node.id}ErrorsAlarm`, fn.function, label);
    monitoring.alarmOnSilentFunction('WatchdogSilentAlarm', this.watchdog.function, 'watchdog', watchdogInterval);

    // The operator commands (npm run drill/plan/report) find the deployment through these outputs.
    new CfnOutput(this, STACK_OUTPUTS.ledgerTable, { value: ledger.table.tableName, description: 'The run ledger (history of refreshes)' });
    new CfnOutput(this, STACK_OUTPUTS.startRefreshFunction, { value: this.startRefresh.function.functionName, description: 'Starts refreshes, drills and plans' });
    new CfnOutput(this, STACK_OUTPUTS.notificationTopic, { value: notifications.topic.topicArn, description: 'Notifications and alerts; subscribe more endpoints here' });

    new RefreshDashboard(this, 'Dashboard', {
      replicaIds,
      replicaAlarms: monitoring.replicaAlarms,
      rtoTargetMinutes: config.rtoTargetMinutes,
      deadLetterQueues,
      functions: functions.map(({ label, fn }) => ({ label, fn: fn.function })),
      pipelineAlarms: monitoring.pipelineAlarms,
      eventSubscriptionName: events.subscriptionName,
      ...(events.clusterSubscriptionName === undefined ? {} : { clusterEventSubscriptionName: events.clusterSubscriptionName }),
    });
  }

  /** The project key's ARN; only called for pairs that {@link needsProjectKey}. */
  private projectKeyArn(): string {
    if (!this.snapshotKey) throw new Error(`stack ${this.stackName} has no project key, yet a pair needs one`);
    return this.snapshotKey.key.keyArn;
  }
}

/** The grants on the ledger's and the topic's keys name the KMS data-key actions with a wildcard. */
function acknowledgeKmsDataKeyActions(role: iam.IRole): void {
  acknowledgeNag(
    role,
    'AwsSolutions-IAM5',
    'kms:GenerateDataKey* comes from the ledger grant (Ledger.grantUse, as grantReadWriteData gives it) and grantPublish on the notifications topic; it is scoped to those two keys',
    'Action::kms:GenerateDataKey*',
  );
  acknowledgeNag(
    role,
    'AwsSolutions-IAM5',
    'kms:ReEncrypt* comes from the ledger grant (Ledger.grantUse, as grantReadWriteData gives it); it is scoped to the ledger key',
    'Action::kms:ReEncrypt*',
  );
}
