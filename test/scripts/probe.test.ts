/**
 * `npm run probe` as an operator runs it (a child process), against a real PGlite socket server started here,
 * with the password from an environment variable (--password-env) instead of Secrets Manager.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Measure } from '../../scripts/sim/sql/samples';
import { PROBE_SQL, SimDatabaseServers } from '../../scripts/sim/sql/servers';

const root = join(__dirname, '..', '..');

/** Runs the command without blocking this process's event loop: the server under test answers from it. */
function probe(args: string[], env: NodeJS.ProcessEnv = {}, onStderr: (all: string) => void = () => undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'probe.ts'), ...args], {
      cwd: root,
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', PROBE_TEST_PASSWORD: 'sim', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type Result = Measure & { from: string; to: string; windows: { seconds: number; causes: string[] }[] };

describe('npm run probe (real database probe)', () => {
  const servers = new SimDatabaseServers();
  afterAll(() => servers.stopAll());

  it('probe measures a server that answers throughout: no downtime, the instance and data time recorded, exit 0', async () => {
    const { port } = await servers.start('orders-staging', { dataTime: new Date('2026-11-18T00:10:00Z') });

    const { code, stdout, stderr } = await probe(['--endpoint', '127.0.0.1', '--port', String(port), '--password-env', 'PROBE_TEST_PASSWORD', '--no-tls', '--interval', '0.25', '--duration', '1.5', '--query', PROBE_SQL, '--json']);
    const result = JSON.parse(stdout) as Result;

    expect(code).toBe(0);
    expect(result).toMatchObject({ port, intervalSeconds: 0.25, failedSamples: 0, downtimeSeconds: 0, windows: [] });
    expect(result.samples).toBeGreaterThanOrEqual(4);
    expect(stderr).toContain('instance orders-staging  data 2026-11-18T00:10:00.000Z');
  });

  it('probe counts the time the server was gone as client-seen downtime, with its window, and exits 0', async () => {
    const { port } = await servers.start('orders-restored', { dataTime: new Date('2026-11-18T00:10:00Z') });
    // The outage begins once the probe has had its first answer (its start-up takes seconds on a busy machine), and
    // lasts about a second.
    let answered!: () => void;
    const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
    const outage = (async () => {
      await firstAnswer;
      await new Promise((r) => setTimeout(r, 500));
      await servers.stop('orders-restored');
      await new Promise((r) => setTimeout(r, 1000));
      await servers.start('orders-restored', { dataTime: new Date('2026-11-19T00:10:00Z') }, { port });
    })();

    const run = probe(['--endpoint', '127.0.0.1', '--port', String(port), '--password-env', 'PROBE_TEST_PASSWORD', '--no-tls', '--interval', '0.2', '--duration', '4', '--json'], {}, (all) => {
      if (all.includes('  ok ')) answered();
    });
    // A probe that never gets an answer ends the wait too (and fails the assertions below, not the test's time limit).
    void run.finally(() => answered());
    const [{ code, stdout }] = await Promise.all([run, outage]);
    const result = JSON.parse(stdout) as Result;

    expect(code).toBe(0);
    expect(result.downtimeSeconds).toBeGreaterThanOrEqual(0.6);
    expect(result.downtimeSeconds).toBeLessThanOrEqual(2);
    expect(result.windows).toHaveLength(1);
    expect(result.windows[0]?.causes).toContain('ECONNREFUSED');
  });

  it('probe prints the downtime summary as text, and exits 1 when no query ever answered', async () => {
    const { port } = await servers.start('orders-closed', { dataTime: new Date('2026-11-18T00:10:00Z') });
    await servers.stop('orders-closed');

    const { code, stdout, stderr } = await probe(['--endpoint', '127.0.0.1', '--port', String(port), '--password-env', 'PROBE_TEST_PASSWORD', '--no-tls', '--interval', '0.5', '--duration', '1']);

    expect(code).toBe(1);
    expect(stdout).toMatch(/client-seen downtime: 1\.0 s of 1\.0 s observed \(2 of 2 queries failed\)/);
    expect(stdout).toMatch(/windows of failure:\n {2}\S+ to \S+ {2}1\.0 s {2}ECONNREFUSED\n/);
    expect(stderr).toContain('error: no query answered in 2 attempt(s)');
  });

  it('probe without a password source is a usage error (exit 2) naming both options, and --help explains every option', async () => {
    const [missing, unset, help] = await Promise.all([
      probe(['--endpoint', '127.0.0.1', '--duration', '1']),
      probe(['--endpoint', '127.0.0.1', '--duration', '1', '--password-env', 'PROBE_NO_SUCH_VARIABLE']),
      probe(['--help']),
    ]);

    expect(missing).toMatchObject({ code: 2, stderr: 'error: a password source is required: --secret <arn> or --password-env <name>\n' });
    expect(unset).toMatchObject({ code: 2, stderr: 'error: environment variable PROBE_NO_SUCH_VARIABLE (--password-env) is not set\n' });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--endpoint <host>[\s\S]*--secret <arn>[\s\S]*--password-env <name>[\s\S]*--interval <seconds>[\s\S]*--duration <seconds>[\s\S]*--ca <file>[\s\S]*--no-tls/);
  });
});
