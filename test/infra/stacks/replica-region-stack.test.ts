import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../../lambdas/kernel/errors';
import { hookSteps, parseConfig, RESOURCES_ENV, runtimeConfigSchema, runtimeResourcesSchema, RUNTIME_CONFIG_ENV, RUNTIME_CONFIG_FILE } from '../../../lambdas/kernel/config';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../../lambdas/kernel/powertools';
import { ReplicaRegionStack } from '../../../infra/stacks/replica-region-stack';
import {
  ACCOUNT,
  REGION,
  SKIP_BUNDLING,
  assertHasResource,
  assertResourceCount,
  exampleConfig,
  iamStatements,
  newApp,
  rdsArn,
  render,
  resourcesAllowed,
  statementsOfRole,
  unacknowledgedNagFindings,
} from '../helpers';

const MONITORING_ROLE = `arn:aws:iam::${ACCOUNT}:role/rds-monitoring`;
const S3_IMPORT_ROLE = `arn:aws:iam::${ACCOUNT}:role/billing-s3-import`;
const PROXY = `arn:aws:rds:${REGION}:${ACCOUNT}:db-proxy:prx-0123456789abcdef0`;
/** billing-staging's master password secret, named without the six characters Secrets Manager appends. */
const BILLING_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:billing-staging/master`;

/**
 * The example config (orders-staging, managed credentials) plus a second y in the same region (final snapshot, no
 * own time zone, disabled, credentials from a secret, an associated role and an RDS Proxy) and one elsewhere.
 */
function richConfigInput() {
  const input = exampleConfig();
  input.pairs.push(
    {
      source: { instanceId: 'billing-prod', region: 'eu-west-1' },
      replica: { instanceId: 'billing-staging', region: REGION },
      schedule: { cron: 'cron(30 2 ? * MON-FRI *)', enabled: false },
      credentials: { mode: 'secret', secretArn: BILLING_SECRET },
      finalSnapshot: true,
      monitoringRoleArn: MONITORING_ROLE,
      associatedRoleArns: [S3_IMPORT_ROLE],
      rdsProxyArns: [PROXY],
    },
    {
      source: { instanceId: 'reports-prod', region: 'eu-west-1' },
      replica: { instanceId: 'reports-staging', region: 'us-east-1' },
      credentials: { mode: 'source' },
    },
  );
  return input;
}

function richConfig() {
  return parseConfig(richConfigInput());
}

/** The stack of {@link REGION} for a parsed configuration. */
function regionStack(config: ReturnType<typeof parseConfig>, context: Record<string, unknown> = {}): ReplicaRegionStack {
  return new ReplicaRegionStack(newApp(context), `ReplicaRefresh-${REGION}`, {
    env: { account: ACCOUNT, region: REGION },
    config,
    pairs: config.pairs.filter((p) => p.replica.region === REGION),
  });
}

const REPLICAS = ['orders-staging', 'billing-staging'];

/** RDS User Guide, "Granting permissions to publish notifications to an Amazon SNS topic". */
const FROM_RDS_INSTANCES_OF_THIS_ACCOUNT = {
  StringEquals: { 'aws:SourceAccount': ACCOUNT },
  ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:db:*`]] } },
};

/** What every alarm over the replicas has: its name in the region, one Metrics Insights query by replica, the notifications topic. */
const replicasAlarm = (what: string, fn: string, metricName: string) => ({
  AlarmName: `replica-refresh-${REGION}-${what}`,
  Metrics: [
    Match.objectLike({ Expression: `SELECT ${fn}(${metricName}) FROM SCHEMA("${METRICS_NAMESPACE}", replica, service) WHERE service = '${METRICS_SERVICE}' GROUP BY replica ORDER BY ${fn}() DESC`, ReturnData: true }),
  ],
  TreatMissingData: 'notBreaching',
  AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
});

/** The metric of every alarm over the replicas (from its query), sorted. */
function replicaAlarmMetrics(template: Template): string[] {
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as unknown as Record<string, { Properties: { Metrics?: { Expression: string }[] } }>;
  return Object.values(alarms)
    .flatMap((a) => a.Properties.Metrics ?? [])
    .map((m) => /SELECT \w+\((\w+)\)/.exec(m.Expression)?.[1] ?? '?')
    .sort();
}

/** The per-replica event path metrics, each watched by an alarm that no configuration turns off. */
const EVENT_PATH_METRICS = ['DeletionEventMissed', 'NightCarriedByPolling', 'UsableEventMissed'];

/** The alarms that belong to no replica: seven dead-letter queues, four function errors, the event path, a silent watchdog. */
const PIPELINE_ALARMS = 7 + 4 + 2;

