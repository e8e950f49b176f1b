/**
 * The simulated SQS queue (scripts/sim/sqs.ts) with the vault inbox's queue policy, synthesized from the real construct
 * (infra/features/vault-inbox.ts): production's share roles may send, and no other principal, production's or the
 * vault's own; a refused send is SQS's AccessDenied and leaves nothing in the queue. The inbox is encrypted with the
 * vault's key: its key policy, synthesized with it, must admit the share roles' use of the key through SQS, or the send
 * is SQS's KmsAccessDenied. A queue without a policy (the copy function's delay queue) takes any send, as before.
 */
import { KmsAccessDenied, SQSServiceException } from '@aws-sdk/client-sqs';
import { VaultInbox, queueClient } from '../../../lambdas/aws/queue';
import { shareRoleArn, vaultInboxArn, vaultInboxUrl } from '../../../lambdas/vault/names';
import { VirtualClock } from '../../../scripts/sim/clock';
import { SimLambda } from '../../../scripts/sim/lambda';
import { answerFromSimulator, retryWithoutDelay } from '../../../scripts/sim/middleware';
import { Random } from '../../../scripts/sim/random';
import { evaluateRoleRequest } from '../../../scripts/sim/iam';
import type { QueueKey } from '../../../scripts/sim/sqs';
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

/** The vault key's ARN in these tests (its ID is made at deployment). */
const VAULT_KEY_ARN = `arn:aws:kms:${VAULT.region}:${VAULT.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** The statement the inbox adds to the vault key's policy (infra/features/vault-inbox.ts). */
const INBOX_KEY_SID = 'AllowProductionShareRolesToSendToTheInbox';

/** The inbox's key as synthesized, or with its policy changed by `edit`. */
function inboxKey(edit: (statements: PolicyDocument['Statement']) => PolicyDocument['Statement'] = (s) => s): QueueKey {
  const policy = inbox.key!.policy;
  return { arn: VAULT_KEY_ARN, policy: { ...policy, Statement: edit(policy.Statement) } };
}

/** A queue at the inbox's address, with its policy or none (and its key or none), feeding a function that records what it received. */
function queue(policy: PolicyDocument | undefined, key?: QueueKey) {
  const clock = new VirtualClock(new Date('2026-11-21T12:00:00Z'));
  const random = new Random(7);
  const received: string[] = [];
  const q = new SimQueue(vaultInboxUrl(VAULT), vaultInboxArn(VAULT), clock, random, { visibilityTimeoutSeconds: 360, maxReceiveCount: 3 }, () => undefined);
  q.policy = policy;
  q.key = key;
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

  it("is encrypted with the vault's key, whose policy admits the share roles for the inbox through SQS only", async () => {
    expect(inbox.key?.policy.Statement.some((s) => (s as { Sid?: string }).Sid === INBOX_KEY_SID)).toBe(true);
    const use = (roleArn: string, action: string, viaService: string) =>
      evaluateRoleRequest(inbox.key!.policy, { roleArn, action, resourceArn: VAULT_KEY_ARN, resourceAccount: VAULT.account, context: { 'kms:ViaService': viaService, 'kms:CallerAccount': roleArn.split(':')[4]!, 'aws:SecureTransport': 'true' } });
    const share = shareRoleArn(PRODUCTION, 'eu-central-1');
    const sqsThere = `sqs.${VAULT.region}.amazonaws.com`;
    expect((await use(share, 'kms:GenerateDataKey', sqsThere)).allowed).toBe(true);
    expect((await use(share, 'kms:Decrypt', sqsThere)).allowed).toBe(true);
    // Not through another service (a vault copy is decrypted through RDS), not through SQS of another region, not for other uses.
    expect((await use(share, 'kms:Decrypt', `rds.${VAULT.region}.amazonaws.com`)).allowed).toBe(false);
    expect((await use(share, 'kms:Decrypt', 'sqs.eu-central-1.amazonaws.com')).allowed).toBe(false);
    expect((await use(share, 'kms:Encrypt', sqsThere)).allowed).toBe(false);
    expect((await use(share, 'kms:CreateGrant', sqsThere)).allowed).toBe(false);
    // Not for another role of production, nor a third account's role named like a share role.
    expect((await use(`arn:aws:iam::${PRODUCTION}:role/replica-refresh-start-refresh`, 'kms:GenerateDataKey', sqsThere)).allowed).toBe(false);
    expect((await use(shareRoleArn('333333333333', 'eu-central-1'), 'kms:GenerateDataKey', sqsThere)).allowed).toBe(false);
  });
});

describe("a queue with the inbox policy, encrypted with the vault's key", () => {
  it("takes a manifest from production's share roles", async () => {
    const { q, clock, received } = queue(inbox.policy, inboxKey());
    for (const region of REPLICA_REGIONS) expect(await sendError(q, shareRoleArn(PRODUCTION, region))).toBeUndefined();
    await clock.run(clock.millis + 60_000);
    expect(received).toHaveLength(2);
    expect(q.denied).toEqual([]);
  });

  it("refuses a share role with KmsAccessDenied when the key policy lacks the inbox's statement, keeping nothing", async () => {
    const { q, clock, received } = queue(inbox.policy, inboxKey((statements) => statements.filter((s) => (s as { Sid?: string }).Sid !== INBOX_KEY_SID)));
    const principal = shareRoleArn(PRODUCTION, 'eu-central-1');
    const err = await sendError(q, principal);
    expect(err).toBeInstanceOf(KmsAccessDenied);
    expect(err).toMatchObject({ name: 'KmsAccessDenied', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toContain(`kms:GenerateDataKey on resource: ${VAULT_KEY_ARN}`);
    await clock.run(clock.millis + 60_000);
    expect(q.sent).toEqual([]);
    expect(received).toEqual([]);
    expect(q.denied.map((d) => d.principal)).toEqual([principal]);
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
