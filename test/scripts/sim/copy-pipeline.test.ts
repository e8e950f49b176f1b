/**
 * Issue 5's "done when", on the simulated account: x's snapshots reach y's region through the real
 * copy function (EventBridge event → CopyDBSnapshot in y's region, the delay queue when the copy
 * quota is full), re-encrypted with the replica key and tagged as the project's; the nightly refresh
 * restores y from them; the retention function expires only the project's unused, expired copies.
 * Virtual time: nothing waits for real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DBSnapshot, Tag } from '@aws-sdk/client-rds';
import { copyTargetId } from '../../../lambdas/copy/plan';
import { COPY_TAGS } from '../../../lambdas/kernel/snapshot-tags';
import type { CopyInvocationOutcome } from '../../../lambdas/copy/invocation';
import type { RetentionPass } from '../../../lambdas/retention/retention';
import { LINEAGE_TAGS } from '../../../lambdas/targets/instance/settings';
import { nextFire } from '../../../scripts/sim/cron';
import type { Invocation } from '../../../scripts/sim/lambda';
import { fixed, uniform } from '../../../scripts/sim/random';
import type { SimulationOptions } from '../../../scripts/sim/world';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const X = 'orders-prod';
const Y = 'orders-staging';
const SOURCE_REGION = 'eu-west-1';
const START = new Date('2026-11-16T12:00:00Z');
const DAY = 86_400_000;
const OWNED: Tag = { Key: 'replica-refresh:managed', Value: 'true' };

async function withSim<T>(options: Partial<SimulationOptions>, body: (sim: Simulation) => Promise<T>): Promise<T> {
  const sim = await Simulation.create({ config, seed: 5, start: START, ...options });
  try {
    return await body(sim);
  } finally {
    await sim.close();
  }
}

/** Cross-region copies now copying into y's region. */
function copying(sim: Simulation): number {
  return [...sim.rds.snapshots.values()].filter((s) => s.SourceRegion && s.SourceRegion !== sim.rds.region && s.Status === 'copying').length;
}

function outcomes(inv: Invocation): CopyInvocationOutcome[] {
  return inv.outcome === 'ok' ? ((inv.result as CopyInvocationOutcome[] | undefined) ?? []) : [];
}

function fromQueue(inv: Invocation): boolean {
  const records = (inv.event as { Records?: { eventSource?: string }[] }).Records;
  return records?.[0]?.eventSource === 'aws:sqs';
}

