/** compare.ts keeps upstream's rules (src/test.ts of graphql-hive/federation-gateway-audit). */
import { verdictOf } from './compare';

const ok = (expected: Parameters<typeof verdictOf>[0], body: { data?: unknown; errors?: unknown[] }) =>
  verdictOf(expected, { body }).ok;

test('data must be deeply equal, whatever the key order; a missing data is null', () => {
  expect(ok({ data: { a: { b: 1, c: [1, 2] } } }, { data: { a: { c: [1, 2], b: 1 } } })).toBe(true);
  expect(ok({ data: { a: { b: 1 } } }, { data: { a: { b: '1' } } })).toBe(false);
  expect(ok({ data: { a: [1, 2] } }, { data: { a: [2, 1] } })).toBe(false);
  expect(ok({ data: null, errors: true }, { errors: [{ message: 'x' }] })).toBe(true);
  expect(ok({ data: { a: null } }, { data: { a: null, b: null } })).toBe(false);
});

test('errors are compared only when the test says true or false, and only whether there are any', () => {
  expect(ok({ data: { a: 1 } }, { data: { a: 1 }, errors: [{ message: 'partial' }] })).toBe(true);
  expect(ok({ data: { a: 1 }, errors: false }, { data: { a: 1 }, errors: [{ message: 'partial' }] })).toBe(false);
  expect(ok({ data: { a: 1 }, errors: true }, { data: { a: 1 } })).toBe(false);
  expect(ok({ data: { a: 1 }, errors: true }, { data: { a: 1 }, errors: [{ message: 'any message' }] })).toBe(true);
  expect(ok({ data: { a: 1 }, errors: false }, { data: { a: 1 }, errors: [] })).toBe(true);
});

test('no GraphQL answer fails, saying why', () => {
  expect(verdictOf({ data: null }, { failure: 'HTTP 502, not JSON: bad gateway' })).toEqual({
    ok: false,
    plain: false,
    detail: 'no GraphQL answer: HTTP 502, not JSON: bad gateway',
  });
});

test('plain: data alone, no errors and no extensions', () => {
  const plain = (body: { data?: unknown; errors?: unknown[]; extensions?: unknown }) =>
    verdictOf({ data: null }, { body }).plain;
  expect(plain({ data: { a: 1 } })).toBe(true);
  expect(plain({ data: null })).toBe(true);
  expect(plain({ data: { a: 1 }, errors: [] })).toBe(true);
  expect(plain({ data: { a: 1 }, errors: [{ message: 'x' }] })).toBe(false);
  expect(plain({ data: { a: 1 }, extensions: {} })).toBe(false);
  expect(plain({ errors: [{ message: 'x' }] })).toBe(false);
});
