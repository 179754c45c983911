/**
 * What the production gateway tells clients in an error: what went wrong, never how the
 * inside looks. No stack trace (not even one a subgraph not in production mode put in its
 * error: the gateway passes subgraph extensions through), no "Did you mean …?" hint at
 * the schema, and for a subgraph that does not answer only its name: the reason (a
 * connection error with an internal address) goes to the gateway's log. A subgraph's answer
 * that was not a GraphQL one (a non-2xx status, a body that is not JSON) keeps its message
 * ("502: Bad Gateway") and its code; what the data source attaches of it (`extensions.response`:
 * the subgraph's internal URL, status and body) goes to the log, not to the client.
 */
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../platform/errors';
import type { Logger } from '../platform/logger';
import { formatLimitError, withoutSuggestions } from './limits';

export function publicErrors(log: Logger) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    let out = withoutSuggestions(formatLimitError(formatted));
    const ext = out.extensions;
    if (ext?.code === ErrorCode.SUBGRAPH_UNAVAILABLE && typeof ext.serviceName === 'string') {
      const message = `subgraph ${ext.serviceName} is unavailable`;
      if (out.message !== message) log.warn({ subgraph: ext.serviceName, reason: out.message }, 'subgraph unavailable');
      out = { ...out, message };
    }
    if (out.extensions && 'response' in out.extensions) {
      const { response, ...extensions } = out.extensions;
      log.warn({ response, message: out.message }, 'subgraph answered with an HTTP error');
      out = { ...out, extensions };
    }
    if (!out.extensions || !('stacktrace' in out.extensions)) return out;
    const { stacktrace: _, ...extensions } = out.extensions;
    return { ...out, extensions };
  };
}