/** The dashboard's body with every token rendered as text, parsed. */
function dashboardBody(template: Template): { text: string; widgets: { type: string; properties: { title?: string; alarms?: string[] } }[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard') as unknown as Record<string, { Properties: { DashboardBody: unknown } }>);
  expect(dashboards).toHaveLength(1);
  const text = render(dashboards[0]?.Properties.DashboardBody);
  return { text, ...(JSON.parse(text) as { widgets: { type: string; properties: { title?: string; alarms?: string[] } }[] }) };
}

describe('ReplicaRegionStack', () => {
  let template: Template;
  let rich: ReplicaRegionStack;

  beforeAll(() => {
    // Bundling the real handlers is left to `cdk synth`; these tests are about the template.
    rich = regionStack(richConfig(), SKIP_BUNDLING);
    template = Template.fromStack(rich);
  });

  describe('functions', () => {
    it.each([
      ['start-refresh', 60],
      ['on-rds-event', 60],
      ['watchdog', 120],
      ['retention', 300],
    ])('runs %s on nodejs22.x, arm64, traced, 256 MB, %i s', (service, timeout) => {
      assertHasResource(template, 'AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 256,
        Timeout: timeout,
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('LogGroup') } },
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: service,
            POWERTOOLS_METRICS_NAMESPACE: 'ReplicaRefresh',
          }),
        },
      });
    });

    it('keeps every function log for 90 days in its own log group', () => {
      assertResourceCount(template, 'AWS::Logs::LogGroup', 4);
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup') as unknown as Record<string, { Properties: { RetentionInDays: number } }>);
      expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual([90, 90, 90, 90]);
    });

    it('bundles the runtime configuration of this region only, and names the ledger and topic it uses in the environment', () => {
      const functions = template.findResources('AWS::Lambda::Function') as unknown as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
      for (const fn of Object.values(functions)) {
        const resources = JSON.parse(render(fn.Properties.Environment.Variables[RESOURCES_ENV])) as Record<string, unknown>;
        expect(Object.keys(resources).sort()).toEqual(['ledgerTableName', 'notificationTopicArn']);
        expect(resources.ledgerTableName).toMatch(/^\$\{LedgerTable/);
        expect(resources.notificationTopicArn).toMatch(/^\$\{NotificationsTopic/);
        expect(fn.Properties.Environment.Variables[RUNTIME_CONFIG_ENV]).toBeUndefined();
      }
      const files = [rich.startRefresh, rich.onRdsEvent, rich.watchdog, rich.retention].map((f) => f?.configFile);
      expect(new Set(files.map((f) => f?.text)).size).toBe(1);
      expect(files.map((f) => f?.name)).toEqual([RUNTIME_CONFIG_FILE, RUNTIME_CONFIG_FILE, RUNTIME_CONFIG_FILE, RUNTIME_CONFIG_FILE]);
      {
        const raw = JSON.parse(files[0]?.text ?? '') as Record<string, unknown>;
        const runtime = runtimeConfigSchema.parse({ ...raw, ledgerTableName: 'ledger', notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:notifications` });
        expect(runtime).toMatchObject({ region: REGION, account: ACCOUNT, timeZone: 'Europe/Berlin', rtoTargetMinutes: 45, eventSubscriptionNames: [`replica-refresh-${REGION}`], noSuccessWithinHours: 26 });
        // Only the one name: the list is the way it is written now.
        expect(raw).not.toHaveProperty('eventSubscriptionName');
        expect(runtime.pairs.map((p) => p.credentials.mode)).toEqual(['managed', 'secret']);
        expect(runtime.pairs.map((p) => p.replica.identifier)).toEqual(['orders-staging', 'billing-staging']);
      }
    });

    it.each([
      ['StartRefresh', 0],
      ['OnRdsEvent', 2],
      ['Watchdog', 0],
      ['Retention', 2],
    ])('retries asynchronous invocations of %s %i times, then sends them to its failure queue', (id, retries) => {
      assertHasResource(template, 'AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(`^${id}Function`) },
        MaximumRetryAttempts: retries,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${id}FailureQueue`), 'Arn'] } } },
      });
    });
  });

  describe('event pipeline', () => {
    it('subscribes once, by the name the functions are given, to the instance events of the region in all relevant categories, listing no SourceIds', () => {
      assertResourceCount(template, 'AWS::RDS::EventSubscription', 1);
      assertHasResource(template, 'AWS::RDS::EventSubscription', {
        SubscriptionName: `replica-refresh-${REGION}`,
        SourceType: 'db-instance',
        SourceIds: Match.absent(),
        EventCategories: ['availability', 'backup', 'creation', 'deletion', 'failure', 'notification', 'restoration'],
        Enabled: true,
        SnsTopicArn: { Ref: Match.stringLikeRegexp('^EventsTopic') },
      });
    });

    it('lets only events.rds.amazonaws.com publish to the events topic, for DB instances of this account and region', () => {
      const policies = template.findResources('AWS::SNS::TopicPolicy', {
        Properties: { Topics: [{ Ref: Match.stringLikeRegexp('^EventsTopic') }] },
      }) as unknown as Record<string, { Properties: { PolicyDocument: { Statement: { Effect: string; Principal: unknown; Action: string; Condition: unknown }[] } } }>;
      const allows = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow'));
      expect(allows).toHaveLength(1);
      expect(allows[0]).toMatchObject({ Principal: { Service: 'events.rds.amazonaws.com' }, Action: 'sns:Publish' });
      expect(allows[0]?.Condition).toEqual(FROM_RDS_INSTANCES_OF_THIS_ACCOUNT);
    });

    it('encrypts the events topic with a rotated key that events.rds.amazonaws.com may use', () => {
      assertHasResource(template, 'AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsTopicKey'), 'Arn'] },
      });
      assertHasResource(template, 'AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.rds.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: FROM_RDS_INSTANCES_OF_THIS_ACCOUNT,
            }),
          ]),
        },
      });
    });

    it('delivers the events to on-rds-event with a dead-letter queue', () => {
      assertHasResource(template, 'AWS::SNS::Subscription', {
        Protocol: 'lambda',
        Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OnRdsEventFunction'), 'Arn'] },
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EventsDeliveryDeadLetterQueue'), 'Arn'] } },
      });
    });
  });

  describe('permissions', () => {
    const MUTATING_RDS = /^rds:(?!Describe|List)/;

    it('grants no mutating rds action on Resource "*" in any policy', () => {
      const offending = iamStatements(template).filter(
        (s) => s.statement.Effect === 'Allow' && s.resources.includes('*') && s.actions.some((a) => MUTATING_RDS.test(a) || a === 'rds:*'),
      );
      expect(offending).toEqual([]);
    });

    it('grants Resource "*" to read-only actions only (RDS Describe/List, X-Ray), whatever the service', () => {
      const onStar = iamStatements(template).filter((s) => s.statement.Effect === 'Allow' && s.resources.includes('*'));
      expect([...new Set(onStar.flatMap((s) => s.actions))].filter((a) => !/^rds:(Describe|List)/.test(a) && !/^xray:Put(TraceSegments|TelemetryRecords)$/.test(a))).toEqual([]);
    });

    it('lets only start-refresh delete, and only the y instances of the region', () => {
      const deletable = iamStatements(template).filter((s) => s.actions.includes('rds:DeleteDBInstance'));
      expect(deletable.every((s) => s.policy.startsWith('StartRefreshRole'))).toBe(true);
      expect(resourcesAllowed(deletable, 'rds:DeleteDBInstance').sort()).toEqual([rdsArn('db:billing-staging'), rdsArn('db:orders-staging')]);
    });

    it('lets start-refresh take final snapshots only for the pairs that ask for one, named <y>-final-*', () => {
      const start = statementsOfRole(template, 'StartRefreshRole');
      expect(resourcesAllowed(start, 'rds:CreateDBSnapshot').sort()).toEqual([rdsArn('db:billing-staging'), rdsArn('snapshot:billing-staging-final-*')]);
      expect(resourcesAllowed(start, 'rds:AddTagsToResource')).toEqual([rdsArn('snapshot:billing-staging-final-*')]);
      expect(resourcesAllowed(start, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
    });

    it.each(['OnRdsEventRole', 'WatchdogRole'])('lets %s restore, tag and modify only the y instances, with the restore inputs of the region', (role) => {
      const statements = statementsOfRole(template, role);
      const ys = [rdsArn('db:billing-staging'), rdsArn('db:orders-staging')];
      const groups = [rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*')];
      expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceFromDBSnapshot').sort()).toEqual([...ys, ...groups, rdsArn('snapshot:*')].sort());
      expect(resourcesAllowed(statements, 'rds:AddTagsToResource').sort()).toEqual(ys);
      expect(resourcesAllowed(statements, 'rds:ModifyDBInstance').sort()).toEqual([...ys, ...groups].sort());
      expect(resourcesAllowed(statements, 'rds:DeleteDBInstance')).toEqual([]);
    });

    it.each(['OnRdsEventRole', 'WatchdogRole'])('lets %s pass only the configured monitoring roles, only to RDS monitoring', (role) => {
      const passRole = statementsOfRole(template, role).filter((s) => s.actions.includes('iam:PassRole') && JSON.stringify(s.statement.Condition).includes('monitoring.rds'));
      expect(passRole).toHaveLength(1);
      // The example pair's role from cdk.json and the second pair's.
      expect(passRole[0]?.resources).toEqual(['arn:aws:iam::111111111111:role/rds-monitoring-role', MONITORING_ROLE].sort());
      expect(passRole[0]?.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'monitoring.rds.amazonaws.com' } });
    });

    it.each(['OnRdsEventRole', 'WatchdogRole'])("lets %s put back billing-staging's associated role (passed only to RDS) and its proxy registration", (role) => {
      const statements = statementsOfRole(template, role);
      expect(resourcesAllowed(statements, 'rds:AddRoleToDBInstance')).toEqual([rdsArn('db:billing-staging')]);
      const toRds = statements.filter((s) => s.actions.includes('iam:PassRole') && JSON.stringify(s.statement.Condition).includes('"rds.amazonaws.com"'));
      expect(toRds.map((s) => s.resources)).toEqual([[S3_IMPORT_ROLE]]);
      expect(resourcesAllowed(statements, 'rds:RegisterDBProxyTargets').sort()).toEqual([rdsArn('db:billing-staging'), rdsArn('target-group:*')]);
    });

    it('lets no function but the restorers associate roles or register proxy targets', () => {
      const holders = (action: string) => [...new Set(iamStatements(template).filter((s) => s.actions.includes(action)).map((s) => s.policy.replace(/DefaultPolicy.*/, '')))].sort();
      expect(holders('rds:AddRoleToDBInstance')).toEqual(['OnRdsEventRole', 'WatchdogRole']);
      expect(holders('rds:RegisterDBProxyTargets')).toEqual(['OnRdsEventRole', 'WatchdogRole']);
    });

    it("lets start-refresh's preflight read billing-staging's master password secret, and nothing of the managed pair", () => {
      const statements = statementsOfRole(template, 'StartRefreshRole');
      expect(resourcesAllowed(statements, 'secretsmanager:GetSecretValue')).toEqual([`${BILLING_SECRET}-??????`]);
      const decrypt = statements.filter((s) => s.actions.includes('kms:Decrypt') && s.statement.Condition?.StringLike !== undefined);
      expect(decrypt.map((s) => [s.resources, s.statement.Condition])).toEqual([
        [
          [`arn:aws:kms:${REGION}:${ACCOUNT}:key/*`],
          { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:SecretARN': [`${BILLING_SECRET}-??????`] } },
        ],
      ]);
      for (const action of ['secretsmanager:CreateSecret', 'ssm:PutParameter']) expect(resourcesAllowed(statements, action)).toEqual([]);
    });

    it.each(['OnRdsEventRole', 'WatchdogRole'])("lets %s set y's credentials: read billing's secret, let RDS create orders' managed secret, publish its ARN", (role) => {
      const statements = statementsOfRole(template, role);
      expect(resourcesAllowed(statements, 'secretsmanager:GetSecretValue')).toEqual([`${BILLING_SECRET}-??????`]);
      expect(resourcesAllowed(statements, 'secretsmanager:CreateSecret')).toEqual([`arn:\${AWS::Partition}:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-*`]);
      expect(resourcesAllowed(statements, 'ssm:PutParameter')).toEqual([`arn:\${AWS::Partition}:ssm:${REGION}:${ACCOUNT}:parameter/replica-refresh/orders-staging/master-user-secret-arn`]);
      // The managed pair names no key of its own: aws/secretsmanager, which needs only describing.
      expect(statements.filter((s) => s.actions.includes('kms:GenerateDataKey'))).toEqual([]);
    });

    it('lets only the watchdog read the event subscription, and only it (the es resource)', () => {
      const readers = iamStatements(template).filter((s) => s.actions.includes('rds:DescribeEventSubscriptions'));
      expect(readers.map((s) => [s.policy.replace(/DefaultPolicy.*/, ''), s.resources])).toEqual([['WatchdogRole', [rdsArn(`es:replica-refresh-${REGION}`)]]]);
    });

    it("lets RDS use the project key (the copies' key) on the restorers' behalf only through RDS, for AWS resources", () => {
      const createGrant = iamStatements(template).filter((s) => s.actions.includes('kms:CreateGrant'));
      expect(createGrant.map((s) => s.policy.replace(/DefaultPolicy.*/, '')).sort()).toEqual(['OnRdsEventRole', 'WatchdogRole']);
      for (const s of createGrant) {
        // Both pairs of the region restore from copies the project makes, encrypted with its key: no key/* wildcard.
        expect(s.resources).toEqual([expect.stringMatching(/^\$\{SnapshotKey\w+\.Arn\}$/)]);
        expect(s.statement.Condition).toEqual({
          StringEquals: { 'kms:ViaService': `rds.${REGION}.amazonaws.com` },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        });
      }
    });

    it('gives every function its own role with read/write on the ledger and publish on the notifications topic', () => {
      for (const role of ['StartRefreshRole', 'OnRdsEventRole', 'WatchdogRole']) {
        const statements = statementsOfRole(template, role);
        expect(resourcesAllowed(statements, 'dynamodb:PutItem')).toEqual([expect.stringMatching(/^\$\{LedgerTable.*\.Arn\}$/)]);
        expect(resourcesAllowed(statements, 'sns:Publish')).toEqual([expect.stringMatching(/^\$\{NotificationsTopic/)]);
        expect(resourcesAllowed(statements, 'rds:DescribeDBSnapshots')).toEqual(['*']);
      }
      const roles = template.findResources('AWS::IAM::Role') as unknown as Record<string, { Properties: { ManagedPolicyArns?: unknown } }>;
      expect(Object.values(roles).filter((r) => r.Properties.ManagedPolicyArns !== undefined)).toEqual([]);
    });
  });

  describe('schedules', () => {
    it('starts each refresh on its cron in its time zone, without a flexible window', () => {
      assertHasResource(template, 'AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 3 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StartRefreshFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] } },
          Input: JSON.stringify({
            replica: 'orders-staging',
            trigger: 'schedule',
            requestId: 'orders-staging@<aws.scheduler.scheduled-time>',
            scheduledTime: '<aws.scheduler.scheduled-time>',
          }),
        }),
      });
    });

    it("falls back to the config's time zone and honours a disabled schedule", () => {
      assertHasResource(template, 'AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(30 2 ? * MON-FRI *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        State: 'DISABLED',
      });
    });

    it('runs the watchdog every watchdogIntervalMinutes', () => {
      assertHasResource(template, 'AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(5 minutes)',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatchdogFunction'), 'Arn'] },
          Input: JSON.stringify({ trigger: 'watchdog' }),
        }),
      });
    });
  });

  describe('ledger', () => {
    it('is a pay-per-request table keyed by replica and sk, with PITR and a customer-managed key, retained', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: 'replica', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'replica', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LedgerKey'), 'Arn'] } },
        },
      });
      assertResourceCount(template, 'AWS::DynamoDB::Table', 1);
    });
  });

  describe('monitoring', () => {
    it.each([
      'EventsDeliveryDeadLetterQueue',
      'SchedulesDeadLetterQueue',
      'StartRefreshFailureQueue',
      'OnRdsEventFailureQueue',
      'WatchdogFailureQueue',
      'RetentionFailureQueue',
      'RetentionSchedulesDeadLetterQueue',
    ])('alarms to the notifications topic as soon as %s holds a message', (queue) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

    it.each(['StartRefresh', 'OnRdsEvent', 'Watchdog', 'Retention'])('alarms on any error of %s', (id) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^${id}Function`) } }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

    it('encrypts every queue and denies it over plain HTTP', () => {
      const queues = template.findResources('AWS::SQS::Queue') as unknown as Record<string, { Properties: { SqsManagedSseEnabled?: boolean } }>;
      expect(Object.values(queues).map((q) => q.Properties.SqsManagedSseEnabled)).toEqual([true, true, true, true, true, true, true]);
      assertResourceCount(template, 'AWS::SQS::QueuePolicy', 7);
      assertHasResource(template, 'AWS::SQS::QueuePolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });
  });

  describe('replica alarms', () => {
    it('alarms when a restore of any replica missed the RTO target (45 min)', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm('rto-missed', 'SUM', 'RtoMissed'),
        AlarmDescription: Match.stringLikeRegexp('RTO target of 45 min'),
        Metrics: [Match.objectLike({ Period: 3600 })],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
    });

    it('alarms when the watchdog finds a replica without success within the default 26 h, and bundles the 26 h for it', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm('no-success', 'MAX', 'SuccessOverdue'),
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 1,
        AlarmDescription: Match.stringLikeRegexp('last 26 h.*npm run report -- --replica <id>'),
      });
      // billing-staging's schedule is disabled: the watchdog does not judge it (lambdas/reporting/overdue.ts).
      expect(JSON.parse(rich.watchdog.configFile.text) as Record<string, unknown>).toMatchObject({ noSuccessWithinHours: 26 });
    });

    it('exports the ledger, the start-refresh function and the topic for the operator commands', () => {
      expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['LedgerTableName', 'NotificationTopicArn', 'StartRefreshFunctionName']);
      template.hasOutput('StartRefreshFunctionName', { Value: { Ref: Match.stringLikeRegexp('StartRefreshFunction') } });
    });

    it.each([
      ['RefreshFailed', 'run-failed'],
      ['RunStuck', 'run-stuck'],
      ['RefreshRefused', 'refused'],
      ['RestoreOverdue', 'restore-overdue'],
    ])('alarms on any %s of any replica', (metricName, what) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm(what, 'SUM', metricName),
        Metrics: [Match.objectLike({ Period: 300 })],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        AlarmDescription: Match.stringLikeRegexp('npm run report -- --replica <id>'),
      });
    });

    it.each([
      ['DeletionEventMissed', 'deletion-missed'],
      ['UsableEventMissed', 'usable-missed'],
      ['NightCarriedByPolling', 'polled'],
    ])('alarms on any %s as replica-refresh-<region>-event-path-%s', (metricName, what) => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        ...replicasAlarm(`event-path-${what}`, 'SUM', metricName),
        Metrics: [Match.objectLike({ Period: 300 })],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
    });

    it('names no alarm after a replica: none takes a name an earlier version gave a replica alarm', () => {
      const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => (r.Properties as { AlarmName?: string }).AlarmName ?? '');
      for (const y of [...REPLICAS, 'reports-staging']) expect(names.filter((n) => n.startsWith(`replica-refresh-${y}-`))).toEqual([]);
    });

    it('alarms on the event subscription the watchdog checks, over one watchdog interval, as replica-refresh-<region>-event-path', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        AlarmName: `replica-refresh-${REGION}-event-path`,
        Namespace: METRICS_NAMESPACE,
        MetricName: 'EventPathUnhealthy',
        Dimensions: [
          { Name: 'service', Value: METRICS_SERVICE },
          { Name: 'subscription', Value: `replica-refresh-${REGION}` },
        ],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

    it('alarms when the watchdog has not run for three watchdog intervals', () => {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', {
        AlarmName: `replica-refresh-${REGION}-watchdog-silent`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^WatchdogFunction') } }],
        Period: 300,
        EvaluationPeriods: 3,
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

    it('has nine alarms over the replicas of the region, whatever their number, beside the thirteen pipeline alarms', () => {
      expect(replicaAlarmMetrics(template)).toHaveLength(9);
      assertResourceCount(template, 'AWS::CloudWatch::Alarm', 9 + PIPELINE_ALARMS);
    });
  });

  describe('dashboard', () => {
    it('is one dashboard named after the region', () => {
      assertResourceCount(template, 'AWS::CloudWatch::Dashboard', 1);
      assertHasResource(template, 'AWS::CloudWatch::Dashboard', { DashboardName: `replica-refresh-${REGION}` });
    });

    it('graphs the replicas by Metrics Insights queries and shows the nine alarms over them', () => {
      const { text, widgets } = dashboardBody(template);
      for (const metricName of ['DowntimeSeconds', 'RestoreSeconds', 'SnapshotAgeSeconds', 'RefreshSucceeded', 'RefreshFailed', 'RefreshRefused', 'RunStuck', 'RestoreOverdue', 'SettingsDrift', ...EVENT_PATH_METRICS]) {
        expect(text).toContain(`(${metricName}) FROM SCHEMA(\\"${METRICS_NAMESPACE}\\", replica, service) WHERE service = '${METRICS_SERVICE}'`);
      }
      expect(text).not.toContain('orders-staging');
      const status = widgets.find((w) => w.properties.title === 'Replica alarms');
      expect(status?.type).toBe('alarm');
      expect(status?.properties.alarms).toHaveLength(9);
    });

    it('shows the depth of the seven dead-letter queues and the errors of the four functions', () => {
      const { text, widgets } = dashboardBody(template);
      const queues = ['EventsDeliveryDeadLetterQueue', 'SchedulesDeadLetterQueue', 'RetentionSchedulesDeadLetterQueue', 'StartRefreshFailureQueue', 'OnRdsEventFailureQueue', 'WatchdogFailureQueue', 'RetentionFailureQueue'];
      for (const queue of queues) {
        expect(text).toMatch(new RegExp(`"ApproximateNumberOfMessagesVisible","QueueName","\\$\\{${queue}\\w*\\.QueueName\\}"`));
      }
      for (const fn of ['StartRefresh', 'OnRdsEvent', 'Watchdog', 'Retention']) {
        expect(text).toMatch(new RegExp(`"Errors","FunctionName","\\$\\{${fn}Function\\w*\\}"`));
      }
      expect(widgets.find((w) => w.properties.title === 'Pipeline alarms')?.properties.alarms).toHaveLength(PIPELINE_ALARMS);
      expect(text).toContain(`"${METRICS_NAMESPACE}","EventPathUnhealthy","service","${METRICS_SERVICE}","subscription","replica-refresh-${REGION}"`);
    });
  });

  describe('project key', () => {
    it('creates one rotated, retained key with the project alias, because the pairs copy without a key of their own', () => {
      assertResourceCount(template, 'AWS::KMS::Alias', 1);
      assertHasResource(template, 'AWS::KMS::Alias', { AliasName: 'alias/replica-refresh/snapshots', TargetKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SnapshotKey'), 'Arn'] } });
      template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('copies of x') } });
    });
  });

  describe('retention', () => {
    it('schedules one retention pass for the pairs that share a retention cron and schedule zone, with their ids as input', () => {
      const retention = Object.values(template.findResources('AWS::Scheduler::Schedule') as unknown as Record<string, { Properties: { Target: { Input: string } } }>).filter((r) => r.Properties.Target.Input.includes('"retention"'));
      expect(retention).toHaveLength(1);
      assertHasResource(template, 'AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(30 12 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RetentionFunction'), 'Arn'] },
          Input: JSON.stringify({ trigger: 'retention', replicas: REPLICAS }),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RetentionSchedulesDeadLetterQueue'), 'Arn'] } },
        }),
      });
    });

    it("lets only the retention function delete snapshots: copies named <x>-* in this region, only with the ownership tag", () => {
      const deletes = iamStatements(template).filter((s) => s.actions.includes('rds:DeleteDBSnapshot'));
      expect(deletes.map((s) => s.policy.replace(/DefaultPolicy.*/, ''))).toEqual(['RetentionRole']);
      expect(deletes[0]?.resources.sort()).toEqual([rdsArn('snapshot:billing-prod-*'), rdsArn('snapshot:orders-prod-*')]);
      expect(deletes[0]?.statement.Condition).toEqual({ StringEquals: { 'rds:snapshot-tag/replica-refresh:managed': 'true' }, Null: { 'rds:snapshot-tag/replica-refresh:copied-from': 'false' } });
    });

    it('gives the retention function read access to RDS and the ledger, and nothing else that mutates', () => {
      const statements = statementsOfRole(template, 'RetentionRole');
      expect(resourcesAllowed(statements, 'dynamodb:GetItem')).toEqual([expect.stringMatching(/^\$\{LedgerTable.*\.Arn\}$/)]);
      expect(resourcesAllowed(statements, 'dynamodb:PutItem')).toEqual([]);
      expect(resourcesAllowed(statements, 'sns:Publish')).toEqual([]);
      const rdsWrites = statements.flatMap((s) => s.actions).filter((a) => /^rds:(?!Describe|List)/.test(a));
      expect(rdsWrites).toEqual(['rds:DeleteDBSnapshot']);
    });
  });

  describe('with alarms turned off in config', () => {
    let off: Template;

    beforeAll(() => {
      const input = richConfigInput();
      input.alarms = { rtoMissed: false, noSuccessWithinHours: 0, runFailed: false, refused: true, restoreOverdue: true };
      off = Template.fromStack(regionStack(parseConfig(input), SKIP_BUNDLING));
    });

    it('creates only the alarms still on, and the event path alarms, which have no switch', () => {
      expect(replicaAlarmMetrics(off)).toEqual(['RefreshRefused', 'RestoreOverdue', ...EVENT_PATH_METRICS].sort());
      assertResourceCount(off, 'AWS::CloudWatch::Alarm', 2 + 3 + PIPELINE_ALARMS);
    });

    it("keeps the dashboard's graphs and shows only the remaining alarms", () => {
      const { text, widgets } = dashboardBody(off);
      expect(text).toContain('SELECT MAX(RestoreSeconds)');
      expect(widgets.find((w) => w.properties.title === 'Replica alarms')?.properties.alarms).toHaveLength(2 + 3);
    });
  });
});

/** A parsed configuration whose pairs of {@link REGION} are the given ones (the example pair is replaced), keeping x's credentials unless they say. */
function configWith(...pairs: Record<string, unknown>[]) {
  const input = exampleConfig();
  input.pairs = pairs.map((p) => ({ credentials: { mode: 'source' }, ...p }));
  return parseConfig(input);
}

describe('ReplicaRegionStack with pairs restored from replicated automated backups', () => {
  const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/bbbbbbbb-1111-2222-3333-444444444444`;
  let template: Template;

  beforeAll(() => {
    const config = configWith(
      { source: { instanceId: 'ledger-prod', region: 'eu-west-1', mode: 'backup-replication' }, replica: { instanceId: 'ledger-staging', region: REGION } },
      {
        source: { instanceId: 'audit-prod', region: 'eu-west-1', mode: 'backup-replication' },
        replica: { instanceId: 'audit-staging', region: REGION },
        backupReplication: { manage: false, kmsKeyArn: KEY },
      },
    );
    template = Template.fromStack(regionStack(config, SKIP_BUNDLING));
  });

  it.each(['OnRdsEventRole', 'WatchdogRole'])('lets %s restore y to a point in time, with the inputs RDS requires, and describe automated backups', (role) => {
    const statements = statementsOfRole(template, role);
    const ys = [rdsArn('db:audit-staging'), rdsArn('db:ledger-staging')];
    expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceToPointInTime').sort()).toEqual([...ys, rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*'), rdsArn('auto-backup:*')].sort());
    expect(resourcesAllowed(statements, 'rds:DescribeDBInstanceAutomatedBackups')).toEqual(['*']);
    // The managed replication's project key and the configured key of the other pair, by ARN, only via RDS.
    expect(resourcesAllowed(statements, 'kms:CreateGrant').sort()).toEqual([KEY, expect.stringMatching(/^\$\{SnapshotKey\w+\.Arn\}$/)].sort());
  });

  it('starts the replication of the managed pair only, encrypted with the project key', () => {
    assertResourceCount(template, 'Custom::RdsBackupReplication', 1);
    const resources = Object.values(template.findResources('Custom::RdsBackupReplication') as unknown as Record<string, { Properties: { Create: unknown } }>);
    const create = JSON.parse(render(resources[0]?.Properties.Create)) as { parameters: Record<string, unknown> };
    const { KmsKeyId, ...others } = create.parameters;
    expect(others).toEqual({ SourceDBInstanceArn: `arn:\${AWS::Partition}:rds:eu-west-1:${ACCOUNT}:db:ledger-prod`, BackupRetentionPeriod: 7 });
    expect(KmsKeyId).toMatch(/^\$\{SnapshotKey\w+\.Arn\}$/);
  });

  it('has no retention function or schedule: the project makes no copies here', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'retention' } } } }))).toEqual([]);
    expect(iamStatements(template).filter((s) => s.actions.includes('rds:DeleteDBSnapshot'))).toEqual([]);
  });
});

