/**
 * The playground's static files, served from installed npm packages with no build step:
 * GraphiQL 4's UMD bundle and stylesheet (graphiql@4 is the last major that ships one;
 * 5 needs a bundler), and React 18's UMD builds (React 19 ships none), plus the two small
 * hand-written files beside this module. A fixed allow-list maps each public name to one
 * file, so no request path ever reaches the file system. Each file is read once, hashed
 * (the ETag, and the `?v=` the page puts in its URLs, so that versioned URLs can be cached
 * for a year) and gzipped once for clients that accept it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export const ASSET_PREFIX = '/playground/assets/';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Public name → the package it comes from (undefined: this folder) and the file in it. */
const ALLOW_LIST = new Map<string, { pkg?: string; file: string; type: string }>([
  ['react.production.min.js', { pkg: 'react', file: 'umd/react.production.min.js', type: JS }],
  ['react-dom.production.min.js', { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: JS }],
  ['graphiql.min.js', { pkg: 'graphiql', file: 'graphiql.min.js', type: JS }],
  ['graphiql.min.css', { pkg: 'graphiql', file: 'graphiql.min.css', type: CSS }],
  // graphiql.min.js names its source map `index.umd.js.map`; only DevTools asks for it.
  ['index.umd.js.map', { pkg: 'graphiql', file: 'dist/index.umd.js.map', type: 'application/json; charset=utf-8' }],
  ['app.js', { file: 'app.js', type: JS }],
  ['app.css', { file: 'app.css', type: CSS }],
]);

export interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  /** Content hash (base64url, 16 characters): the ETag and the `?v=` of versioned URLs. */
  version: string;
}

/** A package's folder: its package.json always resolves, whatever its `exports` map allows. */
const packageDir = (pkg: string) => path.dirname(require.resolve(`${pkg}/package.json`));

const gzip = promisify(zlib.gzip);
const loaded = new Map<string, Promise<Asset>>();

async function load(name: string): Promise<Asset> {
  const entry = ALLOW_LIST.get(name);
  if (!entry) throw new Error(`${name} is not a playground asset`);
  const body = await fs.readFile(path.join(entry.pkg ? packageDir(entry.pkg) : __dirname, entry.file));
  const version = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { type: entry.type, body, gzipped: await gzip(body, { level: 9 }), version };
}

/** The asset of that public name, or undefined when it is not on the allow-list. */
export function asset(name: string): Promise<Asset> | undefined {
  if (!ALLOW_LIST.has(name)) return undefined;
  let promise = loaded.get(name);
  if (!promise) {
    promise = load(name);
    loaded.set(name, promise);
    promise.catch(() => loaded.delete(name)); // a failed read is retried by the next request
  }
  return promise;
}

/** `/playground/assets/<name>?v=<content hash>`: the URL the page links, cacheable for a year. */
export async function versionedUrl(name: string): Promise<string> {
  const found = await asset(name);
  if (!found) throw new Error(`${name} is not a playground asset`);
  return `${ASSET_PREFIX}${name}?v=${found.version}`;
}

export interface AssetResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  body?: Buffer;
}

/**
 * The response to a GET of an asset: gzip when accepted, 304 when If-None-Match matches,
 * a year of `immutable` caching when the URL carries the current version, else `no-cache`
 * (the browser revalidates with the ETag).
 */
export function assetResponse(
  found: Asset,
  requested: { version: string | null; ifNoneMatch?: string; acceptEncoding?: string },
): AssetResponse {
  const useGzip = /\bgzip\b/.test(requested.acceptEncoding ?? '');
  const etag = `"${found.version}${useGzip ? '-gz' : ''}"`;
  const headers: Record<string, string> = {
    'content-type': found.type,
    etag,
    'cache-control': requested.version === found.version ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
  };
  const tags = (requested.ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes(etag) || tags.includes('*')) return { status: 304, headers };
  const body = useGzip ? found.gzipped : found.body;
  if (useGzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = String(body.length);
  return { status: 200, headers, body };
}
