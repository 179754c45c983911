/**
 * GraphQL over HTTP (the spec's server requirements), checked by its own audit suite:
 * graphql-http's auditServer against the real gateway over HTTP. Every MUST passes and no
 * SHOULD is left as a warning; the answers it does not audit stay as tests/http.e2e.ts has them.
 */
import { auditServer } from 'graphql-http';
import { startStack, type Stack } from './harness/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.stop());

test('graphql-http audit: 0 MUST failures, 0 SHOULD warnings; the MAY notices are the GETs CSRF prevention refuses', async () => {
  const results = await auditServer({ url: stack.gateway.url });
  const notOk = results
    .filter((r) => r.status !== 'ok')
    .map((r) => ({ status: r.status, name: r.name, reason: 'reason' in r ? r.reason : undefined }));
  expect(notOk.filter((r) => r.status !== 'notice')).toEqual([]);
  // GETs without `apollo-require-preflight` are refused (400) by design: docs/getting-started.md.
  expect(notOk.map((r) => r.name).sort()).toEqual([
    'MAY accept application/x-www-form-urlencoded formatted GET requests',
    'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
    'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
  ]);
  expect(results.length).toBeGreaterThan(40);
});

describe('a request error answers 200 to application/json clients, 400 to application/graphql-response+json ones', () => {
  const cases: [string, object, string][] = [
    ['a document that does not parse', { query: '{' }, 'GRAPHQL_PARSE_FAILED'],
    ['a document that does not validate', { query: '{ nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
    [
      'a variable that does not coerce',
      { query: 'query($id: ID!) { account(id: $id) { id } }', variables: { id: { not: 'an id' } } },
      'BAD_USER_INPUT',
    ],
  ];
  test.each(cases)('%s', async (_, body, code) => {
    const post = (accept: string) =>
      fetch(stack.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as any }));
    const legacy = await post('application/json');
    expect(legacy).toMatchObject({ status: 200, type: expect.stringMatching(/^application\/json/) });
    expect(legacy.body.data).toBeUndefined();
    expect(legacy.body.errors[0].extensions.code).toBe(code);
    const modern = await post('application/graphql-response+json');
    expect(modern).toMatchObject({ status: 400, type: expect.stringMatching(/^application\/graphql-response\+json/) });
    expect(modern.body.errors[0].extensions.code).toBe(code);
  });

  test('any other refusal keeps its 4xx for application/json clients (here a query over the depth limit)', async () => {
    const deep = `{ ${'accounts(first: 1) { edges { node { '.repeat(6)}id${' } } }'.repeat(6)} }`;
    const res = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: deep }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('QUERY_TOO_DEEP');
  });
});
