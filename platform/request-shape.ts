/**
 * Shapes of a GraphQL request that would exhaust the stack before any limit sees them, refused
 * by the HTTP layer (platform/http.ts) with 400 before Apollo Server, the gateway or a
 * subgraph touches the request:
 *
 * - variables nested deeper than MAX_VARIABLE_DEPTH: graphql-js coerces values and
 *   JSON.stringify (dedup and coalescing keys) serializes them recursively, so a 300,000-deep
 *   array (600 kB, under the body limit) overflowed the stack: a 500. No input type of
 *   this schema nests; the limit leaves room for any that may come.
 * - a document whose brackets, braces and parentheses nest deeper than MAX_DOCUMENT_NESTING:
 *   graphql-js parses by recursive descent, so a 2,400-deep list literal (4,800 tokens,
 *   under the token limit) overflowed it, and the client read "Maximum call stack size
 *   exceeded". Nesting is measured on graphql-js's own lexer tokens (brackets inside strings
 *   and comments do not count), only when the document has more such characters than the
 *   limit, so an ordinary document costs one scan of its characters.
 *
 * Both walks are iterative: they cannot overflow themselves.
 */
import { Lexer, Source, TokenKind } from 'graphql';

export const MAX_VARIABLE_DEPTH = 64;
export const MAX_DOCUMENT_NESTING = 128;

/** How deep `value` nests (a scalar: 0, `[1]`: 1), stopping once past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, d]);
    }
  }
  return deepest;
}

const OPENING = new Set<string>([TokenKind.BRACKET_L, TokenKind.BRACE_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACKET_R, TokenKind.BRACE_R, TokenKind.PAREN_R]);

/** Whether the document could nest past `limit` at all: more opening characters than the limit. */
function mayNestPast(document: string, limit: number): boolean {
  let openings = 0;
  for (let i = 0; i < document.length; i++) {
    const c = document.charCodeAt(i);
    if ((c === 0x5b || c === 0x7b || c === 0x28) && ++openings > limit) return true; // [ { (
  }
  return false;
}

/** How deep the document's brackets nest, stopping once past `limit`; undefined when it does not lex (the parser reports that). */
export function documentNesting(document: string, limit: number): number | undefined {
  if (!mayNestPast(document, limit)) return 0;
  const lexer = new Lexer(new Source(document));
  let depth = 0;
  let deepest = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (OPENING.has(token.kind)) {
        deepest = Math.max(deepest, ++depth);
        if (deepest > limit) return deepest;
      } else if (CLOSING.has(token.kind)) depth--;
    }
  } catch {
    return undefined;
  }
  return deepest;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses GET's `variables` parameter as Apollo Server will; undefined when it is absent or not JSON (Apollo reports that). */
function getVariables(search: URLSearchParams): unknown {
  const text = search.get('variables');
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Why the request's shape is refused (a 400), or undefined. `body`: the parsed JSON body of a POST, if any. */
export function requestShapeProblem(body: unknown, search: URLSearchParams): string | undefined {
  const requests = Array.isArray(body) ? body : [body];
  const parts: { query: unknown; variables: unknown }[] = requests.map((r) =>
    isRecord(r) ? { query: r.query, variables: r.variables } : { query: undefined, variables: undefined },
  );
  if (body === undefined) parts.push({ query: search.get('query') ?? undefined, variables: getVariables(search) });
  for (const { query, variables } of parts) {
    if (variables !== undefined && nestingDepth(variables, MAX_VARIABLE_DEPTH) > MAX_VARIABLE_DEPTH) {
      return `variables nest more than ${MAX_VARIABLE_DEPTH} levels deep; no input of this API nests that deep`;
    }
    if (typeof query === 'string') {
      const nesting = documentNesting(query, MAX_DOCUMENT_NESTING);
      if (nesting !== undefined && nesting > MAX_DOCUMENT_NESTING) {
        return `the document nests brackets, braces or parentheses more than ${MAX_DOCUMENT_NESTING} levels deep`;
      }
    }
  }
  return undefined;
}
