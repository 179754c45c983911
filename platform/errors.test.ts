/**
 * platform/errors.ts: one code→status table, an AppError that carries both into either
 * shape (the HTTP layer's bodies, a GraphQLError), and no code that nothing uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError, ErrorCode, HTTP_STATUS, UsageError, badInput, graphqlError, notFound } from './errors';

test('every code has one HTTP status, an error status', () => {
  expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.values(ErrorCode).sort());
  for (const status of Object.values(HTTP_STATUS)) {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
  }
});

test.each([
  [ErrorCode.BAD_USER_INPUT, 400],
  [ErrorCode.UNAUTHENTICATED, 401],
  [ErrorCode.NOT_FOUND, 404],
  [ErrorCode.TRANSACTION_CONFLICT, 409],
  [ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS, 409],
  [ErrorCode.PAYLOAD_TOO_LARGE, 413],
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 415],
  [ErrorCode.IDEMPOTENCY_KEY_REUSED, 422],
  [ErrorCode.QUERY_TOO_COSTLY, 400],
  [ErrorCode.INTERNAL_SERVER_ERROR, 500],
  [ErrorCode.SUBGRAPH_UNAVAILABLE, 503],
  [ErrorCode.DATABASE_UNAVAILABLE, 503],
  [ErrorCode.NOT_READY, 503],
  [ErrorCode.OUTCOME_UNKNOWN, 504],
])('%s is answered %d, and an AppError of it carries that status', (code, status) => {
  expect(HTTP_STATUS[code]).toBe(status);
  expect(new AppError(code, 'x').status).toBe(status);
});

test('an AppError in the HTTP shapes: {error:{code,message}} and the GraphQL-over-HTTP list', () => {
  const err = new AppError(ErrorCode.PAYLOAD_TOO_LARGE, 'too big');
  expect(err).toBeInstanceOf(Error);
  expect(err.toBody()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'too big' } });
  expect(err.toGraphQLBody()).toEqual({ errors: [{ message: 'too big', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
});

test('an AppError as a GraphQLError: extensions.code first, its extensions, the cause kept for the log only', () => {
  const cause = new Error('connection refused at 10.0.0.7');
  const err = new AppError(ErrorCode.DATABASE_UNAVAILABLE, 'unavailable', { attempts: 3 }, { cause }).toGraphQLError();
  expect(err.message).toBe('unavailable');
  expect(err.extensions).toEqual({ code: 'DATABASE_UNAVAILABLE', attempts: 3 });
  expect(err.originalError).toBe(cause);
  expect(JSON.stringify(err.toJSON())).not.toContain('10.0.0.7');
  // Refused before it runs: Apollo Server answers the status under extensions.http.
  expect(
    new AppError(ErrorCode.BAD_USER_INPUT, 'no', { field: 'f' }).toGraphQLError({ httpStatus: true }).extensions,
  ).toEqual({ code: 'BAD_USER_INPUT', field: 'f', http: { status: 400 } });
});

test('graphqlError, badInput and notFound build the same shape', () => {
  expect(graphqlError(ErrorCode.SUBGRAPH_UNAVAILABLE, 'down', { serviceName: 'data' }).extensions).toEqual({
    code: 'SUBGRAPH_UNAVAILABLE',
    serviceName: 'data',
  });
  expect(badInput('bad', 'name').extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
  expect(badInput('bad').extensions).toEqual({ code: 'BAD_USER_INPUT' });
  const missing = notFound('Account', '42');
  expect(missing.message).toBe("Account identified by '42' not found");
  expect(missing.extensions).toEqual({ code: 'NOT_FOUND', id: '42' });
});

test('UsageError: the CLIs exit 2 with it', () => {
  const err = new UsageError('--x: unknown option');
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('UsageError');
  expect(UsageError.EXIT_CODE).toBe(2);
});

test('no code without a use: each one is sent by some runtime code', () => {
  const root = path.resolve(__dirname, '..');
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return files(p);
      return e.name.endsWith('.ts') &&
        !/\.(test|e2e)\.ts$/.test(e.name) &&
        p !== __filename.replace(/\.test\.ts$/, '.ts')
        ? [p]
        : [];
    });
  const source = ['gateway', 'platform', 'subgraphs']
    .flatMap((d) => files(path.join(root, d)))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const unused = Object.values(ErrorCode).filter(
    (c) => !source.includes(`ErrorCode.${c}`) && !source.includes(`'${c}'`),
  );
  expect(unused).toEqual([]);
});
