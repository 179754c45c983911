/**
 * Database passwords kept apart from the URLs (<CTX>_DATABASE_PASSWORD,
 * <CTX>_MIGRATION_DATABASE_PASSWORD, a Secret each): config.ts percent-encodes them into the
 * URL, so any character works; pg reads back exactly the password that was given.
 */
import pg from 'pg';
import { ConfigError, loadConfig, withDatabaseUrls } from './config';

const URL_ = 'postgresql://account_app@db:26257/account?sslmode=verify-full&sslrootcert=/certs/ca.crt';
const NASTY = 'p@ss:w/o?r#d%41 ü';

test('a password with @:/?#% and more reaches pg exactly as given; the rest of the URL is untouched', () => {
  const config = loadConfig({ ACCOUNT_DATABASE_URL: URL_, ACCOUNT_DATABASE_PASSWORD: NASTY });
  const c = new pg.Client({ connectionString: config.databaseUrls.account!.replace(/\?.*/, '') });
  const parsed = { user: c.user, password: c.password, host: c.host, port: c.port, database: c.database };
  expect(parsed).toMatchObject({
    user: 'account_app',
    password: NASTY,
    host: 'db',
    port: 26257,
    database: 'account',
  });
  expect(config.databaseUrls.account).toMatch(/\?sslmode=verify-full&sslrootcert=\/certs\/ca\.crt$/);
});

test('the migrator URL and password: their own variables, for the migration runner only', () => {
  const config = loadConfig({
    DATA_MIGRATION_DATABASE_URL: 'postgresql://data_migrator@db:26257/data',
    DATA_MIGRATION_DATABASE_PASSWORD: 'x/y',
  });
  expect(config.migrationDatabaseUrls).toEqual({ data: 'postgresql://data_migrator:x%2Fy@db:26257/data' });
  expect(config.databaseUrls).toEqual({});
});

test('a password without its URL, or in both places, or with no user: one ConfigError naming the variable', () => {
  expect(() => loadConfig({ IMAGE_DATABASE_PASSWORD: 'x' })).toThrow(
    new ConfigError('IMAGE_DATABASE_PASSWORD: set IMAGE_DATABASE_URL too (the password is for its user)'),
  );
  expect(() => loadConfig({ IMAGE_DATABASE_URL: 'postgresql://u:old@db/image', IMAGE_DATABASE_PASSWORD: 'x' })).toThrow(
    /IMAGE_DATABASE_PASSWORD: IMAGE_DATABASE_URL already has a password/,
  );
  expect(() => loadConfig({ IMAGE_DATABASE_URL: 'postgresql://db/image', IMAGE_DATABASE_PASSWORD: 'x' })).toThrow(
    /IMAGE_DATABASE_PASSWORD: IMAGE_DATABASE_URL names no user/,
  );
});

test("a child process gets no other context's password (the URLs it gets carry their own)", () => {
  const env = withDatabaseUrls(
    { DATA_DATABASE_PASSWORD: 'd', ACCOUNT_MIGRATION_DATABASE_PASSWORD: 'm', KEEP: '1' },
    { account: 'postgresql://a:p@db/account' },
    ['account'],
  );
  expect(env).toEqual({ KEEP: '1', ACCOUNT_DATABASE_URL: 'postgresql://a:p@db/account' });
});
