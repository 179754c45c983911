/**
 * Query coalescing at the gateway (gateway/coalesce.ts) on the real subgraphs: an in-process
 * gateway whose account subgraph sits behind a proxy that holds the answers to queries (not
 * to mutations), so that a query stays in flight while others arrive. Identical queries at
 * once share what starts after they arrived: the first executes at once, the others gather
 * into one execution, and each gets the same answer; different variables are not shared;
 * a query asked after a rename was acknowledged never gets the answer of an execution started
 * before it (read-your-writes); a failure is everyone's answer at once; GATEWAY_COALESCE=false
 * executes each.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { Metrics } from '../platform/metrics';
import { gatewayOptionsFrom, startGateway, type RunningGateway } from '../gateway/server';
import { eventually } from './harness/eventually';
import { removeFixtures, seedAccounts, uniquePrefix, type SeededAccount } from './harness/fixtures';
import { postGraphQL, startStack, type Stack } from './harness/stack';

const P = uniquePrefix('coal');
const HOLD_MS = 600;
/** How long the proxy holds a query's answer now. */
let holdMs = HOLD_MS;
const QUERY = 'query A($id: ID!) { account(id: $id) { id name imageData { url } } }';
type Answer = { account: { id: string; name: string } };
const RENAME = 'mutation R($id: ID!, $name: String!) { renameAccount(id: $id, name: $name) { id name } }';

let stack: Stack;
let seeded: SeededAccount[];
let proxy: http.Server;
/** Requests the proxy forwarded to the account subgraph: queries and mutations. */
const forwarded = { queries: 0, mutations: 0 };
const gateways: RunningGateway[] = [];

/** Forwards to the account subgraph at once; holds the answer of a query for HOLD_MS. */
async function startProxy(target: string): Promise<string> {
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const mutation = /"query":"\s*mutation/.test(body);
      if (mutation) forwarded.mutations++;
      else forwarded.queries++;
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      void fetch(target, { method: 'POST', headers, body }).then(async (answer) => {
        const text = await answer.text();
        setTimeout(
          () => {
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(text);
          },
          mutation ? 0 : holdMs,
        );
      });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
}

async function gatewayWith(env: Record<string, string>): Promise<{ url: string; metrics: Metrics }> {
  const config = loadConfig({ ...process.env, OUTBOX_RELAY: 'false', ...env });
  const metrics = new Metrics();
  const gateway = await startGateway({
    ...gatewayOptionsFrom(config, createLogger('test', 'silent')),
    host: '127.0.0.1',
    port: 0,
    subgraphUrls: { ...config.subgraphUrls, ...subgraphUrls() },
    composeAtStart: true,
    metrics,
  });
  gateways.push(gateway);
  return { url: gateway.url, metrics };
}

let accountUrl: string;
const subgraphUrls = () => ({
  account: accountUrl,
  data: stack.subgraphs.data.url,
  image: stack.subgraphs.image.url,
});

const coalesced = async (metrics: Metrics) =>
  (await metrics.registry.getSingleMetric('gateway_queries_coalesced_total')!.get()).values[0]?.value ?? 0;

beforeAll(async () => {
  stack = await startStack({ relay: false });
  accountUrl = await startProxy(stack.subgraphs.account.url);
  seeded = await seedAccounts(P, 2);
});

afterAll(async () => {
  for (const g of gateways) await g.stop();
  await new Promise((resolve) => proxy?.close(resolve));
  await stack?.stop();
  await removeFixtures(P);
});

beforeEach(() => {
  holdMs = HOLD_MS;
  forwarded.queries = 0;
  forwarded.mutations = 0;
});

test('identical queries at once: the first executes, the others gather into one execution; every caller the same answer', async () => {
  // A window long enough that all 20 reach the gateway within it, on a shared machine.
  const { url, metrics } = await gatewayWith({ GATEWAY_GATHER_WINDOW_MS: '1000' });
  // The hot-document measure (docs/replicas.md): 20 identical queries at once, 2 subgraph requests.
  const id = seeded[0]!.account.id;
  const answers = await Promise.all(Array.from({ length: 20 }, () => postGraphQL<Answer>(url, QUERY, { id })));
  expect(answers.map((a) => a.errors)).toEqual(answers.map(() => undefined));
  expect(answers.map((a) => a.data)).toEqual(answers.map(() => ({ account: expect.objectContaining({ id }) })));
  expect(new Set(answers.map((a) => JSON.stringify(a.data))).size).toBe(1);
  expect(forwarded.queries).toBe(2);
  expect(await coalesced(metrics)).toBe(18);
});

test('different variables are executed each', async () => {
  const { url } = await gatewayWith({});
  const [a, b] = await Promise.all(seeded.map((s) => postGraphQL<Answer>(url, QUERY, { id: s.account.id })));
  expect(a!.data!.account.id).toBe(seeded[0]!.account.id);
  expect(b!.data!.account.id).toBe(seeded[1]!.account.id);
  expect(forwarded.queries).toBe(2);
});

test('read-your-writes: after a rename is acknowledged, the same query shows the new name', async () => {
  const { url } = await gatewayWith({});
  const id = seeded[1]!.account.id;
  const old = seeded[1]!.account.name;
  const before = postGraphQL<Answer>(url, QUERY, { id }); // answered HOLD_MS later, with the old name
  await eventually(() => forwarded.queries === 1, { what: 'the first query to reach the account subgraph' });
  const renamed = await postGraphQL<{ renameAccount: Answer['account'] }>(url, RENAME, { id, name: `${P}renamed` });
  expect(renamed.errors).toBeUndefined();
  const after = await postGraphQL<Answer>(url, QUERY, { id });
  expect(after.data!.account.name).toBe(`${P}renamed`);
  expect((await before).data!.account.name).toBe(old);
  expect(forwarded.queries).toBe(2);
});

test('a failure is everyone’s answer at once: the gathered queries are not executed again', async () => {
  // The proxy holds answers far longer than the deadline (undici checks some deadlines on a
  // coarse clock, up to a second late): every account request times out.
  holdMs = 3_000;
  const { url } = await gatewayWith({
    GATEWAY_GATHER_WINDOW_MS: '1000',
    SUBGRAPH_TIMEOUT_MS: '300',
    SUBGRAPH_ATTEMPTS: '1',
  });
  const id = seeded[0]!.account.id;
  const answers = await Promise.all(Array.from({ length: 6 }, () => postGraphQL<Answer>(url, QUERY, { id })));
  expect(answers.map((a) => a.errors?.[0]?.extensions?.code)).toEqual(answers.map(() => 'SUBGRAPH_UNAVAILABLE'));
  expect(forwarded.queries).toBe(2); // the first execution and the gathered one; nobody started over
});

test('GATEWAY_COALESCE=false: each query is executed', async () => {
  const { url, metrics } = await gatewayWith({ GATEWAY_COALESCE: 'false', SUBGRAPH_DEDUP: 'false' });
  const id = seeded[0]!.account.id;
  await Promise.all(Array.from({ length: 3 }, () => postGraphQL<Answer>(url, QUERY, { id })));
  expect(forwarded.queries).toBe(3);
  expect(await coalesced(metrics)).toBe(0);
});
