/**
 * The staging-safety example (infra/examples/staging-safety/): its SQL hooks, run the way the pair's SQL runner runs
 * them (lambdas/sql/steps.ts over lambdas/aws/postgres.ts), on a real PostgreSQL: PGlite over the wire protocol,
 * loaded with the example's sample-schema.sql, one production copy y.
 *
 * PGLiteSocketServer serves every connection from ONE backend session, so a SET (default_transaction_read_only, a
 * role) made through one connection holds for the next, and a database's or role's settings (ALTER DATABASE/ROLE …
 * SET) never apply, as they do only when a backend starts. Each test therefore starts from a clean y: the session's
 * settings reset, the tables and the role dropped, the sample schema loaded again ({@link restore}).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as PGliteModule from '@electric-sql/pglite';
import type { PGlite } from '@electric-sql/pglite';
import type * as PGliteSocketModule from '@electric-sql/pglite-socket';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { openPostgres } from '../../../lambdas/aws/postgres';
import { embedHookSql, hookSteps, parseConfig, parseConfigText, replicaRefreshOf } from '../../../lambdas/kernel/config';
import type { SqlSession, SqlStep, StepResult } from '../../../lambdas/sql/steps';
import { runSteps } from '../../../lambdas/sql/steps';

// PGlite's CommonJS build loads Node modules with dynamic import(), which jest's vm context refuses: load it with
// Node's own require, as scripts/sim/sql/servers.ts does.
const nativeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
const { PGlite: PGliteClass } = nativeRequire('@electric-sql/pglite') as typeof PGliteModule;
const { PGLiteSocketServer: SocketServer } = nativeRequire('@electric-sql/pglite-socket') as typeof PGliteSocketModule;

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLE = 'infra/examples/staging-safety';
const CONFIG = `${EXAMPLE}/cdk.json`;
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface ExampleHooks {
  afterRestore: string[];
  validate: string[];
}
/** The hook files as the example's cdk.json lists them (plain JSON: these tests do not depend on the schema). */
const hooks = (JSON.parse(read(CONFIG)) as { context: { replicaRefresh: { pairs: { staging: { hooks: ExampleHooks } }[] } } }).context.replicaRefresh.pairs[0]!.staging.hooks;
const steps = (files: readonly string[], kind: SqlStep['kind']): SqlStep[] => files.map((name) => ({ name, kind, sql: read(name) }));
const AFTER_RESTORE = steps(hooks.afterRestore, 'change');
const VALIDATE = steps(hooks.validate, 'check');
const [MASK, GRANTS] = AFTER_RESTORE as [SqlStep, SqlStep];
const [COUNTS, NO_UNMASKED] = VALIDATE as [SqlStep, SqlStep];

const MASKED_EMAIL = /^user_[0-9a-f]{12}(\.[0-9]+)?@example\.invalid$/;
/** What 10-mask.sql makes of an address that no other row's address collides with. */
const expectedMask = (email: string) => `user_${createHash('md5').update(email.toLowerCase()).digest('hex').slice(0, 12)}@example.invalid`;

let db: PGlite;
let server: PGLiteSocketServer;
let port = 0;
/** The sessions a test opened, closed after it (the server admits 8 connections at once). */
const sessions: SqlSession[] = [];
/** The session a test reads through, opened on first use. */
let reader: SqlSession | undefined;

async function session(): Promise<SqlSession> {
  const s = await openPostgres({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ssl: false, timeoutMs: 10_000 });
  sessions.push(s);
  return s;
}

/** Runs steps on a new session, each within 10 s. */
async function run(list: readonly SqlStep[]): Promise<StepResult[]> {
  return runSteps(await session(), list, { timeoutMs: 10_000 });
}

const statuses = (results: readonly StepResult[]) => results.map((r) => [r.name.split('/').pop(), r.status, r.error]);

/** The rows of a query on the test's reading session. */
async function rows<T>(sql: string): Promise<T[]> {
  reader ??= await session();
  return (await reader.query(sql)).rows as T[];
}

/**
 * A fresh restore of production: the session's settings back to their defaults, the example's tables and role gone,
 * sample-schema.sql loaded again. Separate statements: several in one text run as one implicit transaction, begun
 * before a RESET takes effect.
 */
