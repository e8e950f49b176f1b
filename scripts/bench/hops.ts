/**
 * Section 1 of the benchmark: what the pipeline adds per hop, in real time, against the simulator
 * answering RDS and SNS at once (zero simulated latency) and dynalite holding the ledger. The real
 * handlers, core, adapters and SDK clients run; timestamps are taken when the handler is called and
 * when the next RDS request reaches the simulator (after the SDK's middleware, where the network
 * would start).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DBSnapshot } from '@aws-sdk/client-rds';
import { ledgerClient } from '../../lambdas/aws/ledger';
import { notifyClient } from '../../lambdas/aws/notify';
import { parametersClient } from '../../lambdas/aws/parameters';
import { replicaRdsClient } from '../../lambdas/aws/rds';
import { secretsClient } from '../../lambdas/aws/secrets';
import { CONFIG_FILE_ENV, RESOURCES_ENV, parseConfig } from '../../lambdas/kernel/config';
import { stageRuntimeConfig } from '../sim/function-config';
import type { Runtime } from '../../lambdas/kernel/runtime';
import { runtime } from '../../lambdas/kernel/runtime';
import { VirtualClock } from '../sim/clock';
import { startDynalite } from '../sim/dynamo';
import { answerFromSimulator, interceptCalls } from '../sim/middleware';
import { SimRds } from '../sim/rds';
import { Random } from '../sim/random';
import { SimSsm } from '../sim/ssm';
import { SimTelemetry } from '../sim/telemetry';
import { initialReplica, simRuntimeConfig } from '../sim/world';
import type { Summary } from './stats';
import { summarise } from './stats';

/** One hop's latency, warm and cold. */
export interface HopFigure {
  hop: string;
  from: string;
  to: string;
  warmMs: Summary;
  coldMs: Summary;
  /** Ledger (DynamoDB) round trips in the whole invocation, warm; each is a loopback HTTP call to dynalite here. */
  ledgerCalls: number;
}

/** What one handler invocation costs, warm. */
export interface InvocationFigure {
  invocation: string;
  warmMs: Summary;
  rdsCalls: Record<string, number>;
  ledgerCalls: number;
}

/** Section 1's result. */
export interface HopsResult {
  method: string;
  iterations: number;
  hops: HopFigure[];
  invocations: InvocationFigure[];
}

const CREDENTIALS = { accessKeyId: 'BENCH', secretAccessKey: 'BENCH' };
const DAY = 86_400_000;

function snsEvent(eventId: string, sourceId: string, time: Date, message: string): unknown {
  const body = {
    'Event Source': 'db-instance',
    'Event Time': time.toISOString().replace('T', ' ').replace('Z', ''),
    'Identifier Link': `https://console.aws.amazon.com/rds/home#dbinstance:id=${sourceId}`,
    'Source ID': sourceId,
    'Event ID': `http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#${eventId}`,
    'Event Message': message,
  };
  return { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Type: 'Notification', Subject: 'RDS Notification Message', Message: JSON.stringify(body) } }] };
}

/**
 * Runs `iterations` warm and `iterations` cold refresh cycles (schedule → delete, deletion event →
 * restore, usable event → modify and close) and reports each hop's latency.
 */
