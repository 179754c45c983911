/**
 * Offline checks of the Kubernetes manifests (deploy/k8s/*.yaml; no cluster here), the
 * cluster's side: they parse and kustomize lists them all, CockroachDB is a 3-node StatefulSet
 * behind a public Service that drains cleanly, the licence and the jobs, and only the public
 * Service leads to the database. The apps' side: k8s-apps.test.ts; what kubectl renders of
 * them: k8s-kubectl.e2e.ts.
 */
import fs from 'node:fs';
import { loadConfig } from '../platform/config';
import { CONTEXTS, configEnvNames, existsInRepo, readRepo, type Doc } from './testing/helpers';
import {
  dir,
  all,
  find,
  podSpec,
  mainContainer,
  containersOf,
  workloads,
  resolvedEnv,
  kustomization,
  files,
} from './testing/k8s-manifests';

test('every manifest parses, is listed in kustomization.yaml and is a named object', () => {
  const yamlFiles = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
  expect([...files].sort()).toEqual(yamlFiles.sort());
  for (const d of all) {
    expect(typeof d.apiVersion).toBe('string');
    expect(typeof d.kind).toBe('string');
    expect(typeof d.metadata?.name).toBe('string');
  }
  const ids = all.map((d) => `${d.kind}/${d.metadata.name}`);
  expect(new Set(ids).size).toBe(ids.length);
  expect(kustomization.namespace).toBe(find('Namespace', 'account-graph').metadata.name);
});

test('CockroachDB: 3-node StatefulSet, headless + public Service, PDB, probes, volume claims', () => {
  const sts = find('StatefulSet', 'cockroachdb');
  const labels = sts.spec.template.metadata.labels as Record<string, string>;
  expect(sts.spec.replicas).toBe(3);
  const headless = find('Service', sts.spec.serviceName);
  expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: labels });
  const pub = find('Service', 'cockroachdb-public');
  expect(pub.spec.clusterIP).toBeUndefined();
  expect(pub.spec.selector).toEqual(labels);
  expect(pub.spec.ports.map((p: Doc) => p.port)).toEqual([26257, 8080]);
  expect(find('PodDisruptionBudget', 'cockroachdb-budget').spec).toEqual({
    selector: { matchLabels: labels },
    maxUnavailable: 1,
  });
  const c = mainContainer(sts);
  const http = (c.ports as Doc[]).find((p) => p.name === c.readinessProbe.httpGet.port);
  expect(http?.containerPort).toBe(8080);
  expect(c.readinessProbe.httpGet).toMatchObject({ path: '/health?ready=1', scheme: 'HTTPS' });
  expect(c.livenessProbe.httpGet).toMatchObject({ path: '/health', scheme: 'HTTPS' });
  // One node per machine, required (a preference could put two of the three replicas together).
  const anti = podSpec(sts).affinity.podAntiAffinity;
  expect(anti.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
  expect(anti.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
    { labelSelector: { matchLabels: { app: 'cockroachdb' } }, topologyKey: 'kubernetes.io/hostname' },
  ]);
  const claim = sts.spec.volumeClaimTemplates[0].metadata.name;
  expect(c.volumeMounts).toContainEqual({ name: claim, mountPath: '/cockroach/cockroach-data' });
  const start = (c.command as string[]).join(' ');
  expect(start).toMatch(
    /cockroach start .*--certs-dir \/cockroach\/cockroach-certs .*--join cockroachdb-0\.cockroachdb,cockroachdb-1\.cockroachdb,cockroachdb-2\.cockroachdb/,
  );
  expect(c.resources.requests).toEqual(c.resources.limits);
});

const seconds = (d: string) => {
  const m = /^(\d+)(s|m)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};

