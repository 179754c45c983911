/**
 * A subgraph with two replicas (gateway/upstream/replicas.ts under the fetcher and the data source),
 * against real HTTP fakes that count what reached each: queries are spread over both; a query
 * whose replica refuses, hangs or answers 5xx is retried on the other; a replica that keeps
 * failing is left out (its breaker) while its sibling serves, and probed again later; a write
 * goes to one replica, once, and is never re-sent; with every replica left out, nothing is sent.
 * The subgraph URL list itself: platform/env-schema.ts, tested at the end.
 */
import { freePort } from '../../prisma/tools/local/scratch';
import { loadConfig } from '../../platform/config';
import {
  dataSource,
  expectOutcomeUnknown,
  expectUnavailable,
  healthCheckKind,
  MUTATION,
  QUERY,
  rejection,
} from '../../tests/harness/data-source';
import { useDataSources } from '../../tests/harness/data-source';
import { data, hang, startFakeServer, status } from '../../tests/harness/fake-http';

useDataSources();

const ok = data({ account: { id: '1' } });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** One query at a time (no sharing between them): what each replica received is what the choice did. */
async function sequentially(n: number, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) await run();
}

test('queries are spread over the replicas', async () => {
  const [a, b] = await Promise.all([startFakeServer(ok), startFakeServer(ok)]);
  const ds = dataSource([a.url, b.url], { attempts: 1 });
  await sequentially(20, () => ds.process(healthCheckKind(QUERY)));
  expect(a.requests + b.requests).toBe(20);
  expect(a.requests).toBeGreaterThanOrEqual(5);
  expect(b.requests).toBeGreaterThanOrEqual(5);
});

test.each([
  ['refuses connections', 'refused'],
  ['hangs (each attempt cut by the deadline)', 'hang'],
  ['answers 503', '503'],
] as const)('a replica that %s: every query is answered by the other, in at most 2 attempts', async (_, fault) => {
  const good = await startFakeServer(ok);
  const bad =
    fault === 'refused'
      ? { url: `http://127.0.0.1:${await freePort()}/graphql`, requests: 0 }
      : await startFakeServer(fault === 'hang' ? hang : status(503));
  const ds = dataSource([bad.url, good.url], { attempts: 2, timeoutMs: 200, breakerThreshold: 100 });
  for (let i = 0; i < 6; i++) {
    const before = good.requests;
    expect((await ds.process(healthCheckKind(QUERY))).data).toEqual({ account: { id: '1' } });
    expect(good.requests).toBe(before + 1); // answered by the healthy replica, once
  }
  expect(ds.replicas.breakers?.closed).toEqual([new URL(bad.url).origin, new URL(good.url).origin]);
});

test('under concurrent calls too, a retry never goes back to the replica that just failed it', async () => {
  const good = await startFakeServer(ok);
  const bad = await startFakeServer(status(503));
  const ds = dataSource([bad.url, good.url], { attempts: 2, dedup: false, breakerThreshold: 1_000 });
  const query = (i: number) => healthCheckKind(`query Q__account__0{account(id:"${i}"){id}}`);
  // Round robin alone sends some of these retries back to `bad` (its turn comes round again).
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ds.process(query(i))));
  expect(answers.map((a) => a.errors)).toEqual(answers.map(() => undefined));
  expect(good.requests).toBe(20);
});

test('a replica that keeps failing is left out while the other serves; after halfOpenAfterMs one probe goes back', async () => {
  const good = await startFakeServer(ok);
  let healthy = false;
  const flaky = await startFakeServer((req, res, n) => (healthy ? ok : status(503))(req, res, n));
  const ds = dataSource([flaky.url, good.url], { attempts: 2, breakerThreshold: 2, halfOpenAfterMs: 300 });
  await sequentially(10, () => ds.process(healthCheckKind(QUERY)));
  const [flakyOrigin, goodOrigin] = [new URL(flaky.url).origin, new URL(good.url).origin];
  expect(ds.replicas.breakers?.closed).toEqual([goodOrigin]);
  expect(flaky.requests).toBe(2); // two failures opened its breaker; then nothing more reached it
  expect(good.requests).toBe(10);
  healthy = true;
  await sleep(350);
  await sequentially(10, () => ds.process(healthCheckKind(QUERY)));
  expect(flaky.requests).toBeGreaterThan(2); // probed, closed, and in the rotation again
  expect(ds.replicas.breakers?.closed).toEqual([flakyOrigin, goodOrigin]);
});

