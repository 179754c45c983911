/**
 * A corpus of bad inputs sent to the gateway, over GraphQL (/graphql) and the REST shim:
 * broken transport (malformed or oversized bodies, batches, wrong methods), documents that
 * fail parsing, validation or a query limit, bad variables, and arguments the resolvers
 * refuse (control characters, over-long names, bad event names and image URLs). Each is
 * answered with a 4xx (or, for a resolver's refusal over GraphQL, an error with no data)
 * and a message naming the problem, never a 5xx; the process keeps answering; and nothing
 * at all is written in any database. Injection-looking ids are looked up harmlessly, and an
 * injection-looking name is stored and read back verbatim.
 */
import net from 'node:net';
import { badInputCorpus } from './bad-input-corpus';
import { restCorpus } from './bad-input-corpus-rest';
import { shapeCorpus } from './bad-input-corpus-shapes';
import { countRows, removeCreated, removeFixtures, sql, uniquePrefix } from './harness/fixtures';
import { JSON_HEADERS, postJson, request, type Reply } from './harness/request';
import { startStack, type Stack } from './harness/stack';

const P = uniquePrefix('bad');
/** The default body limit: the shapes corpus sends what fits under it (600 kB of nesting, a 500 kB name). */
const MAX_BODY = 1024 * 1024;
const BODY_TIMEOUT_MS = 1_000;
/** What must never reach a client: database addresses, driver and Prisma text, stack frames. */
const INTERNALS =
  /127\.0\.0\.1:\d+|postgres(ql)?:\/\/|prisma|invalid byte sequence|SQLSTATE|\bP\d{4}\b|\bat .+\.(ts|js):\d+|stacktrace/i;
const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE accounts; --',
  '<script>alert(1)</script>',
  "'); DELETE FROM outbox; --",
  '%_\\',
];

let stack: Stack;
let origin: string;
const created: string[] = [];

beforeAll(async () => {
  // No relay: nothing writes in the background, so row counts are exact. A small depth
  // limit (the schema has no cycles) makes it reachable; a short body timeout keeps the
  // trickle test short.
  stack = await startStack({
    relay: false,
    env: { QUERY_MAX_DEPTH: '4', MAX_BODY_BYTES: String(MAX_BODY), BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) },
  });
  origin = new URL(stack.gateway.url).origin;
});
afterAll(async () => {
  await stack?.stop();
  await removeCreated(P, created);
});

/** Rows in every table a request could write. */
const counts = async () => ({
  accounts: await countRows('account'),
  outbox: Number((await sql<{ n: string }>('account', 'SELECT count(*) AS n FROM outbox'))[0]!.n),
  events: await countRows('data'),
  images: await countRows('image'),
});

const gql = (query: string, variables?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  postJson(stack.gateway.url, { query, variables, ...extra });
const raw = (body: string, headers: Record<string, string> = JSON_HEADERS) =>
  request(stack.gateway.url, { method: 'POST', headers, body });
const get = (query: string, headers: Record<string, string> = { 'apollo-require-preflight': 'true' }) =>
  request(`${stack.gateway.url}?query=${encodeURIComponent(query)}`, { headers });
const rest = (method: string, path: string, body?: string) =>
  request(origin + path, { method, headers: body === undefined ? {} : JSON_HEADERS, body });

/** The message of any error shape the gateway answers with: GraphQL, the HTTP layer's, the REST shim's. */
function messageOf(res: Reply): string {
  if (res.json?.errors?.[0]?.message) return res.json.errors[0].message;
  if (typeof res.json?.error === 'string') return res.json.error;
  if (typeof res.json?.error?.message === 'string') return res.json.error.message;
  return res.text;
}

const senders = {
  gql,
  raw,
  get,
  rest,
  url: () => stack.gateway.url,
  subgraphUrl: () => stack.subgraphs.account.url,
  rawTo: (url: string, body: string) => request(url, { method: 'POST', headers: JSON_HEADERS, body }),
};
const CORPUS = {
  ...badInputCorpus(senders, P, MAX_BODY),
  ...restCorpus(senders, P, MAX_BODY),
  ...shapeCorpus(senders),
};

describe('the corpus: each bad input refused, nothing written', () => {
  let before: Awaited<ReturnType<typeof counts>>;
  beforeAll(async () => {
    before = await counts();
  });

  test.each(Object.entries(CORPUS))('%s', async (_, c) => {
    const res = await c.send();
    expect(res.status).toBeLessThan(500);
    expect(res.status).toBe(c.status);
    if (c.status === 200) expect(res.json.data ?? null).toBeNull(); // a resolver refused: no data at all
    const message = messageOf(res);
    expect(message.trim()).not.toBe('');
    expect(message).toMatch(c.message);
    if (c.codes) expect(c.codes).toContain(res.json?.errors?.[0]?.extensions?.code ?? res.json?.error?.code);
    c.also?.(res);
    // Nothing of the database or the driver in the message (this stack runs in development
    // mode, with stack traces; the production gateway's answers: security-gateway.e2e.ts).
    expect(message).not.toMatch(INTERNALS);
    expect(message).not.toMatch(/Maximum call stack/);
    // Still answering, GraphQL and the REST shim alike.
    expect((await gql('{ __typename }')).json).toEqual({ data: { __typename: 'Query' } });
    expect((await rest('GET', '/health')).status).toBe(200);
  });

  test('nothing was written in any database', async () => {
    expect(await counts()).toEqual(before);
    expect(await countRows('account', 'left(name, length($1)) = $1', [P])).toBe(0);
  });
});

/**
 * A raw POST to the gateway: the headers announce `length` bytes, then `chunks` go out one
 * every `everyMs`; resolves with everything the server sent once it closed the connection
 * (`connection: close`: it does once it has answered).
 */
function sendSlowly(length: number, chunks: string[], everyMs: number): Promise<string> {
  const { hostname, port } = new URL(stack.gateway.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(
        `POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`,
      );
      let i = 0;
      timer = setInterval(() => {
        if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++]!);
      }, everyMs);
    });
    socket.on('data', (d: Buffer) => {
      got += d.toString();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
  });
}

