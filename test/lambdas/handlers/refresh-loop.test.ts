/**
 * The loop through the real handler modules, configured from the environment as in Lambda:
 * mocked RDS and SNS (aws-sdk-client-mock), the ledger in dynalite reached through the SDK's
 * standard endpoint variable.
 */
import { DeleteDBInstanceCommand, ModifyDBInstanceCommand, RestoreDBInstanceFromDBSnapshotCommand } from '@aws-sdk/client-rds';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoLedger } from '../../../lambdas/aws/ledger';
import { RUNTIME_CONFIG_ENV } from '../../../lambdas/kernel/config';
import type { LocalDynamo } from '../../support/dynalite';
import { startDynalite } from '../../support/dynalite';
import { FakeRds } from '../../support/fake-rds';
import { Y, rdsMessage, runtimeConfig, snsEvent, xSnapshot, yInstance } from '../../support/fixtures';
import { published, publishedKinds, snsMock } from '../../support/harness';

type Handler = (event: unknown) => Promise<unknown>;

const TABLE = 'replica-refresh-ledger';
const fresh = xSnapshot('orders-prod-2026-11-21', '2026-11-21T01:10:00Z');
const rds = new FakeRds();
let dynamo: LocalDynamo;
let ledger: DynamoLedger;
let startRefresh: Handler;
let onRdsEvent: Handler;
let watchdog: Handler;

/** Only Date is faked: the SDK, dynalite and jest keep their real timers. */
function setTime(iso: string): void {
  jest.setSystemTime(new Date(iso));
}

beforeAll(async () => {
  dynamo = await startDynalite();
  process.env[RUNTIME_CONFIG_ENV] = JSON.stringify(runtimeConfig({ monitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring' }, { ledgerTableName: TABLE }));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  ({ handler: startRefresh } = (await import('../../../lambdas/handlers/start-refresh')) as { handler: Handler });
  ({ handler: onRdsEvent } = (await import('../../../lambdas/handlers/on-rds-event')));
  ({ handler: watchdog } = (await import('../../../lambdas/handlers/watchdog')));
  ledger = new DynamoLedger(new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'eu-central-1' }), TABLE);
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
  await dynamo.stop();
});

beforeEach(async () => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
  setTime('2026-11-21T02:00:00.000Z');
  rds.reset(yInstance(), [fresh]);
  rds.now = () => new Date();
  snsMock.reset();
  await dynamo.createLedgerTable(TABLE);
});

afterEach(async () => {
  jest.useRealTimers();
  await dynamo.dropTable(TABLE);
});

const deletionEvent = () => snsEvent(rdsMessage('RDS-EVENT-0003', Y, new Date(), 'DB instance deleted'));
const restoredEvent = () => snsEvent(rdsMessage('RDS-EVENT-0043', Y, new Date(), `Restored from snapshot ${fresh.DBSnapshotIdentifier}`));