test('CockroachDB drains cleanly: --advertise-addr, 300 s grace, initial_wait longer than the readiness detection', () => {
  const sts = find('StatefulSet', 'cockroachdb');
  const c = mainContainer(sts);
  const start = (c.command as string[]).join(' ');
  expect(start).toMatch(/--advertise-addr \$\(hostname -f\):26257/);
  expect(start).not.toContain('--advertise-host');
  const env = resolvedEnv(mainContainer(find('Job', 'sql-setup')));
  const initialWait = seconds(env.SHUTDOWN_INITIAL_WAIT ?? '');
  const connections = seconds(env.SHUTDOWN_CONNECTIONS_TIMEOUT ?? '');
  // The Service stops sending new connections once readiness fails (period × threshold).
  expect(initialWait).toBeGreaterThan(c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold);
  expect(connections).toBeGreaterThan(0);
  const grace = podSpec(sts).terminationGracePeriodSeconds as number;
  expect(grace).toBeGreaterThanOrEqual(300);
  expect(grace).toBeGreaterThan(initialWait + connections);
  // And cluster.sql is what setup.sh sets them with.
  expect(readRepo('deploy/sql/cluster.sql')).toMatch(
    /SET CLUSTER SETTING server\.shutdown\.initial_wait = '__SHUTDOWN_INITIAL_WAIT__'/,
  );
  expect(readRepo('deploy/sql/cluster.sql')).toMatch(
    /SET CLUSTER SETTING server\.shutdown\.connections\.timeout = '__SHUTDOWN_CONNECTIONS_TIMEOUT__'/,
  );
});

test('the licence reaches the SQL setup from a Secret, with telemetry on by default', () => {
  const c = mainContainer(find('Job', 'sql-setup'));
  const refs = Object.fromEntries(
    ((c.env ?? []) as Doc[]).filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom.secretKeyRef]),
  );
  expect(refs).toMatchObject({
    COCKROACH_LICENSE_KEY: { name: 'cockroachdb-license', key: 'license-key' },
    COCKROACH_ORGANIZATION: { name: 'cockroachdb-license', key: 'organization' },
    COCKROACH_TELEMETRY: { name: 'cockroachdb-license', key: 'telemetry' },
  });
  expect(find('Secret', 'cockroachdb-license').stringData).toMatchObject({ telemetry: 'true' });
  expect(refs.ALLOW_UNLICENSED).toEqual({ name: 'cockroachdb-license', key: 'allow-unlicensed' });
  expect(find('Secret', 'cockroachdb-license').stringData).toMatchObject({
    'license-key': '',
    'allow-unlicensed': 'false',
  });
  // setup.sh reads exactly these names (the passwords by their <CTX>_<WHO>_PASSWORD pattern).
  const script = readRepo('deploy/sql/setup.sh');
  for (const name of Object.keys(refs).filter((n) => !n.endsWith('_PASSWORD'))) expect(script).toContain(`\${${name}`);
});

test('jobs: cluster init, SQL setup from a ConfigMap identical to deploy/sql, one migration per context', () => {
  const init = (find('Job', 'cockroachdb-init').spec.template.spec.containers[0].command as string[]).join(' ');
  expect(init).toContain('cockroach init --certs-dir=/cockroach/certs --host=cockroachdb-0.cockroachdb:26257');

  const cm = find('ConfigMap', 'sql-setup');
  for (const f of ['setup.sh', 'setup.sql', 'setup-database.sql', 'cluster.sql'])
    expect([f, cm.data[f] === readRepo('deploy/sql', f)]).toEqual([f, true]);
  const setup = find('Job', 'sql-setup');
  const c = mainContainer(setup);
  expect(c.command).toEqual(['/bin/bash', '/sql/setup.sh']);
  expect(resolvedEnv(c)).toMatchObject({ COCKROACH_HOST: 'cockroachdb-public:26257' });
  for (const f of ['setup.sh', 'setup.sql', 'setup-database.sql', 'cluster.sql']) expect(f in cm.data).toBe(true);
  const mount = (c.volumeMounts as Doc[]).find((m) => m.mountPath === '/sql');
  expect((podSpec(setup).volumes as Doc[]).find((v) => v.name === mount?.name)?.configMap?.name).toBe('sql-setup');

  for (const ctx of CONTEXTS) {
    const job = find('Job', `migrate-${ctx}`);
    const m = mainContainer(job);
    expect(m.image).toMatch(/^account-graph-migrate:/);
    // The one migration runner: npm run db:migrate's code, this context only.
    expect(m.command).toEqual(['node', '--import', 'tsx', 'prisma/tools/migrate-cli.ts', 'deploy', '--context', ctx]);
    expect(existsInRepo('prisma/tools/migrate-cli.ts')).toBe(true);
    const env = resolvedEnv(m);
    expect(Object.keys(env).every((k) => configEnvNames().has(k))).toBe(true);
    const config = loadConfig({ ...env, [`${ctx.toUpperCase()}_MIGRATION_DATABASE_PASSWORD`]: 'p@ss/w%rd' });
    const url = new URL(config.migrationDatabaseUrls[ctx] ?? 'x:');
    expect([url.username, decodeURIComponent(url.password), url.host, url.pathname]).toEqual([
      `${ctx}_migrator`,
      'p@ss/w%rd',
      'cockroachdb-public:26257',
      `/${ctx}`,
    ]);
  }
});

