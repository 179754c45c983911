/** The account context as a subgraph: its own database, loaders and resolvers. */
import path from 'node:path';
import { PrismaClient } from '../../generated/account/client';
import { defineSubgraph } from '../kit/define';
import { createAccountLoaders } from './loaders';
import { accountResolvers } from './resolvers';

export const accountSubgraph = defineSubgraph({
  name: 'account',
  sdlPath: path.join(__dirname, 'schema.graphql'),
  Client: PrismaClient,
  resolvers: accountResolvers,
  createLoaders: createAccountLoaders,
});
