/**
 * The gateway: @apollo/gateway executing query plans over the three subgraphs, served by
 * Apollo Server on the shared HTTP layer. It runs from the committed supergraph file
 * (or composes the SDL files at start in dev mode) and maps subgraph names to the
 * configured URLs, so one supergraph file serves every environment. The same port serves
 * the old REST contract (rest/), implemented with GraphQL operations on this graph, and the
 * offline GraphiQL playground (playground/).
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import type { Config, ContextName } from '../platform/config';
import { CONTEXTS } from '../platform/config';
import { startHttpServer, type RunningHttpServer } from '../platform/http';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../platform/idempotency-key';
import type { Logger } from '../platform/logger';
import { Metrics } from '../platform/metrics';
import { operationResolution } from '../platform/operation-resolution';
import { apolloPlugins, leanHooks, type ServerPlugin } from '../platform/plugins';
import { contextWith } from '../platform/handover';
import { composeSupergraph } from './compose';
import { DocumentCache, QUERY_PLAN_CACHE_MIB } from '../platform/document-cache';
import { developmentErrors } from './dev-errors';
import { legacyJsonStatus } from './legacy-json-status';
import { queryLimits, type QueryLimits } from './limits';
import { GatewayMetrics } from './metrics';
import { publicErrors } from './public-errors';
import { playgroundRoute } from './playground';
import { LeanExecutor } from './lean-executor';
import { leanPath } from './lean-route';
import { ResilientDataSource } from './resilience';
import { piecesFrom, subgraphFetcher, type ResilienceOptions, type SubgraphFetcher } from './upstream/fetcher';
import { restRouter, type Execute, type GraphQLResult } from './rest/router';
import { legacyRoutes } from './rest/routes';
import { idempotencyPlugin, type GatewayContext } from './writes';

export interface GatewayOptions {
  host: string;
  port: number;
  /** Each subgraph's URL, or its replicas' URLs (upstream/replicas.ts). */
  subgraphUrls: Record<ContextName, string | readonly string[]>;
  supergraphPath: string;
  composeAtStart: boolean;
  production: boolean;
  /** Stack traces in GraphQL errors (DEBUG_ERRORS; never in production). @default false */
  debugErrors?: boolean;
  /** Serve the GraphiQL playground (default: not in production). */
  playground?: boolean;
  /** Answer introspection queries (default: not in production). */
  introspection?: boolean;
  resilience: ResilienceOptions;
  /** Identical queries in flight answered by one execution (coalesce.ts). @default true */
  coalesce?: boolean;
  /** Known queries answered without Apollo Server's pipeline (lean-route.ts). @default true */
  leanPath?: boolean;
  limits: QueryLimits;
  maxBodyBytes?: number;
  /** BODY_TIMEOUT_MS (platform/http.ts). */
  bodyTimeoutMs?: number;
  /** GET /accounts/10000 records P13's VIP notification (VIP_AMQP_URL set; rest/routes.ts). */
  vipNotifications?: boolean;
  /** Signs every subgraph request (the subgraphs refuse unsigned ones when they have it). */
  subgraphSecret?: string;
  log: Logger;
  /** The process's metrics (its main creates them); default: this gateway's own registry. */
  metrics?: Metrics;
}

export const gatewayOptionsFrom = (config: Config, log: Logger): GatewayOptions => ({
  host: config.host,
  port: config.ports.gateway,
  subgraphUrls: config.subgraphReplicas,
  supergraphPath: config.supergraphPath,
  composeAtStart: config.composeAtStart,
  production: config.production,
  debugErrors: config.debugErrors,
  playground: config.playground,
  introspection: config.introspection,
  resilience: config.resilience,
  coalesce: config.coalesce,
  leanPath: config.leanPath,
  limits: config.limits,
  maxBodyBytes: config.maxBodyBytes,
  bodyTimeoutMs: config.bodyTimeoutMs,
  subgraphSecret: config.subgraphSecret,
  vipNotifications: config.vip.amqpUrl !== undefined,
  log,
});

