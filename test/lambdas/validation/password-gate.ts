/**
 * A password check in front of a PGlite server, for the validation tests. PGlite over the wire
 * (scripts/sim/sql/servers.ts) logs any user in with any password, or none; RDS checks the password. The gate speaks
 * the start of the PostgreSQL protocol itself (Frontend/Backend Protocol, "Start-up"): it takes the client's
 * StartupMessage, asks for the password in clear text (AuthenticationCleartextPassword), and either refuses it with
 * the FATAL error PostgreSQL sends (SQLSTATE 28P01, "password authentication failed for user …") or passes the
 * StartupMessage on to PGlite and joins the two connections, so the client talks to the real database from there on.
 */
import * as net from 'node:net';

/** The protocol's SSLRequest code: the gate answers "N" (no TLS), as a server without TLS does. */
const SSL_REQUEST = 80877103;

/** An ErrorResponse message: severity, SQLSTATE and text, each a field of its own. */
function errorResponse(sqlstate: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[`SFATAL`, `VFATAL`, `C${sqlstate}`, `M${message}`].map((f) => Buffer.from(`${f}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/** AuthenticationCleartextPassword: 'R', length 8, code 3. */
function askForPassword(): Buffer {
  const m = Buffer.alloc(9);
  m.write('R', 0, 'latin1');
  m.writeInt32BE(8, 1);
  m.writeInt32BE(3, 5);
  return m;
}

/** The `user` parameter of a StartupMessage (after the length and the protocol version: key\0value\0…\0). */
function startupUser(message: Buffer): string {
  const parts = message.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === 'user') return parts[i + 1] ?? '';
  return '';
}

/** A running gate: where clients connect, and how to stop it. */
export interface PasswordGate {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a gate on 127.0.0.1 (an ephemeral port) that admits `password` only, to the server at `upstreamPort`. */
export async function startPasswordGate(upstreamPort: number, password: string): Promise<PasswordGate> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buffered = Buffer.alloc(0);
    let startup: Buffer | undefined;
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      while (startup === undefined) {
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.readInt32BE(4) === SSL_REQUEST) {
          buffered = buffered.subarray(8);
          client.write('N');
          continue;
        }
        if (buffered.length < length) return;
        startup = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        client.write(askForPassword());
      }
      // PasswordMessage: 'p', length, the password and a NUL.
      if (buffered.length < 5) return;
      const length = buffered.readInt32BE(1);
      if (buffered.length < 1 + length) return;
      const given = buffered.subarray(5, length).toString('utf8');
      const rest = buffered.subarray(1 + length);
      client.off('data', onData);
      if (given !== password) {
        client.end(errorResponse('28P01', `password authentication failed for user "${startupUser(startup)}"`));
        return;
      }
      client.pause();
      const upstream = net.connect(upstreamPort, '127.0.0.1', () => {
        // PGlite answers the StartupMessage with AuthenticationOk and the rest of the start-up: what the client waits
        // for after its password.
        upstream.write(startup!);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens: one the OS handed out and that was closed again. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
