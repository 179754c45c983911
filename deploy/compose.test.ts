/**
 * Offline checks of the compose stack (no Docker engine here): deploy/compose/docker-compose.yml
 * and deploy/compose/haproxy.cfg. The image: dockerfile.test.ts.
 */
import { ConfigError, databaseUrlOf, databaseUrlVariable, loadConfig } from '../platform/config';
import {
  CONTEXTS,
  configEnvNames,
  existsInRepo,
  loadYaml,
  readRepo,
  repoPath,
  sourceOfCommand,
  type ContextName,
  type Doc,
} from './testing/helpers';

const SECRET = 'x'.repeat(64);

describe('deploy/compose/docker-compose.yml', () => {
  const [compose] = loadYaml(repoPath('deploy/compose/docker-compose.yml')) as [Doc];
  const services = compose.services as Record<string, Doc>;
  const nodes = ['roach1', 'roach2', 'roach3'];
  const subgraphs = [...CONTEXTS] as string[];
  const apps = [...subgraphs, 'gateway'];
  const known = configEnvNames();
  const withSecret = (env: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, /^\$\{SUBGRAPH_SECRET:\?/.test(v) ? SECRET : String(v)]),
    );

  test('a 3-node insecure CockroachDB cluster, initialised once', () => {
    const image = services.roach1?.image as string;
    expect(image).toMatch(/^cockroachdb\/cockroach:v\d+\.\d+\.\d+$/);
    for (const n of nodes) {
      const cmd = String(services[n]?.command);
      expect(cmd).toMatch(/^start --insecure --join=roach1,roach2,roach3 /);
      expect(cmd).toContain(`--advertise-addr=${n}:26257`);
      expect(services[n]?.image).toBe(image);
      expect(services[n]?.volumes).toEqual([`${n}-data:/cockroach/cockroach-data`]);
    }
    for (const job of ['cockroach-init', 'sql-setup']) expect(services[job]?.image).toBe(image);
    expect(String(services['cockroach-init']?.command)).toContain('cockroach init --insecure --host=roach1:26257');
  });

  test('haproxy (config as `cockroach gen haproxy` writes it) is the one way to the database', () => {
    expect(services.haproxy?.volumes).toEqual(['./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro']);
    const cfg = readRepo('deploy/compose/haproxy.cfg');
    const listen = /^listen psql\n((?:[ \t]+.*\n)+)/m.exec(cfg)?.[1] ?? '';
    const lines = listen.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    for (const l of ['bind :26257', 'mode tcp', 'balance roundrobin', 'option httpchk GET /health?ready=1'])
      expect(lines).toContain(l);
    const servers = lines.filter((l) => l.startsWith('server '));
    expect(servers).toEqual(nodes.map((n, i) => `server cockroach${i + 1} ${n}:26257 check port 8080`));
    // Only haproxy and the one-shot init name a node; every other service goes through haproxy.
    for (const [name, svc] of Object.entries(services)) {
      if (name === 'cockroach-init' || nodes.includes(name)) continue;
      const text = JSON.stringify({ ...svc, depends_on: name === 'haproxy' ? {} : svc.depends_on });
      expect([name, /\broach[1-3]\b/.test(text)]).toEqual([name, false]);
    }
  });

  test('sql-setup runs deploy/sql/setup.sh through haproxy', () => {
    const s = services['sql-setup'] as Doc;
    expect(s.volumes).toEqual(['../sql:/sql:ro']);
    expect([...(s.entrypoint as string[]), ...(s.command as string[])]).toEqual(['/bin/bash', '/sql/setup.sh']);
    expect(s.environment).toMatchObject({ COCKROACH_HOST: 'haproxy:26257' });
    expect(existsInRepo('deploy/sql/setup.sh')).toBe(true);
  });

  test('sql-setup takes the licence from the environment; telemetry on unless turned off', () => {
    const env = services['sql-setup']?.environment as Record<string, string>;
    expect(env).toMatchObject({
      COCKROACH_LICENSE_KEY: '${COCKROACH_LICENSE_KEY:-}',
      COCKROACH_ORGANIZATION: '${COCKROACH_ORGANIZATION:-}',
      COCKROACH_TELEMETRY: '${COCKROACH_TELEMETRY:-true}',
    });
    const script = readRepo('deploy/sql/setup.sh');
    for (const name of ['COCKROACH_LICENSE_KEY', 'COCKROACH_ORGANIZATION', 'COCKROACH_TELEMETRY'])
      expect(script).toContain(`\${${name}`);
  });

  test('nodes drain cleanly: 300 s stop grace, initial_wait longer than HAProxy’s detection', () => {
    const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);
    const env = services['sql-setup']?.environment as Record<string, string>;
    const initialWait = seconds(env.SHUTDOWN_INITIAL_WAIT ?? '');
    const connections = seconds(env.SHUTDOWN_CONNECTIONS_TIMEOUT ?? '');
    const cfg = readRepo('deploy/compose/haproxy.cfg');
    const inter = Number(/\binter (\d+)s\b/.exec(cfg)?.[1]);
    const fall = Number(/\bfall (\d+)\b/.exec(cfg)?.[1]);
    expect(initialWait).toBeGreaterThan(inter * fall);
    for (const n of nodes) {
      const grace = seconds(String(services[n]?.stop_grace_period));
      expect([n, grace >= 300 && grace > initialWait + connections]).toEqual([n, true]);
      expect(String(services[n]?.command)).not.toContain('--advertise-host');
    }
  });

  test("one migration job per context: the one runner (npm run db:migrate's code) as the migrator, via haproxy", () => {
    for (const c of CONTEXTS) {
      const job = services[`migrate-${c}`] as Doc;
      expect(job.image).toBe('account-graph-migrate:local');
      expect(job.build).toEqual({ context: '../..', dockerfile: 'deploy/Dockerfile', target: 'migrate' });
      expect(job.command).toEqual(['node', '--import', 'tsx', 'prisma/tools/migrate-cli.ts', 'deploy', '--context', c]);
      expect(existsInRepo('prisma/tools/migrate-cli.ts')).toBe(true);
      const env = job.environment as Record<string, string>;
      const name = `${c.toUpperCase()}_MIGRATION_DATABASE_URL`;
      expect(Object.keys(env)).toEqual([name]);
      expect(loadConfig(env).migrationDatabaseUrls).toEqual({ [c]: env[name] });
      const url = new URL(env[name] as string);
      expect([url.username, url.host, url.pathname]).toEqual([`${c}_migrator`, 'haproxy:26257', `/${c}`]);
    }
  });

  test('gateway and subgraphs: one runtime image, the command picks the process, 2 replicas per subgraph', () => {
    expect(existsInRepo('deploy/Dockerfile')).toBe(true);
    for (const name of apps) {
      const svc = services[name] as Doc;
      expect(svc.image).toBe('account-graph:local');
      expect(svc.build).toEqual({ context: '../..', dockerfile: 'deploy/Dockerfile', target: 'runtime' });
      expect(existsInRepo(sourceOfCommand(svc.command as string[]))).toBe(true);
      expect(svc.command).toEqual([
        'node',
        name === 'gateway' ? 'dist/gateway/main.js' : `dist/subgraphs/${name}/main.js`,
      ]);
      expect(svc.deploy?.replicas ?? 1).toBe(name === 'gateway' ? 1 : 2);
    }
    // subgraphs: readiness (database reachable); gateway: the image's /live check, never the REST /health.
    for (const c of subgraphs)
      expect(services[c]?.healthcheck?.test).toEqual(['CMD', 'node', 'healthcheck.js', '/ready']);
    expect(services.gateway?.healthcheck).toBeUndefined();
    expect(services.gateway?.ports).toEqual(['4000:4000']);
  });

  test('environments use only platform/config.ts names, each validates as that process, each subgraph has only its own database URL', () => {
    for (const name of apps) {
      const env = withSecret(services[name]?.environment as Record<string, string>);
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      expect([name, unknown]).toEqual([name, []]);
      expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
      const config = loadConfig(env);
      expect(config.dialect).toBe('cockroachdb');
      expect(config.subgraphUrls).toEqual({
        account: 'http://account:4001/graphql',
        data: 'http://data:4002/graphql',
        image: 'http://image:4003/graphql',
      });
      // Each process holds its own context's database URL only; the gateway none.
      const urlVars = Object.keys(env).filter((k) => k.endsWith('_DATABASE_URL'));
      if (name === 'gateway') {
        expect([name, urlVars, config.databaseUrls]).toEqual([name, [], {}]);
        continue;
      }
      const c = name as ContextName;
      expect([name, urlVars]).toEqual([name, [databaseUrlVariable(c)]]);
      expect(config.ports[c]).toBe(Number(new URL(config.subgraphUrls[c]).port));
      expect(Object.keys(config.databaseUrls)).toEqual([c]);
      const url = new URL(databaseUrlOf(config, c));
      expect([url.username, url.host, url.pathname]).toEqual([`${c}_app`, 'haproxy:26257', `/${c}`]);
    }
    const noSecret = { ...(services.gateway?.environment as Record<string, string>), SUBGRAPH_SECRET: '' };
    expect(() => loadConfig(noSecret)).toThrow(ConfigError);
  });

  test('start-up order: jobs completed successfully, servers healthy', () => {
    const oneShot = (n: string) => services[n]?.restart === 'no';
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, cond] of Object.entries((svc.depends_on ?? {}) as Record<string, { condition: string }>)) {
        expect(services[dep]).toBeDefined();
        // Nodes cannot be healthy before `cockroach init`, so init and haproxy only wait for them to start.
        const expected = oneShot(dep)
          ? 'service_completed_successfully'
          : nodes.includes(dep)
            ? 'service_started'
            : 'service_healthy';
        expect([name, dep, cond.condition]).toEqual([name, dep, expected]);
        if (!oneShot(dep) && !nodes.includes(dep))
          expect(services[dep]?.healthcheck ?? (dep === 'gateway' ? {} : undefined)).toBeDefined();
      }
    }
    for (const c of subgraphs) {
      expect(Object.keys(services[c]?.depends_on ?? {}).sort()).toEqual([
        'haproxy',
        'migrate-account',
        'migrate-data',
        'migrate-image',
      ]);
    }
    expect(Object.keys(services.gateway?.depends_on ?? {}).sort()).toEqual([...subgraphs].sort());
    for (const c of CONTEXTS) expect(Object.keys(services[`migrate-${c}`]?.depends_on ?? {})).toEqual(['sql-setup']);
    expect(Object.keys(services['sql-setup']?.depends_on ?? {}).sort()).toEqual(['cockroach-init', 'haproxy']);
  });
});
