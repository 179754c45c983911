/**
 * What the production gateway tells clients in an error: what went wrong, never how the
 * inside looks. No stack trace (not even one a subgraph not in production mode put in its
 * error: the gateway passes subgraph extensions through), no "Did you mean …?" hint at
 * the schema, and for a subgraph that does not answer only its name: the reason (a
 * connection error with an internal address) goes to the gateway's log.
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
    if (!out.extensions || !('stacktrace' in out.extensions)) return out;
    const { stacktrace: _, ...extensions } = out.extensions;
    return { ...out, extensions };
  };
}
