// Jest (here, not at the top level, which holds only what the design card names; the npm scripts pass
// --config test/jest.config.js): two projects over the same tests, "fast" and "slow". `npm test` runs both;
// `npm run test:fast` (`jest --selectProjects fast`) runs only "fast". Which files are slow, and why: the SLOW list in
// test/support/tiers.js, the one place that says so.
const { join } = require('node:path');
const { SLOW } = require('./support/tiers');

/** The repository: every <rootDir> below is the project root, as if this file sat at the top. */
const rootDir = join(__dirname, '..');

const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What both projects share. */
const common = {
  rootDir,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // SWC only strips the types, as tsconfig.json's target and module say (ES2022, CommonJS, esModuleInterop; class
  // fields defined, as TypeScript does for ES2022). With ts-jest's transpile-only mode, a run with jest's cache empty
  // (a fresh clone) took 172 s, with SWC 147 s (the whole suite, 2 cores). `npm test` type-checks everything once with
  // `tsc --noEmit`.
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022', transform: { useDefineForClassFields: true } },
        module: { type: 'commonjs', strictMode: true, noInterop: false },
        sourceMaps: 'inline',
      },
    ],
  },
  setupFiles: ['<rootDir>/test/support/env.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir,
  testTimeout: 60000,
  // Jest's default is one worker fewer than the cores, so one worker on a 2-core machine: test files ran one after
  // the other while the parent process idled.
  maxWorkers: '100%',
  // Longest first, with the seconds of tiers.js for files jest has no timings of yet (a fresh clone).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  projects: [
    { ...common, displayName: 'fast', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', ...SLOW.map(([p]) => `^<rootDir>/${escape(p)}`)] },
    { ...common, displayName: 'slow', testMatch: SLOW.map(([p]) => (p.endsWith('/') ? `<rootDir>/${p}**/*.test.ts` : `<rootDir>/${p}`)) },
  ],
};
