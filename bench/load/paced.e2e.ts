/**
 * The paced generator (load/paced-child.ts) against a real HTTP server: it sends exactly
 * rate × duration requests spread over the run (an open loop), where autocannon's per-second
 * quota sends a second's requests back to back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoad } from './autocannon';

let server: http.Server;
let base: string;
const arrivals: number[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: req.url?.split('/').pop() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

test('paced: rate × duration requests, spread over the run, each answer checked', async () => {
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
  expect(arrivals).toHaveLength(80);
  expect(result.errors + result.non2xx + result.mismatches).toBe(0);
  // Spread over the two seconds, not sent in bursts at the start of each (generous bounds: a
  // loaded machine makes timers late, not early).
  const span = arrivals[arrivals.length - 1]! - arrivals[0]!;
  expect(span).toBeGreaterThan(1_500);
  const firstHalfSecond = arrivals.filter((t) => t - arrivals[0]! < 500).length;
  expect(firstHalfSecond).toBeLessThan(40);
});