async function restore(): Promise<void> {
  await db.exec('rollback');
  await db.exec('reset role');
  await db.exec('reset all');
  await db.exec(`
    drop table if exists orders, customers, created_later cascade;
    do $$
    begin
      if exists (select 1 from pg_roles where rolname = 'staging_developer') then
        drop owned by staging_developer;
        drop role staging_developer;
      end if;
    end
    $$;`);
  // Over the wire, as any client of y would load it.
  await (await session()).query(read(`${EXAMPLE}/sql/sample-schema.sql`));
}

beforeAll(async () => {
  db = await PGliteClass.create({ startParams: [...PGliteClass.defaultStartParams, '-c', 'shared_buffers=8MB', '-c', 'wal_buffers=1MB', '-c', 'work_mem=1MB'] });
  server = new SocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  port = Number(server.getServerConn().split(':').pop());
});

beforeEach(restore);

afterEach(async () => {
  reader = undefined;
  for (const s of sessions.splice(0)) await s.close();
});

afterAll(async () => {
  await server.stop();
  await db.close();
});

interface Customer {
  id: string;
  email: string;
  full_name: string;
  phone: string | null;
}
const customers = () => rows<Customer>('select id, email, full_name, phone from customers order by id');
const customerById = async () => new Map((await customers()).map((c) => [c.id, c]));
/** Every order with its customer's id, through the join. */
const orderJoin = () => rows<{ order_id: string; customer_id: string }>('select o.id as order_id, c.id as customer_id from orders o join customers c on c.id = o.customer_id order by o.id');

