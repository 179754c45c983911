/**
 * platform/request-shape.ts: nesting measured without recursion (300,000 levels do not
 * overflow it), brackets inside strings and comments not counted, ordinary requests pass.
 */
import {
  MAX_DOCUMENT_NESTING,
  MAX_VARIABLE_DEPTH,
  documentNesting,
  nestingDepth,
  requestShapeProblem,
} from './request-shape';

const deepArray = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const params = new URLSearchParams();

test('nestingDepth: scalars 0, each array or object one more, stops past the limit', () => {
  expect(nestingDepth('x', 10)).toBe(0);
  expect(nestingDepth({ a: [1, { b: 2 }] }, 10)).toBe(3);
  expect(nestingDepth(deepArray(300_000), 64)).toBe(65);
});

test('documentNesting: tokens, not characters', () => {
  const strings = `{ a(s: "${'['.repeat(500)}") }`;
  const comment = `{ a # ${'{'.repeat(500)}\n }`;
  expect(documentNesting(strings, 10)).toBe(2);
  expect(documentNesting(comment, 10)).toBe(1);
  expect(documentNesting(`{ a(id: ${'['.repeat(2_400)}${']'.repeat(2_400)}) }`, 128)).toBe(129);
  expect(documentNesting(`{ a(id: "unterminated ${'['.repeat(200)} }`, 128)).toBeUndefined(); // the parser reports it
});

test('requestShapeProblem: POST bodies, batches and GET parameters', () => {
  const ok = { query: '{ account(id: "1") { id name } }', variables: { id: '1', input: { a: [1, 2] } } };
  expect(requestShapeProblem(ok, params)).toBeUndefined();
  expect(requestShapeProblem({ query: '{ a }', variables: { v: deepArray(MAX_VARIABLE_DEPTH) } }, params)).toMatch(
    /variables nest more than 64 levels/,
  );
  const deepList = `{ a(id: ${'['.repeat(MAX_DOCUMENT_NESTING)}${']'.repeat(MAX_DOCUMENT_NESTING)}) }`;
  expect(requestShapeProblem([ok, { query: deepList }], params)).toMatch(/more than 128 levels/);
  const get = new URLSearchParams({ query: '{ a }', variables: `{"v":${JSON.stringify(deepArray(100))}}` });
  expect(requestShapeProblem(undefined, get)).toMatch(/variables nest/);
  expect(requestShapeProblem('not json', params)).toBeUndefined();
});
