/**
 * /metrics on every process: HTTP requests, GraphQL operations by service and name, errors
 * by code, the gateway's per-subgraph latencies and the subgraphs' database pools. The
 * servers of this in-process stack share one process but not their metrics: each serves
 * its own registry, as separate processes do.
 */
import { testDatabaseUrls, withClient } from './harness/db';
import { startStack, type Stack } from './harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ relay: false });
});
afterAll(async () => {
  await stack?.stop();
  await withClient(testDatabaseUrls().account, async (c) => {
    await c.query(`DELETE FROM outbox WHERE account_id IN (SELECT id FROM accounts WHERE name = 'Metrics Probe')`);
    await c.query(`DELETE FROM accounts WHERE name = 'Metrics Probe'`);
  });
});

const scrape = async (url: string) => {
  const res = await fetch(new URL('/metrics', url));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
};

/** The value of one sample line, or undefined when the series does not exist. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('an operation through the gateway shows up in the metrics of the gateway and of the subgraphs', async () => {
  // At least one account, so that the page needs the data and image subgraphs too.
  expect((await stack.query('mutation { createAccount(name: "Metrics Probe") { id } }')).errors).toBeUndefined();
  const before = await scrape(stack.gateway.url);
  const count = (text: string) =>
    sample(text, 'graphql_operation_duration_seconds_count', {
      service: 'gateway',
      operation: 'MetricsProbe',
      outcome: 'ok',
    }) ?? 0;
  const res = await stack.query(
    'query MetricsProbe { accounts(first: 2) { edges { node { id eventCount imageData { url } } } } }',
  );
  expect(res.errors).toBeUndefined();
  const after = await scrape(stack.gateway.url);
  expect(count(after)).toBe(count(before) + 1);
  for (const subgraph of ['account', 'data', 'image']) {
    expect(
      sample(after, 'gateway_subgraph_request_duration_seconds_count', { subgraph, outcome: 'ok' }),
    ).toBeGreaterThan(0);
  }
  expect(sample(after, 'http_request_duration_seconds_count', { method: 'POST', status: '200' })).toBeGreaterThan(0);
  // Each subgraph's own /metrics: its operations and its database pool.
  const account = await scrape(stack.subgraphs.account.url);
  expect(sample(account, 'graphql_operation_duration_seconds_count', { service: 'account' })).toBeGreaterThan(0);
  for (const database of ['account', 'data', 'image'] as const) {
    const text = await scrape(stack.subgraphs[database].url);
    expect(sample(text, 'db_pool_connections', { database, state: 'total' })).toBeGreaterThan(0);
  }
});

test("each server's /metrics holds its own series only, never another server's of the same process", async () => {
  expect(
    (await stack.query('query MetricsOwn { accounts(first: 1) { edges { node { id eventCount } } } }')).errors,
  ).toBeUndefined();
  const gateway = await scrape(stack.gateway.url);
  const account = await scrape(stack.subgraphs.account.url);
  const data = await scrape(stack.subgraphs.data.url);
  expect(sample(gateway, 'graphql_operation_duration_seconds_count', { service: 'gateway' })).toBeGreaterThan(0);
  expect(sample(gateway, 'graphql_operation_duration_seconds_count', { service: 'account' })).toBeUndefined();
  expect(sample(gateway, 'db_pool_connections', { database: 'account' })).toBeUndefined();
  expect(sample(account, 'graphql_operation_duration_seconds_count', { service: 'account' })).toBeGreaterThan(0);
  expect(sample(account, 'graphql_operation_duration_seconds_count', { service: 'gateway' })).toBeUndefined();
  expect(account).not.toMatch(/^gateway_subgraph_request_duration_seconds/m);
  expect(sample(data, 'db_pool_connections', { database: 'data', state: 'total' })).toBeGreaterThan(0);
  expect(sample(data, 'db_pool_connections', { database: 'account' })).toBeUndefined();
});

test('errors are counted by their extensions.code', async () => {
  const code = 'NOT_FOUND';
  const count = async () =>
    sample(await scrape(stack.gateway.url), 'graphql_errors_total', { service: 'gateway', code }) ?? 0;
  const before = await count();
  const res = await stack.query('mutation { renameAccount(id: "no-such-account-metrics", name: "x") { id } }');
  expect(res.errors?.[0]?.extensions?.code).toBe(code);
  expect(await count()).toBe(before + 1);
});

test('operation names from clients do not grow the label sets: 300 distinct names → at most 100 series, the rest "other"', async () => {
  for (let i = 0; i < 300; i++) {
    expect((await stack.query(`query Distinct${i} { __typename }`)).errors).toBeUndefined();
  }
  const text = await scrape(stack.gateway.url);
  const names = new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('graphql_operation_duration_seconds_count{') && l.includes('service="gateway"'))
      .map((l) => /operation="([^"]*)"/.exec(l)![1]),
  );
  expect(names.size).toBeLessThanOrEqual(102); // 100 names, 'other', 'anonymous'
  expect(names.has('other')).toBe(true);
  expect(
    sample(text, 'graphql_operation_duration_seconds_count', { service: 'gateway', operation: 'other', outcome: 'ok' }),
  ).toBeGreaterThanOrEqual(200);
});
