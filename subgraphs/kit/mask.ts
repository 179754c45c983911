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

/** Prisma's codes for a database it cannot reach or use (P1001 can't reach, P1017 closed, P2024 pool timeout, …). */
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** SQLSTATEs of a database not serving: connection exceptions, shutting down, too many connections, not accepting connections. */
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[1-3]|53300|55000)$/;
const NETWORK = /^E(CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN|NOTFOUND|PIPE)$/;
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'TooManyConnections',
  'SocketTimeout',
  'DatabaseAccessDenied',
]);

/** True when the error (or one in its cause chain) says the database itself is not available. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const o = e as {
      code?: unknown;
      originalCode?: unknown;
      kind?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    for (const code of [o.code, o.originalCode]) {
      if (
        typeof code === 'string' &&
        (PRISMA_UNAVAILABLE.has(code) || SQLSTATE_UNAVAILABLE.test(code) || NETWORK.test(code))
      )
        return true;
    }
    if (typeof o.kind === 'string' && ADAPTER_KINDS.has(o.kind)) return true;
    e = o.cause ?? o.meta?.driverAdapterError;
  }
  return false;
}

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
