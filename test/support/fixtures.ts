/**
 * Realistic AWS shapes for tests: DescribeDBInstances and DescribeDBSnapshots items, RDS
 * notifications as SNS delivers them, EventBridge events, and a parsed runtime config.
 */
import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import type { SNSEvent } from 'aws-lambda';
import type { RuntimeConfig } from '../../lambdas/kernel/config';
import { pairSchema, runtimeConfigSchema } from '../../lambdas/kernel/config';

export const ACCOUNT = '111111111111';
export const REPLICA_REGION = 'eu-central-1';
export const SOURCE_REGION = 'eu-west-1';
export const X = 'orders-prod';
export const Y = 'orders-staging';
export const X_RESOURCE_ID = 'db-XPRODRESOURCEID00000000001';

/** A parsed pair with defaults, overridable. */
export function pair(overrides: Record<string, unknown> = {}) {
  return pairSchema.parse({
    source: { instanceId: X, region: SOURCE_REGION },
    replica: { instanceId: Y, region: REPLICA_REGION },
    credentials: { mode: 'source' },
    ...overrides,
  });
}

/** A parsed runtime config for the replica region. */
export function runtimeConfig(pairOverrides: Record<string, unknown> = {}, extra: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return runtimeConfigSchema.parse({
    region: REPLICA_REGION,
    account: ACCOUNT,
    timeZone: 'Europe/Berlin',
    rtoTargetMinutes: 45,
    ledgerTableName: 'ledger',
    notificationTopicArn: `arn:aws:sns:${REPLICA_REGION}:${ACCOUNT}:notifications`,
    pairs: [pair(pairOverrides)],
    ...extra,
  });
}

/** y as DescribeDBInstances returns it: a fully configured, non-default instance. */
export function yInstance(overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: Y,
    DBInstanceArn: `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:db:${Y}`,
    DBInstanceStatus: 'available',
    Engine: 'postgres',
    EngineVersion: '16.4',
    DbiResourceId: 'db-YSTAGINGRESOURCEID000000001',
    InstanceCreateTime: new Date('2026-11-20T02:30:00Z'),
    DBInstanceClass: 'db.r6g.large',
    DBSubnetGroup: { DBSubnetGroupName: 'staging-private', VpcId: 'vpc-0abc' },
    VpcSecurityGroups: [
      { VpcSecurityGroupId: 'sg-0aaa1111', Status: 'active' },
      { VpcSecurityGroupId: 'sg-0bbb2222', Status: 'active' },
    ],
    DBParameterGroups: [{ DBParameterGroupName: 'staging-pg16', ParameterApplyStatus: 'in-sync' }],
    OptionGroupMemberships: [{ OptionGroupName: 'default:postgres-16', Status: 'in-sync' }],
    MultiAZ: false,
    AvailabilityZone: 'eu-central-1b',
    PubliclyAccessible: false,
    StorageType: 'gp3',
    AllocatedStorage: 400,
    MaxAllocatedStorage: 1000,
    Iops: 12000,
    StorageThroughput: 500,
    Endpoint: { Address: `${Y}.abc.${REPLICA_REGION}.rds.amazonaws.com`, Port: 6543 },
    IAMDatabaseAuthenticationEnabled: true,
    EnabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
    CACertificateIdentifier: 'rds-ca-rsa4096-g1',
    AutoMinorVersionUpgrade: false,
    CopyTagsToSnapshot: true,
    DeletionProtection: false,
    NetworkType: 'IPV4',
    BackupRetentionPeriod: 3,
    PreferredBackupWindow: '01:00-01:30',
    PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
    MonitoringInterval: 30,
    MonitoringRoleArn: `arn:aws:iam::${ACCOUNT}:role/rds-monitoring`,
    PerformanceInsightsEnabled: true,
    PerformanceInsightsKMSKeyId: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/pi-key`,
    PerformanceInsightsRetentionPeriod: 7,
    StorageEncrypted: true,
    KmsKeyId: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/replica-key`,
    TagList: [
      { Key: 'replica-refresh:managed', Value: 'true' },
      { Key: 'team', Value: 'orders' },
      { Key: 'cost-center', Value: 'cc-42' },
      { Key: 'replica-refresh:source-snapshot', Value: 'orders-prod-copy-2026-11-20' },
      { Key: 'replica-refresh:source-snapshot-time', Value: '2026-11-20T01:10:00.000Z' },
    ],
    ...overrides,
  };
}

/** A snapshot of x copied into the replica region. */
export function xSnapshot(id: string, dataTime: string, overrides: Partial<DBSnapshot> = {}): DBSnapshot {
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:snapshot:${id}`,
    DBInstanceIdentifier: X,
    DbiResourceId: X_RESOURCE_ID,
    SnapshotType: 'manual',
    Status: 'available',
    Engine: 'postgres',
    OriginalSnapshotCreateTime: new Date(dataTime),
    SnapshotCreateTime: new Date(Date.parse(dataTime) + 40 * 60_000),
    SourceRegion: SOURCE_REGION,
    Encrypted: true,
    KmsKeyId: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/replica-key`,
    PercentProgress: 100,
    ...overrides,
  };
}

/** The body RDS puts in an SNS notification today. */
export function rdsMessage(eventId: string, sourceId: string, time: Date, message = 'event', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'Event Source': 'db-instance',
    'Event Time': time.toISOString().replace('T', ' ').replace('Z', ''),
    'Identifier Link': `https://console.aws.amazon.com/rds/home?region=${REPLICA_REGION}#dbinstance:id=${sourceId}`,
    'Source ID': sourceId,
    'Source ARN': `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:db:${sourceId}`,
    'Event ID': `http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#${eventId}`,
    'Event Message': message,
    ...extra,
  };
}

/** An SNS → Lambda invocation carrying messages. */
export function snsEvent(...messages: (Record<string, unknown> | string)[]): SNSEvent {
  return {
    Records: messages.map((m, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `arn:aws:sns:${REPLICA_REGION}:${ACCOUNT}:rds-events:sub`,
      Sns: {
        Type: 'Notification',
        MessageId: `msg-${i}`,
        TopicArn: `arn:aws:sns:${REPLICA_REGION}:${ACCOUNT}:rds-events`,
        Subject: 'RDS Notification Message',
        Message: typeof m === 'string' ? m : JSON.stringify(m),
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
        Signature: 'sig',
        SigningCertUrl: 'https://sns.example/cert.pem',
        UnsubscribeUrl: 'https://sns.example/unsub',
        MessageAttributes: {},
      },
    })),
  };
}

/** An EventBridge RDS instance event. */
export function eventBridgeEvent(eventId: string | undefined, sourceId: string, time: Date, extraDetail: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': 'RDS DB Instance Event',
    source: 'aws.rds',
    account: ACCOUNT,
    time: time.toISOString(),
    region: REPLICA_REGION,
    resources: [`arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:db:${sourceId}`],
    detail: {
      EventCategories: ['deletion'],
      SourceType: 'DB_INSTANCE',
      SourceArn: `arn:aws:rds:${REPLICA_REGION}:${ACCOUNT}:db:${sourceId}`,
      Date: time.toISOString(),
      Message: 'DB instance deleted',
      SourceIdentifier: sourceId,
      ...(eventId ? { EventID: eventId } : {}),
      ...extraDetail,
    },
  };
}
