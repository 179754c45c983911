/**
 * GraphQL over HTTP to a subgraph (graphql-over-http.ts) as units: the request a fetch becomes
 * (body fields and their order, content-type that other headers cannot change, one shared header
 * object when there is nothing to add), the answer read as a response or an error, and the
 * Cache-Control hint. What clients get from these through the gateway is pinned by
 * gateway/subgraph-answers.test.ts.
 */
import { GraphQLError } from 'graphql';
import type { ClientResponse } from '../../platform/http-client';
import { isTransient } from './breaker';
import { cacheHint, graphqlResponse, header, subgraphRequest } from './graphql-over-http';

const answer = (status: number, text: string, headers: ClientResponse['headers'] = {}): ClientResponse => ({
  status,
  headers,
  text,
});
const JSON_TYPE = { 'content-type': 'application/json' };

describe('subgraphRequest', () => {
  test('POST, the JSON of query, variables, operationName and extensions in that order, those present only', () => {
    const req = subgraphRequest({
      operationName: 'Q',
      extensions: { a: 1 },
      variables: { id: '1' },
      query: 'query Q{a}',
    });
    expect(req.method).toBe('POST');
    expect(req.body).toBe('{"query":"query Q{a}","variables":{"id":"1"},"operationName":"Q","extensions":{"a":1}}');
    expect(subgraphRequest({ query: '{a}' }).body).toBe('{"query":"{a}"}');
  });

  test('content-type is JSON whatever else is asked; nothing else unless asked; the headers object is shared', () => {
    expect(subgraphRequest({ query: '{a}' }).headers).toEqual(JSON_TYPE);
    expect(subgraphRequest({ query: '{a}' }).headers).toBe(subgraphRequest({ query: '{b}' }).headers);
    const asked = { 'idempotency-key': 'k', 'content-type': 'text/plain' };
    expect(subgraphRequest({ query: '{a}' }, asked).headers).toEqual({ ...asked, ...JSON_TYPE });
    expect(asked['content-type']).toBe('text/plain'); // the caller's object is not touched
  });
});

describe('graphqlResponse', () => {
  test('a 2xx JSON object is the response; each call parses its own copy', () => {
    const res = answer(200, '{"data":{"a":1},"errors":[{"message":"x"}]}', JSON_TYPE);
    const one = graphqlResponse('http://s/graphql', res);
    expect(one).toEqual({ data: { a: 1 }, errors: [{ message: 'x' }] });
    expect(graphqlResponse('http://s/graphql', res)).not.toBe(one);
    expect(
      graphqlResponse('http://s/graphql', answer(204, '{}', { 'content-type': 'application/graphql-response+json' })),
    ).toEqual({});
  });

  test.each([
    ['text', answer(200, 'hi', { 'content-type': 'text/plain' }), 'Expected JSON response body, but received: hi'],
    ['JSON without a content type', answer(200, '{"a":1}'), 'Expected JSON response body, but received: {"a":1}'],
    ['an array', answer(200, '[1,2]', JSON_TYPE), 'Expected JSON response body, but received: 1,2'],
    ['null', answer(200, 'null', JSON_TYPE), 'Expected JSON response body, but received: null'],
  ])('a 2xx that is not a JSON object (%s) is an error', (_, res, message) => {
    expect(() => graphqlResponse('http://s/graphql', res)).toThrow(new Error(message));
  });

  test('JSON that does not parse: a SyntaxError in a 2xx answer, the text in an error answer (its status tells)', () => {
    expect(() => graphqlResponse('http://s/graphql', answer(200, '{', JSON_TYPE))).toThrow(SyntaxError);
    let thrown: unknown;
    try {
      graphqlResponse('http://s/graphql', answer(503, '<html>busy</html>', JSON_TYPE));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GraphQLError);
    expect((thrown as GraphQLError).message).toBe('503: Service Unavailable');
    expect((thrown as GraphQLError).extensions.response).toMatchObject({ status: 503, body: '<html>busy</html>' });
    expect(isTransient(thrown)).toBe(true); // the breaker counts it
  });

  test.each([
    [503, 'Service Unavailable', undefined],
    [401, 'Unauthorized', 'UNAUTHENTICATED'],
    [403, '', 'FORBIDDEN'],
    [418, '', undefined],
  ])('a %i is an error with the status, its reason and the body, as clients see it', (status, reason, code) => {
    let err: unknown;
    try {
      graphqlResponse('http://s/graphql', answer(status, '{"errors":[]}', JSON_TYPE));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).message).toBe(`${status}: ${reason}`);
    expect((err as GraphQLError).extensions).toEqual({
      response: { url: 'http://s/graphql', status, statusText: reason, body: { errors: [] } },
      ...(code ? { code } : {}),
    });
  });
});

test('header: one string, repeated headers joined', () => {
  const res = answer(200, '', { a: 'x', b: ['y', 'z'] });
  expect([header(res, 'a'), header(res, 'b'), header(res, 'c')]).toEqual(['x', 'y, z', undefined]);
});

test.each<[string | undefined, object]>([
  [undefined, { maxAge: 0 }],
  ['', { maxAge: 0 }],
  ['max-age=60, public', { maxAge: 60, scope: 'PUBLIC' }],
  ['private, max-age=30', { maxAge: 30, scope: 'PRIVATE' }],
  ['private, public', { maxAge: 0, scope: 'PUBLIC' }],
  ['max-age="15"', { maxAge: 15 }],
  [' max-age = 5 , no-cache ', { maxAge: 5 }],
  ['max-age=60, max-age=10', { maxAge: 10 }],
  ['max-age=1.5', { maxAge: 0 }],
  ['Max-Age=60', { maxAge: 0 }],
  ['private="x"', { maxAge: 0 }],
  ['no-store', { maxAge: 0 }],
])('cacheHint(%p)', (value, hint) => expect(cacheHint(value)).toEqual(hint));
