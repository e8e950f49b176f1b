/**
 * The one command surface: every command's usage errors end the same way (a short message naming the flag, value or
 * file on stderr, what to do on the next line, no stack trace, exit 2), and options that need another option are
 * refused before anything slow runs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../../scripts/commands';
import { list } from '../../../scripts/commands/list';
import { drill } from '../../../scripts/commands/drill';
import { status } from '../../../scripts/commands/status';
import { UsageError } from '../../../scripts/cli/errors';
import { runCli } from '../../support/cli';

const root = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'rr-cli-'));
const notJson = join(dir, 'not-json.json');
writeFileSync(notJson, '{ "context": ');
const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: { replicaRefresh: { pairs: Record<string, unknown>[] } } };
const twoPairs = join(dir, 'two-pairs.json');
const second = { ...cdk.context.replicaRefresh.pairs[0]!, source: { instanceId: 'billing-prod', region: 'eu-west-1' }, replica: { instanceId: 'billing-staging', region: 'eu-central-1' } };
writeFileSync(twoPairs, JSON.stringify({ context: { replicaRefresh: { ...cdk.context.replicaRefresh, pairs: [...cdk.context.replicaRefresh.pairs, second] } } }));

/** A usage error as the README promises it: one or two lines, the first naming what is wrong, no stack trace. */
function expectUsageError(r: { code: number; stdout: string; stderr: string }, names: string): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines.length).toBeLessThanOrEqual(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toContain(names);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
}

describe('every command', () => {
  const names = Object.keys(COMMANDS);

  it('is one the README lists in "Operator commands", in its order, and the README lists no other', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Operator commands'), readme.indexOf('**Options every command has.**'));
    const listed = [...section.matchAll(/^\| `npm run ([a-z]+)` \|/gm)].map((m) => m[1]);
    expect(names).toEqual(listed);
    expect(names).toEqual(['status', 'history', 'report', 'plan', 'drill', 'restore', 'list', 'recover', 'vault']);
  });

  it.each(names)('%s: --help shows the shared options, the output convention and the exit codes', async (name) => {
    const r = await runCli(COMMANDS[name]!, ['--help']);
    expect(r.code).toBe(0);
    // Commander wraps help at the terminal's width: compare with the lines joined.
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`Usage: npm run ${name} --`);
    for (const flag of ['--replica <id>', '--config <path>', '--region <region>', '--profile <name>', '--output <format>', '--format <format>', '-o, --out-file <path>', '--local']) expect(help).toContain(flag);
    expect(help).toContain('"table", "json", "csv", "markdown", "html"');
    expect(help).toContain('Exit codes: 0 success; 1 failure or something needs attention; 2 usage error; 3 refused.');
  });

  it.each(names)('%s: an unknown option is a usage error naming it', async (name) => {
    expectUsageError(await runCli(COMMANDS[name]!, ['--bogus']), "unknown option '--bogus'");
  });

  it.each(names)('%s: a config that is not JSON is a usage error naming the file', async (name) => {
    expectUsageError(await runCli(COMMANDS[name]!, ['--local', '--config', notJson]), `${notJson} is not valid JSON`);
  });

  it.each(names)('%s: an unknown replica is a usage error listing the configured ones', async (name) => {
    const r = await runCli(COMMANDS[name]!, ['--local', '--replica', 'nope']);
    expectUsageError(r, 'nope is not a replica in');
    expect(r.stderr).toContain('configured: orders-staging');
  });

  it.each(names)('%s: a simulation option without --local is a usage error that says to add it', async (name) => {
    const r = await runCli(COMMANDS[name]!, ['--nights', '3']);
    expectUsageError(r, '--nights sets up the local simulation');
    expect(r.stderr).toContain('add --local');
  });

  it.each(names)('%s: --profile with --local is a usage error', async (name) => {
    expectUsageError(await runCli(COMMANDS[name]!, ['--local', '--profile', 'prod']), "option '--profile <name>' cannot be used with option '--local'");
  });

  it('--output and --format that disagree are a usage error', async () => {
    expectUsageError(await runCli(list, ['--output', 'json', '--format', 'csv']), '--output json and --format csv disagree');
  });

  it('an output format that does not exist is a usage error naming the choices', async () => {
    expectUsageError(await runCli(list, ['--output', 'yaml']), "argument 'yaml' is invalid");
  });
});

