import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier, toSubject } from '../../../lambdas/aws/notify';

const snsMock = mockClient(SNSClient);
beforeEach(() => snsMock.reset());

describe('SnsNotifier', () => {
  it('publishes text for people and JSON and filterable attributes for machines', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm1' });
    await new SnsNotifier(new SNSClient({ region: 'eu-central-1' }), 'arn:aws:sns:eu-central-1:111111111111:n').publish({
      severity: 'alert',
      kind: 'refresh.refused',
      replicaId: 'orders-staging',
      runId: 'r1',
      subject: '[replica-refresh] orders-staging: refresh refused',
      text: 'Why: no snapshot',
      data: { reason: 'no snapshot' },
    });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-central-1:111111111111:n',
      Subject: '[replica-refresh] orders-staging: refresh refused',
      Message: 'Why: no snapshot',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'alert' },
        kind: { DataType: 'String', StringValue: 'refresh.refused' },
        replica: { DataType: 'String', StringValue: 'orders-staging' },
        runId: { DataType: 'String', StringValue: 'r1' },
        json: { DataType: 'String', StringValue: JSON.stringify({ kind: 'refresh.refused', severity: 'alert', replica: 'orders-staging', runId: 'r1', reason: 'no snapshot' }) },
      },
    });
  });
});

describe('toSubject', () => {
  it('keeps subjects within SNS limits', () => {
    expect(toSubject('a → b')).toBe('a - b');
    expect(toSubject('x'.repeat(150))).toHaveLength(100);
  });
});
