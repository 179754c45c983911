/**
 * The seeder: demo accounts "10000".. named Person_<n>, with one CREATED event each in
 * the data context and one image each in the image context. Each context's rows are
 * written with that context's own Prisma client, in batches of `createMany` with
 * skipDuplicates, each batch retried on serialization failures. Idempotent: a second
 * run inserts nothing, and the report counts only the rows actually inserted.
 */
import { CONTEXTS, type ContextName } from '../../platform/config';
import { PrismaClient as AccountClient } from '../../generated/account/client';
import { PrismaClient as DataClient } from '../../generated/data/client';
import { PrismaClient as ImageClient } from '../../generated/image/client';
import { connectDatabase } from '../../subgraphs/kit/database';
import { retryConflicts } from '../../subgraphs/kit/transaction';
import { v5 as uuidV5 } from 'uuid';

export const FIRST_SEED_ID = 10_000;
export const MAX_SEED_ACCOUNTS = 10_000_000;
export const DEFAULT_BATCH_SIZE = 1_000;
const MAX_BATCH_SIZE = 10_000;

export interface SeedOptions {
  /** How many accounts to seed: an integer 0..10,000,000. */
  accounts: number;
  /** Called whenever more accounts have all their rows written in all three contexts. */
  onProgress?: (done: number, total: number) => void;
  /** Rows per createMany (default 1000). */
  batchSize?: number;
  /** Attempts per batch on serialization failures (default 6, as TX_MAX_ATTEMPTS). */
  maxAttempts?: number;
}

export interface SeedReport {
  /** Rows inserted by this run (0 for rows that already existed). */
  accounts: number;
  events: number;
  images: number;
  ms: number;
}

export class SeedOptionsError extends Error {
  override name = 'SeedOptionsError';
}

/** The id, name, event id and image URL of the n-th seeded account (n from 0). */
export const seedAccountId = (n: number) => String(FIRST_SEED_ID + n);
export const seedAccountName = (n: number) => `Person_${n}`;
/**
 * The namespace of the seeded events' ids (a fixed random UUID of this project): each id is
 * a name-based UUID (v5, RFC 9562) of "<account id>/CREATED" in it, a UUID as every other
 * event id (and as P13's uuid.NewV4() ids looked), the same on every run so re-seeding
 * stays idempotent.
 */
export const SEED_EVENT_NAMESPACE = '3f1c0a52-6d0e-4b7a-9c21-8e5f4d2b7a90';
export const seedEventId = (accountId: string) => uuidV5(`${accountId}/CREATED`, SEED_EVENT_NAMESPACE);
export const seedImageUrl = (accountId: string) => `http://path.to.some.image/${accountId}.png`;

function validate(opts: SeedOptions): { accounts: number; batchSize: number; maxAttempts: number } {
  const { accounts, batchSize = DEFAULT_BATCH_SIZE, maxAttempts = 6 } = opts;
  if (!Number.isInteger(accounts) || accounts < 0 || accounts > MAX_SEED_ACCOUNTS) {
    throw new SeedOptionsError(
      `accounts must be an integer from 0 to ${MAX_SEED_ACCOUNTS.toLocaleString('en')}, got ${String(accounts)}`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new SeedOptionsError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${String(batchSize)}`);
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new SeedOptionsError(`maxAttempts must be a positive integer, got ${String(maxAttempts)}`);
  }
  return { accounts, batchSize, maxAttempts };
}

/** Writes the rows of seed accounts [from, to) of one context; resolves to the rows inserted. */
type BatchWriter = (from: number, to: number) => Promise<number>;

function range<T>(from: number, to: number, row: (n: number, id: string) => T): T[] {
  const rows: T[] = [];
  for (let n = from; n < to; n++) rows.push(row(n, seedAccountId(n)));
  return rows;
}

export async function seed(urls: Record<ContextName, string>, opts: SeedOptions): Promise<SeedReport> {
  const { accounts: total, batchSize, maxAttempts } = validate(opts);
  const started = performance.now();
  // One connection each: every context writes its batches one after the other.
  const account = connectDatabase(AccountClient, urls.account, 1);
  const data = connectDatabase(DataClient, urls.data, 1);
  const image = connectDatabase(ImageClient, urls.image, 1);
  const writers: Record<ContextName, BatchWriter> = {
    account: async (from, to) => {
      const rows = range(from, to, (n, id) => ({ id, name: seedAccountName(n) }));
      return (await account.prisma.account.createMany({ data: rows, skipDuplicates: true })).count;
    },
    data: async (from, to) => {
      // An account that already has its CREATED event keeps it, whatever its id: a database
      // seeded before the ids were UUIDs has `seed-created-<account id>`.
      const ids = range(from, to, (_, accountId) => accountId);
      const existing = await data.prisma.accountEvent.findMany({
        where: { accountId: { in: ids }, eventName: 'CREATED' },
        select: { accountId: true },
      });
      const have = new Set(existing.map((e) => e.accountId));
      const rows = ids
        .filter((accountId) => !have.has(accountId))
        .map((accountId) => ({ id: seedEventId(accountId), accountId, eventName: 'CREATED' }));
      return (await data.prisma.accountEvent.createMany({ data: rows, skipDuplicates: true })).count;
    },
    image: async (from, to) => {
      const rows = range(from, to, (_, accountId) => ({ accountId, url: seedImageUrl(accountId) }));
      return (await image.prisma.accountImage.createMany({ data: rows, skipDuplicates: true })).count;
    },
  };

  // Progress is the number of accounts whose rows are written in every context.
  const done: Record<ContextName, number> = { account: 0, data: 0, image: 0 };
  let reported = -1;
  const progress = () => {
    const all = Math.min(done.account, done.data, done.image);
    if (all > reported) opts.onProgress?.((reported = all), total);
  };
  let failed = false;
  const run = async (context: ContextName): Promise<number> => {
    let inserted = 0;
    for (let from = 0; from < total && !failed; from += batchSize) {
      const to = Math.min(total, from + batchSize);
      inserted += await retryConflicts(() => writers[context](from, to), { maxAttempts });
      done[context] = to;
      progress();
    }
    return inserted;
  };

  try {
    progress();
    // The contexts are independent databases: seed them side by side. When one fails,
    // the others stop after their current batch, so that nothing runs past `finally`.
    const results = await Promise.allSettled(
      CONTEXTS.map((c) =>
        run(c).catch((err: unknown) => {
          failed = true;
          throw err;
        }),
      ),
    );
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    const [accounts, events, images] = results.map((r) => (r as PromiseFulfilledResult<number>).value);
    return {
      accounts: accounts ?? 0,
      events: events ?? 0,
      images: images ?? 0,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await Promise.allSettled([account.close(), data.close(), image.close()]);
  }
}

/** True when the account database holds any account (the launcher seeds on first start only). */
export async function isSeeded(accountUrl: string): Promise<boolean> {
  const account = connectDatabase(AccountClient, accountUrl, 1);
  try {
    return (await account.prisma.account.findFirst({ select: { id: true } })) !== null;
  } finally {
    await account.close();
  }
}
