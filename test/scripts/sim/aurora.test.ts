/**
 * Aurora clusters end to end: the real handlers on the simulated account with every pair a pair of Aurora clusters
 * (aurora-world.ts), on both Aurora engines, and the fault matrix's rows for a cluster. Every row ends with y's
 * cluster serving, its writer and reader created again with their captured settings, and the run recorded with true
 * times (members and cluster deleted, the writer asked for, usable when the writer was); or y untouched and an alert.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../../lambdas/kernel/model';
import { measure } from '../../../lambdas/reporting/measures';
import type { SimAuroraEngine } from '../../../scripts/sim/aurora-world';
import { scaleConfig, watchdogRdsCalls } from '../../../scripts/sim/scale';
import type { FaultSpec } from '../../../scripts/sim/world';
import { Simulation } from '../../../scripts/sim/world';

const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const Y = 'orders-staging';
const MEMBERS = ['orders-staging-1', 'orders-staging-2'];

async function simulate(engine: SimAuroraEngine, nights: number, faults: FaultSpec[] = [], seed = 7) {
  const sim = await Simulation.create({ config, seed, faults, engine });
  try {
    const before = structuredClone(sim.rds.clusters.clusters.get(Y));
    await sim.runNights(nights);
    return { sim, before, runs: await sim.history(Y), active: await sim.activeRun(Y), y: sim.rds.clusters.clusters.get(Y) };
  } finally {
    await sim.close();
  }
}

/** A succeeded run: clean, its members and cluster deleted, its times in order. */
function expectSucceeded(run: RunRecord | undefined) {
  expect(run?.status).toBe('succeeded');
  expect(run?.drift).toEqual([]);
  expect(run?.deletedMembers).toEqual(MEMBERS);
  const m = measure(run!);
  expect(m.restoreSeconds!).toBeGreaterThan(0);
  expect(m.restoreSeconds!).toBeLessThanOrEqual(m.downtimeSeconds!);
  expect(Date.parse(run!.writerRequestedAt!)).toBeGreaterThan(Date.parse(run!.restoreRequestedAt!));
  expect(Date.parse(run!.usableAt!)).toBeGreaterThan(Date.parse(run!.writerRequestedAt!));
}

/** y's cluster serves with its writer and reader, restored by `run` (the last), with RDS's times in order with the run's. */
function expectRestored(sim: Simulation, run: RunRecord | undefined) {
  expectSucceeded(run);
  const y = sim.rds.clusters.clusters.get(Y);
  expect(y?.Status).toBe('available');
  expect(y?.TagList).toContainEqual({ Key: 'replica-refresh:run-id', Value: run?.runId });
  expect(y?.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).toEqual([
    ['orders-staging-1', true],
    ['orders-staging-2', false],
  ]);
  expect(sim.rds.clusters.endpointsReady(Y)).toBe(true);
  const writer = sim.rds.instances.get('orders-staging-1');
  // The cluster was restored after the request, the writer asked for once it was, and y usable once the writer was.
  expect(y?.ClusterCreateTime?.getTime()).toBeGreaterThanOrEqual(Date.parse(run!.restoreRequestedAt!));
  expect(Date.parse(run!.writerRequestedAt!)).toBeGreaterThanOrEqual(y!.ClusterCreateTime!.getTime());
  expect(writer?.InstanceCreateTime?.getTime()).toBeGreaterThanOrEqual(Date.parse(run!.writerRequestedAt!));
  expect(Date.parse(run!.usableAt!)).toBeGreaterThan(writer!.InstanceCreateTime!.getTime());
}

