/**
 * Production's side of the vault (issue 18), in the replica-region stacks of an app with a vault: the share function,
 * what drives it, what it may do, and the project key's admission of the vault account; and none of it without a
 * vault.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuiltApp } from '../../../infra/app';
import { SHARE_EVENT_IDS, SHARE_SWEEP_INPUT } from '../../../infra/features/vault-sharing';
import type { ReplicaRegionStack } from '../../../infra/stacks/replica-region-stack';
import type * as ShareHandler from '../../../lambdas/handlers/share-to-vault';
import { RUNTIME_CONFIG_ENV } from '../../../lambdas/kernel/config';
import { shareRoleName, vaultInboxArn } from '../../../lambdas/vault/names';
import { ACCOUNT, SKIP_BUNDLING, assertHasResource, assertResourceCount, exampleConfig, iamStatements, newApp, rdsArn, resourcesAllowed, unacknowledgedNagFindings, type IamStatement } from '../helpers';

const VAULT = { account: '222222222222', region: 'eu-west-2' };
const REGION = 'eu-central-1';

/**
 * The example (orders-prod, eu-west-1 → orders-staging, eu-central-1) plus billing (eu-west-1 → eu-central-1, its own
 * ownership tag) and reports (us-east-1 → us-west-2), and a vault in eu-west-2.
 */
function configInput(): Record<string, unknown> & { pairs: Record<string, unknown>[] } {
  const input = exampleConfig();
  const credentials = { mode: 'source' };
  input.pairs.push(
    { source: { instanceId: 'billing-prod', region: 'eu-west-1' }, replica: { instanceId: 'billing-staging', region: REGION }, credentials, ownershipTag: { key: 'team', value: 'dba' } },
    { source: { instanceId: 'reports-prod', region: 'us-east-1' }, replica: { instanceId: 'reports-staging', region: 'us-west-2' }, credentials },
  );
  input.vault = { ...VAULT, rpoHours: 26, retentionDays: 35 };
  return input;
}

interface KeyStatement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

function keyStatements(template: Template): KeyStatement[] {
  const keys = Object.values(
    template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('^Encrypts the copies of x') } }) as unknown as Record<string, { Properties: { KeyPolicy: { Statement: KeyStatement[] } } }>,
  );
  expect(keys).toHaveLength(1);
  return keys[0]?.Properties.KeyPolicy.Statement ?? [];
}

