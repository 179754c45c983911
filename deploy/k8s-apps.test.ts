/**
 * Offline checks of the Kubernetes manifests (deploy/k8s/*.yaml; no cluster here), the apps'
 * side: the four Deployments have the right images, commands, probes, resources and non-root
 * security contexts, every reference to a Secret or ConfigMap key exists, and every
 * environment validates with platform/config.ts. The cluster's side: k8s.test.ts.
 */
import { ConfigError, databaseUrlOf, databaseUrlVariable, loadConfig } from '../platform/config';
import { CONTEXTS, configEnvNames, existsInRepo, sourceOfCommand, type Doc } from './testing/helpers';
import {
  find,
  podSpec,
  mainContainer,
  containersOf,
  workloads,
  apps,
  ports,
  SECRET,
  resolvedEnv,
  kustomization,
} from './testing/k8s-manifests';

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