describe('ReplicaRegionStack whose snapshots arrive by other means', () => {
  it('creates no project key, no retention and keeps the key/* wildcard for restores', () => {
    const config = configWith({ source: { instanceId: 'orders-prod', region: 'eu-west-1' }, replica: { instanceId: 'orders-staging', region: REGION }, copy: { enabled: false } });
    const template = Template.fromStack(regionStack(config, SKIP_BUNDLING));
    assertResourceCount(template, 'AWS::KMS::Alias', 0);
    assertResourceCount(template, 'AWS::Scheduler::Schedule', 2);
    expect(resourcesAllowed(iamStatements(template), 'kms:CreateGrant')).toEqual([
      `arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`,
      `arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`,
    ]);
  });
});

describe('ReplicaRegionStack with an Aurora cluster pair beside an instance pair', () => {
  const MEMBERS = ['crm-staging-writer', 'crm-staging-reader-1'];
  const CRM_ROLE = `arn:aws:iam::${ACCOUNT}:role/crm-s3-import`;
  let stack: ReplicaRegionStack;
  let template: Template;

  beforeAll(() => {
    const config = configWith(
      { source: { instanceId: 'orders-prod', region: 'eu-west-1' }, replica: { instanceId: 'orders-staging', region: REGION } },
      {
        source: { clusterId: 'crm-prod', region: 'eu-west-1' },
        replica: { clusterId: 'crm-staging', region: REGION, memberIds: MEMBERS },
        engine: 'aurora-postgresql',
        finalSnapshot: true,
        associatedRoleArns: [CRM_ROLE],
      },
    );
    stack = regionStack(config, SKIP_BUNDLING);
    template = Template.fromStack(stack);
  });

  it('subscribes to db-instance and db-cluster events, neither listing SourceIds, to the one events topic', () => {
    assertResourceCount(template, 'AWS::RDS::EventSubscription', 2);
    const subscriptions = Object.values(template.findResources('AWS::RDS::EventSubscription') as unknown as Record<string, { Properties: Record<string, unknown> }>).map((r) => r.Properties);
    expect(subscriptions.map((p) => [p.SubscriptionName, p.SourceType, p.SourceIds])).toEqual([
      [`replica-refresh-${REGION}`, 'db-instance', undefined],
      [`replica-refresh-${REGION}-db-cluster`, 'db-cluster', undefined],
    ]);
    expect(subscriptions[1]?.EventCategories).toEqual(['creation', 'deletion', 'failure', 'notification']);
    expect(new Set(subscriptions.map((p) => render(p.SnsTopicArn))).size).toBe(1);
  });

  it('bundles a runtime configuration naming both subscriptions, which the watchdog checks', () => {
    const raw = JSON.parse(stack.watchdog.configFile?.text ?? '') as Record<string, unknown>;
    const runtime = runtimeConfigSchema.parse({ ...raw, ledgerTableName: 'ledger', notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:notifications` });
    expect(runtime.eventSubscriptionNames).toEqual([`replica-refresh-${REGION}`, `replica-refresh-${REGION}-db-cluster`]);
    expect(resourcesAllowed(statementsOfRole(template, 'WatchdogRole'), 'rds:DescribeEventSubscriptions')).toEqual([rdsArn(`es:replica-refresh-${REGION}`), rdsArn(`es:replica-refresh-${REGION}-db-cluster`)]);
  });

  it('admits RDS events of the clusters of this account and region to the topic', () => {
    const policy = render(Object.values(template.findResources('AWS::SNS::TopicPolicy') as unknown as Record<string, { Properties: { PolicyDocument: { Statement: { Sid?: string; Condition?: { ArnLike: Record<string, unknown[]> } }[] } } }>).flatMap((r) => r.Properties.PolicyDocument.Statement).find((st) => st.Sid === 'AllowRdsEventsOfThisAccountsInstances')?.Condition?.ArnLike['aws:SourceArn']?.[1]);
    expect(policy).toBe(`arn:\${AWS::Partition}:rds:${REGION}:${ACCOUNT}:cluster:*`);
  });

  it('alarms on each subscription the watchdog checks', () => {
    for (const [name, subscription] of [
      [`replica-refresh-${REGION}-event-path`, `replica-refresh-${REGION}`],
      [`replica-refresh-${REGION}-cluster-event-path`, `replica-refresh-${REGION}-db-cluster`],
    ]) {
      assertHasResource(template, 'AWS::CloudWatch::Alarm', { AlarmName: name, MetricName: 'EventPathUnhealthy', Dimensions: Match.arrayWith([{ Name: 'subscription', Value: subscription }]) });
    }
  });

  it('lets start-refresh, and only it, delete the members (db:<member>) and then the cluster (cluster:<y>), by their exact ARNs', () => {
    const start = statementsOfRole(template, 'StartRefreshRole');
    expect(resourcesAllowed(start, 'rds:DeleteDBInstance').sort()).toEqual([rdsArn('db:crm-staging-reader-1'), rdsArn('db:crm-staging-writer'), rdsArn('db:orders-staging')]);
    expect(resourcesAllowed(start, 'rds:DeleteDBCluster').sort()).toEqual([rdsArn('cluster-snapshot:crm-staging-final-*'), rdsArn('cluster:crm-staging')]);
    expect(resourcesAllowed(start, 'rds:CreateDBClusterSnapshot').sort()).toEqual([rdsArn('cluster-snapshot:crm-staging-final-*'), rdsArn('cluster:crm-staging')]);
    // The restorers never delete a member or the cluster (the grants test checks that no path of theirs does).
    for (const role of ['OnRdsEventRole', 'WatchdogRole']) {
      const statements = statementsOfRole(template, role);
      for (const action of ['rds:DeleteDBInstance', 'rds:DeleteDBCluster', 'rds:CreateDBClusterSnapshot']) expect(resourcesAllowed(statements, action)).toEqual([]);
    }
  });

  it.each(['OnRdsEventRole', 'WatchdogRole'])('lets %s restore cluster:<y>, create exactly its configured members, modify it and associate its role', (role) => {
    const statements = statementsOfRole(template, role);
    expect(resourcesAllowed(statements, 'rds:RestoreDBClusterFromSnapshot').sort()).toEqual([rdsArn('cluster-pg:*'), rdsArn('cluster-snapshot:*'), rdsArn('cluster:crm-staging'), rdsArn('og:*'), rdsArn('subgrp:*')]);
    expect(resourcesAllowed(statements, 'rds:CreateDBInstance').sort()).toEqual([rdsArn('cluster:crm-staging'), rdsArn('db:crm-staging-reader-1'), rdsArn('db:crm-staging-writer'), rdsArn('pg:*'), rdsArn('subgrp:*')]);
    expect([...new Set(resourcesAllowed(statements, 'rds:ModifyDBCluster'))]).toEqual([rdsArn('cluster:crm-staging')]);
    expect(resourcesAllowed(statements, 'rds:AddRoleToDBCluster')).toEqual([rdsArn('cluster:crm-staging')]);
    expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceFromDBSnapshot')).toContain(rdsArn('db:orders-staging'));
    expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceFromDBSnapshot')).not.toContain(rdsArn('db:crm-staging'));
    expect(resourcesAllowed(statements, 'rds:DescribeDBClusters')).toEqual(['*']);
  });

  it('grants no mutating rds action on Resource "*", and cdk-nag finds nothing unacknowledged', () => {
    const offending = iamStatements(template).filter((st) => st.statement.Effect === 'Allow' && st.resources.includes('*') && st.actions.some((a) => /^rds:(?!Describe|List)/.test(a)));
    expect(offending).toEqual([]);
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('ReplicaRegionStack with a rename-swap pair and a dns-switch pair beside a delete-first pair', () => {
  const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: ['sg-0123456789abcdef0'] };
  const VALIDATION = { tables: ['public.orders'], vpc: VPC };
  const CRM_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:crm-staging/master-AbCdEf`;
  const ZONE = 'Z0123456789ABCDEFGHIJ';
  const SWAPS = {
    rename: { source: { instanceId: 'orders-prod', region: 'eu-west-1' }, replica: { instanceId: 'orders-staging', region: REGION }, credentials: { mode: 'managed' }, refresh: { mode: 'rename-swap', validation: VALIDATION } },
    dns: {
      source: { instanceId: 'crm-prod', region: 'eu-west-1' },
      replica: { instanceId: 'crm-staging', region: REGION },
      credentials: { mode: 'secret', secretArn: CRM_SECRET },
      refresh: { mode: 'dns-switch', dns: { hostedZoneId: ZONE, recordName: 'crm-staging.db.internal' }, oldSlot: 'stop', validation: VALIDATION },
    },
    deleteFirst: { source: { instanceId: 'billing-prod', region: 'eu-west-1' }, replica: { instanceId: 'billing-staging', region: REGION } },
  };
  let stack: ReplicaRegionStack;
  let template: Template;
  let functions: Record<string, { Properties: { Timeout: number; VpcConfig?: unknown; Environment: { Variables: Record<string, unknown> } } }>;

  beforeAll(() => {
    stack = regionStack(configWith(SWAPS.rename, SWAPS.dns, SWAPS.deleteFirst), SKIP_BUNDLING);
    template = Template.fromStack(stack);
    functions = template.findResources('AWS::Lambda::Function') as unknown as typeof functions;
  });

  /** The logical id of a validation function, by its pair. */
  const validationFunction = (pairId: string) => {
    const ids = Object.keys(functions).filter((id) => id.startsWith(`Validation${pairId.replace(/-/g, '')}Function`));
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };
  const resourcesOf = (logicalIdPrefix: string) => {
    const fn = Object.entries(functions).find(([id]) => id.startsWith(logicalIdPrefix))?.[1];
    return JSON.parse(render(fn?.Properties.Environment.Variables[RESOURCES_ENV])) as Record<string, unknown>;
  };

  it('gives each swap pair, and only those, a validation function inside its VPC, with its subnets and security groups', () => {
    expect([...stack.validations.keys()].sort()).toEqual(['crm-staging', 'orders-staging']);
    for (const pairId of ['orders-staging', 'crm-staging']) {
      expect(functions[validationFunction(pairId)]?.Properties).toMatchObject({ VpcConfig: { SubnetIds: VPC.subnetIds, SecurityGroupIds: VPC.securityGroupIds }, Timeout: 3 * 30 + 30 });
    }
    expect(Object.keys(functions).filter((id) => id.startsWith('Validation'))).toHaveLength(2);
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::SecurityGroup', 'AWS::EC2::Subnet']) assertResourceCount(template, type, 0);
  });

  it('names the validation functions (pair id → function) in the environment of on-rds-event and the watchdog, and only theirs', () => {
    const expected = { 'orders-staging': `\${${validationFunction('orders-staging')}}`, 'crm-staging': `\${${validationFunction('crm-staging')}}` };
    for (const prefix of ['OnRdsEventFunction', 'WatchdogFunction']) {
      const resources = resourcesOf(prefix);
      expect(resources.validationFunctions).toEqual(expected);
      // What the functions parse it with (lambdas/kernel/config.ts).
      const deployed = { ...resources, ledgerTableName: 'ledger', notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:notifications` };
      expect(runtimeResourcesSchema.parse(deployed).validationFunctions).toEqual(expected);
    }
    for (const prefix of ['StartRefreshFunction', 'RetentionFunction']) expect(Object.keys(resourcesOf(prefix)).sort()).toEqual(['ledgerTableName', 'notificationTopicArn']);
    // The bundled file is the same for every function, and holds no function name.
    const files = [stack.startRefresh, stack.onRdsEvent, stack.watchdog].map((f) => f.configFile.text);
    expect(new Set(files).size).toBe(1);
    expect(files[0]).not.toContain('validationFunctions');
  });

  it('lets on-rds-event and the watchdog, and no other role, invoke the validation functions', () => {
    const invokers = iamStatements(template).filter((s) => s.actions.includes('lambda:InvokeFunction') && s.resources.some((r) => r.startsWith('${Validation')));
    expect(invokers.map((s) => s.policy.replace(/DefaultPolicy.*/, '')).sort()).toEqual(['OnRdsEventRole', 'WatchdogRole']);
    for (const s of invokers) {
      expect([...s.resources].sort()).toEqual(
        ['orders-staging', 'crm-staging'].flatMap((id) => [`\${${validationFunction(id)}.Arn}`, `\${${validationFunction(id)}.Arn}:*`]).sort(),
      );
    }
  });

  it('gives on-rds-event and the watchdog time to wait for the longest validation', () => {
    expect(functions[Object.keys(functions).find((id) => id.startsWith('OnRdsEventFunction'))!]?.Properties.Timeout).toBe(120 + 30);
    expect(functions[Object.keys(functions).find((id) => id.startsWith('WatchdogFunction'))!]?.Properties.Timeout).toBe(120 + 60);
    expect(functions[Object.keys(functions).find((id) => id.startsWith('StartRefreshFunction'))!]?.Properties.Timeout).toBe(60);
  });

  it("lets each validation function read only its pair's password: the managed copies' secrets by their tag, the crm secret by its ARN", () => {
    const orders = statementsOfRole(template, 'ValidationordersstagingRole');
    expect(orders.filter((s) => s.actions.includes('secretsmanager:GetSecretValue')).map((s) => [s.resources, (s.statement.Condition?.StringLike?.['secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn'] as unknown[]).map(render)])).toEqual([
      [[`arn:\${AWS::Partition}:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-*`], [rdsArn('db:orders-staging-next-*')]],
    ]);
    const crm = statementsOfRole(template, 'ValidationcrmstagingRole');
    expect(resourcesAllowed(crm, 'secretsmanager:GetSecretValue')).toEqual([CRM_SECRET]);
    expect(crm.filter((s) => s.actions.includes('kms:Decrypt')).map((s) => [s.resources, s.statement.Condition])).toEqual([
      [[`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`], { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:SecretARN': [CRM_SECRET] } }],
    ]);
  });

  it("keeps start-refresh's delete of the delete-first y as it is, and lets it delete no swap pair's y", () => {
    const start = statementsOfRole(template, 'StartRefreshRole');
    expect(start.filter((s) => s.statement.Sid === 'DeleteAndModifyReplicas').map((s) => [s.actions, s.resources])).toEqual([[['rds:DeleteDBInstance', 'rds:ModifyDBInstance'], [rdsArn('db:billing-staging')]]]);
    expect(resourcesAllowed(start, 'rds:DeleteDBInstance').sort()).toEqual([rdsArn('db:billing-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b')]);
    expect(resourcesAllowed(start, 'rds:RestoreDBInstanceFromDBSnapshot').sort()).toEqual(
      [rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*'), rdsArn('og:*'), rdsArn('pg:*'), rdsArn('snapshot:*'), rdsArn('subgrp:*')].sort(),
    );
    expect(resourcesAllowed(start, 'route53:ListResourceRecordSets')).toEqual([`arn:\${AWS::Partition}:route53:::hostedzone/${ZONE}`]);
    expect(resourcesAllowed(start, 'route53:ChangeResourceRecordSets')).toEqual([]);
    expect(resourcesAllowed(start, 'lambda:InvokeFunction')).toEqual([]);
  });

  it.each(['OnRdsEventRole', 'WatchdogRole'])('lets %s switch: rename, delete and stop only the swap pairs\' own instances, UPSERT only the configured record', (role) => {
    const statements = statementsOfRole(template, role);
    const owned = { StringEquals: { 'rds:db-tag/replica-refresh:managed': 'true' } };
    expect(statements.filter((s) => s.actions.includes('rds:DeleteDBInstance')).map((s) => [s.resources, s.statement.Condition])).toEqual([
      [[rdsArn('db:crm-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*'), rdsArn('db:orders-staging-old-*')], owned],
    ]);
    expect(statements.filter((s) => s.actions.includes('rds:StopDBInstance')).map((s) => [s.resources, s.statement.Condition])).toEqual([[[rdsArn('db:crm-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b')], owned]]);
    expect(resourcesAllowed(statements, 'rds:ModifyDBInstance').sort()).toEqual(
      [rdsArn('db:billing-staging'), rdsArn('db:crm-staging'), rdsArn('db:orders-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*'), rdsArn('db:orders-staging-old-*'), rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*')].sort(),
    );
    expect(statements.filter((s) => s.actions.includes('route53:ChangeResourceRecordSets')).map((s) => [s.resources, s.statement.Condition])).toEqual([
      [
        [`arn:\${AWS::Partition}:route53:::hostedzone/${ZONE}`],
        { 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['crm-staging.db.internal'], 'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'], 'route53:ChangeResourceRecordSetsActions': ['UPSERT'] } },
      ],
    ]);
    expect(resourcesAllowed(statements, 'route53:GetChange')).toEqual(['arn:${AWS::Partition}:route53:::change/*']);
    expect(resourcesAllowed(statements, 'rds:CreateDBSnapshot')).toEqual([]);
    // Both read the record: the watchdog's housekeeping never retires the live slot, and on-rds-event checks the live
    // instance before it calls a deletion outside any run news.
    expect(resourcesAllowed(statements, 'route53:ListResourceRecordSets')).toEqual([`arn:\${AWS::Partition}:route53:::hostedzone/${ZONE}`]);
  });

  it('grants no mutating action on Resource "*" (only reads, X-Ray, and the network interfaces of the validation functions), and cdk-nag finds nothing unacknowledged', () => {
    const onStar = iamStatements(template).filter((s) => s.statement.Effect === 'Allow' && s.resources.includes('*'));
    const vpcActions = ['ec2:AssignPrivateIpAddresses', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:UnassignPrivateIpAddresses'];
    expect([...new Set(onStar.flatMap((s) => s.actions))].filter((a) => !/^rds:(Describe|List)/.test(a) && !/^xray:Put(TraceSegments|TelemetryRecords)$/.test(a) && !vpcActions.includes(a))).toEqual([]);
    expect(onStar.filter((s) => s.actions.some((a) => vpcActions.includes(a))).every((s) => s.policy.startsWith('Validation'))).toBe(true);
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it("refuses at synth a swap pair that keeps production's credentials and names no validation secret", () => {
    const keepsX = { ...SWAPS.rename, credentials: { mode: 'source' } };
    // The config refuses it before any construct is built, naming the field.
    expect(() => regionStack(configWith(keepsX), SKIP_BUNDLING)).toThrow(/refresh\.validation\.credentialsSecretArn.*is required with credentials\.mode "source"/);
  });

  it("fits the names of many validation functions in the environment: 30 swap pairs' stay under Lambda's 4 KB", () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ ...SWAPS.rename, source: { instanceId: `orders-prod-${i}`, region: 'eu-west-1' }, replica: { instanceId: `orders-staging-${i}`, region: REGION } }));
    const big = regionStack(configWith(...many), SKIP_BUNDLING);
    expect(big.validations.size).toBe(30);
    expect(big.watchdog.environmentBytes).toBeLessThan(4096);
  });
});

describe('ReplicaRegionStack with staging safety: hooks on delete-first and swap pairs, read-only parameter groups', () => {
  const EXAMPLE_SQL = 'infra/examples/staging-safety/sql';
  const HOOKS = { afterRestore: [`${EXAMPLE_SQL}/10-mask.sql`, `${EXAMPLE_SQL}/20-grants.sql`], validate: [`${EXAMPLE_SQL}/90-validate-counts.sql`, `${EXAMPLE_SQL}/91-validate-no-unmasked-email.sql`] };
  const ORDERS_VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: ['sg-0123456789abcdef0'] };
  const BILLING_VPC = { vpcId: 'vpc-0fedcba9876543210', subnetIds: ['subnet-0fedcba9876543210'], securityGroupIds: ['sg-0fedcba9876543210', 'sg-0aaaaaaaaaaaaaaaa'] };
  const ORDERS_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-staging-master-AbCdEf`;
  const HOOKS_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:billing-staging/hooks-XyZ123`;
  const PAIRS = {
    // The staging-safety example's pair: read-only (postgres16), four hooks, isolated when one fails.
    orders: {
      source: { instanceId: 'orders-prod', region: 'eu-west-1' },
      replica: { instanceId: 'orders-staging', region: REGION },
      credentials: { mode: 'secret', secretArn: ORDERS_SECRET },
      staging: { readOnly: true, parameterGroupFamily: 'postgres16', hooks: HOOKS, onFailure: 'isolate', isolationSecurityGroupId: 'sg-0fedcba9876543210', runner: { vpc: ORDERS_VPC, timeoutSeconds: 60 } },
    },
    // Managed credentials, its own runner secret, deleted when a hook fails; read-only too (the same family: one group).
    billing: {
      source: { instanceId: 'billing-prod', region: 'eu-west-1' },
      replica: { instanceId: 'billing-staging', region: REGION },
      credentials: { mode: 'managed' },
      staging: { readOnly: true, parameterGroupFamily: 'postgres16', hooks: { afterRestore: [`${EXAMPLE_SQL}/10-mask.sql`] }, onFailure: 'delete', runner: { vpc: BILLING_VPC, credentialsSecretArn: HOOKS_SECRET } },
    },
    // A rename-swap pair with a validate hook: one function validates and runs the hook, in the one VPC both name.
    crm: {
      source: { instanceId: 'crm-prod', region: 'eu-west-1' },
      replica: { instanceId: 'crm-staging', region: REGION },
      credentials: { mode: 'managed' },
      refresh: { mode: 'rename-swap', validation: { tables: ['public.orders'], vpc: ORDERS_VPC } },
      staging: { hooks: { validate: [`${EXAMPLE_SQL}/90-validate-counts.sql`] }, onFailure: 'delete', runner: { vpc: ORDERS_VPC } },
    },
    // Read-only only (mysql8.0): a parameter group, no function.
    shop: { source: { instanceId: 'shop-prod', region: 'eu-west-1' }, replica: { instanceId: 'shop-staging', region: REGION }, staging: { readOnly: true, parameterGroupFamily: 'mysql8.0' } },
    plain: { source: { instanceId: 'reports-prod', region: 'eu-west-1' }, replica: { instanceId: 'reports-staging', region: REGION } },
  };
  let stack: ReplicaRegionStack;
  let template: Template;
  let functions: Record<string, { Properties: { Timeout: number; Description: string; VpcConfig?: unknown; Environment: { Variables: Record<string, unknown> } } }>;

  beforeAll(() => {
    stack = regionStack(configWith(PAIRS.orders, PAIRS.billing, PAIRS.crm, PAIRS.shop, PAIRS.plain), SKIP_BUNDLING);
    template = Template.fromStack(stack);
    functions = template.findResources('AWS::Lambda::Function') as unknown as typeof functions;
  });

  const runnerFunction = (pairId: string) => {
    const ids = Object.keys(functions).filter((id) => id.startsWith(`Validation${pairId.replace(/-/g, '')}Function`));
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };
  const timeoutOf = (prefix: string) => functions[Object.keys(functions).find((id) => id.startsWith(prefix))!]?.Properties.Timeout;

  it("gives each pair with hooks one SQL function, in its runner's subnets and security groups, and none to the others", () => {
    expect([...stack.validations.keys()].sort()).toEqual(['billing-staging', 'crm-staging', 'orders-staging']);
    expect(Object.keys(functions).filter((id) => id.startsWith('Validation'))).toHaveLength(3);
    expect(functions[runnerFunction('orders-staging')]?.Properties).toMatchObject({ VpcConfig: { SubnetIds: ORDERS_VPC.subnetIds, SecurityGroupIds: ORDERS_VPC.securityGroupIds } });
    expect(functions[runnerFunction('billing-staging')]?.Properties).toMatchObject({ VpcConfig: { SubnetIds: BILLING_VPC.subnetIds, SecurityGroupIds: BILLING_VPC.securityGroupIds } });
    expect(functions[runnerFunction('crm-staging')]?.Properties).toMatchObject({ VpcConfig: { SubnetIds: ORDERS_VPC.subnetIds, SecurityGroupIds: ORDERS_VPC.securityGroupIds } });
    expect(functions[runnerFunction('orders-staging')]?.Properties.Description).toMatch(/staging hooks .* of orders-staging/);
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::SecurityGroup', 'AWS::EC2::Subnet']) assertResourceCount(template, type, 0);
  });

  it('times each runner for (hooks + 1) × runner.timeoutSeconds + 30 s (a swap pair: the longer of that and its validation), and its callers 30 s and 60 s longer', () => {
    expect(functions[runnerFunction('orders-staging')]?.Properties.Timeout).toBe((4 + 1) * 60 + 30);
    expect(functions[runnerFunction('billing-staging')]?.Properties.Timeout).toBe((1 + 1) * 30 + 30);
    expect(functions[runnerFunction('crm-staging')]?.Properties.Timeout).toBe(Math.max((1 + 2) * 30 + 30, (1 + 1) * 30 + 30));
    expect(timeoutOf('OnRdsEventFunction')).toBe(330 + 30);
    expect(timeoutOf('WatchdogFunction')).toBe(330 + 60);
    expect(timeoutOf('StartRefreshFunction')).toBe(60);
  });

  it('names the runners (pair id → function) in the environment of on-rds-event and the watchdog only', () => {
    const expected = Object.fromEntries(['orders-staging', 'billing-staging', 'crm-staging'].map((id) => [id, `\${${runnerFunction(id)}}`]));
    for (const prefix of ['OnRdsEventFunction', 'WatchdogFunction']) {
      const fn = Object.entries(functions).find(([id]) => id.startsWith(prefix))![1];
      const resources = JSON.parse(render(fn.Properties.Environment.Variables[RESOURCES_ENV])) as Record<string, unknown>;
      expect(resources.validationFunctions).toEqual(expected);
      expect(runtimeResourcesSchema.parse({ ...resources, ledgerTableName: 'ledger', notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:notifications` }).validationFunctions).toEqual(expected);
    }
    const start = Object.entries(functions).find(([id]) => id.startsWith('StartRefreshFunction'))![1];
    expect(Object.keys(JSON.parse(render(start.Properties.Environment.Variables[RESOURCES_ENV])) as object).sort()).toEqual(['ledgerTableName', 'notificationTopicArn']);
  });

  it('lets on-rds-event and the watchdog, and no other role, invoke the runners', () => {
    const invokers = iamStatements(template).filter((s) => s.actions.includes('lambda:InvokeFunction') && s.resources.some((r) => r.startsWith('${Validation')));
    expect(invokers.map((s) => s.policy.replace(/DefaultPolicy.*/, '')).sort()).toEqual(['OnRdsEventRole', 'WatchdogRole']);
    for (const s of invokers) {
      expect([...s.resources].sort()).toEqual(['orders-staging', 'billing-staging', 'crm-staging'].flatMap((id) => [`\${${runnerFunction(id)}.Arn}`, `\${${runnerFunction(id)}.Arn}:*`]).sort());
    }
  });

  it('bundles the SQL of every hook file into the runtime configuration of on-rds-event (and of every function: one file), as { name, sql }', () => {
    const text = stack.onRdsEvent.configFile.text;
    expect(stack.onRdsEvent.configFile.name).toBe(RUNTIME_CONFIG_FILE);
    expect(new Set([stack.startRefresh, stack.onRdsEvent, stack.watchdog].map((f) => f.configFile.text)).size).toBe(1);
    const runtime = runtimeConfigSchema.parse({ ...(JSON.parse(text) as object), ledgerTableName: 'ledger', notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:notifications` });
    const orders = runtime.pairs.find((p) => p.id === 'orders-staging')!;
    const sql = (file: string) => fs.readFileSync(path.join(__dirname, '..', '..', '..', file), 'utf8');
    expect(hookSteps(orders)).toEqual({ afterRestore: HOOKS.afterRestore.map((name) => ({ name, sql: sql(name) })), validate: HOOKS.validate.map((name) => ({ name, sql: sql(name) })) });
    expect(hookSteps(runtime.pairs.find((p) => p.id === 'crm-staging')!).validate).toEqual([{ name: HOOKS.validate[0], sql: sql(HOOKS.validate[0]!) }]);
    // The masking SQL itself is in the file the function reads, not a path to the repository.
    expect(text).toContain(JSON.stringify(sql(HOOKS.afterRestore[0]!)).slice(1, 80));
  });

  it('fails the synth with a ConfigError naming the pair and the path of a hook file that cannot be read', () => {
    const missing = `${EXAMPLE_SQL}/15-missing.sql`;
    const broken = { ...PAIRS.orders, staging: { ...PAIRS.orders.staging, hooks: { ...HOOKS, afterRestore: [HOOKS.afterRestore[0], missing] } } };
    const synth = () => regionStack(configWith(broken, PAIRS.plain), SKIP_BUNDLING);
    expect(synth).toThrow(ConfigError);
    expect(synth).toThrow(`pairs (orders-staging).staging.hooks.afterRestore[1] = "${missing}": cannot be read`);
  });

  it('refuses at synth a swap pair with hooks whose validation and runner name different networks', () => {
    const differing = { ...PAIRS.crm, staging: { ...PAIRS.crm.staging, runner: { vpc: BILLING_VPC } } };
    expect(() => regionStack(configWith(differing), SKIP_BUNDLING)).toThrow(/pair crm-staging validates its copies and runs its staging hooks with one function.*differ/);
  });

  it("lets each runner read its pair's password: the pair's secret, the runner's own secret (which wins), or the managed copies' secrets", () => {
    expect(resourcesAllowed(statementsOfRole(template, 'ValidationordersstagingRole'), 'secretsmanager:GetSecretValue')).toEqual([ORDERS_SECRET]);
    const billing = statementsOfRole(template, 'ValidationbillingstagingRole');
    expect(resourcesAllowed(billing, 'secretsmanager:GetSecretValue')).toEqual([HOOKS_SECRET]);
    const crm = statementsOfRole(template, 'ValidationcrmstagingRole');
    expect(crm.filter((s) => s.actions.includes('secretsmanager:GetSecretValue')).map((s) => (s.statement.Condition?.StringLike?.['secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn'] as unknown[]).map(render))).toEqual([[rdsArn('db:crm-staging-next-*')]]);
  });

  it.each(['OnRdsEventRole', 'WatchdogRole'])("lets %s delete a y whose hooks failed only for onFailure \"delete\", with the ownership tag; restore and modify with any parameter group (pg:*)", (role) => {
    const statements = statementsOfRole(template, role);
    const owned = { StringEquals: { 'rds:db-tag/replica-refresh:managed': 'true' } };
    expect(statements.filter((s) => s.statement.Sid === 'DeleteReplicasWhoseHooksFailed').map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([[['rds:DeleteDBInstance'], [rdsArn('db:billing-staging')], owned]]);
    // Beside the swap pair's own deletes of its copies; never orders-staging (isolated, not deleted) or the others.
    const deletable = resourcesAllowed(statements, 'rds:DeleteDBInstance');
    for (const y of ['orders-staging', 'crm-staging', 'shop-staging', 'reports-staging']) expect(deletable).not.toContain(rdsArn(`db:${y}`));
    expect(statements.filter((s) => s.actions.includes('rds:DeleteDBInstance')).every((s) => JSON.stringify(s.statement.Condition) === JSON.stringify(owned))).toBe(true);
    // Giving y its security groups and public access back, or isolating it again: ModifyDBInstance on db:<y>.
    const modifiable = resourcesAllowed(statements, 'rds:ModifyDBInstance');
    for (const y of ['orders-staging', 'billing-staging', 'shop-staging']) expect(modifiable).toContain(rdsArn(`db:${y}`));
    // The read-only parameter group is a pg resource the restore and the modify may name.
    expect(modifiable).toContain(rdsArn('pg:*'));
    expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceFromDBSnapshot')).toContain(rdsArn('pg:*'));
  });

  it("leaves start-refresh's deletes as they are: the delete-first ys, no more", () => {
    const start = statementsOfRole(template, 'StartRefreshRole');
    expect(start.filter((s) => s.statement.Sid === 'DeleteAndModifyReplicas').map((s) => s.resources)).toEqual([['billing-staging', 'orders-staging', 'reports-staging', 'shop-staging'].map((y) => rdsArn(`db:${y}`))]);
    expect(resourcesAllowed(start, 'lambda:InvokeFunction')).toEqual([]);
  });

  it('creates one read-only parameter group per family, named as the restore names it', () => {
    const groups = Object.values(template.findResources('AWS::RDS::DBParameterGroup') as unknown as Record<string, { Properties: { DBParameterGroupName: string; Family: string; Parameters: unknown } }>);
    expect(groups.map((g) => [g.Properties.DBParameterGroupName, g.Properties.Family, g.Properties.Parameters]).sort()).toEqual([
      ['replica-refresh-read-only-mysql8-0', 'mysql8.0', { read_only: '1' }],
      ['replica-refresh-read-only-postgres16', 'postgres16', { default_transaction_read_only: '1' }],
    ]);
    expect([...stack.stagingSafety.parameterGroups.keys()]).toEqual(['mysql8.0', 'postgres16']);
  });

  it('grants no mutating action on Resource "*" but the runners\' network interfaces, and cdk-nag finds nothing unacknowledged', () => {
    const onStar = iamStatements(template).filter((s) => s.statement.Effect === 'Allow' && s.resources.includes('*'));
    const vpcActions = ['ec2:AssignPrivateIpAddresses', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:UnassignPrivateIpAddresses'];
    expect([...new Set(onStar.flatMap((s) => s.actions))].filter((a) => !/^rds:(Describe|List)/.test(a) && !/^xray:Put(TraceSegments|TelemetryRecords)$/.test(a) && !vpcActions.includes(a))).toEqual([]);
    expect(onStar.filter((s) => s.actions.some((a) => vpcActions.includes(a))).every((s) => s.policy.startsWith('Validation'))).toBe(true);
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('makes nothing of staging safety for a region whose pairs have no staging section', () => {
    const plain = regionStack(configWith(PAIRS.plain), SKIP_BUNDLING);
    const t = Template.fromStack(plain);
    assertResourceCount(t, 'AWS::RDS::DBParameterGroup', 0);
    expect(plain.validations.size).toBe(0);
    expect(iamStatements(t).filter((s) => s.statement.Sid === 'DeleteReplicasWhoseHooksFailed')).toEqual([]);
  });
});
