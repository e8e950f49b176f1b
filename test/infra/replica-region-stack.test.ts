import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseConfig, runtimeConfigSchema, RUNTIME_CONFIG_ENV } from '../../lambdas/shared/config';
import { ReplicaRegionStack } from '../../infra/replica-region-stack';
import {
  ACCOUNT,
  REGION,
  assertHasResource,
  assertResourceCount,
  exampleConfig,
  iamStatements,
  newApp,
  rdsArn,
  render,
  resourcesAllowed,
  statementsOfRole,
} from './helpers';

const MONITORING_ROLE = `arn:aws:iam::${ACCOUNT}:role/rds-monitoring`;

/** The example config plus a second y in the same region (final snapshot, no own time zone, disabled) and one elsewhere. */
function richConfig() {
  const input = exampleConfig();
  input.pairs.push(
    {
      source: { instanceId: 'billing-prod', region: 'eu-west-1' },
      replica: { instanceId: 'billing-staging', region: REGION },
      schedule: { cron: 'cron(30 2 ? * MON-FRI *)', enabled: false },
      finalSnapshot: true,
      monitoringRoleArn: MONITORING_ROLE,
    },
    {
      source: { instanceId: 'reports-prod', region: 'eu-west-1' },
      replica: { instanceId: 'reports-staging', region: 'us-east-1' },
    },
  );
  return parseConfig(input);
}

describe('ReplicaRegionStack', () => {
  let template: Template;

  beforeAll(() => {
    const config = richConfig();
    const stack = new ReplicaRegionStack(newApp(), `ReplicaRefresh-${REGION}`, {
      env: { account: ACCOUNT, region: REGION },
      config,
      pairs: config.pairs.filter((p) => p.replica.region === REGION),
    });
    template = Template.fromStack(stack);
  });

  describe('functions', () => {
    it.each([
      ['start-refresh', 60],
      ['on-rds-event', 60],
      ['watchdog', 120],
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
      assertResourceCount(template, 'AWS::Logs::LogGroup', 3);
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup') as unknown as Record<string, { Properties: { RetentionInDays: number } }>);
      expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual([90, 90, 90]);
    });

    it('passes the runtime configuration of this region only, with the ledger and topic it uses', () => {
      const functions = template.findResources('AWS::Lambda::Function') as unknown as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
      for (const fn of Object.values(functions)) {
        const raw = JSON.parse(render(fn.Properties.Environment.Variables[RUNTIME_CONFIG_ENV])) as Record<string, unknown>;
        expect(raw.ledgerTableName).toMatch(/^\$\{LedgerTable/);
        expect(raw.notificationTopicArn).toMatch(/^\$\{NotificationsTopic/);
        const runtime = runtimeConfigSchema.parse({ ...raw, ledgerTableName: 'ledger', notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:notifications` });
        expect(runtime).toMatchObject({ region: REGION, account: ACCOUNT, timeZone: 'Europe/Berlin', rtoTargetMinutes: 45 });
        expect(runtime.pairs.map((p) => p.replica.instanceId)).toEqual(['orders-staging', 'billing-staging']);
      }
    });

    it.each([
      ['StartRefresh', 0],
      ['OnRdsEvent', 2],
      ['Watchdog', 0],
    ])('retries asynchronous invocations of %s %i times, then sends them to its failure queue', (id, retries) => {
      assertHasResource(template, 'AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(`^${id}Function`) },
        MaximumRetryAttempts: retries,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${id}FailureQueue`), 'Arn'] } } },
      });
    });
  });

  describe('event pipeline', () => {
    it('subscribes to the instance events of every y of the region, sorted, in all relevant categories', () => {
      assertHasResource(template, 'AWS::RDS::EventSubscription', {
        SourceType: 'db-instance',
        SourceIds: ['billing-staging', 'orders-staging'],
        EventCategories: ['availability', 'backup', 'creation', 'deletion', 'failure', 'notification', 'restoration'],
        Enabled: true,
        SnsTopicArn: { Ref: Match.stringLikeRegexp('^EventsTopic') },
      });
    });

    it('lets only events.rds.amazonaws.com of this account publish to the events topic', () => {
      const policies = template.findResources('AWS::SNS::TopicPolicy', {
        Properties: { Topics: [{ Ref: Match.stringLikeRegexp('^EventsTopic') }] },
      }) as unknown as Record<string, { Properties: { PolicyDocument: { Statement: { Effect: string; Principal: unknown; Action: string; Condition: unknown }[] } } }>;
      const allows = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow'));
      expect(allows).toHaveLength(1);
      expect(allows[0]).toMatchObject({ Principal: { Service: 'events.rds.amazonaws.com' }, Action: 'sns:Publish' });
      expect(allows[0]?.Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:es:*`]] } },
      });
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
              Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
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
      const passRole = statementsOfRole(template, role).filter((s) => s.actions.includes('iam:PassRole'));
      expect(passRole).toHaveLength(1);
      // The example pair's role from cdk.json and the second pair's.
      expect(passRole[0]?.resources).toEqual(['arn:aws:iam::111111111111:role/rds-monitoring-role', MONITORING_ROLE].sort());
      expect(passRole[0]?.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'monitoring.rds.amazonaws.com' } });
    });

    it("lets RDS use snapshot keys on the restorers' behalf only through RDS, for AWS resources", () => {
      const createGrant = iamStatements(template).filter((s) => s.actions.includes('kms:CreateGrant'));
      expect(createGrant.map((s) => s.policy.replace(/DefaultPolicy.*/, '')).sort()).toEqual(['OnRdsEventRole', 'WatchdogRole']);
      for (const s of createGrant) {
        expect(s.resources).toEqual([`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`]);
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
            requestId: '<aws.scheduler.execution-id>',
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

    it.each(['StartRefresh', 'OnRdsEvent', 'Watchdog'])('alarms on any error of %s', (id) => {
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
      expect(Object.values(queues).map((q) => q.Properties.SqsManagedSseEnabled)).toEqual([true, true, true, true, true]);
      assertResourceCount(template, 'AWS::SQS::QueuePolicy', 5);
      assertHasResource(template, 'AWS::SQS::QueuePolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });
  });
});
