/** Turns a context's parts (SDL, Prisma client, loaders, resolvers) into a subgraph factory. */
import type { Config, ContextName } from '../../platform/config';
import { connectDatabase, type PrismaClientClass, type PrismaLike } from './database';
import { IdempotencyPruner } from './idempotency-pruner';
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
  /** Per-request loaders, given the Prisma client and prepared reads on the same pool. */
  createLoaders(prisma: C, sql: Sql): L;
  /** Background workers of this context, given the process configuration. */
  workers?(prisma: C, config: Config): Worker[];
  /** The context's writes take Idempotency-Keys (an `idempotency_keys` table): prune expired ones. */
  idempotencyKeys?: boolean;
}

/** Without `config` (some tests) the subgraph runs without its background workers. */
export type SubgraphFactory<C, L> = (
  databaseUrl: string,
  poolSize: number,
  config?: Config,
) => SubgraphDefinition<C, L>;

export function defineSubgraph<C extends PrismaLike, L>(spec: SubgraphSpec<C, L>): SubgraphFactory<C, L> {
  return (databaseUrl, poolSize, config) => {
    const database = connectDatabase(spec.Client, databaseUrl, poolSize, { dialect: config?.dialect });
    return {
      name: spec.name,
      sdlPath: spec.sdlPath,
      resolvers: spec.resolvers,
      db: database.prisma,
      createLoaders: () => spec.createLoaders(database.prisma, database.sql),
      workers: config
        ? [
            ...(spec.workers?.(database.prisma, config) ?? []),
            ...(spec.idempotencyKeys
              ? [new IdempotencyPruner(database.prisma, config.idempotency.pruneIntervalMs)]
              : []),
          ]
        : [],
      ping: database.ping,
      close: database.close,
    };
  };
}
