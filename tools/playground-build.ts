/**
 * Builds the playground's static files into gateway/playground/static/ (git-ignored), which
 * the gateway serves (gateway/playground/assets.ts) and `npm run build` copies into dist/:
 * GraphiQL 4's UMD bundle and stylesheet (graphiql@4 is the last major that ships one; 5 needs a
 * bundler), React 18's UMD builds (React 19 ships none), and the two hand-written files of
 * gateway/playground/. So React and GraphiQL are devDependencies: the gateway's production
 * dependencies, and its image, hold none of them. `manifest.json` lists each public name with
 * its content type: the gateway's allow-list (no request path reaches any other file).
 *
 * Run on `npm install` (postinstall) and by `npm run build`; `npm run playground:build` alone.
 */
import fs from 'node:fs';
import path from 'node:path';

const PLAYGROUND = path.resolve(__dirname, '../gateway/playground');
export const STATIC_DIR = path.join(PLAYGROUND, 'static');

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Public name → the package it comes from (none: gateway/playground/) and the file in it. */
const SOURCES: { name: string; pkg?: string; file: string; type: string }[] = [
  { name: 'react.production.min.js', pkg: 'react', file: 'umd/react.production.min.js', type: JS },
  { name: 'react-dom.production.min.js', pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: JS },
  { name: 'graphiql.min.js', pkg: 'graphiql', file: 'graphiql.min.js', type: JS },
  { name: 'graphiql.min.css', pkg: 'graphiql', file: 'graphiql.min.css', type: CSS },
  // graphiql.min.js names its source map `index.umd.js.map`; only DevTools asks for it.
  { name: 'index.umd.js.map', pkg: 'graphiql', file: 'dist/index.umd.js.map', type: 'application/json; charset=utf-8' },
  { name: 'app.js', file: 'app.js', type: JS },
  { name: 'app.css', file: 'app.css', type: CSS },
];

/** A package's folder: its package.json always resolves, whatever its `exports` map allows. */
const packageDir = (pkg: string) => path.dirname(require.resolve(`${pkg}/package.json`));

/** Writes every file and the manifest into `outDir` (replacing what was there); returns the manifest. */
export function buildPlayground(outDir = STATIC_DIR): Record<string, { type: string }> {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const manifest: Record<string, { type: string }> = {};
  for (const { name, pkg, file, type } of SOURCES) {
    fs.copyFileSync(path.join(pkg ? packageDir(pkg) : PLAYGROUND, file), path.join(outDir, name));
    manifest[name] = { type };
  }
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

if (require.main === module) {
  buildPlayground();
  console.log(`playground assets built in ${path.relative(process.cwd(), STATIC_DIR) || '.'}`);
}
