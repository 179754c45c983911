/**
 * In-flight deduplication (gateway/dedup.ts) in the data source, against real HTTP subgraphs
 * that count what reached them: identical queries at once share one request and each caller
 * gets its own copy; different queries and mutations are never shared; it can be turned off;
 * a shared failure is each caller's to retry.
 */
import { dataSource, healthCheckKind, MUTATION, QUERY, useDataSources } from '../tests/harness/data-source';
import { data, delayed, firstN, startFakeServer as startSubgraph, status } from '../tests/harness/fake-http';

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
});
