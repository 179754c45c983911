/** The data context as a subgraph: its own database, loaders and resolvers. */
import path from 'node:path';
import { PrismaClient } from '../../generated/data/client';
import { defineSubgraph } from '../kit/define';
import { createDataLoaders } from './loaders';
import { dataResolvers } from './resolvers';

export const dataSubgraph = defineSubgraph({
  name: 'data',
  sdlPath: path.join(__dirname, 'schema.graphql'),
  Client: PrismaClient,
  resolvers: dataResolvers,
  loaders: (prisma, sql) => () => createDataLoaders(prisma, sql),
});
