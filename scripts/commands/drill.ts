/**
 * `npm run drill`: start a refresh (an RTO drill) now, through the nightly code path, and follow it to its close.
 */
import { defineCommand, wholeNumber } from '../cli/command';
import type { StartOptions } from './start-and-follow';
import { startAndFollow, validateStartOptions } from './start-and-follow';

export const drill = defineCommand<StartOptions>({
  name: 'drill',
  description:
    'Start a refresh of one replica now (an RTO drill), through the nightly code path: the plan first, then (against a deployment, after you confirm) the delete and restore; with --follow (always with --local) its progress until it closes. Exits 0 when it succeeded within the RTO target, 1 when it failed or missed it, 3 when it was refused or not confirmed.',
  replicas: 'one',
  mutates: true,
  options: (cmd) =>
    cmd
      .option('--snapshot <id>', 'restore from this snapshot instead of the newest')
      .option('--allow-older', 'with --snapshot: accept it although its data is older than maxSnapshotAgeHours or than y\'s')
      .option('--dry-run', 'show the plan and start nothing')
      .option('--follow', 'follow the run until it closes (always with --local)')
      .option('--poll <seconds>', 'with --follow: seconds between progress checks', wholeNumber('--poll'), 15)
      .option('--timeout <minutes>', 'with --follow: stop following after this long (the run goes on; exit 1)', wholeNumber('--timeout')),
  examples: ['npm run drill -- --local', 'npm run drill -- --replica orders-staging --dry-run', 'npm run drill -- --replica orders-staging --follow', 'npm run drill -- --replica orders-staging --snapshot orders-prod-2026-11-01-00-10 --allow-older --yes'],
  validate: validateStartOptions,
  run: (ctx) => startAndFollow(ctx, 'drill'),
});
