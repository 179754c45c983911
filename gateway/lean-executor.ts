/**
 * The gateway's executor, one for both of its paths. Apollo Server runs @apollo/gateway through
 * the gateway interface (`load` hands it an executor); this wraps that interface and keeps the
 * executor, so the lean path (lean-route.ts) runs a known query through the very function Apollo
 * Server calls: the same query plan cache, plan execution, data sources and result shaping. No
 * second executor, no framework internals: only the public gateway interface
 * (@apollo/server-gateway-interface).
 *
 * - **Coalescing** (coalesce.ts) wraps the executor, so identical queries share executions
 *   whichever path each took.
 * - **Known operations.** A query that reaches the executor has been through all of Apollo
 *   Server's pipeline: parsed, validated, the query limits and the plugins' document checks
 *   passed. The executor notes it by source text and requested operation name, with what Apollo
 *   made of it (document, hash, operation), least recently used out beyond `maxDocuments` or
 *   `maxSourceChars` (a noted document stays on the heap); the lean path runs only those. A new
 *   schema forgets them all.
 * - **Handing over** (platform/handover.ts). When the lean path's execution produced anything
 *   but plain data (errors, extensions, a throw) it hands the outcome to Apollo Server, which
 *   runs its pipeline as for any request and, at the execute step, gets this outcome back
 *   instead of executing again: Apollo formats, masks, counts and answers it, and the
 *   subgraphs are not asked twice. (A cache hint that could make the answer cacheable is the
 *   exception: Apollo Server executes that request itself and decides its headers.)
 */
