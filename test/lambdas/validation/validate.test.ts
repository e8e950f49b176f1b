/**
 * Validating a copy (lambdas/validation/validate.ts) against a real PostgreSQL: PGlite over the wire protocol
 * (scripts/sim/sql/servers.ts) through the `pg` adapter (lambdas/aws/postgres.ts), with y's read-only default for
 * ordinary sessions and, in front of it, a gate that checks the password as RDS does (./password-gate.ts: PGlite
 * itself takes any password).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { openPostgres } from '../../../lambdas/aws/postgres';
import { SecretUnusableError, SecretsAdapter } from '../../../lambdas/aws/secrets';
import { createHandler } from '../../../lambdas/handlers/validate-copy';
import type { SqlSession, SqlTarget } from '../../../lambdas/sql/steps';
import { CONNECT_STEP, VALIDATION_APPLICATION_NAME, validateCopy, type ValidationDeps, type ValidationRequest } from '../../../lambdas/validation/validate';
import { SimDatabaseServers } from '../../../scripts/sim/sql/servers';
import { closedPort, startPasswordGate, type PasswordGate } from './password-gate';

/** The copy's newest orders.created_at: its data time. */
const DATA_TIME = new Date('2026-11-21T00:10:00Z');
/** The validation's clock: 2 h 50 min after the data time. */
const NOW = new Date('2026-11-21T03:00:00Z');
const HOUR = 3_600_000;
const PASSWORD = 'correct horse battery staple';
const SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf';

const servers = new SimDatabaseServers();
let serverPort = 0;
let gate: PasswordGate;

beforeAll(async () => {
  ({ port: serverPort } = await servers.start('orders-staging-b', { dataTime: DATA_TIME, rows: 20 }));
  const admin = await openPostgres({ host: '127.0.0.1', port: serverPort, user: 'postgres', database: 'postgres', ssl: false, timeoutMs: 5000 });
  try {
    // A table created with a quoted mixed-case name, one that is empty, and y's read-only default (PGlite serves every
    // connection from one backend session, so the setting holds for all, as a parameter group's would).
    await admin.query('create schema sales; create table sales."Line_Items" (id int); insert into sales."Line_Items" values (1), (2);');
    await admin.query('create table public.empty_table (id int, updated_at timestamptz);');
    await admin.query('set default_transaction_read_only = on');
  } finally {
    await admin.close();
  }
  gate = await startPasswordGate(serverPort, PASSWORD);
});

afterAll(async () => {
  await gate.close();
  await servers.stopAll();
});

function request(overrides: Partial<ValidationRequest> = {}): ValidationRequest {
  return {
    engine: 'postgres',
    host: '127.0.0.1',
    port: gate.port,
    user: 'postgres',
    database: 'postgres',
    secretArn: SECRET,
    passwordKey: 'password',
    checks: { tables: ['public.orders', 'sales.Line_Items'], freshness: { table: 'public.orders', column: 'created_at', maxAgeHours: 26 } },
    timeoutMs: 5000,
    ssl: 'disable',
    ...overrides,
  };
}

/** Real `pg` sessions, counted as they are opened and closed; the password from a map of secrets; a fixed clock. */
function deps(options: { password?: string; now?: Date; readPassword?: ValidationDeps['readPassword'] } = {}) {
  const seen = { targets: [] as SqlTarget[], opened: 0, closed: 0 };
  const d: ValidationDeps = {
    open: async (target) => {
      seen.targets.push(target);
      const session = await openPostgres(target);
      seen.opened += 1;
      const counted: SqlSession = {
        dialect: session.dialect,
        query: (sql) => session.query(sql),
        close: async () => {
          seen.closed += 1;
          await session.close();
        },
      };
      return counted;
    },
    readPassword: options.readPassword ?? ((arn, key) => (arn === SECRET && key === 'password' ? Promise.resolve(options.password ?? PASSWORD) : Promise.reject(new Error(`no secret ${arn}`)))),
    now: () => options.now ?? NOW,
  };
  return { deps: d, seen };
}

const statuses = (result: { steps: { name: string; status: string }[] }) => result.steps.map((s) => [s.name, s.status]);

