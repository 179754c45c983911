/**
 * Secure mode, locally: an embedded PostgreSQL that accepts TLS only, with a certificate from
 * a CA this test makes (openssl), and SCRAM-SHA-256 passwords (with `@:/?#%` in them) for every
 * user. The whole stack runs on verify-full URLs against that CA, the passwords given apart
 * from the URLs as in production (<CTX>_[MIGRATION_]DATABASE_PASSWORD): the migrations and the
 * seed as real processes, the subgraphs and the relay in process. A client that trusts another
 * CA fails with one line naming the database (credentials redacted) and the TLS reason.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { CONTEXTS, loadConfig, type ContextName } from '../platform/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../prisma/tools/local/embedded-postgres';
import { freePort, scratchDir } from '../prisma/tools/local/scratch';
import { provision, type Role } from '../prisma/tools/provision';
import { runCli } from './harness/cli';
import { withClient } from './harness/db';
import { eventually } from './harness/eventually';
import { startStack } from './harness/stack';

jest.setTimeout(180_000);

const password = (c: ContextName, role: Role) => `${role}@${c}:/?#%41 pw`;
let dir: string;
let pg: EmbeddedPostgres;
let port: number;

/** A CA, and a server certificate for 127.0.0.1 / localhost signed by it; and a second, unrelated CA. */
function makeCertificates(): { ca: string; wrongCa: string; cert: string; key: string } {
  const f = (name: string) => path.join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['ca', 'wrong-ca'])
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=test ${ca}`,
      '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`)); // prettier-ignore
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  fs.writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', f('san.ext'), '-out', f('server.crt')); // prettier-ignore
  return { ca: f('ca.crt'), wrongCa: f('wrong-ca.crt'), cert: f('server.crt'), key: f('server.key') };
}
let certs: ReturnType<typeof makeCertificates>;

/** A verify-full URL without a password (the password goes in its own variable). */
const urlOf = (c: ContextName, role: Role, ca = certs.ca) =>
  `postgresql://${c}_${role}@127.0.0.1:${port}/${c}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;

/** The production-shaped environment: URLs and passwords apart. */
function envFor(role: Role, ca = certs.ca): Record<string, string> {
  const kind = role === 'migrator' ? 'MIGRATION_' : '';
  const env: Record<string, string> = {};
  for (const c of CONTEXTS) {
    env[`${c.toUpperCase()}_${kind}DATABASE_URL`] = urlOf(c, role, ca);
    env[`${c.toUpperCase()}_${kind}DATABASE_PASSWORD`] = password(c, role);
  }
  return env;
}

const run = runCli;

beforeAll(async () => {
  dir = scratchDir('secure-mode-');
  certs = makeCertificates();
  port = await freePort();
  pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port, ephemeral: true, tls: certs });
  await provision(pg.adminUrl, (c, role) => ({ database: c, user: `${c}_${role}`, password: password(c, role) }));
});

afterAll(async () => {
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the server takes TLS only, and stores SCRAM-SHA-256 passwords', async () => {
  const plain = new Client({ connectionString: pg.adminUrl.replace(/\?.*$/, '?sslmode=disable') });
  const refused = await plain.connect().then(
    () => 'connected',
    (e: Error) => e.message,
  );
  await plain.end().catch(() => undefined);
  expect(refused).toMatch(/no pg_hba\.conf entry .*no encryption/);
  const rows = await withClient(
    pg.adminUrl,
    async (c) =>
    (await c.query<{ scram: boolean }>("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname LIKE '%\\_app' OR rolname LIKE '%\\_migrator'")).rows, // prettier-ignore
  );
  expect(rows.map((r) => r.scram)).toEqual(Array(6).fill(true));
});

test('migrations (the one runner) and the seed, as processes, on verify-full URLs with the passwords apart', async () => {
  const deploy = await run('prisma/tools/migrate-cli.ts', envFor('migrator'), 'deploy');
  expect([deploy.status, deploy.stderr]).toEqual([0, '']);
  expect(deploy.stdout).toMatch(/^account: applied /m);
  const status = await run('prisma/tools/migrate-cli.ts', envFor('migrator'), 'status');
  expect(status.status).toBe(0);
  const seed = await run('prisma/tools/seed-cli.ts', envFor('app'), '--accounts', '5');
  expect(seed.status).toBe(0);
});

test('the subgraphs and the relay on verify-full URLs: a write reaches the data context', async () => {
  const config = loadConfig(envFor('app'));
  const stack = await startStack({ urls: config.databaseUrls as Record<ContextName, string> });
  try {
    const created = await stack.query<any>('mutation { createAccount(name: "Secure Path") { id } }');
    const id = created.data?.createAccount?.id as string;
    expect(id).toEqual(expect.any(String));
    await eventually(
      async () =>
        (await stack.query<any>('query($id: ID!) { account(id: $id) { events { eventName } } }', { id })).data?.account
          ?.events?.length === 1,
      { what: 'the CREATED event delivered over TLS' },
    );
    // The connections really are TLS (pg_stat_ssl), as the app users.
    const ssl = await withClient(
      pg.adminUrl,
      async (c) =>
        (
          await c.query<{ ssl: boolean }>(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'account_app'",
          )
        ).rows,
    );
    expect(ssl.length).toBeGreaterThan(0);
    expect(ssl.every((r) => r.ssl)).toBe(true);
  } finally {
    await stack.stop();
  }
});

test('a CA that did not sign the server: one line naming the database (no credentials) and the TLS reason', async () => {
  const env = envFor('migrator', certs.wrongCa);
  const status = await run('prisma/tools/migrate-cli.ts', { ...env, ACCOUNT_MIGRATION_DATABASE_URL: env.ACCOUNT_MIGRATION_DATABASE_URL!.replace('account_migrator@', `account_migrator:${encodeURIComponent('inline-secret')}@`), ACCOUNT_MIGRATION_DATABASE_PASSWORD: '' }, 'status'); // prettier-ignore
  expect(status.status).toBe(1);
  const lines = status.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toBe(
    `cannot connect to postgresql://[redacted]@127.0.0.1:${port}/account?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.wrongCa)}: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
  );
  expect(status.stderr).not.toMatch(/inline-secret|migrator@account/);
});
