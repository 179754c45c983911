/**
 * Offline checks of the Kubernetes manifests (deploy/k8s/*.yaml; no cluster here): they
 * parse, kustomize lists them all, CockroachDB is a 3-node StatefulSet behind a public
 * Service, the jobs and the four Deployments have the right images, commands, probes,
 * resources and non-root security contexts, every reference to a Secret or ConfigMap key
 * exists, every environment validates with platform/config.ts, and only the public Service
 * leads to the database. What kubectl renders of them: k8s-kubectl.e2e.ts.
 */
import fs from 'node:fs';
import { ConfigError, databaseUrlOf, databaseUrlVariable, loadConfig } from '../platform/config';
import {
  CONTEXTS,
  configEnvNames,
  existsInRepo,
  loadYaml,
  prismaConfigEnvNames,
  readRepo,
  repoPath,
  sourceOfCommand,
  type Doc,
} from './testing/helpers';

const dir = repoPath('deploy/k8s');
const kustomization = loadYaml(`${dir}/kustomization.yaml`)[0] as Doc;
const files = kustomization.resources as string[];
const all: Doc[] = files.flatMap((f) => loadYaml(`${dir}/${f}`));
const find = (kind: string, name: string) => {
  const found = all.filter((d) => d.kind === kind && d.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as Doc;
};
const podSpec = (d: Doc) => d.spec.template.spec as Doc;
const mainContainer = (d: Doc) => (podSpec(d).containers as Doc[])[0] as Doc;
const containersOf = (d: Doc) => [...((podSpec(d).initContainers ?? []) as Doc[]), ...(podSpec(d).containers as Doc[])];
const workloads = all.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(d.kind));
const apps = [...CONTEXTS, 'gateway'] as const;
const ports = { gateway: 4000, account: 4001, data: 4002, image: 4003 };
const SECRET = 'y'.repeat(64);

/** A container's environment as the process would see it (Secrets, ConfigMaps and the downward API resolved). */
function resolvedEnv(c: Doc): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of (c.envFrom ?? []) as Doc[]) {
    if (from.configMapRef) Object.assign(env, find('ConfigMap', from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, find('Secret', from.secretRef.name).stringData);
  }
  for (const e of (c.env ?? []) as Doc[]) {
    const ref = e.valueFrom;
    if (!ref) env[e.name] = String(e.value);
    else if (ref.secretKeyRef) env[e.name] = find('Secret', ref.secretKeyRef.name).stringData[ref.secretKeyRef.key];
    else if (ref.configMapKeyRef)
      env[e.name] = find('ConfigMap', ref.configMapKeyRef.name).data[ref.configMapKeyRef.key];
    else if (ref.fieldRef) env[e.name] = `pod-${ref.fieldRef.fieldPath}`;
    else if (ref.resourceFieldRef) env[e.name] = '1';
  }
  return env;
}

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
  expect(c.readinessProbe.httpGet.path).toBe('/health?ready=1');
  expect(c.livenessProbe.httpGet.path).toBe('/health');
  const claim = sts.spec.volumeClaimTemplates[0].metadata.name;
  expect(c.volumeMounts).toContainEqual({ name: claim, mountPath: '/cockroach/cockroach-data' });
  const start = (c.command as string[]).join(' ');
  expect(start).toMatch(
    /cockroach start .*--insecure .*--join cockroachdb-0\.cockroachdb,cockroachdb-1\.cockroachdb,cockroachdb-2\.cockroachdb/,
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
  // setup.sh reads exactly these names.
  const script = readRepo('deploy/sql/setup.sh');
  for (const name of Object.keys(refs)) expect(script).toContain(`\${${name}`);
});

test('jobs: cluster init, SQL setup from a ConfigMap identical to deploy/sql, one migration per context', () => {
  const init = (find('Job', 'cockroachdb-init').spec.template.spec.containers[0].command as string[]).join(' ');
  expect(init).toContain('cockroach init --insecure --host=cockroachdb-0.cockroachdb:26257');

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
    expect(m.command).toEqual(['npx', 'prisma', 'migrate', 'deploy', '--config', `prisma/${ctx}/prisma.config.ts`]);
    expect(existsInRepo(`prisma/${ctx}/prisma.config.ts`)).toBe(true);
    const env = resolvedEnv(m);
    expect(Object.keys(env).every((k) => prismaConfigEnvNames(ctx).has(k))).toBe(true);
    const url = new URL(env[`${ctx.toUpperCase()}_MIGRATION_DATABASE_URL`] ?? 'x:');
    expect([url.username, url.host, url.pathname]).toEqual([`${ctx}_migrator`, 'cockroachdb-public:26257', `/${ctx}`]);
  }
});