describe('validateCopy on a real PostgreSQL', () => {
  it('passes a copy whose tables hold rows and whose data is fresh, logging in with the secret\'s password, and closes the session', async () => {
    const { deps: d, seen } = deps();
    const result = await validateCopy(request(), d);
    expect(result.ok).toBe(true);
    expect(result.error).toBeUndefined();
    expect(statuses(result)).toEqual([
      [CONNECT_STEP, 'ok'],
      ['rows in public.orders', 'ok'],
      ['rows in sales.Line_Items', 'ok'],
      ['public.orders.created_at within 26 h', 'ok'],
    ]);
    expect(seen.targets).toEqual([expect.objectContaining({ host: '127.0.0.1', port: gate.port, user: 'postgres', password: PASSWORD, database: 'postgres', ssl: false, applicationName: VALIDATION_APPLICATION_NAME })]);
    expect(seen).toMatchObject({ opened: 1, closed: 1 });
  });

  it('fails a copy with an empty table, naming it, and skips the checks after it', async () => {
    const { deps: d, seen } = deps();
    const result = await validateCopy(request({ checks: { tables: ['public.orders', 'public.empty_table', 'sales.Line_Items'], freshness: { table: 'public.orders', column: 'created_at', maxAgeHours: 26 } } }), d);
    expect(result.ok).toBe(false);
    expect(statuses(result)).toEqual([
      [CONNECT_STEP, 'ok'],
      ['rows in public.orders', 'ok'],
      ['rows in public.empty_table', 'failed'],
      ['rows in sales.Line_Items', 'skipped'],
      ['public.orders.created_at within 26 h', 'skipped'],
    ]);
    expect(result.steps[2]?.error).toBe('public.empty_table has no rows');
    expect(result.error).toBe('rows in public.empty_table: public.empty_table has no rows');
    expect(seen).toMatchObject({ opened: 1, closed: 1 });
  });

  it('fails stale data on the freshness check, by the clock it is given', async () => {
    const stale = await validateCopy(request(), deps({ now: new Date(DATA_TIME.getTime() + 27 * HOUR) }).deps);
    expect(stale.ok).toBe(false);
    expect(statuses(stale).at(-1)).toEqual(['public.orders.created_at within 26 h', 'failed']);
    expect(stale.error).toMatch(/^public\.orders\.created_at within 26 h: the newest public\.orders\.created_at is older than 26 h \(before 2026-11-21T01:10:00\.000Z\)/);
    // The same copy an hour earlier on the clock: 25 h old, fresh.
    expect((await validateCopy(request(), deps({ now: new Date(DATA_TIME.getTime() + 25 * HOUR) }).deps)).ok).toBe(true);
  });

  it('fails the freshness of a table without any value', async () => {
    const result = await validateCopy(request({ checks: { tables: ['public.orders'], freshness: { table: 'public.empty_table', column: 'updated_at', maxAgeHours: 26 } } }), deps().deps);
    expect(statuses(result)).toEqual([
      [CONNECT_STEP, 'ok'],
      ['rows in public.orders', 'ok'],
      ['public.empty_table.updated_at within 26 h', 'failed'],
    ]);
  });

  it('fails a table that does not exist with the database\'s error, and a name of the wrong case is another table', async () => {
    const result = await validateCopy(request({ checks: { tables: ['sales.line_items'] } }), deps().deps);
    expect(statuses(result)).toEqual([
      [CONNECT_STEP, 'ok'],
      ['rows in sales.line_items', 'failed'],
    ]);
    expect(result.error).toMatch(/^rows in sales\.line_items: relation "sales\.line_items" does not exist \(SQLSTATE 42P01\)$/);
  });

  it('fails a wrong password at connect with the driver\'s error, never the password, and skips every check', async () => {
    const wrong = 'Tr0ub4dor&3-not-it';
    const { deps: d, seen } = deps({ password: wrong });
    const result = await validateCopy(request(), d);
    expect(result.ok).toBe(false);
    expect(statuses(result)).toEqual([
      [CONNECT_STEP, 'failed'],
      ['rows in public.orders', 'skipped'],
      ['rows in sales.Line_Items', 'skipped'],
      ['public.orders.created_at within 26 h', 'skipped'],
    ]);
    expect(result.error).toBe('connect: password authentication failed for user "postgres" (SQLSTATE 28P01)');
    expect(JSON.stringify(result)).not.toContain(wrong);
    expect(seen.opened).toBe(0);
  });

  it('fails a closed port at connect, and skips every check', async () => {
    const result = await validateCopy(request({ port: await closedPort() }), deps().deps);
    expect(statuses(result)).toEqual([
      [CONNECT_STEP, 'failed'],
      ['rows in public.orders', 'skipped'],
      ['rows in sales.Line_Items', 'skipped'],
      ['public.orders.created_at within 26 h', 'skipped'],
    ]);
    expect(result.error).toMatch(/^connect: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  it('fails at connect when the password cannot be read, without trying the copy', async () => {
    const { deps: d, seen } = deps({ readPassword: (arn) => Promise.reject(new SecretUnusableError(`secret ${arn} cannot be read: AccessDeniedException`, 'AccessDeniedException')) });
    const result = await validateCopy(request(), d);
    expect(result.steps[0]).toMatchObject({ name: CONNECT_STEP, status: 'failed', error: `the password cannot be read: secret ${SECRET} cannot be read: AccessDeniedException` });
    expect(result.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    expect(seen.targets).toEqual([]);
  });

  it('runs the request\'s own checks after the built-in ones, read-only', async () => {
    const { deps: d, seen } = deps();
    const result = await validateCopy(
      request({
        checks: { tables: ['public.orders'] },
        steps: [
          { name: 'orders-count.sql', kind: 'check', sql: 'select count(*) = 20 from orders' },
          { name: 'sneaky.sql', kind: 'check', sql: 'delete from orders returning true' },
        ],
      }),
      d,
    );
    expect(statuses(result)).toEqual([
      [CONNECT_STEP, 'ok'],
      ['rows in public.orders', 'ok'],
      ['orders-count.sql', 'ok'],
      ['sneaky.sql', 'failed'],
    ]);
    expect(result.error).toContain('SQLSTATE 25006');
    expect(seen).toMatchObject({ opened: 1, closed: 1 });
    // Nothing was deleted.
    expect((await validateCopy(request({ checks: { tables: ['public.orders'] }, steps: [{ name: 'still-20.sql', kind: 'check', sql: 'select count(*) = 20 from orders' }] }), deps().deps)).ok).toBe(true);
  });
});

describe('the validate-copy handler over the real adapters', () => {
  it('reads the password from Secrets Manager and validates the copy from a JSON payload', async () => {
    const sm = mockClient(SecretsManagerClient);
    try {
      sm.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify({ username: 'postgres', password: PASSWORD }) });
      const secrets = new SecretsAdapter(new SecretsManagerClient({ region: 'eu-central-1' }));
      const handler = createHandler({ open: openPostgres, readPassword: (arn, key) => secrets.readPassword(arn, key), now: () => NOW }, { allowPlaintext: true });
      const payload: unknown = JSON.parse(JSON.stringify(request()));
      const result = await handler(payload);
      expect(result).toMatchObject({ ok: true });
      expect(statuses(result).map(([, status]) => status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    } finally {
      sm.restore();
    }
  });
});
