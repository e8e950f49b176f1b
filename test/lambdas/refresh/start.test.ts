import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { finalSnapshotId, makeRunId } from '../../../lambdas/kernel/ids';
import { startRefresh } from '../../../lambdas/refresh/start';
import { Y, xSnapshot, yInstance } from '../../support/fixtures';
import { published, publishedKinds } from '../../support/harness';
import { FRESH_SNAPSHOT, workflowWorld } from '../../support/workflow';

const fresh = FRESH_SNAPSHOT;
const world = workflowWorld();
const { rds } = world;

async function setup(pairChanges: Record<string, unknown> = {}, ...state: [instance?: ReturnType<typeof yInstance> | undefined, snapshots?: ReturnType<typeof xSnapshot>[]]) {
  // An explicit undefined instance means "y does not exist", so defaults apply only to arguments not passed.
  return world.setup({ pair: pairChanges, ...(state.length >= 1 ? { instance: state[0] ?? null } : {}), ...(state[1] ? { snapshots: state[1] } : {}) });
}

describe('startRefresh', () => {
  it('captures y, opens the run and deletes y', async () => {
    const { config, deps } = await setup();
    const result = await startRefresh(deps, config, { replica: Y, trigger: 'schedule', requestId: 'exec-1' });
    expect(result).toMatchObject({ outcome: 'started', snapshot: { id: 'orders-prod-2026-11-21' } });
    expect(rds.mock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { DBInstanceIdentifier: Y, DeleteAutomatedBackups: true, SkipFinalSnapshot: true });
    expect(rds.instance?.DBInstanceStatus).toBe('deleting');
    const run = await deps.ledger.getActiveRun(Y);
    expect(run).toMatchObject({
      status: 'active',
      phase: 'deleting',
      trigger: 'schedule',
      requestId: 'exec-1',
      deleteRequestedAt: '2026-11-21T02:00:00.000Z',
      plannedSnapshot: { id: 'orders-prod-2026-11-21', dataTime: '2026-11-21T01:10:00.000Z' },
      desired: { instanceClass: 'db.r6g.large', port: 6543, vpcSecurityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], tags: { team: 'orders', 'cost-center': 'cc-42', 'replica-refresh:managed': 'true' } },
    });
    expect(published()).toEqual([]);
  });

  it('treats a repeat of the same request as a no-op', async () => {
    const { config, deps } = await setup();
    const first = await startRefresh(deps, config, { replica: Y, trigger: 'schedule', requestId: 'exec-1' });
    const again = await startRefresh(deps, config, { replica: Y, trigger: 'schedule', requestId: 'exec-1' });
    expect(again).toEqual({ outcome: 'duplicate', runId: first.outcome === 'started' ? first.runId : '' });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
    expect(published()).toEqual([]);
  });

  it('refuses a second start while a run is active, and reports it', async () => {
    const { config, deps } = await setup();
    const first = await startRefresh(deps, config, { replica: Y, trigger: 'schedule', requestId: 'exec-1' });
    const second = await startRefresh(deps, config, { replica: Y, trigger: 'drill' });
    expect(second).toMatchObject({ outcome: 'refused', reason: expect.stringContaining(`already running (run ${first.outcome === 'started' ? first.runId : ''})`) as unknown });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
    expect(publishedKinds()).toEqual(['refresh.refused']);
    const history = await deps.ledger.listRuns(Y);
    expect(history.map((r) => r.status)).toEqual(['refused']);
  });

  describe('each preflight refusal deletes nothing, alerts and records the refusal', () => {
    const cases: [string, Record<string, unknown>, ReturnType<typeof yInstance> | undefined, ReturnType<typeof xSnapshot>[], string][] = [
      ['y missing', {}, undefined, [fresh], 'replica-exists'],
      ['y not in a deletable state', {}, yInstance({ DBInstanceStatus: 'modifying' }), [fresh], 'replica-deletable'],
      ['y without the ownership tag', {}, yInstance({ TagList: [{ Key: 'team', Value: 'orders' }] }), [fresh], 'ownership-tag'],
      ['deletion protection on', {}, yInstance({ DeletionProtection: true }), [fresh], 'deletion-protection'],
      ['no snapshot of x', {}, yInstance(), [], 'snapshot-available'],
      ['only a snapshot of another instance', {}, yInstance(), [xSnapshot('billing', '2026-11-21T01:00:00Z', { DBInstanceIdentifier: 'billing-prod' })], 'snapshot-available'],
      ['a stale snapshot', {}, yInstance(), [xSnapshot('old', '2026-11-19T01:00:00Z')], 'snapshot-available'],
      ['a snapshot not newer than y\'s', { maxSnapshotAgeHours: 48 }, yInstance(), [xSnapshot('same', '2026-11-20T01:10:00Z')], 'snapshot-newer'],
      ['the newest snapshot still copying, when config refuses', { whenNewestSnapshotNotReady: 'refuse' }, yInstance(), [xSnapshot('copying', '2026-11-21T01:50:00Z', { Status: 'copying' }), fresh], 'snapshot-available'],
      ['a monitoring role the functions may not pass', { monitoringRoleArn: undefined }, yInstance(), [fresh], 'monitoring-role'],
    ];
    it.each(cases)('%s', async (_name, pairChanges, instance, snapshots, failingCheck) => {
      const { config, deps } = await setup(pairChanges, instance, snapshots);
      const result = await startRefresh(deps, config, { replica: Y, trigger: 'schedule' });
      expect(result.outcome).toBe('refused');
      expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
      expect(rds.mock).toHaveReceivedCommandTimes(ModifyDBInstanceCommand, 0);
      expect(rds.instance?.DBInstanceStatus).toBe(instance?.DBInstanceStatus);
      const [alert] = published();
      expect(alert).toMatchObject({ kind: 'refresh.refused', severity: 'alert', replica: Y });
      expect((alert?.json.checks as { id: string; ok: boolean }[]).filter((c) => !c.ok).map((c) => c.id)).toContain(failingCheck);
      expect(await deps.ledger.getActiveRun(Y)).toBeUndefined();
      const [refusal] = await deps.ledger.listRuns(Y);
      expect(refusal).toMatchObject({ status: 'refused', trigger: 'schedule' });
      expect(refusal?.checks.find((c) => c.id === failingCheck)?.ok).toBe(false);
    });
  });

  it('uses the newest available snapshot when the newest is still copying, by default', async () => {
    const { config, deps } = await setup({}, yInstance(), [xSnapshot('copying', '2026-11-21T01:50:00Z', { Status: 'copying' }), fresh]);
    expect(await startRefresh(deps, config, { replica: Y, trigger: 'schedule' })).toMatchObject({ outcome: 'started', snapshot: { id: fresh.DBSnapshotIdentifier } });
  });

  it('turns deletion protection off first when config allows it', async () => {
    const { config, deps } = await setup({ allowDisablingDeletionProtection: true }, yInstance({ DeletionProtection: true }));
    expect((await startRefresh(deps, config, { replica: Y, trigger: 'schedule' })).outcome).toBe('started');
    // Describe y, list snapshots and proxies, then protection off before the delete.
    expect(rds.mock).toHaveReceivedNthCommandWith(4, ModifyDBInstanceCommand, { DBInstanceIdentifier: Y, DeletionProtection: false, ApplyImmediately: true });
    expect(rds.mock).toHaveReceivedNthCommandWith(5, DeleteDBInstanceCommand, { DBInstanceIdentifier: Y });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
    expect((await deps.ledger.getActiveRun(Y))?.desired?.deletionProtection).toBe(true);
  });

  it('takes a deterministically named final snapshot when configured', async () => {
    const { config, deps } = await setup({ finalSnapshot: true });
    const result = await startRefresh(deps, config, { replica: Y, trigger: 'schedule' });
    const runId = result.outcome === 'started' ? result.runId : '';
    expect(rds.mock).toHaveReceivedCommandWith(DeleteDBInstanceCommand, { SkipFinalSnapshot: false, FinalDBSnapshotIdentifier: finalSnapshotId(Y, runId) });
    expect(finalSnapshotId(Y, runId)).toMatch(/^orders-staging-final-20261121t020000z-[0-9a-f]{6}$/);
  });

  it('restores from a pinned snapshot only if it is x\'s and available', async () => {
    const older = xSnapshot('orders-prod-2026-11-20', '2026-11-20T23:00:00Z');
    const { config, deps } = await setup({}, yInstance(), [older, fresh]);
    expect(await startRefresh(deps, config, { replica: Y, trigger: 'drill', snapshotId: 'orders-prod-2026-11-20' })).toMatchObject({ outcome: 'started', snapshot: { id: 'orders-prod-2026-11-20' } });
    expect((await deps.ledger.getActiveRun(Y))?.pinnedSnapshotId).toBe('orders-prod-2026-11-20');

    const second = await setup();
    const refused = await startRefresh(second.deps, second.config, { replica: Y, trigger: 'drill', snapshotId: 'nope' });
    expect(refused).toMatchObject({ outcome: 'refused', reason: 'the pinned snapshot nope does not exist in eu-central-1' });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
  });

  it('a pinned snapshot older than maxSnapshotAgeHours and than y is refused, naming --allow-older, and accepted with it', async () => {
    const old = xSnapshot('orders-prod-2026-11-18', '2026-11-18T01:10:00Z');
    const { config, deps } = await setup({}, yInstance(), [old, fresh]);
    const refused = await startRefresh(deps, config, { replica: Y, trigger: 'drill', snapshotId: 'orders-prod-2026-11-18' });
    expect(refused).toMatchObject({ outcome: 'refused' });
    const failing = refused.outcome === 'refused' ? refused.checks.filter((c) => !c.ok) : [];
    expect(failing.map((c) => c.id)).toEqual(['snapshot-available', 'snapshot-newer']);
    expect(failing.every((c) => c.detail.includes('--allow-older'))).toBe(true);
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);

    const again = await setup({}, yInstance(), [old, fresh]);
    const started = await startRefresh(again.deps, again.config, { replica: Y, trigger: 'drill', snapshotId: 'orders-prod-2026-11-18', allowOlder: true });
    expect(started).toMatchObject({ outcome: 'started', snapshot: { id: 'orders-prod-2026-11-18' } });
    // --allow-older without a pinned snapshot changes nothing: the newest is still the only choice.
    const unpinned = await setup({}, yInstance(), [old]);
    expect(await startRefresh(unpinned.deps, unpinned.config, { replica: Y, trigger: 'drill', allowOlder: true })).toMatchObject({ outcome: 'refused' });
  });

  it('fails the run and alerts when RDS rejects the delete, leaving y as it was', async () => {
    const { config, deps } = await setup();
    rds.instance!.DBInstanceStatus = 'available';
    rds.mock.on(DeleteDBInstanceCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $retryable: { throttling: true } }));
    const result = await startRefresh(deps, config, { replica: Y, trigger: 'schedule' });
    expect(result).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('DeleteDBInstance failed') as unknown });
    expect(rds.instance?.DBInstanceStatus).toBe('available');
    expect(await deps.ledger.getActiveRun(Y)).toBeUndefined();
    expect((await deps.ledger.listRuns(Y))[0]).toMatchObject({ status: 'failed' });
    expect(published()[0]).toMatchObject({ kind: 'refresh.failed', severity: 'alert' });
    expect(published()[0]?.text).toContain(`${Y} exists and is available`);
  });

  it('keeps the run open when the delete errs and y cannot be read either: the outcome is unknown, the event or watchdog decides', async () => {
    const { config, deps } = await setup();
    rds.mock.on(DeleteDBInstanceCommand).callsFake(() => {
      rds.instance!.DBInstanceStatus = 'deleting';
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    });
    let describes = 0;
    const describe = rds.mock.on(DescribeDBInstancesCommand);
    describe.callsFake(() => {
      describes++;
      if (describes > 1) throw Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
      return { DBInstances: [structuredClone(rds.instance!)] };
    });
    const result = await startRefresh(deps, config, { replica: Y, trigger: 'schedule' });
    expect(result.outcome).toBe('started');
    const run = await deps.ledger.getActiveRun(Y);
    expect(run).toMatchObject({ status: 'active', phase: 'deleting' });
    expect(run?.errors.join('\n')).toContain("y's state could not be read");
    expect(publishedKinds()).toEqual([]);
  });

  it('continues its run when the schedule retries a start that died before recording the delete', async () => {
    const { config, deps } = await setup();
    // The first attempt opened the run and died (Lambda timeout, say) before DeleteDBInstance went out.
    await deps.ledger.openRun({
      replicaId: Y,
      runId: '20261121T015900Z-aaaaaa',
      sourceId: 'orders-prod',
      trigger: 'schedule',
      requestId: 'orders-staging@2026-11-21T03:00:00Z',
      status: 'active',
      phase: 'deleting',
      startedAt: '2026-11-21T01:59:00.000Z',
      preflightFinishedAt: '2026-11-21T01:59:01.000Z',
      restoreAttempts: 0,
      checks: [],
      errors: [],
    });
    const retried = await startRefresh(deps, config, { replica: Y, trigger: 'schedule', requestId: 'orders-staging@2026-11-21T03:00:00Z' });
    expect(retried.outcome).toBe('started');
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
    expect(rds.instance?.DBInstanceStatus).toBe('deleting');
    expect(await deps.ledger.getActiveRun(Y)).toMatchObject({ deleteRequestedAt: '2026-11-21T02:00:00.000Z' });
    expect(publishedKinds()).toEqual([]);
    // A third delivery is a duplicate: nothing more happens.
    expect(await startRefresh(deps, config, { replica: Y, trigger: 'schedule', requestId: 'orders-staging@2026-11-21T03:00:00Z' })).toMatchObject({ outcome: 'duplicate' });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 1);
  });

  it('plans without changing anything', async () => {
    const { config, deps } = await setup();
    const plan = await startRefresh(deps, config, { replica: Y, trigger: 'drill', dryRun: true });
    expect(plan).toMatchObject({ outcome: 'planned', ok: true, snapshot: { id: fresh.DBSnapshotIdentifier }, desired: { instanceClass: 'db.r6g.large' }, wouldDisableDeletionProtection: false });
    expect(rds.mock).toHaveReceivedCommandTimes(DeleteDBInstanceCommand, 0);
    expect(await deps.ledger.getActiveRun(Y)).toBeUndefined();
    expect(await deps.ledger.listRuns(Y)).toEqual([]);
    expect(published()).toEqual([]);
  });

  it('rejects a replica that is not configured, touching nothing', async () => {
    const { config, deps } = await setup();
    expect(await startRefresh(deps, config, { replica: 'orders-prod', trigger: 'drill' })).toMatchObject({
      outcome: 'failed',
      reason: 'orders-prod is not a replica configured in eu-central-1 (configured: orders-staging)',
    });
    expect(rds.mock.calls()).toHaveLength(0);
  });
});

describe('makeRunId', () => {
  it('sorts by time', () => {
    expect(makeRunId(new Date('2026-11-21T02:00:00.123Z'), 'abcdef')).toBe('20261121T020000Z-abcdef');
  });
});

describe('startRefresh: an ambiguous delete', () => {
  it('carries on when DeleteDBInstance errors but RDS did start deleting y', async () => {
    const { config, deps } = await setup();
    rds.mock.on(DeleteDBInstanceCommand).callsFake(() => {
      rds.instance!.DBInstanceStatus = 'deleting';
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    });
    expect(await startRefresh(deps, config, { replica: Y, trigger: 'schedule' })).toMatchObject({ outcome: 'started' });
    const run = await deps.ledger.getActiveRun(Y);
    expect(run).toMatchObject({ phase: 'deleting', deleteRequestedAt: '2026-11-21T02:00:00.000Z' });
    expect(run?.errors[0]).toContain('TimeoutError: socket hang up (y was being deleted anyway)');
    expect(published()).toEqual([]);
  });
});
