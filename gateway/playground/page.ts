/**
 * The playground's HTML page and its Content-Security-Policy. The page is small: links to
 * the assets (assets.ts, all same-origin), a non-executable JSON block with the endpoint
 * and the example tabs (examples.ts), and no inline script. The one allowance beyond
 * `'self'` is a per-response style nonce: GraphiQL's dialogs (Radix UI, through
 * react-remove-scroll) inject a <style> element for scroll locking, and app.js hands this
 * nonce to them (`__webpack_nonce__`, which that library reads). No 'unsafe-eval', no
 * 'unsafe-inline'; `data:` for images and fonts because GraphiQL's stylesheet embeds its
 * fonts and two icons as data URLs.
 */
import { randomBytes } from 'node:crypto';
import { EXAMPLE_TABS } from './examples';
import { versionedUrl } from './assets';

export interface Page {
  headers: Record<string, string>;
  body: string;
}

export function contentSecurityPolicy(styleNonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${styleNonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** JSON that is safe inside a <script> data block (no `</script>`, no `<!--`). */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The page, with headers: a fresh nonce each time, so it is never cached. */
export async function playgroundPage(graphqlPath: string): Promise<Page> {
  const nonce = randomBytes(16).toString('base64');
  const [graphiqlCss, appCss, react, reactDom, graphiql, app] = await Promise.all(
    [
      'graphiql.min.css',
      'app.css',
      'react.production.min.js',
      'react-dom.production.min.js',
      'graphiql.min.js',
      'app.js',
    ].map(versionedUrl),
  );
  const config = { endpoint: graphqlPath, tabs: EXAMPLE_TABS };
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>account-graph · GraphQL playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${graphiqlCss}">
<link rel="stylesheet" href="${appCss}">
</head>
<body>
<div id="graphiql">Loading the GraphQL playground…</div>
<noscript>The playground needs JavaScript. GraphQL requests: POST ${graphqlPath} with content-type application/json.</noscript>
<script type="application/json" id="playground-config">${scriptJson(config)}</script>
<script src="${react}"></script>
<script src="${reactDom}"></script>
<script src="${graphiql}"></script>
<script src="${app}" data-style-nonce="${nonce}"></script>
</body>
</html>
`;
  return {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(nonce),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
    body,
  };
}
