/**
 * The services as production runs them: compiled JavaScript on plain node, not TypeScript
 * through tsx. tsx resolves every `require()` through its own hook, and some libraries require
 * per request (@apollo/utils.createhash calls `module.require("crypto")` on each query hash),
 * which costs CPU that a compiled deployment never pays. So the bench compiles the project with
 * bench/tsconfig.build.json (tsconfig.build.json plus the bench's own servers) into a
 * temporary folder (what `npm run build` does, without touching dist/), copies the same
 * non-TypeScript files, and links node_modules.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './services';

/** The files `npm run build` copies next to the compiled code. */
function assets(root: string): string[] {
  const glob = (dir: string, re: RegExp) =>
    fs
      .readdirSync(path.join(root, dir))
      .filter((d) => re.test(d))
      .map((d) => path.join(dir, d));
  return [
    ...glob('subgraphs', /^[a-z]+$/).map((d) => path.join(d, 'schema.graphql')),
    'gateway/supergraph.graphql',
    ...glob('gateway/playground/static', /./),
  ].filter((f) => fs.existsSync(path.join(root, f)));
}

export interface Build {
  dir: string;
  remove(): void;
}

/** Compiles the project at `root` (default: this one; another commit's tree: bench/micro/gateway-cpu.ts). */
export function buildCompiled(log: (msg: string) => void, root = ROOT): Build {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-graph-bench-build-'));
  const started = Date.now();
  try {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.build.json', '--outDir', dir],
      { cwd: root, stdio: 'pipe' },
    );
  } catch (err) {
    // Type errors still emit JavaScript; only a build that emitted nothing is fatal.
    if (!fs.existsSync(path.join(dir, 'gateway', 'main.js')))
      throw new Error(`compiling for the bench failed: ${String((err as { stdout?: Buffer }).stdout ?? err)}`, {
        cause: err,
      });
    log('note: the TypeScript build reported type errors (JavaScript was emitted anyway)');
  }
  for (const f of assets(root)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  log(`compiled the project into ${dir} in ${Date.now() - started} ms (services run as plain node)`);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
