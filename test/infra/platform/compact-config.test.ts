import { compactPair } from '../../../infra/platform/compact-config';
import { pairSchema } from '../../../lambdas/kernel/config';
import { ACCOUNT, exampleConfig } from '../helpers';

describe('compactPair', () => {
  const example = pairSchema.parse(exampleConfig().pairs[0]);
  const custom = pairSchema.parse({
    source: { instanceId: 'billing-prod', region: 'eu-west-1' },
    replica: { instanceId: 'billing-staging', region: 'eu-central-1' },
    credentials: { mode: 'secret', secretArn: `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:billing-staging-master-AbCdEf` },
    ownershipTag: { key: 'replica-refresh:managed', value: 'billing' },
    copy: { deferSeconds: 600, extraSnapshots: { cron: 'cron(0 */6 * * ? *)' }, retention: { keepDays: 14 }, replicaKmsKeyArn: `arn:aws:kms:eu-central-1:${ACCOUNT}:key/x` },
    overrides: { tags: { team: 'dba' } },
  });

  it.each([
    ['the example pair', example],
    ['a pair with nested settings', custom],
  ])('parses back to exactly %s', (_name, pair) => {
    expect(pairSchema.parse(compactPair(pair))).toEqual(pair);
  });

  it('keeps only what differs from the defaults, down to the nested key', () => {
    expect(compactPair(custom)).toEqual({
      source: { instanceId: 'billing-prod', region: 'eu-west-1' },
      replica: { instanceId: 'billing-staging', region: 'eu-central-1' },
      // Required, so kept; its passwordKey is the default and goes.
      credentials: { mode: 'secret', secretArn: `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:billing-staging-master-AbCdEf` },
      ownershipTag: { key: 'replica-refresh:managed', value: 'billing' },
      copy: { deferSeconds: 600, extraSnapshots: { cron: 'cron(0 */6 * * ? *)' }, retention: { keepDays: 14 }, replicaKmsKeyArn: `arn:aws:kms:eu-central-1:${ACCOUNT}:key/x` },
      overrides: { tags: { team: 'dba' } },
    });
  });

  it('makes the example pair at least three times smaller', () => {
    expect(JSON.stringify(compactPair(example)).length * 3).toBeLessThan(JSON.stringify(example).length);
  });
});
