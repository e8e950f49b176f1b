/**
 * Validates a new copy of y over a real database connection, before a swap mode switches clients to it: the copy
 * must accept a connection with the pair's credentials, and every check must pass (lambdas/validation/spec.ts). A
 * failed validation never switches.
 *
 * The request is what the validation function receives as its Lambda payload: JSON, and without any password (the
 * function reads it from Secrets Manager itself, so the password is never in an invocation's payload, log or
 * result). The driver, the secret and the clock come in as dependencies, so the same code runs in Lambda (inside y's
 * VPC), in the simulation (PGlite over the wire) and in tests.
 */
import type { ConnectionOptions } from 'node:tls';
import * as z from 'zod/mini';
import type { SqlDialect, SqlSession, SqlStep, SqlTarget, StepResult } from '../sql/steps';
import { runSteps } from '../sql/steps';
import type { ValidationSpec } from './spec';
import { MAX_STEP_TIMEOUT_SECONDS, builtInChecks, validationChecksSchema } from './spec';

/** The name of the first step of every validation: reaching the copy and logging in. */
export const CONNECT_STEP = 'connect';

/** What `pg_stat_activity` shows for the validation's session on the copy. */
export const VALIDATION_APPLICATION_NAME = 'replica-refresh-validation';

const secretArn = z.string({ error: 'must be the ARN of the secret holding the password (a string); a request never carries the password itself' }).check(z.regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf'));

/**
 * A validation request: where the copy is, as whom to log in (the password stays in its secret), what to check and
 * how. A strict object, so a payload carrying a `password` (or any misspelt key) is refused instead of ignored.
 */
export const validationRequestSchema = z.strictObject({
  /**
   * The SQL the copy speaks, which picks the driver: `postgres` (pg) or `mysql` (mysql2, for RDS for MySQL and
   * MariaDB). Absent means postgres, as requests were before MySQL was supported.
   */
  engine: z._default(z.enum(['postgres', 'mysql'], { error: 'must be "postgres" or "mysql" (MySQL and MariaDB)' }), 'postgres'),
  /** The copy's endpoint address: its DNS name, which TLS verifies the certificate against. */
  host: z.string({ error: "must be the copy's endpoint address (a string)" }).check(z.minLength(1, "must be the copy's endpoint address, such as orders-staging-b.abcdefghijkl.eu-central-1.rds.amazonaws.com"), z.maxLength(253, 'must be at most 253 characters (a DNS name)')),
  port: z.number({ error: 'must be the port number, such as 5432' }).check(z.int('must be a whole port number, such as 5432'), z.minimum(1, 'must be a port from 1 to 65535'), z.maximum(65535, 'must be a port from 1 to 65535')),
  user: z.string({ error: 'must name the user to log in as (a string), such as "postgres"' }).check(z.minLength(1, 'must name the user to log in as, such as "postgres"'), z.maxLength(63, 'is longer than any PostgreSQL user name (63 characters)')),
  database: z.string({ error: 'must name the database (a string), such as "postgres"' }).check(z.minLength(1, 'must name the database, such as "postgres"'), z.maxLength(63, 'is longer than any PostgreSQL database name (63 characters)')),
  /** The secret holding the password; never the password itself. */
  secretArn,
  /** The password's JSON key in the secret's value (a plain-string secret is the password itself). */
  passwordKey: z._default(z.string().check(z.minLength(1, 'must be the JSON key of the password, such as "password"'), z.maxLength(128, 'must be at most 128 characters')), 'password'),
  /** The built-in checks: tables that must hold rows, and the freshness of the data (none for a run of hooks only). */
  checks: z.optional(validationChecksSchema),
  /**
   * Changes run first, in order, each in one read-write transaction (a pair's staging hooks: masking, grants), which
   * y's read-only parameter group does not stop (lambdas/sql/steps.ts).
   */
  changes: z.optional(
    z.array(
      z.strictObject({
        name: z.string().check(z.minLength(1, 'must name the change, such as "sql/10-mask.sql"'), z.maxLength(200, 'must be at most 200 characters')),
        kind: z.literal('change', { error: 'must be "change"' }),
        sql: z.string().check(z.minLength(1, "must hold the change's SQL")),
      }),
    ),
  ),
  /**
   * More checks, run after the built-in ones (a pair's own validation SQL). Checks only: they run read-only and are
   * rolled back; a change to the copy belongs to the steps after the restore, not to its validation.
   */
  steps: z.optional(
    z.array(
      z.strictObject({
        name: z.string().check(z.minLength(1, 'must name the check, such as "orders-balance.sql"'), z.maxLength(200, 'must be at most 200 characters')),
        kind: z.literal('check', { error: 'must be "check": validation only reads the copy (a change belongs to the steps after the restore)' }),
        sql: z.string().check(z.minLength(1, 'must hold the check\'s SQL')),
      }),
    ),
  ),
  /** Real milliseconds the connection, and then each check, may take. */
  timeoutMs: z
    .number({ error: 'must be a number of milliseconds, such as 30000' })
    .check(z.int('must be a whole number of milliseconds'), z.positive('must be more than 0 ms'), z.maximum(MAX_STEP_TIMEOUT_SECONDS * 1000, `must be at most ${MAX_STEP_TIMEOUT_SECONDS * 1000} ms (the longest a Lambda invocation runs)`)),
  /**
   * TLS: `verify-full` verifies the server's certificate chain and that it names `host` (libpq's sslmode of the same
   * name); `disable` connects in plain text, for a local server only (the deployed function refuses it).
   */
  ssl: z.enum(['verify-full', 'disable'], { error: 'must be "verify-full" (or "disable", for a local test server only)' }),
});

/** A parsed validation request: the validation function's payload. */
export type ValidationRequest = z.output<typeof validationRequestSchema>;

/** A payload that is no validation request; the message names every field at fault and what it must be. */
export class ValidationRequestError extends Error {
  public constructor(
    message: string,
    /** One line per problem, each naming the field. */
    public readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'ValidationRequestError';
  }
}

/** `checks.tables[1]`: a field as the payload's author wrote it. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc === '' ? String(key) : `${acc}.${String(key)}`), '');
}

/**
 * Parses a validation function's payload.
 * @throws ValidationRequestError naming each field at fault and what it must be
 */
export function parseValidationRequest(input: unknown): ValidationRequest {
  const result = validationRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = fieldPath(issue.path);
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      const password = issue.keys.some((k) => /pass/i.test(k)) ? ' (a request never carries a password: name its secret with secretArn)' : '';
      return `${where === '' ? 'payload' : where}: unknown key(s) ${keys}${password}`;
    }
    return `${fieldPath(issue.path) || 'payload'}: ${issue.message}`;
  });
  throw new ValidationRequestError(`invalid validation request:\n  - ${problems.join('\n  - ')}`, problems);
}

