/**
 * ResilientDataSource (gateway/resilience.ts) against real, tiny HTTP subgraphs started
 * here on 127.0.0.1 (node:http) that misbehave on purpose: 5xx answers, a 400, a socket
 * destroyed without an answer, no answer at all (timeout), a slow answer, a refused
 * connection. Each fake subgraph counts the requests it really received, so the tests
 * check what went over the wire: queries are retried on transient failures up to
 * `attempts`, a 400 is not, a mutation is never re-sent, and the per-subgraph circuit
 * breaker fails fast without touching the subgraph while open, then lets a probe through
 * after `halfOpenAfterMs`. isTransient, the classifier behind all of it, is tested as a unit.
 * Mutations: writes.test.ts; in-flight deduplication: dedup.test.ts.
 */
import { BrokenCircuitError, CircuitState } from 'cockatiel';
import { GraphQLError } from 'graphql';
import { freePort } from '../prisma/tools/local/scratch';
import { HttpClient } from '../platform/http-client';
import { ErrorCode } from '../platform/errors';
import {
  dataSource,
  expectUnavailable,
  healthCheckKind,
  incomingOperation,
  MUTATION,
  QUERY,
  rejection,
  useDataSources,
} from '../tests/harness/data-source';
import {
  data,
  delayed,
  firstN,
  hang,
  reset,
  startFakeServer as startSubgraph,
  status,
} from '../tests/harness/fake-http';
import { isTransient } from './upstream/breaker';
import type { ResilienceOptions } from './upstream/fetcher';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

useDataSources();
const afterThis: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(afterThis.splice(0).map((f) => f()));
});

// ---------------------------------------------------------------------------------------

describe('queries: retries on transient failures', () => {
  test('503 twice then 200: succeeds on the third request', async () => {
    const sub = await startSubgraph(firstN(2, status(503), data({ account: { id: '1' } })));
    const res = await dataSource(sub.url, { attempts: 3 }).process(healthCheckKind(QUERY));
    expect(res.data).toEqual({ account: { id: '1' } });
    expect(res.errors).toBeUndefined();
    expect(sub.requests).toBe(3);
    // Each retry is the same GraphQL request, really sent again.
    expect(sub.bodies.map((b) => b.query)).toEqual([QUERY, QUERY, QUERY]);
  });

  test.each([500, 502, 503])(
    'always %i: gives up after `attempts` requests with SUBGRAPH_UNAVAILABLE',
    async (code) => {
      const sub = await startSubgraph(status(code));
      const err = await rejection(dataSource(sub.url, { attempts: 3 }).process(healthCheckKind(QUERY)));
      expectUnavailable(err);
      expect(err.message).toContain(String(code));
      expect(sub.requests).toBe(3);
    },
  );

  test('attempts=1 means a single request, no retry', async () => {
    const sub = await startSubgraph(status(503));
    expectUnavailable(await rejection(dataSource(sub.url, { attempts: 1 }).process(healthCheckKind(QUERY))));
    expect(sub.requests).toBe(1);
  });

  test('a connection reset on a query is retried', async () => {
    const sub = await startSubgraph(firstN(2, reset, data({ ok: true })));
    const res = await dataSource(sub.url, { attempts: 3 }).process(incomingOperation(QUERY, 'Q__account__0'));
    expect(res.data).toEqual({ ok: true });
    expect(sub.requests).toBe(3);
  });

  test('a slow answer is cut by the timeout, and the retry that answers in time succeeds', async () => {
    const sub = await startSubgraph(firstN(1, delayed(1_500, data({ late: true })), data({ late: false })));
    const res = await dataSource(sub.url, { timeoutMs: 150, attempts: 2 }).process(healthCheckKind(QUERY));
    expect(res.data).toEqual({ late: false });
    expect(sub.requests).toBe(2);
  });
});

describe('client errors are not retried', () => {
  test('a 400 is sent once and passed through as is, not as SUBGRAPH_UNAVAILABLE', async () => {
    const body = JSON.stringify({ errors: [{ message: 'Cannot query field "nope" on type "Query".' }] });
    const sub = await startSubgraph(status(400, body, 'application/json'));
    const ds = dataSource(sub.url, { attempts: 3, breakerThreshold: 1 });
    const err = await rejection(ds.process(healthCheckKind(QUERY)));
    expect(sub.requests).toBe(1);
    expect(err.extensions.code).not.toBe(ErrorCode.SUBGRAPH_UNAVAILABLE);
    expect(err.extensions.serviceName).toBeUndefined();
    expect((err.extensions.response as { status?: number }).status).toBe(400);
    expect(err.message).toMatch(/^400/);
    // Nor does it count as a subgraph failure: with a threshold of 1 the circuit stays closed.
    expect(ds.breaker.state).toBe(CircuitState.Closed);
    await rejection(ds.process(healthCheckKind(QUERY)));
    expect(sub.requests).toBe(2);
  });
});

describe('unreachable and silent subgraphs', () => {
  test('connection refused: SUBGRAPH_UNAVAILABLE naming the subgraph', async () => {
    const port = await freePort();
    const err = await rejection(
      dataSource(`http://127.0.0.1:${port}/graphql`, { attempts: 2 }, 'image').process(healthCheckKind(QUERY)),
    );
    expectUnavailable(err, 'image');
    expect(err.message).toMatch(/^subgraph image is unavailable: /);
  });

  test('a subgraph that never answers: each attempt is a separate request cut by the timeout', async () => {
    const sub = await startSubgraph(hang);
    const err = await rejection(dataSource(sub.url, { attempts: 3, timeoutMs: 150 }).process(healthCheckKind(QUERY)));
    expectUnavailable(err);
    expect(sub.requests).toBe(3);
  });
});

