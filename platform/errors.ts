/**
 * The one error model of every process. An ErrorCode (a string enum, as apollo-server's
 * error codes) goes out as `extensions.code` on GraphQL errors and as `error.code` in the
 * HTTP layer's own bodies; HTTP_STATUS is the one table of the status each code is answered
 * with; AppError carries a code with its status and becomes either shape (platform/http.ts
 * sends it, `toGraphQLError()` hands it to resolvers and plugins). UsageError is the CLIs'
 * one "bad command line" error (exit code 2).
 */
import { GraphQLError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
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
  /** A request body over the limit (the HTTP layer's 413). */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** A body in a type the route does not read (the REST shim's writes: 415). */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** GET /ready: a dependency of the process does not answer. */
  NOT_READY = 'NOT_READY',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/**
 * The HTTP status of each code, when the error is the whole answer: the HTTP layer's own
 * answers, a plugin refusing a request before it runs, and the statuses the REST shim
 * (gateway/rest/routes.ts) gives these codes. An error inside an executed GraphQL operation
 * is part of a 200 answer (GraphQL over HTTP) whatever its code.
 */
export const HTTP_STATUS: { readonly [C in ErrorCode]: number } = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.TRANSACTION_CONFLICT]: 409,
  [ErrorCode.DATABASE_UNAVAILABLE]: 503,
  [ErrorCode.OUTCOME_UNKNOWN]: 504,
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: 422,
  [ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS]: 409,
  [ErrorCode.SUBGRAPH_UNAVAILABLE]: 503,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.QUERY_TOO_DEEP]: 400,
  [ErrorCode.TOO_MANY_ALIASES]: 400,
  [ErrorCode.QUERY_TOO_LARGE]: 400,
  [ErrorCode.TOO_MANY_DIRECTIVES]: 400,
  [ErrorCode.QUERY_TOO_COSTLY]: 400,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.NOT_READY]: 503,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
};

/** An error this system means to report: its code, the status that code is answered with, extra extensions. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** More `extensions` for the GraphQL shape (`field`, `serviceName`, `attempts`, ...). */
    readonly extensions: Record<string, unknown> = {},
    /** `cause`: the underlying error, for this process's log only (kit/mask.ts), never for the client. */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = HTTP_STATUS[code];
  }

  /**
   * The error for a resolver or a plugin to throw: `extensions.code` and the extra extensions.
   * `httpStatus`: also the code's status under `extensions.http`, which Apollo Server answers
   * with (and leaves out of the body) when a plugin refuses a request before it runs.
   */
  toGraphQLError(opts: { httpStatus?: boolean } = {}): GraphQLError {
    return new GraphQLError(this.message, {
      extensions: {
        code: this.code,
        ...this.extensions,
        ...(opts.httpStatus ? { http: { status: this.status } } : {}),
      },
      originalError: this.cause instanceof Error ? this.cause : undefined,
    });
  }

  /** The HTTP layer's body outside the GraphQL path: `{"error":{"code","message"}}`. */
  toBody(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }

  /** The body on the GraphQL path (GraphQL over HTTP): a list of errors with extensions.code. */
  toGraphQLBody(): { errors: { message: string; extensions: { code: ErrorCode } }[] } {
    return { errors: [{ message: this.message, extensions: { code: this.code } }] };
  }
}

export function graphqlError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new AppError(code, message, extensions).toGraphQLError();
}

export const badInput = (message: string, field?: string) =>
  graphqlError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

export const notFound = (what: string, id: string) =>
  graphqlError(ErrorCode.NOT_FOUND, `${what} identified by '${id}' not found`, { id });

/**
 * A command line a CLI does not accept (unknown option, bad value, missing argument): the
 * CLI prints the message (and its usage) and exits with EXIT_CODE. The tooling CLIs (tools/,
 * prisma/tools/, bench/) share it from here.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  static readonly EXIT_CODE = 2;
}
