/**
 * The HTTP layer every process shares (platform/http.ts) in front of Apollo Server:
 * liveness and readiness, the request body limit (declared and streamed bodies), bad
 * JSON, unknown paths, and Apollo Server's CSRF prevention on GET and simple POSTs.
 * Requests go through node:http so that headers, chunking and sockets are under control.
 */
import http from 'node:http';
import { MAX_BODY_BYTES } from '../platform/http';
import { JSON_HEADERS, request } from './harness/request';
import { startStack, type Stack } from './harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const at = (base: string, path: string) => new URL(path, base).toString();

/** A GraphQL POST body of exactly `bytes` bytes (padding in `extensions`, which Apollo ignores). */
function bodyOfSize(bytes: number): string {
  const shell = (pad: string) => JSON.stringify({ query: '{ __typename }', extensions: { pad } });
  const body = shell('x'.repeat(bytes - Buffer.byteLength(shell(''))));
  expect(Buffer.byteLength(body)).toBe(bytes);
  return body;
}

describe.each(['gateway', 'account', 'data', 'image'] as const)('%s', (name) => {
  const base = () => (name === 'gateway' ? stack.gateway.url : stack.subgraphs[name].url);

  test('GET /health → 200 {status: UP}', async () => {
    const res = await request(at(base(), '/health'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual({ status: 'UP' });
  });

  test('GET /ready → 200 {status: READY}', async () => {
    const res = await request(at(base(), '/ready'));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'READY' });
  });

  test('an unknown path → 404 JSON', async () => {
    const res = await request(at(base(), '/nope?x=1'));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /nope' } });
  });

  test('malformed JSON on /graphql → 400 in the GraphQL error shape, naming the problem', async () => {
    const res = await request(base(), { method: 'POST', headers: JSON_HEADERS, body: '{"query": ' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      errors: [
        { message: expect.stringMatching(/^request body is not valid JSON/), extensions: { code: 'BAD_USER_INPUT' } },
      ],
    });
  });

  test('GET /graphql without a CSRF-safe header is blocked by Apollo', async () => {
    const res = await request(`${base()}?query=${encodeURIComponent('{ __typename }')}`);
    expect(res.status).toBe(400);
    expect(res.json.data).toBeUndefined();
    expect(res.json.errors).toHaveLength(1);
    expect(res.json.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(res.json.errors[0].message).toMatch(/blocked as a potential Cross-Site Request Forgery \(CSRF\)/);
  });
});

describe('health and readiness only answer GET', () => {
  test('POST /ready → 404', async () => {
    const res = await request(at(stack.gateway.url, '/ready'), { method: 'POST', headers: JSON_HEADERS, body: '{}' });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
  });

  test("POST /health on the gateway (a REST shim route) → 405 with the old router's empty body, Allow naming the method", async () => {
    const res = await request(at(stack.gateway.url, '/health'), { method: 'POST', headers: JSON_HEADERS, body: '{}' });
    expect(res.status).toBe(405);
    expect(res.text).toBe('');
    expect(res.headers.allow).toBe('GET');
  });
});

describe('the request body limit', () => {
  test(`a body of exactly ${MAX_BODY_BYTES} bytes is served`, async () => {
    const res = await request(stack.gateway.url, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: bodyOfSize(MAX_BODY_BYTES),
    });
    expect(res.json).toEqual({ data: { __typename: 'Query' } });
    expect(res.status).toBe(200);
  });

  test('a declared body one byte over → 413 JSON', async () => {
    const res = await request(stack.gateway.url, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: bodyOfSize(MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual({
      errors: [
        {
          message: `request body of ${MAX_BODY_BYTES + 1} bytes exceeds the limit of ${MAX_BODY_BYTES} bytes`,
          extensions: { code: 'PAYLOAD_TOO_LARGE' },
        },
      ],
    });
  });

  test('a chunked body over the limit → 413 JSON, and the connection still serves the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const chunks = Array.from({ length: 12 }, () => 'x'.repeat(100_000));
      const res = await request(stack.gateway.url, { method: 'POST', headers: JSON_HEADERS, chunks, agent });
      expect(res.status).toBe(413);
      expect(res.json.errors).toEqual([
        {
          message: expect.stringContaining(`exceeds the limit of ${MAX_BODY_BYTES} bytes`),
          extensions: { code: 'PAYLOAD_TOO_LARGE' },
        },
      ]);
      const next = await request(at(stack.gateway.url, '/health'), { agent });
      expect(next.reusedSocket).toBe(true);
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  test('a subgraph enforces the same limit', async () => {
    const res = await request(stack.subgraphs.data.url, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: bodyOfSize(MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
  });
});

describe("Apollo Server's CSRF prevention", () => {
  const GET = (headers: Record<string, string> = {}, query = '{ __typename }') =>
    request(`${stack.gateway.url}?query=${encodeURIComponent(query)}`, { headers });

  const SAFE: Record<string, string>[] = [
    { 'apollo-require-preflight': 'true' },
    { 'x-apollo-operation-name': 'Anything' },
    { 'content-type': 'application/json' },
  ];
  test.each(SAFE)('GET /graphql with %j is served', async (headers) => {
    const res = await GET(headers);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { __typename: 'Query' } });
  });

  test('an empty preflight header does not count', async () => {
    const res = await GET({ 'apollo-require-preflight': '' });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'a POST of %s (no preflight) is blocked',
    async (type) => {
      const res = await request(stack.gateway.url, {
        method: 'POST',
        headers: { 'content-type': type },
        body: '{"query":"{ __typename }"}',
      });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    },
  );

  test('a mutation over GET is refused even with the preflight header (405)', async () => {
    const res = await GET({ 'apollo-require-preflight': 'true' }, 'mutation { createAccount(name: "never") { id } }');
    expect(res.status).toBe(405);
    expect(res.json.errors[0].message).toMatch(/mutation/i);
  });
});

describe('one error body outside the old REST contract', () => {
  /** GraphQL over HTTP's shape: a non-empty errors list, each with a message and extensions.code. */
  const graphqlShape = {
    errors: expect.arrayContaining([
      expect.objectContaining({
        message: expect.any(String),
        extensions: expect.objectContaining({ code: expect.any(String) }),
      }),
    ]),
  };
  /** Everything else: { error: { code, message } } and nothing more. */
  const otherShape = { error: { code: expect.any(String), message: expect.any(String) } };

  test.each(['gateway', 'account', 'data', 'image'] as const)(
    '%s: every refusal on /graphql in the GraphQL shape, elsewhere {error:{code,message}}',
    async (name) => {
      const graphql = name === 'gateway' ? stack.gateway.url : stack.subgraphs[name].url;
      const onGraphql = [
        request(graphql, { method: 'POST', headers: JSON_HEADERS, body: '{"query": ' }), // bad JSON (our HTTP layer)
        request(graphql, { method: 'POST', headers: JSON_HEADERS, body: bodyOfSize(MAX_BODY_BYTES + 1) }), // 413 (our HTTP layer)
        request(graphql, { method: 'POST', headers: JSON_HEADERS, body: '' }), // Apollo: no body
        request(graphql, { method: 'PUT', headers: JSON_HEADERS, body: '{}' }), // Apollo: method
        request(graphql, { headers: { 'apollo-require-preflight': 'true' } }), // Apollo: GET without a query
        request(graphql, { method: 'POST', body: '{"query":"{ __typename }"}' }), // Apollo: CSRF
      ];
      for (const res of await Promise.all(onGraphql)) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.json).toEqual(graphqlShape);
      }
      for (const path of ['/nope', '/graphql/extra']) {
        const res = await request(at(graphql, path), { method: 'POST', headers: JSON_HEADERS, body: '{}' });
        expect([res.status, res.json]).toEqual([404, otherShape]);
      }
    },
  );
});
