import { CopyDBSnapshotCommand, DBSnapshotNotFoundFault, DescribeDBSnapshotsCommand, KMSKeyNotAccessibleFault, RDSClient, SnapshotQuotaExceededFault } from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from '../../../lambdas/aws/notify';
import { RdsAdapter } from '../../../lambdas/aws/rds';
import { MANUAL_SNAPSHOTS_METRIC, copyOneSnapshot } from '../../../lambdas/copy/copy-snapshot';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { pair, xSnapshot } from '../../support/fixtures';
import { publishedKinds, snsMock } from '../../support/harness';

const rdsMock = mockClient(RDSClient);
const meta = { $metadata: {} };
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/replica-key';
const SOURCE_ID = 'rds:orders-prod-2026-11-21-00-10';
const SOURCE_ARN = `arn:aws:rds:eu-west-1:111111111111:snapshot:${SOURCE_ID}`;
const source = xSnapshot(SOURCE_ID, '2026-11-21T00:10:00Z', { SnapshotType: 'automated', DBSnapshotArn: SOURCE_ARN, SourceRegion: undefined });

function deps() {
  return {
    sourceRds: new RdsAdapter(new RDSClient({ region: 'eu-west-1' })),
    replicaRds: new RdsAdapter(new RDSClient({ region: 'eu-central-1' })),
    notifier: new SnsNotifier(new SNSClient({ region: 'eu-central-1' }), 'arn:aws:sns:eu-central-1:111111111111:n'),
    telemetry: new SimTelemetry(),
  };
}

const withKey = pair({ copy: { replicaKmsKeyArn: KEY } });

beforeEach(() => {
  rdsMock.reset();
  snsMock.reset();
  rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SOURCE_ID }).resolves({ DBSnapshots: [source] });
  rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'orders-prod-2026-11-21-00-10' }).rejects(new DBSnapshotNotFoundFault({ message: 'not found', ...meta }));
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [] });
  rdsMock.on(CopyDBSnapshotCommand).resolves({});
});

describe('copyOneSnapshot', () => {
  it('copies x\'s new snapshot into y\'s region with the replica key', async () => {
    expect(await copyOneSnapshot(deps(), withKey, SOURCE_ID)).toEqual({ action: 'copied', targetId: 'orders-prod-2026-11-21-00-10' });
    expect(rdsMock).toHaveReceivedCommandWith(CopyDBSnapshotCommand, { SourceDBSnapshotIdentifier: SOURCE_ARN, TargetDBSnapshotIdentifier: 'orders-prod-2026-11-21-00-10', KmsKeyId: KEY, CopyTags: true });
  });

  it('waits when the in-flight limit is reached, without calling CopyDBSnapshot', async () => {
    const inFlight = Array.from({ length: 20 }, (_, i) => xSnapshot(`c${i}`, '2026-11-20T00:10:00Z', { Status: 'copying' }));
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: inFlight });
    expect(await copyOneSnapshot(deps(), withKey, SOURCE_ID)).toMatchObject({ action: 'defer', delaySeconds: 300 });
    expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
  });

  it('waits when RDS says the quota filled meanwhile', async () => {
    rdsMock.on(CopyDBSnapshotCommand).rejects(new SnapshotQuotaExceededFault({ message: 'Cannot copy more than 5 snapshots across regions', ...meta }));
    expect(await copyOneSnapshot(deps(), withKey, SOURCE_ID)).toMatchObject({ action: 'defer' });
  });

  it('refuses, naming key and region, and alerts when an encrypted source has no replica key', async () => {
    const outcome = await copyOneSnapshot(deps(), pair(), SOURCE_ID);
    expect(outcome).toMatchObject({ action: 'error', reason: expect.stringContaining('needs a KMS key there') as unknown });
    expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
    expect(publishedKinds()).toEqual(['snapshots.copy-refused']);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('alerts, naming the key, instead of failing the invocation when RDS may not use the copy key', async () => {
    rdsMock.on(CopyDBSnapshotCommand).rejects(new KMSKeyNotAccessibleFault({ message: 'The target KMS key does not exist, is not enabled or you do not have permissions to access it.', ...meta }));
    const outcome = await copyOneSnapshot(deps(), withKey, SOURCE_ID);
    expect(outcome).toMatchObject({ action: 'error', reason: expect.stringContaining('KMSKeyNotAccessibleFault') as unknown });
    expect(publishedKinds()).toEqual(['snapshots.copy-refused']);
  });

  it('ignores snapshots of other instances', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: SOURCE_ID }).resolves({ DBSnapshots: [{ ...source, DBInstanceIdentifier: 'billing-prod' }] });
    expect(await copyOneSnapshot(deps(), withKey, SOURCE_ID)).toMatchObject({ action: 'ignored' });
    expect(rdsMock).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
  });

  it('reports the region\'s manual snapshots as a gauge for the quota alarm, without an alert per copy, and still copies', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: Array.from({ length: 92 }, (_, i) => xSnapshot(`m${i}`, '2026-11-01T00:00:00Z', { SourceRegion: undefined })) });
    const d = deps();
    expect(await copyOneSnapshot(d, withKey, SOURCE_ID)).toMatchObject({ action: 'copied' });
    expect(d.telemetry.metrics.filter((m) => m.name === MANUAL_SNAPSHOTS_METRIC)).toEqual([expect.objectContaining({ name: MANUAL_SNAPSHOTS_METRIC, value: 92, dimensions: { replica: 'orders-staging' } })]);
    expect(publishedKinds()).toEqual([]);
  });
});
