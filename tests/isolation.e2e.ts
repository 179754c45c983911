/**
 * The bounded contexts are isolated by the database itself, as provision.ts sets it up:
 * each context's login role reaches its own database and no other (not another
 * context's, nor the cluster's maintenance databases), and holds no cluster-wide power
 * (not superuser, cannot create databases or roles).
 */
import { Client, type DatabaseError } from 'pg';
import { CONTEXTS, type ContextName } from '../platform/config';
import { embeddedCredentials } from '../prisma/tools/provision';
import { adminQuery, testDatabaseUrls, withClient } from './harness/db';

/** The URL of `context`'s role, pointed at `database`. */
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

const pairs = CONTEXTS.flatMap((user) => CONTEXTS.filter((db) => db !== user).map((db) => [user, db] as const));

test.each(pairs)("%s's role is refused by the %s database", async (user, database) => {
  const err = await connectError(urlAs(user, database));
  expect(err).toBeDefined();
  expect(err?.code).toBe('42501');
  expect(err?.message).toMatch(new RegExp(`permission denied for database "?${database}"?`));
});

test.each(CONTEXTS)("%s's role connects to its own database, which it owns", async (context) => {
  const who = await withClient(testDatabaseUrls()[context], async (c) =>
    (
      await c.query<{ user: string; db: string; owner: string }>(
        `SELECT current_user AS user, current_database() AS db, pg_get_userbyid(datdba) AS owner
           FROM pg_database WHERE datname = current_database()`,
      )
    ).rows[0],
  );
  expect(who).toEqual({ user: embeddedCredentials(context).user, db: context, owner: embeddedCredentials(context).user });
});

test.each(CONTEXTS)("%s's role is refused by the postgres and template1 maintenance databases", async (context) => {
  for (const database of ['postgres', 'template1']) {
    const err = await connectError(urlAs(context, database));
    expect(err?.code).toBe('42501');
    expect(err?.message).toMatch(new RegExp(`permission denied for database "?${database}"?`));
  }
});

test('no context role has cluster-wide powers', async () => {
  const users = CONTEXTS.map((c) => embeddedCredentials(c).user);
  const roles = await adminQuery<{ rolname: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolbypassrls: boolean; rolreplication: boolean }>(
    'SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
    [users],
  );
  expect(roles.map((r) => r.rolname)).toEqual([...users].sort());
  for (const r of roles) {
    expect(r).toEqual({ rolname: r.rolname, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolbypassrls: false, rolreplication: false });
  }
  // Nor did provisioning make one a member of another role (e.g. of another context's owner).
  const memberships = await adminQuery('SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = ANY($1)', [users]);
  expect(memberships).toEqual([]);
});

test.each(CONTEXTS)("%s's role cannot create a database or a role", async (context) => {
  await withClient(testDatabaseUrls()[context], async (c) => {
    await expect(c.query(`CREATE DATABASE isolation_probe_${context}`)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied to create database/),
    });
    await expect(c.query(`CREATE ROLE isolation_probe_${context}`)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied to create role/),
    });
  });
  const leftovers = await adminQuery(
    `SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1`,
    [`isolation_probe_${context}`],
  );
  expect(leftovers).toEqual([]);
});
