/** Turns a context's parts (SDL, Prisma client, loaders, resolvers) into a subgraph factory. */
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import type { ContextName } from '../../platform/config';
import { connectDatabase, type PrismaClientClass, type PrismaLike } from './database';
import type { SubgraphContext, SubgraphDefinition } from './subgraph';

export interface SubgraphSpec<C, L> {
  name: ContextName;
  sdlPath: string;
  Client: PrismaClientClass<C>;
  resolvers: GraphQLResolverMap<SubgraphContext<C, L>>;
  createLoaders(prisma: C): L;
}

export type SubgraphFactory<C, L> = (databaseUrl: string, poolSize: number) => SubgraphDefinition<C, L>;

export function defineSubgraph<C extends PrismaLike, L>(spec: SubgraphSpec<C, L>): SubgraphFactory<C, L> {
  return (databaseUrl, poolSize) => {
    const database = connectDatabase(spec.Client, databaseUrl, poolSize);
    return {
      name: spec.name,
      sdlPath: spec.sdlPath,
      resolvers: spec.resolvers,
      db: database.prisma,
      createLoaders: spec.createLoaders,
      ping: database.ping,
      close: database.close,
    };
  };
}
