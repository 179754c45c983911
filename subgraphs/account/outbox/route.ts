/**
 * GET /outbox on the account subgraph that runs a relay: the table's state (store.ts
 * `status`), which relay answers, and how it sees its destination (destination.ts).
 * `npm run outbox:status` reads it for the destination part. An operator's page: in
 * production it answers only an operator's credentials (platform/operator-access.ts).
 */
import type { PrismaClient } from '../../../generated/account/client';
import { sendJson } from '../../../platform/http';
import type { OperatorPage } from '../../../platform/operator-access';
import type { OutboxRelay } from './relay';
import { status } from './store';

export function outboxPage(db: PrismaClient, relay: Pick<OutboxRelay, 'id' | 'destination'>): OperatorPage {
  return {
    path: '/outbox',
    serve: async (_, res) =>
      sendJson(res, 200, { ...(await status(db)), relay: relay.id, destination: relay.destination.status() }),
  };
}
