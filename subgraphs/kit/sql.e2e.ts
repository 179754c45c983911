/**
 * The hand-written hot reads (kit/sql.ts, each context's loaders.ts) against Prisma, on the
 * test databases: for the same keys they return exactly what Prisma's findMany returns (same
 * columns, same JS types, same order), timestamps are UTC also in a process running in
 * another time zone, and an unknown key returns nothing. This is what keeps them in step with schema.prisma.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PrismaClient as AccountClient } from '../../generated/account/client';
import { PrismaClient as DataClient } from '../../generated/data/client';
import { PrismaClient as ImageClient } from '../../generated/image/client';
import { testDatabaseUrls } from '../../tests/harness/db';
import { removeFixtures, seedAccounts, uniquePrefix, type SeededAccount } from '../../tests/harness/fixtures';
import { ACCOUNTS_BY_ID } from '../account/loaders';
import { EVENTS_BY_ACCOUNT } from '../data/loaders';
import { IMAGES_BY_ACCOUNT } from '../image/loaders';
import { connectDatabase } from './database';

const PREFIX = uniquePrefix('sql');
const urls = testDatabaseUrls();
const account = connectDatabase(AccountClient, urls.account, 2);
const data = connectDatabase(DataClient, urls.data, 2);
const image = connectDatabase(ImageClient, urls.image, 2);
let seeded: SeededAccount[];
let ids: string[];

beforeAll(async () => {
  seeded = await seedAccounts(PREFIX, 5);
  ids = [...seeded.map((s) => s.account.id), `${PREFIX}unknown`];
});

afterAll(async () => {
  await removeFixtures(PREFIX);
  await Promise.all([account.close(), data.close(), image.close()]);
});

describe('the same rows as Prisma', () => {
  test('accounts by id: the rows Prisma returns', async () => {
    const expected = await account.prisma.account.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    const rows = await account.sql.rows<{ id: string }>(ACCOUNTS_BY_ID, [ids]);
    expect(expected).toHaveLength(5);
    expect(rows.sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(expected);
  });

  test('events by account: the rows Prisma returns, in history order', async () => {
    const expected = await data.prisma.accountEvent.findMany({
      where: { accountId: { in: ids } },
      orderBy: [{ created: 'asc' }, { id: 'asc' }],
    });
    expect(expected).toHaveLength(10);
    expect(await data.sql.rows(EVENTS_BY_ACCOUNT, [ids])).toEqual(expected);
    // And the instants are the ones written (fixtures write UTC).
    const first = seeded[0]!.events[0];
    const row = expected.find((e) => e.id === first.id);
    expect(row?.created.toISOString()).toBe(first.created.toISOString());
  });

  test('images by account: the rows Prisma returns', async () => {
    const expected = await image.prisma.accountImage.findMany({
      where: { accountId: { in: ids } },
      orderBy: { accountId: 'asc' },
    });
    const rows = await image.sql.rows<{ accountId: string }>(IMAGES_BY_ACCOUNT, [ids]);
    expect(expected).toHaveLength(5);
    expect(rows.sort((a, b) => (a.accountId < b.accountId ? -1 : 1))).toEqual(expected);
  });
});

test('timestamps are read as UTC in a process whose time zone is not UTC', () => {
  // A child process: TZ is read by the real process, not jest's sandboxed process.env.
  const script = path.join(__dirname, '..', '..', 'tests', 'harness', 'read-events.ts');
  const first = seeded[0]!;
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, first.account.id], {
    env: { ...process.env, TZ: 'America/New_York', DATA_DATABASE_URL: urls.data },
    encoding: 'utf8',
  });
  const { offsetMinutes, rows } = JSON.parse(out) as {
    offsetMinutes: number;
    rows: Array<{ id: string; created: string }>;
  };
  expect(offsetMinutes).toBe(300); // the child really ran at UTC-5
  expect(rows.map((r) => [r.id, r.created])).toEqual(first.events.map((e) => [e.id, e.created.toISOString()]));
});

test('an empty key list and unknown keys return no rows', async () => {
  expect(await account.sql.rows(ACCOUNTS_BY_ID, [[]])).toEqual([]);
  expect(await data.sql.rows(EVENTS_BY_ACCOUNT, [[`${PREFIX}nobody`]])).toEqual([]);
});
