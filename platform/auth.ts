/**
 * Gateway → subgraph request signing. Subgraphs accept GraphQL requests only from holders
 * of the shared SUBGRAPH_SECRET (the gateway, and the outbox relay writing to the data
 * context): each request carries `x-subgraph-signature: t=<ms>,v1=<hex>`, an HMAC-SHA256
 * over the time, method, path and body. The secret itself never travels; a signature is
 * good for a few minutes only and for that exact request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-subgraph-signature';
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

const mac = (secret: string, t: string, method: string, pathAndSearch: string, body: string) =>
  createHmac('sha256', secret).update(`${t}\n${method.toUpperCase()}\n${pathAndSearch}\n${body}`).digest('hex');

export function sign(secret: string, method: string, pathAndSearch: string, body: string, now = Date.now()): string {
  const t = String(now);
  return `t=${t},v1=${mac(secret, t, method, pathAndSearch, body)}`;
}

/** Headers to add to a request to a subgraph (none when no secret is configured). */
export function signedHeaders(secret: string | undefined, method: string, url: string, body: string): Record<string, string> {
  if (!secret) return {};
  const u = new URL(url);
  return { [SIGNATURE_HEADER]: sign(secret, method, u.pathname + u.search, body) };
}

/** Why a request's signature is not acceptable, or undefined when it is. */
export function verify(secret: string, header: string | undefined, method: string, pathAndSearch: string, body: string, now = Date.now()): string | undefined {
  if (!header) return `missing ${SIGNATURE_HEADER} header: subgraphs answer only the gateway`;
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = parts.t;
  const given = parts.v1;
  if (!t || !given || !/^\d+$/.test(t) || !/^[0-9a-f]{64}$/.test(given)) return `malformed ${SIGNATURE_HEADER} header`;
  if (Math.abs(now - Number(t)) > SIGNATURE_TOLERANCE_MS) return 'request signature expired';
  const expected = Buffer.from(mac(secret, t, method, pathAndSearch, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return 'request signature does not match';
  return undefined;
}
