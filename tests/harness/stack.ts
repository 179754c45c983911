/**
 * The shared harness of the integration and e2e tests: the three subgraphs and the
 * gateway as real HTTP servers on free ports, in this process, against the test
 * PostgreSQL. Each test file starts one stack and stops it in afterAll. Fault tests can
 * stop one subgraph and start it again on the same port (`stopSubgraph`, `restart`): the
 * running gateway, which knows fixed URLs, then reaches it again without a restart.
 */
import { CONTEXTS, loadConfig, type ContextName } from '../../platform/config';
import { testLogger } from './log';
import { gatewayOptionsFrom, startGateway, type RunningGateway } from '../../gateway/server';
import { accountSubgraph } from '../../subgraphs/account';
import { dataSubgraph } from '../../subgraphs/data';
import { imageSubgraph } from '../../subgraphs/image';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/kit/subgraph';
import { testDatabaseUrls } from './db';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface Stack {
  gateway: RunningGateway;
  subgraphs: Record<ContextName, RunningSubgraph>;
  /** POSTs an operation to the gateway and returns the parsed body. */
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Stops one subgraph (HTTP server, workers, database pool); its port stays the gateway's URL for it. */
  stopSubgraph(name: ContextName): Promise<void>;
  /** Starts one subgraph anew on its port (stopping it first if it runs); `subgraphs[name]` is then the new one. */
  restart(name: ContextName): Promise<void>;
  /** Another gateway over this stack's subgraphs, configured from `env` (e.g. DEBUG_ERRORS); the caller stops it. */
  anotherGateway(env: Record<string, string>): Promise<RunningGateway>;
  stop(): Promise<void>;
}

export async function postGraphQL<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

export interface StackOptions {
  /** Run the account context's outbox relay (default true); extra environment for its config. */
  relay?: boolean;
  env?: Record<string, string>;
  /** Shared secret: the subgraphs then answer only signed requests (the gateway's, the relay's). */
  secret?: string;
  /** Attempts of a write transaction that loses serialization conflicts (TX_MAX_ATTEMPTS; default 6). */
  txMaxAttempts?: number;
  /** The subgraphs' database URLs (default: the test cluster's, testDatabaseUrls). */
  urls?: Record<ContextName, string>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = testLogger();
  const urls = opts.urls ?? testDatabaseUrls();
  const common = {
    host: '127.0.0.1',
    instanceName: 'test',
    retry: { maxAttempts: opts.txMaxAttempts ?? 6 },
    log,
    secret: opts.secret,
  };
  const startData = (port: number) => startSubgraph(dataSubgraph(urls.data, 5), { ...common, port });
  const startImage = (port: number) => startSubgraph(imageSubgraph(urls.image, 5), { ...common, port });
  const [data, image] = await Promise.all([startData(0), startImage(0)]);
  const config = loadConfig({
    ...process.env,
    OUTBOX_POLL_MS: '50',
    ...opts.env,
    DATA_SUBGRAPH_URL: data.url,
    OUTBOX_RELAY: String(opts.relay ?? true),
    SUBGRAPH_SECRET: opts.secret,
  });
  const startAccount = (port: number) => startSubgraph(accountSubgraph(urls.account, 5, config), { ...common, port });
  const account = await startAccount(0);
  const subgraphs = { account, data, image };
  const starters = { account: startAccount, data: startData, image: startImage };
  const stopped = new Set<ContextName>();
  const stopSubgraph = async (name: ContextName) => {
    if (stopped.has(name)) return;
    stopped.add(name);
    await subgraphs[name].stop();
  };
  const gatewayOver = (cfg: typeof config) =>
    startGateway({
      ...gatewayOptionsFrom(cfg, log),
      host: '127.0.0.1',
      port: 0,
      subgraphUrls: { account: subgraphs.account.url, data: subgraphs.data.url, image: subgraphs.image.url },
      composeAtStart: true,
    });
  const gateway = await gatewayOver(config);
  return {
    gateway,
    subgraphs,
    query: (query, variables) => postGraphQL(gateway.url, query, variables),
    stopSubgraph,
    anotherGateway: (env) =>
      gatewayOver(loadConfig({ ...process.env, ...opts.env, ...env, SUBGRAPH_SECRET: opts.secret })),
    restart: async (name) => {
      await stopSubgraph(name);
      subgraphs[name] = await starters[name](subgraphs[name].port);
      stopped.delete(name);
    },
    stop: async () => {
      await gateway.stop();
      await Promise.all(CONTEXTS.map(stopSubgraph));
    },
  };
}
