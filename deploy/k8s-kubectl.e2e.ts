/**
 * What kubectl makes of deploy/k8s (when kubectl is installed; skipped otherwise): kustomize
 * renders every manifest kustomization.yaml lists, in the account-graph namespace. The
 * manifests themselves: k8s.test.ts and k8s-apps.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { loadYaml, repoPath, type Doc } from './testing/helpers';

const dir = repoPath('deploy/k8s');
const files = (loadYaml(`${dir}/kustomization.yaml`)[0] as Doc).resources as string[];
const all: Doc[] = files.flatMap((f) => loadYaml(`${dir}/${f}`));

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(kubectl ? test : test.skip)('kubectl kustomize renders the whole set (when kubectl is installed)', () => {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  expect(out.match(/^kind: /gm)?.length).toBe(all.length);
  expect(out).toContain('namespace: account-graph');
});
