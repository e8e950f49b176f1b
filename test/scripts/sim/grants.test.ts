/**
 * Each function's IAM grants against the calls its code makes. The simulation records, per function, the IAM action
 * of every SDK call (Simulation.actionsCalled); each scenario below runs the real handlers on a configuration, and the
 * same configuration is synthesized with the CDK app. Two checks, per configuration and function:
 * - every action called is granted (a missing grant is an AccessDenied on AWS);
 * - every action granted is called in some scenario of that configuration, or is implied by one that is: an action
 *   AWS authorizes against the caller's role on its behalf (a dependent action, a KMS key a service uses for the
 *   caller), or one the Lambda service performs with the function's role. Each implication names its source.
 * Nothing else may be granted: a grant no path uses is a permission an attacker gets for free.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../../infra/app';
import type { FaultSpec } from '../../../scripts/sim/world';
import { SIM_HOSTED_ZONE_ID, Simulation, simValidation } from '../../../scripts/sim/world';
import { copyTargetId } from '../../../lambdas/copy/plan';
import { COPY_TAGS } from '../../../lambdas/kernel/snapshot-tags';
import { vaultCopyId } from '../../../lambdas/vault/keep';
import { VAULT_COPY_TAG, VAULT_PAIR_TAG, VAULT_SOURCE_TAG } from '../../../lambdas/vault/names';
import { SKIP_BUNDLING, exampleConfig, iamStatements, newApp } from '../../infra/helpers';

/**
 * The function each role belongs to, by the start of the role's logical id. A swap pair's validation function
 * (infra/features/copy-validation.ts, `Validation-<pair id>` in the replica stack) is the one the simulation records as
 * `validate-copy` (scripts/sim/world.ts: its Secrets Manager calls). With a vault (issue 18): production's share
 * function (infra/features/vault-sharing.ts, `VaultSharing` in the replica stack, its role `ShareToVaultRole`) and the
 * vault function (infra/stacks/vault-stack.ts, `Vault` in the vault stack), recorded as `share-to-vault` and
 * `vault-copy` (scripts/sim/vault.ts).
 */
const ROLES: Record<string, string> = {
  StartRefreshRole: 'start-refresh',
  OnRdsEventRole: 'on-rds-event',
  WatchdogRole: 'watchdog',
  RetentionRole: 'retention',
  CopyRole: 'copy-snapshot',
  Validation: 'validate-copy',
  VaultSharingShareToVaultRole: 'share-to-vault',
  VaultRole: 'vault-copy',
};

/** Actions granted to each function's role in the app synthesized from `config`. */
function grantedActions(config: Record<string, unknown>): Map<string, Set<string>> {
  const built = buildApp(config, newApp(SKIP_BUNDLING));
  const out = new Map<string, Set<string>>();
  for (const stack of [...built.stacks.values(), ...built.sourceStacks.values(), ...(built.vaultStack ? [built.vaultStack] : [])]) {
    for (const s of iamStatements(Template.fromStack(stack))) {
      if (s.statement.Effect !== 'Allow') continue;
      for (const role of s.roles) {
        const prefix = Object.keys(ROLES).find((p) => role.startsWith(`\${${p}`));
        if (!prefix) continue;
        const fn = ROLES[prefix]!;
        if (!out.has(fn)) out.set(fn, new Set());
        for (const a of s.actions) out.get(fn)!.add(a);
      }
    }
  }
  return out;
}

interface Scenario {
  nights: number;
  faults?: FaultSpec[];
  /** Changes to the simulated account before the first night. */
  setup?: (sim: Simulation) => void;
}

/** What the scenarios of one configuration called, by function. */
async function calledActions(config: Record<string, unknown>, pairOverrides: Record<string, unknown>, scenarios: Scenario[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const [i, s] of scenarios.entries()) {
    const sim = await Simulation.create({ config, seed: 40 + i, pairOverrides, faults: s.faults ?? [] });
    try {
      s.setup?.(sim);
      await sim.runNights(s.nights);
    } finally {
      await sim.close();
    }
    for (const [fn, actions] of sim.actionsCalled) {
      if (!out.has(fn)) out.set(fn, new Set());
      for (const a of actions) out.get(fn)!.add(a);
    }
  }
  return out;
}

