/**
 * GraphQL over HTTP between the gateway and a subgraph, both ways, without `fetch` objects: the
 * request a query-plan fetch becomes (one JSON body, the smallest headers a subgraph reads), and
 * what the subgraph's answer means for the gateway. The answers clients get from it are pinned
 * by gateway/subgraph-answers.test.ts (they are what @apollo/gateway's RemoteGraphQLDataSource
 * gave before this module replaced it):
 * - 2xx with a JSON object: that object is the subgraph's GraphQL response (data, errors,
 *   extensions), read by the query plan's executor;
 * - 2xx with anything else: an error `Expected JSON response body, but received: …`;
 * - any other status: an error `<status>: <reason phrase>` carrying `extensions.response`
 *   (url, status, reason, body); 401 is UNAUTHENTICATED, 403 FORBIDDEN. A 5xx is what the
 *   breaker counts and the data source reports as SUBGRAPH_UNAVAILABLE (upstream/breaker.ts);
 * - a body is JSON when its content type says so (application/json or
 *   application/graphql-response+json), text otherwise; JSON that does not parse is a SyntaxError
 *   in a 2xx answer, and kept as text in any other (its status says what happened).
 * The subgraph's Cache-Control becomes a hint on the client request's cache policy (max-age,
 * public/private; none is max-age 0), which Apollo Server's cache-control plugin turns into the
 * client answer's own header.
 */
import type { GatewayGraphQLRequest, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import type { ClientRequest, ClientResponse } from '../../platform/http-client';

/** What every subgraph request carries: its body is JSON (our subgraphs' CSRF rule and lean path read it). */
const JSON_BODY: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/**
 * The HTTP request for a GraphQL request: POST, the JSON of query, variables, operationName and
 * extensions (those present, in that order), content-type, and `headers` when there are any (a
 * write's Idempotency-Key, Apollo's trace request).
 */
export function subgraphRequest(request: GatewayGraphQLRequest, headers?: Record<string, string>): ClientRequest {
  const body = JSON.stringify({
    query: request.query,
    variables: request.variables,
    operationName: request.operationName,
    extensions: request.extensions,
  });
  return { method: 'POST', headers: headers ? { ...headers, ...JSON_BODY } : JSON_BODY, body };
}

/** A response header's value as one string (undici gives repeated headers as an array). */
export const header = (res: ClientResponse, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

const isJson = (contentType: string | undefined) =>
  contentType !== undefined &&
  (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json'));

/** The body: parsed JSON when the content type says JSON, the text otherwise. */
const bodyOf = (res: ClientResponse): unknown =>
  isJson(header(res, 'content-type')) ? JSON.parse(res.text) : res.text;

/** The reason phrases clients have been given in `<status>: <reason>` (others: an empty one). */
const REASON: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const CODE_OF_STATUS: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN' };

/**
 * An error answer's body: parsed when it says JSON and parses, its text otherwise. What tells is
 * the status: a 503 whose body claims JSON but is a proxy's page is still a 503 (the breaker
 * counts it, clients get SUBGRAPH_UNAVAILABLE naming the subgraph), not a parser's message.
 */
function errorBodyOf(res: ClientResponse): unknown {
  try {
    return bodyOf(res);
  } catch {
    return res.text;
  }
}

/** A non-2xx answer as the error clients see (and the breaker and writes.ts classify by its status). */
function statusError(url: string, res: ClientResponse): GraphQLError {
  const statusText = REASON[res.status] ?? '';
  const code = CODE_OF_STATUS[res.status];
  const extensions: Record<string, unknown> = {
    response: { url, status: res.status, statusText, body: errorBodyOf(res) },
  };
  if (code) extensions.code = code;
  return new GraphQLError(`${res.status}: ${statusText}`, { extensions });
}

/** The subgraph's GraphQL response in an answer from `url`; throws for any other answer (above). */
export function graphqlResponse(url: string, res: ClientResponse): GatewayGraphQLResponse {
  if (res.status < 200 || res.status >= 300) throw statusError(url, res);
  const body = bodyOf(res);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`Expected JSON response body, but received: ${String(body)}`);
  }
  return body as GatewayGraphQLResponse;
}

export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/**
 * A subgraph's Cache-Control as a hint: max-age when it is a whole number of seconds (0
 * otherwise, and without the header), PRIVATE for `private`, PUBLIC for `public` (which wins).
 * Directive names as sent, the last of a repeated one counts, a quoted value is unquoted.
 */
export function cacheHint(cacheControl: string | undefined): CacheHint {
  const hint: CacheHint = { maxAge: 0 };
  if (!cacheControl) return hint;
  const directives = new Map<string, string | true>();
  for (const part of cacheControl.trim().split(/\s*,\s*/)) {
    const [name, value] = part.split(/\s*=\s*/, 2) as [string, string | undefined];
    directives.set(name, value === undefined ? true : value.replace(/^"|"$/g, ''));
  }
  const maxAge = directives.get('max-age');
  if (typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge)) hint.maxAge = Number(maxAge);
  if (directives.get('private') === true) hint.scope = 'PRIVATE';
  if (directives.get('public') === true) hint.scope = 'PUBLIC';
  return hint;
}
