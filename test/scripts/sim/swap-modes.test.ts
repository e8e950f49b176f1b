/**
 * The swap modes in the simulated account, end to end through the real handlers: rename-swap (a copy restored beside
 * y, validated over SQL, names swapped) and dns-switch (the idle one of <y>-a/<y>-b restored, validated, a Route 53
 * record pointed at it). Each night's outcome is read from the ledger, the simulated RDS and Route 53, and the SQL
 * probe's record of what clients saw (a real PostgreSQL, PGlite over the wire, behind every instance).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_HOSTED_ZONE_ID, Simulation, simValidation } from '../../../scripts/sim/world';
import type { FaultSpec } from '../../../scripts/sim/world';
import type { RunRecord } from '../../../lambdas/kernel/model';
import { DBInstanceAlreadyExistsFault } from '@aws-sdk/client-rds';
import { InvalidChangeBatch } from '@aws-sdk/client-route-53';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const Y = 'orders-staging';
const RECORD = `${Y}.db.internal`;

interface Nights {
  sim: Simulation;
  runs: RunRecord[];
  instances: string[];
  /** Every ModifyDBInstance that renamed an instance: [from, to]. */
  renames: [string, string][];
  /** Where the record points at the end (its instance), and every UPSERT the functions made (their targets' instances). */
  record: string | undefined;
  upserts: string[];
}

async function nights(mode: 'rename-swap' | 'dns-switch', n: number, faults: FaultSpec[] = [], pairOverrides?: Record<string, unknown>, setup?: (sim: Simulation) => void): Promise<Nights & { yResource: string | undefined; yResourceAfter: string | undefined }> {
  const sim = await Simulation.create({ config, seed: 11, faults, probe: true, mode, ...(pairOverrides ? { pairOverrides } : {}) });
  const yResource = sim.rds.instances.get(Y)?.DbiResourceId;
  setup?.(sim);
  try {
    await sim.runNights(n);
    const runs = await sim.history(Y);
    const instances = [...sim.rds.instances.keys()].filter((id) => id.startsWith(Y)).sort();
    const renames = sim.rds.calls.filter((c) => c.command === 'ModifyDBInstanceCommand' && c.input.NewDBInstanceIdentifier !== undefined).map((c): [string, string] => [String(c.input.DBInstanceIdentifier), String(c.input.NewDBInstanceIdentifier)]);
    const zone = sim.route53?.zones.get(SIM_HOSTED_ZONE_ID);
    const record = zone?.records.get(`${RECORD}.|CNAME`)?.ResourceRecords?.[0]?.Value?.split('.')[0];
    const upserts = (sim.route53?.calls ?? []).filter((c) => c.command === 'ChangeResourceRecordSetsCommand' && c.outcome === 'ok').slice(1).map((c) => {
      const change = (c.input.ChangeBatch as { Changes: { ResourceRecordSet: { ResourceRecords: { Value: string }[] } }[] }).Changes[0]!;
      return change.ResourceRecordSet.ResourceRecords[0]!.Value.split('.')[0]!;
    });
    expect(yResource).toBeDefined();
    return { sim, runs, instances, renames, record, upserts, yResource, yResourceAfter: sim.rds.instances.get(Y)?.DbiResourceId };
  } finally {
    await sim.close();
  }
}

