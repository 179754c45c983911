/**
 * platform/config.ts, database URLs: any subset of the three is valid (a subgraph process is
 * given only its own), each is still validated, a process that needs a missing one is told
 * which variable, and the processes that work on all three databases want all or none.
 */
import {
  allDatabaseUrls,
  ConfigError,
  databaseUrlOf,
  databaseUrlVariable,
  loadConfig,
  withDatabaseUrls,
} from './config';

const URLS = {
  account: 'postgresql://account_app@db:26257/account?sslmode=disable',
  data: 'postgresql://data_app@db:26257/data?sslmode=disable',
  image: 'postgresql://image_app@db:26257/image?sslmode=disable',
};
const ALL = { ACCOUNT_DATABASE_URL: URLS.account, DATA_DATABASE_URL: URLS.data, IMAGE_DATABASE_URL: URLS.image };

describe('database URLs', () => {
  test('variable names', () => {
    expect([databaseUrlVariable('account'), databaseUrlVariable('data'), databaseUrlVariable('image')]).toEqual([
      'ACCOUNT_DATABASE_URL',
      'DATA_DATABASE_URL',
      'IMAGE_DATABASE_URL',
    ]);
  });

  test('only its own URL: the config loads and holds that one only', () => {
    const config = loadConfig({ ACCOUNT_DATABASE_URL: URLS.account });
    expect(config.databaseUrls).toEqual({ account: URLS.account });
    expect(databaseUrlOf(config, 'account')).toBe(URLS.account);
    expect(loadConfig({ DATA_DATABASE_URL: URLS.data, IMAGE_DATABASE_URL: URLS.image }).databaseUrls).toEqual({
      data: URLS.data,
      image: URLS.image,
    });
  });

  test('none and all three still load; empty values count as unset', () => {
    expect(loadConfig({}).databaseUrls).toEqual({});
    expect(loadConfig({ ...ALL, DATA_DATABASE_URL: '' }).databaseUrls).toEqual({
      account: URLS.account,
      image: URLS.image,
    });
    expect(loadConfig(ALL).databaseUrls).toEqual(URLS);
  });

  test('a set URL is still validated, naming its variable', () => {
    expect(() => loadConfig({ DATA_DATABASE_URL: 'mysql://x@db/data' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DATABASE_URL: 'mysql://x@db/data' })).toThrow(
      /DATA_DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
    expect(() => loadConfig({ ACCOUNT_DATABASE_URL: URLS.account, IMAGE_DATABASE_URL: 'not a url' })).toThrow(
      /IMAGE_DATABASE_URL/,
    );
  });

  test('the own URL missing: a ConfigError naming the variable', () => {
    const config = loadConfig({ ACCOUNT_DATABASE_URL: URLS.account });
    expect(() => databaseUrlOf(config, 'data')).toThrow(ConfigError);
    expect(() => databaseUrlOf(config, 'data')).toThrow(
      /^DATA_DATABASE_URL is not set: this process needs the data context's database/,
    );
    expect(() => databaseUrlOf(loadConfig({}), 'image')).toThrow(/^IMAGE_DATABASE_URL is not set/);
  });

  test('all three or none for the launcher, migrator and seeder (allDatabaseUrls)', () => {
    expect(allDatabaseUrls(loadConfig({}))).toBeUndefined();
    expect(allDatabaseUrls(loadConfig(ALL))).toEqual(URLS);
    const partial = loadConfig({ DATA_DATABASE_URL: URLS.data });
    expect(() => allDatabaseUrls(partial)).toThrow(ConfigError);
    expect(() => allDatabaseUrls(partial)).toThrow(
      /set ACCOUNT_DATABASE_URL, IMAGE_DATABASE_URL too, or none of the three/,
    );
  });
});

describe('withDatabaseUrls: the environment of a child process', () => {
  const base = {
    ...ALL,
    PATH: '/bin',
    ACCOUNT_MIGRATION_DATABASE_URL: 'postgresql://m@db/account',
    TEST_ADMIN_DATABASE_URL: 'postgresql://admin@db/postgres',
  };

  test('a subgraph: its own URL and no other database URL of any kind', () => {
    expect(withDatabaseUrls(base, URLS, ['account'])).toEqual({ PATH: '/bin', ACCOUNT_DATABASE_URL: URLS.account });
    expect(withDatabaseUrls({ PATH: '/bin' }, { image: URLS.image }, ['image'])).toEqual({
      PATH: '/bin',
      IMAGE_DATABASE_URL: URLS.image,
    });
  });

  test('the gateway: none; a process that reads all three: all three', () => {
    expect(withDatabaseUrls(base, URLS, [])).toEqual({ PATH: '/bin' });
    expect(withDatabaseUrls(base, URLS, ['account', 'data', 'image'])).toEqual({ PATH: '/bin', ...ALL });
  });

  test('a URL it should pass on but does not have: a ConfigError', () => {
    expect(() => withDatabaseUrls({}, { account: URLS.account }, ['data'])).toThrow(ConfigError);
    expect(() => withDatabaseUrls({}, { account: URLS.account }, ['data'])).toThrow(/DATA_DATABASE_URL/);
  });

  test('the base environment is not changed', () => {
    const copy = { ...base };
    withDatabaseUrls(base, URLS, ['data']);
    expect(base).toEqual(copy);
  });
});

describe('a bad value: one line naming the variable and what it accepts', () => {
  test.each([
    ['GATEWAY_PORT', 'abc', 'GATEWAY_PORT: must be an integer from 1 to 65535 (got "abc")'],
    ['GATEWAY_PORT', '0', 'GATEWAY_PORT: must be an integer from 1 to 65535 (got "0")'],
    ['ACCOUNT_PORT', '65536', 'ACCOUNT_PORT: must be an integer from 1 to 65535 (got "65536")'],
    ['EMBEDDED_PG_PORT', '5432.5', 'EMBEDDED_PG_PORT: must be an integer from 1 to 65535 (got "5432.5")'],
    ['TX_MAX_ATTEMPTS', '-1', 'TX_MAX_ATTEMPTS: must be an integer from 1 to 20 (got "-1")'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
  ])('%s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(`invalid configuration: ${message}`);
  });

  test('several bad values: all named, still one line; a secret or URL is never echoed', () => {
    const load = () =>
      loadConfig({ GATEWAY_PORT: 'x', SUBGRAPH_SECRET: 'short-secret', DATA_DATABASE_URL: 'mysql://u:pw@db/data' });
    expect(load).toThrow(
      /^invalid configuration: GATEWAY_PORT: .*; DATA_DATABASE_URL: must be a postgres.*; SUBGRAPH_SECRET: must be at least 32 characters/,
    );
    try {
      load();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).not.toMatch(/short-secret|pw@/);
    }
  });
});
