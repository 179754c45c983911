/**
 * platform/metrics.ts: a Metrics is a registry of its own (two in one process never share a
 * series), pools are reported until untracked, label sets stay bounded per registry, and
 * Node's process metrics come only where a process's main asks for them.
 */
import { Metrics } from './metrics';

/** The value of one sample line, or undefined when the series does not exist. */
async function sample(metrics: Metrics, name: string, labels: Record<string, string> = {}) {
  const line = (await metrics.registry.metrics())
    .split('\n')
    .find(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('two Metrics in one process keep separate series', async () => {
  const a = new Metrics();
  const b = new Metrics();
  a.httpRequests.startTimer({ method: 'GET' })({ status: '200' });
  a.httpRequests.startTimer({ method: 'GET' })({ status: '200' });
  b.httpRequests.startTimer({ method: 'POST' })({ status: '201' });
  expect(await sample(a, 'http_request_duration_seconds_count', { method: 'GET', status: '200' })).toBe(2);
  expect(await sample(a, 'http_request_duration_seconds_count', { method: 'POST' })).toBeUndefined();
  expect(await sample(b, 'http_request_duration_seconds_count', { method: 'POST', status: '201' })).toBe(1);
  expect(await sample(b, 'http_request_duration_seconds_count', { method: 'GET' })).toBeUndefined();
});

test('a pool is reported until untracked, in its own registry only', async () => {
  const a = new Metrics();
  const b = new Metrics();
  const untrack = a.trackPool({ totalCount: 3, idleCount: 2, waitingCount: 1 }, 'account');
  expect(await sample(a, 'db_pool_connections', { database: 'account', state: 'total' })).toBe(3);
  expect(await sample(a, 'db_pool_connections', { database: 'account', state: 'idle' })).toBe(2);
  expect(await sample(a, 'db_pool_connections', { database: 'account', state: 'waiting' })).toBe(1);
  expect(await sample(b, 'db_pool_connections', { database: 'account' })).toBeUndefined();
  untrack();
  expect(await sample(a, 'db_pool_connections', { database: 'account' })).toBeUndefined();
});

test('operation names are bounded per registry: 100 names, then "other"', async () => {
  const run = async (metrics: Metrics, operationName: string) => {
    const hooks = await metrics.operationPlugin('svc').requestDidStart!({} as never);
    await hooks!.willSendResponse!({ operationName, errors: undefined } as never);
  };
  const a = new Metrics();
  for (let i = 0; i < 101; i++) await run(a, `Op${i}`);
  expect(await sample(a, 'graphql_operation_duration_seconds_count', { operation: 'Op99' })).toBe(1);
  expect(await sample(a, 'graphql_operation_duration_seconds_count', { operation: 'Op100' })).toBeUndefined();
  expect(await sample(a, 'graphql_operation_duration_seconds_count', { operation: 'other' })).toBe(1);
  // Another registry starts with its own 100.
  const b = new Metrics();
  await run(b, 'Op100');
  expect(await sample(b, 'graphql_operation_duration_seconds_count', { operation: 'Op100' })).toBe(1);
});

test("Node's process metrics only when asked for (a process's main)", async () => {
  expect(await new Metrics().registry.getMetricsAsJSON()).not.toContainEqual(
    expect.objectContaining({ name: 'process_cpu_user_seconds_total' }),
  );
  expect(await new Metrics({ processMetrics: true }).registry.getMetricsAsJSON()).toContainEqual(
    expect.objectContaining({ name: 'process_cpu_user_seconds_total' }),
  );
});
