/**
 * The memory the deployment can hold (docs/memory.md), as facts tied together: every app
 * process gets one heap bound (NODE_OPTIONS=--max-old-space-size) in the image, in compose and
 * in each k8s Deployment, and in k8s that bound plus what a Node process holds besides its old
 * space stays under 75 % of the container's memory limit (the 25 % margin). Change the heap,
 * the limit, or one file but not the others: a test here fails.
 */
import { loadYaml, readRepo, repoPath, type Doc } from './testing/helpers';
import { Dockerfile } from './testing/dockerfile';
import { apps, find, mainContainer, resolvedEnv } from './testing/k8s-manifests';

/**
 * What a process holds besides its live old space (code, the young generation, buffers,
 * native memory, garbage not yet collected): the largest RSS minus V8 heap in use the gateway
 * showed over 100,000 distinct documents with `npm run bench:memory -- --heap 192` (153 MiB;
 * docs/memory.md), rounded up. Heap bound + this is the worst case the limit must hold.
 */
const NOT_OLD_SPACE_MIB = 160;
/** The margin the limit keeps above the expected peak (issue #22: at least 25 %). */
const MARGIN = 0.25;

const heapOf = (nodeOptions: string | undefined) => {
  const m = /(?:^|\s)--max-old-space-size=(\d+)(?:\s|$)/.exec(nodeOptions ?? '');
  if (!m) throw new Error(`NODE_OPTIONS ${JSON.stringify(nodeOptions)} sets no --max-old-space-size`);
  return Number(m[1]);
};
const mebibytes = (quantity: string) => {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`memory quantity ${quantity}: expected <n>Mi or <n>Gi`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
};

const df = new Dockerfile(readRepo('deploy/Dockerfile'));
const imageHeap = heapOf(df.env(df.stage('runtime')).NODE_OPTIONS);

test('the image bounds the heap of every process it runs', () => {
  expect(imageHeap).toBeGreaterThanOrEqual(64);
});

test('compose: every app process has the image heap bound', () => {
  const [compose] = loadYaml(repoPath('deploy/compose/docker-compose.yml')) as [Doc];
  for (const name of apps) {
    const env = compose.services[name].environment as Record<string, string>;
    expect([name, heapOf(env.NODE_OPTIONS)]).toEqual([name, imageHeap]);
  }
});

test('k8s: every Deployment has the image heap bound, and bound + the rest of the process fit its memory limit with 25 % to spare', () => {
  for (const name of apps) {
    const c = mainContainer(find('Deployment', name));
    const heap = heapOf(resolvedEnv(c).NODE_OPTIONS);
    expect([name, heap]).toEqual([name, imageHeap]);
    const limit = mebibytes(c.resources.limits.memory as string);
    expect([name, heap + NOT_OLD_SPACE_MIB <= (1 - MARGIN) * limit]).toEqual([name, true]);
  }
});
