/**
 * MICROBENCHMARK: CPU per subgraph-shaped POST (client and a trivial server in one process,
 * 10 concurrent requests at a time): Node's global fetch (as the gateway used it, with
 * AbortSignal.timeout), node:http on a keep-alive Agent, and platform/http-client.ts
 * (undici Pool). `npx tsx bench/micro/http-client.ts`
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../../platform/http-client';

const answer = JSON.stringify({
  data: {
    _entities: [
      { __typename: 'Account', events: [{ id: 'e1', eventName: 'CREATED', created: '2026-01-01T00:00:00.000Z' }] },
    ],
  },
});
const request = JSON.stringify({
  query: 'query($r:[_Any!]!){_entities(representations:$r){... on Account{events{id eventName created}}}}',
  variables: { r: [{ __typename: 'Account', id: '10001' }] },
});

async function measure(name: string, call: () => Promise<unknown>): Promise<void> {
  const batch = () => Promise.all(Array.from({ length: 10 }, call));
  for (let i = 0; i < 300; i++) await batch();
  const rounds = 2_000;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await batch();
  const used = process.cpuUsage(cpu);
  const perCall = (used.user + used.system) / 1000 / (rounds * 10);
  console.log(
    `${name.padEnd(34)} ${perCall.toFixed(3)} ms CPU per call (client + server)  ${((performance.now() - t0) / rounds).toFixed(2)} ms per batch of 10`,
  );
}

async function main(): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const headers = { 'content-type': 'application/json' };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const client = new HttpClient({ timeoutMs: 5_000 });

  const viaFetch = async () =>
    (await fetch(url, { method: 'POST', headers, body: request, signal: AbortSignal.timeout(5_000) })).json();
  const viaNodeHttp = () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          timeout: 5_000,
          headers: { ...headers, 'content-length': Buffer.byteLength(request) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        },
      );
      req.on('error', reject);
      req.end(request);
    });
  const viaClient = async () =>
    JSON.parse((await client.send(url, { method: 'POST', headers, body: request })).text) as unknown;

  for (let round = 0; round < 2; round++) {
    await measure('fetch + AbortSignal.timeout', viaFetch);
    await measure('node:http, keep-alive Agent', viaNodeHttp);
    await measure('HttpClient (undici Pool)', viaClient);
  }
  await client.close();
  agent.destroy();
  server.close();
}
void main();
