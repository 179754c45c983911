/**
 * The import-direction rules (.dependency-cruiser.cjs, `npm run lint:deps` in CI) keep their
 * teeth: on a small tree laid out like this repository, with one import breaking each rule,
 * dependency-cruiser reports every rule by name; the same tree without those imports is clean.
 * The lint step proves the repository follows the rules; this proves the rules still forbid.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Each rule, and the file whose import breaks it (written only into the "violating" tree). */
const VIOLATIONS: Record<string, [file: string, source: string]> = {
  'platform-not-to-services': ['platform/bad.ts', "import '../gateway/server';"],
  'runtime-not-to-tooling': ['gateway/bad-tool.ts', "import '../tools/cli';"],
  'runtime-not-to-dev-dependencies': ['gateway/bad-dev.ts', "import 'devpkg';"],
  'gateway-and-subgraphs-apart': ['gateway/bad-kit.ts', "import '../subgraphs/kit/kit';"],
  'contexts-apart': ['subgraphs/account/bad.ts', "import '../data/loaders';"],
  'kit-not-to-contexts': ['subgraphs/kit/bad.ts', "import '../account/resolvers';"],
  'tooling-not-to-tests': ['tools/bad.ts', "import '../tests/harness';"],
  'no-circular': ['tools/cycle-a.ts', "import './cycle-b';"],
  'not-to-unresolvable': ['gateway/bad-missing.ts', "import './no-such-file';"],
  'no-undeclared-dependencies': ['gateway/bad-undeclared.ts', "import 'undeclaredpkg';"],
};

/** A clean tree: every allowed direction used once. */
const CLEAN: Record<string, string> = {
  'platform/config.ts': 'export const config = 1;',
  'gateway/server.ts': "import '../platform/config';\nimport 'prodpkg';",
  'subgraphs/kit/kit.ts': "import '../../platform/config';",
  'subgraphs/account/resolvers.ts': "import '../kit/kit';",
  'subgraphs/data/loaders.ts': "import '../kit/kit';",
  'tools/cli.ts': "import '../gateway/server';\nimport '../subgraphs/kit/kit';\nimport 'devpkg';",
  'tools/cycle-b.ts': "import '../platform/config';",
  'tests/harness.ts': "import '../tools/cli';\nimport '../subgraphs/account/resolvers';",
};

function tree(withViolations: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-rules-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), `${text}\n`);
  };
  write(
    'package.json',
    JSON.stringify({ name: 'fixture', dependencies: { prodpkg: '1' }, devDependencies: { devpkg: '1' } }),
  );
  write(
    'tsconfig.json',
    JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true } }),
  );
  for (const pkg of ['prodpkg', 'devpkg', 'undeclaredpkg']) {
    write(`node_modules/${pkg}/package.json`, JSON.stringify({ name: pkg, version: '1.0.0', main: 'index.js' }));
    write(`node_modules/${pkg}/index.js`, 'module.exports = 1;');
  }
  for (const [file, text] of Object.entries(CLEAN)) write(file, text);
  if (withViolations) {
    for (const [file, text] of Object.values(VIOLATIONS)) write(file, text);
    write('tools/cycle-b.ts', "import './cycle-a';");
  }
  return dir;
}

function violatedRules(dir: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      DEPCRUISE,
      'platform',
      'gateway',
      'subgraphs',
      'tools',
      'tests',
      '--config',
      path.join(ROOT, '.dependency-cruiser.cjs'),
      '--output-type',
      'json',
    ],
    { cwd: dir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const report = JSON.parse(out) as { summary: { violations: { rule: { name: string } }[] } };
  return [...new Set(report.summary.violations.map((v) => v.rule.name))].sort();
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test('a tree that imports only in the allowed directions has no violations', () => {
  const dir = tree(false);
  dirs.push(dir);
  expect(violatedRules(dir)).toEqual([]);
});

test('each rule reports the import that breaks it', () => {
  const dir = tree(true);
  dirs.push(dir);
  expect(violatedRules(dir)).toEqual(Object.keys(VIOLATIONS).sort());
});
