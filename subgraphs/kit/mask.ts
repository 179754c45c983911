/**
 * What a subgraph tells its caller about a failure it did not mean to report. An error
 * without one of our codes (Apollo files it as INTERNAL_SERVER_ERROR) carries whatever the
 * library said: Prisma's invocation text, the database's address, a driver's message. The
 * whole error goes to this process's log; the answer says only that this subgraph failed
 * (the gateway passes subgraph errors on to clients). Whether the database is why is
 * kit/db-errors.ts's classification, the same the write path acts on.
 */
import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '../../platform/logger';
import { isDatabaseUnavailable } from './db-errors';

/** Write failures the client is told about in our words, whose cause only the log should have. */
const LOGGED_WRITE_FAILURES = new Set(['DATABASE_UNAVAILABLE', 'OUTCOME_UNKNOWN', 'TRANSACTION_CONFLICT']);

export function maskInternalErrors(subgraph: string, log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && LOGGED_WRITE_FAILURES.has(code)) {
      // Already worded for the client (kit/transaction.ts); the database's own error goes to the log.
      log.warn(
        { err: (unwrapResolverError(error) as { originalError?: unknown }).originalError, path: formatted.path, code },
        'resolver failed',
      );
      return formatted;
    }
    if (code !== undefined && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    const err = unwrapResolverError(error);
    log.error({ err, path: formatted.path }, 'resolver failed');
    // The code stays INTERNAL_SERVER_ERROR (the gateway and the REST shim treat it as this
    // context being unavailable); the message says whether its database is why (the outbox
    // relay pauses for a destination whose database fails, subgraphs/account/outbox/deliver.ts).
    const message = isDatabaseUnavailable(err)
      ? `the ${subgraph} subgraph's database is unavailable (the details are in its log)`
      : `internal error in the ${subgraph} subgraph (the details are in its log)`;
    return { ...formatted, message, extensions: { ...formatted.extensions, code: 'INTERNAL_SERVER_ERROR' } };
  };
}
