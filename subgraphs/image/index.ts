/** The image context as a subgraph: its own database, loaders and resolvers. */
import path from 'node:path';
import { PrismaClient } from '../../generated/image/client';
import { defineSubgraph } from '../kit/define';
import { createImageLoaders } from './loaders';
import { imageResolvers } from './resolvers';

export const imageSubgraph = defineSubgraph({
  name: 'image',
  sdlPath: path.join(__dirname, 'schema.graphql'),
  Client: PrismaClient,
  resolvers: imageResolvers,
  loaders: (prisma, sql) => () => createImageLoaders(prisma, sql),
  idempotencyKeys: true,
});