test('only the StatefulSet and the init job name a CockroachDB node; all else uses cockroachdb-public', () => {
  for (const d of all) {
    if ((d.kind === 'StatefulSet' && d.metadata.name === 'cockroachdb') || d.metadata.name === 'cockroachdb-init')
      continue;
    expect([d.kind, d.metadata.name, /cockroachdb-\d\.cockroachdb/.test(JSON.stringify(d))]).toEqual([
      d.kind,
      d.metadata.name,
      false,
    ]);
  }
  for (const w of workloads) {
    for (const c of containersOf(w)) {
      for (const host of JSON.stringify(c).matchAll(/--host=([\w.-]+:\d+)/g)) {
        if (w.metadata.name !== 'cockroachdb-init')
          expect([w.metadata.name, host[1]]).toEqual([w.metadata.name, 'cockroachdb-public:26257']);
      }
    }
  }
  for (const s of all.filter((d) => d.kind === 'Secret' && d.metadata.name.endsWith('-db'))) {
    const { url, 'migration-url': migrationUrl } = s.stringData as Record<string, string>;
    for (const u of [url, migrationUrl]) expect(new URL(u ?? 'x:').host).toBe('cockroachdb-public:26257');
  }
});

test('secure everywhere: no insecure flag or sslmode=disable; certificates from cert-manager; URLs verify-full with the CA mounted; passwords from Secrets', () => {
  // Not even in a comment or in the SQL setup's script (its insecure branch, for the compose
  // demo only, is chosen by COCKROACH_INSECURE, which no manifest here sets).
  for (const f of files)
    expect([f, /--insecure|sslmode=disable|kubernetes-insecure/.test(readRepo('deploy/k8s', f))]).toEqual([f, false]);
  expect(resolvedEnv(mainContainer(find('Job', 'sql-setup'))).COCKROACH_INSECURE).toBeUndefined();
  expect(find('Certificate', 'cockroachdb-node').spec).toMatchObject({
    commonName: 'node',
    secretName: 'cockroachdb-node',
  });
  expect(find('Certificate', 'cockroachdb-root').spec).toMatchObject({
    commonName: 'root',
    secretName: 'cockroachdb-root',
  });
  const nodeNames = find('Certificate', 'cockroachdb-node').spec.dnsNames as string[];
  expect(nodeNames).toEqual(expect.arrayContaining(['cockroachdb-public', '*.cockroachdb']));
  for (const ctx of CONTEXTS) {
    const secret = find('Secret', `${ctx}-db`).stringData as Record<string, string>;
    for (const key of ['url', 'migration-url']) {
      const u = new URL(secret[key] ?? 'x:');
      expect([ctx, key, u.password, u.searchParams.get('sslmode'), u.searchParams.get('sslrootcert')]).toEqual([
        ctx,
        key,
        '',
        'verify-full',
        '/certs/ca.crt',
      ]);
    }
    // Each process that uses one mounts the CA (ca.crt only) at /certs and gets its password from the Secret.
    for (const [kind, name, variable, key] of [
      ['Deployment', ctx, `${ctx.toUpperCase()}_DATABASE_PASSWORD`, 'app-password'],
      ['Job', `migrate-${ctx}`, `${ctx.toUpperCase()}_MIGRATION_DATABASE_PASSWORD`, 'migrator-password'],
    ] as const) {
      const w = find(kind, name);
      const c = mainContainer(w);
      const env = (c.env as Doc[]).find((e) => e.name === variable);
      expect([name, env?.valueFrom?.secretKeyRef]).toEqual([name, { name: `${ctx}-db`, key }]);
      const mount = (c.volumeMounts as Doc[]).find((m) => m.mountPath === '/certs');
      const volume = (podSpec(w).volumes as Doc[]).find((v) => v.name === mount?.name);
      expect([name, volume?.secret]).toEqual([
        name,
        { secretName: 'cockroachdb-node', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      ]);
    }
  }
});
