/**
 * The per-subgraph quote cache against the test database: PostgreSQL's own statement
 * counts show one read of the quotes table per TTL, shared by concurrent callers and by
 * every request of one subgraph, and the answers are the rows the migration shipped.
 */
import { PrismaClient } from '../../generated/account/client';
import { countStatements, testDatabaseUrls } from '../../tests/harness/db';
import { connectDatabase, type Database } from '../kit/database';
import { accountLoaders } from './loaders';
import { QuoteCache } from './quotes';

let database: Database<PrismaClient>;
let clock = 0;
const now = () => clock;

beforeAll(() => {
  database = connectDatabase(PrismaClient, testDatabaseUrls().account, 2);
});
afterAll(() => database.close());

/** Reads of the quotes table among the account database's statements. */
async function quoteReads(fn: () => Promise<unknown>): Promise<number> {
  const counts = await countStatements(fn);
  return [...counts.account.byQuery]
    .filter(([q]) => /from\s+"public"\."quotes"/i.test(q))
    .reduce((n, [, c]) => n + c, 0);
}

test('answers what the table holds, per language, in id order; [] for an unknown language', async () => {
  const rows = await database.prisma.quote.findMany({ orderBy: { id: 'asc' } });
  const [en, xx] = await new QuoteCache(database.prisma, 60_000, now).of(['en', 'xx']);
  expect(en!.length).toBeGreaterThan(0);
  expect(en).toEqual(rows.filter((r) => r.language === 'en'));
  expect(xx).toEqual([]);
});

test('one read per TTL, however many calls', async () => {
  const cache = new QuoteCache(database.prisma, 1_000, now);
  clock = 0;
  expect(
    await quoteReads(async () => {
      for (let i = 0; i < 20; i++) await cache.of(['en']);
    }),
  ).toBe(1);
  clock = 999;
  expect(await quoteReads(() => cache.of(['en']))).toBe(0);
  clock = 1_000;
  expect(await quoteReads(() => cache.of(['en']))).toBe(1);
});

test('concurrent misses share one read', async () => {
  const cache = new QuoteCache(database.prisma, 1_000, now);
  expect(await quoteReads(() => Promise.all(Array.from({ length: 10 }, () => cache.of(['en']))))).toBe(1);
});

test('a failed read is not kept: the next call reads again', async () => {
  // The fault (a read that fails once) is injected; the retry is a real read.
  let failures = 1;
  const flaky = {
    quote: {
      findMany: ((args: Parameters<PrismaClient['quote']['findMany']>[0]) =>
        failures-- > 0
          ? Promise.reject(new Error('connection lost'))
          : database.prisma.quote.findMany(args)) as PrismaClient['quote']['findMany'],
    },
  } as Pick<PrismaClient, 'quote'>;
  const cache = new QuoteCache(flaky, 60_000, now);
  await expect(cache.of(['en'])).rejects.toThrow('connection lost');
  const [en] = await cache.of(['en']);
  expect(en!.length).toBeGreaterThan(0);
});

test('one cache per subgraph: its requests share one copy, another subgraph has its own', async () => {
  const perRequest = accountLoaders(database.prisma, database.sql);
  const reads = await quoteReads(async () => {
    for (let request = 0; request < 3; request++) await perRequest().quotesByLanguage.load('en');
  });
  expect(reads).toBe(1);
  const other = accountLoaders(database.prisma, database.sql);
  expect(await quoteReads(() => other().quotesByLanguage.load('en'))).toBe(1);
  expect(await quoteReads(() => perRequest().quotesByLanguage.load('en'))).toBe(0);
});
