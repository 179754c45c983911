/**
 * Signing: every request to a subgraph carries a signature of its method, path and body for
 * that subgraph (platform/auth.ts makes it; the subgraphs refuse unsigned requests when they
 * have the secret). Applied per attempt, after deduplication's match and inside the retry: a
 * retry is signed anew (a fresh time and nonce, so the subgraph's replay guard accepts it), and
 * identical queries still share one call (the signature is not part of what they compare).
 */
import { signedHeaders } from '../../platform/auth';
import type { ClientRequest } from '../../platform/http-client';

export interface SigningOptions {
  /** The subgraphs' shared secret (SUBGRAPH_SECRET). @default undefined: requests go unsigned (development only). */
  secret?: string;
  /** The subgraph the signature is for (its name: a signature for one subgraph is refused by another). */
  audience: string;
}

/** The request `init` to `url` with its signature header added (unchanged without a secret). */
export type Sign = (url: string, init: ClientRequest) => ClientRequest;

export function signing(opts: SigningOptions): Sign {
  const { secret, audience } = opts;
  if (!secret) return (_url, init) => init;
  return (url, init) => ({
    ...init,
    headers: { ...init.headers, ...signedHeaders(secret, audience, init.method ?? 'GET', url, init.body ?? '') },
  });
}
