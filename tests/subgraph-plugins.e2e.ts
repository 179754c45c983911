/**
 * A plugin added to a subgraph runs for every request, whichever path answers it
 * (platform/plugins.ts, subgraphs/kit/lean-route.ts): the data subgraph in this process, with a
 * counting plugin, gets the same query again and again (the first through Apollo Server, the
 * next on the lean path), a failing query (handed from the lean path to Apollo Server), and the
 * same again with a plugin that says nothing about the lean path (which then turns it off).
 */
import { createLogger } from '../platform/logger';
import type { ServerPlugin } from '../platform/plugins';
import { dataSubgraph } from '../subgraphs/data';
import { startSubgraph, type RunningSubgraph, type SubgraphContext } from '../subgraphs/kit/subgraph';
import { testDatabaseUrls } from './harness/db';

type Ctx = SubgraphContext<unknown, unknown>;

/** Counts the requests it saw answered, on each path. */
function countingPlugin(withLean: boolean) {
  const seen = { apollo: 0, lean: 0 };
  const plugin: ServerPlugin<Ctx> = {
    name: 'counting',
    apollo: {
      async requestDidStart() {
        return {
          async willSendResponse() {
            seen.apollo++;
          },
        };
      },
    },
    ...(withLean ? { lean: { requestDidStart: () => ({ willSendResponse: () => void seen.lean++ }) } } : {}),
  };
  return { plugin, seen };
}

const EVENTS = JSON.stringify({
  query: 'query Events($r: [_Any!]!) { _entities(representations: $r) { ... on Account { eventCount } } }',
  variables: { r: [{ __typename: 'Account', id: 'plugin-test-none' }] },
});
/** Valid, known after its first request, and failing every time (a representation without its key). */
const FAILING = JSON.stringify({
  query: 'query Broken($r: [_Any!]!) { _entities(representations: $r) { ... on Account { eventCount } } }',
  variables: { r: [{ __typename: 'Account' }] },
});

async function post(subgraph: RunningSubgraph, body: string) {
  const res = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
}

async function withSubgraph(plugin: ServerPlugin<Ctx>, run: (s: RunningSubgraph) => Promise<void>) {
  const subgraph = await startSubgraph(dataSubgraph(testDatabaseUrls().data, 2), {
    host: '127.0.0.1',
    port: 0,
    instanceName: 'plugins',
    retry: { maxAttempts: 2 },
    log: createLogger('test', 'silent'),
    plugins: [plugin],
  });
  try {
    await run(subgraph);
  } finally {
    await subgraph.stop();
  }
}

test('a plugin that declares its lean hooks sees every request, on both paths, once each', async () => {
  const { plugin, seen } = countingPlugin(true);
  await withSubgraph(plugin, async (subgraph) => {
    for (let i = 0; i < 5; i++) expect((await post(subgraph, EVENTS)).body.errors).toBeUndefined();
    expect(subgraph.executionPaths!.lean).toBe(4); // the first request made the document known
    expect(seen).toEqual({ apollo: 1, lean: 4 });

    for (let i = 0; i < 3; i++) expect((await post(subgraph, FAILING)).body.errors).toHaveLength(1);
    // A failing result is never answered on the lean path: Apollo Server answers it, and the
    // plugin sees each request once, there.
    expect(subgraph.executionPaths!.lean).toBe(4);
    expect(seen).toEqual({ apollo: 4, lean: 4 });
  });
});

test('a plugin that does not say what it needs on the lean path keeps every request on Apollo Server', async () => {
  const { plugin, seen } = countingPlugin(false);
  await withSubgraph(plugin, async (subgraph) => {
    for (let i = 0; i < 5; i++) expect((await post(subgraph, EVENTS)).body.errors).toBeUndefined();
    expect(subgraph.executionPaths!.lean).toBe(0);
    expect(seen).toEqual({ apollo: 5, lean: 0 });
  });
});
