/**
 * BASELINE ONLY: the same three subgraphs behind Hive Gateway's runtime
 * (`@graphql-hive/gateway-runtime`), as its docs set it up: `createGatewayRuntime` with the
 * committed supergraph (subgraph URLs rewritten to this run's ports) and the HTTP transport,
 * on node:http. BENCH_PLANNER=rust swaps in the Rust query planner
 * (`@graphql-hive/router-runtime`'s `unifiedGraphHandler`); otherwise its JavaScript planner.
 * Node 20 lacks `Promise.withResolvers`, which these packages use: a small polyfill first.
 * Env: BENCH_PORT and the *_SUBGRAPH_URL variables.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CONTEXTS, loadConfig } from '../../platform/config';
import { envPort, runProcess } from './serve';

const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

runProcess(async () => {
  const { createGatewayRuntime } = await import('@graphql-hive/gateway-runtime');
  const httpTransport = (await import('@graphql-mesh/transport-http')).default;
  const urls = loadConfig().subgraphUrls;
  let supergraph = fs.readFileSync(path.resolve(__dirname, '../../gateway/supergraph.graphql'), 'utf8');
  for (const name of CONTEXTS)
    supergraph = supergraph.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*`), `$1${urls[name]}`);
  const rust = process.env.BENCH_PLANNER === 'rust';
  const unifiedGraphHandler = rust ? (await import('@graphql-hive/router-runtime')).unifiedGraphHandler : undefined;
  const gateway = createGatewayRuntime({
    supergraph,
    transports: { http: httpTransport },
    logging: 'error',
    ...(unifiedGraphHandler ? { unifiedGraphHandler } : {}),
  } as Parameters<typeof createGatewayRuntime>[0]);
  const server = http.createServer(gateway as unknown as http.RequestListener);
  await new Promise<void>((resolve) => server.listen(envPort(), '127.0.0.1', resolve));
  return {
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await (gateway as unknown as { dispose?: () => Promise<void> }).dispose?.();
    },
  };
});
