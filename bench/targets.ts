/**
 * What `npm run bench` measures, one target at a time: our gateway (GraphQL and the REST
 * shim), a stock @apollo/gateway, Hive Gateway (its JavaScript planner, and its Rust query
 * planner), Grafbase Gateway (Rust), the hand-written REST fan-out, and the limit. Each says how
 * it is started (the bench's own servers are separate processes on free loopback ports, started
 * only for their turn) and how a request for one id looks.
 */
import { CONTEXTS, type ContextName } from '../platform/config';
import { freePort } from '../prisma/tools/local/scratch';
import { graphqlBody, type Shape } from './load/spec';
import { serviceEnv, stackEnv, startService, type Service, type Stack } from './lib/services';
import { grafbaseService } from './baselines/grafbase';

export interface TargetContext {
  stack: Stack;
  urls: Record<ContextName, string>;
  logDir: string;
  /** Extra node flags for the bench's own servers (experiments' preloads). */
  nodeArgs?: string[];
  /** Compiled project (bench/lib/build.ts), or undefined to run sources through tsx. */
  build?: string;
}

export interface Target {
  id: string;
  label: string;
  kind: 'graphql' | 'rest';
  path: string;
  /** Starts the target's server (if it is not the stack's gateway); `stop` is called after its turn. */
  start(ctx: TargetContext): Promise<{ service: Service; stop(): Promise<void> }>;
}

const ours = (ctx: TargetContext) => ({ service: ctx.stack.gateway, stop: async () => {} });

/** Starts one of the bench's own servers; `databases`: the contexts whose database URLs it gets (the limit's: all three). */
async function own(
  ctx: TargetContext,
  name: string,
  entry: string,
  databases: readonly ContextName[],
  probe?: (baseUrl: string) => Promise<boolean>,
  extraEnv: Record<string, string> = {},
) {
  const port = await freePort();
  const subgraphPorts = {
    gateway: port, // unused by these servers, but the configuration wants a valid port
    account: ctx.stack.subgraphs.account.port,
    data: ctx.stack.subgraphs.data.port,
    image: ctx.stack.subgraphs.image.port,
  };
  const env = serviceEnv({ ...stackEnv(subgraphPorts), BENCH_PORT: String(port), ...extraEnv }, ctx.urls, databases);
  const service = await startService({
    name,
    entry,
    env,
    port,
    logDir: ctx.logDir,
    nodeArgs: ctx.nodeArgs ?? [],
    build: ctx.build,
    ...(probe ? { probe } : {}),
  });
  return { service, stop: () => service.stop() };
}

/** The stock server and Hive have no health route of ours: ready once they plan and answer a query. */
const answersGraphQL = (path: string) => async (baseUrl: string) => {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
    signal: AbortSignal.timeout(1_000),
  });
  return res.ok;
};

export const TARGETS: Target[] = [
  {
    id: 'ours-graphql',
    label: 'our gateway, GraphQL POST /graphql',
    kind: 'graphql',
    path: '/graphql',
    start: async (ctx) => ours(ctx),
  },
  {
    id: 'ours-rest',
    label: 'our gateway, REST GET /accounts/{id}',
    kind: 'rest',
    path: '/accounts/',
    start: async (ctx) => ours(ctx),
  },
  {
    id: 'stock-graphql',
    label: 'stock @apollo/gateway + startStandaloneServer, GraphQL',
    kind: 'graphql',
    path: '/',
    start: (ctx) => own(ctx, 'stock-gateway', 'bench/baselines/stock-gateway', [], answersGraphQL('/')),
  },
  {
    id: 'hive-js-graphql',
    label: 'Hive Gateway runtime (JavaScript query planner), GraphQL',
    kind: 'graphql',
    path: '/graphql',
    start: (ctx) =>
      own(ctx, 'hive-js', 'bench/baselines/hive-gateway', [], answersGraphQL('/graphql'), { BENCH_PLANNER: 'js' }),
  },
  {
    id: 'hive-rust-graphql',
    label: 'Hive Gateway runtime with the Rust query planner, GraphQL',
    kind: 'graphql',
    path: '/graphql',
    start: (ctx) =>
      own(ctx, 'hive-rust', 'bench/baselines/hive-gateway', [], answersGraphQL('/graphql'), { BENCH_PLANNER: 'rust' }),
  },
  {
    id: 'grafbase-graphql',
    label: 'Grafbase Gateway (Rust, `grafbase dev`), GraphQL',
    kind: 'graphql',
    path: '/graphql',
    start: async (ctx) => {
      const port = await freePort();
      const urls = Object.fromEntries(CONTEXTS.map((c) => [c, `${ctx.stack.subgraphs[c].baseUrl}/graphql`])) as Record<
        ContextName,
        string
      >;
      const service = await startService(
        grafbaseService({
          name: 'grafbase',
          port,
          urls,
          logDir: ctx.logDir,
          env: {},
          probe: answersGraphQL('/graphql'),
        }),
      );
      return { service, stop: () => service.stop() };
    },
  },
  {
    id: 'fanout-rest',
    label: 'hand-written REST fan-out (baseline), GET /accounts/{id}',
    kind: 'rest',
    path: '/accounts/',
    start: (ctx) => own(ctx, 'rest-fanout', 'bench/baselines/fanout-main', []),
  },
  {
    id: 'limit-rest',
    label: 'limit: one process reading the 3 databases, GET /accounts/{id}',
    kind: 'rest',
    path: '/accounts/',
    start: (ctx) => own(ctx, 'limit', 'bench/baselines/limit-main', CONTEXTS),
  },
];

/**
 * One request for `id`, answered as parsed JSON (GraphQL: the account, or the page's `data`;
 * REST: the body), with servedBy blanked.
 */
export async function fetchOne(
  baseUrl: string,
  target: Pick<Target, 'kind' | 'path'>,
  id: string,
  shape: Shape = 'view',
): Promise<unknown> {
  const res =
    target.kind === 'graphql'
      ? await fetch(`${baseUrl}${target.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: graphqlBody(shape, id),
        })
      : await fetch(`${baseUrl}${target.path}${encodeURIComponent(id)}`);
  const text = (await res.text())
    .replace(/"servedBy":"[^"]*"/g, '"servedBy":"*"')
    .replace(/"ipAddress":"(account|quote)@[^"]*"/g, '"ipAddress":"*"');
  if (!res.ok) throw new Error(`${baseUrl}${target.path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { data?: { account?: unknown }; errors?: unknown };
  if (target.kind === 'graphql' && body.errors)
    throw new Error(`${baseUrl}${target.path}: errors ${text.slice(0, 300)}`);
  return target.kind === 'rest' ? body : shape === 'view' ? body.data?.account : body.data;
}
