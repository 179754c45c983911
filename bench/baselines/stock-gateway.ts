/**
 * BASELINE ONLY: the same three subgraphs behind a STOCK gateway, as the Apollo docs set
 * one up: `new ApolloGateway({ supergraphSdl: new IntrospectAndCompose(...) })` in
 * `new ApolloServer({ gateway })`, served by `startStandaloneServer`, every other option
 * left at its default (make-fetch-happen data sources, no timeouts/retries/breakers, the
 * standalone Express-free HTTP server). Env: BENCH_PORT and the *_SUBGRAPH_URL variables.
 */
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { CONTEXTS, loadConfig } from '../../platform/config';
import { envPort, runProcess } from './serve';

process.env.APOLLO_TELEMETRY_DISABLED = '1'; // nothing leaves this machine

runProcess(async () => {
  const urls = loadConfig().subgraphUrls;
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs: CONTEXTS.map((name) => ({ name, url: urls[name] })) }),
  });
  const server = new ApolloServer({ gateway });
  await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: envPort() } });
  return { close: () => server.stop() };
});
