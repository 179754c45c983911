/**
 * Test data written straight into each context's database with SQL (no GraphQL on the
 * way in), so that a test controls ids, names and timestamps exactly. Every fixture id
 * and name starts with a prefix unique to its test file; `removeFixtures(prefix)` deletes
 * everything that starts with it (rows the tests created through mutations included, as
 * long as their name, id or account id carries the prefix).
 */
import { randomBytes } from 'node:crypto';
import type { ContextName } from '../../platform/config';
import { testDatabaseUrls, withClient } from './db';

/** `gx-<tag>-<8 hex>-`: no LIKE wildcards, so the prefix is also a literal namePrefix. */
export const uniquePrefix = (tag: string) => `gx-${tag}-${randomBytes(4).toString('hex')}-`;

export interface AccountRow {
  id: string;
  name: string;
  createdAt: Date;
}

export interface EventRow {
  id: string;
  accountId: string;
  eventName: string;
  created: Date;
}

export interface ImageRow {
  accountId: string;
  url: string;
}

/** Runs one statement against a context's database as that context's own user. */
export async function sql<R extends object = Record<string, unknown>>(
  context: ContextName,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  return withClient(testDatabaseUrls()[context], async (c) => (await c.query<R>(text, params)).rows);
}

// Timestamps travel as ISO strings cast to `timestamp` (the columns have no time zone):
// the stored wall-clock time is then UTC whatever the session's TimeZone is.
const iso = (d: Date) => d.toISOString();

export async function insertAccounts(rows: AccountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql(
    'account',
    'INSERT INTO accounts (id, name, created_at) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamp[])',
    [rows.map((r) => r.id), rows.map((r) => r.name), rows.map((r) => iso(r.createdAt))],
  );
}

export async function insertEvents(rows: EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql(
    'data',
    'INSERT INTO account_events (id, account_id, event_name, created) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp[])',
    [
      rows.map((r) => r.id),
      rows.map((r) => r.accountId),
      rows.map((r) => r.eventName),
      rows.map((r) => iso(r.created)),
    ],
  );
}

export async function insertImages(rows: ImageRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql('image', 'INSERT INTO account_images (account_id, url) SELECT * FROM unnest($1::text[], $2::text[])', [
    rows.map((r) => r.accountId),
    rows.map((r) => r.url),
  ]);
}

export interface SeededAccount {
  account: AccountRow;
  /** Oldest first: CREATED, then UPDATED one second later. */
  events: [EventRow, EventRow];
  image: ImageRow;
}

export const BASE_TIME = new Date('2024-03-01T12:00:00.000Z');
const seconds = (n: number) => new Date(BASE_TIME.getTime() + n * 1000);

/**
 * `count` accounts `<prefix>0000`, `<prefix>0001`, ... (ids and names alike, so that id
 * order is name order), each with a CREATED and an UPDATED event and an image.
 */
export async function seedAccounts(prefix: string, count: number): Promise<SeededAccount[]> {
  const seeded = Array.from({ length: count }, (_, i): SeededAccount => {
    const id = `${prefix}${String(i).padStart(4, '0')}`;
    return {
      account: { id, name: id, createdAt: seconds(i) },
      events: [
        { id: `${id}-e1`, accountId: id, eventName: 'CREATED', created: seconds(i) },
        { id: `${id}-e2`, accountId: id, eventName: 'UPDATED', created: seconds(i + 1) },
      ],
      image: { accountId: id, url: `https://img.example.com/${id}.png` },
    };
  });
  await insertAccounts(seeded.map((s) => s.account));
  await insertEvents(seeded.flatMap((s) => s.events));
  await insertImages(seeded.map((s) => s.image));
  return seeded;
}

/** Deletes every row of every context whose id, name or account id starts with `prefix`. */
export async function removeFixtures(prefix: string): Promise<void> {
  // left(...) = prefix rather than LIKE: the prefix is data, not a pattern.
  await sql('account', 'DELETE FROM accounts WHERE left(id, length($1)) = $1 OR left(name, length($1)) = $1', [prefix]);
  await sql('data', 'DELETE FROM account_events WHERE left(id, length($1)) = $1 OR left(account_id, length($1)) = $1', [
    prefix,
  ]);
  await sql('image', 'DELETE FROM account_images WHERE left(account_id, length($1)) = $1', [prefix]);
}

/**
 * removeFixtures(prefix), and what a test created through the API under ids the system chose
 * (`ids`): their outbox rows, accounts and events. For a test file's afterAll.
 */
export async function removeCreated(prefix: string, ids: readonly string[]): Promise<void> {
  await removeFixtures(prefix);
  await sql('account', 'DELETE FROM outbox WHERE account_id = ANY($1) OR left(account_id, length($2)) = $2', [
    ids,
    prefix,
  ]);
  await sql('account', 'DELETE FROM accounts WHERE id = ANY($1)', [ids]);
  await sql('data', 'DELETE FROM account_events WHERE account_id = ANY($1)', [ids]);
}

const TABLES = { account: 'accounts', data: 'account_events', image: 'account_images' } as const;

/** Rows of a context's main table (accounts, account_events, account_images), optionally filtered. */
export async function countRows(context: ContextName, where = 'TRUE', params: unknown[] = []): Promise<number> {
  const rows = await sql<{ n: string }>(
    context,
    `SELECT count(*)::text AS n FROM ${TABLES[context]} WHERE ${where}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}
