/**
 * dbErrorKind against the shapes errors really arrive in (pg, @prisma/adapter-pg's
 * DriverAdapterError, Prisma's known-request errors); subgraphs/account/writes.int.test.ts
 * checks the same kinds on errors a real PostgreSQL and real sockets produce.
 */
import { dbErrorKind, type DbErrorKind } from './db-errors';

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
