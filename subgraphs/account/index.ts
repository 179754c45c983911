/** The account context as a subgraph: its own database, loaders and resolvers. */
import path from 'node:path';
import { PrismaClient } from '../../generated/account/client';
import { defineSubgraph } from '../kit/define';
import { accountLoaders } from './loaders';
import { graphqlDeliverer } from './outbox/deliver';
import { OutboxWorker } from './outbox/worker';
import { accountResolvers } from './resolvers';

export const accountSubgraph = defineSubgraph({
  name: 'account',
  sdlPath: path.join(__dirname, 'schema.graphql'),
  Client: PrismaClient,
  resolvers: accountResolvers,
  loaders: accountLoaders,
  idempotencyKeys: true,
  // The relay delivers this context's outbox to the data context (issue: cross-context writes).
  workers: (prisma, config, metrics) =>
    config.outbox.relay
      ? [
          new OutboxWorker(
            prisma,
            graphqlDeliverer(config.subgraphUrls.data, config.outbox.deliveryTimeoutMs, config.subgraphSecret),
            config.outbox,
            metrics,
          ),
        ]
      : [],
});