/** A configuration (the example of cdk.json with its pair changed, or another whole example) and the scenarios run on it. */
interface Group {
  name: string;
  pair: Record<string, unknown>;
  /** The whole `replicaRefresh` value, instead of cdk.json's example. */
  config?: Record<string, unknown> & { pairs: Record<string, unknown>[] };
  scenarios: Scenario[];
}

const SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf';
/** On the first night on-rds-event fails: the watchdog does the restore and the finish; on the second, on-rds-event does. */
const WATCHDOG_NIGHT: Scenario = { nights: 2, faults: [{ name: 'on-event-fails', night: 1 }] };
/** The rename-swap pair: the simulation's validation (its sample table, placeholder VPC ids), x's snapshot age limit of cdk.json. */
const RENAME_SWAP = { refresh: { mode: 'rename-swap', validation: simValidation({ maxSnapshotAgeHours: 26 }) } };
/** The dns-switch pair: its record in the simulation's private hosted zone, the old slot deleted after each switch. */
const DNS_SWITCH = { refresh: { mode: 'dns-switch', dns: { hostedZoneId: SIM_HOSTED_ZONE_ID, recordName: 'orders-staging.db.internal' }, validation: simValidation({ maxSnapshotAgeHours: 26 }) } };
/**
 * The pair of infra/examples/staging-safety/cdk.json: its `staging` (read-only postgres16, four hooks, isolated when one
 * fails, its SQL runner) and its `credentials` (a secret), on the example pair of cdk.json.
 */
