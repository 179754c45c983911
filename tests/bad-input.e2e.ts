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
import { countRows, removeFixtures, sql, uniquePrefix } from './harness/fixtures';
import { JSON_HEADERS, postJson, request, type Reply } from './harness/request';
import { startStack, type Stack } from './harness/stack';

const P = uniquePrefix('bad');
const MAX_BODY = 64 * 1024;
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
  // limit (the schema has no cycles) and body limit make those limits reachable.
  stack = await startStack({ relay: false, env: { QUERY_MAX_DEPTH: '4', MAX_BODY_BYTES: String(MAX_BODY) } });
  origin = new URL(stack.gateway.url).origin;
});
afterAll(async () => {
  await stack?.stop();
  await removeFixtures(P);
  await sql('account', 'DELETE FROM outbox WHERE account_id = ANY($1)', [created]);
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
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');

/** The message of any error shape the gateway answers with: GraphQL, the HTTP layer's, the REST shim's. */
function messageOf(res: Reply): string {
  if (res.json?.errors?.[0]?.message) return res.json.errors[0].message;
  if (typeof res.json?.error === 'string') return res.json.error;
  if (typeof res.json?.error?.message === 'string') return res.json.error.message;
  return res.text;
}

const CREATE = 'mutation($name: String!) { createAccount(name: $name) { id } }';
const RENAME = 'mutation($id: ID!, $name: String!) { renameAccount(id: $id, name: $name) { id } }';
const RECORD = 'mutation($input: RecordAccountEventInput!) { recordAccountEvent(input: $input) { id } }';
const IMAGE = 'mutation($id: ID!, $url: String!) { setAccountImage(accountId: $id, url: $url) { url } }';
const BIG_VIEW =
  'accounts(first: 100) { edges { node { quote { text language servedBy } imageData { id url servedBy } events { id eventName created } } } }';
const bigBody = (bytes: number) => JSON.stringify({ query: CREATE, variables: { name: `${P}${'x'.repeat(bytes)}` } });

interface Case {
  send: () => Promise<Reply>;
  status: number;
  /** Acceptable extensions.code values of errors[0] (GraphQL answers), or the HTTP layer's error.code. */
  codes?: string[];
  message: RegExp;
}

const VALIDATION = ['GRAPHQL_VALIDATION_FAILED'];
const BAD_INPUT = ['BAD_USER_INPUT'];
/** A resolver's refusal: GraphQL over HTTP answers 200 with the error and no data. */
const refused = (send: () => Promise<Reply>, message: RegExp): Case => ({
  send,
  status: 200,
  codes: BAD_INPUT,
  message,
});

const CORPUS: Record<string, Case> = {
  'malformed JSON (cut short)': {
    send: () => raw('{"query": '),
    status: 400,
    codes: BAD_INPUT,
    message: /not valid JSON/,
  },
  'malformed JSON (unquoted key)': {
    send: () => raw('{query: "{ __typename }"}'),
    status: 400,
    message: /not valid JSON/,
  },
  'malformed JSON (trailing comma)': {
    send: () => raw('{"query": "{ __typename }",}'),
    status: 400,
    message: /not valid JSON/,
  },
  'malformed JSON (not JSON at all)': {
    send: () => raw('DROP TABLE accounts'),
    status: 400,
    message: /not valid JSON/,
  },
  'JSON that is not an object (a string)': {
    send: () => raw('"{ __typename }"'),
    status: 400,
    message: /POST body|object|query/i,
  },
  'an empty JSON object': { send: () => raw('{}'), status: 400, message: /POST body missing/ },
  'an empty body': { send: () => raw(''), status: 400, message: /body|query/i },
  'a JSON array batch of operations': {
    send: () => raw(JSON.stringify([{ query: CREATE, variables: { name: `${P}batch` } }, { query: '{ __typename }' }])),
    status: 400,
    message: /batch/i,
  },
  'query is not a string': {
    send: () => raw(JSON.stringify({ query: { a: 1 } })),
    status: 400,
    message: /queries must be strings/,
  },
  'a GraphQL syntax error': {
    send: () => gql(`mutation { createAccount(name: "${P}syntax") { id }`),
    status: 400,
    codes: ['GRAPHQL_PARSE_FAILED'],
    message: /Syntax Error/,
  },
  'an unknown field': {
    send: () => gql('{ account(id: "1") { id password } }'),
    status: 400,
    codes: VALIDATION,
    message: /Cannot query field "password"/,
  },
  'an unknown argument': {
    send: () => gql(`mutation { createAccount(name: "${P}arg", admin: true) { id } }`),
    status: 400,
    codes: VALIDATION,
    message: /Unknown argument "admin"/,
  },
  'a variable of the wrong type (object for ID)': {
    send: () => gql('query($id: ID!) { account(id: $id) { id } }', { id: { $ne: null } }),
    status: 400,
    codes: BAD_INPUT,
    message: /\$id.*ID/,
  },
  'a variable of the wrong type (string for Int)': {
    send: () => gql('query($n: Int) { accounts(first: $n) { edges { cursor } } }', { n: 'ten' }),
    status: 400,
    codes: BAD_INPUT,
    message: /\$n.*Int/,
  },
  'a variable of the wrong type (number for String)': {
    send: () => gql(CREATE, { name: 42 }),
    status: 400,
    codes: BAD_INPUT,
    message: /\$name.*String/,
  },
  'a missing required variable': {
    send: () => gql(CREATE, {}),
    status: 400,
    codes: BAD_INPUT,
    message: /\$name.*required/,
  },
  'variables that are not an object': {
    send: () => raw(JSON.stringify({ query: CREATE, variables: [`${P}arr`] })),
    status: 400,
    message: /variables/i,
  },
  'a mutation via GET': {
    send: () => get(`mutation { createAccount(name: "${P}get") { id } }`),
    status: 405,
    message: /mutation.*GET|GET.*mutation/i,
  },
  'a GET without a CSRF-safe header': {
    send: () => get('{ __typename }', {}),
    status: 400,
    codes: ['BAD_REQUEST'],
    message: /Cross-Site Request Forgery/,
  },
  'a huge query (tokens)': {
    send: () => gql(`{ ${many(6_000, () => 'a')} }`),
    status: 400,
    codes: ['QUERY_TOO_LARGE'],
    message: /Token limit of 5000/,
  },
  'a deep query': {
    send: () => gql('{ accounts { edges { node { quote { text } } } } }'),
    status: 400,
    codes: ['QUERY_TOO_DEEP'],
    message: /depth limit of 4/i,
  },
  'many aliases': {
    send: () => gql(`{ ${many(31, (i) => `a${i}: account(id: "${i}") { id }`)} }`),
    status: 400,
    codes: ['TOO_MANY_ALIASES'],
    message: /Aliases limit of 30/,
  },
  'many directives': {
    send: () => gql(`{ ${many(51, () => '__typename @include(if: true)')} }`),
    status: 400,
    codes: ['TOO_MANY_DIRECTIVES'],
    message: /Directives limit of 50/,
  },
  'a costly query': {
    send: () => gql(`{ a: ${BIG_VIEW} b: ${BIG_VIEW} c: ${BIG_VIEW} }`),
    status: 400,
    codes: ['QUERY_TOO_COSTLY'],
    message: /Cost limit of 20000/,
  },
  'an oversized body (content-length)': {
    send: () => raw(bigBody(MAX_BODY)),
    status: 413,
    message: new RegExp(`exceeds the limit of ${MAX_BODY} bytes`),
  },
  'an oversized body (chunked)': {
    send: () =>
      request(stack.gateway.url, {
        method: 'POST',
        headers: JSON_HEADERS,
        chunks: [bigBody(MAX_BODY / 2), ' '.repeat(MAX_BODY)],
      }),
    status: 413,
    message: new RegExp(`exceeds the limit of ${MAX_BODY} bytes`),
  },
  'an unknown operationName': {
    send: () => gql(`mutation A { createAccount(name: "${P}op") { id } }`, {}, { operationName: 'B' }),
    status: 400,
    codes: ['OPERATION_RESOLUTION_FAILURE'],
    message: /Unknown operation named "B"/,
  },
  'two operations and no operationName': {
    send: () => gql(`mutation A { createAccount(name: "${P}two") { id } } query B { __typename }`),
    status: 400,
    codes: ['OPERATION_RESOLUTION_FAILURE'],
    message: /operation name/i,
  },
  'a name with a control character (NUL)': refused(
    () => gql(CREATE, { name: `${P}a\u0000b` }),
    /name must not contain control characters/,
  ),
  'a name with a control character (ESC)': refused(
    () => gql(CREATE, { name: `${P}\u001b[31mred` }),
    /name must not contain control characters/,
  ),
  'a name of 201 characters': refused(
    () => gql(CREATE, { name: `${P}${'n'.repeat(201)}` }),
    /name must be at most 200 characters/,
  ),
  'an empty name': refused(() => gql(CREATE, { name: '   ' }), /name must not be empty/),
  'a name with a C1 control character (U+0085)': refused(
    () => gql(CREATE, { name: `${P}a\u0085b` }),
    /name must not contain control characters \(U\+0085 at position/,
  ),
  'a name with a lone surrogate': refused(
    () => gql(CREATE, { name: `${P}a\ud800b` }),
    /name must be valid Unicode text: it contains a lone surrogate \(U\+D800/,
  ),
  'a name with a lone low surrogate (sent as raw JSON)': refused(
    () => raw(`{"query": ${JSON.stringify(CREATE)}, "variables": {"name": "${P}x\\udc00"}}`).then((r) => r),
    /lone surrogate \(U\+DC00/,
  ),
  'a name with a right-to-left override (U+202E)': refused(
    () => gql(CREATE, { name: `${P}abc\u202Etxt.exe` }),
    /name must not contain bidirectional override or isolate characters \(U\+202E/,
  ),
  'a name with a first-strong isolate (U+2068)': refused(
    () => gql(CREATE, { name: `${P}\u2068x` }),
    /bidirectional override or isolate characters \(U\+2068/,
  ),
  'a namePrefix with NUL': refused(
    () => gql('query($p: String) { accounts(namePrefix: $p) { edges { cursor } } }', { p: 'Person\u0000' }),
    /namePrefix must not contain control characters \(U\+0000/,
  ),
  'a cursor that encodes NUL': refused(
    () =>
      gql('query($a: String) { accounts(after: $a) { edges { cursor } } }', {
        a: Buffer.from('c:1\u0000', 'utf8').toString('base64url'),
      }),
    /after is not a cursor returned by this API/,
  ),
  'a rename with a control character': refused(
    () => gql(RENAME, { id: `${P}x`, name: 'a\u0007b' }),
    /name must not contain control characters/,
  ),
  'an id of 10,000 characters': refused(
    () => gql(RENAME, { id: 'i'.repeat(10_000), name: `${P}long-id` }),
    /id must be at most 128 characters/,
  ),
  "the data context's internal write path (not in the public API)": {
    send: () => gql(RECORD, { input: { accountId: `${P}x`, eventName: "CREATED'; --" } }),
    status: 400,
    codes: ['GRAPHQL_VALIDATION_FAILED'],
    message: /Cannot query field "recordAccountEvent"|Unknown type "RecordAccountEventInput"/,
  },
  'an image URL with a javascript: scheme': refused(
    () => gql(IMAGE, { id: `${P}x`, url: 'javascript:alert(1)' }),
    /url must be an http or https URL/,
  ),
  'an image URL that is not a URL': refused(
    () => gql(IMAGE, { id: `${P}x`, url: '<script>alert(1)</script>' }),
    /url must be an absolute URL/,
  ),
  'REST: POST /accounts with malformed JSON': {
    send: () => rest('POST', '/accounts', '{"name": '),
    status: 400,
    message: /not valid JSON/,
  },
  'REST: POST /accounts with an array': {
    send: () => rest('POST', '/accounts', JSON.stringify([{ name: `${P}arr` }])),
    status: 400,
    message: /must be a JSON object/,
  },
  'REST: POST /accounts with null': {
    send: () => rest('POST', '/accounts', 'null'),
    status: 400,
    message: /must be a JSON object/,
  },
  'REST: POST /accounts without a body (nor a content type)': {
    send: () => rest('POST', '/accounts'),
    status: 415,
    message: /content-type must be application\/json/,
  },
  'REST: POST /accounts without a name': {
    send: () => rest('POST', '/accounts', JSON.stringify({ nom: `${P}x` })),
    status: 400,
    message: /missing required field: name/,
  },
  'REST: POST /accounts with a numeric name': {
    send: () => rest('POST', '/accounts', '{"name": 5}'),
    status: 400,
    message: /missing required field: name/,
  },
  'REST: POST /accounts with a control character': {
    send: () => rest('POST', '/accounts', JSON.stringify({ name: `${P}\u0000` })),
    status: 400,
    message: /control characters/,
  },
  'REST: POST /accounts with a 201-character name': {
    send: () => rest('POST', '/accounts', JSON.stringify({ name: 'n'.repeat(201) })),
    status: 400,
    message: /at most 200 characters/,
  },
  'REST: POST /accounts with an oversized body': {
    send: () => rest('POST', '/accounts', bigBody(MAX_BODY)),
    status: 413,
    message: /exceeds the limit/,
  },
  'REST: GET /accountsbyname/ with NUL': {
    send: () => rest('GET', '/accountsbyname/Person%00'),
    status: 400,
    message: /namePrefix must not contain control characters/,
  },
  'REST: POST /accounts with a right-to-left override': {
    send: () => rest('POST', '/accounts', JSON.stringify({ name: `${P}\u202Egnp.exe` })),
    status: 400,
    message: /bidirectional/,
  },
  'REST: PUT /accounts without an id': {
    send: () => rest('PUT', '/accounts', JSON.stringify({ name: `${P}x` })),
    status: 400,
    message: /missing required field: ID/,
  },
  'REST: PUT /accounts with a control character': {
    send: () => rest('PUT', '/accounts', JSON.stringify({ ID: `${P}x`, name: 'a\u0000' })),
    status: 400,
    message: /control characters/,
  },
  'REST: GET /accounts/ with an id of 10,000 characters': {
    send: () => rest('GET', `/accounts/${'i'.repeat(10_000)}`),
    status: 400,
    message: /id must be at most 128 characters/,
  },
  // A method a legacy path does not take (PUT /accounts/:id, DELETE, PATCH) is a 405 with the old
  // router's empty body, so it has no message for this corpus: tests/rest-contract.e2e.ts covers it.
  'REST: GET /accounts/ with invalid percent-encoding': {
    send: () => rest('GET', '/accounts/%E0%A4%A'),
    status: 400,
    message: /not valid percent-encoding/,
  },
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
    // Nothing of the database or the driver in the message (this stack runs in development
    // mode, with stack traces; the production gateway's answers: security-gateway.e2e.ts).
    expect(message).not.toMatch(INTERNALS);
    // Still answering, GraphQL and the REST shim alike.
    expect((await gql('{ __typename }')).json).toEqual({ data: { __typename: 'Query' } });
    expect((await rest('GET', '/health')).status).toBe(200);
  });

  test('nothing was written in any database', async () => {
    expect(await counts()).toEqual(before);
    expect(await countRows('account', 'left(name, length($1)) = $1', [P])).toBe(0);
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
