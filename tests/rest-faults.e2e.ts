/**
 * The REST shim's contract when contexts fail, with real faults and no mocks: subgraphs
 * stopped in-process and started again on the same port (the running gateway recovers
 * without a restart, through its circuit breaker's half-open probe), the quote table
 * renamed away under a fresh account process (quote fallback), and the data database
 * refusing connections (/ready 503; /health stays 200). Every fault is undone in `finally`, so one failing test leaves the next working.
 * First, on the healthy stack, /accountsbyname's batching, counted by pg_stat_statements
 * (this file's stack runs without the outbox relay, whose polling would add statements).
 */
import type { ContextName } from '../platform/config';
import { adminQuery, countStatements, type StatementCount } from './harness/db';
import {
  countRows,
  insertAccounts,
  insertEvents,
  insertImages,
  removeFixtures,
  seedAccounts,
  sql,
  uniquePrefix,
} from './harness/fixtures';
import { startStack, type Stack } from './harness/stack';
import { eventually, heldWithin } from './harness/eventually';
import { restCall, type RestReply } from './harness/rest';

const P = uniquePrefix('restf');
const ID = `${P}acct`;
const FALLBACK_QUOTE = { quote: 'May the source be with you, always.', ipAddress: 'circuit-breaker', language: 'en' };
const PLACEHOLDER_IMAGE = { id: '', url: 'http://path.to.placeholder', servedBy: 'fallback' };
const PARTIAL = 'x-partial-response';

const SIZES = [30, 100, 150, 200] as const; // accounts per /accountsbyname answer (pages of 100)

let stack: Stack;

type Reply = RestReply;
const rest = (method: string, path: string, body?: string): Promise<Reply> =>
  restCall(stack.gateway.port, method, path, body);

const getAccount = () => rest('GET', `/accounts/${encodeURIComponent(ID)}`);

/** Polls `call` until `done` holds; fails with the last reply after ~30 s. */
const until = (call: () => Promise<Reply>, done: (r: Reply) => boolean): Promise<Reply> =>
  eventually(
    async () => {
      const r = await call();
      if (!done(r)) throw new Error(`answer ${r.status} ${r.headers.get(PARTIAL)} ${r.text}`);
      return r;
    },
    { what: 'the expected answer', timeoutMs: 30_000, intervalMs: 100 },
  );

let full: any; // the complete answer, taken while everything runs
const isFull = (r: Reply) =>
  r.status === 200 && r.headers.get(PARTIAL) === null && JSON.stringify(r.json) === JSON.stringify(full);

const writes = async () => ({
  accounts: await countRows('account'),
  outbox: Number((await sql<{ n: string }>('account', 'SELECT count(*) AS n FROM outbox'))[0]!.n),
});

beforeAll(async () => {
  // A short half-open delay, so that recovery after a restart is quick; relay off: no outbox traffic.
  stack = await startStack({ relay: false, env: { SUBGRAPH_BREAKER_HALF_OPEN_MS: '200' } });
  await insertAccounts([{ id: ID, name: `${ID} name`, createdAt: new Date('2024-01-01T00:00:00.000Z') }]);
  await insertEvents([
    { id: `${ID}-e1`, accountId: ID, eventName: 'CREATED', created: new Date('2024-01-01T00:00:00.000Z') },
  ]);
  await insertImages([{ accountId: ID, url: 'https://img.example.com/restf.png' }]);
  for (const n of SIZES) await seedAccounts(`${P}n${n}-`, n);
});

afterAll(async () => {
  await removeFixtures(P);
  await stack?.stop();
});

test('GET /accountsbyname: one batched statement per page of 100 in the data database, whatever the number of accounts', async () => {
  const calls = (c: StatementCount, pattern: RegExp) =>
    [...c.byQuery].filter(([q]) => pattern.test(q)).reduce((n, [, k]) => n + k, 0);
  const seen: Record<number, Record<ContextName, StatementCount>> = {};
  for (const n of SIZES) {
    let r: Reply | undefined;
    seen[n] = await countStatements(async () => {
      r = await rest('GET', `/accountsbyname/${encodeURIComponent(`${P}n${n}-`)}`);
    });
    expect(r!.status).toBe(200);
    expect(r!.json).toHaveLength(n);
    expect(r!.json.every((e: any) => e.Count === 2)).toBe(true);
  }
  // Per page: one SELECT of accounts (the page) and one grouped count of all its accounts' events.
  for (const n of SIZES) {
    const pages = Math.ceil(n / 100);
    const got = {
      n,
      data: seen[n]!.data.total,
      accounts: calls(seen[n]!.account, /\bFROM\s+("public"\.)?"accounts"/i),
      account: seen[n]!.account.total,
    };
    expect(got).toEqual({ n, data: pages, accounts: pages, account: pages });
  }
  expect(calls(seen[150]!.data, /\bGROUP BY\b/i)).toBe(2);
  // 200 accounts cost what 150 cost (two pages), 100 what 30 cost (one page).
  expect(seen[150]!.data.total).toBe(seen[200]!.data.total);
  expect(seen[30]!.data.total).toBe(seen[100]!.data.total);
});