describe('options that need another option', () => {
  it('drill --poll without --follow (against a deployment) is a usage error', async () => {
    expectUsageError(await runCli(drill, ['--poll', '30']), '--poll applies to --follow');
  });

  it('drill --allow-older without --snapshot is a usage error', async () => {
    expectUsageError(await runCli(drill, ['--allow-older', '--local']), '--allow-older applies to a snapshot pinned with --snapshot');
  });

  it('a command that changes one replica refuses to guess among several', async () => {
    const r = await runCli(drill, ['--local', '--config', twoPairs]);
    expectUsageError(r, 'drill acts on one replica, and 2 are configured: orders-staging, billing-staging');
    expect(r.stderr).toContain('npm run drill -- --replica orders-staging --local');
  });

  it('with --local, a replica outside the simulated region is a usage error before anything is simulated', async () => {
    const file = join(dir, 'two-regions.json');
    const us = { ...second, replica: { instanceId: 'billing-staging', region: 'us-east-1' } };
    writeFileSync(file, JSON.stringify({ context: { replicaRefresh: { ...cdk.context.replicaRefresh, pairs: [...cdk.context.replicaRefresh.pairs, us] } } }));
    const r = await runCli(status, ['--local', '--config', file]);
    expectUsageError(r, 'billing-staging is in us-east-1, and the simulation runs the pairs of eu-central-1 only');
    expect(r.stderr).toContain('pass --region eu-central-1');
  });

  it('--region that holds no replica is a usage error naming the regions that do', async () => {
    const r = await runCli(status, ['--local', '--region', 'us-east-1']);
    expectUsageError(r, 'no replica of');
    expect(r.stderr).toContain('eu-central-1');
  });
});

describe('--profile', () => {
  it("is the AWS CLI's: the SDK's credential chain reads AWS_PROFILE, set before any client exists", async () => {
    const before = process.env.AWS_PROFILE;
    let seen: string | undefined;
    try {
      const r = await runCli(status, ['--profile', 'staging-admin'], {
        seams: {
          backend: () => {
            seen = process.env.AWS_PROFILE;
            return Promise.reject(new UsageError('stopped by the test'));
          },
        },
      });
      expect(r.code).toBe(2);
      expect(seen).toBe('staging-admin');
    } finally {
      if (before === undefined) delete process.env.AWS_PROFILE;
      else process.env.AWS_PROFILE = before;
    }
  });
});

describe('list', () => {
  it('reads cdk.json only: every replica with its next scheduled run, in JSON', async () => {
    const r = await runCli(list, ['--config', twoPairs, '--output', 'json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { replicas: { replica: string; region: string; source: { identifier: string }; schedule: { cron: string; timeZone: string }; nextRunAt: string }[] };
    expect(parsed.replicas.map((p) => p.replica)).toEqual(['orders-staging', 'billing-staging']);
    expect(parsed.replicas[0]).toMatchObject({ region: 'eu-central-1', source: { identifier: 'orders-prod' }, schedule: { cron: 'cron(0 3 * * ? *)', timeZone: 'Europe/Berlin' } });
    // 03:00 in Berlin is 01:00 or 02:00 UTC, in the future.
    const next = new Date(parsed.replicas[0]!.nextRunAt);
    expect([1, 2]).toContain(next.getUTCHours());
    expect(next.getTime()).toBeGreaterThan(Date.now());
  });

  it('--replica narrows it to one; the table names the zone of the next run', async () => {
    const r = await runCli(list, ['--config', twoPairs, '--replica', 'billing-staging']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('billing-staging');
    expect(r.stdout).not.toContain('orders-staging  ');
    expect(r.stdout).toMatch(/\d{2}:\d{2} CES?T \(\d{2}:\d{2} UTC\)/);
  });

  it('writes markdown to --out-file and says where', async () => {
    const file = join(dir, 'replicas.md');
    const r = await runCli(list, ['--output', 'markdown', '--out-file', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wrote ${file}\n`);
    expect(readFileSync(file, 'utf8')).toContain('| replica | y | region |');
  });

  it('html without a file goes to a new temporary file, never into the working folder', async () => {
    const r = await runCli(list, ['--output', 'html']);
    const written = /^wrote (.+)\n$/.exec(r.stderr)?.[1] ?? '';
    expect(written.startsWith(tmpdir())).toBe(true);
    expect(written.startsWith(process.cwd())).toBe(false);
    expect(readFileSync(written, 'utf8')).toMatch(/^<!doctype html>/);
  });
});
