/**
 * One world per workflow test file: a dynalite started once, the fake RDS, and a `setup` that gives
 * each test a fresh ledger table, a clock at 02:00 UTC on 2026-11-21 and the real adapters over fakes.
 */
import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import type { RuntimeConfig } from '../../lambdas/kernel/config';
import type { LocalDynamo } from './dynalite';
import { startDynalite } from './dynalite';
import { FakeRds } from './fake-rds';
import { runtimeConfig, xSnapshot, yInstance } from './fixtures';
import { Clock, makeDeps, snsMock } from './harness';

/** y's enhanced-monitoring role in the fixtures, which config must name. */
export const MONITORING_ROLE = 'arn:aws:iam::111111111111:role/rds-monitoring';

/** Last night's copy of x's snapshot, fresh and newer than the one y holds. */
export const FRESH_SNAPSHOT = xSnapshot('orders-prod-2026-11-21', '2026-11-21T01:10:00Z');

/** What a test may change about the world it starts in. */
export interface WorldOptions {
  pair?: Record<string, unknown>;
  /** y as DescribeDBInstances returns it; `null` for "y does not exist". */
  instance?: DBInstance | null;
  snapshots?: DBSnapshot[];
  /** x's automated backups replicated into y's region. */
  replicatedBackups?: DBInstanceAutomatedBackup[];
}

/** Registers the file's hooks and returns the fake RDS and a per-test setup. */
export function workflowWorld(defaultPair: Record<string, unknown> = {}) {
  let dynamo: LocalDynamo;
  const rds = new FakeRds();
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  async function setup(options: WorldOptions = {}) {
    rds.reset(options.instance === null ? undefined : (options.instance ?? yInstance()), options.snapshots ?? [FRESH_SNAPSHOT]);
    rds.replicatedBackups = structuredClone(options.replicatedBackups ?? []);
    snsMock.reset();
    const config: RuntimeConfig = runtimeConfig({ monitoringRoleArn: MONITORING_ROLE, ...defaultPair, ...options.pair }, { ledgerTableName: await dynamo.createLedgerTable() });
    const clock = new Clock('2026-11-21T02:00:00Z');
    rds.now = clock.now;
    const deps = makeDeps(config, { endpoint: dynamo.endpoint, clock });
    return { config, clock, deps, endpoint: dynamo.endpoint };
  }

  return { rds, setup };
}
