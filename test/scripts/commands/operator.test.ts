/**
 * The operator's commands on the simulation, in process, as an on-call engineer would run them at 3 a.m.: the JSON of
 * status, history and report; a failed restore that left y missing, shown as an ongoing outage with the command that
 * ends it; that command bringing y back; and a drill against a deployment that asks before it deletes anything.
 */
import type { Backend } from '../../../scripts/cli/backend';
import { localBackend } from '../../../scripts/cli/backend';
import type { ExecuteSeams } from '../../../scripts/cli/command';
import { COMMANDS } from '../../../scripts/commands';
import { drill } from '../../../scripts/commands/drill';
import { history } from '../../../scripts/commands/history';
import { plan } from '../../../scripts/commands/plan';
import { report } from '../../../scripts/commands/report';
import { restore } from '../../../scripts/commands/restore';
import { status } from '../../../scripts/commands/status';
import { runCli } from '../../support/cli';

const QUIET = ['--local', '--nights', '2', '--no-probe'];
const OUTAGE = [...QUIET, '--faults', 'capacity-outage@2'];

/**
 * One simulation per set of simulation options, shared by the commands that only read (status, history, report, plan):
 * the simulation is deterministic for a seed, so each command sees what a simulation of its own would have shown, and
 * its progress lines are replayed to each. The commands that change it (restore, drill) build their own.
 */
const shared = new Map<string, Promise<{ backend: Backend; lines: string[] }>>();
const readOnly: ExecuteSeams = {
  backend: async (opts, config, raw, progress) => {
    const key = JSON.stringify([opts.config, opts.nights, opts.seed, opts.faults ?? '', opts.mode ?? '', opts.engine ?? '', opts.probe !== false]);
    let entry = shared.get(key);
    if (!entry) {
      const lines: string[] = [];
      entry = localBackend(opts, config, raw, (line) => lines.push(line)).then((backend) => ({ backend, lines }));
      shared.set(key, entry);
    }
    const { backend, lines } = await entry;
    for (const line of lines) progress(line);
    return { ...backend, close: () => Promise.resolve() };
  },
};
afterAll(async () => {
  // One that failed to build has nothing to close (its test reported why).
  for (const built of await Promise.allSettled(shared.values())) if (built.status === 'fulfilled') await built.value.backend.close();
});

interface Row {
  replica: string;
  status: string;
  runId: string;
  ongoing?: boolean;
  downtimeSeconds?: number;
  downtimeStart?: string;
}

describe('status, history and report on the simulation (no --replica: every replica; here the one pair)', () => {
  it('status: all well, exit 0, y available, the next run and the event path as RDS has them', async () => {
    const r = await runCli(status, [...QUIET, '--output', 'json'], { seams: readOnly });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { simulated: boolean; ok: boolean; replicas: { replica: string; y: { exists: boolean; status: string }; nextRun: { at: string }; eventPath: { subscriptions: { name: string; status: string }[]; lastEvent: { eventId: string } | null }; attention: string[] }[] };
    expect(json).toMatchObject({ simulated: true, ok: true });
    expect(json.replicas).toHaveLength(1);
    expect(json.replicas[0]).toMatchObject({ replica: 'orders-staging', y: { exists: true, status: 'available' }, attention: [] });
    // The nightly 03:00 Berlin run: 02:00 UTC in November, after the simulation's 01:30 UTC.
    expect(json.replicas[0]?.nextRun.at).toBe('2026-11-19T02:00:00.000Z');
    expect(json.replicas[0]?.eventPath.subscriptions).toEqual([{ name: 'replica-refresh-eu-central-1', status: 'active', enabled: true }]);
    expect(json.replicas[0]?.eventPath.lastEvent?.eventId).toMatch(/^RDS-EVENT-\d{4}$/);
  });

  it('status judges the pairs as simulated: with --mode dns-switch, y is the live slot and all is well', async () => {
    const r = await runCli(status, [...QUIET, '--mode', 'dns-switch', '--output', 'json'], { seams: readOnly });
    expect(r.code).toBe(0);
    const [y] = (JSON.parse(r.stdout) as { replicas: { y: { identifier: string; exists: boolean } }[] }).replicas;
    expect(y?.y).toMatchObject({ identifier: expect.stringMatching(/^orders-staging-[ab]$/) as unknown, exists: true });
  });

  it.each([
    ['history', (j: { runs: Row[] }) => j.runs],
    ['report', (j: { reports: { rows: Row[] }[] }) => j.reports.flatMap((x) => x.rows)],
  ] as const)('%s --output json: parses, replica and status on every run, no "(SIMULATED)" and no 1970', async (name, rowsOf) => {
    const r = await runCli(COMMANDS[name]!, [...QUIET, '--output', 'json'], { seams: readOnly });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('SIMULATED');
    expect(r.stdout).not.toContain('1970');
    const rows = (rowsOf as (j: unknown) => Row[])(JSON.parse(r.stdout));
    expect(rows.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect(rows.every((x) => x.replica === 'orders-staging')).toBe(true);
    expect((JSON.parse(r.stdout) as { simulated: boolean }).simulated).toBe(true);
  });

  it("report: the period starts at the simulation's first day", async () => {
    const r = await runCli(report, [...QUIET, '--output', 'json'], { seams: readOnly });
    expect((JSON.parse(r.stdout) as { since: string }).since).toBe('2026-11-16T12:00:00.000Z');
    expect((await runCli(report, QUIET, { seams: readOnly })).stdout).toMatch(/^orders-staging \(simulation\): refreshes from 2026-11-16 13:00 CET to 2026-11-19 02:30 CET/);
  });

  it('history --limit says how many older runs it left out', async () => {
    const r = await runCli(history, [...QUIET, '--limit', '1'], { seams: readOnly });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 older run(s) not shown: raise --limit or narrow --since');
  });

  it('--until before the simulated history begins is a usage error, not a ledger error', async () => {
    const r = await runCli(report, [...QUIET, '--until', '20d'], { seams: readOnly });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\nerror: --until 20d is before 2026-11-16T12:00:00\.000Z, where the simulation's history begins\n/);
  });

  it('--since after --until, or in the future, is a usage error', async () => {
    const later = await runCli(history, [...QUIET, '--since', '2026-11-18', '--until', '2026-11-17'], { seams: readOnly });
    expect(later.code).toBe(2);
    expect(later.stderr).toMatch(/^error: --since 2026-11-18 is not before --until 2026-11-17\nswap them, or widen the period\n$/);
    const future = await runCli(report, [...QUIET, '--since', '2027-01-01'], { seams: readOnly });
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/\nerror: --since 2027-01-01 is in the future/);
  });
});

