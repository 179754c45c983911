/**
 * The gateways the audit runs against, each started on a suite's supergraph file:
 * - `ours`: this project's gateway, `startGateway` (gateway/server.ts) with its plugins, limits,
 *   coalescing and resilience, configured from the defaults (platform/env-schema.ts) as
 *   `NODE_ENV=development` leaves them (no production mode: errors keep their messages);
 * - `stock`: @apollo/gateway on Apollo Server as upstream's gateways/apollo-gateway/run.ts
 *   starts it, nothing else: the reference `ours` is compared with.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import fs from 'node:fs';
import { CONTEXTS, loadConfig, type ContextName } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { metricSample } from '../harness/metrics';
import { gatewayOptionsFrom, startGateway, withoutTelemetry } from '../../gateway/server';

export interface RunningAuditGateway {
  /** Its GraphQL endpoint. */
  url: string;
  /** How many answers its lean path has given (gateway/lean-route.ts); undefined: it has none. */
  leanAnswers?(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts a gateway on the supergraph file; `subgraphUrls` are the suite's, by subgraph name. */
export type AuditGateway = (
  supergraphPath: string,
  subgraphUrls: Record<string, string>,
) => Promise<RunningAuditGateway>;

/**
 * Our gateway takes the account, data and image contexts' URLs from its options and every other
 * subgraph's from the supergraph (buildService in gateway/server.ts). No suite names a subgraph
 * after a context today; should one, it gets the suite's URL, and the others a port nothing
 * listens on (only the gateway's readiness probe, which the audit does not call, would reach it).
 */
const NOWHERE = 'http://127.0.0.1:9/graphql';

export const ourGateway =
  (log: Logger): AuditGateway =>
  async (supergraphPath, subgraphUrls) => {
    const gateway = await startGateway({
      ...gatewayOptionsFrom(loadConfig({}), log),
      host: '127.0.0.1',
      port: 0,
      supergraphPath,
      composeAtStart: false,
      production: false,
      subgraphUrls: Object.fromEntries(CONTEXTS.map((c) => [c, subgraphUrls[c] ?? NOWHERE])) as Record<
        ContextName,
        string
      >,
    });
    const leanAnswers = () => metricSample(gateway.url, 'gateway_lean_answers_total');
    return { url: gateway.url, leanAnswers, stop: () => gateway.stop() };
  };

export const stockGateway: AuditGateway = async (supergraphPath) => {
  const gateway = withoutTelemetry(() => new ApolloGateway({ supergraphSdl: fs.readFileSync(supergraphPath, 'utf8') }));
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { url, stop: () => server.stop() };
};
