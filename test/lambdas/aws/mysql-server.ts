/**
 * A MySQL-protocol server for the `mysql2` adapter's tests (no MySQL runs here: no Docker, and no MySQL is on npm).
 * It is mysql2's own server side of the protocol (`createServer`: handshake, mysql_native_password, COM_QUERY,
 * result sets, OK and ERR packets), answering each statement from a script the test gives, and recording every
 * statement it received. So the tests drive the real driver over a real socket and assert what it sent; they do
 * not test MySQL's SQL, which only AWS runs.
 *
 * - Login: the client's mysql_native_password token is checked against the password; a wrong one gets MySQL's
 *   ER_ACCESS_DENIED_ERROR (1045).
 * - A text of several statements (multipleStatements) is answered statement by statement, each result but the last
 *   flagged SERVER_MORE_RESULTS_EXISTS (Client/Server Protocol, "Multi-Resultset"); the first error ends it, as
 *   MySQL's does.
 * - No TLS: the server does not announce CLIENT_SSL, as a server without TLS does.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import mysql from 'mysql2';

const sha1 = (...parts: Buffer[]): Buffer => createHash('sha1').update(Buffer.concat(parts)).digest();

/**
 * mysql_native_password, the server's check (MySQL Client/Server Protocol, "Native Authentication"): the client
 * sends SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))); XOR-ing back gives SHA1(password), whose SHA1 must
 * be the stored SHA1(SHA1(password)).
 */
function tokenMatches(password: string, scramble: Buffer, token: Buffer): boolean {
  const doubleSha = sha1(sha1(Buffer.from(password, 'utf8')));
  if (token.length !== 20) return password === '' && token.length === 0;
  const mask = sha1(scramble.subarray(0, 20), doubleSha);
  const stage1 = Buffer.from(token.map((b, i) => b ^ (mask[i] ?? 0)));
  return sha1(stage1).equals(doubleSha);
}

/** What a statement gets back. */
export type Answer = { rows: Record<string, string | number | null>[] } | { affectedRows: number } | { error: { code: number; message: string } } | 'hang';

/** Capability flags: protocol 4.1, secure connection, multi statements and results, plugin auth; no CLIENT_SSL (0x800). */
const CAPABILITIES = 0xffffff & ~0x800;
const SERVER_STATUS_AUTOCOMMIT = 0x0002;
const SERVER_MORE_RESULTS_EXISTS = 0x0008;
const MYSQL_TYPE_LONGLONG = 8;
const MYSQL_TYPE_VAR_STRING = 253;
const UTF8MB4 = 45;

/** The running server. */
export interface MysqlTestServer {
  readonly port: number;
  /** Every statement received, in order, across connections (a multi-statement text is one entry per statement). */
  readonly statements: string[];
  /** The users that logged in. */
  readonly logins: string[];
  close(): Promise<void>;
}

interface ServerConnection {
  readonly stream: Socket;
  sequenceId: number;
  serverHandshake(args: Record<string, unknown>): void;
  on(event: string, listener: (...args: never[]) => void): void;
  writeColumns(columns: Record<string, unknown>[]): void;
  writeTextRow(values: (string | null)[]): void;
  writeEof(warnings?: number, statusFlags?: number): void;
  writeOk(args?: Record<string, unknown>): void;
  writeError(args: { code: number; message: string }): void;
}

function column(name: string, numeric: boolean): Record<string, unknown> {
  return { catalog: 'def', schema: '', table: '', orgTable: '', name, orgName: name, characterSet: numeric ? 63 : UTF8MB4, columnLength: 255, columnType: numeric ? MYSQL_TYPE_LONGLONG : MYSQL_TYPE_VAR_STRING, flags: 0, decimals: 0 };
}

/** Splits a text of several statements at `;` (the tests' SQL holds no `;` in literals). */
export function statementsOf(text: string): string[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Starts a server on a free local port; `answer` decides each statement's result. */
export async function startMysqlTestServer(options: { password: string; answer: (statement: string) => Answer }): Promise<MysqlTestServer> {
  const statements: string[] = [];
  const logins: string[] = [];
  let nextId = 1;
  const sockets = new Set<Socket>();
  const server = mysql.createServer((raw: unknown) => {
    const conn = raw as ServerConnection;
    sockets.add(conn.stream);
    conn.stream.on('close', () => sockets.delete(conn.stream));
    conn.on('error', () => undefined);
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '8.0.39',
      connectionId: nextId++,
      statusFlags: SERVER_STATUS_AUTOCOMMIT,
      characterSet: UTF8MB4,
      capabilityFlags: CAPABILITIES,
      authCallback: (params: { user: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken: Buffer }, cb: (err: null, mysqlError?: { code: number; message: string }) => void) => {
        if (tokenMatches(options.password, Buffer.concat([params.authPluginData1, params.authPluginData2]), params.authToken)) {
          logins.push(params.user);
          cb(null);
        } else {
          cb(null, { code: 1045, message: `Access denied for user '${params.user}'@'10.0.0.1' (using password: YES)` });
        }
      },
    });
    const onQuery = (text: string) => {
      const parts = statementsOf(text);
      for (const [i, statement] of parts.entries()) {
        statements.push(statement);
        const more = i < parts.length - 1 ? SERVER_MORE_RESULTS_EXISTS : 0;
        const answer = options.answer(statement);
        if (answer === 'hang') return;
        if ('error' in answer) {
          conn.writeError(answer.error);
          conn.sequenceId = 0;
          return;
        }
        if ('affectedRows' in answer) {
          conn.writeOk({ affectedRows: answer.affectedRows, serverStatus: SERVER_STATUS_AUTOCOMMIT | more });
          continue;
        }
        const names = Object.keys(answer.rows[0] ?? { result: null });
        conn.writeColumns(names.map((n) => column(n, typeof answer.rows[0]?.[n] === 'number')));
        for (const row of answer.rows) conn.writeTextRow(names.map((n) => (row[n] === null || row[n] === undefined ? null : String(row[n]))));
        conn.writeEof(0, SERVER_STATUS_AUTOCOMMIT | more);
      }
      // The client numbers each command's packets from 0 again (Client/Server Protocol, "Sequence ID").
      conn.sequenceId = 0;
    };
    conn.on('query', onQuery);
    // mysql2's server hands a statement that starts with SET or PREPARE to 'stmt_prepare' instead of 'query'.
    conn.on('stmt_prepare', onQuery);
  });
  const listening = (server as unknown as { _server: Server })._server;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (listening.address() as AddressInfo).port,
    statements,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listening.close(() => resolve());
      }),
  };
}
