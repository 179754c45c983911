/**
 * Turns a context's parts (SDL, Prisma client, loaders, resolvers) into a subgraph factory.
 * What a subgraph keeps across requests (its pool, its metrics, the account context's quote
 * cache) is made by the factory, once per subgraph, never at import time.
 */
import type { Config, ContextName } from '../../platform/config';
import { Metrics } from '../../platform/metrics';
import { connectDatabase, type PrismaClientClass, type PrismaLike } from './database';
import { ExpiryPruner } from './expiry-pruner';
import type { ContextResolvers } from './resolver-map';
import type { Sql } from './sql';
import type { SubgraphContext, SubgraphDefinition } from './subgraph';
import type { Worker } from './worker';

export interface SubgraphSpec<C, L> {
  name: ContextName;
  sdlPath: string;
  Client: PrismaClientClass<C>;
  /** Typed from the context's SDL: the generated `Resolvers<SubgraphContext<C, L>>`. */
  resolvers: ContextResolvers<SubgraphContext<C, L>>;
  /**
   * Called once per subgraph with the Prisma client and prepared reads on the same pool
   * (what the loaders share across requests is made here); returns each request's fresh loaders.
   */
  loaders(prisma: C, sql: Sql): () => L;
  /** Background workers of this context, given the process configuration and the subgraph's metrics. */
  workers?(prisma: C, config: Config, metrics: Metrics): Worker[];
  /** The context's writes take Idempotency-Keys (an `idempotency_keys` table): prune expired ones. */
  idempotencyKeys?: boolean;
}

/**
 * Without `config` (some tests) the subgraph runs without its background workers. `metrics`:
 * the process's (its main creates them); default: this subgraph's own registry.
 */
export type SubgraphFactory<C, L> = (
  databaseUrl: string,
  poolSize: number,
  config?: Config,
  metrics?: Metrics,
) => SubgraphDefinition<C, L>;

export function defineSubgraph<C extends PrismaLike, L>(spec: SubgraphSpec<C, L>): SubgraphFactory<C, L> {
  return (databaseUrl, poolSize, config, metrics = new Metrics()) => {
    const database = connectDatabase(spec.Client, databaseUrl, poolSize, { dialect: config?.dialect });
    const untrackPool = metrics.trackPool(database.pool, database.name);
    return {
      name: spec.name,
      sdlPath: spec.sdlPath,
      resolvers: spec.resolvers,
      db: database.prisma,
      metrics,
      createLoaders: spec.loaders(database.prisma, database.sql),
      workers: config
        ? [
            ...(spec.workers?.(database.prisma, config, metrics) ?? []),
            // Every context records its signed writes' nonces (signature-nonces.ts).
            new ExpiryPruner(
              database.prisma,
              config.idempotency.pruneIntervalMs,
              spec.idempotencyKeys ? ['idempotency keys', 'signature nonces'] : ['signature nonces'],
            ),
          ]
        : [],
      ping: database.ping,
      close: async () => {
        untrackPool();
        await database.close();
      },
    };
  };
}
