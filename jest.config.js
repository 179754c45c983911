/**
 * Three test lanes (Jest projects), chosen by the file name:
 *
 *   *.test.ts      unit         DEFAULT. No database, no child processes, no network beyond
 *                               in-process servers; no globalSetup, so no PostgreSQL starts
 *                               (`npm run test:unit`, seconds). Database URLs are removed from
 *                               its environment, so a unit test that reaches for the database fails.
 *   *.int.test.ts  integration  Needs the test PostgreSQL (globalSetup starts one embedded
 *                               cluster), code in-process, no full stack (`npm run test:integration`).
 *   *.e2e.ts       e2e          Starts processes: the full stack, CLIs, PostgreSQL, git, Chromium,
 *                               the bench smoke (`npm run test:e2e`).
 *
 * `npm test` (tools/test-lanes.ts) runs the three lanes side by side, one Jest process each (the
 * integration and e2e lanes each start their own cluster; within a lane, files run serially).
 * `npm test -- <args>` is one serial Jest run over every lane, as `jest --runInBand <args>`: the
 * cluster starts once (Jest runs a globalSetup module shared by projects once) and only when a
 * selected test needs it.
 * A new test file is a unit test unless its name says otherwise.
 */

const common = {
  // Node's, with the log lines of a test held and shown only if it fails (quiet-environment.ts).
  testEnvironment: '<rootDir>/tests/harness/quiet-environment.ts',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The generated Prisma clients import their siblings as './x.js'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/generated/'],
};
const withDatabase = {
  globalSetup: '<rootDir>/tests/harness/global-setup.ts',
  globalTeardown: '<rootDir>/tests/harness/global-teardown.ts',
};

module.exports = {
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.test\\.ts$'],
      setupFiles: ['<rootDir>/tests/harness/unit-environment.ts'],
    },
    {
      ...common,
      ...withDatabase,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.test.ts'],
    },
    {
      ...common,
      ...withDatabase,
      displayName: 'e2e',
      testMatch: ['<rootDir>/**/*.e2e.ts'],
    },
  ],
};
