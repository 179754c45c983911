/**
 * Writes through the data source (gateway/resilience.ts, writes.ts) against real, misbehaving
 * HTTP subgraphs: a mutation is sent once; one that was sent and got no answer (503, reset,
 * timeout) is OUTCOME_UNKNOWN, one that was never sent (refused, circuit open) says so;
 * mutations have their own, longer deadline and never open the circuit reads depend on; the
 * client's Idempotency-Key travels with the mutation only.
 */
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CircuitState } from 'cockatiel';
import { freePort } from '../prisma/tools/local/scratch';
import {
  dataSource,
  expectOutcomeUnknown,
  expectUnavailable,
  healthCheckKind,
  incomingOperation,
  MUTATION,
  QUERY,
  rejection,
  useDataSources,
} from '../tests/harness/data-source';
import { data, delayed, hang, reset, startFakeServer as startSubgraph, status } from '../tests/harness/fake-http';

useDataSources();

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
    const err = await rejection(
      dataSource(sub.url, { attempts: 3, timeoutMs: 150, mutationTimeoutMs: 150 }).process(
        incomingOperation(op, 'Transfer__account__0'),
      ),
    );
    expectOutcomeUnknown(err);
    expect(sub.requests).toBe(1);
  });

  test('a refused connection: the write was not sent, and the answer says so (SUBGRAPH_UNAVAILABLE)', async () => {
    const port = await freePort();
    const err = await rejection(
      dataSource(`http://127.0.0.1:${port}/graphql`, { attempts: 3 }).process(healthCheckKind(MUTATION)),
    );
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

  test("the client's Idempotency-Key goes with the mutation, not with queries", async () => {
    const sub = await startSubgraph(data({ ok: true }));
    const ds = dataSource(sub.url, { attempts: 1 });
    const withKey = (query: string): GraphQLDataSourceProcessOptions => ({
      ...healthCheckKind(query),
      context: { idempotencyKey: 'key-123' },
    });
    await ds.process(withKey(MUTATION));
    await ds.process(withKey(QUERY));
    expect(sub.headers[0]?.['idempotency-key']).toBe('key-123');
    expect(sub.headers[1]?.['idempotency-key']).toBeUndefined();
  });

  test('control: the same reset on a query with attempts=3 does reach the subgraph 3 times', async () => {
    const sub = await startSubgraph(reset);
    expectUnavailable(await rejection(dataSource(sub.url, { attempts: 3 }).process(healthCheckKind(`  ${QUERY}`))));
    expect(sub.requests).toBe(3);
  });
});
