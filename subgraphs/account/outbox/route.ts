/**
 * GET /outbox on the account subgraph that runs a relay: the table's state (store.ts
 * `status`), which relay answers, and how it sees its destination (destination.ts).
 * `npm run outbox:status` reads it for the destination part.
 */
import type { PrismaClient } from '../../../generated/account/client';
import { sendJson, type Route } from '../../../platform/http';
import type { OutboxRelay } from './relay';
import { status } from './store';

export function outboxRoute(db: PrismaClient, relay: Pick<OutboxRelay, 'id' | 'destination'>): Route {
  return async (req, res, url) => {
    if (url.pathname !== '/outbox' || req.method !== 'GET') return false;
    sendJson(res, 200, { ...(await status(db)), relay: relay.id, destination: relay.destination.status() });
    return true;
  };
}