describe('the nightly loop, handler by handler', () => {
  it('start → deletion event → one restore with y\'s settings → restored event → run closed with its durations', async () => {
    expect(await startRefresh({ replica: Y, trigger: 'schedule', requestId: 'exec-1', scheduledTime: '2026-11-21T02:00:00Z' })).toMatchObject({ outcome: 'started' });
    expect(rds.mock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: Y, DeleteAutomatedBackups: true, SkipFinalSnapshot: true });

    setTime('2026-11-21T02:07:30.000Z');
    rds.finishDeletion();
    await onRdsEvent(deletionEvent());
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, {
      DBInstanceIdentifier: Y,
      DBSnapshotIdentifier: fresh.DBSnapshotIdentifier,
      DBInstanceClass: 'db.r6g.large',
      DBSubnetGroupName: 'staging-private',
      VpcSecurityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
      DBParameterGroupName: 'staging-pg16',
      OptionGroupName: 'default:postgres-16',
      MultiAZ: false,
      PubliclyAccessible: false,
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 12000,
      StorageThroughput: 500,
      Port: 6543,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      CACertificateIdentifier: 'rds-ca-rsa4096-g1',
      AutoMinorVersionUpgrade: false,
      CopyTagsToSnapshot: true,
      DeletionProtection: false,
      BackupRetentionPeriod: 3,
      PreferredBackupWindow: '01:00-01:30',
    });

    setTime('2026-11-21T02:36:00.000Z');
    rds.finishRestore('backing-up');
    await onRdsEvent(restoredEvent());
    // One ModifyDBInstance per settings group, each applied immediately.
    expect(rds.mock.commandCalls(ModifyDBInstanceCommand).map((c) => c.args[0].input)).toEqual([
      { DBInstanceIdentifier: Y, ApplyImmediately: true, PreferredMaintenanceWindow: 'sun:04:00-sun:04:30' },
      { DBInstanceIdentifier: Y, ApplyImmediately: true, MonitoringInterval: 30, MonitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring' },
      {
        DBInstanceIdentifier: Y,
        ApplyImmediately: true,
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/pi-key',
        PerformanceInsightsRetentionPeriod: 7,
      },
      { DBInstanceIdentifier: Y, ApplyImmediately: true, MaxAllocatedStorage: 1000 },
    ]);

    const [run] = await ledger.listRuns(Y);
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'schedule',
      // The schedule and its scheduled time, not the execution id (which changes on every retry attempt).
      requestId: 'orders-staging@2026-11-21T02:00:00Z',
      deleteRequestedAt: '2026-11-21T02:00:00.000Z',
      deletedAt: '2026-11-21T02:07:30.000Z',
      restoreRequestedAt: '2026-11-21T02:07:30.000Z',
      usableAt: '2026-11-21T02:36:00.000Z',
      modifiedAt: '2026-11-21T02:36:00.000Z',
      closedAt: '2026-11-21T02:36:00.000Z',
      snapshot: { id: fresh.DBSnapshotIdentifier, dataTime: '2026-11-21T01:10:00.000Z' },
      drift: [],
    });
    expect(await ledger.getActiveRun(Y)).toBeUndefined();
    const [note] = published();
    expect(note).toMatchObject({ kind: 'refresh.succeeded', severity: 'info' });
    expect(note?.json).toMatchObject({ downtimeSeconds: 2160, restoreSeconds: 1710, dataAgeSeconds: 5160, deleteSeconds: 450 });
    expect(note?.text).toContain('Downtime: 2026-11-21 03:00:00 GMT+1 → 2026-11-21 03:36:00 GMT+1 (36 min 00 s)');
  });

  it('restores once when the deletion event is delivered three times', async () => {
    await startRefresh({ replica: Y, trigger: 'schedule' });
    rds.finishDeletion();
    await Promise.all([onRdsEvent(deletionEvent()), onRdsEvent(deletionEvent()), onRdsEvent(deletionEvent())]);
    await onRdsEvent(deletionEvent());
    expect(rds.mock).toHaveReceivedCommandTimes(RestoreDBInstanceFromDBSnapshotCommand, 1);
    expect(await ledger.getActiveRun(Y)).toMatchObject({ phase: 'restoring', restoreAttempts: 1 });
  });

  it('the watchdog restores y when the deletion event never arrives', async () => {
    await startRefresh({ replica: Y, trigger: 'schedule' });
    rds.finishDeletion();
    setTime('2026-11-21T02:10:00.000Z');
    expect(await watchdog({ trigger: 'watchdog' })).toEqual([expect.objectContaining({ action: 'waiting:deletion-event' })]);
    setTime('2026-11-21T02:16:00.000Z');
    expect(await watchdog({ trigger: 'watchdog' })).toEqual([expect.objectContaining({ action: 'restore:requested' })]);
    expect(rds.mock).toHaveReceivedCommandWith(RestoreDBInstanceFromDBSnapshotCommand, { DBInstanceIdentifier: Y, DBInstanceClass: 'db.r6g.large', Port: 6543 });
    setTime('2026-11-21T02:40:00.000Z');
    rds.finishRestore('available');
    await onRdsEvent(restoredEvent());
    expect((await ledger.listRuns(Y))[0]).toMatchObject({ status: 'succeeded', deletedSource: 'poll', usableSource: 'event' });
  });

  describe('each preflight refusal deletes nothing and alerts', () => {
    it.each([
      ['y missing', undefined, [fresh]],
      ['y not tagged', yInstance({ TagList: [] }), [fresh]],
      ['y protected', yInstance({ DeletionProtection: true }), [fresh]],
      ['y busy', yInstance({ DBInstanceStatus: 'upgrading' }), [fresh]],
      ['no snapshot', yInstance(), []],
      ['only an old snapshot', yInstance(), [xSnapshot('old', '2026-11-18T01:00:00Z')]],
      ['no newer snapshot', yInstance({ TagList: [...(yInstance().TagList ?? []).filter((t) => t.Key !== 'replica-refresh:source-snapshot-time'), { Key: 'replica-refresh:source-snapshot-time', Value: '2026-11-21T01:10:00.000Z' }] }), [fresh]],
    ])('%s', async (_name, instance, snapshots) => {
      rds.reset(instance, snapshots);
      expect(await startRefresh({ replica: Y, trigger: 'schedule' })).toMatchObject({ outcome: 'refused' });
      expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
      expect(rds.mock).toHaveReceivedCommandTimes(ModifyDBInstanceCommand, 0);
      expect(publishedKinds()).toEqual(['refresh.refused']);
      expect((await ledger.listRuns(Y)).map((r) => r.status)).toEqual(['refused']);
    });
  });

  it('rejects a malformed start request without touching anything', async () => {
    expect(await startRefresh({ replica: 42 })).toMatchObject({ outcome: 'rejected', reason: expect.stringContaining('replica') as unknown });
    expect(await startRefresh({ replica: Y, trigger: 'sometimes' })).toMatchObject({ outcome: 'rejected' });
    expect(rds.mock.calls()).toHaveLength(0);
    expect(await ledger.listRuns(Y)).toEqual([]);
  });

  it('ignores malformed events without throwing or calling RDS', async () => {
    await expect(onRdsEvent({ Records: [{ Sns: { Message: 'not json' } }] })).resolves.toEqual([expect.objectContaining({ action: 'ignored:not-json' })]);
    await expect(onRdsEvent(null)).resolves.toEqual([expect.objectContaining({ action: 'ignored:malformed' })]);
    expect(rds.mock.calls()).toHaveLength(0);
  });
});
