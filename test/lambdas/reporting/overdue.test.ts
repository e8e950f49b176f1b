/**
 * "No success within N hours" as the watchdog decides it: the pure verdict, the record read from the ledger's
 * history, and the pass that reports SuccessOverdue, alerts once per episode and reads the ledger only when a
 * replica's known success has grown N hours old.
 */
import type { RunRecord } from '../../../lambdas/kernel/model';
import type { Ledger, Notification } from '../../../lambdas/kernel/ports';
import { runWatchdog } from '../../../lambdas/refresh/watchdog';
import { LOOKBACK_RUNS, SUCCESS_OVERDUE_METRIC, episodeKey, overdueVerdict, reportOverdueReplicas, successRecordOf } from '../../../lambdas/reporting/overdue';
import { SimTelemetry } from '../../../scripts/sim/telemetry';
import { pair, runtimeConfig } from '../../support/fixtures';
import { publishedKinds } from '../../support/harness';
import { workflowWorld } from '../../support/workflow';

const HOUR = 3_600_000;
const T0 = new Date('2026-11-21T03:30:00Z');

function run(runId: string, status: RunRecord['status'], startedAt: Date, closedAt?: Date): RunRecord {
  return {
    replicaId: 'orders-staging',
    runId,
    sourceId: 'orders-prod',
    trigger: 'schedule',
    status,
    startedAt: startedAt.toISOString(),
    ...(closedAt ? { closedAt: closedAt.toISOString() } : {}),
    restoreAttempts: 0,
    checks: [],
    errors: [],
  };
}

describe('overdueVerdict', () => {
  it('is overdue exactly N hours after the last success', () => {
    const record = { lastSuccess: { runId: 'r1', at: T0 } };
    expect(overdueVerdict(record, new Date(T0.getTime() + 26 * HOUR - 1), 26)).toEqual({ overdue: false, dueAt: new Date(T0.getTime() + 26 * HOUR) });
    expect(overdueVerdict(record, new Date(T0.getTime() + 26 * HOUR), 26).overdue).toBe(true);
  });

  it('without any success, counts from the oldest run looked at', () => {
    expect(overdueVerdict({ watchedSince: { runId: 'r0', at: T0 } }, new Date(T0.getTime() + 168 * HOUR), 168).overdue).toBe(true);
  });

  it('does not judge a replica without any run, nor with the check off', () => {
    expect(overdueVerdict({}, new Date(T0.getTime() + 1000 * HOUR), 26)).toEqual({ overdue: false });
    expect(overdueVerdict({ lastSuccess: { runId: 'r1', at: T0 } }, new Date(T0.getTime() + 1000 * HOUR), 0)).toEqual({ overdue: false });
  });
});

describe('successRecordOf', () => {
  it('takes the newest success, drifted or not, drills and heals included, by its close', () => {
    const runs = [run('r3', 'refused', new Date(T0.getTime() + 48 * HOUR)), run('r2', 'succeeded', new Date(T0.getTime() + 24 * HOUR), new Date(T0.getTime() + 25 * HOUR)), run('r1', 'succeeded', T0, T0)];
    expect(successRecordOf(runs)).toEqual({ lastSuccess: { runId: 'r2', at: new Date(T0.getTime() + 25 * HOUR) } });
  });

  it('without a success, says since which run none is known; with no run, nothing', () => {
    expect(successRecordOf([run('r2', 'failed', new Date(T0.getTime() + HOUR)), run('r1', 'refused', T0)])).toEqual({ watchedSince: { runId: 'r1', at: T0 } });
    expect(successRecordOf([])).toEqual({});
  });

  it('names each episode after the success it follows', () => {
    expect(episodeKey({ lastSuccess: { runId: 'r2', at: T0 } })).toBe('success-overdue#after-r2');
    expect(episodeKey({ watchedSince: { runId: 'r1', at: T0 } })).toBe('success-overdue#since-r1');
  });
});

/** A ledger of closed runs and alert items, counting the calls the pass makes. */
class HistoryLedger {
  public readonly runs: RunRecord[] = [];
  public readonly alerts = new Set<string>();
  public readonly calls: string[] = [];
  public listRuns(replicaId: string, options: { since?: Date; limit?: number } = {}): Promise<RunRecord[]> {
    this.calls.push(`listRuns ${replicaId}${options.since ? ` since ${options.since.toISOString()}` : ''}${options.limit ? ` limit ${options.limit}` : ''}`);
    const newestFirst = this.runs.filter((r) => r.replicaId === replicaId && (!options.since || Date.parse(r.startedAt) >= options.since.getTime())).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return Promise.resolve(newestFirst.slice(0, options.limit));
  }
  public alertOnce(replicaId: string, key: string): Promise<boolean> {
    this.calls.push(`alertOnce ${replicaId} ${key}`);
    const had = this.alerts.has(`${replicaId}/${key}`);
    this.alerts.add(`${replicaId}/${key}`);
    return Promise.resolve(!had);
  }
  public clearAlert(replicaId: string, key: string): Promise<void> {
    this.calls.push(`clearAlert ${replicaId} ${key}`);
    this.alerts.delete(`${replicaId}/${key}`);
    return Promise.resolve();
  }
}

