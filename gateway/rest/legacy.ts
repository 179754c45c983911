/**
 * The old account service's JSON shapes, built from the composed graph's answers:
 * field names and casing (`ID` inside accountEvents, `id` elsewhere), local times
 * without zone, the fallbacks it served when a downstream service was down (and only then:
 * an account that simply has no image is shown as the old imageservice showed it), and the
 * event a write just recorded, which the old service had written synchronously.
 */
import type { GraphQLFormattedError } from 'graphql';

export const FALLBACK_QUOTE = {
  quote: 'May the source be with you, always.',
  ipAddress: 'circuit-breaker',
  language: 'en',
};
/** What the old aggregator showed when the image service did not answer: only for a real outage. */
export const PLACEHOLDER_IMAGE = { id: '', url: 'http://path.to.placeholder', servedBy: 'fallback' };
/**
 * An account that has no image: the old imageservice answered 200 with an empty `id` and
 * `url` (and its own address in servedBy); the image context answers `imageData: null`
 * without saying which instance looked, so servedBy is empty too.
 */
export const NO_IMAGE = { id: '', url: '', servedBy: '' };

/** The header naming the parts of a 200 answer that were replaced because their context was down. */
export const PARTIAL_HEADER = 'x-partial-response';

/** The selection every account-shaped answer needs. */
export const ACCOUNT_SELECTION =
  'id name servedBy quote { text language servedBy } imageData { id url servedBy } events { id eventName created }';

/** The selection a mutation adds: the event it recorded with its change (the outbox row's id is the event's id). */
export const RECORDED_EVENT_SELECTION = 'recordedEvent { id eventName created }';

type GraphEvent = { id: string; eventName: string; created: string };

export interface GraphAccount {
  id: string;
  name: string;
  servedBy: string;
  quote: { text: string; language: string; servedBy: string } | null;
  imageData: { id: string; url: string; servedBy: string } | null;
  events: GraphEvent[] | null;
  /** Only in mutation answers (RECORDED_EVENT_SELECTION). */
  recordedEvent?: GraphEvent | null;
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

/**
 * Which contexts and fields an answer's errors say could not be served: a context that did
 * not answer (gateway/resilience.ts names it in serviceName), and any field an error's path
 * runs through, whatever its code (a context whose own database fails answers with an error
 * on the field). An error that names neither counts as `unknown`: any empty part may be its.
 * A field that is null without any error is truly empty.
 */
export function unavailable(errors: readonly GraphQLFormattedError[] = []): Set<string> {
  const names = new Set<string>();
  for (const e of errors) {
    const service = e.extensions?.serviceName;
    if (typeof service === 'string') names.add(service);
    const fields = (e.path ?? []).filter((seg) => seg === 'quote' || seg === 'imageData' || seg === 'events');
    for (const seg of fields) names.add(`field:${seg}`);
    if (typeof service !== 'string' && fields.length === 0) names.add('unknown');
  }
  return names;
}

/** The account's events, and the one the mutation just recorded unless the data context already shows it. */
function withRecorded(events: GraphEvent[] | null, recorded: GraphEvent | null | undefined): GraphEvent[] {
  const list = events ?? [];
  return recorded && !list.some((e) => e.id === recorded.id) ? [...list, recorded] : list;
}

/** The old shape of an account, and the parts that had to be replaced by fallbacks. */
export function toLegacy(
  account: GraphAccount,
  errors?: readonly GraphQLFormattedError[],
): { body: LegacyAccount; missing: string[] } {
  const down = unavailable(errors);
  const missing: string[] = [];
  const unknownDown = down.has('unknown');
  if (!account.quote || down.has('field:quote')) missing.push('quote');
  const imageDown = down.has('image') || down.has('field:imageData') || (!account.imageData && unknownDown);
  if (imageDown) missing.push('imageData');
  if (account.events === null || down.has('data') || down.has('field:events')) missing.push('accountEvents');
  return {
    missing,
    body: {
      id: account.id,
      name: account.name,
      servedBy: account.servedBy,
      quote: account.quote
        ? { quote: account.quote.text, ipAddress: account.quote.servedBy, language: account.quote.language }
        : FALLBACK_QUOTE,
      imageData: imageDown ? PLACEHOLDER_IMAGE : (account.imageData ?? NO_IMAGE),
      accountEvents: withRecorded(account.events, account.recordedEvent).map((e) => ({
        ID: e.id,
        eventName: e.eventName,
        created: legacyTime(e.created),
      })),
    },
  };
}