/** Where the copy is and how its secret is named, as the swap mode knows it when it asks for a validation. */
export interface CopyToValidate {
  /** The SQL the copy's engine speaks. */
  readonly dialect: SqlDialect;
  /** The copy's endpoint address and port (DescribeDBInstances, Endpoint). */
  readonly host: string;
  readonly port: number;
  /** The copy's master user name (DescribeDBInstances, MasterUsername): the user unless `validation.user` names another. */
  readonly masterUsername: string;
  /**
   * The secret holding the copy's master password: the pair's `credentials.secretArn` (mode `secret`) or the
   * RDS-managed secret (mode `managed`); none when the pair keeps production's credentials (mode `source`).
   */
  readonly secret?: { readonly arn: string; readonly passwordKey: string };
}

/** A validation that cannot be asked for as configured: the message says which setting to add. */
export class ValidationSetupError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ValidationSetupError';
  }
}

/**
 * The request for a pair's copy, from its `validation` section: `validation.user` or the copy's master user,
 * `validation.credentialsSecretArn` or the pair's own secret, always over verified TLS.
 * @throws ValidationSetupError when no secret holds the password (a pair that keeps production's credentials)
 */
export function validationRequest(spec: ValidationSpec, copy: CopyToValidate): ValidationRequest {
  const secret = spec.credentialsSecretArn !== undefined ? { arn: spec.credentialsSecretArn, passwordKey: spec.passwordKey } : copy.secret;
  if (secret === undefined) {
    throw new ValidationSetupError(
      "the copy keeps production's master credentials and no secret of the pair holds that password: set validation.credentialsSecretArn to a secret in y's region that holds the password of the validation user",
    );
  }
  return {
    engine: copy.dialect,
    host: copy.host,
    port: copy.port,
    user: spec.user ?? copy.masterUsername,
    database: spec.database,
    secretArn: secret.arn,
    passwordKey: secret.passwordKey,
    checks: { tables: spec.tables, ...(spec.freshness === undefined ? {} : { freshness: spec.freshness }) },
    timeoutMs: Math.round(spec.timeoutSeconds * 1000),
    ssl: 'verify-full',
  };
}

/**
 * Where the Node.js 20+ Lambda runtimes keep every Amazon CA certificate, RDS's among them: the validation function
 * runs with NODE_EXTRA_CA_CERTS set to it (lambdas/handlers/validate-copy.ts cites the Lambda Developer Guide).
 */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/**
 * The TLS options of a request's `ssl`. `verify-full`: the chain must end at a trusted CA (Node's list plus
 * NODE_EXTRA_CA_CERTS, which the validation function points at the RDS CAs) and the certificate must name the host:
 * `pg` passes the host name as the TLS servername, and Node checks the certificate against it.
 */
