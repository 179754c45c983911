/** What the benchmark asks of one autocannon run, and what it gets back (shared by parent and child). */
import { ACCOUNT_SELECTION } from '../../gateway/rest/legacy';

/** The aggregated account view as GraphQL: exactly what GET /accounts/{id} asks the graph for. */
export const AGGREGATED_QUERY = `query AccountView($id: ID!) { account(id: $id) { ${ACCOUNT_SELECTION} } }`;

export interface LoadSpec {
  baseUrl: string;
  /** 'graphql': POST AGGREGATED_QUERY to `path`; 'rest': GET `${path}${id}` (path '/accounts/'). */
  kind: 'graphql' | 'rest';
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
