/**
 * What the gateway tells a developer in an error (NODE_ENV other than production): the
 * message, `extensions.code` and `extensions.hint` (what to do about it, from the code); the
 * stack trace only when asked with DEBUG_ERRORS=true, its own or a subgraph's passed through
 * (a stack of absolute file paths made an unavailable subgraph's error ~1.3 kB of noise).
 * Production answers go through public-errors.ts instead, and never carry a stack or a hint.
 */
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../platform/errors';
import { formatLimitError } from './limits';

/** What to do about an error, by its code: Apollo Server's own codes and ours. */
const HINTS: Record<string, string> = {
  GRAPHQL_PARSE_FAILED: 'the query is not valid GraphQL syntax: check the position given in the message',
  GRAPHQL_VALIDATION_FAILED:
    'the query does not match the schema: the playground (open /graphql in a browser) completes and checks fields',
  BAD_REQUEST:
    'the HTTP request is not a GraphQL request: POST a JSON body {"query": "..."} with content-type: application/json',
  PERSISTED_QUERY_NOT_FOUND: 'send the full query with the hash once; later requests may send the hash alone',
  OPERATION_RESOLUTION_FAILURE: 'give operationName matching one operation of the document',
  [ErrorCode.BAD_USER_INPUT]: 'an argument or variable was refused: the message names it and what it accepts',
  [ErrorCode.NOT_FOUND]: 'no such id: accounts(first: 10) lists existing accounts',
  [ErrorCode.TRANSACTION_CONFLICT]: 'a concurrent write won: retry (with the same Idempotency-Key for a mutation)',
  [ErrorCode.DATABASE_UNAVAILABLE]:
    "a context's database does not answer: check that it runs (npm start's log names it)",
  [ErrorCode.OUTCOME_UNKNOWN]:
    'the write may or may not have been applied: retry with the same Idempotency-Key, or read it back',
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: 'an Idempotency-Key belongs to one request: use a new key for a different one',
  [ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS]:
    'the first request with this Idempotency-Key is still running: retry shortly',
  [ErrorCode.SUBGRAPH_UNAVAILABLE]:
    'the subgraph named in serviceName did not answer: npm start restarts a dead one within seconds; retry, or read its log lines',
  [ErrorCode.UNAUTHENTICATED]: 'the request lacks a valid signature or credentials',
  [ErrorCode.QUERY_TOO_DEEP]: 'nest fewer levels (QUERY_MAX_DEPTH)',
  [ErrorCode.TOO_MANY_ALIASES]: 'use fewer aliases (QUERY_MAX_ALIASES)',
  [ErrorCode.QUERY_TOO_LARGE]: 'send a smaller document (QUERY_MAX_TOKENS)',
  [ErrorCode.TOO_MANY_DIRECTIVES]: 'use fewer directives (QUERY_MAX_DIRECTIVES)',
  [ErrorCode.QUERY_TOO_COSTLY]: 'ask for fewer items per page or fewer fields (QUERY_MAX_COST)',
  [ErrorCode.INTERNAL_SERVER_ERROR]:
    "a bug or an unexpected failure: the gateway's and subgraphs' log lines say more (DEBUG_ERRORS=true adds the stack trace here)",
};

export function developmentErrors(debug: boolean) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    const out = formatLimitError(formatted);
    if (!out.extensions) return out;
    const { stacktrace, ...extensions } = out.extensions;
    const code = typeof extensions.code === 'string' ? extensions.code : undefined;
    const hint = code ? HINTS[code] : undefined;
    return {
      ...out,
      extensions: {
        ...extensions,
        ...(hint && extensions.hint === undefined ? { hint } : {}),
        ...(debug && stacktrace !== undefined ? { stacktrace } : {}),
      },
    };
  };
}