const STAGING_EXAMPLE = (() => {
  const file = join(__dirname, '..', '..', '..', 'infra', 'examples', 'staging-safety', 'cdk.json');
  const [example] = (JSON.parse(readFileSync(file, 'utf8')) as { context: { replicaRefresh: { pairs: { staging: Record<string, unknown>; credentials: Record<string, unknown> }[] } } }).context.replicaRefresh.pairs;
  return { staging: example!.staging, credentials: example!.credentials };
})();
/** The example of infra/examples/vault/cdk.json: one pair, and a vault account that keeps copies of x (issue 18). */
const VAULT_EXAMPLE = (() => {
  const file = join(__dirname, '..', '..', '..', 'infra', 'examples', 'vault', 'cdk.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { context: { replicaRefresh: Record<string, unknown> & { pairs: Record<string, unknown>[] } } }).context.replicaRefresh;
})();
/** The vault example's x. */
const VAULT_X = (VAULT_EXAMPLE.pairs[0] as { source: { instanceId: string } }).source.instanceId;
/** A night whose first afterRestore hook meets a database error. */
const HOOK_FAILS: Scenario = { nights: 2, faults: [{ name: 'hook-fails', night: 1 }] };
const GROUPS: Group[] = [
  {
    name: 'the example of cdk.json (managed credentials, a monitoring role)',
    pair: {},
    scenarios: [
      // Five nights, a fault on each of the first four: on-rds-event fails (the watchdog restores y and finishes the
      // run), the copy waits in the delay queue, a second start meets the running one, someone deletes y by hand (the
      // next start finds it missing and reads the history to tell who deleted it); the retention pass expires copies.
      {
        nights: 5,
        faults: [
          { name: 'on-event-fails', night: 1 },
          { name: 'copy-quota-5', night: 2 },
          { name: 'second-start', night: 3 },
          { name: 'manual-deletion', night: 4 },
        ],
        // Two owned copies of x from before the simulation, past copy.retention.keepDays: the first pass expires them.
        setup: (sim) => {
          for (const daysAgo of [10, 12]) {
            const at = new Date(sim.clock.now().getTime() - daysAgo * 86_400_000);
            const id = `rds:orders-prod-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
            const { key, value } = sim.pairs[0]!.ownershipTag;
            sim.rds.seedCopy(sim.sourceRds!.seedSnapshot('orders-prod', id, 'automated', at), 'eu-west-1', copyTargetId(id, false), sim.replicaKeyArn, [
              { Key: key, Value: value },
              { Key: COPY_TAGS.source, Value: 'seeded' },
            ]);
          }
        },
      },
      // The copy key is disabled: RDS refuses the copy and the copy function alerts.
      {
        nights: 1,
        setup: (sim) => {
          sim.kms.keys.get(sim.replicaKeyArn)!.enabled = false;
        },
      },
    ],
  },
  { name: 'credentials from a secret', pair: { credentials: { mode: 'secret', secretArn: SECRET, passwordKey: 'password' } }, scenarios: [WATCHDOG_NIGHT] },
  { name: "x's credentials", pair: { credentials: { mode: 'source' } }, scenarios: [WATCHDOG_NIGHT] },
  {
    name: 'IAM roles and RDS Proxy targets',
    pair: { associatedRoleArns: ['arn:aws:iam::111111111111:role/staging-s3-import'], rdsProxyArns: ['arn:aws:rds:eu-central-1:111111111111:db-proxy:prx-0123456789abcdef0'] },
    scenarios: [WATCHDOG_NIGHT],
  },
  { name: 'deletion protection on y, and a final snapshot before each delete', pair: { finalSnapshot: true, allowDisablingDeletionProtection: true, overrides: { deletionProtection: true } }, scenarios: [{ nights: 2 }] },
  { name: 'extra snapshots of x', pair: { copy: { extraSnapshots: { cron: 'cron(0 0/6 * * ? *)' } } }, scenarios: [{ nights: 1 }] },
  { name: 'replicated automated backups of x', pair: { source: { instanceId: 'orders-prod', region: 'eu-west-1', mode: 'backup-replication' } }, scenarios: [WATCHDOG_NIGHT] },
  {
    name: 'Aurora clusters (aurora-postgresql): copied cluster snapshots, a writer and a reader, a final snapshot',
    pair: {
      engine: 'aurora-postgresql',
      source: { clusterId: 'orders-prod', region: 'eu-west-1' },
      replica: { clusterId: 'orders-staging', region: 'eu-central-1', memberIds: ['orders-staging-1', 'orders-staging-2'] },
      finalSnapshot: true,
      allowDisablingDeletionProtection: true,
      overrides: { deletionProtection: true },
      copy: { extraSnapshots: { cron: 'cron(0 0/6 * * ? *)' } },
    },
    // The watchdog night (it creates the writer and finishes), a night on events (deletion protection, which the
    // first night's restore turned on, is turned off before the delete), and one where on-rds-event dies before the
    // writer's creation.
    scenarios: [
      {
        ...WATCHDOG_NIGHT,
        // Two owned copies of x's cluster snapshots from before the simulation, past keepDays: retention expires them.
        setup: (sim) => {
          for (const daysAgo of [10, 12]) {
            const at = new Date(sim.clock.now().getTime() - daysAgo * 86_400_000);
            const id = `rds:orders-prod-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
            const { key, value } = sim.pairs[0]!.ownershipTag;
            sim.rds.clusters.seedClusterCopy(sim.sourceRds!.clusters.seedClusterSnapshot('orders-prod', id, 'automated', at), copyTargetId(id, false), sim.replicaKeyArn, [
              { Key: key, Value: value },
              { Key: COPY_TAGS.source, Value: 'seeded' },
            ]);
          }
        },
      },
      { nights: 1, faults: [{ name: 'crash-before-writer' }] },
    ],
  },
  {
    name: 'rename-swap (a copy restored beside y, validated, then renamed into its place)',
    pair: RENAME_SWAP,
    // Two nights on events (the second deletes nothing yet: the old y is kept keepOldHours), a night the watchdog
    // carries (it validates and switches), and a copy that fails its validation (deleted, never switched to).
    scenarios: [{ nights: 2 }, WATCHDOG_NIGHT, { nights: 1, faults: [{ name: 'validation-fails', night: 1 }] }],
  },
  {
    name: 'dns-switch (two slots behind a Route 53 record; y itself retired after the first switch)',
    pair: DNS_SWITCH,
    // The first night restores <y>-a and retires y, the second restores <y>-b and deletes <y>-a; the watchdog carries a
    // night; a copy that fails its validation is never pointed at.
    scenarios: [{ nights: 2 }, WATCHDOG_NIGHT, { nights: 1, faults: [{ name: 'validation-fails', night: 1 }] }],
  },
  {
    name: 'dns-switch keeping the old slot stopped (oldSlot "stop")',
    pair: { ...DNS_SWITCH, refresh: { ...(DNS_SWITCH.refresh as Record<string, unknown>), oldSlot: 'stop' } },
    // Three nights: the old instance is stopped after each switch, and the next night deletes the stopped idle slot
    // before it restores into its name.
    scenarios: [{ nights: 3 }],
  },
  {
    name: 'staging safety (the staging-safety example: read-only, hooks run by the SQL runner, y kept isolated when one fails)',
    pair: STAGING_EXAMPLE,
    // Two nights whose hooks pass (y gets its own security groups back), one whose first hook fails (y stays isolated:
    // a ModifyDBInstance), and a night the watchdog carries (it runs the hooks).
    scenarios: [{ nights: 2 }, HOOK_FAILS, WATCHDOG_NIGHT],
  },
  {
    name: "a vault account (infra/examples/vault/cdk.json: production's share function, the vault function)",
    pair: {},
    config: VAULT_EXAMPLE,
    scenarios: [
      // Three nights: each new copy of x is shared with the vault (its manifest sent to the inbox) and copied into the
      // vault, whose sweep expires its copies past retention.
      {
        nights: 3,
        setup: (sim) => {
          const vault = sim.vault!;
          // Five copies in the vault from before the simulation: three recent ones, and two past retentionDays
          // (35) beyond the newest keepAtLeast (3), which the first sweep deletes.
          for (const daysAgo of [1, 2, 3, 40, 45]) {
            const at = new Date(sim.clock.now().getTime() - daysAgo * 86_400_000);
            const name = copyTargetId(`rds:${VAULT_X}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`, false);
            const sharedArn = `arn:aws:rds:${sim.config.region}:${sim.config.account}:snapshot:${name}`;
            const source = { DBSnapshotIdentifier: sharedArn, DBSnapshotArn: sharedArn, DBInstanceIdentifier: VAULT_X, SnapshotType: 'shared', Engine: 'postgres', Status: 'available', SnapshotCreateTime: at, OriginalSnapshotCreateTime: at };
            vault.rds.seedCopy(source, sim.config.region, vaultCopyId(sharedArn), vault.keyArn, [
              { Key: VAULT_COPY_TAG.key, Value: VAULT_COPY_TAG.value },
              { Key: VAULT_SOURCE_TAG, Value: sharedArn },
              { Key: VAULT_PAIR_TAG, Value: sim.pairs[0]!.id },
            ]);
          }
          // The same for the Aurora x: two cluster snapshot copies in the vault past retention beside three recent ones.
          const aurora = sim.pairs.find((p) => p.source.kind === 'cluster')!;
          for (const daysAgo of [1, 2, 3, 40, 45]) {
            const at = new Date(sim.clock.now().getTime() - daysAgo * 86_400_000);
            const name = copyTargetId(`rds:${aurora.source.identifier}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`, false);
            const sharedArn = `arn:aws:rds:${sim.config.region}:${sim.config.account}:cluster-snapshot:${name}`;
            const source = { DBClusterSnapshotIdentifier: sharedArn, DBClusterSnapshotArn: sharedArn, DBClusterIdentifier: aurora.source.identifier, SnapshotType: 'shared', Engine: 'aurora-postgresql', Status: 'available', SnapshotCreateTime: at };
            vault.rds.clusters.seedClusterCopy(source, vaultCopyId(sharedArn), vault.keyArn, [
              { Key: VAULT_COPY_TAG.key, Value: VAULT_COPY_TAG.value },
              { Key: VAULT_SOURCE_TAG, Value: sharedArn },
              { Key: VAULT_PAIR_TAG, Value: aurora.id },
            ]);
          }
          // An owned copy of x encrypted with the AWS managed key aws/rds (copy.replicaKmsKeyArn was aws/rds once):
          // RDS refuses to share it, and the share function alerts.
          const at = new Date(sim.clock.now().getTime() - 5 * 86_400_000);
          const id = `rds:${VAULT_X}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
          const { key, value } = sim.pairs[0]!.ownershipTag;
          sim.rds.seedCopy(sim.sourceRds!.seedSnapshot(VAULT_X, id, 'automated', at), sim.pairs[0]!.source.region, copyTargetId(id, false), sim.kms.awsManagedKey(sim.config.region), [
            { Key: key, Value: value },
            { Key: COPY_TAGS.source, Value: 'seeded' },
          ]);
        },
      },
      // The vault's key is disabled: RDS refuses the vault's copies, and the vault function alerts.
      {
        nights: 1,
        setup: (sim) => {
          sim.vault!.kms.keys.get(sim.vault!.keyArn)!.enabled = false;
        },
      },
    ],
  },
  {
    name: 'staging safety with onFailure "delete" (y deleted when a hook fails)',
    pair: { ...STAGING_EXAMPLE, staging: { ...STAGING_EXAMPLE.staging, onFailure: 'delete' } },
    // A failed hook on a night on events (on-rds-event deletes y), and on a night the watchdog carries (it does).
    scenarios: [HOOK_FAILS, { nights: 2, faults: [{ name: 'on-event-fails', night: 1 }, { name: 'hook-fails', night: 1 }] }],
  },
];

/** What every scenario called, by function (filled by the tests, read by the implications that need another function's calls). */
const calledAll = new Map<string, Set<string>>();

/**
 * Actions a role needs that its code never calls: what AWS authorizes against the role when an action the code calls
 * is made, or what the Lambda service does with the role. `by` is what implies it: the action called, or `lambda`.
 */
const IMPLIED: { actions: string[]; by: (called: ReadonlySet<string>, fn: string) => boolean; source: string }[] = [
  {
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    by: () => true,
    source: 'Lambda Developer Guide, "Defining Lambda function permissions with an execution role": Lambda writes the function\'s logs with its role',
  },
  {
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    by: () => true,
    source: 'Lambda Developer Guide, "Visualize Lambda function invocations using AWS X-Ray": with active tracing, Lambda sends the segments with the role',
  },
  {
    actions: ['sqs:SendMessage'],
    by: () => true,
    source: 'Lambda Developer Guide, "Capturing records of Lambda asynchronous invocations": Lambda sends a failed invocation to the on-failure SQS queue with the role',
  },
  {
    actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    by: (_called, fn) => fn === 'copy-snapshot' || fn === 'vault-copy',
    source: 'Lambda Developer Guide, "Using Lambda with Amazon SQS": the event source mapping of the delay queue (copy-snapshot) or of the vault\'s inbox (vault-copy) polls with the role',
  },
  {
    actions: ['rds:AddTagsToResource'],
    by: (c) =>
      ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime', 'rds:CopyDBSnapshot', 'rds:CreateDBSnapshot', 'rds:DeleteDBInstance', 'rds:RestoreDBClusterFromSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:CreateDBClusterSnapshot', 'rds:CreateDBInstance', 'rds:DeleteDBCluster'].some((a) =>
        c.has(a),
      ),
    source: 'Service Authorization Reference, Amazon RDS: rds:AddTagsToResource is a dependent action of these when the request has Tags (a final snapshot on DeleteDBInstance or DeleteDBCluster is tagged too)',
  },
  {
    actions: ['rds:CreateDBSnapshot'],
    by: (c) => c.has('rds:DeleteDBInstance'),
    source: 'AWS notice of 2024-08-15 (see infra/features/replica-instances.ts): DeleteDBInstance with a final snapshot also needs rds:CreateDBSnapshot',
  },
  {
    actions: ['rds:CreateDBClusterSnapshot'],
    by: (c) => c.has('rds:DeleteDBCluster'),
    source: 'AWS notice of 2024-08-15 (see infra/features/replica-instances.ts): DeleteDBCluster with a final snapshot also needs rds:CreateDBClusterSnapshot',
  },
  {
    actions: ['iam:PassRole'],
    by: (c) => ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime', 'rds:ModifyDBInstance', 'rds:CreateDBInstance', 'rds:RestoreDBClusterFromSnapshot', 'rds:ModifyDBCluster'].some((a) => c.has(a)),
    source: "Service Authorization Reference, Amazon RDS: iam:PassRole is a dependent action of these (y's monitoring role)",
  },
  {
    actions: ['kms:CreateGrant', 'kms:DescribeKey'],
    by: (c) => ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBInstanceToPointInTime', 'rds:CopyDBSnapshot', 'rds:ModifyDBInstance', 'rds:RestoreDBClusterFromSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:ModifyDBCluster', 'rds:CreateDBInstance'].some((a) => c.has(a)),
    source: 'RDS User Guide, "AWS KMS key management": RDS uses the key of an encrypted snapshot, instance or managed secret on the caller\'s behalf (kms:ViaService)',
  },
  {
    actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
    by: (c) => c.has('rds:ModifyDBInstance') || c.has('rds:ModifyDBCluster'),
    source: 'RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager": ManageMasterUserPassword makes RDS create the secret with the caller\'s permissions',
  },
  {
    actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'],
    by: (c) => [...c].some((a) => a.startsWith('dynamodb:')),
    source: "DynamoDB Developer Guide, encryption at rest: the ledger's customer managed key is used on the caller's behalf",
  },
  {
    actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    by: (c) => c.has('sns:Publish'),
    source: 'SNS Developer Guide, "Encryption at rest": a publisher to a topic encrypted with a customer managed key needs kms:GenerateDataKey* and kms:Decrypt',
  },
  {
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    by: (c, fn) => fn === 'share-to-vault' && c.has('sqs:SendMessage'),
    source: 'Amazon SQS Developer Guide, "Amazon SQS Key management": a producer to a queue encrypted with a customer managed key (the vault\'s inbox) needs kms:GenerateDataKey and kms:Decrypt, which SQS asks for with its credentials',
  },
  {
    actions: ['kms:Decrypt'],
    by: (_called, fn) => fn === 'vault-copy',
    source: 'Amazon SQS Developer Guide, "Amazon SQS Key management": the consumer of a queue encrypted with a customer managed key (the event source mapping of the vault\'s inbox) needs kms:Decrypt',
  },
  {
    actions: ['kms:Decrypt'],
    by: (c) => c.has('secretsmanager:GetSecretValue'),
    source:
      'Secrets Manager User Guide, "Secret encryption and decryption in AWS Secrets Manager": to return a secret encrypted with a customer managed key, Secrets Manager calls kms:Decrypt with the caller\'s credentials (kms:ViaService secretsmanager)',
  },
  {
    actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
    by: (_called, fn) => fn === 'validate-copy',
    source: 'Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC": Lambda creates and manages the network interfaces of a function in a VPC with its execution role',
  },
];

/**
 * Actions whose path no scenario reaches, each with the path. The test fails when one of them is called after all
 * (move it out) or no longer granted (remove it).
 */
const UNREACHED: Record<string, Record<string, string>> = {
  'on-rds-event': {
    'rds:StopDBInstance':
      'dns-switch with oldSlot "stop": on-rds-event retires the old slot only when Route 53 reports its change INSYNC in the same invocation that submitted it and the TTL is 0 (dns-switch.ts stepSwitch); the simulated Route 53 takes 5-60 s, so the watchdog does it',
  },
  'start-refresh': {
    'dynamodb:DeleteItem': 'a DeleteDBInstance that RDS refuses after the preflight passed, or a retried start that finds y changed, closes the run there (lifecycle.ts failRun → archiveRun): RDS does not refuse it in any scenario',
  },
};

/** Whether `action` is allowed by a granted action, which may end in a wildcard (kms:GenerateDataKey*). */
function allows(granted: ReadonlySet<string>, action: string): boolean {
  return [...granted].some((g) => (g.endsWith('*') ? action.startsWith(g.slice(0, -1)) : g === action));
}

function add(into: Map<string, Set<string>>, from: Map<string, Set<string>>): void {
  for (const [fn, actions] of from) {
    if (!into.has(fn)) into.set(fn, new Set());
    for (const a of actions) into.get(fn)!.add(a);
  }
}

describe("each function's grants are what its code calls", () => {
  const grantedAll = new Map<string, Set<string>>();

  it.each(GROUPS.map((g) => [g.name, g] as const))('%s: every call the functions make is granted', async (_name, group) => {
    const cfg = group.config ? structuredClone(group.config) : exampleConfig();
    cfg.pairs[0] = { ...cfg.pairs[0], ...group.pair };
    const granted = grantedActions(cfg);
    const called = await calledActions(cfg, group.pair, group.scenarios);
    add(grantedAll, granted);
    add(calledAll, called);
    const missing = [...called].flatMap(([fn, actions]) => [...actions].filter((a) => !allows(granted.get(fn) ?? new Set(), a)).map((a) => `${fn}: ${a}`));
    expect(missing).toEqual([]);
  });

  it('grants nothing that no scenario calls, unless a called action or the Lambda service implies it', () => {
    expect([...grantedAll.keys()].sort()).toEqual(Object.values(ROLES).sort());
    const unused: string[] = [];
    for (const [fn, granted] of grantedAll) {
      const called = calledAll.get(fn) ?? new Set<string>();
      for (const action of granted) {
        if (called.has(action) || IMPLIED.some((i) => i.actions.includes(action) && i.by(called, fn))) continue;
        if (UNREACHED[fn]?.[action]) continue;
        unused.push(`${fn}: ${action}`);
      }
    }
    expect(unused.sort()).toEqual([]);
    for (const [fn, actions] of Object.entries(UNREACHED)) {
      for (const action of Object.keys(actions)) expect([fn, action, grantedAll.get(fn)?.has(action), calledAll.get(fn)?.has(action) ?? false]).toEqual([fn, action, true, false]);
    }
  });
});
