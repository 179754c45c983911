/**
 * The gateway's own defences, over a stack with SUBGRAPH_SECRET set: query limits (depth,
 * aliases, tokens, directives, cost), each refused with HTTP 400, its own extensions.code
 * and a message naming the limit, on a second gateway with small limits, while normal
 * operations pass the default limits; and a gateway started from a NODE_ENV=production
 * configuration: no introspection, no stack traces in any error (validation, NOT_FOUND
 * from a subgraph, a subgraph down), no playground, CSRF prevention on.
 */
import { randomBytes } from 'node:crypto';
import { EXAMPLE_TABS } from '../gateway/playground/examples';
import { gatewayOptionsFrom, startGateway, type RunningGateway } from '../gateway/server';
import { loadConfig } from '../platform/config';
import { freePort } from '../prisma/tools/local/scratch';
import { createLogger } from '../platform/logger';
import { testLogger } from './harness/log';
import { accountSubgraph } from '../subgraphs/account';
import { startSubgraph } from '../subgraphs/kit/subgraph';
import { removeFixtures, seedAccounts, uniquePrefix, type SeededAccount } from './harness/fixtures';
import { postJson, request, type Reply } from './harness/request';
import { startStack, type Stack } from './harness/stack';

const SECRET = randomBytes(32).toString('hex');
const P = uniquePrefix('secgw');
const LIMITS = {
  QUERY_MAX_DEPTH: '4',
  QUERY_MAX_ALIASES: '5',
  QUERY_MAX_TOKENS: '300',
  QUERY_MAX_DIRECTIVES: '5',
  QUERY_MAX_COST: '200',
};
const VIEW = `query View($id: ID!) { account(id: $id) {
  id name servedBy createdAt quote { text language servedBy } imageData { id url servedBy } events { id eventName created } eventCount } }`;

let stack: Stack;
let seeded: SeededAccount;
let limited: RunningGateway;
let production: RunningGateway;

/** A second gateway in front of the stack's subgraphs, configured from `env` as a real process would be. */
function gatewayFrom(env: Record<string, string>): Promise<RunningGateway> {
  const config = loadConfig({ ...process.env, SUBGRAPH_SECRET: SECRET, ...env });
  const { account, data, image } = stack.subgraphs;
  return startGateway({
    ...gatewayOptionsFrom(config, testLogger()),
    host: '127.0.0.1',
    port: 0,
    subgraphUrls: { account: account.url, data: data.url, image: image.url },
    composeAtStart: true,
  });
}

beforeAll(async () => {
  stack = await startStack({ secret: SECRET });
  [seeded] = (await seedAccounts(P, 1)) as [SeededAccount];
  limited = await gatewayFrom(LIMITS);
  production = await gatewayFrom({ NODE_ENV: 'production' });
});
afterAll(async () => {
  await Promise.all([limited?.stop(), production?.stop()]);
  await stack?.stop();
  await removeFixtures(P);
});

const gql = (url: string, query: string, variables?: Record<string, unknown>) => postJson(url, { query, variables });

