/**
 * Operational routes that show data (the account subgraph's GET /outbox: pending events'
 * account ids, event ids, delivery errors) are for operators, not the public. In production
 * such a route answers only a request that carries either
 *
 * - the subgraph secret's signature for this subgraph (platform/auth.ts; what `npm run
 *   outbox:status` sends when SUBGRAPH_SECRET is in its environment), or
 * - `Authorization: Bearer <OPERATOR_TOKEN>` (a token for people and tools that must not hold
 *   the secret that lets one write through the subgraphs),
 *
 * and anything else gets 401 with no data. A signed GET is read-only, so it is not entered in
 * the replay guard: a captured one can be sent again within the signature's tolerance to
 * read the same page, nothing more. Outside production the routes stay open (local tools,
 * tests). /metrics, /live, /health and /ready are not wrapped: they stay as they are.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SIGNATURE_HEADER, verify } from './auth';
import { AppError, ErrorCode } from './errors';
import { sendError } from './http';
import type { Route } from './route';

export interface OperatorAccess {
  /** Only in production are the routes closed. */
  production: boolean;
  /** The subgraph secret and this subgraph's name (the signature's audience). */
  secret?: string;
  audience: string;
  /** OPERATOR_TOKEN. */
  token?: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Why the request may not see operational data, or undefined when it may. */
export function operatorRefusal(access: OperatorAccess, req: IncomingMessage, url: URL): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  // Compared as digests: equal lengths, in constant time.
  if (bearer !== undefined && access.token && timingSafeEqual(digest(bearer), digest(access.token))) return undefined;
  const signature = req.headers[SIGNATURE_HEADER] as string | undefined;
  if (signature !== undefined && access.secret) {
    const refused = verify(
      access.secret,
      access.audience,
      signature,
      req.method ?? 'GET',
      url.pathname + url.search,
      '',
    );
    if (!refused) return undefined;
  }
  return 'this route is for operators: send the subgraph secret\'s signature or "Authorization: Bearer <OPERATOR_TOKEN>"';
}

/** An operational page: a GET path and what serves it once the caller may see it. */
export interface OperatorPage {
  path: string;
  serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

/**
 * The pages as one Route: in production a GET of a page's path without an operator's
 * credentials is answered 401 (`{"error":{"code":"UNAUTHENTICATED","message"}}`, no data).
 */
export function operatorPages(access: OperatorAccess, pages: readonly OperatorPage[]): Route {
  return async (req, res, url) => {
    const page = req.method === 'GET' ? pages.find((p) => p.path === url.pathname) : undefined;
    if (!page) return false;
    const refused = access.production ? operatorRefusal(access, req, url) : undefined;
    if (refused !== undefined) {
      sendError(res, new AppError(ErrorCode.UNAUTHENTICATED, refused), { 'www-authenticate': 'Bearer' });
      return true;
    }
    await page.serve(req, res, url);
    return true;
  };
}
