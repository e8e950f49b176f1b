/**
 * The run lifecycle's table and its one mover, against a real DynamoDB implementation (dynalite): moves the table
 * does not allow are refused, racing moves of one run leave exactly one winner, a move from a stale read retries once
 * only when a detail (not the state) changed, and the README's diagram is the table's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoLedger } from '../../../lambdas/aws/ledger';
import { StaleRunError } from '../../../lambdas/kernel/errors';
import type { RunRecord } from '../../../lambdas/kernel/model';
import type { Deps } from '../../../lambdas/kernel/ports';
import { USABLE_EVENT_GRACE_MINUTES, usableWithoutEvent } from '../../../lambdas/refresh/lifecycle';
import { IllegalTransitionError, TRANSITIONS, lifecycleMermaid, openRun, transition } from '../../../lambdas/refresh/machine';
import { withLifecycle } from '../../../scripts/docs/lifecycle';
import type { LocalDynamo } from '../../support/dynalite';
import { startDynalite } from '../../support/dynalite';

let dynamo: LocalDynamo;
let deps: { ledger: DynamoLedger };

const base: RunRecord = { replicaId: 'orders-staging', runId: 'r1', sourceId: 'orders-prod', trigger: 'schedule', status: 'active', phase: 'deleting', startedAt: '2026-11-21T02:00:00.000Z', restoreAttempts: 0, checks: [], errors: [] };

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});
beforeEach(async () => {
  deps = { ledger: new DynamoLedger(dynamo.client, await dynamo.createLedgerTable()) };
});

describe('run lifecycle', () => {
  it('opens a run at version 1 in the state its event leads to, and refuses a record in another state', async () => {
    expect(await openRun(deps, 'start', base)).toMatchObject({ phase: 'deleting', version: 1 });
    await expect(openRun(deps, 'heal', { ...base, runId: 'r2' })).rejects.toThrow(IllegalTransitionError);
  });

  it('moves a run along the table, and refuses a move the table does not allow from its state', async () => {
    const opened = await openRun(deps, 'start', base);
    await expect(transition(deps, opened, 'usable')).rejects.toThrow('event "usable" applies in restoring, not in deleting');
    const restoring = await transition(deps, opened, 'claim-restore', { restoreAttempts: 1 });
    expect(restoring).toMatchObject({ phase: 'restoring', restoreAttempts: 1, version: 2 });
    const finishing = await transition(deps, restoring, 'usable', { usableAt: '2026-11-21T02:30:00.000Z' });
    const closed = await transition(deps, finishing, 'succeed', { closedAt: '2026-11-21T02:31:00.000Z' });
    expect(closed).toMatchObject({ status: 'succeeded', phase: 'finishing', closedAt: '2026-11-21T02:31:00.000Z' });
    await expect(transition(deps, closed, 'fail')).rejects.toThrow(IllegalTransitionError);
  });

  it('lets exactly one of several deliveries move a run', async () => {
    const opened = await openRun(deps, 'start', base);
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => transition(deps, opened, 'claim-restore', { restoreClaimedAt: `2026-11-21T02:0${n}:00.000Z` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof StaleRunError)).toHaveLength(3);
    expect(await deps.ledger.getActiveRun('orders-staging')).toMatchObject({ phase: 'restoring', version: 2 });
  });

  it('retries a move once from a fresh read when only a detail changed, and never when the state moved on', async () => {
    const opened = await openRun(deps, 'start', base);
    await deps.ledger.updateActiveRun(opened, { deadlineAlertedAt: '2026-11-21T02:20:00.000Z' });
    // The version moved on (a detail), the state did not: the move goes through, keeping the detail.
    const moved = await transition(deps, opened, 'claim-restore');
    expect(moved).toMatchObject({ phase: 'restoring', version: 3, deadlineAlertedAt: '2026-11-21T02:20:00.000Z' });
    // From the same stale read, the state has moved on: refused.
    await expect(transition(deps, opened, 'claim-restore')).rejects.toThrow(StaleRunError);
  });

  it('keeps the back-off: a claim before the next attempt is due is refused', async () => {
    const opened = await openRun(deps, 'heal', { ...base, phase: 'deleted', nextRetryAt: '2026-11-21T03:00:00.000Z' });
    await expect(transition(deps, opened, 'claim-restore', {}, { dueBy: '2026-11-21T02:59:00.000Z' })).rejects.toThrow(StaleRunError);
    await expect(transition(deps, opened, 'claim-restore', { nextRetryAt: undefined }, { dueBy: '2026-11-21T03:00:00.000Z' })).resolves.toMatchObject({ phase: 'restoring' });
  });

  it("draws every row of the table in the diagram, and the README's lifecycle section is the generated one", () => {
    const diagram = lifecycleMermaid();
    for (const [event, t] of Object.entries(TRANSITIONS)) for (const from of t.from.length ? t.from : ['[*]']) expect(diagram).toContain(`${from} --> ${t.to}: ${event}`);
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    expect(withLifecycle(readme)).toBe(readme);
  });

  it("records the watchdog's first sighting of a serving restore, finishes only after the grace, and ignores an earlier attempt's sighting", async () => {
    let now = new Date('2026-11-21T02:30:00.000Z');
    const d = { ...deps, now: () => now } as unknown as Deps;
    const opened = await openRun(deps, 'start', base);
    let run = await transition(deps, opened, 'claim-restore', { restoreRequestedAt: '2026-11-21T02:10:00.000Z' });
    // First sighting: recorded, nothing finished.
    expect(await usableWithoutEvent(d, run)).toBeUndefined();
    run = (await deps.ledger.getActiveRun('orders-staging'))!;
    expect(run.usablePolledAt).toBe('2026-11-21T02:30:00.000Z');
    // Within the grace: still nothing.
    now = new Date(Date.parse(run.usablePolledAt!) + (USABLE_EVENT_GRACE_MINUTES * 60_000) / 2);
    expect(await usableWithoutEvent(d, run)).toBeUndefined();
    // Past it: usable from the first sighting.
    now = new Date(Date.parse(run.usablePolledAt!) + USABLE_EVENT_GRACE_MINUTES * 60_000);
    expect(await usableWithoutEvent(d, run)).toEqual(new Date('2026-11-21T02:30:00.000Z'));
    // A later restore attempt of the same run (the first one vanished): the old sighting counts for nothing.
    run = await deps.ledger.updateActiveRun(run, { restoreRequestedAt: '2026-11-21T02:40:00.000Z' }, ['restoring']);
    now = new Date('2026-11-21T03:00:00.000Z');
    expect(await usableWithoutEvent(d, run)).toBeUndefined();
    expect((await deps.ledger.getActiveRun('orders-staging'))?.usablePolledAt).toBe('2026-11-21T03:00:00.000Z');
  });
});
