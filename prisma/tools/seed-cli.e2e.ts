/**
 * `npm run db:seed -- --accounts N` with no database URL configured, as docs/cli.md says it
 * works: against the embedded PostgreSQL that `npm start` uses (its folder and port). Run
 * as a real process, first with no stack running (it starts that database, migrates it,
 * seeds and stops it), then while the database is up (as during `npm start`): it seeds the
 * running one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { migrateAll, openDatabases, type Databases } from './local/bootstrap';
import { freePort, scratchDir } from './local/scratch';
import { loadConfig, type Config } from '../../platform/config';
import { createLogger } from '../../platform/logger';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
let dir: string;
let env: NodeJS.ProcessEnv;
let config: Config;
let dbs: Databases | undefined;

beforeAll(async () => {
  dir = scratchDir('seed-cli-');
  const port = await freePort();
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.endsWith('_DATABASE_URL')));
  Object.assign(env, { EMBEDDED_PG_DIR: path.join(dir, 'pg'), EMBEDDED_PG_PORT: String(port), LOG_LEVEL: 'warn' });
  config = { ...loadConfig(), databaseUrls: {}, embedded: { dir: path.join(dir, 'pg'), port } };
});

afterAll(async () => {
  await dbs?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const seedCli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'prisma/tools/seed-cli.ts'), ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });

async function count(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts')).rows[0]!.n;
  } finally {
    await c.end();
  }
}

test('with no stack running: starts the embedded PostgreSQL of npm start, migrates, seeds, stops it', () => {
  const run = seedCli('--accounts', '5');
  expect(run.stderr).not.toMatch(/no databases configured/);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/seeded 5 accounts in .* inserted 5 accounts, 5 events, 5 images/);
  expect(fs.existsSync(path.join(dir, 'pg', 'data', 'PG_VERSION'))).toBe(true); // npm start's folder layout
});

test('while that database is running (as under npm start): seeds the running one', async () => {
  const log = createLogger('test', 'warn');
  dbs = await openDatabases(config, log); // what npm start does first
  await migrateAll(dbs.urls, log);
  expect(await count(dbs.urls.account)).toBe(5); // the first run's data survived
  const run = seedCli('--accounts', '8');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/inserted 3 accounts.*\(5 accounts already existed\)/);
  expect(await count(dbs.urls.account)).toBe(8);
});