describe('copy pipeline', () => {
  it("x's nightly snapshot arrives in y's region re-encrypted with the replica key and owned, and the refresh restores y from it", async () => {
    await withSim({ snapshotEventIds: 'without-prefix' }, async (sim) => {
      await sim.runNights(1);
      const source = sim.sourceRds?.snapshots.get(`rds:${X}-2026-11-17-00-10`);
      const copyId = copyTargetId(`rds:${X}-2026-11-17-00-10`, false);
      const copy = sim.rds.snapshots.get(copyId);

      expect(source).toMatchObject({ SnapshotType: 'automated', Status: 'available', Encrypted: true, KmsKeyId: sim.sourceKeyArn(SOURCE_REGION) });
      expect(copy).toMatchObject({
        Status: 'available',
        SnapshotType: 'manual',
        Encrypted: true,
        KmsKeyId: sim.replicaKeyArn,
        SourceRegion: SOURCE_REGION,
        SourceDBSnapshotIdentifier: source?.DBSnapshotArn,
        DBInstanceIdentifier: X,
        DbiResourceId: source?.DbiResourceId,
        OriginalSnapshotCreateTime: source?.OriginalSnapshotCreateTime,
      });
      expect(copy?.KmsKeyId).not.toBe(source?.KmsKeyId);
      // The ownership tag and where it came from, plus x's own tags (CopyTags).
      expect(copy?.TagList).toEqual(expect.arrayContaining([OWNED, { Key: COPY_TAGS.source, Value: source?.DBSnapshotArn }, { Key: 'team', Value: 'orders' }]));

      // One CopyDBSnapshot, in y's region, naming the source by ARN, with the URL the SDK presigned for x's region.
      const copyCalls = sim.rds.calls.filter((c) => c.command === 'CopyDBSnapshotCommand');
      expect(copyCalls).toEqual([
        expect.objectContaining({
          outcome: 'ok',
          input: expect.objectContaining({
            SourceDBSnapshotIdentifier: source?.DBSnapshotArn,
            TargetDBSnapshotIdentifier: copyId,
            KmsKeyId: sim.replicaKeyArn,
            CopyTags: true,
            PreSignedUrl: expect.stringContaining(`rds.${SOURCE_REGION}.amazonaws.com`) as unknown,
          }) as unknown,
        }),
      ]);
      // It was the snapshot-created event (without its rds: prefix) that started it, not the sweep.
      const started = sim.copySnapshot?.invocations.find((inv) => outcomes(inv).some((o) => o.outcome.action === 'copied'));
      expect(started?.event).toMatchObject({ source: 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', detail: { EventID: 'RDS-EVENT-0091', SourceType: 'SNAPSHOT', SourceIdentifier: `${X}-2026-11-17-00-10` } });

      // The nightly refresh restores y from that copy, and y's lineage says so.
      const runs = await sim.history(Y);
      expect(runs).toEqual([expect.objectContaining({ status: 'succeeded', snapshot: expect.objectContaining({ id: copyId }) as unknown })]);
      expect(sim.rds.calls.filter((c) => c.command === 'RestoreDBInstanceFromDBSnapshotCommand').map((c) => c.input.DBSnapshotIdentifier)).toEqual([copyId]);
      const y = sim.rds.instances.get(Y);
      expect(y?.TagList).toContainEqual({ Key: LINEAGE_TAGS.sourceSnapshot, Value: copyId });
      expect(y?.KmsKeyId).toBe(sim.replicaKeyArn);
    });
  });

  it('extra snapshots on their schedule: taken in x\'s region, copied like any other, then removed from x\'s region', async () => {
    // Every 6 hours in the pair's zone (Europe/Berlin): 18:00, 00:00, 06:00 and 12:00.
    await withSim({ pairOverrides: { copy: { extraSnapshots: { cron: 'cron(0 0/6 * * ? *)' } } } }, async (sim) => {
      await sim.runNights(1);
      const src = sim.sourceRds!;
      const taken = src.calls.filter((c) => c.command === 'CreateDBSnapshotCommand' && c.outcome === 'ok').map((c) => c.input.DBSnapshotIdentifier as string);
      expect(taken).toEqual([`${X}-rr-2026-11-16-17-00`, `${X}-rr-2026-11-16-23-00`, `${X}-rr-2026-11-17-05-00`, `${X}-rr-2026-11-17-11-00`]);
      // Each is copied into y's region, encrypted with the replica key and owned.
      for (const id of taken.slice(0, 3)) expect(sim.rds.snapshots.get(copyTargetId(id, false))).toMatchObject({ Status: 'available', KmsKeyId: sim.replicaKeyArn, TagList: expect.arrayContaining([OWNED]) as unknown });
      // Once its copy is available, the extra snapshot leaves x's region (the sweep after it); x's automated snapshots stay.
      const deleted = src.calls.filter((c) => c.command === 'DeleteDBSnapshotCommand' && c.outcome === 'ok').map((c) => c.input.DBSnapshotIdentifier);
      expect(deleted).toEqual(taken.slice(0, 3));
      expect([...src.snapshots.keys()].filter((id) => id.includes('-rr-'))).toEqual([`${X}-rr-2026-11-17-11-00`]);
      expect(src.snapshots.get(`rds:${X}-2026-11-17-00-10`)?.Status).toBe('available');
      // The nightly refresh took the newest copy: x's automated snapshot of 00:10 UTC, newer than the 23:00 UTC extra one.
      const [run] = await sim.history(Y);
      expect(run).toMatchObject({ status: 'succeeded', snapshot: { id: `${X}-2026-11-17-00-10` } });
    });
  });

  async function burst(options: Partial<SimulationOptions>) {
    return withSim({ crossRegionCopyLimit: 5, timings: { copy: uniform(600, 900) }, ...options }, async (sim) => {
      let most = 0;
      sim.clock.afterStep = () => void (most = Math.max(most, copying(sim)));
      await sim.runUntil(START.getTime() + 10 * 60_000);
      const ids = Array.from({ length: 50 }, (_, i) => `${X}-burst-${String(i + 1).padStart(2, '0')}`);
      // Fifty manual snapshots of x at once, each emitting RDS-EVENT-0042 when created.
      for (const id of ids) await sim.sourceRds?.handle('CreateDBSnapshotCommand', { DBInstanceIdentifier: X, DBSnapshotIdentifier: id });
      const arrived = () => ids.filter((id) => sim.rds.snapshots.get(id)?.Status === 'available').length;
      for (let hours = 0; hours < 8 && arrived() < ids.length; hours += 0.5) await sim.runUntil(sim.clock.millis + 30 * 60_000);
      return { sim, ids, most, copies: ids.map((id) => sim.rds.snapshots.get(id)) };
    });
  }

  function expectAllCopied(result: Awaited<ReturnType<typeof burst>>) {
    const { sim, copies, most } = result;
    for (const c of copies) expect(c).toMatchObject({ Status: 'available', KmsKeyId: sim.replicaKeyArn, TagList: expect.arrayContaining([OWNED]) as unknown });
    // The account's limit was reached and never exceeded, at any step.
    expect(most).toBe(5);
    expect(sim.rds.copyHighWater).toBe(5);
    // Deferred copies went through the delay queue and came back from it as SQS events.
    expect(sim.deferQueue?.sent.length).toBeGreaterThan(0);
    expect(new Set(sim.deferQueue?.sent.map((m) => m.delaySeconds))).toEqual(new Set([300]));
    expect(sim.copySnapshot?.invocations.filter((inv) => fromQueue(inv) && outcomes(inv).some((o) => o.outcome.action === 'copied')).length).toBeGreaterThan(0);
    // Nobody was told the pipeline gave up, and nothing failed.
    expect(sim.notified('snapshots.copy-gave-up')).toEqual([]);
    expect(sim.telemetry.total('SnapshotCopyGaveUp')).toBe(0);
    expect(sim.deadLetters).toEqual([]);
    expect(sim.copySnapshot?.invocations.filter((inv) => inv.outcome === 'error')).toEqual([]);
  }

  it('a burst of 50 snapshots with 5 copies allowed in flight (account and config): never more than 5 copying, all 50 copied', async () => {
    const result = await burst({ pairOverrides: { copy: { inFlightLimit: 5 } } });
    expectAllCopied(result);
    // The function counted the copies in flight before calling: RDS never had to refuse one.
    expect(result.sim.rds.calls.filter((c) => c.command === 'CopyDBSnapshotCommand' && c.outcome !== 'ok')).toEqual([]);
  });

  it("a burst of 50 snapshots where config allows 20 but the account 5: RDS's SnapshotQuotaExceededFault defers them, all 50 copied", async () => {
    const result = await burst({});
    expectAllCopied(result);
    const refused = result.sim.rds.calls.filter((c) => c.command === 'CopyDBSnapshotCommand' && c.outcome !== 'ok');
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused.map((c) => c.outcome))).toEqual(new Set(['SnapshotQuotaExceededFault']));
  });

  it('retention deletes only owned, unused, expired copies: not the one y holds, not the active run\'s, not young ones, not others\'', async () => {
    const options: Partial<SimulationOptions> = {
      // No nightly refresh to move y's lineage on; a slow delete keeps y (and its tags) visible while the drill's run is active.
      pairOverrides: { schedule: { cron: 'cron(0 3 * * ? *)', timeZone: 'Europe/Berlin', enabled: false }, requireNewerSnapshot: false, maxSnapshotAgeHours: 24 * 35 },
      timings: { delete: fixed(3600) },
    };
    await withSim(options, async (sim) => {
      const src = sim.sourceRds!;
      /** A copy of x's automated snapshot of `daysAgo` days before the start, with the given tags. */
      const seed = (daysAgo: number, tags: Tag[]): DBSnapshot => {
        const at = new Date(Date.UTC(2026, 10, 16, 0, 10) - daysAgo * DAY);
        const id = `rds:${X}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
        return sim.rds.seedCopy(src.seedSnapshot(X, id, 'automated', at), SOURCE_REGION, copyTargetId(id, false), sim.replicaKeyArn, tags);
      };
      const owned = (daysAgo: number) => seed(daysAgo, [OWNED, { Key: COPY_TAGS.source, Value: 'seeded' }]);
      const expired = [owned(10), owned(12)];
      const young = owned(5);
      const heldByY = owned(20);
      const chosenByRun = owned(25);
      const untagged = seed(15, []);
      const otherOwner = seed(16, [{ Key: OWNED.Key, Value: 'false' }]);
      const y = sim.rds.instances.get(Y)!;
      y.TagList = (y.TagList ?? [])
        .filter((t) => t.Key !== LINEAGE_TAGS.sourceSnapshot && t.Key !== LINEAGE_TAGS.sourceSnapshotTime)
        .concat([
          { Key: LINEAGE_TAGS.sourceSnapshot, Value: heldByY.DBSnapshotIdentifier },
          { Key: LINEAGE_TAGS.sourceSnapshotTime, Value: heldByY.OriginalSnapshotCreateTime?.toISOString() },
        ]);

      // Just before the retention schedule fires, a drill pinned to an old copy starts: its run is active while retention runs.
      const pair = sim.pairs[0]!;
      const fire = nextFire(pair.copy.retention.cron, 'Europe/Berlin', START);
      await sim.runUntil(fire.getTime() - 5 * 60_000);
      await expect(sim.drill(Y, chosenByRun.DBSnapshotIdentifier)).resolves.toMatchObject({ outcome: 'started' });
      await sim.runUntil(fire.getTime() + 20 * 60_000);

      const passes = sim.retention.invocations.filter((inv) => inv.outcome === 'ok').flatMap((inv) => inv.result as RetentionPass[]);
      expect(passes).toHaveLength(1);
      const expiredIds = expired.map((s) => s.DBSnapshotIdentifier);
      expect(passes[0]?.deleted.sort()).toEqual([...expiredIds].sort());
      expect(sim.rds.calls.filter((c) => c.command === 'DeleteDBSnapshotCommand').map((c) => c.input.DBSnapshotIdentifier).sort()).toEqual([...expiredIds].sort());
      for (const id of expiredIds) expect(sim.rds.snapshots.has(id!)).toBe(false);
      for (const kept of [young, heldByY, chosenByRun, untagged, otherOwner]) expect(sim.rds.snapshots.get(kept.DBSnapshotIdentifier!)?.Status).toBe('available');
      // The reasons the kept ones were kept.
      const reason = (s: DBSnapshot) => passes[0]?.results.find((r) => r.id === s.DBSnapshotIdentifier)?.reason;
      expect(reason(heldByY)).toMatch(/in use/);
      expect(reason(chosenByRun)).toMatch(/in use/);
      expect(reason(untagged)).toMatch(/not the project's/);
      expect(reason(otherOwner)).toMatch(/not the project's/);
      expect(reason(young)).toMatch(/younger than 7 days/);
      // The drill's run carried on and restored y from its pinned copy.
      await sim.runUntil(fire.getTime() + 4 * 3_600_000);
      const runs = await sim.history(Y);
      expect(runs).toEqual([expect.objectContaining({ trigger: 'drill', status: 'succeeded', snapshot: expect.objectContaining({ id: chosenByRun.DBSnapshotIdentifier }) as unknown })]);
    });
  });
});
