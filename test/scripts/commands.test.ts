/**
 * The operator commands as people run them: `npm run <command> -- …` runs `tsx scripts/cli/main.ts <command>`, in a
 * child process, against the local simulation (and, without credentials, against AWS to check the message). The
 * in-process tests (test/scripts/cli, test/scripts/commands) cover each command's behaviour; these check the entry
 * points, the exit codes a shell sees, and what only a whole process shows (the probe, the demo).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Runs `npm run <script> -- args` as package.json defines it (tsx and its arguments), without npm in between. */
function cli(script: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_PROFILE: 'replica-refresh-test-no-such-profile' };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const [tool, ...defined] = (scripts.scripts[script] ?? '').split(' ');
  if (tool !== 'tsx') throw new Error(`npm run ${script} is not a tsx script: ${scripts.scripts[script]}`);
  const out = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), ...defined, ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('operator commands', () => {
  it.each(['status', 'history', 'report', 'plan', 'drill', 'restore', 'list', 'recover', 'vault'])('npm run %s is the command of that name', (script) => {
    expect(scripts.scripts[script]).toBe(`tsx scripts/cli/main.ts ${script}`);
  });

  it.each(['report', 'drill', 'demo'])('%s --help explains every option', (script) => {
    const { code, stdout } = cli(script, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage:');
    expect(stdout).toMatch(script === 'demo' ? /--nights/ : /--replica <id>[\s\S]*--local/);
    expect(stdout).toMatch(/--engine <engine>[\s\S]*db2-se/);
  });

  it('report --local --output json: the simulated nights, measured, with what the SQL probe saw', () => {
    const { code, stdout } = cli('report', ['--local', '--nights', '2', '--output', 'json']);
    expect(code).toBe(0);
    const set = JSON.parse(stdout) as { simulated: boolean; reports: { replica: string; rows: { replica: string; status: string; downtimeSeconds: number; clientDowntimeSeconds?: number }[]; summary: { succeeded: number } }[] };
    expect(set.simulated).toBe(true);
    const [report] = set.reports;
    expect(report?.rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(report?.rows.every((r) => r.downtimeSeconds > 0 && r.replica === 'orders-staging')).toBe(true);
    // The SQL probe is on by default for one pair: what clients saw is on every row, within a probe interval or two of the window.
    for (const r of report?.rows ?? []) expect(Math.abs((r.clientDowntimeSeconds ?? -1000) - r.downtimeSeconds)).toBeLessThanOrEqual(10);
    expect(report?.summary.succeeded).toBe(2);
  });

  it('drill --local: starts through start-refresh and always follows the run to its close', () => {
    const { code, stdout, stderr } = cli('drill', ['--local', '--nights', '1', '--poll', '120', '--no-probe']);
    expect(stderr).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} CET {2}drill \d{8}T\d{6}Z-[0-9a-f]{6} started on orders-staging \(simulation\)/);
    expect(stderr).toMatch(/CET {2}phase restoring, .* elapsed/);
    expect(stdout).toMatch(/drill .* on orders-staging: succeeded \(simulation\)/);
    expect(stdout).toMatch(/restore \(RTO\) +.* \(target 45 min\)/);
    expect(code).toBe(0);
  });

  it('report --local --engine: the simulated nights on another engine', () => {
    const { code, stdout } = cli('report', ['--local', '--nights', '1', '--engine', 'sqlserver-se', '--output', 'json', '--no-probe']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { reports: { rows: { status: string }[] }[] }).reports[0]?.rows.map((r) => r.status)).toEqual(['succeeded']);
  });

  it('plan --local warns about a coming night whose scheduled time falls in a daylight-saving gap', () => {
    const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: { replicaRefresh: { pairs: { schedule: Record<string, unknown> }[] } } };
    cdk.context.replicaRefresh.pairs[0]!.schedule = { cron: 'cron(30 2 * * ? *)', timeZone: 'Europe/Berlin' };
    const file = join(mkdtempSync(join(tmpdir(), 'replica-refresh-')), 'cdk.json');
    writeFileSync(file, JSON.stringify(cdk));
    const { code, stdout } = cli('plan', ['--local', '--nights', '1', '--config', file, '--no-probe']);
    expect(stdout).toContain('PASS  ownership-tag');
    expect(stdout).toContain('orders-prod-2026-11-18-00-10 (manual)');
    expect(stdout).toContain('WARNING: the schedule cron(30 2 * * ? *) (Europe/Berlin) falls in a daylight-saving gap on 1 coming night(s)');
    expect(stdout).toContain('2027-03-28 02:30 Europe/Berlin does not exist');
    expect(stdout).toContain('A refresh would start.');
    expect(code).toBe(0);
  });

  it('a config whose schedule never fires, or a file holding null: exit 2, a short message naming the field or file, no hang', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-config-'));
    const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: { replicaRefresh: { pairs: { schedule: { cron: string } }[] } } };
    cdk.context.replicaRefresh.pairs[0]!.schedule.cron = 'cron(0 3 30 2 ? *)';
    writeFileSync(join(dir, 'never.json'), `\uFEFF${JSON.stringify(cdk)}`);
    writeFileSync(join(dir, 'null.json'), 'null');
    const never = cli('plan', ['--local', '--config', join(dir, 'never.json')]);
    expect(never.code).toBe(2);
    expect(never.stdout).toBe('');
    expect(never.stderr).toContain('replicaRefresh.pairs[0] (orders-staging).schedule.cron = "cron(0 3 30 2 ? *)": never fires in the next 366 days');
    const nul = cli('status', ['--local', '--config', join(dir, 'null.json')]);
    expect(nul.code).toBe(2);
    expect(nul.stderr).toContain('null.json holds null');
  });

  it('an unknown command or option exits 2 with what to run instead', () => {
    const spawned = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'cli', 'main.ts'), 'statsu'], { cwd: root, encoding: 'utf8' });
    expect(spawned.status).toBe(2);
    expect(spawned.stderr).toContain('error: unknown command "statsu"');
    expect(spawned.stderr).toContain('npm run status');
    const bogus = cli('history', ['--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toBe('error: unknown option \'--bogus\'\nrun "npm run history -- --help" for the options\n');
    const demo = cli('demo', ['--bogus']);
    expect(demo.code).toBe(2);
  });

  it('fails clearly without AWS credentials, pointing to --local', () => {
    const { code, stderr } = cli('status', []);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*(credentials|profile).*--local/i);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
