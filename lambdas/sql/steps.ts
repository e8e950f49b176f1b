/**
 * SQL steps on a restored y, over a real database connection: what a swap mode's validation (issue 16) and a pair's
 * staging hooks (issue 17) run. Pure of any driver: a step talks to the database through a {@link SqlSession}
 * (lambdas/aws/postgres.ts implements it with `pg`, lambdas/aws/mysql.ts with `mysql2` for MySQL and MariaDB), so the
 * same code runs in Lambda, in the simulation and in tests.
 *
 * Two kinds of step:
 * - a **change** (`afterRestore`: masking, grants) runs in one transaction, committed only when all of it ran; the
 *   session may write although y's parameter group makes ordinary sessions read-only (PostgreSQL: the transaction
 *   is begun READ WRITE, which overrides default_transaction_read_only for it). MySQL and MariaDB have no such
 *   override: `read_only` stops every session without CONNECTION_ADMIN or SUPER, which RDS's master user lacks, so
 *   the configuration refuses hooks together with `staging.readOnly` there (lambdas/kernel/config.ts). There, DDL and
 *   GRANT commit implicitly ("Statements That Cause an Implicit Commit", MySQL reference 15.3.3): a change that
 *   mixes them with UPDATEs is atomic only up to each such statement;
 * - a **check** (`validate`) must return at least one row, and no row whose first column is false; it runs in a
 *   read-only transaction that is rolled back, whatever it does.
 * Steps run in order; the first failure stops the rest, which are reported `skipped`. Each step has a time limit.
 */
import type { ConnectionOptions } from 'node:tls';

/**
 * The SQL a session speaks: `postgres` (pg) or `mysql` (mysql2, for MySQL and MariaDB, whose transaction statements
 * and booleans are MySQL's).
 */
export type SqlDialect = 'postgres' | 'mysql';

/** Where and how a driver connects. */
export interface SqlServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /** TLS options, or false for a plain connection. */
  readonly ssl: ConnectionOptions | false;
  /** Real milliseconds the connect, and then each query, may take. */
  readonly timeoutMs: number;
  /** What the server shows for the session (pg_stat_activity's application_name; MySQL's program_name attribute). */
  readonly applicationName?: string;
}

/** A server and the SQL it speaks: which driver connects to it. */
export interface SqlTarget extends SqlServer {
  readonly dialect: SqlDialect;
}

/** One connection to y. */
export interface SqlSession {
  /** The SQL it speaks: how a transaction is begun, what false looks like. */
  readonly dialect: SqlDialect;
  /** Runs one statement (or several, for a change); the rows of the last one. */
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

/** A step: its name (the file it came from) and its SQL. */
export interface SqlStep {
  name: string;
  kind: 'change' | 'check';
  sql: string;
}

/** What became of one step, as the run records it and the report shows it. */
export interface StepResult {
  name: string;
  kind: SqlStep['kind'];
  status: 'ok' | 'failed' | 'skipped';
  ms: number;
  /** Rows the step's last statement returned. */
  rows?: number;
  /** Why it failed: the database's error, the time limit, or the check's verdict. */
  error?: string;
}

/** A step that did not end in time. */
class StepTimeout extends Error {
  public constructor(ms: number) {
    super(`did not finish within ${ms} ms`);
    this.name = 'StepTimeout';
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether a first column says false. PostgreSQL has a boolean type (`pg` gives false; text 'f'). MySQL has none:
 * "BOOL, BOOLEAN: These types are synonyms for TINYINT(1). A value of zero is considered false" (MySQL reference,
 * "Numeric Data Type Syntax"), so a MySQL check's false is 0 (a number, a bigint or the text '0').
 */
function isFalse(value: unknown, dialect: SqlDialect): boolean {
  if (value === false || value === 'f' || value === 'false') return true;
  return dialect === 'mysql' && (value === 0 || value === 0n || value === '0');
}

/** Why a check's rows fail it, or undefined when they pass. */
export function checkVerdict(rows: readonly Record<string, unknown>[], dialect: SqlDialect = 'postgres'): string | undefined {
  if (rows.length === 0) return 'returned no row (a check must return at least one)';
  const bad = rows.findIndex((row) => isFalse(Object.values(row)[0], dialect));
  return bad === -1 ? undefined : `row ${bad + 1} of ${rows.length} has false in its first column`;
}

/**
 * A database's error in one line with its codes: PostgreSQL's SQLSTATE (`pg`'s `code`), or MySQL's symbol and
 * number (`mysql2`'s `code` and `errno`, as in "ER_OPTION_PREVENTS_STATEMENT 1290").
 */
export function describeSqlError(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; errno?: unknown; sqlState?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (typeof e?.errno === 'number' && code !== '') return `${message} (${code} ${e.errno})`;
  if (/^[0-9A-Z]{5}$/.test(code)) return `${message} (SQLSTATE ${code})`;
  return code !== '' && !message.includes(code) ? `${message} (${code})` : message;
}
/**
 * Runs the steps in order on one session, each within `timeoutMs`. A change commits only when all its SQL ran; a
 * check is always rolled back. After a failure the rest are skipped, and the session is left for the caller to close.
 */
export async function runSteps(session: SqlSession, steps: readonly SqlStep[], opts: { timeoutMs: number; now?: () => number }): Promise<StepResult[]> {
  const now = opts.now ?? (() => performance.now());
  const results: StepResult[] = [];
  let failed = false;
  for (const step of steps) {
    if (failed) {
      results.push({ name: step.name, kind: step.kind, status: 'skipped', ms: 0 });
      continue;
    }
    const started = now();
    const elapsed = () => Math.round((now() - started) * 10) / 10;
    try {
      const rows = await withTimeout(runOne(session, step), opts.timeoutMs);
      const verdict = step.kind === 'check' ? checkVerdict(rows, session.dialect) : undefined;
      if (verdict) {
        failed = true;
        results.push({ name: step.name, kind: step.kind, status: 'failed', ms: elapsed(), rows: rows.length, error: verdict });
      } else {
        results.push({ name: step.name, kind: step.kind, status: 'ok', ms: elapsed(), rows: rows.length });
      }
    } catch (err) {
      failed = true;
      // Whatever the transaction did is undone; a session that timed out may be unusable, and is not reused.
      await session.query('rollback').catch(() => undefined);
      results.push({ name: step.name, kind: step.kind, status: 'failed', ms: elapsed(), error: describeSqlError(err) });
    }
  }
  return results;
}

/**
 * How each dialect begins a transaction of either kind. PostgreSQL: BEGIN's transaction_mode READ WRITE overrides
 * default_transaction_read_only, which y's parameter group turns on, for this transaction only (PostgreSQL
 * documentation, "BEGIN" and "default_transaction_read_only"). MySQL and MariaDB: START TRANSACTION READ WRITE |
 * READ ONLY (MySQL reference, "START TRANSACTION"; MariaDB since 10.0).
 */
const BEGIN: Readonly<Record<SqlDialect, Readonly<Record<SqlStep['kind'], string>>>> = {
  postgres: { change: 'begin read write', check: 'begin read only' },
  mysql: { change: 'start transaction read write', check: 'start transaction read only' },
};

async function runOne(session: SqlSession, step: SqlStep): Promise<Record<string, unknown>[]> {
  const begin = BEGIN[session.dialect];
  if (step.kind === 'change') {
    await session.query(begin.change);
    const { rows } = await session.query(step.sql);
    await session.query('commit');
    return rows;
  }
  await session.query(begin.check);
  try {
    return (await session.query(step.sql)).rows;
  } finally {
    await session.query('rollback');
  }
}
