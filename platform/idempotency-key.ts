/**
 * The Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header, Stripe's
 * model), shared by the gateway, which checks and forwards it, and the subgraphs, which
 * store it with the write it covers (subgraphs/kit/idempotency.ts).
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that repeats the stored result of an earlier request with the same key. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Printable ASCII without spaces, 1 to 255 characters (a UUID is what clients should send). */
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/** Why a header value is not a usable key, or undefined when it is. */
export function keyProblem(value: string): string | undefined {
  if (KEY_SHAPE.test(value)) return undefined;
  return `the Idempotency-Key header must be one value of 1 to 255 printable ASCII characters without spaces (a UUID is best); got ${value.length} characters`;
}

/** The key of an incoming request (a repeated header arrives joined with ", ", which keyProblem refuses). */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[IDEMPOTENCY_HEADER];
  return Array.isArray(value) ? value.join(', ') : value;
}
