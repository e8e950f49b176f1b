/**
 * Secrets Manager: the only file that reads secrets. It reads the password a `secret` pair sets on the
 * new y; the value goes straight to RDS and is never logged, returned in an error or stored.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { SecretReader } from '../kernel/ports';

/** A secret that cannot be used: missing, unreadable, or without the password key. The message never holds the value. */
export class SecretUnusableError extends Error {
  public constructor(
    message: string,
    public readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SecretUnusableError';
  }
}

/** Reads master passwords from Secrets Manager in y's region. */
export class SecretsAdapter implements SecretReader {
  /** @param secrets a client in the replica region, built once per cold start */
  public constructor(private readonly secrets: SecretsManagerClient) {}

  public async readPassword(secretArn: string, passwordKey: string): Promise<string> {
    let value: string | undefined;
    try {
      const out = await this.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
      value = out.SecretString;
    } catch (err) {
      const name = (err as { name?: string }).name ?? 'Error';
      // The SDK's message names the secret, never its value; keep only the class and the ARN.
      if (err instanceof ResourceNotFoundException) throw new SecretUnusableError(`secret ${secretArn} does not exist in this region`, name, { cause: err });
      throw new SecretUnusableError(`secret ${secretArn} cannot be read: ${name}`, name, { cause: err });
    }
    if (value === undefined || value === '') throw new SecretUnusableError(`secret ${secretArn} has no string value (a binary secret cannot be a password)`, 'NoSecretString');
    const trimmed = value.trim();
    if (!trimmed.startsWith('{')) return value;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      // Not JSON after all: a password that starts with a brace.
      return value;
    }
    const password = (parsed as Record<string, unknown>)[passwordKey];
    if (typeof password !== 'string' || password === '') throw new SecretUnusableError(`secret ${secretArn} is JSON without a string "${passwordKey}" key (set credentials.passwordKey)`, 'NoPasswordKey');
    return password;
  }
}

/** A Secrets Manager client in the replica region, with the SDK's standard retries. */
export function secretsClient(region: string, extra: SecretsManagerClientConfig = {}): SecretsManagerClient {
  return new SecretsManagerClient({ region, maxAttempts: 4, ...extra });
}