describe('Aurora clusters on the simulated account', () => {
  it.each(['aurora-postgresql', 'aurora-mysql'] as const)('%s: three nights, each restored with y\'s own settings, measured and notified', async (engine) => {
    const { sim, before, runs, active } = await simulate(engine, 3);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    for (const run of runs) expectSucceeded(run);
    expectRestored(sim, runs.at(-1));
    expect(active).toBeUndefined();
    const y = sim.rds.clusters.clusters.get(Y)!;
    // y's own settings came back: its parameter groups, subnet group, logs, IAM auth, scaling, maintenance window.
    expect(y).toMatchObject({
      DBClusterParameterGroup: before!.DBClusterParameterGroup,
      DBSubnetGroup: 'staging-private',
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0staging1', Status: 'active' }],
      IAMDatabaseAuthenticationEnabled: true,
      EnabledCloudwatchLogsExports: before!.EnabledCloudwatchLogsExports,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      KmsKeyId: before!.KmsKeyId,
    });
    // Backtracking is Aurora MySQL's: y's window comes back there; an Aurora PostgreSQL y never had one.
    expect(y.BacktrackWindow).toBe(engine === 'aurora-mysql' ? 3600 : undefined);
    expect(sim.rds.instances.get('orders-staging-2')).toMatchObject({ DBInstanceClass: 'db.serverless', PromotionTier: 1 });
    expect(sim.rds.instances.get('orders-staging-1')).toMatchObject({ DBInstanceClass: 'db.r6g.large', PromotionTier: 0, PerformanceInsightsEnabled: true });
    // Events carried every night: the cluster's deletion (0171) and creation (0170), the writer's creation (0005).
    for (const run of runs) expect([run.deletedSource, run.usableSource]).toEqual(['event', 'event']);
    expect(sim.notified().filter((m) => m.attributes.source !== 'cloudwatch-alarm').map((m) => m.attributes.kind)).toEqual(Array(3).fill('refresh.succeeded'));
    const restores = sim.rds.calls.filter((c) => c.command === 'RestoreDBClusterFromSnapshotCommand');
    expect(restores).toHaveLength(3);
    // At the engine version of x's data, named explicitly (RDS would otherwise pick the region's default version).
    for (const r of restores) expect(r.input.EngineVersion).toBe(sim.rds.clusters.snapshots.get(String(r.input.SnapshotIdentifier))?.EngineVersion);
    expect(restores.every((r) => typeof r.input.EngineVersion === 'string')).toBe(true);
    expect(sim.deadLetters).toEqual([]);
    // Each night restored from the copy of that night's automated cluster snapshot of x.
    expect(runs.map((r) => r.snapshot?.id)).toEqual(['orders-prod-2026-11-17-00-10', 'orders-prod-2026-11-18-00-10', 'orders-prod-2026-11-19-00-10']);
  });

  it("gives y its password from the pair's secret, and config's overrides on the cluster and every member", async () => {
    const secretArn = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf';
    const sim = await Simulation.create({
      config,
      seed: 3,
      engine: 'aurora-mysql',
      pairOverrides: { credentials: { mode: 'secret', secretArn, passwordKey: 'password' }, overrides: { instanceClass: 'db.r6g.xlarge', port: 3307, tags: { cost: 'staging' } } },
    });
    try {
      await sim.runNights(1);
      const [run] = await sim.history(Y);
      expectRestored(sim, run);
      expect(run?.credentialsSetAt).toBeDefined();
      const secret = JSON.parse((await sim.secrets.handle('GetSecretValueCommand', { SecretId: secretArn })).SecretString as string) as { password: string };
      expect(sim.rds.clusters.masterPassword(Y)).toBe(secret.password);
      expect(sim.rds.clusters.clusters.get(Y)).toMatchObject({ Port: 3307 });
      expect(sim.rds.clusters.clusters.get(Y)?.TagList).toContainEqual({ Key: 'cost', Value: 'staging' });
      for (const m of MEMBERS) expect(sim.rds.instances.get(m)?.DBInstanceClass).toBe('db.r6g.xlarge');
    } finally {
      await sim.close();
    }
  });

  it('crash-before-writer: on-rds-event dies before creating the writer; the watchdog creates it and the night succeeds', async () => {
    const { sim, runs } = await simulate('aurora-postgresql', 2, [{ name: 'crash-before-writer', night: 2 }]);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expectRestored(sim, runs[1]);
    const writerCreates = sim.rds.calls.filter((c) => c.command === 'CreateDBInstanceCommand' && c.input.DBInstanceIdentifier === 'orders-staging-1');
    expect(writerCreates).toHaveLength(2);
    // The crash is counted (Lambda's Errors metric) and the watchdog's pass, not on-rds-event, created the second writer.
    expect(sim.onRdsEvent.invocations.some((i) => i.outcome === 'error')).toBe(true);
    expect(sim.watchdog.invocations.some((i) => (i.result as { action: string }[] | undefined)?.some((o) => o.action === 'restore:completing'))).toBe(true);
  });

  it('a cluster deletion event that never arrives: the watchdog restores y', async () => {
    const { sim, runs } = await simulate('aurora-postgresql', 1, [{ name: 'lost-deletion-event' }]);
    expectRestored(sim, runs[0]);
    expect(runs[0]?.deletedSource).toBe('poll');
  });

  it('every event three times, and out of order: one restore, one writer, one close', async () => {
    const { sim, runs } = await simulate('aurora-mysql', 2, [{ name: 'duplicate-events' }, { name: 'reorder-events' }]);
    for (const run of runs) expectSucceeded(run);
    expectRestored(sim, runs.at(-1));
    expect(sim.rds.calls.filter((c) => c.command === 'RestoreDBClusterFromSnapshotCommand')).toHaveLength(2);
    expect(sim.rds.calls.filter((c) => c.command === 'CreateDBInstanceCommand' && c.input.DBInstanceIdentifier === 'orders-staging-1' && c.outcome === 'ok')).toHaveLength(2);
  });

  it('on-rds-event fails all night: the watchdog restores y, creates the writer and closes the run', async () => {
    const { sim, runs } = await simulate('aurora-postgresql', 1, [{ name: 'on-event-fails' }]);
    expectRestored(sim, runs[0]);
    expect(runs[0]?.usableSource).toBe('poll');
  });

  it('start-refresh dies right after its delete: the members and the cluster are deleted, the watchdog restores y', async () => {
    const { sim, runs } = await simulate('aurora-postgresql', 1, [{ name: 'crash-after-delete' }]);
    expect(runs[0]?.status).toBe('succeeded');
    expect(runs[0]?.deleteRequestedEstimated).toBe(true);
    expect(sim.rds.clusters.clusters.get(Y)?.Status).toBe('available');
  });

  it("DeleteDBCluster fails after the members' deletes (a dropped connection): the run stays open, the watchdog finishes the delete and restores y", async () => {
    const sim = await Simulation.create({ config, seed: 7, engine: 'aurora-postgresql' });
    try {
      sim.breakWhen = (fn, command) => (fn === 'start-refresh' && command === 'DeleteDBClusterCommand' ? "the connection dropped during start-refresh's DeleteDBCluster" : undefined);
      await sim.runNights(1);
      const [run] = await sim.history(Y);
      expect(run?.status).toBe('succeeded');
      expect(run?.deletedMembers).toEqual(MEMBERS);
      expect(run?.errors).toEqual([expect.stringContaining('the delete had begun (its members are going): the watchdog finishes it')]);
      const deletes = sim.rds.calls.filter((c) => c.command === 'DeleteDBClusterCommand');
      expect(deletes).toHaveLength(1);
      expect(sim.watchdog.invocations.some((i) => (i.result as { action: string }[] | undefined)?.some((o) => o.action === 'delete:resumed'))).toBe(true);
      expect(sim.rds.clusters.clusters.get(Y)?.TagList).toContainEqual({ Key: 'replica-refresh:run-id', Value: run?.runId });
    } finally {
      await sim.close();
    }
  });

  it('30% of RDS calls throttled: the SDK retries them and the night completes', async () => {
    const { sim, runs } = await simulate('aurora-postgresql', 1, [{ name: 'throttle' }], 3);
    expect(sim.rds.calls.filter((c) => c.outcome === 'Throttling').length).toBeGreaterThan(0);
    expectRestored(sim, runs[0]);
  });

  it("the watchdog's pass over 50 Aurora pairs at rest: one paged DescribeDBClusters and a check of each subscription, no member read", async () => {
    const sim = await Simulation.create({ config: scaleConfig(config, 50), engine: 'aurora-postgresql' });
    try {
      const calls = await watchdogRdsCalls(sim);
      expect(calls.byCommand).toEqual({ DescribeEventSubscriptions: 2, DescribeDBClusters: 1 });
      expect(calls.actions.filter((a) => a === 'idle')).toHaveLength(50);
    } finally {
      await sim.close();
    }
  });

  it('refuses, and leaves y untouched, when y has a member that config does not list', async () => {
    const sim = await Simulation.create({ config, seed: 7, engine: 'aurora-postgresql' });
    try {
      sim.rds.clusters.clusters.get(Y)!.DBClusterMembers!.push({ DBInstanceIdentifier: 'orders-staging-3', IsClusterWriter: false, PromotionTier: 1 });
      sim.rds.instances.set('orders-staging-3', { ...structuredClone(sim.rds.instances.get('orders-staging-2')!), DBInstanceIdentifier: 'orders-staging-3' });
      await sim.runNights(1);
      const [run] = await sim.history(Y);
      expect(run?.status).toBe('refused');
      expect(run?.checks.find((c) => c.id === 'cluster-members')).toMatchObject({ ok: false });
      expect(run?.checks.find((c) => c.id === 'cluster-members')?.detail).toContain('orders-staging-3');
      expect(sim.rds.calls.filter((c) => c.command === 'DeleteDBInstanceCommand' || c.command === 'DeleteDBClusterCommand')).toEqual([]);
      expect(sim.notified().map((m) => m.attributes.kind)).toContain('refresh.refused');
    } finally {
      await sim.close();
    }
  });
});
