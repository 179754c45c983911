/**
 * What a subgraph tells its caller about a failure it did not mean to report. An error
 * without one of our codes (Apollo files it as INTERNAL_SERVER_ERROR) carries whatever the
 * library said: Prisma's invocation text, the database's address, a driver's message. The
 * whole error goes to this process's log; the answer says only that this subgraph failed
 * (the gateway passes subgraph errors on to clients).
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '../../platform/logger';

export function maskInternalErrors(subgraph: string, log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code !== undefined && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    log.error({ err: unwrapResolverError(error), path: formatted.path }, 'resolver failed');
    return { ...formatted, message: `internal error in the ${subgraph} subgraph (the details are in its log)`, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' } };
  };
}
