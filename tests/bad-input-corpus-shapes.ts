/**
 * The corpus of tests/bad-input.e2e.ts, part three: request shapes that used to reach past
 * every limit (platform/request-shape.ts, platform/operation-resolution.ts): variables nested
 * 300,000 deep (a 500 from a stack overflow), a 2,400-deep list literal ("Maximum call stack
 * size exceeded" told to the client), an operation name not in the document (a 500 on the
 * subgraphs), a 500 kB operation name (echoed back whole, twice). Each sent to the gateway
 * and straight to a subgraph, which parses documents on the same HTTP layer.
 */
import type { Reply } from './harness/request';
import { BAD_INPUT, type Case, type Senders } from './bad-input-corpus';

const QUERY = 'query($v: ID!) { account(id: $v) { id } }';
const CREATE = 'mutation($v: String!) { createAccount(name: $v) { id } }';
/** `{"query": …, "variables": {"v": [[[…]]]}}`, `depth` arrays deep, as raw JSON (JSON.stringify would overflow too). */
const deepVariables = (query: string, depth: number) =>
  `{"query":${JSON.stringify(query)},"variables":{"v":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
const deepList = (depth: number) => `{ account(id: ${'['.repeat(depth)}${']'.repeat(depth)}) { id } }`;
const HUGE_NAME = 'N'.repeat(500_000);

const notEchoed = (res: Reply) => {
  expect(res.text.length).toBeLessThan(10_000);
  expect(res.text).not.toContain('N'.repeat(1_000));
};

/** The cases, for the gateway and for the account subgraph. */
export function shapeCorpus(s: Senders): Record<string, Case> {
  const cases: Record<string, Case> = {};
  for (const [where, url] of [
    ['gateway', s.url],
    ['account subgraph', s.subgraphUrl],
  ] as const) {
    Object.assign(cases, {
      [`${where}: variables nested 300,000 deep (a query)`]: {
        send: () => s.rawTo(url(), deepVariables(QUERY, 300_000)),
        status: 400,
        codes: BAD_INPUT,
        message: /variables nest more than 64 levels deep/,
      },
      [`${where}: variables nested 300,000 deep (a mutation)`]: {
        send: () => s.rawTo(url(), deepVariables(CREATE, 300_000)),
        status: 400,
        codes: BAD_INPUT,
        message: /variables nest more than 64 levels deep/,
      },
      [`${where}: a 2,400-deep list literal`]: {
        send: () => s.rawTo(url(), JSON.stringify({ query: deepList(2_400) })),
        status: 400,
        codes: BAD_INPUT,
        message: /^the document nests brackets, braces or parentheses more than 128 levels deep$/,
      },
      [`${where}: an operation name not in the document`]: {
        send: () => s.rawTo(url(), JSON.stringify({ query: 'query A { __typename }', operationName: 'B' })),
        status: 400,
        codes: ['OPERATION_RESOLUTION_FAILURE'],
        message: /Unknown operation named "B"/,
      },
      [`${where}: a 500 kB operation name`]: {
        send: () => s.rawTo(url(), JSON.stringify({ query: 'query A { __typename }', operationName: HUGE_NAME })),
        status: 400,
        codes: ['OPERATION_RESOLUTION_FAILURE'],
        message: /Unknown operation named "N{64}"… \(500000 characters\)/,
        also: notEchoed,
      },
    });
  }
  return cases;
}
