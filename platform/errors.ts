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
