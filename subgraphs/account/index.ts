/** The account context as a subgraph: its own database, loaders and resolvers. */
import path from 'node:path';
import { PrismaClient } from '../../generated/account/client';
import { defineSubgraph } from '../kit/define';
import { createAccountLoaders } from './loaders';
import { graphqlDeliverer } from './outbox/deliver';
import { OutboxRelay } from './outbox/relay';
import { accountResolvers } from './resolvers';

export const accountSubgraph = defineSubgraph({
  name: 'account',
  sdlPath: path.join(__dirname, 'schema.graphql'),
  Client: PrismaClient,
  resolvers: accountResolvers,
  createLoaders: createAccountLoaders,
  idempotencyKeys: true,
  // The relay delivers this context's outbox to the data context (issue: cross-context writes).
  workers: (prisma, config) =>
    config.outbox.relay
      ? [
          new OutboxRelay(
            prisma,
            graphqlDeliverer(config.subgraphUrls.data, config.outbox.deliveryTimeoutMs, config.subgraphSecret),
            config.outbox,
          ),
        ]
      : [],
});
