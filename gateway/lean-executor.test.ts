/**
 * The lean executor's notes of known queries (lean-executor.ts): only queries that reached the
 * executor, by source text and operation name, bounded by count and by source characters, least
 * recently used out; a new schema forgets them. The gateway under it is a stand-in that answers
 * every execution with empty data (what it executes is not under test here).
 */
import { parse, type OperationDefinitionNode } from 'graphql';
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { LeanExecutor } from './lean-executor';

let onSchema: ((s: { apiSchema: never; coreSupergraphSdl: string }) => void) | undefined;
const standIn: GatewayInterface = {
  onSchemaLoadOrUpdate: (callback) => {
    onSchema = callback as typeof onSchema;
    return () => {};
  },
  load: async () => ({ executor: async () => ({ data: {} }) }),
  stop: async () => {},
};

/** What Apollo Server would pass for `query` (the fields the executor reads). */
function contextOf(query: string, operationName?: string): GatewayGraphQLRequestContext {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  return {
    request: { query, operationName },
    document,
    operation,
    source: query,
    queryHash: query,
    operationName: operationName ?? null,
    context: {},
    metrics: {},
  } as unknown as GatewayGraphQLRequestContext;
}

async function executorOf(lean: LeanExecutor): Promise<GatewayExecutor> {
  lean.onSchemaLoadOrUpdate(() => {});
  return (await lean.load({ apollo: {} })).executor!;
}

const query = (i: number, pad = 0) => `query Q${i} { a${' '.repeat(pad)} }`;

test('queries that reached the executor are known, by text and operation name; mutations never', async () => {
  const lean = new LeanExecutor(standIn);
  const execute = await executorOf(lean);
  expect(lean.knownQuery(query(1), undefined)).toBeUndefined();
  await execute(contextOf(query(1)));
  expect(lean.knownQuery(query(1), undefined)?.operationName).toBeNull();
  expect(lean.knownQuery(query(1), 'Q1')).toBeUndefined();
  await execute(contextOf('mutation M { a }'));
  expect(lean.knownQuery('mutation M { a }', undefined)).toBeUndefined();
});

test('at most maxDocuments, the least recently used out', async () => {
  const lean = new LeanExecutor(standIn, { maxDocuments: 3 });
  const execute = await executorOf(lean);
  for (const i of [1, 2, 3]) await execute(contextOf(query(i)));
  lean.knownQuery(query(1), undefined); // used: now the most recent
  await execute(contextOf(query(4)));
  expect([1, 2, 3, 4].map((i) => lean.knownQuery(query(i), undefined) !== undefined)).toEqual([
    true,
    false,
    true,
    true,
  ]);
});

test('at most maxSourceChars of source text; a document larger than that is not kept', async () => {
  const lean = new LeanExecutor(standIn, { maxSourceChars: 120 });
  const execute = await executorOf(lean);
  // Each key is 55 characters (the source and its operation name's line): two fit in 120, three do not.
  for (const i of [1, 2, 3]) await execute(contextOf(query(i, 40)));
  expect([1, 2, 3].map((i) => lean.knownQuery(query(i, 40), undefined) !== undefined)).toEqual([false, true, true]);
  await execute(contextOf(query(4, 200)));
  expect(lean.knownQuery(query(4, 200), undefined)).toBeUndefined();
  expect(lean.knownQuery(query(3, 40), undefined)).toBeDefined();
});

test('a new schema forgets every known query', async () => {
  const lean = new LeanExecutor(standIn);
  const execute = await executorOf(lean);
  await execute(contextOf(query(1)));
  onSchema!({ apiSchema: undefined as never, coreSupergraphSdl: '' });
  expect(lean.knownQuery(query(1), undefined)).toBeUndefined();
});
