/**
 * The SQL steps (lambdas/sql/steps.ts) over the `pg` adapter (lambdas/aws/postgres.ts), against a real PostgreSQL:
 * PGlite over the wire protocol (scripts/sim/sql/servers.ts), with y's read-only default for ordinary sessions.
 */
import { openPostgres } from '../../../lambdas/aws/postgres';
import type { SqlSession, SqlStep } from '../../../lambdas/sql/steps';
import { checkVerdict, runSteps } from '../../../lambdas/sql/steps';
import { SimDatabaseServers } from '../../../scripts/sim/sql/servers';

const servers = new SimDatabaseServers();
let port = 0;
let admin: SqlSession;
/** The sessions a test opened, closed after it (the server admits a few connections at once). */
const sessions: SqlSession[] = [];

async function session(): Promise<SqlSession> {
  const s = await openPostgres({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ssl: false, timeoutMs: 5000 });
  sessions.push(s);
  return s;
}

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
});

beforeAll(async () => {
  ({ port } = await servers.start('orders-staging', { dataTime: new Date('2026-11-21T00:10:00Z'), rows: 50 }));
  // What y's parameter group does: every new session starts read-only.
  admin = await openPostgres({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ssl: false, timeoutMs: 5000 });
  // PGlite serves every connection from one backend session: the setting holds for all of them, as a parameter
  // group's would for each new session.
  await admin.query('set default_transaction_read_only = on');
});

afterAll(async () => {
  await admin.close();
  await servers.stopAll();
});

const step = (name: string, kind: SqlStep['kind'], sql: string): SqlStep => ({ name, kind, sql });

describe('SQL steps on a real PostgreSQL', () => {
  it('default_transaction_read_only = on refuses writes in an ordinary session; a change step writes, all its statements in one transaction', async () => {
    const ordinary = await session();
    await expect(ordinary.query('update orders set amount = 0')).rejects.toMatchObject({ code: '25006' });
    const results = await runSteps(await session(), [step('mask.sql', 'change', "update orders set amount = 0 where id <= 10; create table masked_at (at timestamptz); insert into masked_at values (now());")], { timeoutMs: 5000 });
    expect(results).toEqual([expect.objectContaining({ name: 'mask.sql', kind: 'change', status: 'ok' })]);
    expect((await ordinary.query('select count(*)::int as n from orders where amount = 0')).rows[0]).toEqual({ n: 10 });
    expect((await ordinary.query('select count(*)::int as n from masked_at')).rows[0]).toEqual({ n: 1 });
  });

  it('a failing change leaves nothing of itself behind, and the steps after it are skipped', async () => {
    const results = await runSteps(
      await session(),
      [step('first.sql', 'change', 'create table half_done (x int); select no_such_function();'), step('after.sql', 'check', 'select true')],
      { timeoutMs: 5000 },
    );
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['first.sql', 'failed'],
      ['after.sql', 'skipped'],
    ]);
    expect(results[0]?.error).toMatch(/no_such_function.*\(SQLSTATE 42883\)/);
    const ordinary = await session();
    expect((await ordinary.query("select count(*)::int as n from pg_tables where tablename = 'half_done'")).rows[0]).toEqual({ n: 0 });
  });

  it('a check passes with rows and no false first column, fails with no row or a false one, and never writes', async () => {
    const results = await runSteps(
      await session(),
      [step('rows.sql', 'check', 'select count(*) > 0 as has_rows from orders'), step('write.sql', 'check', 'select true from (select 1) t')],
      { timeoutMs: 5000 },
    );
    expect(results.map((r) => [r.name, r.status, r.rows])).toEqual([
      ['rows.sql', 'ok', 1],
      ['write.sql', 'ok', 1],
    ]);
    const [none] = await runSteps(await session(), [step('none.sql', 'check', 'select 1 from orders where false')], { timeoutMs: 5000 });
    expect(none).toMatchObject({ status: 'failed', rows: 0, error: 'returned no row (a check must return at least one)' });
    const [stale] = await runSteps(await session(), [step('fresh.sql', 'check', "select max(created_at) > '2027-01-01' from orders")], { timeoutMs: 5000 });
    expect(stale).toMatchObject({ status: 'failed', error: 'row 1 of 1 has false in its first column' });
    const [writes] = await runSteps(await session(), [step('sneaky.sql', 'check', 'delete from orders returning true')], { timeoutMs: 5000 });
    expect(writes?.status).toBe('failed');
    expect(writes?.error).toContain('SQLSTATE 25006');
    expect((await (await session()).query('select count(*)::int as n from orders')).rows[0]).toEqual({ n: 50 });
  });

  it('a step past its time limit fails with the limit', async () => {
    const [slow, next] = await runSteps(await session(), [step('slow.sql', 'check', 'select pg_sleep(2) is not null'), step('next.sql', 'check', 'select true')], { timeoutMs: 300 });
    expect(slow).toMatchObject({ status: 'failed', error: 'did not finish within 300 ms' });
    expect(next).toMatchObject({ status: 'skipped' });
  });
});

describe('checkVerdict', () => {
  it('reads the first column of every row', () => {
    expect(checkVerdict([{ ok: true }, { ok: 1 }])).toBeUndefined();
    expect(checkVerdict([])).toBe('returned no row (a check must return at least one)');
    expect(checkVerdict([{ ok: true }, { ok: false, detail: 'x' }])).toBe('row 2 of 2 has false in its first column');
    expect(checkVerdict([{ ok: 'f' }])).toBe('row 1 of 1 has false in its first column');
  });
});
