/**
 * The copy function's wiring: RDS clients are kept per place (account and region), so that x's place and each
 * replica's get their own client, the same place is one client, and a place in another account is refused by
 * Lambda's default clients (the function has only its own role).
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { COPY_CONFIG_ENV } from '../../../lambdas/kernel/config';
import { awsCopyClients, copyRuntime } from '../../../lambdas/copy/runtime';
import type { Place } from '../../../lambdas/kernel/place';
import { placeKey } from '../../../lambdas/kernel/place';
import { runtimeConfig } from '../../support/fixtures';

const ACCOUNT = '111111111111';
const config = {
  region: 'eu-west-1',
  account: ACCOUNT,
  deferQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/q`,
  notificationTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:n`,
  pairs: runtimeConfig().pairs,
};
const source = { dir: '/nonexistent', env: { [COPY_CONFIG_ENV]: JSON.stringify(config) } };

describe('copy runtime', () => {
  it('builds one RDS client per place, on first use: x\'s place, then each replica place once', () => {
    const built: Place[] = [];
    const rt = copyRuntime(source, {
      clients: () => ({
        rds: (place) => {
          built.push(place);
          return new RDSClient({ region: place.region });
        },
        sqs: new SQSClient({ region: 'eu-west-1' }),
        sns: new SNSClient({ region: 'eu-west-1' }),
      }),
    });
    expect(built).toEqual([{ account: ACCOUNT, region: 'eu-west-1' }]);
    const a = rt.deps.replicaRdsFor({ account: ACCOUNT, region: 'eu-central-1' });
    const b = rt.deps.replicaRdsFor({ account: ACCOUNT, region: 'eu-central-1' });
    const c = rt.deps.replicaRdsFor({ account: ACCOUNT, region: 'us-east-1' });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    // x's place is a place like any other: asking for it gives x's adapter back.
    expect(rt.deps.replicaRdsFor({ account: ACCOUNT, region: 'eu-west-1' })).toBe(rt.deps.sourceRds);
    expect(built.map(placeKey)).toEqual([`${ACCOUNT}/eu-west-1`, `${ACCOUNT}/eu-central-1`, `${ACCOUNT}/us-east-1`]);
    expect(rt.deps.account).toBe(ACCOUNT);
  });

  it("Lambda's default clients refuse a place in another account, naming both accounts", async () => {
    const clients = awsCopyClients({ ...config, pairs: config.pairs });
    expect(await clients.rds({ account: ACCOUNT, region: 'eu-central-1' }).config.region()).toBe('eu-central-1');
    expect(() => clients.rds({ account: '222222222222', region: 'eu-central-1' })).toThrow(
      /RDS in account 222222222222 \(eu-central-1\): this function runs in account 111111111111 and has no credentials for another account/,
    );
  });
});
