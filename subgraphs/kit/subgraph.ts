/**
 * The shared scaffolding of every subgraph: schema building, Apollo Server, per-request
 * context (with fresh DataLoaders), the HTTP layer, readiness and graceful stop.
 * A context supplies its SDL, resolvers, database and loaders; nothing else.
 */
import fs from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { parse } from 'graphql';
import type { ContextName } from '../../platform/config';
import { startHttpServer, type RunningHttpServer } from '../../platform/http';
import type { Logger } from '../../platform/logger';
import type { RetryOptions } from './retry';

/** What every resolver receives. `loaders` are created anew for each request. */
export interface SubgraphContext<Db, Loaders> {
  db: Db;
  loaders: Loaders;
  servedBy: string;
  retry: RetryOptions;
  log: Logger;
}

export interface SubgraphDefinition<Db, Loaders> {
  name: ContextName;
  /** Path of the SDL file that is also the composition input. */
  sdlPath: string;
  resolvers: GraphQLResolverMap<SubgraphContext<Db, Loaders>>;
  db: Db;
  createLoaders(db: Db): Loaders;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface SubgraphOptions {
  host: string;
  port: number;
  instanceName: string;
  retry: RetryOptions;
  log: Logger;
  production?: boolean;
}

export interface RunningSubgraph extends RunningHttpServer {
  name: ContextName;
  servedBy: string;
  stop(): Promise<void>;
}

export const readSdl = (sdlPath: string) => parse(fs.readFileSync(sdlPath, 'utf8'));

export async function startSubgraph<Db, Loaders>(
  def: SubgraphDefinition<Db, Loaders>,
  opts: SubgraphOptions,
): Promise<RunningSubgraph> {
  const log = opts.log.child({ subgraph: def.name });
  const servedBy = `${def.name}@${opts.instanceName}:${process.pid}`;
  const schema = buildSubgraphSchema({ typeDefs: readSdl(def.sdlPath), resolvers: def.resolvers as GraphQLResolverMap<unknown> });
  const apollo = new ApolloServer<SubgraphContext<Db, Loaders>>({
    schema,
    includeStacktraceInErrorResponses: !opts.production,
    stopOnTerminationSignals: false, // platform/lifecycle.ts owns shutdown
    logger: log,
  });
  await apollo.start();
  const http = await startHttpServer(
    {
      apollo,
      log,
      ready: def.ping,
      context: async () => ({ db: def.db, loaders: def.createLoaders(def.db), servedBy, retry: opts.retry, log }),
    },
    { host: opts.host, port: opts.port },
  );
  log.info({ url: http.url }, 'subgraph listening');
  return {
    ...http,
    name: def.name,
    servedBy,
    stop: async () => {
      await http.close();
      await apollo.stop();
      await def.close();
    },
  };
}