/**
 * @apollo/gateway reports anonymous usage to Apollo unless APOLLO_TELEMETRY_DISABLED is set
 * when it is constructed (the only time it reads it); this stack never phones home. Set for
 * that construction only, then put back as it was.
 */
export function withoutTelemetry<T>(construct: () => T): T {
  const before = process.env.APOLLO_TELEMETRY_DISABLED;
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  try {
    return construct();
  } finally {
    if (before === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
    else process.env.APOLLO_TELEMETRY_DISABLED = before;
  }
}

export interface RunningGateway extends RunningHttpServer {
  stop(): Promise<void>;
}

/** A subgraph's replicas' URLs, one or more. */
const replicaUrls = (urls: string | readonly string[]): readonly string[] => (typeof urls === 'string' ? [urls] : urls);

function loadSupergraph(opts: GatewayOptions): string {
  if (opts.composeAtStart) {
    const first = (c: ContextName) => replicaUrls(opts.subgraphUrls[c])[0]!;
    return composeSupergraph({ account: first('account'), data: first('data'), image: first('image') }).supergraphSdl;
  }
  if (!fs.existsSync(opts.supergraphPath)) {
    throw new Error(
      `supergraph file ${opts.supergraphPath} not found; run \`npm run supergraph:compose\` or set SUPERGRAPH_PATH`,
    );
  }
  return fs.readFileSync(opts.supergraphPath, 'utf8');
}

function isContext(name: string): name is ContextName {
  return (CONTEXTS as readonly string[]).includes(name);
}

/** Why one replica is not ready (its readiness probe: databases included), or undefined when it is. */
async function notReady(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(new URL('/ready', url), { signal: AbortSignal.timeout(2_000) });
    return res.ok ? undefined : `${res.status} ${await res.text()}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Checks that every subgraph has a replica that answers its readiness probe. */
async function subgraphsReady(urls: GatewayOptions['subgraphUrls']): Promise<void> {
  const failures: string[] = [];
  await Promise.all(
    CONTEXTS.map(async (c) => {
      const reasons = await Promise.all(replicaUrls(urls[c]).map(notReady));
      if (reasons.every((r) => r !== undefined)) failures.push(`${c}: ${reasons.join(', ')}`);
    }),
  );
  if (failures.length > 0) throw new Error(`subgraphs not ready: ${failures.join('; ')}`);
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const log = opts.log.child({ component: 'gateway' });
  const metrics = opts.metrics ?? new Metrics();
  const gatewayMetrics = new GatewayMetrics(metrics.registry);
  // Each subgraph's fetch-level pieces, composed in one place (upstream/fetcher.ts).
  const fetchers: SubgraphFetcher[] = [];
  const supergraphSdl = loadSupergraph(opts);
  const gateway = withoutTelemetry(
    () =>
      new ApolloGateway({
        supergraphSdl,
        buildService: ({ name, url }) => {
          const target = isContext(name) ? replicaUrls(opts.subgraphUrls[name]) : url ? [url] : [];
          if (target.length === 0) throw new Error(`no URL for subgraph ${name}`);
          const fetcher = subgraphFetcher({
            name,
            urls: target,
            ...piecesFrom(opts.resilience),
            secret: opts.subgraphSecret,
            log,
            metrics: gatewayMetrics,
          });
          fetchers.push(fetcher);
          return new ResilientDataSource(fetcher);
        },
        logger: log,
        experimental_approximateQueryPlanStoreMiB: QUERY_PLAN_CACHE_MIB, // bounded caches: document-cache.ts
      }),
  );
  const playground = { enabled: opts.playground ?? !opts.production, graphqlPath: '/graphql' };
  const limits = queryLimits(opts.limits);
  const gather = { windowMs: opts.resilience.gatherWindowMs, onShared: () => gatewayMetrics.coalesced.inc() };
  // One list for both paths: what Apollo Server runs, and what the lean path runs (platform/plugins.ts).
  const plugins: ServerPlugin<GatewayContext>[] = [
    // Apollo's own landing page (Apollo Sandbox, from a CDN) would answer browsers on /graphql.
    { name: 'landing page off', apollo: ApolloServerPluginLandingPageDisabled(), lean: 'inert' },
    { name: 'legacy JSON status', apollo: legacyJsonStatus<GatewayContext>(), lean: 'errors-only' },
    metrics.operationServerPlugin('gateway'),
    { name: 'operation resolution', apollo: operationResolution, lean: 'document-checks' },
    { name: 'idempotency keys', apollo: idempotencyPlugin, lean: 'mutations-only' },
    // GraphQL Armor's Apollo plugins only rewrite error messages (its limits are validation rules).
    ...limits.plugins.map((apollo) => ({ name: 'query limits', apollo, lean: 'errors-only' as const })),
  ];
  // Both paths run this executor; identical queries share its executions (coalesce.ts).
  const executor = new LeanExecutor(gateway, { coalesce: opts.coalesce === false ? undefined : gather });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: executor,
    documentStore: new DocumentCache(),
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    formatError: opts.production ? publicErrors(log) : developmentErrors(opts.debugErrors === true),
    introspection: opts.introspection ?? !opts.production,
    includeStacktraceInErrorResponses: opts.debugErrors === true && !opts.production,
    stopOnTerminationSignals: false, // platform/lifecycle.ts owns shutdown
    logger: log,
    plugins: apolloPlugins(plugins),
  });
  await apollo.start();
  const ready = () => subgraphsReady(opts.subgraphUrls);
  const context = async (req: IncomingMessage): Promise<GatewayContext> => ({
    idempotencyKey: idempotencyKeyOf(req.headers),
  });
  const leanPlugins = opts.leanPath === false ? undefined : leanHooks(plugins);
  const lean = leanPlugins && leanPath({ executor, context, plugins: leanPlugins, metrics: gatewayMetrics });
  // The REST shim's operations: a known query on the lean path too, the rest through Apollo Server.
  const execute: Execute = async (query, variables, restContext = {}) => {
    const contextValue: GatewayContext = { ...restContext };
    const run = await lean?.run({ query, operationName: undefined, variables }, contextValue);
    if (run && 'plain' in run) return { data: run.plain.data as never, replayed: false };
    const handedOver = run && !run.outcome.cacheable ? contextWith(contextValue, run.outcome) : { ...restContext };
    const res = await apollo.executeOperation({ query, variables }, { contextValue: handedOver });
    if (res.body.kind !== 'single') throw new Error('incremental delivery is not used by the REST shim');
    // Apollo Server runs on a copy of contextValue: the plugin's response header is what tells.
    return {
      ...(res.body.singleResult as GraphQLResult<never>),
      replayed: res.http.headers.get(REPLAYED_HEADER) === 'true',
    };
  };
  const rest = restRouter(
    legacyRoutes({ vipNotifications: opts.vipNotifications ?? false }),
    execute,
    log,
    opts.maxBodyBytes,
  );
  const http = await startHttpServer(
    {
      apollo,
      log,
      metrics,
      context: async (req) => executor.handover.contextFor(req, await context(req)),
      shortcut: lean?.shortcut,
      ready,
      routes: [playgroundRoute(playground), rest],
      maxBodyBytes: opts.maxBodyBytes,
      bodyTimeoutMs: opts.bodyTimeoutMs,
    },
    { host: opts.host, port: opts.port },
  );
  log.info({ url: http.url, subgraphs: opts.subgraphUrls }, 'gateway listening');
  return {
    ...http,
    stop: async () => {
      await http.close();
      await apollo.stop();
      await Promise.all(fetchers.map((f) => f.close()));
    },
  };
}
