/**
 * The embedded PostgreSQL that stands in for CockroachDB (the one jest's global setup started
 * through startEmbeddedPostgres) behaves like CockroachDB where the product could tell:
 * UTF-8 and byte-wise text order (locale C), UTC, SERIALIZABLE by default, the app users'
 * session timeouts; and the READ COMMITTED the outbox claim asks for is what it gets.
 */
import { PrismaClient } from '../../../generated/account/client';
import { claimIsolation, claimIsolationWarning } from '../../../subgraphs/account/outbox/store';
import { connectDatabase } from '../../../subgraphs/kit/database';
import { adminQuery, testDatabaseUrls, withClient } from '../../../tests/harness/db';

test('every database is UTF-8 and compares text byte-wise (locale C), as CockroachDB without COLLATE', async () => {
  const rows = await adminQuery<{ datname: string; enc: string; collate: string; ctype: string }>(
    `SELECT datname, pg_encoding_to_char(encoding) AS enc, datcollate AS collate, datctype AS ctype
       FROM pg_database WHERE datname IN ('account', 'data', 'image', 'template1') ORDER BY datname`,
  );
  expect(rows.map((r) => r.datname)).toEqual(['account', 'data', 'image', 'template1']);
  for (const r of rows) expect(r).toEqual({ datname: r.datname, enc: 'UTF8', collate: 'C', ctype: 'C' });
  // Byte order: upper case before lower case, ASCII before any accented letter.
  const sorted = await withClient(testDatabaseUrls().account, async (c) =>
    (await c.query<{ s: string }>(`SELECT s FROM (VALUES ('a'), ('é'), ('B'), ('z'), ('Z')) v(s) ORDER BY s`)).rows.map(
      (r) => r.s,
    ),
  );
  expect(sorted).toEqual(['B', 'Z', 'a', 'z', 'é']);
});

test('an app session is UTC, SERIALIZABLE by default, with the statement and idle-in-transaction timeouts', async () => {
  const session = await withClient(
    testDatabaseUrls().data,
    async (c) =>
      (
        await c.query(
          `SELECT current_setting('TimeZone') AS tz, current_setting('default_transaction_isolation') AS iso,
                current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle`,
        )
      ).rows[0],
  );
  expect(session).toEqual({ tz: 'UTC', iso: 'serializable', st: '10s', idle: '1min' });
});

test('the outbox claim gets READ COMMITTED here; where it would not, the relay says what that means', async () => {
  const db = connectDatabase(PrismaClient, testDatabaseUrls().account, 1);
  try {
    expect(await claimIsolation(db.prisma)).toBe('read committed');
  } finally {
    await db.close();
  }
  expect(claimIsolationWarning('read committed')).toBeUndefined();
  const warning = claimIsolationWarning('serializable');
  expect(warning).toMatch(/run at SERIALIZABLE, not READ COMMITTED/);
  expect(warning).toMatch(/sql\.txn\.read_committed_isolation\.enabled = true/);
  expect(warning).toMatch(/40001 and retry/);
});
