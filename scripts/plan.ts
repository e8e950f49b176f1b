/**
 * `npm run plan`: the preflight as a dry run. Shows the snapshot that would be used, what would be
 * deleted, every check, and the settings that would be restored. Changes nothing.
 */
import './cli/quiet';
import { DateTime } from 'luxon';
import { formatDuration } from '../lambdas/core/measures';
import { REPLICATED_BACKUP } from '../lambdas/core/snapshots';
import type { CommonOptions } from './cli/backend';
import { backend } from './cli/backend';
import { operatorCommand, run } from './cli/options';

const program = operatorCommand('plan', 'Dry-run the preflight of a refresh: which snapshot, what would be deleted, every check, the settings that would be restored. Changes nothing. Exits 0 if a refresh would start, 2 if it would be refused, 1 on an error.');

run(async () => {
  program.parse();
  const opts = program.opts<CommonOptions>();
  const b = await backend(opts);
  try {
    const y = b.pair.replica.instanceId;
    const answer = await b.start({ replica: y, trigger: 'drill', dryRun: true });
    if (answer.outcome !== 'planned') {
      console.error(`start-refresh did not plan: ${'reason' in answer ? answer.reason : answer.outcome}`);
      return 1;
    }
    const now = b.now();
    console.log(`Plan for ${y} (${b.pair.replica.region}), from ${b.pair.source.instanceId} (${b.pair.source.region})${b.kind === 'local' ? ' — simulation' : ''}\n`);
    if (answer.snapshot) {
      const age = answer.snapshot.dataTime ? formatDuration((now.getTime() - Date.parse(answer.snapshot.dataTime)) / 1000) : 'unknown';
      const when = answer.snapshot.dataTime ? DateTime.fromISO(answer.snapshot.dataTime).setZone(b.config.timeZone).toFormat('yyyy-MM-dd HH:mm ZZZZ') : '?';
      if (answer.snapshot.type === REPLICATED_BACKUP) console.log(`Restore to: ${when} (latest restorable time of ${b.pair.source.instanceId}'s replicated backups, ${age} ago), point in time`);
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
      const { tags, ...settings } = answer.desired;
      for (const [k, v] of Object.entries(settings)) console.log(`  ${k.padEnd(34)} ${JSON.stringify(v)}`);
      console.log(`  ${'tags'.padEnd(34)} ${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    }
    console.log(`\n${answer.ok ? 'A refresh would start.' : 'A refresh would be REFUSED; y would be left as it is.'}`);
    return answer.ok ? 0 : 2;
  } finally {
    await b.close();
  }
});
