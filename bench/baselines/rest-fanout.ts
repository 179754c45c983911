/**
 * BASELINE ONLY (not product code): what the old Go system's REST aggregator did, by hand,
 * over the same subgraphs. GET the account from the account subgraph; then, in parallel,
 * its quote (account subgraph), events (data) and image (image) with one GraphQL `_entities`
 * call each; merge into the old JSON with the shim's own mapping (gateway/rest/legacy.ts),
 * so the answer is byte-for-byte what GET /accounts/{id} on the gateway gives. A part whose
 * call fails is replaced by the old fallbacks (and named in x-partial-response). No retries
 * or breakers: the cheapest faithful fan-out, which is what makes it a baseline. Its HTTP
 * client is the gateway's (platform/http-client.ts: pooled keep-alive connections, as Go's
 * net/http client keeps them), so the comparison is about aggregation, not about clients.
 */
import type { ContextName } from '../../platform/config';
import { HttpClient } from '../../platform/http-client';
import { toLegacy, type GraphAccount } from '../../gateway/rest/legacy';
import type { Aggregate } from './serve';

export interface FanoutOptions {
  subgraphUrls: Record<ContextName, string>;
  /** Timeout of one subgraph call (default 1000 ms, as SUBGRAPH_TIMEOUT_MS). */
  timeoutMs?: number;
}

const ACCOUNT = 'query FanoutAccount($id: ID!) { account(id: $id) { id name servedBy } }';
const entities = (name: string, selection: string) =>
  `query ${name}($r: [_Any!]!) { _entities(representations: $r) { ... on Account { ${selection} } } }`;
const QUOTE = entities('FanoutQuote', 'quote { text language servedBy }');
const EVENTS = entities('FanoutEvents', 'events { id eventName created }');
const IMAGE = entities('FanoutImage', 'imageData { id url servedBy }');

interface Answer<D> {
  data?: D | null;
  errors?: { message: string }[];
}

export function fanoutAggregate(opts: FanoutOptions): Aggregate {
  const client = new HttpClient({ timeoutMs: opts.timeoutMs ?? 1_000 });
  async function call<D>(context: ContextName, query: string, variables: Record<string, unknown>): Promise<D> {
    const res = await client.send(opts.subgraphUrls[context], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    if (res.status !== 200) throw new Error(`${context} subgraph answered HTTP ${res.status}`);
    const body = JSON.parse(res.text) as Answer<D>;
    if (body.errors?.length || !body.data)
      throw new Error(`${context} subgraph: ${body.errors?.[0]?.message ?? 'no data'}`);
    return body.data;
  }
  type Entity<T> = { _entities: (T | null)[] };
  const entity = async <T>(context: ContextName, query: string, id: string): Promise<T | null> =>
    (await call<Entity<T>>(context, query, { r: [{ __typename: 'Account', id }] }))._entities[0] ?? null;

  return async (id) => {
    const { account } = await call<{ account: Pick<GraphAccount, 'id' | 'name' | 'servedBy'> | null }>(
      'account',
      ACCOUNT,
      { id },
    );
    if (!account) return null;
    const [quote, events, image] = await Promise.allSettled([
      entity<Pick<GraphAccount, 'quote'>>('account', QUOTE, id),
      entity<Pick<GraphAccount, 'events'>>('data', EVENTS, id),
      entity<Pick<GraphAccount, 'imageData'>>('image', IMAGE, id),
    ]);
    // A failed part is reported the way the gateway's resilience layer names it.
    const errors = [
      ...(quote.status === 'rejected'
        ? [{ message: String(quote.reason), path: ['account', 'quote'], extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }]
        : []),
      ...(events.status === 'rejected'
        ? [{ message: String(events.reason), extensions: { serviceName: 'data' } }]
        : []),
      ...(image.status === 'rejected' ? [{ message: String(image.reason), extensions: { serviceName: 'image' } }] : []),
    ];
    const merged: GraphAccount = {
      ...account,
      quote: quote.status === 'fulfilled' ? (quote.value?.quote ?? null) : null,
      events: events.status === 'fulfilled' ? (events.value?.events ?? null) : null,
      imageData: image.status === 'fulfilled' ? (image.value?.imageData ?? null) : null,
    };
    return toLegacy(merged, errors);
  };
}
