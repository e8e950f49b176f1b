/**
 * `npm run restore`: brings back a missing y from the newest valid snapshot with y's recorded settings, through the
 * same lifecycle as a refresh (recorded, measured, alerted). It never deletes anything; a y that exists is left alone.
 */
import { defineCommand, wholeNumber } from '../cli/command';
import type { StartOptions } from './start-and-follow';
import { startAndFollow, validateStartOptions } from './start-and-follow';

export const restore = defineCommand<StartOptions>({
  name: 'restore',
  description:
    "Bring back a missing y from the newest valid snapshot with its recorded settings, through the same lifecycle as a refresh (recorded, measured, alerted). Never deletes anything: when y exists it says so and exits 0. Against a deployment it asks first (--yes skips the question). Exits 0 when y is back (or was never gone), 1 when the restore failed, 3 when refused or not confirmed.",
  replicas: 'one',
  mutates: true,
  options: (cmd) =>
    cmd
      .option('--snapshot <id>', 'restore from this snapshot instead of the newest')
      .option('--dry-run', 'show the plan and start nothing')
      .option('--follow', 'follow the restore until y is back (always with --local)')
      .option('--poll <seconds>', 'with --follow: seconds between progress checks', wholeNumber('--poll'), 15)
      .option('--timeout <minutes>', 'with --follow: stop following after this long (the restore goes on; exit 1)', wholeNumber('--timeout')),
  examples: ['npm run restore -- --local --faults capacity-outage@7', 'npm run restore -- --replica orders-staging --dry-run', 'npm run restore -- --replica orders-staging --follow'],
  validate: validateStartOptions,
  run: (ctx) => startAndFollow(ctx, 'restore'),
});