const vaultRoot = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${VAULT.account}:root`]] } };

describe('VaultSharing', () => {
  let built: BuiltApp;
  let stack: ReplicaRegionStack;
  let template: Template;
  let share: IamStatement[];

  beforeAll(() => {
    built = buildApp(configInput(), newApp(SKIP_BUNDLING));
    const replica = built.stacks.get(REGION);
    if (!replica) throw new Error(`no stack for ${REGION}`);
    stack = replica;
    template = Template.fromStack(stack);
    share = iamStatements(template).filter((s) => s.roles.some((r) => r.startsWith('${VaultSharingShareToVaultRole')));
  });

  it("runs share-to-vault with the project defaults, under the role name the vault's inbox policy names", () => {
    assertHasResource(template, 'AWS::IAM::Role', { RoleName: shareRoleName(REGION) });
    expect(shareRoleName(REGION)).toBe('replica-refresh-vault-share-eu-central-1');
    assertHasResource(template, 'AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VaultSharingShareToVaultRole'), 'Arn'] },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'share-to-vault' }) },
    });
    expect(share.length).toBeGreaterThan(0);
  });

  it('gives every replica region its own share function, and no source stack one', () => {
    const us = built.stacks.get('us-west-2');
    if (!us) throw new Error('no us-west-2 stack');
    assertHasResource(Template.fromStack(us), 'AWS::IAM::Role', { RoleName: shareRoleName('us-west-2') });
    for (const source of built.sourceStacks.values()) expect(Object.keys(Template.fromStack(source).findResources('AWS::IAM::Role', { Properties: { RoleName: Match.stringLikeRegexp('vault') } }))).toEqual([]);
  });

  it("bundles the region's runtime configuration with the vault in it, and retention's (it expires the copies made for the vault); the other functions' files have no vault", () => {
    const file = JSON.parse(stack.vaultSharing?.share.configFile.text ?? '{}') as { vault?: { account: string; region: string }; pairs: { replica: { identifier: string } }[] };
    expect(file.vault).toMatchObject(VAULT);
    expect(file.pairs.map((p) => p.replica.identifier)).toEqual(['orders-staging', 'billing-staging']);
    expect(JSON.parse(stack.retention!.configFile.text)).toMatchObject({ vault: VAULT });
    for (const fn of [stack.startRefresh, stack.onRdsEvent, stack.watchdog]) expect(JSON.parse(fn.configFile.text)).not.toHaveProperty('vault');
  });

  describe('triggers', () => {
    it("sends the region's copy-finished and manual-snapshot-created events of the region's x's to the share function", () => {
      assertHasResource(template, 'AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.rds'],
          'detail-type': ['RDS DB Snapshot Event'],
          detail: { EventID: ['RDS-EVENT-0060', 'RDS-EVENT-0042'], SourceIdentifier: [{ prefix: 'billing-prod-' }, { prefix: 'orders-prod-' }] },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VaultSharingShareToVaultFunction'), 'Arn'] }, DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
      });
    });

    it('sweeps hourly with the input the handler reads as a sweep', () => {
      assertHasResource(template, 'AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 hour)',
        Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VaultSharingShareToVaultFunction'), 'Arn'] }, Input: JSON.stringify(SHARE_SWEEP_INPUT) }),
      });
    });

    it("agrees with the handler on the event IDs and the sweep's input", () => {
      const saved = process.env[RUNTIME_CONFIG_ENV];
      try {
        const file = JSON.parse(stack.vaultSharing?.share.configFile.text ?? '{}') as Record<string, unknown>;
        process.env[RUNTIME_CONFIG_ENV] = JSON.stringify({ ...file, ledgerTableName: 'ledger', notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:topic` });
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const handler = require('../../../lambdas/handlers/share-to-vault') as typeof ShareHandler;
          for (const id of SHARE_EVENT_IDS) expect(handler.shareRequestOf({ source: 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', detail: { EventID: id, SourceIdentifier: 'orders-prod-x' } })).toEqual({ kind: 'one', snapshotId: 'orders-prod-x' });
          expect(handler.shareRequestOf({ ...SHARE_SWEEP_INPUT })).toEqual({ kind: 'sweep' });
          const event = { source: 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', detail: { EventID: 'RDS-EVENT-0060', SourceIdentifier: 'orders-prod-2026-01-01-03-00' } };
          expect(handler.shareRequestOf(event)).toEqual({ kind: 'one', snapshotId: 'orders-prod-2026-01-01-03-00' });
        });
      } finally {
        if (saved === undefined) delete process.env[RUNTIME_CONFIG_ENV];
        else process.env[RUNTIME_CONFIG_ENV] = saved;
      }
    });
  });

  describe('grants of the share function', () => {
    it('grants no mutating rds action on "*", to the share function or any other role of the stack', () => {
      const offending = iamStatements(template).filter((s) => s.statement.Effect === 'Allow' && s.resources.includes('*') && s.actions.some((a) => /^rds:(?!Describe|List)/.test(a)));
      expect(offending).toEqual([]);
      expect(resourcesAllowed(share, 'rds:DescribeDBSnapshots')).toEqual(['*']);
    });

    it("shares only snapshot:<x>-* of this region, and only while the snapshot carries its pair's ownership tag and the copy tag", () => {
      const shares = share.filter((s) => s.statement.Effect === 'Allow' && s.actions.includes('rds:ModifyDBSnapshotAttribute'));
      expect(shares.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
        [['rds:ModifyDBSnapshotAttribute'], [rdsArn('snapshot:orders-prod-*')], { StringEquals: { 'aws:ResourceTag/replica-refresh:managed': 'true' }, Null: { 'aws:ResourceTag/replica-refresh:copied-from': 'false' } }],
        [['rds:ModifyDBSnapshotAttribute'], [rdsArn('snapshot:billing-prod-*')], { StringEquals: { 'aws:ResourceTag/team': 'dba' }, Null: { 'aws:ResourceTag/replica-refresh:copied-from': 'false' } }],
      ]);
      // No other role of the stack may share a snapshot.
      const others = iamStatements(template).filter((s) => s.actions.includes('rds:ModifyDBSnapshotAttribute') && !s.roles.every((r) => r.startsWith('${VaultSharingShareToVaultRole')));
      expect(others).toEqual([]);
    });

    it("reads who the copies are shared with on <x>-* only, and x's settings on x's ARN in x's region only", () => {
      expect(resourcesAllowed(share, 'rds:DescribeDBSnapshotAttributes').sort()).toEqual([rdsArn('snapshot:billing-prod-*'), rdsArn('snapshot:orders-prod-*')]);
      expect(resourcesAllowed(share, 'rds:DescribeDBInstances').sort()).toEqual([rdsArn('db:billing-prod', 'eu-west-1'), rdsArn('db:orders-prod', 'eu-west-1')]);
    });

    it("sends only to the vault's inbox (and its own failure queue), publishes only to the region's topic", () => {
      expect(resourcesAllowed(share, 'sqs:SendMessage').sort()).toEqual([`arn:aws:sqs:${VAULT.region}:${VAULT.account}:replica-refresh-vault-inbox`, expect.stringMatching(/^\$\{VaultSharingShareToVaultFailureQueue\w+\.Arn\}$/)].sort());
      expect(vaultInboxArn(VAULT)).toBe(`arn:aws:sqs:${VAULT.region}:${VAULT.account}:replica-refresh-vault-inbox`);
      expect(resourcesAllowed(share, 'sns:Publish')).toEqual([expect.stringMatching(/^\$\{NotificationsTopic\w+\}$/)]);
    });

    it("uses the vault's key only as a sender to the inbox needs, through SQS of the vault region", () => {
      const uses = share.filter((s) => s.statement.Effect === 'Allow' && s.resources.some((r) => r.includes(`:kms:${VAULT.region}:${VAULT.account}:`)));
      expect(uses.map((s) => [s.statement.Sid, [...s.actions].sort(), s.resources, s.statement.Condition])).toEqual([
        ['EncryptManifestsWithTheVaultKeyThroughSqs', ['kms:Decrypt', 'kms:GenerateDataKey'], [`arn:\${AWS::Partition}:kms:${VAULT.region}:${VAULT.account}:key/*`], { StringEquals: { 'kms:ViaService': `sqs.${VAULT.region}.amazonaws.com` } }],
      ]);
    });

    it('has no other action: no KMS use beyond the topic and the inbox, no copy, no delete', () => {
      const actions = [...new Set(share.filter((s) => s.statement.Effect === 'Allow').flatMap((s) => s.actions))].sort();
      expect(actions).toEqual(
        [
          'kms:Decrypt',
          'kms:GenerateDataKey',
          'kms:GenerateDataKey*',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'rds:DescribeDBInstances',
          'rds:DescribeDBSnapshotAttributes',
          'rds:DescribeDBSnapshots',
          'rds:ModifyDBSnapshotAttribute',
          'sns:Publish',
          'sqs:SendMessage',
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ].sort(),
      );
    });
  });

  describe('project key', () => {
    it('admits the vault account as the RDS User Guide says a shared encrypted snapshot needs: use, and grants for AWS resources only', () => {
      const statements = keyStatements(template);
      expect(statements.find((s) => s.Sid === 'AllowVaultAccountToCopySharedSnapshots')).toEqual({
        Sid: 'AllowVaultAccountToCopySharedSnapshots',
        Effect: 'Allow',
        Principal: vaultRoot,
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Resource: '*',
      });
      expect(statements.find((s) => s.Sid === 'AllowVaultAccountGrantsToAwsResources')).toEqual({
        Sid: 'AllowVaultAccountGrantsToAwsResources',
        Effect: 'Allow',
        Principal: vaultRoot,
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
      // The vault account may create grants only with the condition.
      const vaultGrants = statements.filter((s) => JSON.stringify(s.Principal).includes(VAULT.account) && (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('kms:CreateGrant'));
      expect(vaultGrants.map((s) => s.Condition)).toEqual([{ Bool: { 'kms:GrantIsForAWSResource': 'true' } }]);
    });
  });

  it('monitors the share function: its dead-letter queue, failure queue and errors notify the topic', () => {
    for (const queue of ['VaultSharingDeadLetterQueue', 'VaultSharingShareToVaultFailureQueue']) {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    }
    assertHasResource(template, 'AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^VaultSharingShareToVaultFunction') } }] });
  });

  it('leaves no cdk-nag finding unacknowledged in the replica stack', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  describe('without a vault', () => {
    let plain: BuiltApp;

    beforeAll(() => {
      plain = buildApp(exampleConfig(), newApp(SKIP_BUNDLING));
    });

    it('synthesizes no share function, no named share role and no vault stack', () => {
      const replica = plain.stacks.get(REGION);
      if (!replica) throw new Error(`no stack for ${REGION}`);
      expect(replica.vaultSharing).toBeUndefined();
      expect(plain.vaultStack).toBeUndefined();
      const t = Template.fromStack(replica);
      expect(Object.keys(t.findResources('AWS::IAM::Role', { Properties: { RoleName: Match.anyValue() } }))).toEqual([]);
      expect(Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'share-to-vault' } } } }))).toEqual([]);
      expect(iamStatements(t).filter((s) => s.actions.includes('rds:ModifyDBSnapshotAttribute'))).toEqual([]);
      assertResourceCount(t, 'AWS::Events::Rule', 0);
    });

    it('leaves the project key to this account alone', () => {
      const replica = plain.stacks.get(REGION);
      if (!replica) throw new Error(`no stack for ${REGION}`);
      const statements = keyStatements(Template.fromStack(replica));
      expect(statements.map((s) => s.Sid)).toEqual([undefined, 'AllowUseThroughRdsByThisAccount', 'AllowGrantsToRdsResourcesOfThisAccount']);
    });
  });
});