test('baseline: the full answer, with no partial header', async () => {
  const r = await getAccount();
  expect(r.status).toBe(200);
  expect(r.headers.get(PARTIAL)).toBeNull();
  expect(r.json.accountEvents).toHaveLength(1);
  expect(r.json.quote.ipAddress).toBe(stack.subgraphs.account.servedBy);
  expect(r.json.imageData).toEqual({
    id: ID,
    url: 'https://img.example.com/restf.png',
    servedBy: stack.subgraphs.image.servedBy,
  });
  full = r.json;
});

test('data, then image, stopped: 200 with fallbacks and x-partial-response; restarted on the same ports: full answers again', async () => {
  try {
    await stack.stopSubgraph('data');
    // Several calls: the first ones fail through retries, later ones hit the open circuit.
    for (let i = 0; i < 8; i++) {
      const r = await getAccount();
      expect(r.status).toBe(200);
      expect(r.type).toMatch(/^application\/json\b/);
      expect(r.headers.get(PARTIAL)).toBe('accountEvents');
      expect(r.json).toEqual({ ...full, accountEvents: [] });
    }

    await stack.stopSubgraph('image');
    for (let i = 0; i < 8; i++) {
      const r = await getAccount();
      expect(r.status).toBe(200);
      expect(r.headers.get(PARTIAL)).toBe('imageData, accountEvents');
      expect(r.json).toEqual({ ...full, imageData: PLACEHOLDER_IMAGE, accountEvents: [] });
    }
  } finally {
    await stack.restart('data');
    await stack.restart('image');
  }
  // The same gateway: its breakers half-open, probe, and close.
  const r = await until(getAccount, isFull);
  expect(r.json).toEqual(full);
});

test('account stopped: 503 text with x-error-code for every route that needs it (a Go client cannot decode it into an Account), nothing written; restarted: recovers', async () => {
  const before = await writes();
  try {
    await stack.stopSubgraph('account');
    const replies = {
      get: await getAccount(),
      post: await rest('POST', '/accounts', JSON.stringify({ name: `${P}while-down` })),
      put: await rest('PUT', '/accounts', JSON.stringify({ id: ID, name: `${P}while-down` })),
      byName: await rest('GET', `/accountsbyname/${encodeURIComponent(P)}`),
      again: await getAccount(), // once the circuit is open too
    };
    for (const [route, r] of Object.entries(replies)) {
      expect([route, r.status, r.type]).toEqual([route, 503, 'application/json']);
      expect([route, r.headers.get('x-error-code')]).toEqual([route, expect.stringMatching(/_UNAVAILABLE$/)]);
      expect(r.text).toMatch(/^the account context is unavailable/);
      expect(r.json).toBeUndefined(); // not JSON
    }
  } finally {
    await stack.restart('account');
  }
  expect(await writes()).toEqual(before);
  const r = await until(getAccount, isFull);
  expect(r.json.servedBy).toBe(stack.subgraphs.account.servedBy);
  expect(r.json.name).toBe(`${ID} name`);
});

test('quote unavailable (its table is gone): a warm process keeps its copy; a fresh one answers 200 with the fallback quote and x-partial-response "quote"', async () => {
  try {
    await adminQuery('ALTER TABLE quotes RENAME TO quotes_away', [], 'account');
    // The running account process serves quotes from its in-memory copy of the reference table.
    const warm = await getAccount();
    expect(warm.headers.get(PARTIAL)).toBeNull();
    expect(warm.json).toEqual(full);
    // A fresh process has to read the table, and cannot.
    await stack.restart('account');
    const r = await getAccount();
    expect(r.status).toBe(200);
    expect(r.headers.get(PARTIAL)).toBe('quote');
    expect(r.json).toEqual({ ...full, quote: FALLBACK_QUOTE });
  } finally {
    await adminQuery('ALTER TABLE quotes_away RENAME TO quotes', [], 'account');
  }
  await until(getAccount, isFull);
});

test('the data database refusing connections: /health stays 200 {"status":"UP"} (the process serves), /ready 503, accounts still served; /ready 200 after', async () => {
  expect((await rest('GET', '/health')).json).toEqual({ status: 'UP' });
  try {
    await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS false');
    await adminQuery(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'data' AND pid <> pg_backend_pid()",
    );
    // pg_terminate_backend only signals: wait until the data subgraph's connections are really gone.
    await heldWithin(
      async () =>
        (await adminQuery("SELECT 1 FROM pg_stat_activity WHERE datname = 'data' AND backend_type = 'client backend'"))
          .length === 0,
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    const health = await rest('GET', '/health');
    expect([health.status, health.type, health.text]).toEqual([200, 'application/json', '{"status":"UP"}']);
    expect((await rest('GET', '/ready')).status).toBe(503);
    const r = await getAccount();
    expect(r.status).toBe(200);
    expect(r.headers.get(PARTIAL)).toBe('accountEvents');
    expect(r.json).toEqual({ ...full, accountEvents: [] });
  } finally {
    await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true');
  }
  await until(
    () => rest('GET', '/ready'),
    (h) => h.status === 200,
  );
  await until(getAccount, isFull);
});
