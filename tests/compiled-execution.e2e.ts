/**
 * Compiled execution (subgraphs/kit/compiled-executor.ts) answers exactly as graphql-js does,
 * on the documents the gateway really sends. Each context runs twice in this process, once
 * compiled and once with SUBGRAPH_COMPILED_EXECUTION off; a tee in front of each pair sends
 * every request to both and records both answers; the gateway talks to the tees. Client
 * operations with data, nulls, empty lists, null propagation and resolver errors go through
 * the gateway (which plans them into its subgraph documents: root fields, `_entities`,
 * `_service`), and a few requests go straight to the tees (bad variables, unknown entity
 * types, introspection). Every recorded pair must be equal: HTTP status and body, errors'
 * messages, codes, paths and locations included. Stack traces (development mode's
 * `extensions.stacktrace`) differ in their frames by nature and are left out of the comparison.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTEXTS, loadConfig, type ContextName } from '../platform/config';
import { testLogger } from './harness/log';
import { gatewayOptionsFrom, startGateway, type RunningGateway } from '../gateway/server';
import { ACCOUNT_SELECTION } from '../gateway/rest/legacy';
import { accountSubgraph } from '../subgraphs/account';
import { dataSubgraph } from '../subgraphs/data';
import { imageSubgraph } from '../subgraphs/image';
import { startSubgraph, type RunningSubgraph, type SubgraphOptions } from '../subgraphs/kit/subgraph';
import { testDatabaseUrls } from './harness/db';
import { insertAccounts, removeFixtures, seedAccounts, uniquePrefix, type SeededAccount } from './harness/fixtures';
import { postGraphQL } from './harness/stack';

const P = uniquePrefix('jit');
const BARE = `${P}bare`;

interface Answer {
  status: number;
  type: string | null;
  body: unknown;
}
interface Pair {
  context: ContextName;
  request: string;
  compiled: Answer;
  reference: Answer;
}

const pairs: Pair[] = [];
const subgraphs: RunningSubgraph[] = [];
const tees: http.Server[] = [];
const teeUrls = {} as Record<ContextName, string>;
const compiledOf = {} as Record<ContextName, RunningSubgraph>;
let gateway: RunningGateway;
let seeded: SeededAccount[];

/** Stack traces are development-only and name different frames on the two paths. */
const withoutStacktraces = (text: string): unknown =>
  JSON.parse(text, (key, value: unknown) => (key === 'stacktrace' ? undefined : value));

async function send(url: string, body: string): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, type: res.headers.get('content-type'), body: withoutStacktraces(await res.text()) };
}

