import { DynamoLedger } from '../../../lambdas/aws/ledger';
import type { RunRecord } from '../../../lambdas/kernel/model';
import { ActiveRunExistsError, StaleRunError } from '../../../lambdas/kernel/errors';
import type { LocalDynamo } from '../../support/dynalite';
import { startDynalite } from '../../support/dynalite';

let dynamo: LocalDynamo;
let ledger: DynamoLedger;

function run(runId: string, changes: Partial<RunRecord> = {}): RunRecord {
  return {
    replicaId: 'orders-staging',
    runId,
    sourceId: 'orders-prod',
    trigger: 'schedule',
    status: 'active',
    phase: 'deleting',
    startedAt: '2026-11-21T02:00:00.000Z',
    restoreAttempts: 0,
    checks: [{ id: 'replica-exists', ok: true, detail: 'ok' }],
    errors: [],
    ...changes,
  };
}

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});
beforeEach(async () => {
  ledger = new DynamoLedger(dynamo.client, await dynamo.createLedgerTable());
});

describe('DynamoLedger', () => {
  it('opens one active run per replica', async () => {
    await ledger.openRun(run('r1'));
    await expect(ledger.openRun(run('r2'))).rejects.toEqual(new ActiveRunExistsError('orders-staging', 'r1'));
    expect((await ledger.getActiveRun('orders-staging'))?.runId).toBe('r1');
    await ledger.openRun({ ...run('r3'), replicaId: 'billing-staging' });
    expect((await ledger.getActiveRun('billing-staging'))?.runId).toBe('r3');
  });

  it('moves only the current run in an expected phase', async () => {
    await ledger.openRun(run('r1'));
    const updated = await ledger.moveRun({ ...run('r1'), version: 1 }, { phase: 'restoring', restoreAttempts: 1 }, ['deleting', 'deleted']);
    expect(updated).toMatchObject({ phase: 'restoring', restoreAttempts: 1, checks: [{ id: 'replica-exists', ok: true, detail: 'ok' }] });
    await expect(ledger.moveRun(updated, { phase: 'restoring' }, ['deleting', 'deleted'])).rejects.toBeInstanceOf(StaleRunError);
    await expect(ledger.updateActiveRun(updated, { errors: ['x'] }, ['deleting'])).rejects.toBeInstanceOf(StaleRunError);
    await expect(ledger.updateActiveRun(run('other'), { errors: ['x'] })).rejects.toBeInstanceOf(StaleRunError);
  });

  it('refuses a claim before the run\'s next attempt is due, and takes it once due', async () => {
    await ledger.openRun(run('r1', { phase: 'deleted', nextRetryAt: '2026-11-21T02:10:00.000Z' }));
    const read = { ...run('r1'), version: 1 };
    await expect(ledger.moveRun(read, { phase: 'restoring' }, ['deleted'], { dueBy: '2026-11-21T02:09:59.000Z' })).rejects.toBeInstanceOf(StaleRunError);
    await expect(ledger.moveRun(read, { phase: 'restoring', nextRetryAt: undefined }, ['deleted'], { dueBy: '2026-11-21T02:10:00.000Z' })).resolves.toMatchObject({ phase: 'restoring' });
  });

  it('replaces a polled time with an event\'s, on the active run or in history, but never an event\'s', async () => {
    await ledger.openRun(run('r1', { phase: 'restoring', deletedAt: '2026-11-21T02:16:00.000Z', deletedSource: 'poll' }));
    await expect(ledger.amendTiming('orders-staging', 'r1', 'deleted', '2026-11-21T02:06:00.000Z')).resolves.toBe(true);
    await expect(ledger.amendTiming('orders-staging', 'r1', 'deleted', '2026-11-21T02:05:00.000Z')).resolves.toBe(false);
    expect(await ledger.getActiveRun('orders-staging')).toMatchObject({ deletedAt: '2026-11-21T02:06:00.000Z', deletedSource: 'event' });
    const closed = { ...run('r2', { usableAt: '2026-11-21T02:30:00.000Z', usableSource: 'poll' as const }), status: 'succeeded' as const };
    await ledger.archiveRun(closed);
    await expect(ledger.amendTiming('orders-staging', 'r2', 'usable', '2026-11-21T02:26:00.000Z')).resolves.toBe(true);
    expect((await ledger.listRuns('orders-staging'))[0]).toMatchObject({ runId: 'r2', usableAt: '2026-11-21T02:26:00.000Z', usableSource: 'event' });
  });

  it("records a SQL probe's client-seen downtime on the run in history, or on the active one; an unknown run is not created", async () => {
    await ledger.archiveRun({ ...run('r2'), status: 'succeeded' });
    await expect(ledger.recordClientDowntime('orders-staging', 'r2', 12.5)).resolves.toBe(true);
    expect((await ledger.listRuns('orders-staging'))[0]).toMatchObject({ runId: 'r2', clientDowntimeSeconds: 12.5 });
    await ledger.openRun(run('r3'));
    await expect(ledger.recordClientDowntime('orders-staging', 'r3', 0)).resolves.toBe(true);
    expect(await ledger.getActiveRun('orders-staging')).toMatchObject({ runId: 'r3', clientDowntimeSeconds: 0 });
    await expect(ledger.recordClientDowntime('orders-staging', 'nope', 1)).resolves.toBe(false);
    expect((await ledger.listRuns('orders-staging')).map((r) => r.runId)).toEqual(['r2']);
  });

  it('keeps the last RDS event received per replica; an older delivery does not move it back', async () => {
    expect(await ledger.lastEvent('orders-staging')).toBeUndefined();
    await ledger.noteEvent('orders-staging', { eventId: 'RDS-EVENT-0003', sourceId: 'orders-staging', at: '2026-11-21T02:06:00.000Z', receivedAt: '2026-11-21T02:06:01.000Z' });
    await ledger.noteEvent('orders-staging', { eventId: 'RDS-EVENT-0043', sourceId: 'orders-staging', receivedAt: '2026-11-21T02:30:00.000Z' });
    await ledger.noteEvent('orders-staging', { eventId: 'RDS-EVENT-0003', sourceId: 'orders-staging', receivedAt: '2026-11-21T02:10:00.000Z' });
    expect(await ledger.lastEvent('orders-staging')).toEqual({ eventId: 'RDS-EVENT-0043', sourceId: 'orders-staging', receivedAt: '2026-11-21T02:30:00.000Z' });
    // Not a run: the history stays empty.
    expect(await ledger.listRuns('orders-staging')).toEqual([]);
  });

  it('lists the runs started in [since, until)', async () => {
    for (const id of ['20261119T020000Z-aaaaaa', '20261120T020000Z-bbbbbb', '20261121T020000Z-cccccc']) await ledger.archiveRun({ ...run(id), status: 'succeeded' });
    const listed = await ledger.listRuns('orders-staging', { since: new Date('2026-11-20T00:00:00Z'), until: new Date('2026-11-21T02:00:00Z') });
    expect(listed.map((r) => r.runId)).toEqual(['20261120T020000Z-bbbbbb']);
  });

  it('removes attributes set to undefined', async () => {
    await ledger.openRun(run('r1', { deletedAt: '2026-11-21T02:05:00.000Z' }));
    const updated = await ledger.updateActiveRun(run('r1'), { deletedAt: undefined });
    expect(updated.deletedAt).toBeUndefined();
    expect('deletedAt' in updated).toBe(false);
  });

  it('lets exactly one of several racing moves win', async () => {
    await ledger.openRun(run('r1'));
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => ledger.moveRun({ ...run('r1'), version: 1 }, { phase: 'restoring' }, ['deleting'])));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof StaleRunError)).toHaveLength(4);
  });

  it('moves a run only from the version it was read at: every write moves the version on', async () => {
    await ledger.openRun(run('r1'));
    const read = await ledger.getActiveRun('orders-staging');
    expect(read?.version).toBe(1);
    // Another invocation records a detail: the version moves on, the phase does not.
    expect(await ledger.updateActiveRun(read!, { deadlineAlertedAt: '2026-11-21T03:00:00.000Z' })).toMatchObject({ version: 2, phase: 'deleting' });
    await expect(ledger.moveRun(read!, { phase: 'restoring' }, ['deleting'])).rejects.toThrow(StaleRunError);
    await expect(ledger.moveRun({ ...read!, version: 2 }, { phase: 'restoring' }, ['deleting'])).resolves.toMatchObject({ phase: 'restoring', version: 3 });
  });

  it('refuses a phase or status change outside a transition', async () => {
    await ledger.openRun(run('r1'));
    await expect(ledger.updateActiveRun(run('r1'), { phase: 'restoring' })).rejects.toThrow('only through the lifecycle');
    await expect(ledger.updateActiveRun(run('r1'), { status: 'failed' })).rejects.toThrow('only through the lifecycle');
    expect(await ledger.getActiveRun('orders-staging')).toMatchObject({ phase: 'deleting', status: 'active', version: 1 });
  });

  it('closes a run once, archives it into history, and frees the slot', async () => {
    await ledger.openRun(run('20261121T020000Z-aaaaaa'));
    const closed = run('20261121T020000Z-aaaaaa', { status: 'succeeded', closedAt: '2026-11-21T02:40:00.000Z' });
    await expect(ledger.moveRun({ ...closed, version: 1 }, { status: 'succeeded', closedAt: closed.closedAt }, ['deleting'])).resolves.toMatchObject({ status: 'succeeded' });
    await expect(ledger.moveRun({ ...closed, version: 2 }, { status: 'succeeded', closedAt: closed.closedAt }, ['deleting'])).rejects.toThrow(StaleRunError);
    // Closed but not yet archived: still in the active slot, no longer active.
    expect(await ledger.getActiveRun('orders-staging')).toMatchObject({ status: 'succeeded' });
    await ledger.archiveRun({ ...closed, notifiedAt: '2026-11-21T02:40:01.000Z' });
    await ledger.archiveRun({ ...closed, notifiedAt: '2026-11-21T02:40:01.000Z' });
    expect(await ledger.getActiveRun('orders-staging')).toBeUndefined();
    const history = await ledger.listRuns('orders-staging');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ runId: '20261121T020000Z-aaaaaa', status: 'succeeded', notifiedAt: '2026-11-21T02:40:01.000Z' });
    expect(history[0]?.phase).toBeUndefined();
  });

  it('lets one of several racing closers win', async () => {
    await ledger.openRun(run('r1'));
    const results = await Promise.allSettled([1, 2, 3].map(() => ledger.moveRun({ ...run('r1'), version: 1 }, { status: 'failed' }, ['deleting'])));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('does not free a slot another run holds', async () => {
    await ledger.openRun(run('r2'));
    await ledger.archiveRun(run('r1', { status: 'failed' }));
    expect((await ledger.getActiveRun('orders-staging'))?.runId).toBe('r2');
  });

  it('sends an alert once until it is cleared', async () => {
    const at = new Date('2026-11-21T12:00:00Z');
    expect(await ledger.alertOnce('orders-staging', 'replica-missing', at)).toBe(true);
    expect(await ledger.alertOnce('orders-staging', 'replica-missing', at)).toBe(false);
    expect(await ledger.alertOnce('billing-staging', 'replica-missing', at)).toBe(true);
    await ledger.clearAlert('orders-staging', 'replica-missing');
    expect(await ledger.alertOnce('orders-staging', 'replica-missing', at)).toBe(true);
    expect(await ledger.listRuns('orders-staging')).toEqual([]);
  });

  it('lists history newest first, since a time, up to a limit, and includes refusals', async () => {
    for (const day of ['18', '19', '20', '21']) {
      await ledger.recordRefusal(run(`202611${day}T020000Z-000000`, { status: 'refused', reason: 'no snapshot' }));
    }
    expect((await ledger.listRuns('orders-staging')).map((r) => r.runId.slice(6, 8))).toEqual(['21', '20', '19', '18']);
    expect((await ledger.listRuns('orders-staging', { since: new Date('2026-11-20T00:00:00Z') })).map((r) => r.runId.slice(6, 8))).toEqual(['21', '20']);
    expect((await ledger.listRuns('orders-staging', { limit: 1 })).map((r) => r.runId.slice(6, 8))).toEqual(['21']);
    expect(await ledger.listRuns('billing-staging')).toEqual([]);
  });
});
