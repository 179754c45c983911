/**
 * The playground's static files, as tools/playground-build.ts laid them out in ./static/ (on
 * `npm install` and `npm run build`; the image carries them in dist/, not React or GraphiQL
 * as packages). Its `manifest.json` is the allow-list: each public name maps to one file of
 * that folder, so no request path ever reaches another file. Each file is read once, hashed
 * (the ETag, and the `?v=` the page puts in its URLs, so that versioned URLs can be cached
 * for a year) and gzipped once for clients that accept it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export const ASSET_PREFIX = '/playground/assets/';

const STATIC_DIR = path.join(__dirname, 'static');

let manifest: Map<string, { type: string }> | undefined;

/** The allow-list, read once; empty (every asset a 404) when the assets were never built. */
function allowList(): Map<string, { type: string }> {
  if (!manifest) {
    try {
      const entries = JSON.parse(fs.readFileSync(path.join(STATIC_DIR, 'manifest.json'), 'utf8')) as Record<
        string,
        { type: string }
      >;
      manifest = new Map(Object.entries(entries));
    } catch {
      manifest = new Map();
    }
  }
  return manifest;
}

/** Whether the assets are there to serve (`npm run playground:build` makes them). */
export const assetsBuilt = (): boolean => allowList().size > 0;

export interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  /** Content hash (base64url, 16 characters): the ETag and the `?v=` of versioned URLs. */
  version: string;
}

const gzip = promisify(zlib.gzip);
const loaded = new Map<string, Promise<Asset>>();

async function load(name: string): Promise<Asset> {
  const entry = allowList().get(name);
  if (!entry) throw new Error(`${name} is not a playground asset`);
  const body = await fs.promises.readFile(path.join(STATIC_DIR, name));
  const version = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { type: entry.type, body, gzipped: await gzip(body, { level: 9 }), version };
}

/** The asset of that public name, or undefined when it is not on the allow-list. */
export function asset(name: string): Promise<Asset> | undefined {
  if (!allowList().has(name)) return undefined;
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
