/**
 * `npm run plan`: the preflight as a dry run, for every replica (or one): the snapshot that would be used, what would be
 * deleted, every check (PASS, FAIL, or SKIP when it could not run), and the settings that would be restored. Changes
 * nothing. Exit 0 when every refresh would start, 3 when one would be refused.
 */
import { scheduleTimeZone } from '../../lambdas/kernel/config';
import type { PairConfig } from '../../lambdas/kernel/config';
import type { Backend, StartAnswer } from '../cli/backend';
import { defineCommand } from '../cli/command';
import { EXIT } from '../cli/errors';
import type { ViewSection } from '../cli/output';
import { formatLocal } from '../cli/time';
import { skippedFires } from '../sim/cron';
import type { PlanJson } from './plan-view';
import { planOf, planSection } from './plan-view';

/** How far ahead `plan` looks for nights the schedule skips. */
const DST_HORIZON_DAYS = 366;

/**
 * Coming nights whose scheduled local time does not exist in the schedule's zone: EventBridge Scheduler skips such an
 * invocation ("When the time shifts forward in Spring, your schedule invocation gets skipped if the cron expression
 * falls on a non-existent date and time", EventBridge Scheduler User Guide, "Schedule types", daylight saving time),
 * so y is not refreshed that night.
 */
export function skippedNightWarnings(pair: PairConfig, zone: string, now: Date): string[] {
  if (!pair.schedule.enabled) return [];
  const skipped = skippedFires(pair.schedule.cron, zone, now, new Date(now.getTime() + DST_HORIZON_DAYS * 86_400_000));
  if (skipped.length === 0) return [];
  return [
    `WARNING: the schedule ${pair.schedule.cron} (${zone}) falls in a daylight-saving gap on ${skipped.length} coming night(s); EventBridge Scheduler skips them, so y is not refreshed then:`,
    ...skipped.map((s) => `  ${s.local} ${s.zone} does not exist (the clocks skip that hour)`),
    '  Move the schedule out of the hour the clocks skip (e.g. to 03:00 or later in Europe), or start a drill on those days.',
  ];
}

/** Asks start-refresh for a dry run and builds the plan, or says why there is none. */
export async function dryRun(b: Backend, pair: PairConfig, request: { trigger: 'drill' | 'restore'; snapshotId?: string; allowOlder?: boolean }): Promise<{ plan: PlanJson } | { answer: StartAnswer }> {
  const answer = await b.start(pair, { ...request, dryRun: true });
  if (answer.outcome !== 'planned') return { answer };
  return { plan: planOf(pair, answer, request.trigger === 'restore' ? 'restore' : 'refresh', b.now()) };
}

/** Why a dry run gave no plan, in one line. */
export function noPlanReason(answer: StartAnswer): string {
  return 'reason' in answer ? answer.reason : answer.outcome;
}

export const plan = defineCommand({
  name: 'plan',
  description: 'Dry-run the preflight of a refresh for every replica (or one): which snapshot, what would be deleted, every check (PASS, FAIL, SKIP), the settings that would be restored. Changes nothing. Exits 0 when every refresh would start, 3 when one would be refused.',
  replicas: 'any',
  examples: ['npm run plan -- --local', 'npm run plan -- --replica orders-staging --output json'],
  run: async (ctx) => {
    const b = await ctx.backend();
    const plans: PlanJson[] = [];
    const sections: ViewSection[] = [];
    for (const pair of ctx.pairs) {
      const got = await dryRun(b, pair, { trigger: 'drill' });
      if (!('plan' in got)) {
        ctx.io.stderr(`error: start-refresh did not plan ${pair.id}: ${noPlanReason(got.answer)}\n`);
        return EXIT.failure;
      }
      plans.push(got.plan);
      const section = planSection(got.plan, pair, b.config.timeZone, b.kind === 'local');
      sections.push({ ...section, notes: [...skippedNightWarnings(pair, scheduleTimeZone(b.config, pair), b.now()), ...(section.notes ?? [])] });
    }
    ctx.emit({ json: { simulated: b.kind === 'local', plans }, view: { title: `Plan${plans.length > 1 ? 's' : ''} at ${formatLocal(b.now(), b.config.timeZone, 'ccc yyyy-MM-dd HH:mm:ss')}${b.kind === 'local' ? ' (simulation)' : ''}`, sections }, name: 'plan.html' });
    return plans.every((p) => p.wouldStart) ? EXIT.ok : EXIT.refused;
  },
});
