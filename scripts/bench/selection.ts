/**
 * Section 3 of the benchmark: choosing the snapshot to restore from when the region holds many
 * snapshots. The real adapter lists x's snapshots with server-side filters, page by page, against the
 * simulator; the core chooses. Our CPU time excludes the simulator's own (RDS's side of the call).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DBSnapshot } from '@aws-sdk/client-rds';
import { RdsAdapter, replicaRdsClient } from '../../lambdas/aws/rds';
import { chooseSnapshot, sourceSnapshotQuery } from '../../lambdas/sources/snapshots';
import { parseConfig } from '../../lambdas/kernel/config';
import { VirtualClock } from '../sim/clock';
import { answerFromSimulator } from '../sim/middleware';
import { SimRds } from '../sim/rds';
import { Random } from '../sim/random';
import { percentile } from './stats';

/** One setup's cost. */
export interface SelectionFigure {
  snapshotsOfX: number;
  otherSnapshots: number;
  describeCalls: number;
  /** Our CPU time (user + system) to list and choose, median of the repeats, the simulator's share excluded. */
  cpuMs: number;
  wallMs: number;
  chosen: string;
}

/** Section 3's result. */
export interface SelectionResult {
  method: string;
  figures: SelectionFigure[];
  /** Whether, at each size of x's history, 50,000 snapshots of other instances changed the number of calls. */
  independentOfOthers: boolean;
}

const DAY = 86_400_000;

function snapshot(rds: SimRds, instanceId: string, index: number, at: number, status = 'available'): DBSnapshot {
  const id = `${instanceId}-${String(index).padStart(6, '0')}`;
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: rds.arn('snapshot', id),
    DBInstanceIdentifier: instanceId,
    DbiResourceId: `db-${instanceId.toUpperCase().replace(/[^A-Z0-9]/g, '')}`,
    SnapshotType: index % 2 ? 'manual' : 'automated',
    Status: status,
    Engine: 'postgres',
    EngineVersion: '16.6',
    AllocatedStorage: 200,
    SnapshotCreateTime: new Date(at),
    OriginalSnapshotCreateTime: new Date(at),
    Encrypted: true,
    PercentProgress: 100,
  };
}

/** Measures the choice at each size of x's history, with and without 50,000 snapshots of 500 other instances. */
export async function measureSelection(opts: { sizes?: number[]; others?: number; repeats?: number; log?: (line: string) => void } = {}): Promise<SelectionResult> {
  const sizes = opts.sizes ?? [50, 500, 5000];
  const others = opts.others ?? 50_000;
  const repeats = opts.repeats ?? 5;
  const log = opts.log ?? (() => undefined);
  const cdk = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } };
  const pair = parseConfig(cdk.context.replicaRefresh).pairs[0]!;
  const x = pair.source.identifier;
  const now = Date.parse('2026-11-21T03:00:00Z');
  const figures: SelectionFigure[] = [];
  for (const size of sizes) {
    for (const otherCount of [0, others]) {
      const rds = new SimRds(pair.replica.region, '111111111111', new VirtualClock(new Date(now)), new Random(3));
      // x's history: one snapshot an hour back from now, the newest still copying (so the choice must skip it).
      for (let i = 0; i < size; i++) {
        const s = snapshot(rds, x, i, now - (i + 1) * 3_600_000, i === 0 ? 'copying' : 'available');
        rds.snapshots.set(s.DBSnapshotIdentifier!, s);
      }
      for (let i = 0; i < otherCount; i++) {
        const s = snapshot(rds, `other-${i % 500}`, i, now - (i % 365) * DAY);
        rds.snapshots.set(s.DBSnapshotIdentifier!, s);
      }
      const cpu: number[] = [];
      const wall: number[] = [];
      let calls = 0;
      let chosen = '';
      // One discarded run first, so the JIT's warm-up is not counted against the smallest size.
      for (let r = -1; r < repeats; r++) {
        let simCpu = 0;
        calls = 0;
        const client = replicaRdsClient(pair.replica.region, { credentials: { accessKeyId: 'BENCH', secretAccessKey: 'BENCH' } });
        answerFromSimulator(client, async (command, input) => {
          calls++;
          const before = process.cpuUsage();
          try {
            return await rds.handle(command, input);
          } finally {
            const d = process.cpuUsage(before);
            simCpu += (d.user + d.system) / 1000;
          }
        });
        const adapter = new RdsAdapter(client);
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const choice = chooseSnapshot(await adapter.listSnapshots(sourceSnapshotQuery(pair, pair.snapshotTypes)), pair);
        const used = process.cpuUsage(cpu0);
        if (r >= 0) {
          wall.push(performance.now() - t0);
          cpu.push((used.user + used.system) / 1000 - simCpu);
        }
        chosen = choice.snapshot?.id ?? '(none)';
      }
      const expected = `${x}-000001`;
      if (chosen !== expected) throw new Error(`bench: chose ${chosen} from ${size} snapshots of x, expected ${expected}`);
      figures.push({ snapshotsOfX: size, otherSnapshots: otherCount, describeCalls: calls, cpuMs: percentile(cpu, 50), wallMs: percentile(wall, 50), chosen });
      log(`  selection: ${size} of x + ${otherCount} others: ${calls} DescribeDBSnapshots calls`);
    }
  }
  const independentOfOthers = sizes.every((size) => new Set(figures.filter((f) => f.snapshotsOfX === size).map((f) => f.describeCalls)).size === 1);
  return {
    method:
      `x's snapshots (newest still copying) plus 0 or ${others} snapshots of 500 other instances in the simulated region; the real RdsAdapter lists x's with the db-instance-id filter, ` +
      `100 per page, and chooseSnapshot picks the newest available. CPU time is process.cpuUsage of the list-and-choose minus the simulator's own share, median of ${repeats} repeats.`,
    figures,
    independentOfOthers,
  };
}
