/**
 * dbErrorKind against the shapes errors really arrive in (pg, @prisma/adapter-pg's
 * DriverAdapterError, Prisma's known-request errors); subgraphs/account/writes.int.test.ts
 * checks the same kinds on errors a real PostgreSQL and real sockets produce.
 */
import { dbErrorKind, isDatabaseUnavailable, type DbErrorKind } from './db-errors';

const adapter = (cause: Record<string, unknown>) =>
  Object.assign(new Error(String(cause.kind)), { name: 'DriverAdapterError', cause });

test.each<[string, unknown, DbErrorKind]>([
  ['pg 40001', { code: '40001', message: 'restart transaction' }, 'serialization'],
  ['Prisma P2034', { code: 'P2034' }, 'serialization'],
  ['adapter deadlock', adapter({ kind: 'TransactionWriteConflict', originalCode: '40P01' }), 'serialization'],
  [
    'adapter 40003 (kind postgres)',
    adapter({ kind: 'postgres', code: '40003', message: 'result is ambiguous' }),
    'ambiguous',
  ],
  [
    'Prisma-wrapped 40003',
    { code: 'P2010', meta: { driverAdapterError: adapter({ kind: 'postgres', code: '40003' }) } },
    'ambiguous',
  ],
  ['57P01 admin shutdown', adapter({ kind: 'postgres', code: '57P01' }), 'connection'],
  ['08006 connection failure', { code: '08006' }, 'connection'],
  ['adapter ConnectionClosed (ECONNRESET)', adapter({ kind: 'ConnectionClosed' }), 'connection'],
  ['pg socket death', new Error('Connection terminated unexpectedly'), 'connection'],
  ['refused', adapter({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }), 'unreachable'],
  ['57P03 cannot connect now', { code: '57P03' }, 'unreachable'],
  ['pool timeout', new Error('timeout exceeded when trying to connect'), 'unreachable'],
  [
    'Prisma maxWait',
    { code: 'P2028', message: 'Transaction API error: Unable to start a transaction in the given time.' },
    'unreachable',
  ],
  [
    'Prisma timeout',
    { code: 'P2028', message: 'Transaction API error: A commit cannot be executed on an expired transaction.' },
    'aborted',
  ],
  ['unique violation', adapter({ kind: 'UniqueConstraintViolation', originalCode: '23505' }), 'unique'],
  ['a resolver error', new Error('Account identified by x not found'), 'other'],
  ['a check violation', { code: '23514' }, 'other'],
  ['null', null, 'other'],
])('%s → %s', (_, err, kind) => expect(dbErrorKind(err)).toBe(kind));

test('a cycle of causes ends', () => {
  const a: { cause?: unknown } = {};
  a.cause = { cause: a };
  expect(dbErrorKind(a)).toBe('other');
});

// What a client is told (kit/mask.ts): the same classification as the write path's.
test.each<[string, unknown, boolean]>([
  ['Prisma P1001 cannot reach', { code: 'P1001' }, true],
  ['Prisma P1008 operation timed out', { code: 'P1008' }, true],
  ['Prisma P2024 pool timeout', { code: 'P2024' }, true],
  ['53300 too many connections', adapter({ kind: 'postgres', code: '53300' }), true],
  ['55000 database not accepting connections', { code: '55000' }, true],
  ['adapter DatabaseAccessDenied', adapter({ kind: 'DatabaseAccessDenied' }), true],
  ['ENETDOWN under a Prisma error', { code: 'P2010', cause: { code: 'ENETDOWN' } }, true],
  ['ECONNABORTED', { code: 'ECONNABORTED' }, true],
  ['pg socket death', new Error('Connection terminated unexpectedly'), true],
  ['40001 (the request, not the database)', { code: '40001' }, false],
  ['unique violation', { code: '23505' }, false],
  ['a resolver error', new Error('boom'), false],
])('%s: database unavailable %s', (_, err, unavailable) => expect(isDatabaseUnavailable(err)).toBe(unavailable));