describe('a failed restore left y missing', () => {
  it('status says so, with the outage so far and the command that ends it (exit 1)', async () => {
    const r = await runCli(status, [...OUTAGE, '--output', 'json'], { seams: readOnly });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { ok: boolean; replicas: { y: { exists: boolean }; downSeconds: number; lastRun: { status: string }; attention: string[] }[] };
    expect(json.ok).toBe(false);
    const y = json.replicas[0]!;
    expect(y.y.exists).toBe(false);
    expect(y.lastRun.status).toBe('failed');
    // Deleted at 02:00 UTC on the 18th (night 2), still missing at 01:30 UTC on the 19th.
    expect(Math.round(y.downSeconds)).toBe(23.5 * 3600);
    expect(y.attention[0]).toContain('orders-staging is missing for ≥ 23 h 29 min');
    expect(y.attention[0]).toContain('npm run restore -- --replica orders-staging --local --nights 2 --faults capacity-outage@2');
  });

  it('report shows the ongoing outage, counts it in the maxima and names the command (exit 1)', async () => {
    const r = await runCli(report, [...OUTAGE, '--output', 'json'], { seams: readOnly });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { reports: { rows: Row[]; summary: { downtime: { maxSeconds: number }; ongoingDowntimeSeconds: number } }[] };
    const [only] = json.reports;
    const ongoing = only!.rows.filter((x) => x.ongoing);
    expect(ongoing).toHaveLength(1);
    expect(ongoing[0]).toMatchObject({ status: 'failed', downtimeStart: expect.stringMatching(/^2026-11-18T02:00:00\.\d{3}Z$/) as unknown });
    expect(Math.round(ongoing[0]!.downtimeSeconds!)).toBe(23.5 * 3600);
    expect(only!.summary.downtime.maxSeconds).toBe(ongoing[0]!.downtimeSeconds);
    expect(only!.summary.ongoingDowntimeSeconds).toBe(ongoing[0]!.downtimeSeconds);
    const table = await runCli(report, OUTAGE, { seams: readOnly });
    expect(table.stdout).toContain('≥ 23 h 29 min, ongoing');
    expect(table.stdout).toContain('orders-staging is missing. To bring it back now, run: npm run restore -- --replica orders-staging --local --nights 2 --faults capacity-outage@2');
  });

  it('report exits 1 and names the command while y is missing, even when the period holds none of the outage', async () => {
    const r = await runCli(report, [...OUTAGE, '--since', '2h'], { seams: readOnly });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(no runs in this period)');
    expect(r.stdout).toContain('orders-staging is missing. To bring it back now, run: npm run restore -- --replica orders-staging');
  });

  it('plan: nothing would be deleted, and the checks that need y are SKIP', async () => {
    const r = await runCli(plan, [...OUTAGE, '--output', 'json'], { seams: readOnly });
    expect(r.code).toBe(0);
    const [p] = (JSON.parse(r.stdout) as { plans: { wouldDelete: string | null; replicaMissing: boolean; checks: { id: string; result: string }[] }[] }).plans;
    expect(p).toMatchObject({ wouldDelete: null, replicaMissing: true });
    expect(p!.checks.filter((c) => c.result === 'SKIP').map((c) => c.id)).toEqual(['replica-deletable', 'ownership-tag', 'deletion-protection', 'snapshot-compatible', 'tag-limit']);
  });

  it('restore brings y back: the run closes succeeded and RDS has y available again (exit 0)', async () => {
    const r = await runCli(restore, [...OUTAGE, '--poll', '60', '--output', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { status: string; trigger: string; replicaStatus: string; downtimeSeconds: number; restoreSeconds: number };
    expect(out).toMatchObject({ status: 'succeeded', trigger: 'heal', replicaStatus: expect.stringMatching(/^(available|backing-up)$/) as unknown });
    // The whole outage on one row: from the failed night's delete to y usable again.
    expect(out.downtimeSeconds).toBeGreaterThan(23.5 * 3600);
    expect(out.restoreSeconds).toBeLessThan(45 * 60);
    // Progress on stderr: dated, in the zone.
    expect(r.stderr).toMatch(/Thu 2026-11-19 02:30:00 CET {2}restore \S+ started on orders-staging \(simulation\)/);
    expect(r.stderr).toMatch(/Thu 2026-11-19 \d{2}:\d{2}:\d{2} CET {2}phase restoring/);
  });
});

describe('restore of a swap-mode pair whose y is missing', () => {
  it('is refused (exit 3) with what to do, and its dry run records no refused run (nor its alert)', async () => {
    let runs = -1;
    const counting: ExecuteSeams = {
      backend: async (opts, config, raw, progress) => {
        const b: Backend = await localBackend(opts, config, raw, progress);
        const pair = b.config.pairs[0]!;
        const before = (await b.listRuns(pair)).length;
        return {
          ...b,
          close: async () => {
            runs = (await b.listRuns(pair)).length - before;
            await b.close();
          },
        };
      },
    };
    const r = await runCli(restore, [...QUIET, '--mode', 'rename-swap', '--faults', 'manual-deletion@2', '--dry-run', '--output', 'json'], { seams: counting });
    expect(r.code).toBe(3);
    // refuse() records a refused run and alerts together: no new run, so no refusal and no alert.
    expect(runs).toBe(0);
    const [plan] = (JSON.parse(r.stdout) as { plans: { wouldStart: boolean; checks: { id: string; result: string; detail: string }[] }[] }).plans;
    expect(plan?.wouldStart).toBe(false);
    expect(plan?.checks[0]).toMatchObject({ id: 'restore-mode', result: 'FAIL', detail: expect.stringContaining('Set refresh.mode "delete-first" for this pair') as unknown });
  });
});

describe('against a deployment, drill and restore ask first', () => {
  /** The runs in the ledger when the command ended (closed ones and the active one). */
  let runsAtEnd = -1;
  /** The simulation standing in for a deployed stack: the commands treat it as AWS (kind "aws"). */
  const deployed: ExecuteSeams = {
    backend: async (opts, config, raw, progress) => {
      const b: Backend = await localBackend({ ...opts, nights: 2, seed: 42, probe: false }, config, raw, progress);
      const pair = config.pairs[0]!;
      return {
        ...b,
        kind: 'aws',
        close: async () => {
          runsAtEnd = (await b.listRuns(pair)).length + ((await b.activeRun(pair)) ? 1 : 0);
          await b.close();
        },
      };
    },
  };
  const runs = () => Promise.resolve(runsAtEnd);

  it('without a terminal and without --yes: a usage error saying to pass --yes, and nothing started', async () => {
    const r = await runCli(drill, [], { seams: deployed });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --yes to confirm, or --dry-run to see the plan');
    expect(await runs()).toBe(2);
  });

  it('the person says no: exit 3, nothing started', async () => {
    const r = await runCli(drill, [], { seams: deployed, answer: 'n' });
    expect(r.asked).toEqual([expect.stringMatching(/^Delete orders-staging in eu-central-1 and restore it from orders-prod-2026-11-19-00-10\? \[y\/N\] $/) as unknown as string]);
    expect(r.code).toBe(3);
    // The plan came before the question, on stderr; stdout stays empty for a command that stopped.
    expect(r.stderr).toMatch(/drill orders-staging: the plan[\s\S]*would delete +orders-staging[\s\S]*PASS {2}replica-exists/);
    expect(r.stdout).toBe('');
    expect(await runs()).toBe(2);
  });

  it('--dry-run prints the plan and starts nothing; --yes starts without asking', async () => {
    const dry = await runCli(drill, ['--dry-run', '--output', 'json'], { seams: deployed });
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as { plans: { wouldStart: boolean; wouldDelete: string }[] }).plans[0]).toMatchObject({ wouldStart: true, wouldDelete: 'orders-staging' });
    expect(await runs()).toBe(2);
    const yes = await runCli(drill, ['--yes', '--output', 'json'], { seams: deployed });
    expect(yes.asked).toEqual([]);
    expect(yes.code).toBe(0);
    expect(JSON.parse(yes.stdout)).toMatchObject({ replica: 'orders-staging', status: 'active', outcome: 'started' });
    expect(await runs()).toBe(3);
  });
});
