/**
 * ResilientDataSource (gateway/resilience.ts) against real, tiny HTTP subgraphs started
 * here on 127.0.0.1 (node:http) that misbehave on purpose: 5xx answers, a 400, a socket
 * destroyed without an answer, no answer at all (timeout), a slow answer, a refused
 * connection. Each fake subgraph counts the requests it really received, so the tests
 * check what went over the wire: queries are retried on transient failures up to
 * `attempts`, a 400 is not, a mutation is never re-sent, and the per-subgraph circuit
 * breaker fails fast without touching the subgraph while open, then lets a probe through
 * after `halfOpenAfterMs`. isTransient, the classifier behind all of it, is tested as a unit.
 */
import { GraphQLDataSourceRequestKind, type GraphQLDataSourceProcessOptions } from '@apollo/gateway/dist/datasources/types';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { BrokenCircuitError, CircuitState } from 'cockatiel';
import { GraphQLError } from 'graphql';
import { freePort } from '../deploy/local/scratch';
import { ErrorCode } from '../platform/errors';
import { HttpClient } from '../platform/http-client';
import { createLogger } from '../platform/logger';
import { closeFakeServers, data, delayed, firstN, hang, reset, startFakeServer as startSubgraph, status } from '../tests/harness/fake-http';
import { ResilientDataSource, isTransient, type ResilienceOptions } from './resilience';

const log = createLogger('test', 'silent');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const clients: HttpClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await closeFakeServers();
});

// ---------------------------------------------------------------------------------------
// Calling the data source the way @apollo/gateway does

const defaults: ResilienceOptions = { timeoutMs: 2_000, mutationTimeoutMs: 2_000, attempts: 3, breakerThreshold: 100, halfOpenAfterMs: 10_000 };
/** A data source on its own client, as the gateway builds them (the client holds the timeout). */
function dataSource(url: string, opts: Partial<ResilienceOptions> = {}, name = 'account'): ResilientDataSource {
  const options = { ...defaults, ...opts };
  const queries = new HttpClient({ timeoutMs: options.timeoutMs });
  const mutations = new HttpClient({ timeoutMs: options.mutationTimeoutMs });
  clients.push(queries, mutations);
  return new ResilientDataSource(name, url, options, log, { queries, mutations });
}

const QUERY = 'query Q__account__0{account(id:"1"){id}}';
const MUTATION = 'mutation { x }';

/** A request outside any incoming operation, as the gateway's health check sends it. */
const healthCheckKind = (query: string): GraphQLDataSourceProcessOptions => ({
  kind: GraphQLDataSourceRequestKind.HEALTH_CHECK,
  request: { query },
  context: {},
});

/** A fetch of a query plan, as executeQueryPlan sends it (a fresh object each call: process() mutates request.http). */
const incomingOperation = (query: string, operationName?: string): GraphQLDataSourceProcessOptions => {
  const incomingRequestContext = { context: {}, request: {} } as unknown as GatewayGraphQLRequestContext;
  return {
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query, variables: {}, operationName },
    incomingRequestContext,
    context: incomingRequestContext.context,
  };
};

async function rejection(p: Promise<unknown>): Promise<GraphQLError> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    return err as GraphQLError;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

function expectUnavailable(err: GraphQLError, serviceName = 'account') {
  expect(err.extensions).toEqual(expect.objectContaining({ code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName }));
  expect(err.message).toContain(`subgraph ${serviceName} is unavailable`);
}

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

  test.each([500, 502, 503])('always %i: gives up after `attempts` requests with SUBGRAPH_UNAVAILABLE', async (code) => {
    const sub = await startSubgraph(status(code));
    const err = await rejection(dataSource(sub.url, { attempts: 3 }).process(healthCheckKind(QUERY)));
    expectUnavailable(err);
    expect(err.message).toContain(String(code));
    expect(sub.requests).toBe(3);
  });

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