test('every replica left out: a query fails fast and nothing is sent; a write alike, "nothing was written"', async () => {
  const [a, b] = await Promise.all([startFakeServer(status(503)), startFakeServer(status(503))]);
  const ds = dataSource([a.url, b.url], { attempts: 2, breakerThreshold: 1, halfOpenAfterMs: 60_000 });
  expectUnavailable(await rejection(ds.process(healthCheckKind(QUERY))));
  expect(a.requests + b.requests).toBe(2);
  expect(ds.replicas.breakers?.closed).toEqual([]);
  const query = await rejection(ds.process(healthCheckKind(QUERY)));
  expectUnavailable(query);
  expect(query.message).toMatch(/circuit open/);
  const write = await rejection(ds.process(healthCheckKind(MUTATION)));
  expect(write.message).toMatch(/the write was not sent, nothing was written/);
  expect(a.requests + b.requests).toBe(2);
});

test('a write whose replica hangs is sent once, never to the other replica, and its outcome is unknown', async () => {
  const [a, b] = await Promise.all([startFakeServer(hang), startFakeServer(hang)]);
  const ds = dataSource([a.url, b.url], { attempts: 3, mutationTimeoutMs: 200 });
  expectOutcomeUnknown(await rejection(ds.process(healthCheckKind(MUTATION))));
  expect(a.requests + b.requests).toBe(1);
  // Nor did it count against either replica: writes do not open breakers.
  expect(ds.replicas.breakers?.closed).toHaveLength(2);
});

test('writes go only to a replica whose breaker is closed (a write is never a probe)', async () => {
  const good = await startFakeServer(ok);
  const bad = await startFakeServer(status(503));
  const ds = dataSource([bad.url, good.url], { attempts: 2, breakerThreshold: 1, halfOpenAfterMs: 60_000 });
  await sequentially(3, () => ds.process(healthCheckKind(QUERY)));
  const badBefore = bad.requests;
  await sequentially(5, () => ds.process(healthCheckKind(MUTATION)));
  expect(bad.requests).toBe(badBefore);
});

describe('*_SUBGRAPH_URL: one URL or a comma-separated list', () => {
  test('a list becomes the replicas; the first is the subgraph URL for what needs one', () => {
    const config = loadConfig({ DATA_SUBGRAPH_URL: 'http://a:4002/graphql, http://b:4012/graphql' });
    expect(config.subgraphReplicas.data).toEqual(['http://a:4002/graphql', 'http://b:4012/graphql']);
    expect(config.subgraphUrls.data).toBe('http://a:4002/graphql');
    expect(loadConfig({}).subgraphReplicas.account).toEqual(['http://127.0.0.1:4001/graphql']);
  });

  test.each([
    ['http://a:1/graphql,ftp://b:2/graphql', 'DATA_SUBGRAPH_URL: entry 2 of 2 must be an http(s):// URL'],
    ['http://a:1/graphql,,', 'DATA_SUBGRAPH_URL: entry 2 of 3 must be an http(s):// URL'],
    ['http://a:1/graphql,http://a:1/graphql', 'DATA_SUBGRAPH_URL: entry 2 of 2 must be a replica not listed before it'],
    ['http://a:1/graphql,http://b:1/gql', "DATA_SUBGRAPH_URL: entry 2 of 2 must be on the first entry's path"],
    ['not a url', 'DATA_SUBGRAPH_URL: must be an http(s):// URL'],
  ])('%s: one line naming the entry', (value, line) => {
    expect(() => loadConfig({ DATA_SUBGRAPH_URL: value })).toThrow(`invalid configuration: ${line}`);
  });
});
