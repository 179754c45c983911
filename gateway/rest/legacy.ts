/**
 * The old account service's JSON shapes, built from the composed graph's answers:
 * field names and casing (`ID` inside accountEvents, `id` elsewhere), local times
 * without zone, and the fallbacks it served when a downstream service was down.
 */
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../platform/errors';

export const FALLBACK_QUOTE = { quote: 'May the source be with you, always.', ipAddress: 'circuit-breaker', language: 'en' };
export const PLACEHOLDER_IMAGE = { id: '', url: 'http://path.to.placeholder', servedBy: 'fallback' };

/** The header naming the parts of a 200 answer that were replaced because their context was down. */
export const PARTIAL_HEADER = 'x-partial-response';

/** The selection every account-shaped answer needs. */
export const ACCOUNT_SELECTION = 'id name servedBy quote { text language servedBy } imageData { id url servedBy } events { id eventName created }';

export interface GraphAccount {
  id: string;
  name: string;
  servedBy: string;
  quote: { text: string; language: string; servedBy: string } | null;
  imageData: { id: string; url: string; servedBy: string } | null;
  events: { id: string; eventName: string; created: string }[] | null;
}

export interface LegacyAccount {
  id: string;
  name: string;
  servedBy: string;
  quote: { quote: string; ipAddress: string; language: string };
  imageData: { id: string; url: string; servedBy: string };
  accountEvents: { ID: string; eventName: string; created: string }[];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2017-12-22T21:38:21.000`: this process's local time, no zone, as the Go service printed it. */
export function legacyTime(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Which contexts an answer's errors say were unavailable (gateway/resilience.ts names them). */
export function unavailable(errors: readonly GraphQLFormattedError[] = []): Set<string> {
  const names = new Set<string>();
  for (const e of errors) {
    const service = e.extensions?.serviceName;
    if (typeof service === 'string') names.add(service);
    else if (e.extensions?.code === ErrorCode.SUBGRAPH_UNAVAILABLE || e.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      for (const seg of e.path ?? []) if (seg === 'quote' || seg === 'imageData' || seg === 'events') names.add(`field:${seg}`);
    }
  }
  return names;
}

/** The old shape of an account, and the parts that had to be replaced by fallbacks. */
export function toLegacy(account: GraphAccount, errors?: readonly GraphQLFormattedError[]): { body: LegacyAccount; missing: string[] } {
  const down = unavailable(errors);
  const missing: string[] = [];
  if (!account.quote || down.has('field:quote')) missing.push('quote');
  if ((!account.imageData && down.has('image')) || down.has('field:imageData')) missing.push('imageData');
  if (account.events === null || down.has('data') || down.has('field:events')) missing.push('accountEvents');
  return {
    missing,
    body: {
      id: account.id,
      name: account.name,
      servedBy: account.servedBy,
      quote: account.quote ? { quote: account.quote.text, ipAddress: account.quote.servedBy, language: account.quote.language } : FALLBACK_QUOTE,
      imageData: account.imageData ?? PLACEHOLDER_IMAGE,
      accountEvents: (account.events ?? []).map((e) => ({ ID: e.id, eventName: e.eventName, created: legacyTime(e.created) })),
    },
  };
}