function expectOutcomeUnknown(err: GraphQLError, serviceName = 'account') {
  expect(err.extensions).toEqual(expect.objectContaining({ code: ErrorCode.OUTCOME_UNKNOWN, serviceName }));
  expect(err.message).toMatch(/may or may not have been applied: retry with the same Idempotency-Key/);
}

describe('mutations are never re-sent, and a sent one that got no answer has an unknown outcome', () => {
  test('a mutation answered 503 is sent exactly once, even with attempts=3: outcome unknown', async () => {
    const sub = await startSubgraph(status(503));
    const err = await rejection(dataSource(sub.url, { attempts: 3 }).process(healthCheckKind(MUTATION)));
    expectOutcomeUnknown(err);
    expect(err.message).toContain('503');
    expect(sub.requests).toBe(1);
    expect(sub.bodies[0]?.query).toBe(MUTATION);
  });

  test('a connection reset on a mutation is not retried either: outcome unknown', async () => {
    const sub = await startSubgraph(reset);
    const err = await rejection(dataSource(sub.url, { attempts: 3 }).process(healthCheckKind(MUTATION)));
    expectOutcomeUnknown(err);
    expect(sub.requests).toBe(1);
  });

  test('a mutation fetch as the query planner prints it (named, no whitespace) that times out is sent once: outcome unknown', async () => {
    const sub = await startSubgraph(hang);
    const op = 'mutation Transfer__account__0($amount:Int!){transfer(amount:$amount){id}}';
    const err = await rejection(dataSource(sub.url, { attempts: 3, timeoutMs: 150, mutationTimeoutMs: 150 }).process(incomingOperation(op, 'Transfer__account__0')));
    expectOutcomeUnknown(err);
    expect(sub.requests).toBe(1);
  });

  test('a refused connection: the write was not sent, and the answer says so (SUBGRAPH_UNAVAILABLE)', async () => {
    const port = await freePort();
    const err = await rejection(dataSource(`http://127.0.0.1:${port}/graphql`, { attempts: 3 }).process(healthCheckKind(MUTATION)));
    expectUnavailable(err);
    expect(err.message).toContain('the write was not sent, nothing was written');
  });

  // undici's connection timers tick coarsely (about a second), hence the wide margins.
  test('mutations get their own, longer deadline: a 2.5 s write succeeds where a 2.5 s read times out', async () => {
    const sub = await startSubgraph(delayed(2_500, data({ ok: true })));
    const ds = dataSource(sub.url, { attempts: 1, timeoutMs: 1_000, mutationTimeoutMs: 10_000 });
    expect((await ds.process(healthCheckKind(MUTATION))).data).toEqual({ ok: true });
    expectUnavailable(await rejection(ds.process(healthCheckKind(QUERY))));
  });

  test('timed-out mutations do not open the circuit that reads depend on', async () => {
    // Mutations never get an answer; queries get one at once.
    const sub = await startSubgraph((req, res, n) => {
      if (!sub.bodies[n - 1]?.query?.startsWith('mutation')) data({ account: { id: '1' } })(req, res, n);
    });
    const ds = dataSource(sub.url, { attempts: 1, breakerThreshold: 1, timeoutMs: 2_000, mutationTimeoutMs: 100 });
    for (let i = 0; i < 3; i++) expectOutcomeUnknown(await rejection(ds.process(healthCheckKind(MUTATION))));
    expect(ds.breaker.state).toBe(CircuitState.Closed);
    expect((await ds.process(healthCheckKind(QUERY))).data).toEqual({ account: { id: '1' } });
  });

  test('an open circuit refuses a mutation before sending it: nothing reaches the subgraph', async () => {
    const sub = await startSubgraph(status(503));
    const ds = dataSource(sub.url, { attempts: 1, breakerThreshold: 1, halfOpenAfterMs: 60_000 });
    expectUnavailable(await rejection(ds.process(healthCheckKind(QUERY))));
    expect(ds.breaker.state).toBe(CircuitState.Open);
    const err = await rejection(ds.process(healthCheckKind(MUTATION)));
    expectUnavailable(err);
    expect(err.message).toContain('the write was not sent');
    expect(sub.requests).toBe(1);
  });

  test("the client's Idempotency-Key goes with the mutation, not with queries; the internal write marker never leaves", async () => {
    const sub = await startSubgraph(data({ ok: true }));
    const ds = dataSource(sub.url, { attempts: 1 });
    const withKey = (query: string): GraphQLDataSourceProcessOptions => ({ ...healthCheckKind(query), context: { idempotencyKey: 'key-123' } });
    await ds.process(withKey(MUTATION));
    await ds.process(withKey(QUERY));
    expect(sub.headers[0]?.['idempotency-key']).toBe('key-123');
    expect(sub.headers[1]?.['idempotency-key']).toBeUndefined();
    expect(sub.headers.every((h) => h['x-gateway-write'] === undefined)).toBe(true);
  });

  test('control: the same reset on a query with attempts=3 does reach the subgraph 3 times', async () => {
    const sub = await startSubgraph(reset);
    expectUnavailable(await rejection(dataSource(sub.url, { attempts: 3 }).process(healthCheckKind(`  ${QUERY}`))));
    expect(sub.requests).toBe(3);
  });
});

