/**
 * SQL steps on a restored y, over a real database connection: what a swap mode's validation (issue 16) and a pair's
 * staging hooks (issue 17) run. Pure of any driver: a step talks to the database through a {@link SqlSession}
 * (lambdas/aws/postgres.ts implements it with `pg`), so the same code runs in Lambda, in the simulation and in tests.
 *
 * Two kinds of step:
 * - a **change** (`afterRestore`: masking, grants) runs in one transaction, committed only when all of it ran; the
 *   session may write although y's parameter group makes ordinary sessions read-only (PostgreSQL: the transaction
 *   is begun READ WRITE, which overrides default_transaction_read_only for it);
 * - a **check** (`validate`) must return at least one row, and no row whose first column is false; it runs in a
 *   read-only transaction that is rolled back, whatever it does.
 * Steps run in order; the first failure stops the rest, which are reported `skipped`. Each step has a time limit.
 */

/** One connection to y. */
export interface SqlSession {
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

/** Why a check's rows fail it, or undefined when they pass. */
export function checkVerdict(rows: readonly Record<string, unknown>[]): string | undefined {
  if (rows.length === 0) return 'returned no row (a check must return at least one)';
  const bad = rows.findIndex((row) => {
    const first = Object.values(row)[0];
    return first === false || first === 'f' || first === 'false';
  });
  return bad === -1 ? undefined : `row ${bad + 1} of ${rows.length} has false in its first column`;
}

function describe(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' && e.code !== '' ? `${message} (SQLSTATE ${e.code})` : message;
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
      const verdict = step.kind === 'check' ? checkVerdict(rows) : undefined;
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
      results.push({ name: step.name, kind: step.kind, status: 'failed', ms: elapsed(), error: describe(err) });
    }
  }
  return results;
}

async function runOne(session: SqlSession, step: SqlStep): Promise<Record<string, unknown>[]> {
  if (step.kind === 'change') {
    // READ WRITE for this transaction only: default_transaction_read_only, which y's parameter group turns on, is
    // only the default of each new transaction (PostgreSQL documentation, "default_transaction_read_only";
    // BEGIN's transaction_mode READ WRITE).
    await session.query('begin read write');
    const { rows } = await session.query(step.sql);
    await session.query('commit');
    return rows;
  }
  await session.query('begin read only');
  try {
    return (await session.query(step.sql)).rows;
  } finally {
    await session.query('rollback');
  }
}