describe('VaultSharing of Aurora x copies (DB cluster snapshots)', () => {
  const CLUSTER_REGION = 'us-west-2';
  let template: Template;
  let share: IamStatement[];
  let vaultShare: IamStatement[];
  let nagged: unknown[];

  beforeAll(() => {
    const input = exampleConfig();
    // A replica region whose only pair is two Aurora clusters, beside the example's instance pair.
    input.pairs.push({
      engine: 'aurora-postgresql',
      source: { clusterId: 'reports-prod', region: 'us-east-1' },
      replica: { clusterId: 'reports-staging', region: CLUSTER_REGION, memberIds: ['reports-staging-1'] },
      credentials: { mode: 'managed' },
      ownershipTag: { key: 'team', value: 'dba' },
    });
    input.vault = { ...VAULT, rpoHours: 26, retentionDays: 35 };
    const built = buildApp(input, newApp(SKIP_BUNDLING));
    const stack = built.stacks.get(CLUSTER_REGION)!;
    template = Template.fromStack(stack);
    share = iamStatements(template).filter((s) => s.roles.some((r) => r.startsWith('${VaultSharingShareToVaultRole')));
    vaultShare = iamStatements(Template.fromStack(built.vaultStack!)).filter((s) => s.roles.some((r) => r.startsWith('${VaultRole')));
    nagged = [...unacknowledgedNagFindings(stack), ...unacknowledgedNagFindings(built.vaultStack!)];
  });

  it('leaves no cdk-nag finding unacknowledged in the replica stack or the vault stack', () => {
    expect(nagged).toEqual([]);
  });

  it("shares only cluster-snapshot:<x>-* of the region carrying the pair's ownership tag, and nothing of DB snapshots", () => {
    const shares = share.filter((s) => s.statement.Effect === 'Allow' && s.actions.some((a) => a.startsWith('rds:Modify')));
    expect(shares.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
      [['rds:ModifyDBClusterSnapshotAttribute'], [rdsArn('cluster-snapshot:reports-prod-*', CLUSTER_REGION)], { StringEquals: { 'aws:ResourceTag/team': 'dba' }, Null: { 'aws:ResourceTag/replica-refresh:copied-from': 'false' } }],
    ]);
    expect(resourcesAllowed(share, 'rds:DescribeDBClusterSnapshotAttributes')).toEqual([rdsArn('cluster-snapshot:reports-prod-*', CLUSTER_REGION)]);
    expect(resourcesAllowed(share, 'rds:DescribeDBClusters')).toEqual([rdsArn('cluster:reports-prod', 'us-east-1')]);
    const actions = new Set(share.flatMap((s) => s.actions));
    for (const instanceOnly of ['rds:ModifyDBSnapshotAttribute', 'rds:DescribeDBSnapshotAttributes', 'rds:DescribeDBSnapshots']) expect(actions.has(instanceOnly)).toBe(false);
  });

  it('has no snapshot-event rule for a region of Aurora x only: RDS emits no event when a cluster snapshot copy arrives, and the hourly sweep shares it', () => {
    expect(Object.keys(template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { 'detail-type': ['RDS DB Snapshot Event'] } } }))).toEqual([]);
    assertHasResource(template, 'AWS::Scheduler::Schedule', { Target: Match.objectLike({ Input: JSON.stringify(SHARE_SWEEP_INPUT) }) });
  });

  it("lets the vault copy production's cluster snapshot copies into cluster-snapshot:vault-* and delete only its own tagged ones, beside the DB snapshot grants of the instance pair", () => {
    expect(resourcesAllowed(vaultShare, 'rds:CopyDBClusterSnapshot').sort()).toEqual(
      [`arn:\${AWS::Partition}:rds:${CLUSTER_REGION}:${ACCOUNT}:cluster-snapshot:reports-prod-*`, `arn:\${AWS::Partition}:rds:${VAULT.region}:${VAULT.account}:cluster-snapshot:vault-*`].sort(),
    );
    const deletes = vaultShare.filter((s) => s.actions.includes('rds:DeleteDBClusterSnapshot'));
    expect(deletes.map((s) => [s.resources, s.statement.Condition])).toEqual([[[`arn:\${AWS::Partition}:rds:${VAULT.region}:${VAULT.account}:cluster-snapshot:vault-*`], { StringEquals: { 'aws:ResourceTag/replica-refresh:vault-copy': 'true' } }]]);
    expect(resourcesAllowed(vaultShare, 'rds:AddTagsToResource')).toContain(`arn:\${AWS::Partition}:rds:${VAULT.region}:${VAULT.account}:cluster-snapshot:vault-*`);
    expect(resourcesAllowed(vaultShare, 'rds:CopyDBSnapshot')).toContain(`arn:\${AWS::Partition}:rds:${VAULT.region}:${VAULT.account}:snapshot:vault-*`);
    expect(resourcesAllowed(vaultShare, 'rds:DescribeDBClusterSnapshots')).toEqual(['*']);
    // No mutating action on "*".
    expect(vaultShare.filter((s) => s.statement.Effect === 'Allow' && s.resources.includes('*') && s.actions.some((a) => /^rds:(?!Describe|List)/.test(a)))).toEqual([]);
  });
});
