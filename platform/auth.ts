/**
 * Gateway → subgraph request signing. Subgraphs accept GraphQL requests only from holders
 * of the shared SUBGRAPH_SECRET (the gateway, and the outbox relay writing to the data
 * context): each request carries `x-subgraph-signature: t=<ms>,n=<nonce>,v1=<hex>`, an
 * HMAC-SHA256 over the target subgraph's name (the audience), the time, a random nonce,
 * the method, path and body. The secret itself never travels; a signature is good for a
 * few minutes only, for that exact request to that one subgraph, and, with a ReplayGuard,
 * once per process (replay-guard.ts); a mutation's nonce is also recorded in the target
 * context's database with the write (subgraphs/kit/signature-nonces.ts): once per cluster.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-subgraph-signature';
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

const mac = (
  secret: string,
  audience: string,
  t: string,
  nonce: string,
  method: string,
  pathAndSearch: string,
  body: string,
) =>
  createHmac('sha256', secret)
    .update(`${audience}\n${t}\n${nonce}\n${method.toUpperCase()}\n${pathAndSearch}\n${body}`)
    .digest('hex');

/** A fresh nonce: two identical requests signed in the same millisecond still get two signatures. */
export const newNonce = () => randomBytes(16).toString('hex');

/** Signs a request to the subgraph named `audience` (`account`, `data`, `image`). */
export function sign(
  secret: string,
  audience: string,
  method: string,
  pathAndSearch: string,
  body: string,
  now = Date.now(),
  nonce = newNonce(),
): string {
  const t = String(now);
  return `t=${t},n=${nonce},v1=${mac(secret, audience, t, nonce, method, pathAndSearch, body)}`;
}

/** Headers to add to a request to the subgraph `audience` at `url` (none when no secret is configured). */
export function signedHeaders(
  secret: string | undefined,
  audience: string,
  method: string,
  url: string,
  body: string,
): Record<string, string> {
  if (!secret) return {};
  const u = new URL(url);
  return { [SIGNATURE_HEADER]: sign(secret, audience, method, u.pathname + u.search, body) };
}

/** A signature that verified: its time, its nonce (the key a write records: subgraphs/kit/signature-nonces.ts) and its MAC (the key a ReplayGuard remembers). */
export interface Verified {
  t: number;
  nonce: string;
  mac: string;
}

/**
 * Checks a request's signature for the subgraph `audience`: the reason it is not
 * acceptable, or what verified. Stateless: a replay of a good signature verifies again
 * (ReplayGuard refuses it).
 */
export function check(
  secret: string,
  audience: string,
  header: string | undefined,
  method: string,
  pathAndSearch: string,
  body: string,
  now = Date.now(),
): { refused: string } | { verified: Verified } {
  if (!header) return { refused: `missing ${SIGNATURE_HEADER} header: subgraphs answer only the gateway` };
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const { t, n: nonce, v1: given } = parts;
  if (!t || !nonce || !given || !/^\d+$/.test(t) || !/^[0-9a-f]{32}$/.test(nonce) || !/^[0-9a-f]{64}$/.test(given)) {
    return { refused: `malformed ${SIGNATURE_HEADER} header` };
  }
  if (Math.abs(now - Number(t)) > SIGNATURE_TOLERANCE_MS) return { refused: 'request signature expired' };
  const expected = Buffer.from(mac(secret, audience, t, nonce, method, pathAndSearch, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { refused: 'request signature does not match' };
  return { verified: { t: Number(t), nonce, mac: given } };
}

/** Why a request's signature is not acceptable, or undefined when it is (without replay protection). */
export function verify(
  secret: string,
  audience: string,
  header: string | undefined,
  method: string,
  pathAndSearch: string,
  body: string,
  now = Date.now(),
): string | undefined {
  const result = check(secret, audience, header, method, pathAndSearch, body, now);
  return 'refused' in result ? result.refused : undefined;
}
