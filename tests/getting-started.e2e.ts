/**
 * docs/getting-started.md as a reader runs it: each curl command in it, exactly as written
 * (only the gateway's address changed to this test's), against a real gateway; the GET one
 * works because of the CSRF header it documents, and is refused without it. And what a
 * developer sees in an error: message, code and hint, the stack trace only with DEBUG_ERRORS.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RunningGateway } from '../gateway/server';
import { startStack, type Stack } from './harness/stack';

const DOC = fs.readFileSync(path.resolve(__dirname, '../docs/getting-started.md'), 'utf8');
const DOC_URL = 'http://127.0.0.1:4000/graphql';
/** The doc's shell blocks that run curl. */
const CURLS = [...DOC.matchAll(/```sh\n(curl [\s\S]*?)```/g)].map((m) => m[1]!);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  await stack.query(
    'mutation { a: createAccount(name: "Doc reader A") { id } b: createAccount(name: "Doc reader B") { id } }',
  );
});
afterAll(() => stack.stop());

const sh = (command: string) =>
  new Promise<string>((resolve, reject) =>
    execFile('sh', ['-c', command], { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );

test('the doc shows a POST and a GET with curl', () => {
  expect(CURLS).toHaveLength(2);
  expect(CURLS[1]).toContain("-H 'apollo-require-preflight: true'");
  expect(CURLS.every((c) => c.includes(DOC_URL))).toBe(true);
});

test.each([0, 1])('curl command %i of the doc, as written, answers the first accounts', async (i) => {
  const out = JSON.parse(await sh(CURLS[i]!.replaceAll(DOC_URL, stack.gateway.url)));
  expect(out.errors).toBeUndefined();
  expect(out.data.accounts.edges).toHaveLength(2);
  expect(out.data.accounts.edges[0].node).toEqual({ id: expect.any(String), name: expect.any(String) });
});

test('the same GET without the CSRF header is refused with 400 naming the header', async () => {
  const withoutHeader = CURLS[1]!.replace("-H 'apollo-require-preflight: true'", '');
  const out = await sh(`${withoutHeader.replaceAll(DOC_URL, stack.gateway.url).trim()} -w '\\n%{http_code}'`);
  const [body, status] = [out.slice(0, out.lastIndexOf('\n')), out.slice(out.lastIndexOf('\n') + 1)];
  expect(status).toBe('400');
  expect(body).toMatch(/apollo-require-preflight/);
});

describe('errors in development', () => {
  let debug: RunningGateway;
  beforeAll(async () => {
    debug = await stack.anotherGateway({ NODE_ENV: 'development', DEBUG_ERRORS: 'true' });
  });
  afterAll(() => debug.stop());

  const post = async (url: string, query: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const text = await res.text();
    return { text, body: JSON.parse(text) as { errors: { message: string; extensions: Record<string, any> }[] } };
  };

  test('a validation error: message, code and hint; a stack trace only with DEBUG_ERRORS=true', async () => {
    const plain = await post(stack.gateway.url, '{ nope }');
    expect(plain.body.errors[0]).toEqual({
      message: 'Cannot query field "nope" on type "Query".',
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', hint: expect.stringMatching(/does not match the schema/) },
    });
    const withStack = await post(debug.url, '{ nope }');
    expect(withStack.body.errors[0]!.extensions.stacktrace).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\s+at /)]),
    );
  });

  test('a subgraph that is down: SUBGRAPH_UNAVAILABLE with a hint, no stack (the answer stays small)', async () => {
    await stack.stopSubgraph('image');
    try {
      const query = '{ accounts(first: 1) { edges { node { id imageData { id } } } } }';
      const plain = await post(stack.gateway.url, query);
      const error = plain.body.errors.find((e) => e.extensions.code === 'SUBGRAPH_UNAVAILABLE');
      expect(error).toMatchObject({
        message: expect.any(String),
        extensions: {
          code: 'SUBGRAPH_UNAVAILABLE',
          serviceName: 'image',
          hint: expect.stringMatching(/did not answer/),
        },
      });
      expect(plain.text).not.toMatch(/stacktrace|\bat .+\.(ts|js):\d+/);
      const withStack = await post(debug.url, query);
      expect(withStack.text).toMatch(/"stacktrace"/);
    } finally {
      await stack.restart('image');
    }
  });
});
