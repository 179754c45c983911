/** What the benchmark asks of one autocannon run, and what it gets back (shared by parent and child). */
import { ACCOUNT_SELECTION } from '../../gateway/rest/legacy';
import { encodeCursor } from '../../subgraphs/kit/validate';

/** The aggregated account view as GraphQL: exactly what GET /accounts/{id} asks the graph for. */
export const AGGREGATED_QUERY = `query AccountView($id: ID!) { account(id: $id) { ${ACCOUNT_SELECTION} } }`;

/** A page of 20 accounts with their quote, image and events, after a cursor (a random offset per request). */
export const PAGE_QUERY =
  'query AccountPage($after: String) { accounts(first: 20, after: $after) { edges { node { id name quote { text } imageData { url } events { eventName created } } } pageInfo { hasNextPage endCursor } } }';

/** The hot document: the same 50-account page in every request (a landing page, a popular list). */
export const HOT_QUERY =
  'query HotPage { accounts(first: 50) { edges { node { id name quote { text } imageData { url } events { eventName created } } } } }';

/**
 * What a GraphQL request asks: 'view' the aggregated view of a random seeded id, 'page' a page
 * after a random seeded id's cursor, 'hot' always the same HOT_QUERY (REST targets: 'view' only).
 */
export type Shape = 'view' | 'page' | 'hot';
export const SHAPES: readonly Shape[] = ['view', 'page', 'hot'];

/** A random seeded id, as a string (a fresh one per request). */
export const pickId = (ids: LoadSpec['ids']) => String(ids.first + Math.floor(Math.random() * ids.count));

/** Whether a 2xx answer is the expected one: no GraphQL errors, or a REST body that is an account. */
export const answerMatches = (kind: LoadSpec['kind'], body: string) =>
  kind === 'graphql' ? !body.includes('"errors"') : body.startsWith('{"id"');

/** A load generator child's entry: runs `main`, disconnects from the parent, exits 1 on failure. */
export function runChild(main: () => Promise<void>): void {
  main().then(
    () => process.disconnect?.(),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** The JSON body of a GraphQL request of `shape` for the seeded id `id`. */
export function graphqlBody(shape: Shape, id: string): string {
  if (shape === 'hot') return JSON.stringify({ query: HOT_QUERY });
  if (shape === 'page') return JSON.stringify({ query: PAGE_QUERY, variables: { after: encodeCursor(id) } });
  return JSON.stringify({ query: AGGREGATED_QUERY, variables: { id } });
}

export interface LoadSpec {
  baseUrl: string;
  /** 'graphql': POST the shape's query to `path`; 'rest': GET `${path}${id}` (path '/accounts/'). */
  kind: 'graphql' | 'rest';
  /** GraphQL only; default 'view'. */
  shape?: Shape;
  path: string;
  ids: { first: number; count: number };
  connections: number;
  durationS: number;
  warmupS: number;
  /** Fixed rate over all connections (req/s); unset: as fast as the server answers. */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  /** Exact, from every response time of the measured run. */
  latencyMs: { mean: number; p50: number; p95: number; p99: number; max: number };
  /** autocannon's own figures (its histogram corrects for coordinated omission at a fixed rate). */
  autocannon: { rpsMean: number; p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  loadGeneratorPeakRssMiB: number;
  /** CPU the load generator used during the measured run. */
  loadGeneratorCpuMs: number;
  elapsedS: number;
}
