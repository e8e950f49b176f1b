/**
 * PostgreSQL over the wire with the standard `pg` driver: the session the SQL steps (lambdas/sql/steps.ts) run on,
 * and the connection the SQL probe opens. TLS is on unless the caller turns it off (a local test server has none);
 * with the RDS CA bundle the server's certificate and name are verified.
 */
import type { QueryResult } from 'pg';
import { Client } from 'pg';
import type { SqlServer, SqlSession } from '../sql/steps';

/** Opens a session; the caller closes it. Connection errors surface as the driver's. */
export async function openPostgres(target: SqlServer): Promise<SqlSession> {
  const client = new Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: target.ssl,
    connectionTimeoutMillis: target.timeoutMs,
    query_timeout: target.timeoutMs,
    application_name: target.applicationName ?? 'replica-refresh',
  });
  // A server that goes away mid-query emits 'error' on the client as well as rejecting the query.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    dialect: 'postgres',
    query: async (sql) => {
      // A text of several statements answers with one result per statement (the simple query protocol): the last one's
      // rows are the step's.
      const result = (await client.query<Record<string, unknown>>(sql)) as QueryResult<Record<string, unknown>> | QueryResult<Record<string, unknown>>[];
      const last = Array.isArray(result) ? result.at(-1) : result;
      return { rows: last?.rows ?? [] };
    },
    close: () => client.end().catch(() => undefined),
  };
}
