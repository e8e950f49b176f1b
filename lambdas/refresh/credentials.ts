/**
 * y's master credentials after a refresh. A restored y has the snapshot's master user and password, i.e.
 * production's, and an RDS-managed secret of the old y was deleted with it (RDS-NOTES, "Credentials"). Each pair
 * chooses: `secret` sets the password from a secret y's owner keeps; `managed` has RDS manage it (a new secret
 * each refresh, published to SSM); `source` keeps x's, as an explicit opt-in. The password itself only ever passes
 * from Secrets Manager to ModifyDBInstance: it is never logged, stored or put in an error.
 */
import { managedSecretParameter } from '../kernel/config';
import type { PairConfig } from '../kernel/config';
import { PermanentRdsError, RetryableRdsError, describeError } from '../kernel/errors';
import type { RunRecord, TargetView } from '../kernel/model';
import type { Deps } from '../kernel/ports';
import type { RunContext } from './lifecycle';

/** What setting the credentials came to. */
export type CredentialsOutcome =
  | { outcome: 'done'; changes: Partial<RunRecord> }
  | { outcome: 'busy' }
  | { outcome: 'rejected'; error: string };

/** One line for the notification: what y's master credentials are now. */
export function describeCredentials(pair: PairConfig, run: Pick<RunRecord, 'credentialsSetAt' | 'masterUserSecretArn'>): string {
  const c = pair.credentials;
  if (c.mode === 'source') return `y keeps x's master user and password (credentials.mode "source")`;
  if (!run.credentialsSetAt) return `NOT SET: y still has x's master user and password; credentials.mode is "${c.mode}"`;
  if (c.mode === 'secret') return `master password set from secret ${c.secretArn}`;
  return `managed by RDS in secret ${run.masterUserSecretArn ?? '(unknown)'}, published to SSM parameter ${managedSecretParameter(pair) ?? '?'}`;
}

/**
 * Makes y's master credentials what the pair chose, once per run (on `y`, the instance the run restored: y itself, or a
 * swap mode's copy before it takes y's place): the run records when it was done, so a repeated
 * finish does not set them again.
 */
export async function applyCredentials(deps: Deps, ctx: Pick<RunContext, 'pair' | 'gateway'>, run: RunRecord, y: TargetView): Promise<CredentialsOutcome> {
  const { pair } = ctx;
  const c = pair.credentials;
  if (c.mode === 'source' || run.credentialsSetAt) return { outcome: 'done', changes: {} };
  try {
    if (c.mode === 'secret') {
      const password = await deps.secrets.readPassword(c.secretArn, c.passwordKey);
      const result = await ctx.gateway.modify(y.id, { masterUserPassword: password });
      if (result === 'busy') return { outcome: 'busy' };
      return { outcome: 'done', changes: { credentialsSetAt: deps.now().toISOString() } };
    }
    // managed: turn it on once; RDS creates a new secret, whose ARN DescribeDBInstances reports.
    if (!y.masterUserSecretArn) {
      const result = await ctx.gateway.modify(y.id, { manageMasterUserPassword: c.kmsKeyId ? { kmsKeyId: c.kmsKeyId } : {} });
      if (result === 'busy') return { outcome: 'busy' };
    }
    const now = y.masterUserSecretArn ? y : await ctx.gateway.describe(y.id);
    const secretArn = now?.masterUserSecretArn;
    // RDS is still creating the secret: the next event or watchdog pass publishes it.
    if (!secretArn) return { outcome: 'busy' };
    const parameter = managedSecretParameter(pair)!;
    await deps.parameters.put(parameter, secretArn, `The RDS-managed master user secret of ${run.replicaId}, replaced on every refresh by replica-refresh (run ${run.runId})`);
    return { outcome: 'done', changes: { credentialsSetAt: deps.now().toISOString(), masterUserSecretArn: secretArn } };
  } catch (err) {
    if (err instanceof RetryableRdsError) return { outcome: 'busy' };
    // Anything AWS refuses (a secret gone or unreadable, a rejected modify, SSM denied) needs a person; a bug is thrown.
    if (err instanceof PermanentRdsError || isAwsServiceError(err)) return { outcome: 'rejected', error: describeError(err) };
    throw err;
  }
}

/** An error from an AWS service or from an adapter's named errors: anything but a bug. */
function isAwsServiceError(err: unknown): boolean {
  const e = err as { $fault?: unknown; name?: unknown };
  return e?.$fault !== undefined || e?.name === 'SecretUnusableError';
}
