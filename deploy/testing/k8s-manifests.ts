/**
 * The Kubernetes manifests (deploy/k8s/*.yaml) as the offline tests read them: every document
 * kustomize lists, lookups by kind and name, pod specs and containers, and a container's
 * environment resolved as the process would see it.
 */
import { CONTEXTS, loadYaml, repoPath, type Doc } from './helpers';

export const dir = repoPath('deploy/k8s');
export const kustomization = loadYaml(`${dir}/kustomization.yaml`)[0] as Doc;
export const files = kustomization.resources as string[];
export const all: Doc[] = files.flatMap((f) => loadYaml(`${dir}/${f}`));
export const find = (kind: string, name: string) => {
  const found = all.filter((d) => d.kind === kind && d.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as Doc;
};
export const podSpec = (d: Doc) => d.spec.template.spec as Doc;
export const mainContainer = (d: Doc) => (podSpec(d).containers as Doc[])[0] as Doc;
export const containersOf = (d: Doc) => [
  ...((podSpec(d).initContainers ?? []) as Doc[]),
  ...(podSpec(d).containers as Doc[]),
];
export const workloads = all.filter((d) => ['Deployment', 'StatefulSet', 'Job'].includes(d.kind));
export const apps = [...CONTEXTS, 'gateway'] as const;
export const ports = { gateway: 4000, account: 4001, data: 4002, image: 4003 };
export const SECRET = 'y'.repeat(64);

/** A container's environment as the process would see it (Secrets, ConfigMaps and the downward API resolved). */
export function resolvedEnv(c: Doc): Record<string, string> {
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