describe('a body that trickles in', () => {
  test(`is cut after BODY_TIMEOUT_MS: 408, the connection closed, nothing written`, async () => {
    const before = await counts();
    const body = JSON.stringify({ query: `mutation { createAccount(name: "${P}slow") { id } }` });
    // One byte every 100 ms: the whole body would take several seconds, past the 1 s timeout.
    const reply = await sendSlowly(body.length, [...body], 100);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(await counts()).toEqual(before);
    expect((await gql('{ __typename }')).json).toEqual({ data: { __typename: 'Query' } });
  });

  test('a body that arrives whole within the timeout, in pieces, is served', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const reply = await sendSlowly(body.length, [body.slice(0, 5), body.slice(5, 12), body.slice(12)], 100);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toContain('{"data":{"__typename":"Query"}}');
  });
});

describe('injection-looking strings', () => {
  test.each(INJECTIONS)('as an id %j: not found (GraphQL null, REST 404)', async (id) => {
    expect((await gql('query($id: ID!) { account(id: $id) { id name } }', { id })).json).toEqual({
      data: { account: null },
    });
    const res = await rest('GET', `/accounts/${encodeURIComponent(id)}`);
    expect([res.status, res.text]).toEqual([404, `Account identified by '${id}' not found`]);
  });

  test.each(INJECTIONS)('as a name prefix %j: a literal prefix, nothing matches', async (prefix) => {
    expect(
      (await gql('query($p: String) { accounts(namePrefix: $p) { edges { cursor } } }', { p: prefix })).json,
    ).toEqual({ data: { accounts: { edges: [] } } });
  });

  test('as names: stored verbatim and read back unchanged (GraphQL and REST), then deleted', async () => {
    for (const injection of INJECTIONS) {
      const name = `${P}${injection}`;
      const res = await gql('mutation($name: String!) { createAccount(name: $name) { id name } }', { name });
      expect(res.json.errors).toBeUndefined();
      const { id } = res.json.data.createAccount as { id: string };
      created.push(id);
      expect(res.json.data.createAccount.name).toBe(name);
      expect(await sql('account', 'SELECT name FROM accounts WHERE id = $1', [id])).toEqual([{ name }]);
      expect((await gql('query($id: ID!) { account(id: $id) { name } }', { id })).json).toEqual({
        data: { account: { name } },
      });
      expect((await rest('GET', `/accounts/${encodeURIComponent(id)}`)).json.name).toBe(name);
    }
    const byPrefix = await rest('GET', `/accountsbyname/${encodeURIComponent(P)}`);
    expect(byPrefix.json.map((e: { Name: string }) => e.Name).sort()).toEqual(INJECTIONS.map((i) => `${P}${i}`).sort());
    await removeFixtures(P);
    await sql('account', 'DELETE FROM outbox WHERE account_id = ANY($1)', [created]);
    expect(await countRows('account', 'id = ANY($1)', [created])).toBe(0);
  });
});
