/**
 * The bounded contexts are isolated by the database itself, as provision.ts sets it up (the
 * same SQL as deploy/sql on CockroachDB): per context a migrator user (owns the database: DDL)
 * and an app user (what the subgraph connects as: DML on its own tables only).
 * CockroachDB lets any user connect to any database (CONNECT only hides metadata), so what
 * must hold is what both databases enforce with privileges: SQLSTATE 42501 for another
 * context's tables, for DDL by an app user, and for creating anything in the maintenance
 * databases. To test that without PostgreSQL's refused connection in the way, the admin
 * opens the session in the target database and takes the user's role (SET ROLE), which is
 * what a CockroachDB connection as that user gets. PostgreSQL's refused connection is
 * checked too, as the second wall it is there.
 */
import { Client, type DatabaseError } from 'pg';
import { CONTEXTS, type ContextName } from '../platform/config';
import { embeddedCredentials, type Role } from '../prisma/tools/provision';
import { adminQuery, adminUrl, testDatabaseUrls, withClient } from './harness/db';

const TABLE: Record<ContextName, string> = { account: 'accounts', data: 'account_events', image: 'account_images' };
const ROLES: Role[] = ['app', 'migrator'];
const user = (c: ContextName, role: Role) => embeddedCredentials(c, role).user;

/** The URL of `context`'s app user, pointed at `database`. */
function urlAs(context: ContextName, database: string): string {
  const u = new URL(testDatabaseUrls()[context]);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Connects, and returns the error the server refused the connection with (or undefined). */
async function connectError(url: string): Promise<DatabaseError | undefined> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    return err as DatabaseError;
  }
  await client.end();
  return undefined;
}

/** Runs `sql` in `database` as `role` (the admin's session, SET ROLE) and returns its SQLSTATE ('ok' if it ran); always rolled back. */
async function asRole(database: string, role: string, sql: string): Promise<string> {
  return withClient(adminUrl(database), async (c) => {
    await c.query('BEGIN');
    try {
      await c.query(`SET LOCAL ROLE "${role}"`);
      await c.query(sql);
      return 'ok';
    } catch (err) {
      return (err as DatabaseError).code ?? String(err);
    } finally {
      await c.query('ROLLBACK');
    }
  });
}

const pairs = CONTEXTS.flatMap((me) => CONTEXTS.filter((other) => other !== me).map((other) => [me, other] as const));

describe('what CockroachDB enforces as well (privileges, SQLSTATE 42501)', () => {
  test.each(pairs)("%s's users can neither read, write nor create anything in the %s database", async (me, other) => {
    const t = TABLE[other];
    for (const role of ROLES) {
      const r = user(me, role);
      const outcomes = {
        select: await asRole(other, r, `SELECT 1 FROM ${t} LIMIT 1`),
        insert: await asRole(other, r, `INSERT INTO ${t} SELECT * FROM ${t} LIMIT 0`),
        update: await asRole(other, r, `UPDATE ${t} SET ${other === 'image' ? 'url' : 'id'} = 'x' WHERE false`),
        delete: await asRole(other, r, `DELETE FROM ${t} WHERE false`),
        createTable: await asRole(other, r, 'CREATE TABLE intruder (id INT PRIMARY KEY)'),
        alterTable: await asRole(other, r, `ALTER TABLE ${t} ADD COLUMN intruder TEXT`),
      };
      expect([r, outcomes]).toEqual([
        r,
        {
          select: '42501',
          insert: '42501',
          update: '42501',
          delete: '42501',
          createTable: '42501',
          alterTable: '42501',
        },
      ]);
    }
  });

  test.each(CONTEXTS)("%s's app user does DML on its own tables and no DDL", async (c) => {
    const t = TABLE[c];
    const app = user(c, 'app');
    expect(await asRole(c, app, `SELECT 1 FROM ${t} LIMIT 1`)).toBe('ok');
    expect(await asRole(c, app, `DELETE FROM ${t} WHERE false`)).toBe('ok');
    const ddl = {
      createTable: await asRole(c, app, 'CREATE TABLE app_made (id INT PRIMARY KEY)'),
      createIndex: await asRole(c, app, `CREATE INDEX app_made_idx ON ${t} (${c === 'image' ? 'url' : 'id'})`),
      alterTable: await asRole(c, app, `ALTER TABLE ${t} ADD COLUMN app_made TEXT`),
      dropTable: await asRole(c, app, `DROP TABLE ${t}`),
      truncate: await asRole(c, app, `TRUNCATE ${t}`),
      createSchema: await asRole(c, app, 'CREATE SCHEMA app_made'),
    };
    expect(ddl).toEqual({
      createTable: '42501',
      createIndex: '42501',
      alterTable: '42501',
      dropTable: '42501',
      truncate: '42501',
      createSchema: '42501',
    });
    // The migrator may (rolled back).
    expect(await asRole(c, user(c, 'migrator'), 'CREATE TABLE migrator_made (id INT PRIMARY KEY)')).toBe('ok');
  });

  test.each(CONTEXTS)("%s's users cannot create anything in the maintenance databases' public schemas", async (c) => {
    for (const database of ['postgres', 'template1']) {
      for (const role of ROLES) {
        expect([
          database,
          role,
          await asRole(database, user(c, role), 'CREATE TABLE public.intruder (id INT)'),
        ]).toEqual([database, role, '42501']);
      }
    }
  });
});