describe('circuit breaker', () => {
  const opts: Partial<ResilienceOptions> = { attempts: 2, breakerThreshold: 2, halfOpenAfterMs: 300 };

  test('opens after `breakerThreshold` failed calls, fails fast while open, and closes after a successful probe', async () => {
    const sub = await startSubgraph(status(503));
    const ds = dataSource(sub.url, opts);

    // One call with its retries is one failure for the breaker.
    expectUnavailable(await rejection(ds.process(healthCheckKind(QUERY))));
    expect(sub.requests).toBe(2);
    expect(ds.breaker.state).toBe(CircuitState.Closed);
    expectUnavailable(await rejection(ds.process(healthCheckKind(QUERY))));
    expect(sub.requests).toBe(4);
    expect(ds.breaker.state).toBe(CircuitState.Open);

    // Open: fails fast, the subgraph sees nothing; mutations alike.
    for (const query of [QUERY, MUTATION]) {
      const err = await rejection(ds.process(healthCheckKind(query)));
      expectUnavailable(err);
      expect(err.message).toMatch(/circuit open/);
    }
    expect(sub.requests).toBe(4);

    // The subgraph recovers; once halfOpenAfterMs has passed the next call is the probe.
    sub.behave(data({ back: true }));
    await sleep(450);
    const probe = await ds.process(healthCheckKind(QUERY));
    expect(probe.data).toEqual({ back: true });
    expect(sub.requests).toBe(5);
    expect(ds.breaker.state).toBe(CircuitState.Closed);

    // Closed again: calls go through normally.
    await ds.process(healthCheckKind(QUERY));
    await ds.process(healthCheckKind(MUTATION));
    expect(sub.requests).toBe(7);
  });

  test('a failed probe opens the circuit again', async () => {
    const sub = await startSubgraph(status(503));
    const ds = dataSource(sub.url, opts);
    await rejection(ds.process(healthCheckKind(QUERY)));
    await rejection(ds.process(healthCheckKind(QUERY)));
    expect(ds.breaker.state).toBe(CircuitState.Open);
    expect(sub.requests).toBe(4);

    await sleep(450);
    expectUnavailable(await rejection(ds.process(healthCheckKind(QUERY))));
    expect(sub.requests).toBe(6); // the probe went through, with its retry
    expect(ds.breaker.state).toBe(CircuitState.Open);
    expect((await rejection(ds.process(healthCheckKind(QUERY)))).message).toMatch(/circuit open/);
    expect(sub.requests).toBe(6);
  });

  test('a success resets the count of consecutive failures', async () => {
    const sub = await startSubgraph(status(503));
    const ds = dataSource(sub.url, { ...opts, attempts: 1 });
    await rejection(ds.process(healthCheckKind(QUERY)));
    sub.behave(data({ ok: true }));
    await ds.process(healthCheckKind(QUERY));
    sub.behave(status(503));
    await rejection(ds.process(healthCheckKind(QUERY)));
    expect(ds.breaker.state).toBe(CircuitState.Closed);
    expect(sub.requests).toBe(3);
  });

  test('each subgraph has its own circuit', async () => {
    const down = await startSubgraph(status(503));
    const up = await startSubgraph(data({ ok: true }));
    const account = dataSource(down.url, { ...opts, attempts: 1 }, 'account');
    const image = dataSource(up.url, { ...opts, attempts: 1 }, 'image');
    await rejection(account.process(healthCheckKind(QUERY)));
    await rejection(account.process(healthCheckKind(QUERY)));
    expect(account.breaker.state).toBe(CircuitState.Open);
    expect((await image.process(healthCheckKind(QUERY))).data).toEqual({ ok: true });
    expect(image.breaker.state).toBe(CircuitState.Closed);
  });
});

describe('isTransient', () => {
  const httpError = (code: number, message = `${code}: whatever`) =>
    new GraphQLError(message, { extensions: { response: { status: code } } });

  test.each([500, 502, 503, 504])('true for a %i response', (code) => expect(isTransient(httpError(code))).toBe(true));

  test.each<[string, unknown]>([
    ['a 400 response', httpError(400)],
    ['a 401 response', httpError(401)],
    ['a 404 response', httpError(404)],
    ['a 4xx even if its message reads like a network error', httpError(400, 'fetch failed ECONNRESET')],
    ['an open circuit (BrokenCircuitError)', new BrokenCircuitError()],
    ['a GraphQL validation error', new GraphQLError('Cannot query field "nope" on type "Query".')],
    ['an invalid JSON body', new SyntaxError('Unexpected token < in JSON at position 0')],
    ['a message that only reads like a network error', new Error('connect ECONNREFUSED 127.0.0.1:4001')],
  ])('false for %s', (_, err) => expect(isTransient(err)).toBe(false));

  test('true for what the real client throws: refused, reset, timed out', async () => {
    const client = new HttpClient({ timeoutMs: 100 });
    afterThis.push(() => client.close());
    const refused = await client.send(`http://127.0.0.1:${await freePort()}/`).catch((e: unknown) => e);
    const resetting = await startSubgraph(reset);
    const wasReset = await client.send(resetting.url, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    const silent = await startSubgraph(hang);
    const timedOut = await client.send(silent.url).catch((e: unknown) => e);
    for (const err of [refused, wasReset, timedOut]) {
      expect(typeof (err as Error).message).toBe('string'); // a failure, not an answer
      expect(isTransient(err)).toBe(true);
    }
  });
});