describe('query limits (QUERY_MAX_DEPTH=4, ALIASES=5, TOKENS=300, DIRECTIVES=5, COST=200)', () => {
  const fields = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');

  test.each([
    ['too deep', 'QUERY_TOO_DEEP', '{ accounts { edges { node { quote { text } } } } }', /depth limit of 4 exceeded/i],
    // (Armor does not count aliases of __typename.)
    [
      'too many aliases',
      'TOO_MANY_ALIASES',
      `{ ${fields(6, (i) => `a${i}: account(id: "${i}") { id }`)} }`,
      /aliases limit of 5 exceeded/i,
    ],
    ['too many tokens', 'QUERY_TOO_LARGE', `{ ${fields(300, () => '__typename')} }`, /^Token limit of 300 exceeded/],
    [
      'too many directives',
      'TOO_MANY_DIRECTIVES',
      `{ ${fields(6, () => '__typename @skip(if: false)')} }`,
      /directives limit of 5 exceeded/i,
    ],
    [
      'too costly',
      'QUERY_TOO_COSTLY',
      '{ accounts(first: 100) { edges { node { id } } } }',
      /cost limit of 200 exceeded/i,
    ],
  ])('%s → 400 %s', async (_, code, query, message) => {
    const res = await gql(limited.url, query);
    expect(res.status).toBe(400);
    expect(res.json.data).toBeUndefined();
    expect(res.json.errors[0].extensions.code).toBe(code);
    expect(res.json.errors[0].message).toMatch(message);
    expect(res.json.errors.map((e: any) => e.extensions.code)).toEqual([code]);
  });

  test.each([
    ['depth 4', `{ accounts(namePrefix: "${P}") { edges { node { id } } } }`],
    ['5 aliases', `{ ${fields(5, (i) => `a${i}: account(id: "${i}") { id }`)} }`],
    ['5 directives', `{ ${fields(5, () => '__typename @skip(if: false)')} }`],
  ])('exactly at the limit (%s) is served', async (_, query) => {
    const res = await gql(limited.url, query);
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
  });

  test('limits are per query: the same gateway still serves the aggregated view', async () => {
    const res = await gql(limited.url, VIEW, { id: seeded.account.id });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data.account.eventCount).toBe(2);
  });

  test('a plain typo is still GRAPHQL_VALIDATION_FAILED, not a limit', async () => {
    const res = await gql(limited.url, '{ acount(id: "x") { id } }');
    expect([res.status, res.json.errors[0].extensions.code]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('the default limits', () => {
  test('are the documented ones', () => {
    expect(loadConfig({}).limits).toEqual({
      maxDepth: 10,
      maxAliases: 30,
      maxTokens: 5_000,
      maxDirectives: 50,
      maxCost: 20_000,
      hideSuggestions: false,
    });
  });

  test('let the aggregated view through', async () => {
    const res = await gql(stack.gateway.url, VIEW, { id: seeded.account.id });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(res.json.data.account).toMatchObject({
      id: seeded.account.id,
      eventCount: 2,
      imageData: { url: seeded.image.url },
    });
  });

  test.each(
    EXAMPLE_TABS.filter((t) => t.query.includes('\nquery ')).map((t) => [t.query.match(/query (\w+)/)![1]!, t.query]),
  )("let the playground's example query %s through", async (_, query) => {
    const res = await gql(stack.gateway.url, query);
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
  });

  test('let the REST shim through (GET /accounts/:id and /accountsbyname run their operations)', async () => {
    const origin = new URL(stack.gateway.url).origin;
    expect((await request(`${origin}/accounts/${encodeURIComponent(seeded.account.id)}`)).status).toBe(200);
    expect((await request(`${origin}/accountsbyname/${encodeURIComponent(P)}`)).json).toEqual([
      { Name: seeded.account.name, Count: 2 },
    ]);
  });
});

describe('a gateway from a NODE_ENV=production configuration', () => {
  /** No stack trace anywhere in the answer, whatever the error. */
  const expectNoStacktrace = (res: Reply) => {
    expect(res.text).not.toMatch(/stacktrace/i);
    expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  };

  test('introspection is refused', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Account") { fields { name } } }']) {
      const res = await gql(production.url, query);
      expect(res.status).toBe(400);
      expect(res.json.errors[0].message).toMatch(/introspection is not allowed/i);
      expectNoStacktrace(res);
    }
  });

  test('an unknown field: 400 without a stack trace, and without "Did you mean" (it describes the schema)', async () => {
    const res = await gql(production.url, '{ account(id: "x") { nme } }');
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.json.errors[0].message).toBe('Cannot query field "nme" on type "Account".');
    expect(res.text).not.toMatch(/did you mean|suggestion/i);
    expectNoStacktrace(res);
  });

  test.each([
    [
      'an unknown argument',
      '{ accounts(frist: 1) { edges { cursor } } }',
      'Unknown argument "frist" on field "Query.accounts".',
    ],
    ['an unknown type', 'query($x: Acount) { __typename }', 'Unknown type "Acount".'],
  ])('%s: no hint at the schema either', async (_, query, message) => {
    const res = await gql(production.url, query);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].message).toBe(message);
    expect(res.text).not.toMatch(/did you mean|suggestion|\?"/i);
  });

  test.each([
    [
      'a namePrefix with NUL',
      'query($v: String) { accounts(namePrefix: $v) { edges { cursor } } }',
      'Person_\u0000',
      /^namePrefix must not contain control characters \(U\+0000 at position 7\)$/,
    ],
    [
      'a cursor encoding NUL',
      'query($v: String) { accounts(after: $v) { edges { cursor } } }',
      Buffer.from('c:\u0000', 'utf8').toString('base64url'),
      /^after is not a cursor returned by this API$/,
    ],
  ])('%s: BAD_USER_INPUT naming the problem, nothing of the database in the answer', async (_, query, v, message) => {
    const res = await gql(production.url, query, { v });
    expect(res.json.data).toBeNull();
    expect(res.json.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(message),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
    expect(res.text).not.toMatch(/invalid byte sequence|prisma|postgres|127\.0\.0\.1/i);
    expectNoStacktrace(res);
  });

  test('renaming an unknown account: NOT_FOUND from the account subgraph, without a stack trace', async () => {
    const res = await gql(production.url, 'mutation($id: ID!) { renameAccount(id: $id, name: "x") { id } }', {
      id: `${P}nobody`,
    });
    expect(res.json.errors[0].extensions.code).toBe('NOT_FOUND');
    expectNoStacktrace(res);
  });

  test('a bad argument (BAD_USER_INPUT from a subgraph) and malformed JSON: no stack trace', async () => {
    const bad = await gql(production.url, '{ accounts(first: 0) { edges { cursor } } }');
    expect(bad.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expectNoStacktrace(bad);
    const malformed = await postJson(production.url, '{"query": ');
    expect(malformed.status).toBe(400);
    expectNoStacktrace(malformed);
  });

  test('the playground is off: a browser gets 404 JSON on /graphql and /', async () => {
    for (const path of ['/graphql', '/']) {
      const res = await request(new URL(path, production.url).toString(), { headers: { accept: 'text/html' } });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.text).not.toMatch(/graphiql/i);
    }
  });

  test('CSRF prevention is on: a GET query without a preflight header → 400', async () => {
    const url = `${production.url}?query=${encodeURIComponent('{ __typename }')}`;
    const blocked = await request(url);
    expect(blocked.status).toBe(400);
    expect(blocked.json.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    expectNoStacktrace(blocked);
    expect((await request(url, { headers: { 'apollo-require-preflight': 'true' } })).json).toEqual({
      data: { __typename: 'Query' },
    });
  });

  test("a write whose database does not answer, and that subgraph's /ready: a generic reason for clients, the details in the log", async () => {
    // A real account subgraph whose database URL points at a port where nothing listens.
    const lines: string[] = [];
    const log = createLogger('test', 'warn', { write: (l: string) => void lines.push(l) });
    const port = await freePort();
    const broken = await startSubgraph(
      accountSubgraph(
        `postgresql://account_svc:secret-pw@127.0.0.1:${port}/account`,
        1,
        loadConfig({ OUTBOX_RELAY: 'false' }),
      ),
      {
        host: '127.0.0.1',
        port: 0,
        instanceName: 'broken',
        retry: { maxAttempts: 1 },
        log,
        production: true,
        secret: SECRET,
      },
    );
    const gw = await startGateway({
      ...gatewayOptionsFrom(loadConfig({ ...process.env, NODE_ENV: 'production', SUBGRAPH_SECRET: SECRET }), log),
      host: '127.0.0.1',
      port: 0,
      subgraphUrls: { account: broken.url, data: stack.subgraphs.data.url, image: stack.subgraphs.image.url },
      composeAtStart: true,
    });
    try {
      const res = await gql(gw.url, 'mutation($n: String!) { createAccount(name: $n) { id } }', { n: `${P}never` });
      expect(res.json.data).toBeNull();
      // The write path knows nothing was sent to the database: it says so, with its own code.
      expect(res.json.errors[0]).toMatchObject({
        message: 'the database is unavailable; nothing was written (1 attempt), try again later',
        extensions: { code: 'DATABASE_UNAVAILABLE' },
      });
      const ready = await request(new URL('/ready', broken.url).toString());
      expect(ready.status).toBe(503);
      expect(ready.json).toEqual({
        status: 'NOT_READY',
        error: { code: 'NOT_READY', message: expect.stringMatching(/^not ready/) },
      });
      for (const text of [res.text, ready.text]) {
        expect(text).not.toMatch(new RegExp(`${port}|127\\.0\\.0\\.1|secret-pw|prisma|ECONNREFUSED`, 'i'));
        expectNoStacktrace({ text } as Reply);
      }
      // The log has what the answers do not.
      expect(lines.join('')).toMatch(/"msg":"resolver failed"/);
      expect(lines.join('')).toMatch(/"msg":"readiness check failed"/);
      expect(lines.join('')).not.toContain('secret-pw');
    } finally {
      await gw.stop();
      await broken.stop();
    }
  });

  // Last: stops a subgraph of the shared stack (and starts it again).
  test('a subgraph down: SUBGRAPH_UNAVAILABLE naming it, without a stack trace', async () => {
    await stack.stopSubgraph('image');
    try {
      const res = await gql(production.url, 'query($id: ID!) { account(id: $id) { name imageData { url } } }', {
        id: seeded.account.id,
      });
      expect(res.json.data?.account?.name).toBe(seeded.account.name);
      const down = res.json.errors.find((e: any) => e.extensions.code === 'SUBGRAPH_UNAVAILABLE');
      expect(down).toMatchObject({ message: 'subgraph image is unavailable', extensions: { serviceName: 'image' } });
      expectNoStacktrace(res);
    } finally {
      await stack.restart('image');
    }
  });
});
