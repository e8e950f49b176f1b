import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DeleteDBInstanceCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { handleInvocation } from '../../../lambdas/events/on-event';
import { startRefresh } from '../../../lambdas/refresh/start';
import { Y, rdsMessage, snsEvent } from '../../support/fixtures';
import { published } from '../../support/harness';
import { workflowWorld } from '../../support/workflow';

const SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf';
const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const world = workflowWorld();
const { rds } = world;

beforeEach(() => {
  secrets.reset();
  ssm.reset();
});

/** One whole refresh: start, deletion, restore, usable event. */
async function refresh(pair: Record<string, unknown>) {
  const ctx = await world.setup({ pair });
  const started = await startRefresh(ctx.deps, ctx.config, { replica: Y, trigger: 'schedule' });
  if (started.outcome !== 'started') return { ctx, started };
  ctx.clock.advanceMinutes(6);
  rds.finishDeletion();
  await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0003', Y, ctx.clock.now())));
  ctx.clock.advanceMinutes(20);
  rds.finishRestore('backing-up');
  const finished = await handleInvocation(ctx.deps, ctx.config, snsEvent(rdsMessage('RDS-EVENT-0043', Y, ctx.clock.now())));
  return { ctx, started, finished };
}

describe('staging credentials ("MasterUserPassword")', () => {
  it('mode secret: sets the new y\'s master password from the secret, and never writes it to the ledger or the notification', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: 'staging-only-Pw-7' }) });
    const { ctx, finished } = await refresh({ credentials: { mode: 'secret', secretArn: SECRET } });
    expect(finished?.[0]?.action).toBe('finish:closed');
    expect(rds.mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { DBInstanceIdentifier: Y, MasterUserPassword: 'staging-only-Pw-7', ApplyImmediately: true });
    expect(rds.masterPassword).toBe('staging-only-Pw-7');
    const [run] = await ctx.deps.ledger.listRuns(Y);
    expect(run).toMatchObject({ status: 'succeeded', drift: [] });
    expect(run?.credentialsSetAt).toBeDefined();
    expect(JSON.stringify(run)).not.toContain('staging-only-Pw-7');
    expect(JSON.stringify(published())).not.toContain('staging-only-Pw-7');
    expect(published()[0]?.text).toContain(`master password set from secret ${SECRET}`);
  });

  it('mode secret: refuses before deleting y when the secret cannot be read', async () => {
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    const { started } = await refresh({ credentials: { mode: 'secret', secretArn: SECRET } });
    expect(started).toMatchObject({ outcome: 'refused' });
    expect(started.outcome === 'refused' && started.reason).toContain(`secret ${SECRET} does not exist in this region`);
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
  });

  it('mode secret: a secret that vanished during the restore is drift with the reason, and an alert: y has production\'s password', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'pw-at-preflight' }).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    const { ctx } = await refresh({ credentials: { mode: 'secret', secretArn: SECRET } });
    const [run] = await ctx.deps.ledger.listRuns(Y);
    expect(run?.drift).toEqual([{ setting: 'masterCredentials', expected: 'secret', actual: "x's (from the snapshot)", error: expect.stringContaining('does not exist') as unknown }]);
    expect(published()[0]).toMatchObject({ severity: 'alert', kind: 'refresh.succeeded' });
    expect(published()[0]?.text).toContain("NOT SET: y still has x's master user and password");
  });

  it('mode managed: turns on RDS-managed credentials after the restore and publishes the new secret\'s ARN to SSM and the notification', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const { ctx, finished } = await refresh({ credentials: { mode: 'managed', kmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/secrets' } });
    expect(finished?.[0]?.action).toBe('finish:closed');
    expect(rds.mock).toHaveReceivedCommandWith(ModifyDBInstanceCommand, { ManageMasterUserPassword: true, MasterUserSecretKmsKeyId: 'arn:aws:kms:eu-central-1:111111111111:key/secrets' });
    const arn = rds.instance?.MasterUserSecret?.SecretArn;
    expect(arn).toMatch(/:secret:rds!db-/);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: `/replica-refresh/${Y}/master-user-secret-arn`, Value: arn, Type: 'String', Overwrite: true });
    const [run] = await ctx.deps.ledger.listRuns(Y);
    expect(run).toMatchObject({ status: 'succeeded', masterUserSecretArn: arn, drift: [] });
    expect(published()[0]?.json).toMatchObject({ masterUserSecretArn: arn });
  });

  it('mode source: keeps x\'s credentials, says so, and calls nothing for them', async () => {
    const { finished } = await refresh({ credentials: { mode: 'source' } });
    expect(finished?.[0]?.action).toBe('finish:closed');
    expect(rds.mock.commandCalls(ModifyDBInstanceCommand).filter((c) => c.args[0].input.MasterUserPassword !== undefined || c.args[0].input.ManageMasterUserPassword !== undefined)).toEqual([]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
    expect(published()[0]?.text).toContain("y keeps x's master user and password");
  });
});
