// The test tiers: the one list of the test files `npm run test:fast` leaves out (test/jest.config.js makes them the
// "slow" project; every other test file is "fast"; `npx jest` and `npm test` run both).
//
// Slow are the files that take about 5 s or more, measured per file (endTime - startTime in
// `npx jest --json --outputFile=…`) on the 2-core dev machine: the operator commands (tsx child processes that run the
// simulation), the simulation tests that run whole nights (a week of nights is some 2000 watchdog passes against the
// simulated RDS and dynalite), and every CDK test: each file loads aws-cdk-lib and synthesizes (1-2 s a file since the
// construct tests skip the built-in CloudFormation validation, see newApp in test/infra/helpers.ts; about 20 files),
// app.test.ts with that validation on. A new test file is fast unless it is added here; keep the fast tier under 30 s.
//
// Each entry: a path from the repository root (a directory ends with "/" and covers every test file under it) and the
// seconds one file took (2 workers). The seconds only order a first run (test/support/sequencer.js): later runs use
// jest's own timings.

/** @type {ReadonlyArray<readonly [string, number]>} */
const SLOW = [
  ['test/scripts/commands.test.ts', 30],
  ['test/scripts/commands/operator.test.ts', 37],
  ['test/scripts/sim/grants.test.ts', 105],
  ['test/scripts/sim/self-healing.test.ts', 38],
  ['test/scripts/sim/fault-matrix.test.ts', 37],
  ['test/infra/app.test.ts', 12],
  ['test/scripts/sim/engines.test.ts', 11],
  ['test/scripts/sim/copy-pipeline.test.ts', 9],
  ['test/scripts/sim/credentials.test.ts', 7],
  ['test/scripts/sim/backup-replication.test.ts', 7],
  ['test/scripts/sim/event-path.test.ts', 6],
  ['test/scripts/sim/pair-identity.test.ts', 5],
  ['test/scripts/sim/aurora.test.ts', 14],
  ['test/scripts/sim/swap-modes.test.ts', 47],
  ['test/scripts/sim/staging-hooks.test.ts', 14],
  ['test/scripts/probe.test.ts', 17],
  ['test/scripts/sim/sql/probe.test.ts', 9],
  ['test/scripts/sim/sql/servers.test.ts', 5],
  ['test/scripts/sim/client-probe.test.ts', 8],
  ['test/lambdas/sql/', 4],
  ['test/infra/examples/staging-safety.test.ts', 6],
  ['test/lambdas/validation/validate.test.ts', 13],
  ['test/infra/features/copy-validation.test.ts', 11],
  ['test/infra/stacks/vault-stack.test.ts', 8],
  ['test/infra/features/vault-sharing.test.ts', 3],
  ['test/scripts/sim/vault.test.ts', 7],
  ['test/scripts/commands/vault.test.ts', 7],
  ['test/lambdas/aws/mysql.test.ts', 2],
  ['test/infra/', 1.5],
];

/** The seconds SLOW gives a test file (absolute path), the most specific entry first; undefined for a fast file. */
function estimatedSeconds(rootDir, file) {
  const rel = file.slice(rootDir.length + 1).split('\\').join('/');
  const entry = SLOW.filter(([path]) => (path.endsWith('/') ? rel.startsWith(path) : rel === path)).sort(([a], [b]) => b.length - a.length)[0];
  return entry?.[1];
}

module.exports = { SLOW, estimatedSeconds };
