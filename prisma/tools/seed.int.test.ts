/**
 * The seeder against the test PostgreSQL. Other test files share these databases and
 * may already hold some seed accounts, so every count is taken over the seed id range
 * 10000..10249 and the first run's report is compared with what existed before it.
 */
import type { ContextName } from '../../platform/config';
import { testDatabaseUrls, withClient } from '../../tests/harness/db';
import { isSeeded, seed, SeedOptionsError } from './seed';

const N = 250;
const ids = Array.from({ length: N }, (_, n) => String(10_000 + n));
let urls: Record<ContextName, string>;

const count = (url: string, sql: string) =>
  withClient(url, async (c) => Number((await c.query<{ n: string }>(sql, [ids])).rows[0]?.n));

const counts = async () => ({
  accounts: await count(urls.account, 'SELECT count(*)::text AS n FROM accounts WHERE id = ANY($1)'),
  events: await count(
    urls.data,
    `SELECT count(*)::text AS n FROM account_events WHERE account_id = ANY($1) AND event_name = 'CREATED'`,
  ),
  images: await count(urls.image, 'SELECT count(*)::text AS n FROM account_images WHERE account_id = ANY($1)'),
});

const createdEventIds = () =>
  withClient(
    urls.data,
    async (c) =>
      (
        await c.query<{ account_id: string; id: string }>(
          `SELECT account_id, id FROM account_events WHERE account_id = ANY($1) AND event_name = 'CREATED' ORDER BY account_id`,
          [ids],
        )
      ).rows,
  );

beforeAll(() => {
  urls = testDatabaseUrls();
});

test('seeds accounts, one CREATED event and one image each, and reports progress', async () => {
  const before = await counts();
  const progress: [number, number][] = [];
  const report = await seed(urls, {
    accounts: N,
    batchSize: 100,
    onProgress: (done, total) => progress.push([done, total]),
  });

  expect(report).toMatchObject({ accounts: N - before.accounts, events: N - before.events, images: N - before.images });
  expect(report.ms).toBeGreaterThanOrEqual(0);
  expect(await counts()).toEqual({ accounts: N, events: N, images: N });
  await expect(isSeeded(urls.account)).resolves.toBe(true);

  const names = await withClient(
    urls.account,
    async (c) =>
      (
        await c.query<{ id: string; name: string }>('SELECT id, name FROM accounts WHERE id = ANY($1) ORDER BY id', [
          ids,
        ])
      ).rows,
  );
  expect(names).toEqual(ids.map((id, n) => ({ id, name: `Person_${n}` })));

  const events = await withClient(
    urls.data,
    async (c) =>
      (
        await c.query<{ account_id: string; n: string }>(
          `SELECT account_id, count(*)::text AS n FROM account_events
          WHERE account_id = ANY($1) AND event_name = 'CREATED' GROUP BY account_id ORDER BY account_id`,
          [ids],
        )
      ).rows,
  );
  expect(events).toEqual(ids.map((account_id) => ({ account_id, n: '1' })));
  // Event ids are UUIDs (name-based, version 5), one per account, and the same for the same account on every run.
  const eventIds = await createdEventIds();
  expect(eventIds).toHaveLength(N);
  for (const { id } of eventIds)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(new Set(eventIds.map((e) => e.id)).size).toBe(N);
  await withClient(urls.data, (c) => c.query('DELETE FROM account_events WHERE account_id = ANY($1)', [ids]));
  await seed(urls, { accounts: N, batchSize: 100 });
  expect(await createdEventIds()).toEqual(eventIds);

  const images = await withClient(
    urls.image,
    async (c) =>
      (
        await c.query<{ account_id: string; url: string }>(
          'SELECT account_id, url FROM account_images WHERE account_id = ANY($1) ORDER BY account_id',
          [ids],
        )
      ).rows,
  );
  expect(images).toEqual(ids.map((account_id) => ({ account_id, url: `http://path.to.some.image/${account_id}.png` })));

  // Progress only grows, in batch steps, and ends at the total.
  expect(progress.every(([, total]) => total === N)).toBe(true);
  expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
  expect(progress[progress.length - 1]).toEqual([N, N]);
  expect(progress.every(([done]) => done % 100 === 0 || done === N)).toBe(true);
});

test('is idempotent: a second run inserts nothing', async () => {
  await seed(urls, { accounts: N, batchSize: 100 });
  const progress: number[] = [];
  const again = await seed(urls, { accounts: N, batchSize: 100, onProgress: (done) => progress.push(done) });
  expect(again).toMatchObject({ accounts: 0, events: 0, images: 0 });
  expect(progress[progress.length - 1]).toBe(N);
  expect(await counts()).toEqual({ accounts: N, events: N, images: N });
});

test('a database seeded with the former seed-created-<id> event ids gets no second CREATED event', async () => {
  await seed(urls, { accounts: N, batchSize: 100 });
  const old = ids[0]!;
  await withClient(urls.data, async (c) => {
    await c.query("DELETE FROM account_events WHERE account_id = $1 AND event_name = 'CREATED'", [old]);
    await c.query("INSERT INTO account_events (id, account_id, event_name) VALUES ($1, $2, 'CREATED')", [
      `seed-created-${old}`,
      old,
    ]);
  });
  await seed(urls, { accounts: N, batchSize: 100 });
  expect((await createdEventIds()).filter((e) => e.account_id === old)).toEqual([
    { account_id: old, id: `seed-created-${old}` },
  ]);
  await withClient(urls.data, (c) => c.query('DELETE FROM account_events WHERE account_id = $1', [old]));
  await seed(urls, { accounts: N, batchSize: 100 });
});

test('seeding 0 accounts writes nothing and still reports completion', async () => {
  const progress: [number, number][] = [];
  await expect(seed(urls, { accounts: 0, onProgress: (d, t) => progress.push([d, t]) })).resolves.toMatchObject({
    accounts: 0,
    events: 0,
    images: 0,
  });
  expect(progress).toEqual([[0, 0]]);
});

test.each([-1, 1.5, Number.NaN, 10_000_001, Number.POSITIVE_INFINITY])('rejects accounts = %p', async (accounts) => {
  await expect(seed(urls, { accounts })).rejects.toThrow(SeedOptionsError);
  await expect(seed(urls, { accounts })).rejects.toThrow(/accounts must be an integer from 0 to 10,000,000/);
});

test('rejects a bad batch size', async () => {
  await expect(seed(urls, { accounts: 1, batchSize: 0 })).rejects.toThrow(/batchSize must be an integer/);
});
