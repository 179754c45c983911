/**
 * Compiled execution of the few documents a gateway sends a subgraph (graphql-jit): each
 * query document is compiled once into a JavaScript function specialised to its selection,
 * then run for every request with that document, instead of graphql-js walking the
 * document's AST field by field on every request. Hooked in through Apollo Server's
 * `gateway` interface (a `GatewayInterface` whose `load()` hands Apollo an executor): parsing,
 * validation, the document cache, plugins, error formatting and the HTTP layer stay Apollo
 * Server's; only the execute step changes.
 *
 * Where graphql-js stays in charge, so that nothing a client sees differs:
 * - mutations (rare, their cost is the transaction; kept on the reference path);
 * - introspection (`__schema`, `__type`: the playground and tools, not the gateway's traffic);
 * - a document graphql-jit cannot compile, and documents beyond the first `maxDocuments`
 *   distinct ones (the cache is bounded; a gateway sends a handful);
 * - a request whose variables do not coerce: graphql-jit reports it before any resolver runs,
 *   and graphql-js is asked again for its exact errors (Apollo Server recognises those as
 *   BAD_USER_INPUT by their AST nodes, which graphql-jit's errors do not carry).
 * Tests: tests/compiled-execution.e2e.ts runs both paths side by side on the gateway's documents.
 */
import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';

export interface CompiledExecutionOptions {
  /** Distinct documents compiled at most; later ones run on graphql-js. @default 256 */
  maxDocuments?: number;
}

/** Why a request ran on graphql-js, or that it ran compiled (for tests and metrics). */
export type ExecutionPath =
  'lean' | 'handed-over' | 'compiled' | 'mutation' | 'introspection' | 'not-compilable' | 'cache-full' | 'variables';

/** A query document that has been through Apollo Server's pipeline once and ran compiled. */
export interface KnownDocument {
  query: CompiledQuery;
  /** The operation's own name (what Apollo Server's plugins see as `operationName`), null when anonymous. */
  operationName: string | null;
}

const INTROSPECTION = /\b__(schema|type)\b/;

export interface CompiledExecution {
  executor: GatewayExecutor;
  /** Counts of requests per path since start ('lean': answered by kit/lean-route.ts; 'handed-over': run there, answered by Apollo Server). */
  readonly paths: Record<ExecutionPath, number>;
  /**
   * The compiled document for this exact source text and requested operation name, once a
   * request with them has passed Apollo Server's parsing and validation and run compiled
   * (kit/lean-route.ts answers the next ones); undefined before.
   */
  known(source: string, operationName: string | undefined): KnownDocument | undefined;
}

/** What a compiled run gives: the result, or 'variables' when they did not coerce (nothing ran). */
export async function runCompiled(
  query: CompiledQuery,
  context: unknown,
  variables: Record<string, unknown> | undefined,
): Promise<ExecutionResult | 'variables'> {
  const result = await query.query(undefined, context, variables ?? {});
  // No data at all: the request failed before execution (its variables); graphql-js words it.
  if (result.data === undefined && result.errors?.length) return 'variables';
  return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : (result as ExecutionResult);
}

export function compiledExecution(schema: GraphQLSchema, opts: CompiledExecutionOptions = {}): CompiledExecution {
  const max = opts.maxDocuments ?? 256;
  // Keyed by Apollo's query hash (SHA-256 of the source) and operation name; `null`: not compilable.
  const compiled = new Map<string, CompiledQuery | null>();
  // Keyed by source text and requested operation name (what a request body carries).
  const known = new Map<string, KnownDocument>();
  const paths: Record<ExecutionPath, number> = {
    lean: 0,
    'handed-over': 0,
    compiled: 0,
    mutation: 0,
    introspection: 0,
    'not-compilable': 0,
    'cache-full': 0,
    variables: 0,
  };

  const reference = (ctx: GatewayGraphQLRequestContext, why: ExecutionPath) => {
    paths[why]++;
    return execute({
      schema,
      document: ctx.document,
      contextValue: ctx.context,
      variableValues: ctx.request.variables,
      operationName: ctx.request.operationName,
    }) as ExecutionResult | Promise<ExecutionResult>;
  };

  const compile = (key: string, document: DocumentNode, operationName: string | undefined) => {
    let query: CompiledQuery | null = null;
    try {
      const result = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: false });
      if (isCompiledQuery(result)) query = result;
    } catch {
      query = null; // graphql-js runs it (and reports whatever is wrong with it itself)
    }
    compiled.set(key, query);
    return query;
  };

  const executor: GatewayExecutor = async (ctx) => {
    if (ctx.operation.operation !== 'query') return reference(ctx, 'mutation');
    if (INTROSPECTION.test(ctx.source)) return reference(ctx, 'introspection');
    const key = `${ctx.queryHash}\n${ctx.request.operationName ?? ''}`;
    let query = compiled.get(key);
    if (query === undefined) {
      if (compiled.size >= max) return reference(ctx, 'cache-full');
      query = compile(key, ctx.document, ctx.request.operationName);
    }
    if (query === null) return reference(ctx, 'not-compilable');
    const result = await runCompiled(query, ctx.context, ctx.request.variables);
    if (result === 'variables') return reference(ctx, 'variables');
    paths.compiled++;
    const sourceKey = `${ctx.source}\n${ctx.request.operationName ?? ''}`;
    if (!known.has(sourceKey) && known.size < max)
      known.set(sourceKey, { query, operationName: ctx.operationName ?? null });
    return result;
  };
  return {
    executor,
    paths,
    known: (source, operationName) => known.get(`${source}\n${operationName ?? ''}`),
  };
}

/**
 * graphql-jit's errors imitate graphql-js's but leave `extensions` undefined when the thrown
 * error had none (Apollo Server's formatting reads `extensions.code`); rebuilt as graphql-js
 * builds a located error: the thrown error's message, extensions and stack, the field's path
 * and locations.
 */
function asGraphQLError(e: GraphQLError): GraphQLError {
  const error = new GraphQLError(e.message, {
    path: e.path,
    originalError: e.originalError ?? undefined,
    extensions: e.extensions,
  });
  (error as { locations?: GraphQLError['locations'] }).locations = e.locations;
  return error;
}

/**
 * The executor as Apollo Server's `gateway` option: Apollo takes the schema from
 * `onSchemaLoadOrUpdate` (for parsing, validation and its plugins) and runs every operation
 * through `load()`'s executor. The schema never changes in a subgraph process.
 */
export function compiledExecutionGateway(schema: GraphQLSchema, executor: GatewayExecutor): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    load: async () => ({ executor }),
    stop: async () => {},
  };
}