describe('rename-swap in the simulated account', () => {
  it('probe: restores beside y, validates, swaps names; clients lose y only for the rename (RDS: about 10 min), far less than delete-first', async () => {
    const { runs, renames, instances } = await nights('rename-swap', 2);
    expect(runs.map((r) => [r.mode, r.status])).toEqual([
      ['rename-swap', 'succeeded'],
      ['rename-swap', 'succeeded'],
    ]);
    for (const run of runs) {
      // The copy was validated on a real PostgreSQL before any rename: the connection and every configured check.
      expect(run.validation?.map((s) => [s.name, s.status])).toEqual([
        ['connect', 'ok'],
        ['rows in orders', 'ok'],
        ['orders.created_at within 28 h', 'ok'],
      ]);
      expect(Date.parse(run.validatedAt!)).toBeLessThanOrEqual(Date.parse(run.switchRequestedAt!));
      // Clients were down from the first rename until the copy served under y's name: the probe saw about that.
      const window = (Date.parse(run.switchedAt!) - Date.parse(run.switchRequestedAt!)) / 1000;
      expect(window).toBeGreaterThan(9 * 60);
      expect(window).toBeLessThan(15 * 60);
      expect(run.clientDowntimeSeconds).toBeGreaterThanOrEqual(window - 15);
      expect(run.clientDowntimeSeconds).toBeLessThanOrEqual(window + 15);
    }
    // Each night: y → <y>-old-<run>, then <y>-next-<run> → y.
    expect(renames).toEqual(runs.flatMap((r) => [[Y, r.retiredId], [r.copyId, Y]]));
    // The second night's old instance is kept (keepOldHours 24); the first night's was deleted after 24 h.
    expect(instances).toEqual([Y, runs[1]!.retiredId]);
  });

  it('probe: a copy that fails its validation is never switched to: y serves on, untouched; the copy is deleted; clients saw nothing', async () => {
    const { sim: _sim, runs, renames, instances } = await nights('rename-swap', 2, [{ name: 'validation-fails', night: 1 }]);
    const [failed, next] = runs;
    expect(failed?.status).toBe('failed');
    expect(failed?.reason).toMatch(/failed its validation: rows in orders: orders has no rows\. Clients were never switched/);
    expect(failed?.validation?.find((s) => s.status === 'failed')?.name).toBe('rows in orders');
    expect(failed?.switchRequestedAt).toBeUndefined();
    expect(failed?.clientDowntimeSeconds).toBe(0);
    // No rename that night, and no copy left.
    expect(renames.filter(([from]) => from === failed?.copyId)).toEqual([]);
    expect(instances).not.toContain(failed?.copyId);
    expect(next?.status).toBe('succeeded');
  });

  it('probe: a rename RDS refuses half way is rolled back: y is the old instance again, the copy is deleted, the run fails and says so', async () => {
    // RDS refuses the copy's rename to y (after y took its retired name): the switch is undone.
    const { runs, instances, yResource, yResourceAfter } = await nights('rename-swap', 1, [], undefined, (sim) => {
      sim.refuseWhen = (_fn, command, input) => (command === 'ModifyDBInstanceCommand' && input.NewDBInstanceIdentifier === Y && String(input.DBInstanceIdentifier).includes('-next-') ? new DBInstanceAlreadyExistsFault({ message: 'DB instance already exists', $metadata: {} }) : undefined);
    });
    const run = runs[0]!;
    expect(run.status).toBe('failed');
    expect(run.rolledBackAt).toBeDefined();
    expect(run.reason).toMatch(/the switch was rolled back \(a rename was refused: .*DBInstanceAlreadyExists.*\): y's name is the old instance's again/);
    // y is the very instance it was before the night, and nothing else of the run is left.
    expect(yResourceAfter).toBe(yResource);
    expect(instances).toEqual([Y]);
    // Clients lost y while the old instance took its retired name and then y's name back (RDS's renames).
    expect(run.clientDowntimeSeconds).toBeGreaterThan(600);
  });

  it('deletes old instances after keepOldHours, and only instances this mode made', async () => {
    const { runs, instances } = await nights('rename-swap', 2, [], { refresh: { mode: 'rename-swap', keepOldHours: 0, validation: simValidation({ maxSnapshotAgeHours: 26 }) } });
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    // keepOldHours 0: each old instance goes at the watchdog's first pass after its run (no run active then).
    expect(instances).toEqual([Y]);
  });
});

describe('dns-switch in the simulated account', () => {
  it('probe: alternates <y>-a and <y>-b behind the record; clients saw no failed query; each old instance is deleted after INSYNC and the TTL', async () => {
    const { runs, instances, record, upserts } = await nights('dns-switch', 3);
    expect(runs.map((r) => [r.mode, r.status, r.copyId, r.retiredId])).toEqual([
      ['dns-switch', 'succeeded', `${Y}-a`, Y],
      ['dns-switch', 'succeeded', `${Y}-b`, `${Y}-a`],
      ['dns-switch', 'succeeded', `${Y}-a`, `${Y}-b`],
    ]);
    expect(upserts).toEqual([`${Y}-a`, `${Y}-b`, `${Y}-a`]);
    expect(record).toBe(`${Y}-a`);
    expect(instances).toEqual([`${Y}-a`]);
    for (const run of runs) {
      expect(run.clientDowntimeSeconds).toBe(0);
      // The old instance was retired only after Route 53 was INSYNC and the record's TTL had passed.
      expect(Date.parse(run.closedAt!)).toBeGreaterThanOrEqual(Date.parse(run.dnsInsyncAt!) + 5_000);
    }
  });

  it('probe: with validation-fails on night 2, night 2 fails with zero client-seen downtime and the record untouched; night 3 succeeds', async () => {
    const { runs, upserts } = await nights('dns-switch', 3, [{ name: 'validation-fails', night: 2 }]);
    expect(runs.map((r) => [r.status, r.clientDowntimeSeconds])).toEqual([
      ['succeeded', 0],
      ['failed', 0],
      ['succeeded', 0],
    ]);
    expect(runs[1]?.dnsChangeId).toBeUndefined();
    // The failure says the serving slot is fine, not that y was deleted (the run deleted nothing clients used).
    expect(runs[1]?.reason).toContain(`${Y}-a exists and is available.`);
    expect(runs[1]?.reason).not.toContain('DOES NOT EXIST');
    // Night 2 never pointed the record: only nights 1 and 3 did.
    expect(upserts).toEqual([`${Y}-a`, `${Y}-b`]);
  });

  it('probe: a change Route 53 refuses never moves clients: the record and the live instance stay, the copy is deleted, the run fails', async () => {
    const { runs, record, instances } = await nights('dns-switch', 1, [], undefined, (sim) => {
      const route53 = sim.route53!;
      const handle = route53.handle.bind(route53);
      let setup = true;
      route53.handle = (command, input) => {
        // The account owner's own record change at setup passes; the function's UPSERT is refused.
        if (command === 'ChangeResourceRecordSetsCommand' && !setup) return Promise.reject(new InvalidChangeBatch({ message: 'simulated refusal', $metadata: {} }));
        setup = false;
        return handle(command, input);
      };
    });
    const run = runs[0]!;
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(/Route 53 refused the change/);
    expect(run.clientDowntimeSeconds).toBe(0);
    expect(record).toBe(Y);
    expect(instances).toEqual([Y]);
  });
});
