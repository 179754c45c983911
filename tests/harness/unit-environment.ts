/**
 * Setup of the unit lane (jest.config.js): unit tests get no database. The URLs the
 * globalSetup of the other lanes exports (and any a developer's shell holds) are removed from
 * this test file's environment, so a *.test.ts that reaches for the database fails at once,
 * naming the lane it belongs to (tests/harness/db.ts), instead of passing only under `npm test`.
 */
for (const name of Object.keys(process.env)) {
  if (name.endsWith('_DATABASE_URL') || /^TEST_\w+_URL$/.test(name)) delete process.env[name];
}
