/**
 * The operator commands as people run them: `npm run report|plan|drill -- …`, in a child process,
 * against the local simulation (and, without credentials, against AWS to check the message).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function cli(script: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_PROFILE: 'replica-refresh-test-no-such-profile' };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const out = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', `${script}.ts`), ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('operator commands', () => {
  it.each(['report', 'plan', 'drill', 'demo'])('%s --help explains every option', (script) => {
    const { code, stdout } = cli(script, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
    expect(stdout).toMatch(script === 'demo' ? /--nights/ : /--replica <id>[\s\S]*--local/);
    expect(stdout).toMatch(/--engine <engine>[\s\S]*db2-se/);
  });

  it('report --local --format json: the simulated nights, measured', () => {
    const { code, stdout } = cli('report', ['--replica', 'orders-staging', '--local', '--nights', '2', '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { rows: { status: string; downtimeSeconds: number; clientDowntimeSeconds?: number }[]; summary: { succeeded: number } };
    expect(report.rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(report.rows.every((r) => r.downtimeSeconds > 0)).toBe(true);
    // The SQL probe is on by default for one pair: what clients saw is on every row, within a probe interval or two of the window.
    for (const r of report.rows) expect(Math.abs((r.clientDowntimeSeconds ?? -1000) - r.downtimeSeconds)).toBeLessThanOrEqual(10);
    expect(report.summary.succeeded).toBe(2);
  });

  it('plan --local: every check, the snapshot, and nothing changed', () => {
    const { code, stdout } = cli('plan', ['--replica', 'orders-staging', '--local', '--nights', '1', '--no-probe']);
    expect(stdout).toContain('PASS  ownership-tag');
    expect(stdout).toContain('Snapshot:   orders-prod-2026-11-18-00-10');
    expect(stdout).toContain('A refresh would start.');
    expect(code).toBe(0);
  });

  it('drill --local --follow: starts through start-refresh and follows the run to its close', () => {
    const { code, stdout } = cli('drill', ['--replica', 'orders-staging', '--local', '--nights', '1', '--follow', '--poll', '120', '--no-probe']);
    expect(stdout).toMatch(/drill \d{8}T\d{6}Z-[0-9a-f]{6} started on orders-staging \(simulation\)/);
    expect(stdout).toMatch(/phase restoring, .* elapsed/);
    expect(stdout).toMatch(/run .* succeeded: downtime .*, restore .* \(target 45 min\)/);
    expect(code).toBe(0);
  });

  it('report --local --engine: the simulated nights on another engine', () => {
    const { code, stdout } = cli('report', ['--replica', 'orders-staging', '--local', '--nights', '1', '--engine', 'sqlserver-se', '--format', 'json', '--no-probe']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { rows: { status: string }[] }).rows.map((r) => r.status)).toEqual(['succeeded']);
  });

  it('plan --local warns about a coming night whose scheduled time falls in a daylight-saving gap', () => {
    const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: { replicaRefresh: { pairs: { schedule: Record<string, unknown> }[] } } };
    cdk.context.replicaRefresh.pairs[0]!.schedule = { cron: 'cron(30 2 * * ? *)', timeZone: 'Europe/Berlin' };
    const file = join(mkdtempSync(join(tmpdir(), 'replica-refresh-')), 'cdk.json');
    writeFileSync(file, JSON.stringify(cdk));
    const { code, stdout } = cli('plan', ['--replica', 'orders-staging', '--local', '--nights', '1', '--config', file, '--no-probe']);
    expect(stdout).toContain('WARNING: the schedule cron(30 2 * * ? *) (Europe/Berlin) falls in a daylight-saving gap on 1 coming night(s)');
    expect(stdout).toContain('2027-03-28 02:30 Europe/Berlin does not exist');
    expect(code).toBe(0);
  });

  it('plan with a config whose schedule never fires, or a file holding null: exit 1, one line on stderr naming the field or file, no hang', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-config-'));
    const cdk = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')) as { context: { replicaRefresh: { pairs: { schedule: { cron: string } }[] } } };
    cdk.context.replicaRefresh.pairs[0]!.schedule.cron = 'cron(0 3 30 2 ? *)';
    writeFileSync(join(dir, 'never.json'), `\uFEFF${JSON.stringify(cdk)}`);
    writeFileSync(join(dir, 'null.json'), 'null');
    const never = cli('plan', ['--replica', 'orders-staging', '--local', '--config', join(dir, 'never.json')]);
    expect(never.code).toBe(1);
    expect(never.stdout).toBe('');
    expect(never.stderr).toContain('replicaRefresh.pairs[0] (orders-staging).schedule.cron = "cron(0 3 30 2 ? *)": never fires in the next 366 days');
    const nul = cli('plan', ['--replica', 'orders-staging', '--local', '--config', join(dir, 'null.json')]);
    expect(nul.code).toBe(1);
    expect(nul.stderr).toContain('null.json holds null');
  });

  it('fails clearly on a replica that is not configured', () => {
    const { code, stderr } = cli('report', ['--replica', 'nope', '--local']);
    expect(code).toBe(1);
    expect(stderr).toContain('error: nope is not a replica in');
    expect(stderr).toContain('configured: orders-staging');
  });

  it('fails clearly without AWS credentials, pointing to --local', () => {
    const { code, stderr } = cli('report', ['--replica', 'orders-staging']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: .*(credentials|profile).*--local/i);
  });
});
