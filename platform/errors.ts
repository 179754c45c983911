/**
 * Error codes every process uses in GraphQL `extensions.code` (a string enum, as
 * apollo-server does), and the one error class that carries them.
 */
import { GraphQLError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  TRANSACTION_CONFLICT = 'TRANSACTION_CONFLICT',
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
  /** A write may or may not have been applied (timeout, lost connection or ambiguous COMMIT): retry with the same Idempotency-Key, or read it back. */
  OUTCOME_UNKNOWN = 'OUTCOME_UNKNOWN',
  /** An Idempotency-Key was sent again with a different request. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  /** The first request with this Idempotency-Key has not finished yet. */
  IDEMPOTENCY_KEY_IN_PROGRESS = 'IDEMPOTENCY_KEY_IN_PROGRESS',
  SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  QUERY_TOO_LARGE = 'QUERY_TOO_LARGE',
  TOO_MANY_DIRECTIVES = 'TOO_MANY_DIRECTIVES',
  QUERY_TOO_COSTLY = 'QUERY_TOO_COSTLY',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

export function graphqlError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export const badInput = (message: string, field?: string) =>
  graphqlError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

export const notFound = (what: string, id: string) =>
  graphqlError(ErrorCode.NOT_FOUND, `${what} identified by '${id}' not found`, { id });
