/**
 * In-flight deduplication (gateway/dedup.ts) in the data source, against real HTTP subgraphs
 * that count what reached them: identical queries at once share one request and each caller
 * gets its own copy; different queries and mutations are never shared; it can be turned off;
 * a shared failure is each caller's to retry; a query after a settled write never joins one sent before it.
 */
import { dataSource, healthCheckKind, MUTATION, QUERY, rejection, useDataSources } from '../tests/harness/data-source';
import { eventually } from '../tests/harness/eventually';
import { data, delayed, firstN, startFakeServer as startSubgraph, status } from '../tests/harness/fake-http';
import { WriteFence } from './dedup';

useDataSources();

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

  describe('read-your-writes: a query after a settled write is sent anew, not joined to one sent before it', () => {
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

    test('in every data source of the gateway (one fence shared)', async () => {
      const fence = new WriteFence();
      const image = await startSubgraph(firstN(1, delayed(400, data(OLD)), data(NEW)));
      const account = await startSubgraph(data({ ok: true }));
      const imageSource = dataSource(image.url, { attempts: 1 }, 'image', fence);
      const accountSource = dataSource(account.url, { attempts: 1 }, 'account', fence);
      const before = imageSource.process(healthCheckKind(QUERY));
      await eventually(() => image.requests === 1, { what: 'the first query to reach the image subgraph' });
      await accountSource.process(healthCheckKind(MUTATION));
      expect((await imageSource.process(healthCheckKind(QUERY))).data).toEqual(NEW);
      expect(image.requests).toBe(2);
      await before;
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

    test('queries between writes still share one request', async () => {
      const sub = await startSubgraph(delayed(100, data(NEW)));
      const ds = dataSource(sub.url, { attempts: 1 });
      await ds.process(healthCheckKind(MUTATION));
      await Promise.all(Array.from({ length: 5 }, () => ds.process(healthCheckKind(QUERY))));
      expect(sub.requests).toBe(2);
    });
  });
});
