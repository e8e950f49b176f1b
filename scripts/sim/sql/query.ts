/**
 * One probe query over a real PostgreSQL connection with the standard `pg` driver: connect, run the query,
 * disconnect, and say what happened as a {@link Sample}. Shared by the simulated probe (scripts/sim/sql/probe.ts)
 * and the probe of a real database (scripts/probe.ts).
 *
 * One connection per query, on purpose: every sample then goes through what a client that connects anew goes
 * through (DNS answer, TCP connect, authentication, query), so a moved name or a server that stopped listening
 * shows at the next sample. A kept connection would measure only the server it happened to reach first.
 * The query's first row may name the instance that answered (column `instance`) and the data's newest
 * timestamp (column `data_time`); both are optional.
 */
import { openPostgres } from '../../../lambdas/aws/postgres';
import type { SqlServer, SqlSession } from '../../../lambdas/sql/steps';
import type { Sample } from './samples';

/** Where and how to connect (the adapter's target). */
export type QueryTarget = Omit<SqlServer, 'applicationName'>;

/** Runs `sql` once on a new connection; never throws: a failure is a sample with `ok: false`. */
export async function querySample(target: QueryTarget, sql: string, at: Date): Promise<Sample> {
  const started = performance.now();
  const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
  let session: SqlSession | undefined;
  try {
    session = await openPostgres({ ...target, applicationName: 'replica-refresh-probe' });
    const row = (await session.query(sql)).rows[0];
    const instance = row?.instance;
    const dataTime = row?.data_time;
    return {
      at,
      ok: true,
      ...(typeof instance === 'string' ? { instanceId: instance } : {}),
      ...(dataTime instanceof Date ? { dataTime } : typeof dataTime === 'string' && !Number.isNaN(Date.parse(dataTime)) ? { dataTime: new Date(dataTime) } : {}),
      latencyMs: latencyMs(),
    };
  } catch (err) {
    return { at, ok: false, error: describeError(err), latencyMs: latencyMs() };
  } finally {
    await session?.close();
  }
}

/** A short, stable description: the system error code (ECONNREFUSED), or PostgreSQL's message with its SQLSTATE. */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; severity?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code && /^E[A-Z]+$/.test(code)) return code;
  if (code && typeof e.severity === 'string') return `${message} (SQLSTATE ${code})`;
  return message;
}