test.each(CONTEXTS)(
  "%s's app user connects to its own database, which its migrator owns, tables included",
  async (context) => {
    const who = await withClient(
      testDatabaseUrls()[context],
      async (c) =>
        (
          await c.query<{ user: string; db: string; owner: string; tables: string[] }>(
            `SELECT current_user AS user, current_database() AS db, pg_get_userbyid(datdba) AS owner,
                (SELECT array_agg(DISTINCT tableowner::text) FROM pg_tables WHERE schemaname = 'public') AS tables
           FROM pg_database WHERE datname = current_database()`,
          )
        ).rows[0],
    );
    expect(who).toEqual({
      user: user(context, 'app'),
      db: context,
      owner: user(context, 'migrator'),
      tables: [user(context, 'migrator')],
    });
  },
);

test.each(CONTEXTS)("%s's app sessions carry the statement and idle-in-transaction timeouts", async (context) => {
  const settings = await withClient(
    testDatabaseUrls()[context],
    async (c) =>
      (
        await c.query<{ st: string; idle: string }>(
          `SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle`,
        )
      ).rows[0],
  );
  expect(settings).toEqual({ st: '10s', idle: '1min' });
});

describe("PostgreSQL's second wall: a refused connection (CockroachDB would let it connect)", () => {
  test.each(pairs)("%s's app user is refused by the %s database", async (me, database) => {
    const err = await connectError(urlAs(me, database));
    expect(err?.code).toBe('42501');
    expect(err?.message).toMatch(new RegExp(`permission denied for database "?${database}"?`));
  });

  test.each(CONTEXTS)(
    "%s's app user is refused by the postgres and template1 maintenance databases",
    async (context) => {
      for (const database of ['postgres', 'template1']) {
        const err = await connectError(urlAs(context, database));
        expect(err?.code).toBe('42501');
        expect(err?.message).toMatch(new RegExp(`permission denied for database "?${database}"?`));
      }
    },
  );
});

test('no context user has cluster-wide powers or another role', async () => {
  const users = CONTEXTS.flatMap((c) => ROLES.map((r) => user(c, r)));
  const roles = await adminQuery<{
    rolname: string;
    rolsuper: boolean;
    rolcreatedb: boolean;
    rolcreaterole: boolean;
    rolbypassrls: boolean;
    rolreplication: boolean;
  }>(
    'SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
    [users],
  );
  expect(roles.map((r) => r.rolname)).toEqual([...users].sort());
  for (const r of roles) {
    expect(r).toEqual({
      rolname: r.rolname,
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolbypassrls: false,
      rolreplication: false,
    });
  }
  const memberships = await adminQuery(
    'SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = ANY($1)',
    [users],
  );
  expect(memberships).toEqual([]);
});

test.each(CONTEXTS)("%s's app user cannot create a database or a role", async (context) => {
  await withClient(testDatabaseUrls()[context], async (c) => {
    await expect(c.query(`CREATE DATABASE isolation_probe_${context}`)).rejects.toMatchObject({ code: '42501' });
    await expect(c.query(`CREATE ROLE isolation_probe_${context}`)).rejects.toMatchObject({ code: '42501' });
  });
  const leftovers = await adminQuery(
    `SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1`,
    [`isolation_probe_${context}`],
  );
  expect(leftovers).toEqual([]);
});
