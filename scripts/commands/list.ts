/**
 * `npm run list`: the replicas cdk.json configures, with their source, mode and schedule, and the next scheduled run.
 * Reads the config only: no AWS call, no simulation.
 */
import { scheduleTimeZone } from '../../lambdas/kernel/config';
import type { PairConfig } from '../../lambdas/kernel/config';
import { defineCommand } from '../cli/command';
import { formatLocal, formatUtc } from '../cli/time';
import { nextFire } from '../sim/cron';

/** A pair's next scheduled refresh, as EventBridge Scheduler fires it (scripts/sim/cron.ts); undefined when disabled. */
export function nextRunOf(pair: PairConfig, zone: string, now: Date): Date | undefined {
  if (!pair.schedule.enabled) return undefined;
  try {
    return nextFire(pair.schedule.cron, zone, now);
  } catch {
    return undefined;
  }
}

/** One replica as `list` shows it (JSON). */
export interface ListedReplica {
  replica: string;
  kind: 'instance' | 'cluster';
  identifier: string;
  region: string;
  source: { identifier: string; region: string; mode: string };
  mode: string;
  schedule: { cron: string; timeZone: string; enabled: boolean };
  /** ISO UTC; null when the schedule is disabled. */
  nextRunAt: string | null;
}

export const list = defineCommand({
  name: 'list',
  description: 'List the configured replicas: each y with its source x, refresh mode, schedule and next scheduled run. Reads cdk.json only.',
  replicas: 'any',
  examples: ['npm run list', 'npm run list -- --output json'],
  run: (ctx) => {
    const now = new Date();
    const rows: ListedReplica[] = ctx.pairs.map((p) => {
      const zone = scheduleTimeZone(ctx.config, p);
      const next = nextRunOf(p, zone, now);
      return {
        replica: p.id,
        kind: p.replica.kind,
        identifier: p.replica.identifier,
        region: p.replica.region,
        source: { identifier: p.source.identifier, region: p.source.region, mode: p.source.mode },
        mode: p.refresh.mode,
        schedule: { cron: p.schedule.cron, timeZone: zone, enabled: p.schedule.enabled },
        nextRunAt: next ? next.toISOString() : null,
      };
    });
    ctx.emit({
      json: { replicas: rows },
      name: 'replicas.html',
      view: {
        title: `${rows.length} replica(s) in ${ctx.configPath}`,
        sections: [
          {
            columns: ['replica', 'y', 'region', 'source x', 'mode', 'schedule', 'next run'],
            rows: rows.map((r) => [
              r.replica,
              `${r.identifier}${r.kind === 'cluster' ? ' (Aurora cluster)' : ''}`,
              r.region,
              `${r.source.identifier} (${r.source.region}, ${r.source.mode})`,
              r.mode,
              `${r.schedule.cron} ${r.schedule.timeZone}${r.schedule.enabled ? '' : ' (disabled)'}`,
              r.nextRunAt ? `${formatLocal(r.nextRunAt, r.schedule.timeZone, 'ccc yyyy-MM-dd HH:mm')} (${formatUtc(r.nextRunAt, "HH:mm 'UTC'")})` : 'none',
            ]),
            empty: '(no replicas configured)',
          },
        ],
      },
    });
    return Promise.resolve(0);
  },
});
