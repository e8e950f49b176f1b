/**
 * `npm run plan`: the preflight as a dry run. Shows the snapshot that would be used, what would be
 * deleted, every check, and the settings that would be restored. Changes nothing.
 */
import './cli/quiet';
import { DateTime } from 'luxon';
import { formatDuration } from '../lambdas/reporting/measures';
import { REPLICATED_BACKUP } from '../lambdas/sources/snapshots';
import { scheduleTimeZone } from '../lambdas/kernel/config';
import type { CommonOptions } from './cli/backend';
import { backend } from './cli/backend';
import { operatorCommand, run } from './cli/options';
import { skippedFires } from './sim/cron';

/** How far ahead `plan` looks for nights the schedule skips. */
const DST_HORIZON_DAYS = 366;

const program = operatorCommand('plan', 'Dry-run the preflight of a refresh: which snapshot, what would be deleted, every check, the settings that would be restored. Changes nothing. Exits 0 if a refresh would start, 2 if it would be refused, 1 on an error.');

run(async () => {
  program.parse();
  const opts = program.opts<CommonOptions>();
  const b = await backend(opts);
  try {
    const y = b.pair.id;
    const answer = await b.start({ replica: y, trigger: 'drill', dryRun: true });
    if (answer.outcome !== 'planned') {
      console.error(`start-refresh did not plan: ${'reason' in answer ? answer.reason : answer.outcome}`);
      return 1;
    }
    const now = b.now();
    console.log(`Plan for ${y} (${b.pair.replica.region}), from ${b.pair.source.identifier} (${b.pair.source.region})${b.kind === 'local' ? ' — simulation' : ''}\n`);
    if (answer.snapshot) {
      const age = answer.snapshot.dataTime ? formatDuration((now.getTime() - Date.parse(answer.snapshot.dataTime)) / 1000) : 'unknown';
      const when = answer.snapshot.dataTime ? DateTime.fromISO(answer.snapshot.dataTime).setZone(b.config.timeZone).toFormat('yyyy-MM-dd HH:mm ZZZZ') : '?';
      if (answer.snapshot.type === REPLICATED_BACKUP) console.log(`Restore to: ${when} (latest restorable time of ${b.pair.source.identifier}'s replicated backups, ${age} ago), point in time`);
      else console.log(`Snapshot:   ${answer.snapshot.id} (${answer.snapshot.type}), data from ${when}, ${age} old`);
    } else {
      console.log('Snapshot:   none usable');
    }
    if (answer.newerNotReady) console.log(`            (newer, not ready yet: ${answer.newerNotReady.id})`);
    console.log(`Would delete: ${y}${answer.wouldDisableDeletionProtection ? ' (after turning its deletion protection off)' : ''}, automated backups included${b.pair.finalSnapshot ? `, after a final snapshot ${y}-final-<run id>` : ', without a final snapshot'}\n`);
    console.log('Checks:');
    for (const c of answer.checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.id.padEnd(22)} ${c.detail}`);
    if (answer.desired) {
      console.log('\nSettings the new y would get:');
      const { tags, kind: _kind, ...settings } = answer.desired;
      const members = answer.desired.kind === 'cluster' ? answer.desired.members : [];
      for (const [k, v] of Object.entries(settings)) if (k !== 'members') console.log(`  ${k.padEnd(34)} ${JSON.stringify(v)}`);
      console.log(`  ${'tags'.padEnd(34)} ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
      // An Aurora y: each member on its own lines, the writer first.
      for (const { id, writer, tags: memberTags, ...m } of members) {
        console.log(`  member ${id} (${writer ? 'writer' : 'reader'})`);
        for (const [k, v] of Object.entries(m)) console.log(`    ${k.padEnd(32)} ${JSON.stringify(v)}`);
        console.log(`    ${'tags'.padEnd(32)} ${Object.entries(memberTags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
      }
    }
    warnAboutSkippedNights(b.pair.schedule.cron, scheduleTimeZone(b.config, b.pair), now, b.pair.schedule.enabled);
    console.log(`\n${answer.ok ? 'A refresh would start.' : 'A refresh would be REFUSED; y would be left as it is.'}`);
    return answer.ok ? 0 : 2;
  } finally {
    await b.close();
  }
});

/**
 * Warns about coming nights whose scheduled local time does not exist in the schedule's zone: EventBridge Scheduler
 * skips such an invocation ("When the time shifts forward in Spring, your schedule invocation gets skipped if the cron
 * expression falls on a non-existent date and time", EventBridge Scheduler User Guide, "Schedule types", daylight
 * saving time), so y is not refreshed that night.
 */
function warnAboutSkippedNights(cron: string, zone: string, now: Date, enabled: boolean): void {
  if (!enabled) return;
  const skipped = skippedFires(cron, zone, now, new Date(now.getTime() + DST_HORIZON_DAYS * 86_400_000));
  if (skipped.length === 0) return;
  console.log(`\nWARNING: the schedule ${cron} (${zone}) falls in a daylight-saving gap on ${skipped.length} coming night(s); EventBridge Scheduler skips them, so y is not refreshed then:`);
  for (const s of skipped) console.log(`  ${s.local} ${s.zone} does not exist (the clocks skip that hour)`);
  console.log('  Move the schedule out of the hour the clocks skip (e.g. to 03:00 or later in Europe), or start a drill on those days.');
}
