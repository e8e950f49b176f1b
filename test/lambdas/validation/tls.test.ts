/**
 * The validation function's TLS (lambdas/handlers/validate-copy.ts): with `ssl: 'verify-full'`, a server whose
 * certificate chains to no trusted CA is refused during the handshake, before the StartupMessage and the password are
 * sent, and the error says what to set. The server here answers PostgreSQL's SSLRequest with "S" and a self-signed
 * certificate made for the test with openssl.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { lambdaValidationDeps } from '../../../lambdas/handlers/validate-copy';
import { validateCopy } from '../../../lambdas/validation/validate';

const SSL_REQUEST = 80877103;
const PASSWORD = 'never-leaves-the-function';

let server: net.Server;
let port = 0;
/** Bytes the server received after the TLS handshake: the StartupMessage and the password would be here. */
let received = 0;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validation-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    const key = fs.readFileSync(path.join(dir, 'key.pem'));
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    server = net.createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.once('data', (request) => {
        if (request.length < 8 || request.readInt32BE(4) !== SSL_REQUEST) {
          socket.destroy();
          return;
        }
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
        secure.on('data', (d: Buffer) => (received += d.length));
        secure.on('error', () => socket.destroy());
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('verify-full against a server with an untrusted certificate', () => {
  it('fails at connect with the TLS error and what to set, and sends nothing to the server', async () => {
    const deps = { ...lambdaValidationDeps(), readPassword: () => Promise.resolve(PASSWORD) };
    const result = await validateCopy(
      {
        engine: 'postgres',
        host: 'localhost',
        port,
        user: 'postgres',
        database: 'postgres',
        secretArn: 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf',
        passwordKey: 'password',
        checks: { tables: ['public.orders'] },
        timeoutMs: 5000,
        ssl: 'verify-full',
      },
      deps,
    );
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['connect', 'failed'],
      ['rows in public.orders', 'skipped'],
    ]);
    expect(result.error).toMatch(/^connect: self[- ]signed certificate; .*NODE_EXTRA_CA_CERTS=\/var\/runtime\/ca-cert\.pem.* \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
    expect(received).toBe(0);
  });
});
