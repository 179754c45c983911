/**
 * Offline checks of the secure-mode compose override (deploy/compose/docker-compose.secure.yml,
 * the production default) merged over the demo file as Docker Compose merges them: nodes and
 * init with certificates and never --insecure, HAProxy's TLS health checks, sql-setup with the
 * root certificate and every password required, verify-full URLs with passwords whose CA is
 * all the app containers mount; and no password anywhere in the insecure file.
 */
import { loadConfig } from '../platform/config';
import { CONTEXTS, loadYaml, readRepo, repoPath, type Doc } from './testing/helpers';
describe('deploy/compose/docker-compose.secure.yml (secure mode, the production default)', () => {
  const [base] = loadYaml(repoPath('deploy/compose/docker-compose.yml')) as [Doc];
  const [secure] = loadYaml(repoPath('deploy/compose/docker-compose.secure.yml')) as [Doc];
  const target = (v: string) => v.split(':')[1];
  /** Docker Compose's merge of two files, for the keys used here: mappings merge, command replaces, volumes merge by target. */
  const merged: Record<string, Doc> = Object.fromEntries(
    [...new Set([...Object.keys(base.services), ...Object.keys(secure.services)])].map((name) => {
      const a = (base.services[name] ?? {}) as Doc;
      const b = (secure.services[name] ?? {}) as Doc;
      const volumes = [
        ...((a.volumes ?? []) as string[]).filter(
          (v) => !((b.volumes ?? []) as string[]).some((w) => target(w) === target(v)),
        ),
        ...((b.volumes ?? []) as string[]),
      ];
      return [
        name,
        {
          ...a,
          ...b,
          environment: { ...a.environment, ...b.environment },
          depends_on: { ...a.depends_on, ...b.depends_on },
          volumes,
        },
      ];
    }),
  );
  const nodes = ['roach1', 'roach2', 'roach3'];
  const apps = [...CONTEXTS] as string[];

  test('nodes and init use certificates, never --insecure; the certs job runs first', () => {
    for (const n of nodes) {
      const cmd = String(merged[n]?.command);
      expect([n, /--certs-dir=\/cockroach\/certs/.test(cmd), cmd.includes('--insecure')]).toEqual([n, true, false]);
      expect(cmd).toContain(`--advertise-addr=${n}:26257`);
      expect(merged[n]?.depends_on).toMatchObject({ certs: { condition: 'service_completed_successfully' } });
      expect(merged[n]?.volumes).toContain('certs:/cockroach/certs:ro');
      expect(JSON.stringify(merged[n]?.healthcheck?.test)).toContain('https://localhost:8080/health?ready=1');
    }
    const init = String(merged['cockroach-init']?.command);
    expect(init).toContain('cockroach init --certs-dir=/cockroach/certs --host=roach1:26257');
    expect(init).not.toContain('--insecure');
    const certs = String(merged.certs?.command);
    for (const step of [
      'cert create-ca',
      'cert create-node roach1 roach2 roach3 haproxy localhost',
      'cert create-client root',
    ])
      expect(certs).toContain(step);
  });

  test('HAProxy checks the nodes over TLS', () => {
    expect(merged.haproxy?.volumes).toEqual(['./haproxy.secure.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro']);
    const servers = readRepo('deploy/compose/haproxy.secure.cfg')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('server '));
    expect(servers).toEqual(
      nodes.map((n, i) => `server cockroach${i + 1} ${n}:26257 check port 8080 check-ssl verify none`),
    );
  });

  test('sql-setup authenticates with the root certificate and must be given every user’s password', () => {
    const env = merged['sql-setup']?.environment as Record<string, string>;
    expect(env.COCKROACH_CERTS_DIR).toBe('/cockroach/certs');
    for (const c of CONTEXTS) {
      for (const who of ['APP', 'MIGRATOR']) {
        const name = `${c.toUpperCase()}_${who}_PASSWORD`;
        expect([name, env[name]?.startsWith(`\${${name}:?`)]).toEqual([name, true]);
      }
    }
  });

  test('every database URL: verify-full against the CA that only ca.crt reaches, its password beside it (any character); passwords only in secure mode', () => {
    const PW = 'p@ss:w/o?r#d%';
    const checks: [string, string, Doc][] = CONTEXTS.flatMap((c) => [
      [c, '', merged[c] as Doc] as [string, string, Doc],
      [`migrate-${c}`, 'MIGRATION_', merged[`migrate-${c}`] as Doc] as [string, string, Doc],
    ]);
    for (const [name, kind, svc] of checks) {
      const c = name.replace('migrate-', '') as (typeof CONTEXTS)[number];
      const env = Object.fromEntries(
        Object.entries(svc.environment as Record<string, string>).map(([k, v]) => [k, v.replace(/^\$\{\w+\}$/, PW)]),
      );
      // The password is its own variable (a Secret), from the variable sql-setup sets it with.
      const password = (svc.environment as Record<string, string>)[`${c.toUpperCase()}_${kind}DATABASE_PASSWORD`];
      expect([name, password]).toEqual([name, `\${${c.toUpperCase()}_${kind ? 'MIGRATOR' : 'APP'}_PASSWORD}`]);
      const config = loadConfig({ ...env, NODE_ENV: 'development' });
      const u = new URL((kind ? config.migrationDatabaseUrls : config.databaseUrls)[c] ?? 'x:');
      expect([name, u.host, decodeURIComponent(u.password), u.searchParams.get('sslmode')]).toEqual([
        name,
        'haproxy:26257',
        PW,
        'verify-full',
      ]);
      const ca = u.searchParams.get('sslrootcert') ?? '';
      const mount = ((svc.volumes ?? []) as string[]).find((v) => ca.startsWith(`${target(v)}/`));
      expect([name, mount]).toEqual([name, 'ca-public:/certs:ro']);
      // Never the node or CA keys.
      expect([name, ((svc.volumes ?? []) as string[]).filter((v) => /^(certs|ca-key):/.test(v))]).toEqual([name, []]);
    }
    expect(String(merged.certs?.command)).toContain('cp $$c/ca.crt /cockroach/ca-public/ca.crt');
    // The insecure file sets no password anywhere (the cluster would refuse to store one).
    for (const [name, svc] of Object.entries(base.services as Record<string, Doc>)) {
      for (const [k, v] of Object.entries((svc.environment ?? {}) as Record<string, string>)) {
        expect([name, k, /PASSWORD/.test(k) || /^postgresql:\/\/[^@/]*:[^@/]*@/.test(String(v))]).toEqual([
          name,
          k,
          false,
        ]);
      }
    }
    for (const a of apps) expect(merged[a]?.command).toEqual(base.services[a].command);
  });
});
