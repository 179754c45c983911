/**
 * The dialect switch (DATABASE_DIALECT): follower reads are asked for on CockroachDB only.
 * PostgreSQL has no AS OF SYSTEM TIME, so against the real test PostgreSQL a client marked
 * 'cockroachdb' shows that the clause is really sent (PostgreSQL rejects it: a syntax error at "AS"), and a
 * client marked 'postgresql' runs the same reads as they are.
 */
import { PrismaClient } from '../../generated/account/client';
import { loadConfig } from '../../platform/config';
import { createAccountLoaders } from '../account/loaders';
import { QuoteCache } from '../account/quotes';
import { accountResolvers } from '../account/resolvers';
import { status } from '../account/outbox/store';
import { testDatabaseUrls } from '../../tests/harness/db';
import { connectDatabase } from './database';
import { dialectOf, followerRead, followerReadStatement } from './dialect';

type AccountsResolver = (
  parent: unknown,
  args: { namePrefix?: string; first: number },
  ctx: object,
) => Promise<unknown>;
const open = (dialect: 'postgresql' | 'cockroachdb') =>
  connectDatabase(PrismaClient, testDatabaseUrls().account, 1, { dialect });
/** 'ok', or the failure: Prisma's code (P2010: raw query failed) and the database's message. */
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: { code?: string; message?: string }) => `${err.code} ${err.message}`,
  );

test('the clause for CockroachDB, none for PostgreSQL', () => {
  expect(followerReadStatement('cockroachdb')).toBe('SET TRANSACTION AS OF SYSTEM TIME follower_read_timestamp()');
  expect(followerReadStatement('postgresql')).toBeUndefined();
});

test('DATABASE_DIALECT is validated: postgresql by default, cockroachdb when set, anything else refused by name', () => {
  expect(loadConfig({}).dialect).toBe('postgresql');
  expect(loadConfig({ DATABASE_DIALECT: 'cockroachdb' }).dialect).toBe('cockroachdb');
  expect(() => loadConfig({ DATABASE_DIALECT: 'mysql' })).toThrow(/DATABASE_DIALECT/);
});

test('a PostgreSQL client reads as it is; a CockroachDB one sends the follower-read clause first', async () => {
  const pg = open('postgresql');
  const crdb = open('cockroachdb');
  try {
    expect([dialectOf(pg.prisma), dialectOf(crdb.prisma)]).toEqual(['postgresql', 'cockroachdb']);
    expect(await followerRead(pg.prisma, (db) => db.quote.count())).toBeGreaterThan(0);
    const sent = await code(followerRead(crdb.prisma, (db) => db.quote.count()));
    expect(sent).toMatch(/syntax error at or near "AS"/);
  } finally {
    await Promise.all([pg.close(), crdb.close()]);
  }
});

test('the follower reads in use: quote reloads, outbox status, the accounts-by-name-prefix listing (and not the plain listing)', async () => {
  const pg = open('postgresql');
  const crdb = open('cockroachdb');
  try {
    expect((await new QuoteCache(pg.prisma).of(['en']))[0]!.length).toBeGreaterThan(0);
    expect(await code(new QuoteCache(crdb.prisma).of(['en']))).toMatch(/syntax error at or near "AS"/);
    expect(await status(pg.prisma, 1)).toMatchObject({ pending: expect.any(Number) });
    expect(await code(status(crdb.prisma, 1))).toMatch(/syntax error at or near "AS"/);
    const accounts = (db: typeof pg, namePrefix?: string) =>
      (accountResolvers.Query as unknown as Record<string, AccountsResolver>).accounts!(
        undefined,
        { namePrefix, first: 1 },
        {
          db: db.prisma,
          loaders: createAccountLoaders(db.sql, new QuoteCache(db.prisma)),
        },
      );
    expect(await code(accounts(pg, 'Person_'))).toBe('ok');
    expect(await code(accounts(crdb, 'Person_'))).toMatch(/syntax error at or near "AS"/);
    expect(await code(accounts(crdb))).toBe('ok');
  } finally {
    await Promise.all([pg.close(), crdb.close()]);
  }
});