export async function measureHops(opts: { iterations: number; log?: (line: string) => void }): Promise<HopsResult> {
  const log = opts.log ?? (() => undefined);
  const cdk = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } };
  const full = parseConfig(cdk.context.replicaRefresh);
  const first = full.pairs[0]!;
  const pair = { ...first, source: { ...first.source, mode: 'snapshot-copy' as const } };
  const region = pair.replica.region;
  const y = pair.replica.identifier;
  const dynamo = await startDynalite();
  const configDir = mkdtempSync(join(tmpdir(), 'replica-refresh-bench-config-'));
  // Set below for the handler modules and put back afterwards: the directory goes, and a handler module loaded later in
  // this process (the simulated nights load retention's) must not be pointed at it.
  const previousEnv = { [CONFIG_FILE_ENV]: process.env[CONFIG_FILE_ENV], [RESOURCES_ENV]: process.env[RESOURCES_ENV] };
  try {
    const table = await dynamo.createLedgerTable('bench-ledger');
    const config = simRuntimeConfig(full, [pair], table, 'bench-notifications');
    // The configuration file and environment as deployed, read by the functions' own loader.
    const source = stageRuntimeConfig(config, configDir);
    // The handler modules build a runtime when loaded; give them this one's configuration.
    process.env[CONFIG_FILE_ENV] = source.env[CONFIG_FILE_ENV];
    process.env[RESOURCES_ENV] = source.env[RESOURCES_ENV];
    const [{ createHandler: startHandler }, { createHandler: eventHandler }, { createHandler: watchdogHandler }] = await Promise.all([
      import('../../lambdas/handlers/start-refresh'),
      import('../../lambdas/handlers/on-rds-event'),
      import('../../lambdas/handlers/watchdog'),
    ]);

    const clock = new VirtualClock(new Date('2026-01-01T12:00:00Z'));
    const random = new Random(7);
    const rds = new SimRds(region, full.account, clock, random);
    rds.subnetGroups.add('staging-private');
    rds.addParameterGroup('staging-pg16', 'postgres', '16.4');
    const parameters = new SimSsm(region, full.account, clock);
    const marks = new Map<string, number>();
    const rdsCalls = new Map<string, number>();
    let ledgerCalls = 0;

    const build = (): Runtime =>
      runtime(source, {
        clients: (cfg) => {
          const replicaRds = replicaRdsClient(cfg.region, { credentials: CREDENTIALS });
          answerFromSimulator(replicaRds, (command, input) => {
            if (!marks.has(command)) marks.set(command, performance.now());
            rdsCalls.set(command, (rdsCalls.get(command) ?? 0) + 1);
            return rds.handle(command, input);
          });
          const sns = notifyClient(cfg.region, { credentials: CREDENTIALS });
          answerFromSimulator(sns, () => Promise.resolve({ MessageId: 'bench' }));
          const ddb = ledgerClient(cfg.region, { endpoint: dynamo.endpoint, credentials: CREDENTIALS });
          interceptCalls(ddb, (_command, _input, pass) => {
            ledgerCalls++;
            return pass();
          });
          // The pair's credentials mode as configured: its secret reads and parameter writes are part of a refresh.
          const secrets = secretsClient(cfg.region, { credentials: CREDENTIALS });
          answerFromSimulator(secrets, (command, input) => rds.secretsManager.handle(command, input));
          const ssm = parametersClient(cfg.region, { credentials: CREDENTIALS });
          answerFromSimulator(ssm, (command, input) => parameters.handle(command, input));
          return { replicaRds, sns, dynamo: ddb, secrets, ssm };
        },
        now: clock.now,
        randomId: () => random.hex6(),
        telemetry: new SimTelemetry(),
      });
    const handlers = () => {
      const rt = build();
      return { start: startHandler(rt), event: eventHandler(rt), watchdog: watchdogHandler(rt) };
    };

    // y as it is before the first night, holding a copy of x's snapshot of the day before.
    const copyOf = (dataTime: Date): DBSnapshot => {
      const id = `${pair.source.identifier}-${dataTime.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
      return {
        DBSnapshotIdentifier: id,
        DBSnapshotArn: rds.arn('snapshot', id),
        DBInstanceIdentifier: pair.source.identifier,
        DbiResourceId: 'db-BENCHSOURCE000000000000001',
        SnapshotType: 'manual',
        Status: 'available',
        Engine: 'postgres',
        EngineVersion: '16.6',
        AllocatedStorage: 200,
        Port: 5432,
        SnapshotCreateTime: new Date(dataTime.getTime() + 30 * 60_000),
        OriginalSnapshotCreateTime: dataTime,
        SourceRegion: pair.source.region,
        Encrypted: true,
        KmsKeyId: `arn:aws:kms:${region}:${full.account}:key/bench`,
        PercentProgress: 100,
        TagList: [{ Key: pair.ownershipTag.key, Value: pair.ownershipTag.value }],
      };
    };
    const seed = copyOf(new Date(clock.millis - DAY));
    rds.snapshots.set(seed.DBSnapshotIdentifier!, seed);
    rds.instances.set(y, initialReplica(rds, pair, { snapshotId: seed.DBSnapshotIdentifier!, dataTime: seed.OriginalSnapshotCreateTime! }));

    type Hop = 'schedule' | 'deleted' | 'usable';
    const sample = { warm: { schedule: [] as number[], deleted: [] as number[], usable: [] as number[] }, cold: { schedule: [] as number[], deleted: [] as number[], usable: [] as number[] } };
    const duration: Record<Hop | 'idle-watchdog', number[]> = { schedule: [], deleted: [], usable: [], 'idle-watchdog': [] };
    const callsPer: Record<Hop | 'idle-watchdog', { rds: Map<string, number>; ledger: number }> = {
      schedule: { rds: new Map(), ledger: 0 },
      deleted: { rds: new Map(), ledger: 0 },
      usable: { rds: new Map(), ledger: 0 },
      'idle-watchdog': { rds: new Map(), ledger: 0 },
    };
    const target: Record<Hop, string> = { schedule: 'DeleteDBInstanceCommand', deleted: 'RestoreDBInstanceFromDBSnapshotCommand', usable: 'ModifyDBInstanceCommand' };

    /** Calls a handler, returns the time to the hop's RDS request; records the invocation's duration and calls (warm only). */
    const timed = async (hop: Hop | 'idle-watchdog', warm: boolean, call: () => Promise<unknown>): Promise<number> => {
      marks.clear();
      rdsCalls.clear();
      const ledgerBefore = ledgerCalls;
      const t0 = performance.now();
      await call();
      const t1 = performance.now();
      if (warm) {
        duration[hop].push(t1 - t0);
        const c = callsPer[hop];
        c.rds = new Map(rdsCalls);
        c.ledger = ledgerCalls - ledgerBefore;
      }
      if (hop === 'idle-watchdog') return t1 - t0;
      const at = marks.get(target[hop]);
      if (at === undefined) throw new Error(`bench: ${hop} hop made no ${target[hop]} call (calls: ${[...rdsCalls.keys()].join(', ')})`);
      return at - t0;
    };

    let warmHandlers = handlers();
    for (const kind of ['warm', 'cold'] as const) {
      for (let i = 0; i < opts.iterations; i++) {
        const h = kind === 'warm' ? warmHandlers : handlers();
        // Tonight's copy, an hour old at 03:00; older copies leave, so every night lists the same few.
        const night = clock.millis - (clock.millis % DAY) + DAY;
        const copy = copyOf(new Date(night + 2 * 3_600_000));
        rds.snapshots.set(copy.DBSnapshotIdentifier!, copy);
        for (const [id, s] of rds.snapshots) if ((s.OriginalSnapshotCreateTime?.getTime() ?? 0) < night - 3 * DAY) rds.snapshots.delete(id);

        await clock.run(night + 3 * 3_600_000);
        const requestId = `bench-${kind}-${i}`;
        sample[kind].schedule.push(await timed('schedule', kind === 'warm', () => h.start({ replica: pair.id, trigger: 'schedule', requestId, scheduledTime: clock.now().toISOString() })));
        // RDS deletes y (4-8 simulated minutes), then the deletion event arrives.
        await clock.run(clock.millis + 10 * 60_000);
        if (rds.instances.has(y)) throw new Error(`bench: ${y} is still ${rds.instances.get(y)?.DBInstanceStatus} 10 minutes after its deletion`);
        const deleted = snsEvent('RDS-EVENT-0003', y, clock.now(), 'DB instance deleted');
        sample[kind].deleted.push(await timed('deleted', kind === 'warm', () => h.event(deleted)));
        // The restore serves within the simulated restore time; then the restored event arrives.
        for (let waited = 0; rds.instances.get(y)?.DBInstanceStatus === 'creating' && waited < 6; waited++) await clock.run(clock.millis + 30 * 60_000);
        const usable = snsEvent('RDS-EVENT-0043', y, clock.now(), `Restored from snapshot ${copy.DBSnapshotIdentifier}`);
        sample[kind].usable.push(await timed('usable', kind === 'warm', () => h.event(usable)));
        if (kind === 'warm') await timed('idle-watchdog', true, () => h.watchdog({ trigger: 'watchdog' }));
        if ((i + 1) % 50 === 0) log(`  hops: ${kind} ${i + 1}/${opts.iterations}`);
      }
      warmHandlers = handlers();
    }
    const runs = await build().deps.ledger.listRuns(pair.id, { limit: 2 * opts.iterations + 10 });
    const failed = runs.filter((r) => r.status !== 'succeeded');
    if (failed.length > 0) throw new Error(`bench: ${failed.length} of ${runs.length} cycles did not succeed (first: ${failed[0]?.reason ?? failed[0]?.status})`);

    const hops: HopFigure[] = [
      { hop: 'schedule → delete', from: 'start-refresh invoked by the schedule', to: 'DeleteDBInstance request leaves', warmMs: summarise(sample.warm.schedule), coldMs: summarise(sample.cold.schedule), ledgerCalls: callsPer.schedule.ledger },
      { hop: 'deleted event → restore', from: 'on-rds-event invoked with RDS-EVENT-0003', to: 'RestoreDBInstanceFromDBSnapshot request leaves', warmMs: summarise(sample.warm.deleted), coldMs: summarise(sample.cold.deleted), ledgerCalls: callsPer.deleted.ledger },
      { hop: 'usable event → modify', from: 'on-rds-event invoked with RDS-EVENT-0043', to: 'post-restore ModifyDBInstance request leaves', warmMs: summarise(sample.warm.usable), coldMs: summarise(sample.cold.usable), ledgerCalls: callsPer.usable.ledger },
    ];
    const invocations: InvocationFigure[] = (['schedule', 'deleted', 'usable', 'idle-watchdog'] as const).map((k) => ({
      invocation: { schedule: 'start-refresh (schedule)', deleted: 'on-rds-event (deleted)', usable: 'on-rds-event (usable, closes the run)', 'idle-watchdog': 'watchdog (no active run)' }[k],
      warmMs: summarise(duration[k]),
      rdsCalls: Object.fromEntries([...callsPer[k].rds].map(([c, n]) => [c.replace(/Command$/, ''), n])),
      ledgerCalls: callsPer[k].ledger,
    }));
    return {
      method:
        `${opts.iterations} warm and ${opts.iterations} cold refresh cycles of the real handlers in one Node ${process.version} process; RDS and SNS answered at once by the simulator, ` +
        'the ledger in dynalite over loopback HTTP. A hop runs from the handler call to the moment its next RDS request passes the SDK middleware (where the network would start). ' +
        'Warm: handlers and SDK clients reused. Cold: a fresh runtime (config parse, new SDK clients) for each cycle, in an already-loaded module; the module init of a real cold start is section 2.',
      iterations: opts.iterations,
      hops,
      invocations,
    };
  } finally {
    await dynamo.stop();
    rmSync(configDir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(previousEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
