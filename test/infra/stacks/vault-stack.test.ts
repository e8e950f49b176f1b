/**
 * The vault's stack (issue 18), synthesized from the example of cdk.json plus a vault and two more pairs: its place
 * (the vault account and region), its key, its inbox and who may send to it, the vault function's configuration and
 * grants, its ledger and topic, and its alarms.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuiltApp } from '../../../infra/app';
import { VAULT_METRICS_SERVICE } from '../../../infra/features/vault-monitoring';
import { VAULT_STACK_OUTPUTS, VAULT_SWEEP_INPUT, type VaultStack } from '../../../infra/stacks/vault-stack';
import { parseConfig } from '../../../lambdas/kernel/config';
import { VAULT_CONFIG_FILE, VAULT_CONFIG_FILE_ENV, VAULT_RESOURCES_ENV, loadVaultConfig, vaultConfigFileText } from '../../../lambdas/vault/config';
import { vaultCopyId } from '../../../lambdas/vault/keep';
import { VAULT_COPY_AGE_METRIC, VAULT_COPY_TAG, VAULT_INBOX_QUEUE_NAME, VAULT_KEY_ALIAS, VAULT_METRIC_NAMESPACE, shareRoleArn, vaultStackId } from '../../../lambdas/vault/names';
import { ACCOUNT, SKIP_BUNDLING, assertHasResource, assertResourceCount, exampleConfig, iamStatements, newApp, render, resourcesAllowed, unacknowledgedNagFindings, type IamStatement } from '../helpers';

const VAULT_ACCOUNT = '222222222222';
const VAULT_REGION = 'eu-west-2';

/**
 * The example (orders-prod, eu-west-1 → orders-staging, eu-central-1) plus billing (eu-west-1 → eu-central-1, its own
 * ownership tag) and reports (us-east-1 → us-west-2), and a vault in eu-west-2.
 */
function vaultConfigInput(): Record<string, unknown> & { pairs: Record<string, unknown>[] } {
  const input = exampleConfig();
  const credentials = { mode: 'source' };
  input.pairs.push(
    { source: { instanceId: 'billing-prod', region: 'eu-west-1' }, replica: { instanceId: 'billing-staging', region: 'eu-central-1' }, credentials, ownershipTag: { key: 'team', value: 'dba' } },
    { source: { instanceId: 'reports-prod', region: 'us-east-1' }, replica: { instanceId: 'reports-staging', region: 'us-west-2' }, credentials },
  );
  input.vault = { account: VAULT_ACCOUNT, region: VAULT_REGION, rpoHours: 26, retentionDays: 35 };
  return input;
}

/** `arn:${AWS::Partition}:<service>:<region>:<account>:<resource>` as the helpers render it. */
const arn = (service: string, region: string, account: string, resource: string) => `arn:\${AWS::Partition}:${service}:${region}:${account}:${resource}`;

interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** What the validation plugins (the CDK's CloudFormation validation, cdk-nag) reported at synth, as in app.test.ts. */
function validationFindings(app: App): string[] {
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
  };
  return report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName} ${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`));
}

const actionsOf = (s: PolicyStatementJson) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('VaultStack', () => {
  let built: BuiltApp;
  let stack: VaultStack;
  let template: Template;
  let vaultStatements: IamStatement[];

  beforeAll(() => {
    built = buildApp(vaultConfigInput(), newApp(SKIP_BUNDLING));
    if (!built.vaultStack) throw new Error('no vault stack');
    stack = built.vaultStack;
    template = Template.fromStack(stack);
    vaultStatements = iamStatements(template).filter((s) => s.roles.some((r) => r.startsWith('${VaultRole')));
  });

  it('lives in the vault account and region, as its own stack that references no other', () => {
    expect([stack.stackName, stack.account, stack.region]).toEqual([vaultStackId(VAULT_REGION), VAULT_ACCOUNT, VAULT_REGION]);
    expect(stack.stackName).toBe('ReplicaRefreshVault-eu-west-2');
    expect(stack.dependencies).toEqual([]);
    for (const other of [...built.stacks.values(), ...built.sourceStacks.values()]) expect(other.dependencies).not.toContain(stack);
  });

  it('synthesizes with cdk-nag on (the app registers the AWS Solutions checks), leaving no finding unacknowledged', () => {
    expect(() => built.app.synth()).not.toThrow();
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  describe('key', () => {
    let statements: PolicyStatementJson[];

    beforeAll(() => {
      const keys = Object.values(template.findResources('AWS::KMS::Key') as unknown as Record<string, { Properties: { KeyPolicy: { Statement: PolicyStatementJson[] } } }>);
      if (keys.length !== 1) throw new Error(`expected one key, got ${keys.length}`);
      statements = keys[0]?.Properties.KeyPolicy.Statement ?? [];
    });

    it('is one rotated, retained key with the vault alias', () => {
      assertResourceCount(template, 'AWS::KMS::Key', 1);
      expect(Object.keys(template.findResources('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { EnableKeyRotation: true } }))).toHaveLength(1);
      assertHasResource(template, 'AWS::KMS::Alias', { AliasName: VAULT_KEY_ALIAS });
    });

    it("admits the vault account (its root, its principals through RDS of the vault region, CloudWatch alarms of the vault account) and the source account only as far as sending to the inbox needs", () => {
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
      expect(statements[0]).toMatchObject({ Action: 'kms:*', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${VAULT_ACCOUNT}:root`]] } } });
      const viaRds = { 'kms:ViaService': `rds.${VAULT_REGION}.amazonaws.com`, 'kms:CallerAccount': VAULT_ACCOUNT };
      const shareRoles = [shareRoleArn(ACCOUNT, 'eu-central-1'), shareRoleArn(ACCOUNT, 'us-west-2')];
      const production = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] } };
      const byPrincipal = statements.slice(1).map((s) => [s.Sid, s.Principal, s.Condition]);
      expect(byPrincipal).toEqual([
        ['AllowUseThroughRdsByThisAccount', { AWS: '*' }, { StringEquals: viaRds }],
        ['AllowGrantsToRdsResourcesOfThisAccount', { AWS: '*' }, { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
        ['AllowCloudWatchAlarmsToUseTheKey', { Service: 'cloudwatch.amazonaws.com' }, { StringEquals: { 'aws:SourceAccount': VAULT_ACCOUNT } }],
        ['AllowProductionShareRolesToSendToTheInbox', production, { StringEquals: { 'kms:ViaService': `sqs.${VAULT_REGION}.amazonaws.com` }, ArnEquals: { 'aws:PrincipalArn': shareRoles } }],
      ]);
      // Production's account appears in that statement alone, for what a sender to an encrypted queue needs.
      const forProduction = statements.filter((s) => JSON.stringify(s).includes(ACCOUNT));
      expect(forProduction.map((s) => [s.Sid, [...actionsOf(s)].sort()])).toEqual([['AllowProductionShareRolesToSendToTheInbox', ['kms:Decrypt', 'kms:GenerateDataKey']]]);
    });
  });

  describe('inbox', () => {
    let queuePolicy: PolicyStatementJson[];

    beforeAll(() => {
      const policies = Object.values(
        template.findResources('AWS::SQS::QueuePolicy', { Properties: { Queues: [{ Ref: Match.stringLikeRegexp('^InboxQueue') }] } }) as unknown as Record<string, { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }>,
      );
      if (policies.length !== 1) throw new Error(`expected one inbox policy, got ${policies.length}`);
      queuePolicy = policies[0]?.Properties.PolicyDocument.Statement ?? [];
    });

    it("is the named queue production sends to, encrypted with the vault's key, kept 14 days, with a dead-letter queue", () => {
      assertHasResource(template, 'AWS::SQS::Queue', {
        QueueName: VAULT_INBOX_QUEUE_NAME,
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        MessageRetentionPeriod: 14 * 24 * 3600,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboxDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
      });
      const named = template.findResources('AWS::SQS::Queue', { Properties: { QueueName: VAULT_INBOX_QUEUE_NAME } }) as unknown as Record<string, { Properties: Record<string, unknown> }>;
      expect(Object.values(named)[0]?.Properties.SqsManagedSseEnabled).toBeUndefined();
    });

    it("lets exactly the share roles of production's replica regions send, and nobody else; nothing else is allowed", () => {
      const roles = [shareRoleArn(ACCOUNT, 'eu-central-1'), shareRoleArn(ACCOUNT, 'us-west-2')];
      expect(roles).toEqual([`arn:aws:iam::${ACCOUNT}:role/replica-refresh-vault-share-eu-central-1`, `arn:aws:iam::${ACCOUNT}:role/replica-refresh-vault-share-us-west-2`]);
      const allows = queuePolicy.filter((s) => s.Effect === 'Allow');
      expect(allows).toHaveLength(1);
      expect(allows[0]).toMatchObject({
        Action: 'sqs:SendMessage',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] } },
        Condition: { ArnEquals: { 'aws:PrincipalArn': roles } },
      });
      const denySend = queuePolicy.find((s) => s.Effect === 'Deny' && actionsOf(s).includes('sqs:SendMessage'));
      expect(denySend).toMatchObject({ Principal: { AWS: '*' }, Condition: { ArnNotEquals: { 'aws:PrincipalArn': roles } } });
      // Every ARN the policy names: the share roles, production's account (conditioned on them), the queue itself.
      const named = JSON.stringify(queuePolicy).match(/arn:aws:iam::\d{12}:[^"]+/g) ?? [];
      expect([...new Set(named)].sort()).toEqual(roles);
    });

    it('refuses any request without TLS', () => {
      expect(queuePolicy).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    });

    it('feeds the vault function in batches of ten, reporting failed items alone', () => {
      assertHasResource(template, 'AWS::Lambda::EventSourceMapping', {
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboxQueue'), 'Arn'] },
        FunctionName: { Ref: Match.stringLikeRegexp('^VaultFunction') },
      });
      expect(resourcesAllowed(vaultStatements, 'sqs:ReceiveMessage')).toEqual([expect.stringMatching(/^\$\{InboxQueue\w+\.Arn\}$/)]);
      // The messages it receives are encrypted with the vault key: it may decrypt them with that key.
      const inboxDecrypt = vaultStatements.filter((s) => s.statement.Sid === 'DecryptTheInbox');
      expect(inboxDecrypt.map((s) => [s.actions, s.resources])).toEqual([[['kms:Decrypt'], [expect.stringMatching(/^\$\{Key\w+\.Arn\}$/)]]]);
    });
  });

  describe('vault function', () => {
    it('runs vault-copy on Node 22, arm64, in the vault namespace, hourly on a schedule', () => {
      assertHasResource(template, 'AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'vault', POWERTOOLS_METRICS_NAMESPACE: VAULT_METRIC_NAMESPACE }) },
      });
      assertHasResource(template, 'AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)', Target: Match.objectLike({ Input: JSON.stringify(VAULT_SWEEP_INPUT) }) });
    });

    it('bundles vault-config.json as vaultConfigFileText writes it, and gets its key, ledger and topic in the environment', () => {
      const config = parseConfig(vaultConfigInput());
      expect(stack.vault.configFile).toEqual({ name: VAULT_CONFIG_FILE, text: vaultConfigFileText(config) });
      const functions = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'vault' } } } }) as unknown as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
      const raw = JSON.parse(render(Object.values(functions)[0]?.Properties.Environment.Variables[VAULT_RESOURCES_ENV])) as Record<string, string>;
      expect(Object.keys(raw).sort()).toEqual(['keyArn', 'ledgerTableName', 'notificationTopicArn']);
      expect(raw.keyArn).toMatch(/^\$\{Key\w+\.Arn\}$/);
      expect(raw.ledgerTableName).toMatch(/^\$\{LedgerTable\w+\}$/);
      expect(raw.notificationTopicArn).toMatch(/^\$\{NotificationsTopic\w+\}$/);

      const dir = mkdtempSync(join(tmpdir(), 'vault-stack-test-'));
      try {
        writeFileSync(join(dir, VAULT_CONFIG_FILE), stack.vault.configFile.text);
        const resources = { keyArn: `arn:aws:kms:${VAULT_REGION}:${VAULT_ACCOUNT}:key/k`, ledgerTableName: 'vault-ledger', notificationTopicArn: `arn:aws:sns:${VAULT_REGION}:${VAULT_ACCOUNT}:t` };
        const loaded = loadVaultConfig({ dir, env: { [VAULT_RESOURCES_ENV]: JSON.stringify(resources) } });
        expect(loaded).toMatchObject({ account: VAULT_ACCOUNT, region: VAULT_REGION, productionAccount: ACCOUNT, rpoHours: 26, retentionDays: 35, ...resources });
        expect(loaded.pairs.map((p) => [p.id, p.sourceInstanceId, p.replicaRegion])).toEqual([
          ['orders-staging', 'orders-prod', 'eu-central-1'],
          ['billing-staging', 'billing-prod', 'eu-central-1'],
          ['reports-staging', 'reports-prod', 'us-west-2'],
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('agrees with the handler: a schedule invocation is a sweep, and its metrics carry service "vault"', () => {
      const dir = mkdtempSync(join(tmpdir(), 'vault-handler-test-'));
      const saved = { file: process.env[VAULT_CONFIG_FILE_ENV], resources: process.env[VAULT_RESOURCES_ENV] };
      try {
        writeFileSync(join(dir, VAULT_CONFIG_FILE), stack.vault.configFile.text);
        process.env[VAULT_CONFIG_FILE_ENV] = join(dir, VAULT_CONFIG_FILE);
        process.env[VAULT_RESOURCES_ENV] = JSON.stringify({ keyArn: `arn:aws:kms:${VAULT_REGION}:${VAULT_ACCOUNT}:key/k`, ledgerTableName: 'vault-ledger', notificationTopicArn: `arn:aws:sns:${VAULT_REGION}:${VAULT_ACCOUNT}:t` });
        jest.isolateModules(() => {
          // The handler module loads with the bundled configuration (it reads it at cold start).
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const handler = require('../../../lambdas/handlers/vault-copy') as { handler: unknown };
          expect(typeof handler.handler).toBe('function');
        });
        expect(VAULT_METRICS_SERVICE).toBe('vault');
        // The handler sweeps on any event that is not an SQS batch: the schedule's input has no Records.
        expect(VAULT_SWEEP_INPUT).not.toHaveProperty('Records');
      } finally {
        for (const [name, value] of [[VAULT_CONFIG_FILE_ENV, saved.file], [VAULT_RESOURCES_ENV, saved.resources]] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('grants of the vault function', () => {
    const target = arn('rds', VAULT_REGION, VAULT_ACCOUNT, 'snapshot:vault-*');

    it('grants no mutating rds action on "*" in any policy of the stack', () => {
      const offending = iamStatements(template).filter((s) => s.statement.Effect === 'Allow' && s.resources.includes('*') && s.actions.some((a) => /^rds:(?!Describe|List)/.test(a)));
      expect(offending).toEqual([]);
      expect(resourcesAllowed(vaultStatements, 'rds:DescribeDBSnapshots')).toEqual(['*']);
    });

    it("copies only production's copies of each x (<x>-* of its replica region, production's account) and only into vault-* of the vault", () => {
      expect(resourcesAllowed(vaultStatements, 'rds:CopyDBSnapshot').sort()).toEqual(
        [
          arn('rds', 'eu-central-1', ACCOUNT, 'snapshot:billing-prod-*'),
          arn('rds', 'eu-central-1', ACCOUNT, 'snapshot:orders-prod-*'),
          arn('rds', 'us-west-2', ACCOUNT, 'snapshot:reports-prod-*'),
          target,
        ].sort(),
      );
      // The vault names its copies vault-<shared snapshot's name>: the grant covers every name it makes.
      expect(vaultCopyId(`arn:aws:rds:eu-central-1:${ACCOUNT}:snapshot:orders-prod-2026-01-01-03-00`)).toMatch(/^vault-orders-prod-/);
      expect(resourcesAllowed(vaultStatements, 'rds:AddTagsToResource')).toEqual([target]);
    });

    it("deletes only the vault's own copies, and only while they carry the vault's tag", () => {
      const deletes = vaultStatements.filter((s) => s.statement.Effect === 'Allow' && s.actions.includes('rds:DeleteDBSnapshot'));
      expect(deletes.map((s) => [s.resources, s.statement.Condition])).toEqual([[[target], { StringEquals: { [`aws:ResourceTag/${VAULT_COPY_TAG.key}`]: VAULT_COPY_TAG.value } }]]);
      expect(VAULT_COPY_TAG).toEqual({ key: 'replica-refresh:vault-copy', value: 'true' });
    });

    it('uses the vault key only through RDS of the vault region for the copies (grants only for AWS resources)', () => {
      const onVaultKey = vaultStatements.filter((s) => s.statement.Sid === 'DescribeVaultKey' || s.statement.Sid === 'GrantVaultKeyToRds');
      expect(onVaultKey.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
        [['kms:DescribeKey'], [expect.stringMatching(/^\$\{Key\w+\.Arn\}$/)], { StringEquals: { 'kms:ViaService': `rds.${VAULT_REGION}.amazonaws.com` } }],
        [['kms:CreateGrant'], [expect.stringMatching(/^\$\{Key\w+\.Arn\}$/)], { StringEquals: { 'kms:ViaService': `rds.${VAULT_REGION}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
      ]);
    });

    it("uses production's keys only if aliased alias/replica-refresh/snapshots, only through RDS, grants only for AWS resources", () => {
      const onProduction = vaultStatements.filter((s) => s.resources.some((r) => r.includes(`:kms:`) && r.includes(ACCOUNT)));
      expect(onProduction.map((s) => s.statement.Sid).sort()).toEqual(['GrantProductionSnapshotKeysToRds', 'UseProductionSnapshotKeysThroughRds']);
      const viaRds = { 'kms:ViaService': ['rds.eu-central-1.amazonaws.com', `rds.${VAULT_REGION}.amazonaws.com`, 'rds.us-west-2.amazonaws.com'] };
      const byAlias = { 'kms:ResourceAliases': 'alias/replica-refresh/snapshots' };
      for (const s of onProduction) {
        expect(s.resources.sort()).toEqual([arn('kms', 'eu-central-1', ACCOUNT, 'key/*'), arn('kms', 'us-west-2', ACCOUNT, 'key/*')]);
        expect(s.statement.Condition?.StringEquals).toEqual(viaRds);
        expect(s.statement.Condition?.['ForAnyValue:StringEquals']).toEqual(byAlias);
      }
      const grant = onProduction.find((s) => s.statement.Sid === 'GrantProductionSnapshotKeysToRds');
      expect(grant?.actions).toEqual(['kms:CreateGrant']);
      expect(grant?.statement.Condition?.Bool).toEqual({ 'kms:GrantIsForAWSResource': 'true' });
      expect(onProduction.find((s) => s.statement.Sid === 'UseProductionSnapshotKeysThroughRds')?.actions).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
      // kms:CreateGrant on any key of production only with the condition.
      for (const s of vaultStatements.filter((x) => x.actions.includes('kms:CreateGrant'))) expect(s.statement.Condition?.Bool).toEqual({ 'kms:GrantIsForAWSResource': 'true' });
    });

    it('a pair that names its own copy key lets the vault use that key (by ARN) through RDS', () => {
      const input = vaultConfigInput();
      const own = `arn:aws:kms:us-west-2:${ACCOUNT}:key/aaaaaaaa-1111-2222-3333-444444444444`;
      (input.pairs[2] as { copy?: unknown }).copy = { replicaKmsKeyArn: own };
      const other = buildApp(input, newApp(SKIP_BUNDLING)).vaultStack;
      if (!other) throw new Error('no vault stack');
      const statements = iamStatements(Template.fromStack(other)).filter((s) => s.roles.some((r) => r.startsWith('${VaultRole')));
      expect(statements.filter((s) => s.resources.includes(own)).map((s) => s.statement.Sid).sort()).toEqual(['GrantPairSnapshotKeysToRds', 'UsePairSnapshotKeysThroughRds']);
    });

    it('writes manifests to its ledger (PutItem only) and publishes to its own topic', () => {
      expect(vaultStatements.filter((s) => s.actions.some((a) => a.startsWith('dynamodb:'))).flatMap((s) => s.actions)).toEqual(['dynamodb:PutItem']);
      expect(resourcesAllowed(vaultStatements, 'dynamodb:PutItem')).toEqual([expect.stringMatching(/^\$\{LedgerTable\w+\.Arn\}$/)]);
      expect(resourcesAllowed(vaultStatements, 'sns:Publish')).toEqual([expect.stringMatching(/^\$\{NotificationsTopic\w+\}$/)]);
    });
  });

  describe('ledger and topic', () => {
    it('keeps a pk/sk table, paid per request, with point-in-time recovery, encrypted with the vault key, retained', () => {
      const tables = template.findResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(Object.keys(tables)).toHaveLength(1);
      assertHasResource(template, 'AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
        DeletionProtectionEnabled: true,
      });
    });

    it('mails the configured addresses from a topic encrypted with the vault key', () => {
      assertHasResource(template, 'AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
      assertHasResource(template, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dba-team@example.com' });
    });
  });

  describe('alarms', () => {
    it.each(['orders-staging', 'billing-staging', 'reports-staging'])('alarms when the newest vault copy for %s is older than rpoHours, or not reported', (replica) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        AlarmName: `replica-refresh-vault-${replica}-rpo`,
        Namespace: VAULT_METRIC_NAMESPACE,
        MetricName: VAULT_COPY_AGE_METRIC,
        Dimensions: [
          { Name: 'replica', Value: replica },
          { Name: 'service', Value: 'vault' },
        ],
        Threshold: 26,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

    it('has exactly one recovery-point alarm per pair', () => {
      const rpo = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: VAULT_COPY_AGE_METRIC } });
      expect(Object.keys(rpo)).toHaveLength(3);
      expect(stack.monitoring.rpoAlarms).toHaveLength(3);
    });

    it('alarms as soon as the inbox dead-letter queue holds a message', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboxDeadLetterQueue'), 'QueueName'] } }],
        Threshold: 0,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });
  });

  it('exports the ledger table, the function and the key', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(Object.values(VAULT_STACK_OUTPUTS).sort());
  });

  it('refuses two pairs of one id in two replica regions, which its metrics could not tell apart', () => {
    const input = vaultConfigInput();
    (input.pairs[2] as { id?: string }).id = 'orders-staging';
    expect(() => buildApp(input, newApp(SKIP_BUNDLING))).toThrow(/share the id "orders-staging"/);
  });

  it("the example infra/examples/vault/cdk.json synthesizes a vault stack that the CDK's built-in CloudFormation validation finds nothing in", () => {
    const example = (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'infra', 'examples', 'vault', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
    const exampleApp = buildApp(example, newApp(SKIP_BUNDLING, { builtinCloudFormationValidation: true }));
    expect([exampleApp.vaultStack?.stackName, exampleApp.vaultStack?.account, exampleApp.vaultStack?.region]).toEqual(['ReplicaRefreshVault-eu-west-2', VAULT_ACCOUNT, VAULT_REGION]);
    // y's region, and a copy stack in each x's region: eu-west-1, and eu-central-1, where the example's x and y in one
    // region are, whose snapshots the project copies within the region for the vault.
    expect([...exampleApp.stacks.keys()]).toEqual(['eu-central-1']);
    expect([...exampleApp.sourceStacks.keys()]).toEqual(['eu-central-1', 'eu-west-1']);
    expect(validationFindings(exampleApp.app)).toEqual([]);
  });

  it('does not exist without a vault in the configuration', () => {
    const without = buildApp(exampleConfig(), newApp(SKIP_BUNDLING));
    expect(without.vaultStack).toBeUndefined();
    expect(without.app.node.children.map((c) => c.node.id).filter((id) => id.startsWith('ReplicaRefreshVault'))).toEqual([]);
  });
});
