/**
 * What a database error says about a write, in CockroachDB's taxonomy (which PostgreSQL's
 * codes are a subset of). Errors reach us in several wrappings: pg's own error (`code`),
 * @prisma/adapter-pg's DriverAdapterError (`cause: { kind, originalCode | code }`), Prisma's
 * known-request errors (`code: 'P…'`, `meta.driverAdapterError`), or a plain Error from pg
 * when the socket died; `dbErrorKind` walks all of them.
 *
 * - `serialization`: the transaction was aborted and did nothing (40001, and deadlock 40P01,
 *   at any statement including COMMIT): run it again.
 * - `ambiguous`: CockroachDB's 40003 "result is ambiguous": the COMMIT may have been applied.
 * - `connection`: the connection was lost while a transaction was open (08xxx, 57P01/57P02
 *   admin or crash shutdown, Prisma's P1008 operation timeout, "Connection terminated", a socket `lost` in the sense of
 *   platform/network-errors.ts: ECONNRESET, EPIPE, ETIMEDOUT): if it was lost at COMMIT the
 *   write may have been applied, so it is treated like `ambiguous`.
 * - `unreachable`: no connection was made or handed out (a socket `not-sent` in the sense of
 *   platform/network-errors.ts: refused, no route, no such host; a pool or Prisma start-up
 *   timeout, P2024 pool timeout, 57P03 cannot-connect-now, 53300 too many connections, 55000 a
 *   database not accepting connections, access denied): nothing was sent, nothing was written.
 * - `aborted`: Prisma's transaction timeout expired and Prisma rolled the transaction back
 *   (its COMMIT is never sent after that): nothing was written.
 * - `unique`: a unique constraint refused a row (23505 / P2002).
 * - `other`: anything else (a bug, a constraint, a resolver's own GraphQLError).
 *
 * `isDatabaseUnavailable` (`unreachable` or `connection`: the database is not serving) is
 * what kit/mask.ts tells a client: one classification for the write path and the answers.
 */
import { networkFailureOfCode } from '../../platform/network-errors';

export type DbErrorKind = 'serialization' | 'aborted' | 'ambiguous' | 'connection' | 'unreachable' | 'unique' | 'other';

const SERIALIZATION = new Set(['40001', '40P01', 'P2034']);
const AMBIGUOUS = new Set(['40003']);
const CONNECTION = new Set(['08000', '08003', '08006', '08007', '57P01', '57P02', 'P1008', 'P1017']);
const UNREACHABLE = new Set(['08001', '08004', '57P03', '53300', '55000', 'P1001', 'P1002', 'P2024']);
const UNIQUE = new Set(['23505', 'P2002']);

const KIND_OF_ADAPTER_KIND: Record<string, DbErrorKind> = {
  TransactionWriteConflict: 'serialization',
  ConnectionClosed: 'connection',
  SocketTimeout: 'connection',
  DatabaseNotReachable: 'unreachable',
  DatabaseAccessDenied: 'unreachable',
  TooManyConnections: 'unreachable',
  UniqueConstraintViolation: 'unique',
};

/** pg's messages for a socket that died under a query (they carry no code). */
const CONNECTION_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|server closed the connection unexpectedly/i;
/** pg-pool's and Prisma's messages for a connection that was never handed out. */
const UNREACHABLE_MESSAGES = /timeout exceeded when trying to connect|Unable to start a transaction in the given time/i;
/** Prisma's P2028 for a transaction its own timeout closed (with a ROLLBACK). */
const ABORTED_MESSAGES = /executed on an expired transaction/i;

function kindOfCode(code: unknown): DbErrorKind | undefined {
  if (typeof code !== 'string') return undefined;
  if (SERIALIZATION.has(code)) return 'serialization';
  if (AMBIGUOUS.has(code)) return 'ambiguous';
  if (CONNECTION.has(code)) return 'connection';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (UNIQUE.has(code)) return 'unique';
  // A socket's own codes (ECONNREFUSED, ECONNRESET, …), as for HTTP: never connected, or lost.
  const network = networkFailureOfCode(code);
  return network === 'not-sent' ? 'unreachable' : network === 'lost' ? 'connection' : undefined;
}

interface ErrorShape {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: unknown };
  cause?: unknown;
}

export function dbErrorKind(err: unknown): DbErrorKind {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 10) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const o = e as ErrorShape;
    const byCode = kindOfCode(o.originalCode) ?? kindOfCode(o.code);
    if (byCode) return byCode;
    if (typeof o.kind === 'string' && KIND_OF_ADAPTER_KIND[o.kind]) return KIND_OF_ADAPTER_KIND[o.kind]!;
    if (typeof o.message === 'string') {
      if (CONNECTION_MESSAGES.test(o.message)) return 'connection';
      if (UNREACHABLE_MESSAGES.test(o.message)) return 'unreachable';
      if (ABORTED_MESSAGES.test(o.message)) return 'aborted';
    }
    queue.push(o.meta?.driverAdapterError, o.cause);
  }
  return 'other';
}

/** True for a transaction that lost a serialization conflict and may simply be run again. */
export const isSerializationFailure = (err: unknown) => dbErrorKind(err) === 'serialization';

/** True when the database itself is not serving: no connection could be made, or it was lost. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const kind = dbErrorKind(err);
  return kind === 'unreachable' || kind === 'connection';
}
