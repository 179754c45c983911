/**
 * Calling a ResilientDataSource (gateway/resilience.ts) the way @apollo/gateway does, for the
 * data-source tests (gateway/resilience.test.ts, writes.test.ts, dedup.test.ts): a data source
 * on its own pooled clients, requests shaped like a health check or a query-plan fetch, and
 * the assertions on the errors it turns failures into. `useDataSources()` at a test file's
 * top level closes clients and fake servers after each test.
 */
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
// A deep import on purpose (listed in tools/dependencies.test.ts): @apollo/gateway exports the
// request-kind enum's type (in GraphQLDataSourceProcessOptions) but not the enum itself.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { ResilientDataSource } from '../../gateway/resilience';
import {
  piecesFrom,
  subgraphFetcher,
  type ResilienceOptions,
  type SubgraphFetcher,
} from '../../gateway/upstream/fetcher';
import { ErrorCode } from '../../platform/errors';
import { createLogger } from '../../platform/logger';
import { closeFakeServers } from './fake-http';

const log = createLogger('test', 'silent');
const clients: SubgraphFetcher[] = [];

export function useDataSources(): void {
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await closeFakeServers();
  });
}

const defaults: ResilienceOptions = {
  timeoutMs: 2_000,
  mutationTimeoutMs: 2_000,
  attempts: 3,
  breakerThreshold: 100,
  halfOpenAfterMs: 10_000,
};

/** A data source on its own fetcher (one URL or several), as the gateway builds it (upstream/fetcher.ts). */
export function dataSource(
  url: string | readonly string[],
  opts: Partial<ResilienceOptions> = {},
  name = 'account',
): ResilientDataSource {
  const fetcher = subgraphFetcher({
    name,
    urls: typeof url === 'string' ? [url] : url,
    ...piecesFrom({ ...defaults, ...opts }),
    log,
  });
  clients.push(fetcher);
  return new ResilientDataSource(fetcher);
}

export const QUERY = 'query Q__account__0{account(id:"1"){id}}';
export const MUTATION = 'mutation { x }';

/** A request outside any incoming operation, as the gateway's health check sends it. */
export const healthCheckKind = (query: string): GraphQLDataSourceProcessOptions => ({
  kind: GraphQLDataSourceRequestKind.HEALTH_CHECK,
  request: { query },
  context: {},
});

/** A fetch of a query plan, as executeQueryPlan sends it. */
export const incomingOperation = (query: string, operationName?: string): GraphQLDataSourceProcessOptions => {
  const incomingRequestContext = { context: {}, request: {} } as unknown as GatewayGraphQLRequestContext;
  return {
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query, variables: {}, operationName },
    incomingRequestContext,
    context: incomingRequestContext.context,
  };
};

export async function rejection(p: Promise<unknown>): Promise<GraphQLError> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    return err as GraphQLError;
  }
  throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
}

export function expectUnavailable(err: GraphQLError, serviceName = 'account') {
  expect(err.extensions).toEqual(expect.objectContaining({ code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName }));
  expect(err.message).toContain(`subgraph ${serviceName} is unavailable`);
}

export function expectOutcomeUnknown(err: GraphQLError, serviceName = 'account') {
  expect(err.extensions).toEqual(expect.objectContaining({ code: ErrorCode.OUTCOME_UNKNOWN, serviceName }));
  expect(err.message).toMatch(/may or may not have been applied: retry with the same Idempotency-Key/);
}
