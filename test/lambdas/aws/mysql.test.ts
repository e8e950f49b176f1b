/**
 * The `mysql2` adapter (lambdas/aws/mysql.ts) and the SQL steps on MySQL and MariaDB (lambdas/sql/steps.ts), through
 * the real driver over a real socket, against a MySQL-protocol server that answers from a script and records what it
 * received (./mysql-server.ts). What MySQL itself does with the SQL is AWS's to run; what is tested here is what the
 * runner sends and how it reads the answers.
 */
import { openMysql } from '../../../lambdas/aws/mysql';
import { runSteps, type SqlSession } from '../../../lambdas/sql/steps';
import { validateCopy, type ValidationRequest } from '../../../lambdas/validation/validate';
import { startMysqlTestServer, type Answer, type MysqlTestServer } from './mysql-server';

const PASSWORD = 'correct horse battery staple';
/** MySQL's error when read_only stops a write (ER_OPTION_PREVENTS_STATEMENT). */
const READ_ONLY = { code: 1290, message: 'The MySQL server is running with the --read-only option so it cannot execute this statement' };

let server: MysqlTestServer;
/** The script: what each statement gets; the default is an OK packet. */
let answer: (statement: string) => Answer;

beforeAll(async () => {
  server = await startMysqlTestServer({ password: PASSWORD, answer: (s) => answer(s) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.statements.length = 0;
  server.logins.length = 0;
  answer = () => ({ affectedRows: 0 });
});

function open(overrides: { password?: string; timeoutMs?: number } = {}): Promise<SqlSession> {
  return openMysql({ host: '127.0.0.1', port: server.port, user: 'admin', password: overrides.password ?? PASSWORD, database: 'shop', ssl: false, timeoutMs: overrides.timeoutMs ?? 3000 });
}

describe('openMysql', () => {
  it('logs in with the password and sets the session to UTC before anything else', async () => {
    const session = await open();
    await session.close();
    expect(session.dialect).toBe('mysql');
    expect(server.logins).toEqual(['admin']);
    expect(server.statements).toEqual(["SET time_zone = '+00:00'"]);
  });

  it('fails a wrong password with the server\'s access-denied error', async () => {
    await expect(open({ password: 'wrong' })).rejects.toMatchObject({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' });
    expect(server.logins).toEqual([]);
  });

  it('refuses to log in without TLS when TLS is asked for: the password never goes to a server that has none', async () => {
    const attempt = openMysql({ host: '127.0.0.1', port: server.port, user: 'admin', password: PASSWORD, database: 'shop', ssl: { rejectUnauthorized: true }, timeoutMs: 3000 });
    await expect(attempt).rejects.toThrow(/secure connection/i);
    expect(server.logins).toEqual([]);
  });

  it('answers a text of several statements with the last one\'s rows', async () => {
    answer = (s) => (s.startsWith('select') ? { rows: [{ id: 7, email: 'c7@example.invalid' }] } : { affectedRows: 3 });
    const session = await open();
    try {
      const { rows } = await session.query('update customers set email = null where id < 4; select id, email from customers where id = 7');
      expect(rows).toEqual([{ id: '7', email: 'c7@example.invalid' }]);
      expect(await session.query('update customers set name = null')).toEqual({ rows: [] });
    } finally {
      await session.close();
    }
  });
});

describe('SQL steps on MySQL', () => {
  it('runs a change in START TRANSACTION READ WRITE … COMMIT and a check in READ ONLY, always rolled back', async () => {
    answer = (s) => (s.startsWith('select') ? { rows: [{ masked: 1 }] } : { affectedRows: 1 });
    const session = await open();
    const results = await runSteps(
      session,
      [
        { name: '10-mask.sql', kind: 'change', sql: "update customers set email = concat('c', id, '@example.invalid')" },
        { name: '90-validate.sql', kind: 'check', sql: "select count(*) = 0 as masked from customers where email not like '%@example.invalid'" },
      ],
      { timeoutMs: 3000 },
    );
    await session.close();
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['10-mask.sql', 'ok'],
      ['90-validate.sql', 'ok'],
    ]);
    expect(server.statements.slice(1)).toEqual([
      'start transaction read write',
      "update customers set email = concat('c', id, '@example.invalid')",
      'commit',
      'start transaction read only',
      "select count(*) = 0 as masked from customers where email not like '%@example.invalid'",
      'rollback',
    ]);
  });

  it("fails a check whose first column is MySQL's false (0), and skips the rest", async () => {
    answer = (s) => (s.startsWith('select') ? { rows: [{ masked: 0 }] } : { affectedRows: 0 });
    const session = await open();
    const results = await runSteps(
      session,
      [
        { name: '90-validate.sql', kind: 'check', sql: 'select 0 as masked' },
        { name: '91-validate.sql', kind: 'check', sql: 'select 1 as masked' },
      ],
      { timeoutMs: 3000 },
    );
    await session.close();
    expect(results).toMatchObject([
      { name: '90-validate.sql', status: 'failed', error: 'row 1 of 1 has false in its first column' },
      { name: '91-validate.sql', status: 'skipped' },
    ]);
  });

  it("fails a change that read_only stops with MySQL's error and number, and rolls it back", async () => {
    answer = (s) => (s.startsWith('update') ? { error: READ_ONLY } : { affectedRows: 0 });
    const session = await open();
    const [result] = await runSteps(session, [{ name: '10-mask.sql', kind: 'change', sql: 'update customers set email = null' }], { timeoutMs: 3000 });
    await session.close();
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/--read-only option.*ER_OPTION_PREVENTS_STATEMENT 1290/) as unknown });
    expect(server.statements.slice(-2)).toEqual(['update customers set email = null', 'rollback']);
  });

  it('fails a step that does not answer within the time limit', async () => {
    answer = (s) => (s.startsWith('select sleep') ? 'hang' : { affectedRows: 0 });
    const session = await open({ timeoutMs: 300 });
    const [result] = await runSteps(session, [{ name: 'slow.sql', kind: 'check', sql: 'select sleep(60)' }], { timeoutMs: 300 });
    await session.close();
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/did not finish within 300 ms|timeout/i) as unknown });
    // The session is done with: the next one logs in afresh.
    answer = () => ({ rows: [{ one: 1 }] });
    const next = await open();
    expect((await next.query('select 1 as one')).rows).toEqual([{ one: '1' }]);
    await next.close();
  });
});

