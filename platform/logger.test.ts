/**
 * platform/logger.ts: addresses stay readable in logs (a loopback listen URL was shown as
 * "[redacted]"), credentials never appear, wherever the field sits.
 */
import { createLogger, withoutCredentials } from './logger';

/** Log lines written by `fn` through a logger made by createLogger. */
function capture(fn: (log: ReturnType<typeof createLogger>) => void): Record<string, any>[] {
  const lines: string[] = [];
  fn(createLogger('test', 'info', { write: (l: string) => void lines.push(l) }));
  return lines.map((l) => JSON.parse(l));
}

test('withoutCredentials: user and password replaced, the address kept', () => {
  expect(withoutCredentials('postgresql://account_svc:s3cret@db.internal:26257/account?sslmode=verify-full')).toBe(
    'postgresql://[redacted]@db.internal:26257/account?sslmode=verify-full',
  );
  expect(withoutCredentials('http://user@10.0.0.1:4001/graphql')).toBe('http://[redacted]@10.0.0.1:4001/graphql');
  expect(withoutCredentials('http://127.0.0.1:4000/graphql')).toBe('http://127.0.0.1:4000/graphql');
  expect(withoutCredentials('http://127.0.0.1:4000/graphql?next=a@b')).toBe('http://127.0.0.1:4000/graphql?next=a@b');
  expect(withoutCredentials(42)).toBe(42);
});

test('a listen URL is logged as it is; a database URL without its password; secrets never', () => {
  const [line] = capture((log) =>
    log.info(
      {
        url: 'http://127.0.0.1:4000/graphql',
        db: { connectionString: 'postgresql://app:pw-123@127.0.0.1:5432/account', password: 'pw-123' },
        subgraphSecret: 'x'.repeat(40),
      },
      'listening',
    ),
  );
  expect(line!.url).toBe('http://127.0.0.1:4000/graphql');
  expect(line!.db.connectionString).toBe('postgresql://[redacted]@127.0.0.1:5432/account');
  expect(line!.db.password).toBe('[redacted]');
  expect(line!.subgraphSecret).toBe('[redacted]');
  expect(JSON.stringify(line)).not.toMatch(/pw-123|xxxxxxxx/);
});
