/** The account context as a subgraph: its own database, loaders and resolvers. */
import path from 'node:path';
import { PrismaClient } from '../../generated/account/client';
import { defineSubgraph } from '../kit/define';
import { accountLoaders } from './loaders';
import { graphqlDeliverer } from './outbox/deliver';
import { EagerDelivery } from './outbox/eager';
import { eagerMetrics } from './outbox/metrics';
import { routedDeliverer, VipPublisher } from './outbox/vip';
import { OutboxWorker } from './outbox/worker';
import { accountResolvers } from './resolvers';

export const accountSubgraph = defineSubgraph({
  name: 'account',
  sdlPath: path.join(__dirname, 'schema.graphql'),
  Client: PrismaClient,
  resolvers: accountResolvers,
  loaders: accountLoaders,
  idempotencyKeys: true,
  // The relay delivers this context's outbox to the data context (issue: cross-context
  // writes); each write first tries itself, within a deadline (outbox/eager.ts), whether or
  // not this process runs a relay.
  // VIP_READ rows go to RabbitMQ instead (outbox/vip.ts), from a relay that has VIP_AMQP_URL.
  workers: (prisma, config, metrics) => {
    const deliver = graphqlDeliverer(config.subgraphUrls.data, config.outbox.deliveryTimeoutMs, config.subgraphSecret);
    const vip =
      config.outbox.relay && config.vip.amqpUrl ? new VipPublisher(config.vip.amqpUrl, config.vip.queue) : undefined;
    return [
      new EagerDelivery(prisma, deliver, config.outbox.eagerDeadlineMs, eagerMetrics(metrics.registry)),
      ...(config.outbox.relay ? [new OutboxWorker(prisma, routedDeliverer(deliver, vip), config.outbox, metrics)] : []),
      ...(vip ? [vip] : []),
    ];
  },
});