/** Sends each request to both subgraphs of a context, records both answers, answers with the compiled one's. */
async function startTee(context: ContextName, compiled: string, reference: string): Promise<string> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      void Promise.all([send(compiled, body), send(reference, body)]).then(([c, r]) => {
        pairs.push({ context, request: body, compiled: c, reference: r });
        res.writeHead(c.status, { 'content-type': c.type ?? 'application/json' });
        res.end(JSON.stringify(c.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tees.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  const log = testLogger();
  const urls = testDatabaseUrls();
  const starters: Record<ContextName, (opts: SubgraphOptions) => Promise<RunningSubgraph>> = {
    account: (opts) => startSubgraph(accountSubgraph(urls.account, 3), opts),
    data: (opts) => startSubgraph(dataSubgraph(urls.data, 3), opts),
    image: (opts) => startSubgraph(imageSubgraph(urls.image, 3), opts),
  };
  for (const context of CONTEXTS) {
    const start = (compiledExecution: boolean) =>
      starters[context]({
        host: '127.0.0.1',
        port: 0,
        instanceName: 'test',
        retry: { maxAttempts: 6 },
        log,
        compiledExecution,
      });
    const [compiled, reference] = [await start(true), await start(false)];
    subgraphs.push(compiled, reference);
    compiledOf[context] = compiled;
    teeUrls[context] = await startTee(context, compiled.url, reference.url);
  }
  const config = loadConfig({ ...process.env, OUTBOX_RELAY: 'false' });
  gateway = await startGateway({
    ...gatewayOptionsFrom(config, log),
    host: '127.0.0.1',
    port: 0,
    subgraphUrls: teeUrls,
    composeAtStart: true,
  });
  seeded = await seedAccounts(`${P}one-`, 4);
  await insertAccounts([{ id: BARE, name: BARE, createdAt: new Date('2024-01-01T00:00:00.000Z') }]);
});

afterAll(async () => {
  await removeFixtures(P);
  await gateway?.stop();
  for (const t of tees) await new Promise((resolve) => t.close(resolve));
  for (const s of subgraphs) await s.stop();
});

/** Client operations through the gateway: what they plan into is what the subgraphs see. */
const viaGateway: [string, string, Record<string, unknown>?][] = [
  ['aggregated view', `query V($id: ID!) { account(id: $id) { ${ACCOUNT_SELECTION} eventCount } }`],
  [
    'view with arguments, aliases, fragments and __typename',
    `query W($id: ID!) { account(id: $id) { __typename ...F de: quote(language: "de") { text language }
      xx: quote(language: "xx") { text language } created: events(eventName: "CREATED") { id created } } }
     fragment F on Account { id createdAt eventCount imageData { __typename url } }`,
  ],
  ['an account with no events and no image', `query B($id: ID!) { account(id: $id) { ${ACCOUNT_SELECTION} } }`],
  ['an unknown account (null)', `query N($id: ID!) { account(id: $id) { id name events { id } } }`],
  [
    'a page across the three contexts, then the next one',
    `query Page($prefix: String, $after: String) { accounts(namePrefix: $prefix, first: 2, after: $after) {
      edges { cursor node { id name quote { text } imageData { url } events { eventName created } eventCount } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
  ],
  [
    'the hot page',
    'query HotPage { accounts(first: 50) { edges { node { id name quote { text } imageData { url } events { eventName created } } } } }',
  ],
  [
    'a resolver error on a non-null root field (null propagates to data)',
    '{ accounts(first: 500) { edges { cursor } } }',
  ],
  ['a bad cursor', '{ accounts(first: 2, after: "not a cursor") { edges { cursor } } }'],
  [
    'an error beside data',
    `query E($id: ID!) { account(id: $id) { id } accounts(first: 0) { pageInfo { hasNextPage } } }`,
  ],
];

/** Requests straight to a subgraph (its `_entities` contract, bad variables, introspection). */
const direct: [string, ContextName, () => Record<string, unknown>][] = [
  [
    '_entities: known and unknown accounts',
    'data',
    () => ({
      query:
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id events { id eventName created } eventCount } } }',
      variables: {
        r: [
          { __typename: 'Account', id: seeded[0]!.account.id },
          { __typename: 'Account', id: 'nobody' },
        ],
      },
    }),
  ],
  [
    '_entities: images, one missing',
    'image',
    () => ({
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { imageData { id url } } } }',
      variables: {
        r: [
          { __typename: 'Account', id: seeded[1]!.account.id },
          { __typename: 'Account', id: BARE },
        ],
      },
    }),
  ],
  [
    '_entities: an unknown type',
    'account',
    () => ({
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } } }',
      variables: { r: [{ __typename: 'Nope', id: '1' }] },
    }),
  ],
  [
    '_entities: a representation without __typename',
    'account',
    () => ({
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id name } } }',
      variables: { r: [{ id: seeded[0]!.account.id }] },
    }),
  ],
  ['a missing variable', 'account', () => ({ query: 'query($id: ID!) { account(id: $id) { id } }', variables: {} })],
  [
    'a variable of the wrong type',
    'account',
    () => ({ query: 'query($n: Int) { accounts(first: $n) { edges { cursor } } }', variables: { n: 'many' } }),
  ],
  ['_service', 'image', () => ({ query: '{ _service { sdl } }' })],
  ['introspection', 'account', () => ({ query: '{ __schema { queryType { name } } __type(name: "Quote") { name } }' })],
];

describe('compiled execution answers as graphql-js does', () => {
  // Twice: a subgraph's first request with a document goes through Apollo Server's pipeline,
  // the next ones through the lean path (kit/lean-route.ts); both must answer as graphql-js.
  test.each(viaGateway)('through the gateway: %s', async (_name, query) => {
    const before = pairs.length;
    const id = _name.includes('no events') ? BARE : _name.includes('unknown') ? `${P}nobody` : seeded[0]!.account.id;
    const variables = query.includes('$id') ? { id } : query.includes('$prefix') ? { prefix: `${P}one-` } : undefined;
    for (let time = 0; time < 2; time++) {
      const first = await postGraphQL(gateway.url, query, variables);
      if (query.includes('$after')) {
        const end = (first.data as { accounts: { pageInfo: { endCursor: string } } }).accounts.pageInfo.endCursor;
        await postGraphQL(gateway.url, query, { ...variables, after: end });
      }
    }
    expect(pairs.length).toBeGreaterThan(before); // the subgraphs were asked something
    for (const p of pairs.slice(before))
      expect({ request: p.request, answer: p.compiled }).toEqual({
        request: p.request,
        answer: p.reference,
      });
  });

  test.each(direct)('straight to the subgraph: %s', async (_name, context, body) => {
    const request = JSON.stringify(body());
    const [compiled, reference] = [await send(compiledOf[context].url, request), await send(teeUrls[context], request)];
    const recorded = pairs[pairs.length - 1]!;
    expect(recorded.compiled).toEqual(compiled);
    expect(recorded.compiled).toEqual(recorded.reference);
    expect(reference).toEqual(compiled);
  });

  test('the cases above include data, nulls, errors with codes and paths, and a 400', () => {
    const bodies = pairs.map((p) => JSON.stringify(p.reference.body));
    expect(bodies.some((b) => b.includes('"_entities":[') && b.includes('null'))).toBe(true);
    expect(bodies.some((b) => b.includes('"data":null') && b.includes('"BAD_USER_INPUT"'))).toBe(true);
    expect(bodies.some((b) => b.includes('"path":['))).toBe(true);
    expect(pairs.some((p) => p.reference.status === 400)).toBe(true);
  });

  test('the compiled subgraphs ran the queries compiled, and answered repeated ones on the lean path', () => {
    // (Only results without errors are answered there: subgraphs/kit/lean-route.ts.)
    for (const context of CONTEXTS) {
      expect(compiledOf[context].executionPaths?.compiled).toBeGreaterThan(0);
      expect(compiledOf[context].executionPaths?.lean).toBeGreaterThan(0);
    }
  });

  test('a known query that fails is answered by Apollo Server, exactly as the first time, not run again', async () => {
    const paths = compiledOf.account.executionPaths!;
    const request = JSON.stringify({ query: 'query Big { accounts(first: 500) { edges { cursor } } }' });
    const first = await send(compiledOf.account.url, request);
    const [lean, compiled, handedOver] = [paths.lean, paths.compiled, paths['handed-over']];
    const second = await send(compiledOf.account.url, request);
    // Run on the lean path, handed to Apollo Server with its result (platform/handover.ts).
    expect(paths['handed-over']).toBe(handedOver + 1);
    expect(paths.lean).toBe(lean);
    expect(paths.compiled).toBe(compiled);
    expect(second).toEqual(first);
    expect(JSON.stringify(second.body)).toContain('"BAD_USER_INPUT"');
  });

  test('the lean path leaves to Apollo Server what it does not take: another accept, extensions, bad variables', async () => {
    const paths = compiledOf.account.executionPaths!;
    const query = 'query One($id: ID!) { account(id: $id) { id name } }';
    const ok = JSON.stringify({ query, variables: { id: seeded[0]!.account.id } });
    await send(compiledOf.account.url, ok); // known from here on
    const lean = paths.lean;
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(compiledOf.account.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const graphqlResponse = await post(ok, { accept: 'application/graphql-response+json' });
    expect(graphqlResponse.headers.get('content-type')).toContain('application/graphql-response+json');
    expect((await post(ok, { accept: 'text/html' })).status).toBe(406);
    const wrongVariables = await post(JSON.stringify({ query, variables: { id: { not: 'an id' } } }));
    expect(wrongVariables.status).toBe(400);
    const persisted = await post(JSON.stringify({ query, variables: {}, extensions: { persistedQuery: {} } }));
    expect(persisted.status).toBe(400);
    expect(paths.lean).toBe(lean);
    expect((await post(ok)).status).toBe(200);
    expect(paths.lean).toBe(lean + 1);
  });
});
