/**
 * Delivery of one outbox row through the data context's own GraphQL write path
 * (`recordAccountEvent`), never into its database. The outbox row id is the event id,
 * so a redelivery stores nothing new. Resolves only when the data context acknowledged
 * this very event; anything else (network error, timeout, 5xx, GraphQL error) throws, and
 * `failureScope` tells the relay whose fault that is.
 */
import { signedHeaders } from '../../../platform/auth';
import { ErrorCode } from '../../../platform/errors';
import { HttpClient } from '../../../platform/http-client';
import { isNetworkError } from '../../../platform/network-errors';
import type { OutboxRow } from './store';

export type Deliver = (row: OutboxRow) => Promise<void>;

/**
 * Whose fault a failed delivery is, for the relay's two kinds of backoff:
 * - `event`: the data context answered and refused this very event (bad input, say). Only
 *   this row waits (per-row exponential backoff); the others go on.
 * - `destination`: anything else: connection refused or reset, timeout, 5xx, 401/403,
 *   404 (wrong URL), the data context's own database failing. Every row would fail the same
 *   way, so the whole relay pauses and probes with one row (see destination.ts).
 */
export type FailureScope = 'event' | 'destination';

/** A delivery the data context answered but did not acknowledge, saying whose fault it is. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly scope: FailureScope,
    readonly status: number,
  ) {
    super(message);
  }
}

/** GraphQL error codes that refuse this event; any other code is the data context's own trouble. */
const EVENT_CODES = new Set<string>([ErrorCode.BAD_USER_INPUT, 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']);

const RECORD = `mutation RecordAccountEvent($input: RecordAccountEventInput!) {
  recordAccountEvent(input: $input) { id }
}`;

/** `secret`: the subgraphs' shared secret; the data subgraph answers only signed requests. */
export function graphqlDeliverer(dataSubgraphUrl: string, timeoutMs: number, secret?: string): Deliver {
  // Kept-alive pooled connections (platform/http-client.ts); idle sockets do not hold the process open.
  const client = new HttpClient({ timeoutMs, connections: 8 });
  return async (row) => {
    const request = JSON.stringify({
      query: RECORD,
      variables: {
        input: {
          id: row.id,
          accountId: row.accountId,
          eventName: row.eventName,
          created: row.occurredAt.toISOString(),
        },
      },
    });
    const res = await client.send(dataSubgraphUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(secret, 'data', 'POST', dataSubgraphUrl, request),
      },
      body: request,
    });
    const text = res.text;
    let body: {
      data?: { recordAccountEvent?: { id?: string } | null } | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new DeliveryError(
        `data subgraph answered ${res.status} with a non-JSON body: ${text.slice(0, 200)}`,
        'destination',
        res.status,
      );
    }
    if (body.errors?.length) {
      const refusal = body.errors.every((e) => EVENT_CODES.has(e.extensions?.code ?? ''));
      const codes = body.errors.map((e) => e.extensions?.code ?? 'no code').join(', ');
      throw new DeliveryError(
        `data subgraph refused the event (${codes}): ${body.errors.map((e) => e.message).join('; ')}`,
        refusal ? 'event' : 'destination',
        res.status,
      );
    }
    if (res.status < 200 || res.status >= 300)
      throw new DeliveryError(`data subgraph answered ${res.status}`, 'destination', res.status);
    if (body.data?.recordAccountEvent?.id !== row.id)
      throw new DeliveryError(`data subgraph did not acknowledge event ${row.id}`, 'event', res.status);
  };
}

/** HTTP answers that refuse the request rather than the service being unable to serve it. */
const EVENT_STATUS = new Set([400, 409, 422]);

/**
 * Decided by fields, never by message text: the first `scope` in the error's cause chain (a
 * DeliveryError's, or any deliverer's error that says so); else a network failure
 * (platform/network-errors.ts) is the destination's; else an HTTP `status` on the chain (400,
 * 409 and 422 the event's, any other error status the destination's); anything else, the
 * destination's.
 */
export function failureScope(err: unknown): FailureScope {
  const chain: { scope?: unknown; status?: unknown }[] = [];
  for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  for (const e of chain) if (e.scope === 'event' || e.scope === 'destination') return e.scope;
  if (isNetworkError(err)) return 'destination';
  for (const e of chain)
    if (typeof e.status === 'number' && e.status >= 400) return EVENT_STATUS.has(e.status) ? 'event' : 'destination';
  return 'destination';
}