test('gateway and subgraphs: 2 replicas of one image, command, ports, /ready and /live probes, resources, non-root', () => {
  const tag = (find('Deployment', 'gateway').spec.template.spec.containers[0].image as string).split(':')[1];
  for (const name of apps) {
    const dep = find('Deployment', name);
    expect(dep.spec.replicas).toBe(2);
    const labels = dep.spec.template.metadata.labels as Record<string, string>;
    expect(labels).toMatchObject(dep.spec.selector.matchLabels);
    const pod = podSpec(dep);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    const c = (pod.containers as Doc[])[0] as Doc;
    expect(c.image).toBe(`account-graph:${tag}`);
    expect(c.command).toEqual(['node', name === 'gateway' ? 'dist/gateway/main.js' : `dist/subgraphs/${name}/main.js`]);
    expect(existsInRepo(sourceOfCommand(c.command))).toBe(true);
    expect(c.ports).toEqual([{ name: 'http', containerPort: ports[name] }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/live', port: 'http' });
    for (const kind of ['requests', 'limits']) expect(Object.keys(c.resources[kind]).sort()).toEqual(['cpu', 'memory']);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

    const svc = find('Service', name);
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: ports[name], targetPort: 'http' }]);
  }
  expect(find('Job', 'migrate-account').spec.template.spec.containers[0].image).toBe(`account-graph-migrate:${tag}`);
  expect(kustomization.images).toEqual([
    { name: 'account-graph', newTag: tag },
    { name: 'account-graph-migrate', newTag: tag },
  ]);
});

test('every pod runs non-root, every container without privilege escalation and with resources', () => {
  expect(workloads.length).toBe(1 + 1 + 1 + CONTEXTS.length + apps.length);
  for (const w of workloads) {
    expect([w.metadata.name, podSpec(w).securityContext?.runAsNonRoot]).toEqual([w.metadata.name, true]);
    expect(podSpec(w).securityContext.runAsUser).toBeGreaterThan(0);
    for (const c of containersOf(w)) {
      expect([w.metadata.name, c.name, c.securityContext?.allowPrivilegeEscalation]).toEqual([
        w.metadata.name,
        c.name,
        false,
      ]);
      expect([w.metadata.name, c.name, Object.keys(c.resources?.limits ?? {}).sort()]).toEqual([
        w.metadata.name,
        c.name,
        ['cpu', 'memory'],
      ]);
    }
  }
});

test('every secretKeyRef / configMapKeyRef / envFrom / configMap volume points to an existing object and key', () => {
  let refs = 0;
  for (const w of workloads) {
    for (const v of (podSpec(w).volumes ?? []) as Doc[])
      if (v.configMap) expect(find('ConfigMap', v.configMap.name)).toBeDefined();
    for (const c of containersOf(w)) {
      for (const e of (c.env ?? []) as Doc[]) {
        const s = e.valueFrom?.secretKeyRef;
        const m = e.valueFrom?.configMapKeyRef;
        if (s)
          expect([w.metadata.name, s.name, s.key, s.key in (find('Secret', s.name).stringData ?? {})]).toEqual([
            w.metadata.name,
            s.name,
            s.key,
            true,
          ]);
        if (m)
          expect([w.metadata.name, m.name, m.key, m.key in (find('ConfigMap', m.name).data ?? {})]).toEqual([
            w.metadata.name,
            m.name,
            m.key,
            true,
          ]);
        if (s || m) refs++;
      }
      for (const f of (c.envFrom ?? []) as Doc[])
        expect(
          f.configMapRef ? find('ConfigMap', f.configMapRef.name) : find('Secret', f.secretRef.name),
        ).toBeDefined();
    }
  }
  // Subgraphs: secret + own database URL; gateway: secret; migration jobs: migration URL.
  expect(refs).toBeGreaterThanOrEqual(3 * 2 + 1 + 3);
});

test('app environments: only platform/config.ts names; each validates once SUBGRAPH_SECRET is set; each subgraph has only its own database URL', () => {
  const known = configEnvNames();
  for (const name of apps) {
    const c = mainContainer(find('Deployment', name));
    const env = resolvedEnv(c);
    expect([name, Object.keys(env).filter((k) => !known.has(k))]).toEqual([name, []]);
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    // The committed placeholder is refused: nothing starts with a known secret.
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/SUBGRAPH_SECRET/);
    const config = loadConfig({ ...env, SUBGRAPH_SECRET: SECRET });
    expect(config.ports[name]).toBe(ports[name]);
    expect(config.dialect).toBe('cockroachdb');
    for (const ctx of CONTEXTS) {
      const u = new URL(config.subgraphUrls[ctx]);
      expect([u.hostname, Number(u.port)]).toEqual([find('Service', ctx).metadata.name, ports[ctx]]);
    }
    // Each process holds its own context's database URL only; the gateway none.
    const urlVars = Object.keys(env).filter((k) => k.endsWith('_DATABASE_URL'));
    if (name === 'gateway') {
      expect([name, urlVars, config.databaseUrls]).toEqual([name, [], {}]);
      continue;
    }
    expect([name, urlVars]).toEqual([name, [databaseUrlVariable(name)]]);
    expect(Object.keys(config.databaseUrls)).toEqual([name]);
    const url = new URL(databaseUrlOf(config, name));
    expect([url.username, url.host, url.pathname]).toEqual([`${name}_app`, 'cockroachdb-public:26257', `/${name}`]);
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
    for (const url of Object.values(s.stringData as Record<string, string>))
      expect(new URL(url).host).toBe('cockroachdb-public:26257');
  }
});
