/**
 * The simulated SQS queue (scripts/sim/sqs.ts) with the vault inbox's queue policy, synthesized from the real construct
 * (infra/features/vault-inbox.ts): production's share roles may send, and no other principal, production's or the
 * vault's own; a refused send is SQS's AccessDenied and leaves nothing in the queue. A queue without a policy (the copy
 * function's delay queue) takes any send, as before.
 */
import { SQSServiceException } from '@aws-sdk/client-sqs';
import { VaultInbox, queueClient } from '../../../lambdas/aws/queue';
import { shareRoleArn, vaultInboxArn, vaultInboxUrl } from '../../../lambdas/vault/names';
import { VirtualClock } from '../../../scripts/sim/clock';
import { SimLambda } from '../../../scripts/sim/lambda';
import { answerFromSimulator, retryWithoutDelay } from '../../../scripts/sim/middleware';
import { Random } from '../../../scripts/sim/random';
import { SimQueue } from '../../../scripts/sim/sqs';
import type { PolicyDocument, VaultInboxDefinition } from '../../../scripts/sim/synth';
import { vaultInboxDefinition } from '../../../scripts/sim/synth';

const PRODUCTION = '111111111111';
const VAULT = { account: '222222222222', region: 'eu-west-2' };
const REPLICA_REGIONS = ['eu-central-1', 'us-west-2'];
const manifest = { snapshotArn: `arn:aws:rds:eu-central-1:${PRODUCTION}:snapshot:orders-prod-2026-11-21-00-10` };

let inbox: VaultInboxDefinition;
beforeAll(async () => {
  inbox = await vaultInboxDefinition({ productionAccount: PRODUCTION, vaultAccount: VAULT.account, vaultRegion: VAULT.region, replicaRegions: REPLICA_REGIONS });
}, 60_000);

/** A queue at the inbox's address, with its policy or none, feeding a function that records what it received. */
function queue(policy: PolicyDocument | undefined) {
  const clock = new VirtualClock(new Date('2026-11-21T12:00:00Z'));
  const random = new Random(7);
  const received: string[] = [];
  const q = new SimQueue(vaultInboxUrl(VAULT), vaultInboxArn(VAULT), clock, random, { visibilityTimeoutSeconds: 360, maxReceiveCount: 3 }, () => undefined);
  q.policy = policy;
  q.subscribe(
    new SimLambda(
      'vault-copy',
      clock,
      random,
      (event) => {
        for (const r of (event as { Records: { body: string }[] }).Records) received.push(r.body);
        return Promise.resolve({ batchItemFailures: [] });
      },
      2,
      () => undefined,
    ),
  );
  return { q, clock, received };
}

/** The error a send of `principal` meets, or undefined when it went through. */
async function sendError(q: SimQueue, principal: string): Promise<unknown> {
  try {
    await q.sendAs(principal, 'SendMessageCommand', { QueueUrl: q.url, MessageBody: JSON.stringify(manifest) });
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('the vault inbox as synthesized', () => {
  it('is the queue production sends to, with a queue policy', () => {
    expect(inbox.queueUrl).toBe(vaultInboxUrl(VAULT));
    expect(inbox.queueArn).toBe(vaultInboxArn(VAULT));
    expect(inbox.policy?.Statement.length).toBeGreaterThan(0);
  });
});

describe('a queue with the inbox policy', () => {
  it("takes a manifest from production's share role of each replica region, and delivers it", async () => {
    const { q, clock, received } = queue(inbox.policy);
    for (const region of REPLICA_REGIONS) expect(await sendError(q, shareRoleArn(PRODUCTION, region))).toBeUndefined();
    await clock.run(clock.millis + 60_000);
    expect(received).toEqual([JSON.stringify(manifest), JSON.stringify(manifest)]);
    expect(q.sent.map((m) => m.outcome)).toEqual(['deleted', 'deleted']);
    expect(q.denied).toEqual([]);
  });

  it.each([
    ['another role of production', `arn:aws:iam::${PRODUCTION}:role/replica-refresh-start-refresh`],
    ['the share role of a replica region production does not share from', shareRoleArn(PRODUCTION, 'ap-southeast-2')],
    ["a role of the vault's own account", `arn:aws:iam::${VAULT.account}:role/vault-admin`],
    ['a role of a third account named like a share role', shareRoleArn('333333333333', 'eu-central-1')],
  ])('refuses a send from %s with AccessDenied, keeping and delivering nothing', async (_who, principal) => {
    const { q, clock, received } = queue(inbox.policy);
    const err = await sendError(q, principal);
    expect(err).toBeInstanceOf(SQSServiceException);
    expect(err).toMatchObject({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    await clock.run(clock.millis + 60_000);
    expect(q.sent).toEqual([]);
    expect(received).toEqual([]);
    expect(q.denied.map((d) => [d.principal, d.decision.allowed])).toEqual([[principal, false]]);
  });

  it("refuses the product's own adapter when it runs as a role the policy does not admit", async () => {
    const { q } = queue(inbox.policy);
    const as = (principal: string) => {
      const sqs = retryWithoutDelay(queueClient(VAULT.region, { credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' } }));
      answerFromSimulator(sqs, (command, input) => q.sendAs(principal, command, input));
      return new VaultInbox(sqs, vaultInboxUrl(VAULT));
    };
    await expect(as(`arn:aws:iam::${PRODUCTION}:role/someone-else`).send(manifest)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(as(shareRoleArn(PRODUCTION, 'eu-central-1')).send(manifest)).resolves.toBeUndefined();
    expect(q.sent.map((m) => m.body)).toEqual([JSON.stringify(manifest)]);
  });
});

describe('a queue without a policy', () => {
  it('takes a send from any role of its account, as the copy function sends to its delay queue', async () => {
    const { q } = queue(undefined);
    expect(await sendError(q, `arn:aws:iam::${VAULT.account}:role/anyone`)).toBeUndefined();
    expect(q.sent).toHaveLength(1);
  });
});
