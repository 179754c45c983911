/**
 * Seeder benchmark (a plain script, not a test): `npx tsx prisma/tools/seed.bench.ts [N]`
 * seeds N accounts (default 15,000) and prints accounts/s, then times an idempotent
 * re-run. Uses the databases of ACCOUNT_/DATA_/IMAGE_DATABASE_URL when set (rows that
 * already exist are not re-inserted, which makes the first run faster than on an empty
 * database); otherwise starts a throwaway embedded PostgreSQL, provisioned and migrated
 * as the test harness does, and removes it afterwards.
 */
import { allDatabaseUrls, loadConfig, type ContextName } from '../../platform/config';
import { startScratchCluster } from './local/scratch';
import { failUsage, parseCommandLine, type CommandSpec } from '../../tools/cli';
import { seed, type SeedReport } from './seed';

const DEFAULT_ACCOUNTS = 15_000;

/** The configured databases, or a throwaway embedded PostgreSQL. */
async function databases(): Promise<{
  urls: Record<ContextName, string>;
  cleanup: () => Promise<void>;
  where: string;
}> {
  const configured = allDatabaseUrls(loadConfig());
  if (configured) return { urls: configured, cleanup: async () => {}, where: 'configured databases' };
  const cluster = await startScratchCluster('account-graph-seed-bench-');
  return { urls: cluster.urls, cleanup: cluster.stop, where: 'a throwaway embedded PostgreSQL' };
}

const line = (label: string, n: number, r: SeedReport) =>
  `${label}: ${n} accounts in ${(r.ms / 1000).toFixed(2)} s = ${Math.round((n * 1000) / Math.max(r.ms, 1))} accounts/s ` +
  `(inserted ${r.accounts} accounts, ${r.events} events, ${r.images} images)`;

const COMMAND = {
  script: 'bench:seed',
  summary: `Times the seeding of N accounts, then its idempotent re-run, into the configured databases
or a throwaway embedded PostgreSQL.`,
  positionals: { name: '<accounts>', help: `how many accounts (default ${DEFAULT_ACCOUNTS})` },
  options: {},
  exitCodes: { 0: 'timed', 1: 'failed' },
} satisfies CommandSpec;

async function main(): Promise<void> {
  const { positionals } = parseCommandLine(COMMAND);
  const arg = positionals[0];
  const accounts = arg === undefined ? DEFAULT_ACCOUNTS : Number(arg);
  if (!Number.isInteger(accounts) || accounts < 1 || positionals.length > 1)
    failUsage(COMMAND, `give one whole number of accounts, at least 1 (got ${positionals.join(' ')})`);
  const { urls, cleanup, where } = await databases();
  try {
    console.log(`seeding ${accounts} accounts into ${where}`);
    const first = await seed(urls, { accounts });
    console.log(line('first run', accounts, first));
    if (first.accounts < accounts)
      console.log(`note: ${accounts - first.accounts} accounts already existed, so this is not a cold run`);
    console.log(line('re-run (idempotent)', accounts, await seed(urls, { accounts })));
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
