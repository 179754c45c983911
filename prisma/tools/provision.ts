/**
 * Creates, idempotently, one database and one login role per bounded context on a
 * cluster reached with an admin URL. Each role owns its database (so it can run that
 * context's migrations) and may connect to no other: CONNECT is revoked from PUBLIC, on
 * the context databases and on the cluster's own maintenance databases, which grant it
 * to PUBLIC by default.
 * Uses only statements PostgreSQL and CockroachDB both accept.
 */
import { Client } from 'pg';
import { CONTEXTS, type ContextName } from '../../platform/config';

export interface ContextCredentials {
  database: string;
  user: string;
  password: string;
}

/** Local-only credentials of the embedded cluster (it listens on 127.0.0.1 only). */
export function embeddedCredentials(context: ContextName): ContextCredentials {
  return { database: context, user: `${context}_svc`, password: `${context}_svc_local` };
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
};
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Databases every cluster is created with (PostgreSQL: postgres, template1; CockroachDB: defaultdb, postgres). */
const MAINTENANCE_DATABASES = ['postgres', 'template1', 'defaultdb'];

export function urlFor(adminUrl: string, c: ContextCredentials): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(c.user);
  u.password = encodeURIComponent(c.password);
  u.pathname = `/${c.database}`;
  return u.toString();
}

export async function provision(
  adminUrl: string,
  credentials: (c: ContextName) => ContextCredentials = embeddedCredentials,
): Promise<Record<ContextName, string>> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const urls = {} as Record<ContextName, string>;
    for (const context of CONTEXTS) {
      const c = credentials(context);
      const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [c.user]);
      if (role.rowCount === 0) await admin.query(`CREATE ROLE ${ident(c.user)} LOGIN PASSWORD ${literal(c.password)}`);
      const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [c.database]);
      if (db.rowCount === 0) await admin.query(`CREATE DATABASE ${ident(c.database)} OWNER ${ident(c.user)}`);
      await admin.query(`REVOKE CONNECT ON DATABASE ${ident(c.database)} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT ON DATABASE ${ident(c.database)} TO ${ident(c.user)}`);
      urls[context] = urlFor(adminUrl, c);
    }
    // Superusers and admins keep connecting (they bypass the check); the context roles may not.
    const maintenance = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1)', [
      MAINTENANCE_DATABASES,
    ]);
    for (const { datname } of maintenance.rows) await admin.query(`REVOKE CONNECT ON DATABASE ${ident(datname)} FROM PUBLIC`);
    return urls;
  } finally {
    await admin.end();
  }
}
