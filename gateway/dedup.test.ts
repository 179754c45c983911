/**
 * In-flight deduplication of subgraph queries (resilience.ts over gather.ts) in the data
 * source, against real HTTP subgraphs that count what reached them: identical queries at once
 * share what starts after they arrived (the first at once, the rest gathered into one request)
 * and each caller gets its own copy; different queries and mutations are never shared; it can
 * be turned off; the callers gathered into one call share its retries and its failure; a query
 * never joins a request sent before it arrived (read-your-writes, whichever gateway wrote).
 */
import { dataSource, healthCheckKind, MUTATION, QUERY, rejection, useDataSources } from '../tests/harness/data-source';
import { eventually } from '../tests/harness/eventually';
import { data, delayed, firstN, hang, startFakeServer as startSubgraph, status } from '../tests/harness/fake-http';

useDataSources();

describe('in-flight deduplication of identical queries', () => {
  const QUERY_B = 'query Q__account__0{account(id:"2"){id}}';

  test('10 identical queries at once: 2 requests reach the subgraph (the first, then the 9 gathered), each caller its own copy', async () => {
    const sub = await startSubgraph(delayed(100, data({ account: { id: '1' } })));
    const ds = dataSource(sub.url, { attempts: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => ds.process(healthCheckKind(QUERY))));
    expect(sub.requests).toBe(2);
    expect(answers.map((a) => a.data)).toEqual(answers.map(() => ({ account: { id: '1' } })));
    expect(answers[1]!.data).not.toBe(answers[2]!.data);
    expect(ds.inFlight?.size).toBe(0);
    // Nothing is cached: the next one is sent again.
    await ds.process(healthCheckKind(QUERY));
    expect(sub.requests).toBe(3);
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

  test('the callers gathered into one call share its retries and its failure: nobody starts over', async () => {
    const sub = await startSubgraph(hang);
    const ds = dataSource(sub.url, { attempts: 2, timeoutMs: 150 });
    const errors = await Promise.all(Array.from({ length: 5 }, () => rejection(ds.process(healthCheckKind(QUERY)))));
    expect(errors.map((e) => e.extensions.code)).toEqual(errors.map(() => 'SUBGRAPH_UNAVAILABLE'));
    // Two calls (the first, then the 4 gathered), two attempts each; not one per caller.
    expect(sub.requests).toBe(4);
  });

  test('a 5xx then an answer: the gathered callers get the answer of their call’s retry', async () => {
    const sub = await startSubgraph(firstN(2, delayed(50, status(503)), data({ ok: true })));
    const ds = dataSource(sub.url, { attempts: 2 });
    const answers = await Promise.all(Array.from({ length: 3 }, () => ds.process(healthCheckKind(QUERY))));
    expect(answers.map((a) => a.data)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(sub.requests).toBe(4);
  });

  describe('read-your-writes: a query is never joined to a request sent before it arrived', () => {
    const OLD = { account: { id: '1', name: 'old' } };
    const NEW = { account: { id: '1', name: 'new' } };

    test('in the data source that wrote', async () => {
      // The first query is slow (it read before the write); everything after answers at once.
      const sub = await startSubgraph(firstN(1, delayed(400, data(OLD)), data(NEW)));
      const ds = dataSource(sub.url, { attempts: 1 });
      const before = ds.process(healthCheckKind(QUERY));
      await eventually(() => sub.requests === 1, { what: 'the first query to reach the subgraph' });
      await ds.process(healthCheckKind(MUTATION)); // acknowledged to its client
      const after = await ds.process(healthCheckKind(QUERY));
      expect(after.data).toEqual(NEW);
      expect(sub.requests).toBe(3);
      expect((await before).data).toEqual(OLD);
    });

    test('a write this gateway never saw (another gateway replica wrote): the query is still sent anew', async () => {
      const sub = await startSubgraph(firstN(1, delayed(400, data(OLD)), data(NEW)));
      const ds = dataSource(sub.url, { attempts: 1 });
      const before = ds.process(healthCheckKind(QUERY));
      await eventually(() => sub.requests === 1, { what: 'the first query to reach the subgraph' });
      // (Here the other gateway's client is told its rename succeeded, and asks this one.)
      expect((await ds.process(healthCheckKind(QUERY))).data).toEqual(NEW);
      expect(sub.requests).toBe(2);
      expect((await before).data).toEqual(OLD);
    });

    test('a write that failed may have committed: it ends the sharing too', async () => {
      // 1: the slow query; 2: the write, answered 503 (outcome unknown); then the new data.
      const slow = delayed(400, data(OLD));
      const sub = await startSubgraph((req, res, n) =>
        (n === 1 ? slow : n === 2 ? status(503) : data(NEW))(req, res, n),
      );
      const ds = dataSource(sub.url, { attempts: 1 });
      const before = ds.process(healthCheckKind(QUERY));
      await eventually(() => sub.requests === 1, { what: 'the first query to reach the subgraph' });
      expect((await rejection(ds.process(healthCheckKind(MUTATION)))).extensions.code).toBe('OUTCOME_UNKNOWN');
      expect((await ds.process(healthCheckKind(QUERY))).data).toEqual(NEW);
      expect(sub.requests).toBe(3);
      await before;
    });

    test('queries after a write still share: the first, then the rest gathered', async () => {
      const sub = await startSubgraph(delayed(100, data(NEW)));
      const ds = dataSource(sub.url, { attempts: 1 });
      await ds.process(healthCheckKind(MUTATION));
      await Promise.all(Array.from({ length: 5 }, () => ds.process(healthCheckKind(QUERY))));
      expect(sub.requests).toBe(3);
    });
  });
});
