/**
 * The import direction between runtime and tooling, checked in CI (`npm run lint:deps`).
 *
 *   runtime  (what a container runs)   platform/  ←  gateway/, subgraphs/{kit ← account, data, image}
 *   tooling  (developers and CI)       prisma/tools/, deploy/, tools/      may import runtime
 *   tests, bench                       tests/, bench/, *.test.ts, *.e2e.ts  may import anything
 *
 * Runtime never imports tooling, tests, bench or a devDependency; platform/ never imports a
 * service; a bounded context never imports another (cross-context data goes through the graph);
 * tooling never imports tests or bench. docs/architecture.md's layout section draws the same.
 */
const TEST = '(^tests/|^bench/|[.](test|e2e|bench)[.]ts$|^deploy/testing/)';
const RUNTIME = '^(platform|gateway|subgraphs)/';

module.exports = {
  forbidden: [
    {
      name: 'runtime-not-to-tooling',
      comment: 'Runtime code (what a container runs) must not import tooling, tests or bench.',
      severity: 'error',
      from: { path: RUNTIME, pathNot: TEST },
      to: { path: '^(tools|prisma/tools|deploy|tests|bench)/' },
    },
    {
      name: 'runtime-not-to-dev-dependencies',
      comment: 'The image installs production dependencies only (npm prune --omit=dev).',
      severity: 'error',
      from: { path: RUNTIME, pathNot: TEST },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'platform-not-to-services',
      comment: 'platform/ is shared by every process; it knows no service.',
      severity: 'error',
      from: { path: '^platform/', pathNot: TEST },
      to: { path: '^(gateway|subgraphs)/' },
    },
    {
      name: 'gateway-and-subgraphs-apart',
      comment: 'The gateway talks to the subgraphs over HTTP only.',
      severity: 'error',
      from: { path: '^(gateway|subgraphs)/', pathNot: TEST },
      to: { path: '^(gateway|subgraphs)/', pathNot: '^$1/' },
    },
    {
      name: 'contexts-apart',
      comment: 'A bounded context never reads another: data through the graph, writes through the outbox.',
      severity: 'error',
      from: { path: '^subgraphs/(account|data|image)/', pathNot: TEST },
      to: { path: '^subgraphs/(account|data|image)/', pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'kit-not-to-contexts',
      comment: 'subgraphs/kit is shared by the three contexts and knows none of them.',
      severity: 'error',
      from: { path: '^subgraphs/kit/', pathNot: TEST },
      to: { path: '^subgraphs/(account|data|image)/' },
    },
    {
      name: 'tooling-not-to-tests',
      comment: 'Tools run in CI and on laptops without the test harness or the bench.',
      severity: 'error',
      from: { path: '^(tools|prisma|deploy)/', pathNot: TEST },
      to: { path: '^(tests|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { pathNot: TEST },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-undeclared-dependencies',
      comment: 'Every package imported is declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(generated|dist|gateway/playground/static)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
