/**
 * MySQL and MariaDB over the wire with `mysql2`: the session the SQL steps (lambdas/sql/steps.ts) run on for a pair
 * whose y is RDS for MySQL or MariaDB. TLS is on unless the caller turns it off; with the RDS CA bundle the server's
 * certificate and name are verified (Node's TLS and CAs, as for `pg`; mysql2 checks the name only when asked to,
 * with `verifyIdentity`).
 *
 * - `multipleStatements`: a hook file may hold several statements, sent as one text, as `pg`'s simple query protocol
 *   takes them; mysql2 then answers with one result per statement, and the step's rows are the last one's.
 * - The session's time zone is UTC (`SET time_zone = '+00:00'`), so DATETIME and TIMESTAMP values compare with the
 *   UTC literals of the built-in freshness check (lambdas/validation/spec.ts) as the clock meant them.
 * - Each query has the target's time limit (mysql2's per-query `timeout`), as `pg`'s query_timeout does.
 */
import type { Connection, FieldPacket, QueryResult } from 'mysql2/promise';
import { createConnection } from 'mysql2/promise';
import type { SqlServer, SqlSession } from '../sql/steps';

/** The rows of a result: a SELECT's rows, or none for a statement that returns an OK packet. */
function rowsOf(result: QueryResult): Record<string, unknown>[] {
  return Array.isArray(result) ? (result as unknown[]).filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r)) : [];
}

/**
 * The last statement's rows. With multipleStatements, a text of several statements answers with an array holding
 * one result per statement (each an array of rows or an OK packet); a single statement answers with its own result.
 */
export function lastRows(result: QueryResult, fields: FieldPacket[] | FieldPacket[][] | undefined): Record<string, unknown>[] {
  const several = Array.isArray(result) && Array.isArray(fields) && fields.length > 0 && fields.every((f) => Array.isArray(f) || f === undefined);
  if (several) {
    const results = result as unknown as QueryResult[];
    const last = results.at(-1);
    return last === undefined ? [] : rowsOf(last);
  }
  return rowsOf(result);
}

/** Opens a session; the caller closes it. Connection errors surface as the driver's (code and errno kept). */
export async function openMysql(target: SqlServer): Promise<SqlSession> {
  const connection: Connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    // mysql2 checks the certificate's name only with verifyIdentity (lib/base/connection.js startTLS); the CAs are
    // Node's, NODE_EXTRA_CA_CERTS included, as for `pg`.
    ...(target.ssl === false ? {} : { ssl: { rejectUnauthorized: target.ssl.rejectUnauthorized !== false, verifyIdentity: target.ssl.rejectUnauthorized !== false } }),
    connectTimeout: target.timeoutMs,
    multipleStatements: true,
    // BIGINT and DECIMAL as exact strings, never a rounded number; DATETIME as read in UTC.
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
    connectAttributes: { program_name: target.applicationName ?? 'replica-refresh' },
  });
  // A server that goes away between queries emits 'error' on the connection as well as rejecting the next query.
  connection.on('error', () => undefined);
  try {
    await connection.query({ sql: "SET time_zone = '+00:00'", timeout: target.timeoutMs });
  } catch (err) {
    await connection.end().catch(() => undefined);
    throw err;
  }
  return {
    dialect: 'mysql',
    query: async (sql) => {
      // mysql2's own timeout rejects the query but keeps the connection, whose next command then waits behind the
      // unanswered one: a query that times out (or any fatal error) ends the connection, so that nothing waits on it.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`the query did not finish within ${target.timeoutMs} ms`), { code: 'ETIMEDOUT' })), target.timeoutMs);
      });
      try {
        const [result, fields] = await Promise.race([connection.query({ sql, timeout: target.timeoutMs }), timeout]);
        return { rows: lastRows(result, fields) };
      } catch (err) {
        const e = err as { code?: unknown; fatal?: unknown };
        if (e.code === 'ETIMEDOUT' || e.code === 'PROTOCOL_SEQUENCE_TIMEOUT' || e.fatal === true) connection.destroy();
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    // A connection whose query timed out may never answer QUIT: it is given the time limit to end, then destroyed.
    close: async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, target.timeoutMs)));
      await Promise.race([connection.end().catch(() => undefined), late]);
      clearTimeout(timer);
      connection.destroy();
    },
  };
}
