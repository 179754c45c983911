/**
 * The paced generator (load/paced-child.ts) against a real HTTP server: an open loop sends
 * exactly rate × duration requests without waiting for answers, and counts each request's
 * latency in full. The server holds every answer for longer than the interval between
 * requests, so an open loop has several in flight at once; autocannon on one connection
 * (its per-second quota) never has more than one, and sends fewer (tried: both fail).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoad } from './autocannon';

const HOLD_MS = 100; // four times the 25 ms between requests at 40 req/s
let server: http.Server;
let base: string;
let inFlight = 0;
let mostInFlight = 0;
let received = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    received++;
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: req.url?.split('/').pop() }));
    }, HOLD_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

test('paced: rate × duration requests, sent without waiting for answers, each answer checked', async () => {
  const result = await runLoad(
    {
      baseUrl: base,
      kind: 'rest',
      path: '/accounts/',
      ids: { first: 10_000, count: 100 },
      connections: 1,
      overallRate: 40,
      durationS: 2,
      warmupS: 0,
    },
    undefined,
    true,
  );
  expect(result.requests).toBe(80);
  expect(received).toBe(80);
  expect(result.errors + result.non2xx + result.mismatches).toBe(0);
  expect(mostInFlight).toBeGreaterThanOrEqual(2);
  expect(result.latencyMs.p50).toBeGreaterThanOrEqual(HOLD_MS); // the hold is in every latency
});
