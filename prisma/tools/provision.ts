/**
 * Provisions, idempotently, the bounded contexts on a cluster reached with an admin URL,
 * exactly as deploy/sql does on CockroachDB (the same setup.sql and setup-database.sql,
 * rendered here): per context a database, a migrator user that owns it (DDL: runs the
 * migrations) and an app user (DML on its own tables only, through ALTER DEFAULT PRIVILEGES;
 * its sessions get statement and idle-in-transaction timeouts). Isolation rests on
 * privileges both PostgreSQL and CockroachDB enforce (SQLSTATE 42501 on another context's
 * tables and on DDL): CockroachDB lets any user connect to any database (CONNECT only hides
 * metadata), so revoking CONNECT, which PostgreSQL also enforces, is only a second wall.
 * Nobody but an admin may create anything in the maintenance databases' public schemas.
 * The embedded cluster authenticates, so the users get (local-only) passwords here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { CONTEXTS, type ContextName } from '../../platform/config';

export interface ContextCredentials {
  database: string;
  user: string;
  password: string;
}

export type Role = 'app' | 'migrator';

/** Local-only credentials of the embedded cluster (it listens on 127.0.0.1 only); names as in deploy/sql. */
export function embeddedCredentials(context: ContextName, role: Role = 'app'): ContextCredentials {
  return { database: context, user: `${context}_${role}`, password: `${context}_${role}_local` };
}

export interface Provisioned {
  /** The app users' URLs: what each subgraph gets. */
  urls: Record<ContextName, string>;
  /** The migrator users' URLs: for the migrations only. */
  migratorUrls: Record<ContextName, string>;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
};
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Databases every cluster is created with (PostgreSQL: postgres, template1; CockroachDB: defaultdb, postgres). */
const MAINTENANCE_DATABASES = ['postgres', 'template1', 'defaultdb'];
/** The one-user-per-context role of earlier versions of this file; its objects go to the migrator. */
const legacyUser = (context: ContextName) => `${context}_svc`;

const SQL_DIR = path.resolve(__dirname, '../../deploy/sql');

/**
 * The statements of a deploy/sql template for one context, as setup.sh renders it (PostgreSQL
 * has no CREATE USER / DATABASE IF NOT EXISTS: provision checks existence itself and skips the
 * template's CREATE statements).
 */
export function setupStatements(file: 'setup.sql' | 'setup-database.sql', context: string): string[] {
  const text = fs
    .readFileSync(path.join(SQL_DIR, file), 'utf8')
    .replaceAll('__IF_NOT_EXISTS__', '')
    .replaceAll('__CTX__', context);
  return text
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^CREATE\s+(USER|ROLE|DATABASE)\b/i.test(s));
}

export function urlFor(adminUrl: string, c: ContextCredentials): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(c.user);
  u.password = encodeURIComponent(c.password);
  u.pathname = `/${c.database}`;
  return u.toString();
}

async function onDatabase(adminUrl: string, database: string, fn: (c: Client) => Promise<void>): Promise<void> {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  const client = new Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

export async function provision(
  adminUrl: string,
  credentials: (c: ContextName, role: Role) => ContextCredentials = embeddedCredentials,
): Promise<Provisioned> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = async (sql: string, name: string) => ((await admin.query(sql, [name])).rowCount ?? 0) > 0;
  try {
    const out: Provisioned = {
      urls: {} as Record<ContextName, string>,
      migratorUrls: {} as Record<ContextName, string>,
    };
    for (const context of CONTEXTS) {
      const app = credentials(context, 'app');
      const migrator = credentials(context, 'migrator');
      if (app.database !== context || migrator.database !== context)
        throw new Error(`context ${context}: database must be named ${context}`);
      for (const c of [migrator, app]) {
        const verb = (await exists('SELECT 1 FROM pg_roles WHERE rolname = $1', c.user)) ? 'ALTER' : 'CREATE';
        await admin.query(`${verb} ROLE ${ident(c.user)} LOGIN PASSWORD ${literal(c.password)}`);
      }
      if (await exists('SELECT 1 FROM pg_database WHERE datname = $1', context)) {
        await admin.query(`ALTER DATABASE ${ident(context)} OWNER TO ${ident(migrator.user)}`);
      } else {
        await admin.query(`CREATE DATABASE ${ident(context)} OWNER ${ident(migrator.user)}`);
      }
      for (const s of setupStatements('setup.sql', context)) await admin.query(s);
      const legacy = (await exists('SELECT 1 FROM pg_roles WHERE rolname = $1', legacyUser(context)))
        ? legacyUser(context)
        : undefined;
      await onDatabase(adminUrl, context, async (db) => {
        // A data folder from before the migrator/app split: its tables change owner, the old role goes.
        if (legacy)
          await db.query(
            `REASSIGN OWNED BY ${ident(legacy)} TO ${ident(migrator.user)}; DROP OWNED BY ${ident(legacy)}`,
          );
        for (const s of setupStatements('setup-database.sql', context)) await db.query(s);
      });
      if (legacy) await admin.query(`DROP ROLE ${ident(legacy)}`);
      out.urls[context] = urlFor(adminUrl, app);
      out.migratorUrls[context] = urlFor(adminUrl, migrator);
    }
    // Admins keep connecting (superusers bypass both checks); the context users may neither
    // connect to the cluster's own databases nor create anything in their public schemas.
    const maintenance = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = ANY($1)',
      [MAINTENANCE_DATABASES],
    );
    for (const { datname } of maintenance.rows) {
      await admin.query(`REVOKE CONNECT ON DATABASE ${ident(datname)} FROM PUBLIC`);
      await onDatabase(adminUrl, datname, (db) =>
        db.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC').then(() => undefined),
      );
    }
    return out;
  } finally {
    await admin.end();
  }
}