import type { IncomingMessage } from 'node:http';
import { HeaderMap } from '@apollo/server';
import type {
  GatewayCachePolicy,
  GatewayExecutionResult,
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayHTTPRequest,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import { Handover, type Outcome } from '../platform/handover';
import { DOCUMENT_CACHE_SOURCE_CHARS } from '../platform/document-cache';
import { headerMap } from '../platform/http';
import type { LeanBody } from '../platform/lean-request';
import { coalescing } from './coalesce';
import type { GatherOptions } from './upstream/gather';

/** What Apollo Server made of a document the first time, kept for the next requests with it. */
type Known = Pick<
  GatewayGraphQLRequestContext,
  'logger' | 'schema' | 'schemaHash' | 'cache' | 'queryHash' | 'document' | 'source' | 'operationName' | 'operation'
>;

/** An execution on the lean path; `cacheable`: a subgraph's cache hint may make it cacheable (Apollo decides). */
export type LeanOutcome = Outcome & { cacheable: boolean };

/** Notes whether any subgraph sent a hint that could make the answer cacheable (Apollo's cache-control plugin decides then). */
function cacheHints(): GatewayCachePolicy & { hinted: boolean } {
  const policy = {
    hinted: false,
    replace: (hint: { maxAge?: number }) => void (policy.hinted ||= (hint.maxAge ?? 0) > 0),
    restrict: (hint: { maxAge?: number }) => void (policy.hinted ||= (hint.maxAge ?? 0) > 0),
    policyIfCacheable: () => null,
  };
  return policy;
}

/** The request's headers as the executor reads them (a query plan asked for in development), made on first use. */
class RequestHeaders implements Readonly<GatewayHTTPRequest['headers']> {
  private map: HeaderMap | undefined;
  constructor(private readonly req: IncomingMessage) {}
  private get headers(): HeaderMap {
    return (this.map ??= headerMap(this.req));
  }
  append(name: string, value: string) {
    const before = this.headers.get(name);
    this.headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  delete(name: string) {
    this.headers.delete(name);
  }
  get(name: string) {
    return this.headers.get(name) ?? null;
  }
  has(name: string) {
    return this.headers.has(name);
  }
  set(name: string, value: string) {
    this.headers.set(name, value);
  }
  entries() {
    return this.headers.entries();
  }
  keys() {
    return this.headers.keys();
  }
  values() {
    return this.headers.values();
  }
  [Symbol.iterator]() {
    return this.headers.entries();
  }
}

/** The known documents' source text at most: a quarter of the document cache's (platform/document-cache.ts). */
export const KNOWN_SOURCE_CHARS = DOCUMENT_CACHE_SOURCE_CHARS / 4;

export class LeanExecutor implements GatewayInterface {
  private executor: GatewayExecutor | undefined;
  private readonly known = new Map<string, Known>();
  /** Outcomes the lean path hands to Apollo Server (the server's context function adds them). */
  readonly handover = new Handover();

  constructor(
    private readonly gateway: GatewayInterface,
    private readonly opts: {
      /** Identical queries share executions (coalesce.ts); undefined: each runs its own. */
      coalesce?: GatherOptions;
      /** Distinct documents kept for the lean path. @default 256 */
      maxDocuments?: number;
      /**
       * Source text they may add up to: a kept document stays on the heap after the document
       * cache lets it go (platform/document-cache.ts has the bytes per character).
       * @default KNOWN_SOURCE_CHARS
       */
      maxSourceChars?: number;
    } = {},
  ) {}

  /** Source characters of the known documents (their keys). */
  private knownChars = 0;

  private forget(key: string): void {
    if (this.known.delete(key)) this.knownChars -= key.length;
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.gateway.onSchemaLoadOrUpdate((schema) => {
      this.known.clear();
      this.knownChars = 0;
      callback(schema);
    });
  }

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    const { executor } = await this.gateway.load(options);
    this.executor = executor && this.opts.coalesce ? coalescing(executor, this.opts.coalesce) : (executor ?? undefined);
    const noting = (requestContext: GatewayGraphQLRequestContext) => this.execute(requestContext);
    return { executor: executor && this.handover.executor(noting) };
  }

  stop(): Promise<void> {
    return this.gateway.stop();
  }

  /** Apollo Server's execution: the gateway's executor, noting the query. */
  private async execute(requestContext: GatewayGraphQLRequestContext): Promise<GatewayExecutionResult> {
    const { request, operation } = requestContext;
    if (operation.operation === 'query' && request.query !== undefined) {
      const key = `${request.query}\n${request.operationName ?? ''}`;
      const maxChars = this.opts.maxSourceChars ?? KNOWN_SOURCE_CHARS;
      this.forget(key);
      if (key.length <= maxChars) {
        for (const oldest of this.known.keys()) {
          if (this.known.size < (this.opts.maxDocuments ?? 256) && this.knownChars + key.length <= maxChars) break;
          this.forget(oldest);
        }
        const { logger, schema, schemaHash, cache, queryHash, document, source, operationName } = requestContext;
        this.known.set(key, {
          logger,
          schema,
          schemaHash,
          cache,
          queryHash,
          document,
          source,
          operationName,
          operation,
        });
        this.knownChars += key.length;
      }
    }
    return this.executor!(requestContext);
  }

  /** A query Apollo Server has executed before (least recently used kept last). */
  knownQuery(query: string, operationName: string | undefined): Known | undefined {
    const key = `${query}\n${operationName ?? ''}`;
    const known = this.known.get(key);
    if (known) {
      this.known.delete(key);
      this.known.set(key, known);
    }
    return known;
  }

  /** Runs a known query as Apollo Server would, with this request's variables, headers (HTTP requests) and context. */
  async run(known: Known, body: LeanBody, contextValue: object, req?: IncomingMessage): Promise<LeanOutcome> {
    const hints = cacheHints();
    const requestContext: GatewayGraphQLRequestContext = {
      ...known,
      request: {
        query: body.query,
        operationName: body.operationName,
        variables: body.variables,
        // As Apollo Server gives it (no URL reaches the gateway's executor); none in process (the REST shim).
        http: req && { method: 'POST', url: 'https://unknown-url.invalid/', headers: new RequestHeaders(req) },
      },
      context: contextValue,
      metrics: {},
      overallCachePolicy: hints,
    };
    try {
      return { result: await this.executor!(requestContext), cacheable: hints.hinted };
    } catch (error) {
      return { error, cacheable: hints.hinted };
    }
  }
}
