/**
 * The offline GraphQL playground: GraphiQL served entirely by the gateway (no CDN), at
 * `GET /` and at `GET /graphql` when a browser asks for HTML without a query, as a
 * platform/http.ts Route (routes run before the GraphQL path). Everything else on
 * /graphql (GraphQL GET with a query, POST) goes to Apollo Server unchanged. With the
 * playground off, page requests get a 404 that says so, and no asset is served.
 */
import { AppError, ErrorCode } from '../../platform/errors';
import { sendError, type Route } from '../../platform/http';
import { ASSET_PREFIX, asset, assetResponse, assetsBuilt } from './assets';
import { playgroundPage } from './page';

export interface PlaygroundOptions {
  enabled: boolean;
  graphqlPath: string;
}

const disabled = (graphqlPath: string) =>
  new AppError(
    ErrorCode.NOT_FOUND,
    `the GraphQL playground is disabled on this gateway (PLAYGROUND=false); send GraphQL requests as POST ${graphqlPath} with content-type: application/json`,
  );

/** A checkout whose `npm install` did not run its postinstall (`--ignore-scripts`). */
const notBuilt = (graphqlPath: string) =>
  new AppError(
    ErrorCode.NOT_FOUND,
    `the GraphQL playground's assets are not built on this gateway (run npm run playground:build); send GraphQL requests as POST ${graphqlPath} with content-type: application/json`,
  );

/** A browser navigating to the endpoint: GET, HTML accepted, no `query` parameter. */
export function wantsPlaygroundPage(method: string, accept: string | undefined, search: string): boolean {
  return method === 'GET' && /\btext\/html\b/i.test(accept ?? '') && !new URLSearchParams(search).has('query');
}

/** `GET /` and a browser's `GET /graphql` → the page; `GET|HEAD /playground/assets/<name>` → an allow-listed asset. */
export function playgroundRoute(opts: PlaygroundOptions): Route {
  return async (req, res, url) => {
    const method = req.method ?? 'GET';
    const pageRequest =
      (url.pathname === '/' && method === 'GET') ||
      (url.pathname === opts.graphqlPath && wantsPlaygroundPage(method, req.headers.accept, url.search));
    if (pageRequest) {
      if (!opts.enabled) {
        sendError(res, disabled(opts.graphqlPath));
        return true;
      }
      if (!assetsBuilt()) {
        sendError(res, notBuilt(opts.graphqlPath));
        return true;
      }
      const page = await playgroundPage(opts.graphqlPath);
      res.writeHead(200, { ...page.headers, 'content-length': String(Buffer.byteLength(page.body)) });
      res.end(page.body);
      return true;
    }
    if (!url.pathname.startsWith(ASSET_PREFIX) || (method !== 'GET' && method !== 'HEAD')) return false;
    const name = url.pathname.slice(ASSET_PREFIX.length);
    const found = opts.enabled ? asset(name) : undefined;
    if (!found) {
      sendError(
        res,
        opts.enabled
          ? new AppError(ErrorCode.NOT_FOUND, `no playground asset named ${JSON.stringify(name)}`)
          : disabled(opts.graphqlPath),
      );
      return true;
    }
    const out = assetResponse(await found, {
      version: url.searchParams.get('v'),
      ifNoneMatch: req.headers['if-none-match'],
      acceptEncoding: req.headers['accept-encoding'],
    });
    res.writeHead(out.status, out.headers);
    res.end(method === 'GET' ? out.body : undefined);
    return true;
  };
}
