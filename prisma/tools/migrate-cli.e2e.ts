/**
 * The migration commands as a user runs them (real processes), on the test cluster's
 * databases through the configured URLs (the migrators', <CTX>_MIGRATION_DATABASE_URL: only the
 * migrator may read the migration history): status of the migrated databases, deploy with
 * nothing to do, and usage errors.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'prisma/tools/migrate-cli.ts'), ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ACCOUNT_MIGRATION_DATABASE_URL: process.env.TEST_ACCOUNT_MIGRATOR_URL,
      DATA_MIGRATION_DATABASE_URL: process.env.TEST_DATA_MIGRATOR_URL,
      IMAGE_MIGRATION_DATABASE_URL: process.env.TEST_IMAGE_MIGRATOR_URL,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });

test('status: every context up to date, exit 0', () => {
  const run = cli('status');
  expect(run.stdout).toMatch(/^account: up to date$/m);
  expect(run.stdout).toMatch(/^data: up to date$/m);
  expect(run.stdout).toMatch(/^image: up to date$/m);
  expect(run.status).toBe(0);
});

test('deploy: nothing to apply, exit 0', () => {
  const run = cli('deploy');
  expect(run.stdout).toMatch(/^account: nothing to apply$/m);
  expect(run.status).toBe(0);
});

test('--context: one context only (one runner per context needs only its own URL)', () => {
  const run = cli('status', '--context', 'data');
  expect([run.status, run.stdout.trim()]).toEqual([0, 'data: up to date']);
});

test('usage errors exit 2 naming the problem', () => {
  expect(cli('create', '--context', 'nope', '--name', 'x')).toMatchObject({
    status: 2,
    stderr: expect.stringMatching(/--context must be one of account, data, image/),
  });
  expect(cli('resolve', '--context', 'account')).toMatchObject({
    status: 2,
    stderr: expect.stringMatching(/--rolled-back <name> and --applied <name>/),
  });
  expect(cli('frobnicate')).toMatchObject({ status: 2, stderr: expect.stringMatching(/unknown command frobnicate/) });
});