export function tlsOptions(ssl: ValidationRequest['ssl']): ConnectionOptions | false {
  return ssl === 'disable' ? false : { rejectUnauthorized: true };
}

/** What a validation needs besides the request. */
export interface ValidationDeps {
  /** Opens a session on the copy with its dialect's driver (openPostgres or openMysql, lambdas/aws/, in Lambda). */
  open(target: SqlTarget): Promise<SqlSession>;
  /** Reads the password from its secret (SecretsAdapter.readPassword in Lambda). */
  readPassword(secretArn: string, key: string): Promise<string>;
  /** The clock the freshness check is measured against. */
  now(): Date;
}

/** What a validation found: `ok` only when the connection and every check passed. */
export interface ValidationResult {
  ok: boolean;
  /** `connect` first, then every check in order; after a failure the rest are `skipped`. */
  steps: StepResult[];
  /** The first failure, `<step>: <why>`; absent when ok. */
  error?: string;
}

/** One line for an error of the driver or the secret: its message, and its code where the message lacks it. */
function describe(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; errors?: unknown };
  let message = typeof e?.message === 'string' ? e.message : String(err);
  // Node's connect to a name with several addresses (happy eyeballs) fails with an AggregateError of empty message.
  if (message === '' && Array.isArray(e?.errors)) message = e.errors.map((inner) => describe(inner)).join('; ');
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^[0-9A-Z]{5}$/.test(code)) return `${message} (SQLSTATE ${code})`;
  return code !== '' && !message.includes(code) ? `${message} (${code})` : message;
}

/** Every occurrence of the password replaced: no error text that reaches a result or a log may hold it. */
function redact(text: string, password: string | undefined): string {
  return password ? text.split(password).join('[password]') : text;
}

function performanceNow(): number {
  return performance.now();
}

/**
 * Validates a copy: reads the password, connects (the `connect` step), runs the built-in checks and the request's
 * own, each within `timeoutMs`, and always closes the session. A secret that cannot be read, a connection or a login
 * that fails is a failed `connect` step with the driver's error (never the password), and every check `skipped`.
 */
export async function validateCopy(request: ValidationRequest, deps: ValidationDeps): Promise<ValidationResult> {
  const builtIn = request.checks ? builtInChecks(request.checks, deps.now(), request.engine) : [];
  const changes: SqlStep[] = request.changes ?? [];
  const steps: SqlStep[] = [...changes, ...builtIn.map((c) => c.step), ...(request.steps ?? [])];
  const skipped = (): StepResult[] => steps.map((s) => ({ name: s.name, kind: s.kind, status: 'skipped', ms: 0 }));
  const started = performanceNow();
  const elapsed = () => Math.round((performanceNow() - started) * 10) / 10;
  const connectFailed = (error: string): ValidationResult => ({
    ok: false,
    steps: [{ name: CONNECT_STEP, kind: 'check', status: 'failed', ms: elapsed(), error }, ...skipped()],
    error: `${CONNECT_STEP}: ${error}`,
  });

  let password: string;
  try {
    password = await deps.readPassword(request.secretArn, request.passwordKey);
  } catch (err) {
    // SecretsAdapter's messages name the secret, never its value.
    return connectFailed(`the password cannot be read: ${describe(err)}`);
  }

  let session: SqlSession;
  try {
    session = await deps.open({
      dialect: request.engine,
      host: request.host,
      port: request.port,
      user: request.user,
      password,
      database: request.database,
      ssl: tlsOptions(request.ssl),
      timeoutMs: request.timeoutMs,
      applicationName: VALIDATION_APPLICATION_NAME,
    });
  } catch (err) {
    return connectFailed(redact(describe(err), password));
  }
  const connected: StepResult = { name: CONNECT_STEP, kind: 'check', status: 'ok', ms: elapsed() };

  let results: StepResult[];
  try {
    results = await runSteps(session, steps, { timeoutMs: request.timeoutMs });
  } finally {
    await session.close().catch(() => undefined);
  }

  // A built-in check's false verdict in words: which table is empty, which data is stale. runSteps answers each step
  // in order, so the built-in checks' results follow the changes'.
  const explained = results.map((r, i): StepResult => {
    const meaning = builtIn[i - changes.length]?.whenFalse;
    const error = r.error === undefined ? undefined : redact(r.error, password);
    if (r.status === 'failed' && meaning !== undefined && error !== undefined && /has false in its first column$/.test(error)) return { ...r, error: meaning };
    return error === undefined ? r : { ...r, error };
  });
  const failed = explained.find((r) => r.status === 'failed');
  return {
    ok: failed === undefined,
    steps: [connected, ...explained],
    ...(failed === undefined ? {} : { error: `${failed.name}: ${failed.error ?? 'failed'}` }),
  };
}
