import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuiltApp } from '../../../infra/app';
import type { SourceRegionStack } from '../../../infra/stacks/source-region-stack';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COPY_CONFIG_ENV, COPY_CONFIG_FILE, COPY_RESOURCES_ENV, loadCopyRuntimeConfig, parseConfig } from '../../../lambdas/kernel/config';
import {
  ACCOUNT,
  SKIP_BUNDLING,
  assertHasResource,
  assertResourceCount,
  exampleConfig,
  iamStatements,
  newApp,
  rdsArn,
  render,
  resourcesAllowed,
  unacknowledgedNagFindings,
} from '../helpers';

const SOURCE = 'eu-west-1';
const US_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/dddddddd-1111-2222-3333-444444444444`;

/**
 * The example (orders, eu-west-1 → eu-central-1) plus: billing with extra snapshots, its own ownership tag and a
 * shorter sweep; reports into us-east-1 with a key of its own; and three pairs that need no copy function (copy off,
 * same region, backup replication).
 */
function configInput() {
  const input = exampleConfig();
  const credentials = { mode: 'source' };
  input.pairs.push(
    {
      source: { instanceId: 'billing-prod', region: SOURCE },
      replica: { instanceId: 'billing-staging', region: 'eu-central-1' },
      credentials,
      ownershipTag: { key: 'team', value: 'dba' },
      copy: { sweepIntervalMinutes: 30, extraSnapshots: { cron: 'cron(0 */6 * * ? *)' } },
    },
    { source: { instanceId: 'reports-prod', region: SOURCE }, replica: { instanceId: 'reports-staging', region: 'us-east-1' }, credentials, copy: { replicaKmsKeyArn: US_KEY } },
    { source: { instanceId: 'legacy-prod', region: 'us-west-2' }, replica: { instanceId: 'legacy-staging', region: 'eu-central-1' }, credentials, copy: { enabled: false } },
    { source: { instanceId: 'local-prod', region: 'eu-central-1' }, replica: { instanceId: 'local-staging', region: 'eu-central-1' }, credentials },
    { source: { instanceId: 'hist-prod', region: 'eu-north-1', mode: 'backup-replication' }, replica: { instanceId: 'hist-staging', region: 'eu-central-1' }, credentials },
  );
  return input;
}

const copyRoleStatements = (template: Template) => iamStatements(template).filter((s) => s.roles.some((r) => r.startsWith('${CopyRole')));

describe('SourceRegionStack', () => {
  let built: BuiltApp;
  let stack: SourceRegionStack;
  let template: Template;

  beforeAll(() => {
    built = buildApp(configInput(), newApp(SKIP_BUNDLING));
    const source = built.sourceStacks.get(SOURCE);
    if (!source) throw new Error(`no source stack for ${SOURCE}`);
    stack = source;
    template = Template.fromStack(stack);
  });

  it('exists only for the region whose snapshots the project copies, in the configured account', () => {
    expect([...built.sourceStacks.keys()]).toEqual([SOURCE]);
    expect([stack.stackName, stack.account, stack.region]).toEqual([`ReplicaRefreshSource-${SOURCE}`, ACCOUNT, SOURCE]);
  });

  describe('copy function', () => {
    it('runs copy-snapshot with the project defaults and two async retries into its failure queue', () => {
      assertHasResource(template, 'AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Timeout: 120,
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'copy-snapshot' }) },
      });
      assertHasResource(template, 'AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp('^CopyFunction') },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CopyFailureQueue'), 'Arn'] } } },
      });
    });

    it('gets the copy configuration of this region: its pairs bundled, its queue, topic and the project key in the environment', () => {
      const functions = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'copy-snapshot' } } } }) as unknown as Record<
        string,
        { Properties: { Environment: { Variables: Record<string, unknown> } } }
      >;
      const variables = Object.values(functions)[0]?.Properties.Environment.Variables ?? {};
      expect(variables[COPY_CONFIG_ENV]).toBeUndefined();
      const raw = JSON.parse(render(variables[COPY_RESOURCES_ENV])) as { deferQueueUrl: string; notificationTopicArn: string; projectKeys: { region: string; keyArn: string }[] };
      expect(raw.deferQueueUrl).toMatch(/^\$\{DelayQueue\w+\}$/);
      expect(raw.notificationTopicArn).toMatch(/^\$\{NotificationsTopic\w+\}$/);
      // The project key of eu-central-1 comes through the cross-region reference; reports names its own key.
      expect(raw.projectKeys.map((k) => k.region)).toEqual(['eu-central-1']);
      expect(raw.projectKeys[0]?.keyArn).toMatch(/^\$\{ExportsReader\w+\./);
      expect(stack.copy.configFile.name).toBe(COPY_CONFIG_FILE);

      const KEY = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/cccccccc-1111-2222-3333-444444444444`;
      const dir = mkdtempSync(join(tmpdir(), 'source-stack-test-'));
      try {
        writeFileSync(join(dir, COPY_CONFIG_FILE), stack.copy.configFile.text);
        const resources = { deferQueueUrl: `https://sqs.${SOURCE}.amazonaws.com/${ACCOUNT}/delay`, notificationTopicArn: `arn:aws:sns:${SOURCE}:${ACCOUNT}:notifications`, projectKeys: [{ region: 'eu-central-1', keyArn: KEY }] };
        const parsed = loadCopyRuntimeConfig({ dir, env: { [COPY_RESOURCES_ENV]: JSON.stringify(resources) } });
        const keys = Object.fromEntries(parsed.pairs.map((p) => [p.replica.identifier, p.copy.replicaKmsKeyArn]));
        expect(Object.keys(keys).sort()).toEqual(['billing-staging', 'orders-staging', 'reports-staging']);
        expect(keys['orders-staging']).toBe(KEY);
        expect(keys['billing-staging']).toBe(KEY);
        expect(keys['reports-staging']).toBe(US_KEY);
        const config = parseConfig(configInput());
        expect(parsed.region).toBe(SOURCE);
        // What the function parses is the configured pair, with the key filled in.
        expect(parsed.pairs.find((p) => p.replica.identifier === 'billing-staging')).toEqual({
          ...config.pairs.find((p) => p.replica.identifier === 'billing-staging'),
          copy: { ...config.pairs.find((p) => p.replica.identifier === 'billing-staging')?.copy, replicaKmsKeyArn: KEY },
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('runs at most three copy invocations at once, the delay queue feeding at most two of them, so events and the sweep are never crowded out by deferred copies', () => {
    assertHasResource(template, 'AWS::Lambda::Function', { Handler: 'index.handler', ReservedConcurrentExecutions: 3, Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'copy-snapshot' }) } });
    assertHasResource(template, 'AWS::Lambda::EventSourceMapping', { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } });
    const reserved = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'copy-snapshot' } } } })).map(
      (f) => (f.Properties as { ReservedConcurrentExecutions: number }).ReservedConcurrentExecutions,
    );
    const maximum = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((m) => (m.Properties as { ScalingConfig: { MaximumConcurrency: number } }).ScalingConfig.MaximumConcurrency);
    // Lambda Developer Guide, "Configuring scaling behavior for SQS event source mappings": not above the reserved
    // concurrency; strictly below, as the function has other invokers.
    expect(maximum).toHaveLength(1);
    expect(maximum[0]).toBeLessThan(reserved[0] ?? 0);
  });

  describe('snapshot events', () => {
    it('sends the created-snapshot events of the three sources to the copy function, with a dead-letter queue', () => {
      assertHasResource(template, 'AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.rds'],
          'detail-type': ['RDS DB Snapshot Event'],
          detail: {
            EventID: ['RDS-EVENT-0091', 'RDS-EVENT-0042'],
            SourceIdentifier: ['billing-prod', 'orders-prod', 'reports-prod'].flatMap((x) => [{ prefix: `rds:${x}-` }, { prefix: `${x}-` }]),
          },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CopyFunction'), 'Arn'] }, DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
      });
    });
  });

  describe('delay queue', () => {
    it('is SQS-encrypted, TLS only, invisible for six copy timeouts, and redrives to a dead-letter queue', () => {
      assertHasResource(template, 'AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 720,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DelayDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 3 },
      });
      assertHasResource(template, 'AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: Match.stringLikeRegexp('^DelayQueue') }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      assertHasResource(template, 'AWS::Lambda::EventSourceMapping', { BatchSize: 1, FunctionName: { Ref: Match.stringLikeRegexp('^CopyFunction') } });
    });
  });

  describe('schedules', () => {
    it('sweeps at the shortest sweep interval of its pairs', () => {
      assertHasResource(template, 'AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(30 minutes)', Target: Match.objectLike({ Input: '{"trigger":"sweep"}' }) });
    });

    it('takes extra snapshots only for billing, in the configured zone (no zone of its own)', () => {
      assertResourceCount(template, 'AWS::Scheduler::Schedule', 2);
      assertHasResource(template, 'AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 */6 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        Target: Match.objectLike({ Input: '{"trigger":"extra-snapshot","replica":"billing-staging","scheduledTime":"<aws.scheduler.scheduled-time>"}' }),
      });
    });
  });

  describe('copy role', () => {
    it('grants no mutating rds action on "*" in any policy of the stack', () => {
      const offending = iamStatements(template).filter((s) => s.statement.Effect === 'Allow' && s.resources.includes('*') && s.actions.some((a) => /^rds:(?!Describe|List)/.test(a)));
      expect(offending).toEqual([]);
    });

    it("copies x's snapshots of this region into <x>-* of each pair's replica region, and tags only the copies", () => {
      const statements = copyRoleStatements(template);
      const sources = ['billing-prod', 'orders-prod', 'reports-prod'].flatMap((x) => [rdsArn(`snapshot:rds:${x}-*`, SOURCE), rdsArn(`snapshot:${x}-*`, SOURCE)]);
      const copies = [rdsArn('snapshot:billing-prod-*', 'eu-central-1'), rdsArn('snapshot:orders-prod-*', 'eu-central-1'), rdsArn('snapshot:reports-prod-*', 'us-east-1')];
      expect(resourcesAllowed(statements, 'rds:CopyDBSnapshot').sort()).toEqual([...sources, ...copies].sort());
      expect(resourcesAllowed(statements, 'rds:AddTagsToResource').sort()).toEqual([...copies, rdsArn('snapshot:billing-prod-rr-*', SOURCE)].sort());
    });

    it('takes extra snapshots of billing-prod only, and deletes them only with the ownership tag', () => {
      const statements = copyRoleStatements(template);
      expect(resourcesAllowed(statements, 'rds:CreateDBSnapshot')).toEqual([rdsArn('db:billing-prod', SOURCE), rdsArn('snapshot:billing-prod-rr-*', SOURCE)]);
      const deletes = statements.filter((s) => s.actions.includes('rds:DeleteDBSnapshot'));
      expect(deletes.map((s) => [s.resources, s.statement.Condition])).toContainEqual([[rdsArn('snapshot:billing-prod-rr-*', SOURCE)], { StringEquals: { 'rds:snapshot-tag/team': 'dba' }, Null: { 'rds:snapshot-tag/replica-refresh:copied-from': 'true' } }]);
      expect(deletes.flatMap((s) => s.resources).every((r) => r.endsWith('-rr-*'))).toBe(true);
    });

    it('lets RDS use the copy keys of each replica region and the keys of this region, only through RDS', () => {
      const grants = copyRoleStatements(template).filter((s) => s.actions.includes('kms:CreateGrant'));
      expect(grants.map((s) => s.statement.Condition?.StringEquals)).toEqual([
        { 'kms:ViaService': 'rds.eu-central-1.amazonaws.com' },
        { 'kms:ViaService': 'rds.us-east-1.amazonaws.com' },
        { 'kms:ViaService': `rds.${SOURCE}.amazonaws.com` },
      ]);
      expect(grants.map((s) => s.resources)).toEqual([[expect.stringMatching(/^\$\{ExportsReader\w+\./)], [US_KEY], [`arn:\${AWS::Partition}:kms:${SOURCE}:${ACCOUNT}:key/*`]]);
    });

    it('may publish to its own topic and send to its delay queue', () => {
      const statements = copyRoleStatements(template);
      expect(resourcesAllowed(statements, 'sns:Publish')).toEqual([expect.stringMatching(/^\$\{NotificationsTopic/)]);
      expect(resourcesAllowed(statements, 'sqs:SendMessage').sort()).toEqual([expect.stringMatching(/^\$\{CopyFailureQueue/), expect.stringMatching(/^\$\{DelayQueue/)]);
    });
  });

  describe('cross-region reference to the project key', () => {
    it('reads the key ARN that the eu-central-1 stack writes, and deploys after it', () => {
      assertResourceCount(template, 'Custom::CrossRegionExportReader', 1);
      const replica = built.stacks.get('eu-central-1');
      if (!replica) throw new Error('no eu-central-1 stack');
      assertResourceCount(Template.fromStack(replica), 'Custom::CrossRegionExportWriter', 1);
      expect(stack.dependencies.map((d) => d.stackName)).toContain('ReplicaRefresh-eu-central-1');
    });

    it('needs none from us-east-1, whose pair names its own key (and which gets no project key)', () => {
      const us = built.stacks.get('us-east-1');
      if (!us) throw new Error('no us-east-1 stack');
      const usTemplate = Template.fromStack(us);
      assertResourceCount(usTemplate, 'Custom::CrossRegionExportWriter', 0);
      assertResourceCount(usTemplate, 'AWS::KMS::Alias', 0);
    });
  });

  describe('monitoring', () => {
    it.each(['SnapshotEventsDeadLetterQueue', 'DelayDeadLetterQueue', 'SchedulesDeadLetterQueue', 'CopyFailureQueue'])('alarms to its own topic as soon as %s holds a message', (queue) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } }],
        Threshold: 0,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

    it('alarms on any error of the copy function', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^CopyFunction') } }] });
    });

    it.each([
      ['orders-staging', 90],
      ['billing-staging', 90],
      ['reports-staging', 90],
    ])("alarms once when %s's region reaches copy.manualSnapshotAlertAt (%d) manual snapshots", (replica, threshold) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        Namespace: 'ReplicaRefresh',
        MetricName: 'ManualSnapshotsInReplicaRegion',
        Dimensions: Match.arrayWith([{ Name: 'replica', Value: replica }]),
        Statistic: 'Maximum',
        Period: 3600,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

    it('has no other alarm: four dead-letter queues, function errors, and one quota alarm per copied pair', () => {
      assertResourceCount(template, 'AWS::CloudWatch::Alarm', 5 + 3);
    });

    it('mails the configured addresses from an encrypted topic', () => {
      assertHasResource(template, 'AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dba-team@example.com' });
      assertHasResource(template, 'AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsKey'), 'Arn'] } });
    });
  });

  it('exports the copy function, the delay queue and the topic for operators', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['CopyFunctionName', 'DelayQueueUrl', 'NotificationTopicArn']);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});
