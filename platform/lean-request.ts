/**
 * What a lean path (a subgraph's: subgraphs/kit/lean-route.ts; the gateway's:
 * gateway/lean-route.ts) takes from a GraphQL POST, and how it answers one without errors. It
 * takes only the plainest request, the one Apollo Server would answer with plain JSON: a JSON
 * body with a string `query`, an optional string `operationName`, optional object `variables`,
 * no `extensions` (persisted queries), and an `accept` for which Apollo Server picks
 * `application/json`. Anything else (undefined here) goes to Apollo Server, which judges it.
 */
import type { IncomingMessage } from 'node:http';

/** Apollo Server's media type for a single JSON result (when the request's `accept` allows it). */
export const APPLICATION_JSON = 'application/json; charset=utf-8';

/** `accept` values for which Apollo Server picks plain JSON (no header, anything, JSON itself). */
const acceptsJson = (accept: string | undefined) =>
  accept === undefined || accept === '*/*' || accept === 'application/json';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface LeanBody {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

/** The body as a lean path takes it; undefined: anything else (Apollo Server answers, and judges). */
export function leanRequest(req: IncomingMessage, body: unknown): LeanBody | undefined {
  if (!isRecord(body) || !(req.headers['content-type'] ?? '').startsWith('application/json')) return undefined;
  if (!acceptsJson(req.headers.accept)) return undefined;
  const { query, operationName, variables } = body;
  if (typeof query !== 'string' || body.extensions !== undefined) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return undefined;
  return { query, operationName: operationName ?? undefined, variables: variables ?? undefined };
}

/** Apollo Server's serialisation of a result without errors: its field order and trailing newline. */
export const resultJson = (data: unknown, extensions?: unknown) => `${JSON.stringify({ data, extensions })}\n`;