describe('unreachable and silent subgraphs', () => {
  test('connection refused: SUBGRAPH_UNAVAILABLE naming the subgraph', async () => {
    const port = await freePort();
    const err = await rejection(dataSource(`http://127.0.0.1:${port}/graphql`, { attempts: 2 }, 'image').process(healthCheckKind(QUERY)));
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
  const httpError = (code: number, message = `${code}: whatever`) => new GraphQLError(message, { extensions: { response: { status: code } } });

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
    clients.push(client);
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

describe('in-flight deduplication of identical queries', () => {
  const QUERY_B = 'query Q__account__0{account(id:"2"){id}}';

  test('10 identical queries at once: one request reaches the subgraph, each caller gets its own copy of the answer', async () => {
    const sub = await startSubgraph(delayed(100, data({ account: { id: '1' } })));
    const ds = dataSource(sub.url, { attempts: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => ds.process(healthCheckKind(QUERY))));
    expect(sub.requests).toBe(1);
    expect(answers.map((a) => a.data)).toEqual(answers.map(() => ({ account: { id: '1' } })));
    expect(answers[0]!.data).not.toBe(answers[1]!.data);
    expect(ds.inFlight?.size).toBe(0);
    // Nothing is cached: the next one is sent again.
    await ds.process(healthCheckKind(QUERY));
    expect(sub.requests).toBe(2);
  });

  test('different queries are not shared; identical mutations are each sent', async () => {
    const sub = await startSubgraph(delayed(50, data({ ok: true })));
    const ds = dataSource(sub.url, { attempts: 1 });
    await Promise.all([ds.process(healthCheckKind(QUERY)), ds.process(healthCheckKind(QUERY_B))]);
    expect(sub.requests).toBe(2);
    await Promise.all([ds.process(healthCheckKind(MUTATION)), ds.process(healthCheckKind(MUTATION))]);
    expect(sub.requests).toBe(4);
  });

  test('SUBGRAPH_DEDUP=false: every query is sent', async () => {
    const sub = await startSubgraph(delayed(50, data({ ok: true })));
    const ds = dataSource(sub.url, { attempts: 1, dedup: false });
    await Promise.all(Array.from({ length: 5 }, () => ds.process(healthCheckKind(QUERY))));
    expect(sub.requests).toBe(5);
  });

  test('a shared failure is each caller’s to retry', async () => {
    const sub = await startSubgraph(firstN(1, delayed(50, status(503)), data({ ok: true })));
    const ds = dataSource(sub.url, { attempts: 2 });
    const answers = await Promise.all(Array.from({ length: 3 }, () => ds.process(healthCheckKind(QUERY))));
    expect(answers.map((a) => a.data)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    // One shared 503, then each caller's own retry (jittered backoff: those that coincide are shared).
    expect(sub.requests).toBeGreaterThanOrEqual(2);
    expect(sub.requests).toBeLessThanOrEqual(4);
  });
});