describe('validating a MySQL copy', () => {
  const request: ValidationRequest = {
    engine: 'mysql',
    host: '127.0.0.1',
    port: 0,
    user: 'admin',
    database: 'shop',
    secretArn: 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:shop-staging-master-AbCdEf',
    passwordKey: 'password',
    checks: { tables: ['shop.orders'], freshness: { table: 'shop.orders', column: 'updated_at', maxAgeHours: 26 } },
    timeoutMs: 3000,
    ssl: 'disable',
  };

  it('runs the built-in checks in MySQL: backtick-quoted names and a UTC timestamp literal', async () => {
    answer = (s) => (s.startsWith('select') ? { rows: [{ ok: 1 }] } : { affectedRows: 0 });
    const result = await validateCopy(
      { ...request, port: server.port },
      { open: (target) => (target.dialect === 'mysql' ? openMysql(target) : Promise.reject(new Error(`asked for ${target.dialect}`))), readPassword: () => Promise.resolve(PASSWORD), now: () => new Date('2026-11-21T03:00:00Z') },
    );
    expect(result.ok).toBe(true);
    expect(server.statements).toContain('select exists (select 1 from `shop`.`orders` limit 1) as has_rows');
    expect(server.statements).toContain("select coalesce(max(`updated_at`) >= timestamp '2026-11-20 01:00:00.000', false) as fresh from `shop`.`orders`");
  });

  it('says which table is stale when the freshness check answers 0', async () => {
    answer = (s) => (s.includes('as fresh') ? { rows: [{ fresh: 0 }] } : s.startsWith('select') ? { rows: [{ ok: 1 }] } : { affectedRows: 0 });
    const result = await validateCopy({ ...request, port: server.port }, { open: openMysql, readPassword: () => Promise.resolve(PASSWORD), now: () => new Date('2026-11-21T03:00:00Z') });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/shop\.orders\.updated_at within 26 h: the newest shop\.orders\.updated_at is older than 26 h/);
  });

  it('fails the connect step on a wrong password, without the password in the error', async () => {
    const result = await validateCopy({ ...request, port: server.port }, { open: openMysql, readPassword: () => Promise.resolve('not it'), now: () => new Date() });
    expect(result.steps[0]).toMatchObject({ name: 'connect', status: 'failed', error: expect.stringMatching(/Access denied for user 'admin'/) as unknown });
    expect(JSON.stringify(result)).not.toContain('not it');
  });
});