describe('the staging-safety example on a real PostgreSQL', () => {
  it('the example cdk.json is a valid configuration whose hooks embed these SQL files, in this order', () => {
    const config = parseConfig(replicaRefreshOf(parseConfigText(read(CONFIG), CONFIG), CONFIG));
    expect(config.pairs).toHaveLength(1);
    const [pair] = embedHookSql(config.pairs, ROOT);
    expect(pair?.credentials).toMatchObject({ mode: 'secret' });
    expect(pair?.staging).toMatchObject({ readOnly: true, onFailure: 'isolate', runner: { timeoutSeconds: 60 } });
    const embedded = hookSteps(pair!);
    expect(embedded.afterRestore).toEqual(AFTER_RESTORE.map(({ name, sql }) => ({ name, sql })));
    expect(embedded.validate).toEqual(VALIDATE.map(({ name, sql }) => ({ name, sql })));
    expect(AFTER_RESTORE.map((s) => s.name.split('/').pop())).toEqual(['10-mask.sql', '20-grants.sql']);
    expect(VALIDATE.map((s) => s.name.split('/').pop())).toEqual(['90-validate-counts.sql', '91-validate-no-unmasked-email.sql']);
  });

  it('mask: every email masked, names replaced, phones fixed, the unique constraint holds and orders still join their customers', async () => {
    const before = await customerById();
    const joinedBefore = await orderJoin();
    expect(joinedBefore).toHaveLength(12);

    expect(statuses(await run(AFTER_RESTORE))).toEqual([
      ['10-mask.sql', 'ok', undefined],
      ['20-grants.sql', 'ok', undefined],
    ]);

    const after = await customers();
    expect(after).toHaveLength(before.size);
    for (const c of after) {
      const original = before.get(c.id)!;
      expect(c.email).toMatch(MASKED_EMAIL);
      expect(c.email).not.toContain(original.email.split('@')[0]);
      expect(c.full_name).toBe(`Customer ${c.id}`);
      expect(c.phone).toBe(original.phone === null ? null : `+000${c.id.padStart(10, '0')}`);
    }
    // Nothing of the original names or addresses is left anywhere in the table.
    const text = JSON.stringify(after);
    for (const c of before.values()) {
      expect(text).not.toContain(c.full_name);
      expect(text).not.toContain(c.email.split('@')[1]);
    }
    // Unique: every address distinct, the constraint still in place and still enforced.
    expect(new Set(after.map((c) => c.email)).size).toBe(after.length);
    expect(await rows("select conname from pg_constraint where conrelid = 'customers'::regclass and contype = 'u'")).toEqual([{ conname: 'customers_email_key' }]);
    const [first, second] = after as [Customer, Customer];
    const [dup] = await run([{ name: 'dup.sql', kind: 'change', sql: `update customers set email = '${first.email}' where id = ${second.id}` }]);
    expect(dup?.error).toContain('SQLSTATE 23505');
    // Lena.Berg@Outlook.com (5) and lena.berg@outlook.com (6) hash alike: each gets its id, and both stay distinct.
    const lena = expectedMask('lena.berg@outlook.com').replace('@', '.');
    expect([after[4]?.email, after[5]?.email]).toEqual([lena.replace('.example.invalid', '.5@example.invalid'), lena.replace('.example.invalid', '.6@example.invalid')]);
    // Joins: the same orders with the same customers.
    expect(await orderJoin()).toEqual(joinedBefore);
  });

  it('mask is idempotent: running it twice gives the same rows, and the second run rewrites none', async () => {
    expect(statuses(await run([MASK]))).toEqual([['10-mask.sql', 'ok', undefined]]);
    const once = await rows('select xmin::text as version, * from customers order by id');
    expect(statuses(await run([MASK, MASK]))).toEqual([
      ['10-mask.sql', 'ok', undefined],
      ['10-mask.sql', 'ok', undefined],
    ]);
    // Same values, and the same row versions (xmin): no UPDATE touched a row again.
    expect(await rows('select xmin::text as version, * from customers order by id')).toEqual(once);
  });

  it('mask is deterministic: the same address always maps to the same masked address, whatever its case, on every refresh', async () => {
    const original = await customerById();
    await run([MASK]);
    const first = await customerById();
    // md5 of the lower-cased address, computed here independently of the database. The rows whose addresses collide
    // (5 and 6, by case) get their id as well: the mask test covers them.
    const uncollided = [...first.keys()].filter((id) => id !== '5' && id !== '6');
    expect(uncollided.map((id) => first.get(id)!.email)).toEqual(uncollided.map((id) => expectedMask(original.get(id)!.email)));

    // The next night's restore: production again, one address now written in capitals.
    await restore();
    await db.exec("update customers set email = 'Anna.Schmidt@GMAIL.com' where id = 1");
    await run([MASK]);
    expect(await customerById()).toEqual(first);
  });

  it('validate: both checks pass after masking; 91 fails before masking, 90 on empty tables', async () => {
    // Before masking: the counts are fine, the addresses are not.
    expect(statuses(await run(VALIDATE))).toEqual([
      ['90-validate-counts.sql', 'ok', undefined],
      ['91-validate-no-unmasked-email.sql', 'failed', 'row 1 of 1 has false in its first column'],
    ]);
    expect(await rows(NO_UNMASKED.sql)).toEqual([{ all_emails_masked: false, unmasked_emails: '8' }]);

    expect(statuses(await run([...AFTER_RESTORE, ...VALIDATE])).map(([, status]) => status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(await rows(COUNTS.sql)).toEqual([{ ok: true, customers: '8', orders: '12', orders_without_their_customer: '0' }]);

    // An address that only looks masked is not: one left over, or added after the mask, fails 91.
    await db.exec("update customers set email = 'anna@example.invalid' where id = 1");
    expect(statuses(await run([NO_UNMASKED]))).toEqual([['91-validate-no-unmasked-email.sql', 'failed', 'row 1 of 1 has false in its first column']]);

    // A restore that lost its data: 90 fails (and stops the checks after it).
    await db.exec('truncate orders, customers');
    expect(statuses(await run(VALIDATE))).toEqual([
      ['90-validate-counts.sql', 'failed', 'row 1 of 1 has false in its first column'],
      ['91-validate-no-unmasked-email.sql', 'skipped', undefined],
    ]);
    await db.exec("insert into customers values (1, 'user_000000000000@example.invalid', 'Customer 1', null, now())");
    expect(statuses(await run([COUNTS]))).toEqual([['90-validate-counts.sql', 'failed', 'row 1 of 1 has false in its first column']]);
  });

  it('default_transaction_read_only = on: an ordinary session cannot write (SQLSTATE 25006), the hooks (begun READ WRITE) still mask and grant', async () => {
    // What y's parameter group does for every new session. ALTER DATABASE … SET would only apply to new backends, and
    // PGlite never starts one: the session setting, which every connection shares, stands in for it.
    await (await session()).query('set default_transaction_read_only = on');
    const ordinary = await session();
    expect((await ordinary.query('show default_transaction_read_only')).rows).toEqual([{ default_transaction_read_only: 'on' }]);
    await expect(ordinary.query("insert into customers values (99, 'x@example.com', 'X', null, now())")).rejects.toMatchObject({ code: '25006' });
    await expect(ordinary.query("update customers set full_name = 'X'")).rejects.toMatchObject({ code: '25006' });

    expect(statuses(await run([...AFTER_RESTORE, ...VALIDATE])).map(([, status]) => status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    // The change committed; the session is still read-only afterwards.
    expect(await rows<{ n: number }>(`select count(*)::int as n from customers where email ~ '${MASKED_EMAIL.source}'`)).toEqual([{ n: 8 }]);
    await expect(ordinary.query('delete from orders')).rejects.toMatchObject({ code: '25006' });
  });

  it('staging_developer may SELECT and nothing else, and default_transaction_read_only=on is in its role settings', async () => {
    expect(statuses(await run(AFTER_RESTORE)).map(([, status]) => status)).toEqual(['ok', 'ok']);
    // Idempotent: the next refresh's run finds the role and grants again without error.
    expect(statuses(await run([GRANTS]))).toEqual([['20-grants.sql', 'ok', undefined]]);

    const privileges = await rows<{ table: string; privilege: string; granted: boolean }>(`
      select t as table, p as privilege, has_table_privilege('staging_developer', t, p) as granted
      from unnest(array['customers', 'orders']) t, unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
      order by 1, 2`);
    expect(privileges.filter((r) => r.granted).map((r) => `${r.table} ${r.privilege}`)).toEqual(['customers SELECT', 'orders SELECT']);
    expect(await rows("select has_table_privilege('staging_developer', 'customers', 'INSERT') as can_insert, has_table_privilege('staging_developer', 'customers', 'SELECT') as can_select")).toEqual([
      { can_insert: false, can_select: true },
    ]);
    expect(await rows("select has_schema_privilege('staging_developer', 'public', 'USAGE') as usage")).toEqual([{ usage: true }]);

    // A role to grant to people, not to log in with; its sessions start read-only.
    expect(await rows("select rolcanlogin, rolsuper, rolconfig from pg_roles where rolname = 'staging_developer'")).toEqual([
      { rolcanlogin: false, rolsuper: false, rolconfig: ['default_transaction_read_only=on'] },
    ]);
    expect(await rows("select setdatabase, setconfig from pg_db_role_setting s join pg_roles r on r.oid = s.setrole where r.rolname = 'staging_developer'")).toEqual([
      { setdatabase: 0, setconfig: ['default_transaction_read_only=on'] },
    ]);

    // A table the master user creates later is readable too (the default privileges), and only readable.
    await run([{ name: 'migration.sql', kind: 'change', sql: 'create table created_later (id int)' }]);
    expect(await rows("select has_table_privilege('staging_developer', 'created_later', 'SELECT') as s, has_table_privilege('staging_developer', 'created_later', 'INSERT') as i")).toEqual([{ s: true, i: false }]);

    // And PostgreSQL enforces it: as the role, a read works and a write is refused even in a READ WRITE transaction.
    const developer = await session();
    await developer.query('set role staging_developer');
    try {
      expect((await developer.query('select count(*)::int as n from customers c join orders o on o.customer_id = c.id')).rows).toEqual([{ n: 12 }]);
      await developer.query('begin read write');
      await expect(developer.query("insert into customers values (99, 'x@example.com', 'X', null, now())")).rejects.toMatchObject({ code: '42501' });
      await developer.query('rollback');
      await expect(developer.query('begin read write; delete from orders;')).rejects.toMatchObject({ code: '42501' });
      await developer.query('rollback');
    } finally {
      // Every connection shares the one backend session: give the next test its superuser back.
      await developer.query('reset role');
    }
  });
});