function world(hours = 26, pairs = [pair()]) {
  let now = T0;
  const ledger = new HistoryLedger();
  const sent: Notification[] = [];
  const telemetry = new SimTelemetry(() => now);
  const config = runtimeConfig({}, { noSuccessWithinHours: hours, pairs });
  const deps = { ledger: ledger as unknown as Ledger, notifier: { publish: (n: Notification) => (sent.push(n), Promise.resolve()) }, telemetry, now: () => now };
  return {
    ledger,
    sent,
    telemetry,
    pass: () => reportOverdueReplicas(deps, config),
    at: (hoursAfterT0: number) => {
      now = new Date(T0.getTime() + hoursAfterT0 * HOUR);
    },
    overdue: (replica = 'orders-staging') => telemetry.metrics.filter((m) => m.name === SUCCESS_OVERDUE_METRIC && m.dimensions.replica === replica).length,
  };
}

describe('reportOverdueReplicas', () => {
  it('reads the history once, then makes no ledger call while the last success is younger than N hours', async () => {
    const w = world();
    w.ledger.runs.push(run('r1', 'succeeded', new Date(T0.getTime() - 30 * 60_000), T0));
    expect(await w.pass()).toEqual([]);
    expect(w.ledger.calls).toEqual([`listRuns orders-staging limit ${LOOKBACK_RUNS}`]);
    for (let h = 1; h < 26; h++) {
      w.at(h);
      expect(await w.pass()).toEqual([]);
    }
    expect(w.ledger.calls).toHaveLength(1);
    expect(w.overdue()).toBe(0);
  });

  it('once the known success is N hours old, looks only at the runs since and finds the newer one', async () => {
    const w = world();
    w.ledger.runs.push(run('r1', 'succeeded', new Date(T0.getTime() - 30 * 60_000), T0));
    await w.pass();
    w.ledger.runs.push(run('r2', 'succeeded', new Date(T0.getTime() + 23.5 * HOUR), new Date(T0.getTime() + 24 * HOUR)));
    w.at(26);
    expect(await w.pass()).toEqual([]);
    expect(w.ledger.calls.at(-1)).toBe(`listRuns orders-staging since ${new Date(T0.getTime() - 30 * 60_000).toISOString()}`);
    w.at(27);
    await w.pass();
    expect(w.ledger.calls).toHaveLength(2);
    expect(w.overdue()).toBe(0);
  });

  it('reports SuccessOverdue on every pass of an episode, alerts once, and clears the alert when a refresh succeeds', async () => {
    const w = world();
    w.ledger.runs.push(run('r1', 'succeeded', new Date(T0.getTime() - 30 * 60_000), T0), run('r2', 'refused', new Date(T0.getTime() + 23.5 * HOUR)));
    await w.pass();
    w.at(26);
    expect(await w.pass()).toEqual([{ replica: 'orders-staging', action: 'success-overdue:alerted' }]);
    w.at(26.1);
    expect(await w.pass()).toEqual([]);
    expect(w.overdue()).toBe(2);
    expect(w.sent.map((n) => [n.kind, n.severity, n.replicaId])).toEqual([['replica.no-success', 'alert', 'orders-staging']]);
    expect(w.sent[0]?.data).toMatchObject({ hours: 26, lastSuccessRunId: 'r1', lastSuccessAt: T0.toISOString() });
    expect(w.ledger.alerts).toEqual(new Set(['orders-staging/success-overdue#after-r1']));

    w.ledger.runs.push(run('r3', 'succeeded', new Date(T0.getTime() + 47.5 * HOUR), new Date(T0.getTime() + 48 * HOUR)));
    w.at(48.1);
    expect(await w.pass()).toEqual([{ replica: 'orders-staging', action: 'success-overdue:cleared' }]);
    expect(w.ledger.alerts).toEqual(new Set());
    expect(w.overdue()).toBe(2);
    // The next episode is another one: alerted again.
    w.at(48 + 26);
    expect(await w.pass()).toEqual([{ replica: 'orders-staging', action: 'success-overdue:alerted' }]);
    expect(w.sent).toHaveLength(2);
  });

  it('sends an episode once across watchdog instances (a cold start reads the history again and meets the alert item)', async () => {
    const first = world();
    first.ledger.runs.push(run('r1', 'succeeded', T0, T0));
    first.at(30);
    await first.pass();
    const second = world();
    second.ledger.runs.push(...first.ledger.runs);
    for (const a of first.ledger.alerts) second.ledger.alerts.add(a);
    second.at(31);
    expect(await second.pass()).toEqual([]);
    expect(second.sent).toEqual([]);
    expect(second.overdue()).toBe(1);
  });

  it('judges a replica that never succeeded from its oldest run, and leaves a replica without runs alone', async () => {
    const w = world(26, [pair(), pair({ replica: { instanceId: 'billing-staging', region: 'eu-central-1' }, source: { instanceId: 'billing-prod', region: 'eu-west-1' } })]);
    w.ledger.runs.push(run('r1', 'refused', T0), run('r2', 'failed', new Date(T0.getTime() + 24 * HOUR)));
    w.at(26);
    expect(await w.pass()).toEqual([{ replica: 'orders-staging', action: 'success-overdue:alerted' }]);
    expect(w.sent[0]?.text).toContain('No refresh of it has succeeded since run r1');
    expect(w.overdue('billing-staging')).toBe(0);
  });

  it('looks again N hours after finding no run at all, and judges from the first runs it then finds', async () => {
    const w = world();
    await w.pass();
    expect(w.ledger.calls).toHaveLength(1);
    w.ledger.runs.push(run('r1', 'refused', new Date(T0.getTime() + 1 * HOUR)), run('r2', 'refused', new Date(T0.getTime() + 25 * HOUR)));
    w.at(25.5);
    expect(await w.pass()).toEqual([]);
    expect(w.ledger.calls).toHaveLength(1);
    w.at(26);
    expect(await w.pass()).toEqual([]);
    expect(w.ledger.calls.at(-1)).toBe(`listRuns orders-staging limit ${LOOKBACK_RUNS}`);
    w.at(27);
    expect(await w.pass()).toEqual([{ replica: 'orders-staging', action: 'success-overdue:alerted' }]);
    expect(w.ledger.alerts).toEqual(new Set(['orders-staging/success-overdue#since-r1']));
  });

  it('does not judge a paused replica, nor anything with noSuccessWithinHours 0', async () => {
    const paused = world(26, [pair({ schedule: { enabled: false } })]);
    paused.ledger.runs.push(run('r1', 'succeeded', T0, T0));
    paused.at(100);
    expect(await paused.pass()).toEqual([]);
    expect(paused.ledger.calls).toEqual([]);
    const off = world(0);
    off.at(100);
    expect(await off.pass()).toEqual([]);
    expect(off.ledger.calls).toEqual([]);
  });

  it('goes on past a replica whose history cannot be read, then throws naming it', async () => {
    const w = world(26, [pair(), pair({ replica: { instanceId: 'billing-staging', region: 'eu-central-1' }, source: { instanceId: 'billing-prod', region: 'eu-west-1' } })]);
    w.ledger.runs.push(run('b1', 'succeeded', T0, T0));
    w.ledger.runs[0]!.replicaId = 'billing-staging';
    const listRuns = w.ledger.listRuns.bind(w.ledger);
    w.ledger.listRuns = (replicaId, options) => (replicaId === 'orders-staging' ? Promise.reject(new Error('throttled')) : listRuns(replicaId, options));
    w.at(30);
    await expect(w.pass()).rejects.toThrow('the success-overdue check failed for 1 replica(s): orders-staging: Error: throttled');
    expect(w.overdue('billing-staging')).toBe(1);
  });
});

describe('the watchdog pass', () => {
  const { setup } = workflowWorld();

  it('reports an overdue replica and alerts once, beside its other checks', async () => {
    const ctx = await setup();
    const config = { ...ctx.config, noSuccessWithinHours: 26 };
    await ctx.deps.ledger.recordRefusal(run('20261120T020000Z-aaaaaa', 'refused', new Date('2026-11-20T02:00:00Z')));
    ctx.clock.advanceMinutes(24 * 60);
    expect((await runWatchdog(ctx.deps, config)).map((o) => o.action)).toEqual(['idle', 'success-overdue:alerted']);
    ctx.clock.advanceMinutes(5);
    expect((await runWatchdog(ctx.deps, config)).map((o) => o.action)).toEqual(['idle']);
    expect(publishedKinds()).toEqual(['replica.no-success']);
    expect(ctx.deps.telemetry.total(SUCCESS_OVERDUE_METRIC, { replica: 'orders-staging' })).toBe(2);
  });
});
