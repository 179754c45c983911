/**
 * The composition (fetcher.ts) against real HTTP fakes: the configuration's knobs reach their
 * pieces; every attempt is signed anew; a query's 429 with Retry-After is retried; a write is
 * sent once whatever it is answered (503 with Retry-After included).
 */
import { SIGNATURE_HEADER, check } from '../../platform/auth';
import { createLogger } from '../../platform/logger';
import { closeFakeServers, data, firstN, startFakeServer, type Behaviour } from '../../tests/harness/fake-http';
import { piecesFrom, subgraphFetcher, type SubgraphFetcher } from './fetcher';

const SECRET = 'k'.repeat(32);
const log = createLogger('test', 'silent');
const fetchers: SubgraphFetcher[] = [];
afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
  await closeFakeServers();
});

const fetcher = (url: string) => {
  const f = subgraphFetcher({ name: 'account', urls: [url], secret: SECRET, log, ...piecesFrom({ attempts: 3 }) });
  fetchers.push(f);
  return f;
};
const busy =
  (status: number): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { 'retry-after': '0', 'content-type': 'text/plain' });
    res.end('busy');
  };
const BODY = JSON.stringify({ query: '{ account(id: "1") { id } }' });

test('each configuration knob reaches its piece', () => {
  const config = {
    timeoutMs: 1,
    mutationTimeoutMs: 2,
    attempts: 3,
    retryDelayMs: 7,
    retryMaxDelayMs: 8,
    breakerThreshold: 4,
    halfOpenAfterMs: 5,
    dedup: true,
    gatherWindowMs: 6,
  };
  expect(piecesFrom(config)).toEqual({
    timeout: { attemptMs: 1, mutationMs: 2 },
    retry: { attempts: 3, initialDelayMs: 7, maxDelayMs: 8 },
    breaker: { threshold: 4, halfOpenAfterMs: 5 },
    dedup: { windowMs: 6 },
  });
  expect(piecesFrom({ ...config, dedup: false }).dedup).toBe(false);
});

test("a query's attempts are each signed anew; a 429 with Retry-After is retried", async () => {
  const sub = await startFakeServer(firstN(1, busy(429), data({ account: { id: '1' } })));
  const res = await fetcher(sub.url).send({ method: 'POST', body: BODY }, false);
  expect(res.status).toBe(200);
  expect(sub.requests).toBe(2);
  const signatures = sub.headers.map((h) => h[SIGNATURE_HEADER] as string);
  expect(new Set(signatures).size).toBe(2);
  for (const s of signatures) expect(check(SECRET, 'account', s, 'POST', '/graphql', BODY)).toHaveProperty('verified');
});

test('a write is sent once, even answered 503 with Retry-After', async () => {
  const sub = await startFakeServer(busy(503));
  const res = await fetcher(sub.url).send({ method: 'POST', body: BODY }, true);
  expect(res.status).toBe(503);
  expect(sub.requests).toBe(1);
  expect(
    check(SECRET, 'account', sub.headers[0]![SIGNATURE_HEADER] as string, 'POST', '/graphql', BODY),
  ).toHaveProperty('verified');
});

/*
 * Kept alive and reused, never one per request. undici's pool hands a request sent the moment
 * an answer's body has been read to another connection (the first is not free yet), so a pool
 * holds up to twice the requests in flight: bounds, not exact counts.
 */
describe('connections are reused', () => {
  const query = (i: number) => ({ method: 'POST', body: JSON.stringify({ query: `{ account(id: "${i}") { id } }` }) });

  test('100 queries one after another: at most two connections', async () => {
    const sub = await startFakeServer(data({ ok: true }));
    const f = fetcher(sub.url);
    for (let i = 0; i < 100; i++) expect((await f.send(query(i), false)).status).toBe(200);
    expect(sub.requests).toBe(100);
    expect(sub.connections).toBeLessThanOrEqual(2);
  });

  test('20 rounds of 10 different queries at once: at most 20 connections for the 200', async () => {
    const sub = await startFakeServer(data({ ok: true }));
    const f = fetcher(sub.url);
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => f.send(query(round * 10 + i), false)));
    }
    expect(sub.requests).toBe(200);
    expect(sub.connections).toBeLessThanOrEqual(20);
  });

  test('writes have a pool of their own (their own deadline), kept alive too', async () => {
    const sub = await startFakeServer(data({ ok: true }));
    const f = fetcher(sub.url);
    for (let i = 0; i < 20; i++) {
      await f.send(query(i), false);
      await f.send(query(100 + i), true);
    }
    expect(sub.requests).toBe(40);
    expect(sub.connections).toBeGreaterThanOrEqual(2);
    expect(sub.connections).toBeLessThanOrEqual(4);
  });
});
