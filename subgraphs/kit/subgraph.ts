/**
 * The shared scaffolding of every subgraph: schema building, Apollo Server, per-request
 * context (with fresh DataLoaders), the HTTP layer, readiness and graceful stop.
 * A context supplies its SDL, resolvers, database and loaders; nothing else.
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { randomUUID } from 'node:crypto';
import { SIGNATURE_HEADER, check, type Verified } from '../../platform/auth';
import type { ContextName } from '../../platform/config';
import { startHttpServer, type RunningHttpServer } from '../../platform/http';
import { DocumentCache } from '../../platform/document-cache';
import { operationResolution } from '../../platform/operation-resolution';
import { operatorPages } from '../../platform/operator-access';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../../platform/idempotency-key';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import { Handover } from '../../platform/handover';
import { apolloPlugins, leanHooks, type ServerPlugin } from '../../platform/plugins';
import { ReplayGuard } from '../../platform/replay-guard';
import { compiledExecution, compiledExecutionGateway, type ExecutionPath } from './compiled-executor';
import { leanRoute } from './lean-route';
import { maskInternalErrors } from './mask';
import type { ContextResolvers, SchemaResolvers } from './resolver-map';
import type { RetryOptions } from '../../platform/retry';
import type { SignedRequest } from './signature-nonces';
import type { Worker } from './worker';

/** What every resolver receives. `loaders` are created anew for each request. */
export interface SubgraphContext<Db, Loaders> {
  db: Db;
  loaders: Loaders;
  servedBy: string;
  retry: RetryOptions;
  log: Logger;
  /** Wakes the named background worker of this process (after a commit that gave it work). */
  wake(worker: string): void;
  /** Lets the named worker finish this request's work first (Worker.settle); resolves at once without it. */
  settle(worker: string, work: readonly unknown[], scope: string): Promise<void>;
  /** The request's Idempotency-Key header (the gateway forwards it on mutations only). */
  idempotencyKey?: string;
  /** How long this context keeps idempotency keys. */
  idempotencyTtlHours: number;
  /** Marks the answer as the stored result of an earlier request with the same key (REPLAYED_HEADER). */
  markReplayed(): void;
  /** The request's verified signature (with a secret configured): every write records its nonce (kit/signature-nonces.ts). */
  signed?: SignedRequest;
}

export interface SubgraphDefinition<Db, Loaders> {
  name: ContextName;
  /** Path of the SDL file that is also the composition input. */
  sdlPath: string;
  resolvers: ContextResolvers<SubgraphContext<Db, Loaders>>;
  db: Db;
  /** Fresh loaders for one request. */
  createLoaders(): Loaders;
  workers: Worker[];
  /** Where this subgraph's parts (server, pool, workers) record, and what its GET /metrics serves. */
  metrics: Metrics;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface SubgraphOptions {
  host: string;
  port: number;
  instanceName: string;
  retry: RetryOptions;
  log: Logger;
  production?: boolean;
  /** Stack traces in GraphQL errors (DEBUG_ERRORS; never in production). @default false */
  debugErrors?: boolean;
  /** Shared secret: GraphQL requests must be signed with it (platform/auth.ts); unset: anyone may call. */
  secret?: string;
  /** BODY_TIMEOUT_MS (platform/http.ts). */
  bodyTimeoutMs?: number;
  /** OPERATOR_TOKEN: opens the workers' status pages in production besides the secret's signature. */
  operatorToken?: string;
  /** How long idempotency keys are kept. @default 24 */
  idempotencyTtlHours?: number;
  /** Queries run compiled (kit/compiled-executor.ts); false: graphql-js executes everything. @default true */
  compiledExecution?: boolean;
  /** Plugins after the subgraph's own, on every request (platform/plugins.ts). */
  plugins?: ServerPlugin<SubgraphContext<unknown, unknown>>[];
}

export interface RunningSubgraph extends RunningHttpServer {
  name: ContextName;
  servedBy: string;
  /** Requests per execution path (kit/compiled-executor.ts); undefined with compiled execution off. */
  executionPaths?: Readonly<Record<ExecutionPath, number>>;
  stop(): Promise<void>;
}

/**
 * Refuses GraphQL requests (`_entities` and `_service` included) that were not signed for
 * this subgraph, and any signature this process has already seen (a replay); keeps each
 * admitted request's signature in `admitted` for its context (its writes record the nonce).
 */
const signatureCheck = (secret: string, audience: ContextName, admitted: WeakMap<IncomingMessage, Verified>) => {
  const guard = new ReplayGuard();
  return (req: IncomingMessage, body: string, url: URL) => {
    const result = check(
      secret,
      audience,
      req.headers[SIGNATURE_HEADER] as string | undefined,
      req.method ?? 'GET',
      url.pathname + url.search,
      body,
    );
    if ('refused' in result) return result.refused;
    const refused = guard.admit(result.verified);
    if (!refused) admitted.set(req, result.verified);
    return refused;
  };
};

const REPLAY_STATE = Symbol('replay');

/** Tells the caller (the gateway) that this answer repeats a stored result: writes only. */
const replayHeader: ServerPlugin<object> = {
  name: 'idempotent replay header',
  apollo: {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const state = (contextValue as { [REPLAY_STATE]?: { replayed: boolean } })[REPLAY_STATE];
          if (state?.replayed) response.http.headers.set(REPLAYED_HEADER, 'true');
        },
      };
    },
  },
  lean: 'mutations-only',
};

/**
 * Apollo's default cache-control and inline-trace plugins hook every resolved field (a good part
 * of Apollo's CPU per `_entities` request: bench/micro/subgraph-plugins.ts, BENCHMARKS.md); this
 * stack sets no cache hints and sends no traces to Apollo, so both are off, on every path.
 */
const apolloDefaultsOff: ServerPlugin<object>[] = [
  { name: 'cache control off', apollo: ApolloServerPluginCacheControlDisabled(), lean: 'inert' },
  { name: 'inline trace off', apollo: ApolloServerPluginInlineTraceDisabled(), lean: 'inert' },
];

export const readSdl = (sdlPath: string) => parse(fs.readFileSync(sdlPath, 'utf8'));

export async function startSubgraph<Db, Loaders>(
  def: SubgraphDefinition<Db, Loaders>,
  opts: SubgraphOptions,
): Promise<RunningSubgraph> {
  const log = opts.log.child({ subgraph: def.name });
  const servedBy = `${def.name}@${opts.instanceName}:${process.pid}`;
  const schema = buildSubgraphSchema({
    typeDefs: readSdl(def.sdlPath),
    resolvers: def.resolvers as SchemaResolvers,
  });
  // Compiled execution takes Apollo Server's `gateway` hook (the only way to replace its
  // execute step); Apollo still parses, validates and caches documents against `schema`.
  const compiled = opts.compiledExecution === false ? undefined : compiledExecution(schema);
  // A known query's failure on the lean path reaches Apollo Server with its outcome (platform/handover.ts).
  const handover = new Handover();
  const executes = compiled
    ? { gateway: compiledExecutionGateway(schema, handover.executor(compiled.executor)) }
    : { schema };
  // One list for both paths: what Apollo Server runs, and what the lean path runs (platform/plugins.ts).
  const plugins = [
    ...apolloDefaultsOff,
    def.metrics.operationServerPlugin(def.name),
    { name: 'operation resolution', apollo: operationResolution, lean: 'document-checks' },
    replayHeader,
    ...(opts.plugins ?? []),
  ] as ServerPlugin<SubgraphContext<Db, Loaders>>[];
  const lean = compiled && leanHooks(plugins);
  const apollo = new ApolloServer<SubgraphContext<Db, Loaders>>({
    ...executes,
    includeStacktraceInErrorResponses: opts.debugErrors === true && !opts.production,
    formatError: maskInternalErrors(def.name, log),
    stopOnTerminationSignals: false, // platform/lifecycle.ts owns shutdown
    plugins: apolloPlugins(plugins),
    logger: log,
    // Bounded by source text, as the gateway's: Apollo's default LRU under-counts a parsed document's heap.
    documentStore: new DocumentCache(),
  });
  await apollo.start();
  const workers = new Map(def.workers.map((w) => [w.name, w]));
  const wake = (name: string) => workers.get(name)?.wake();
  const admitted = new WeakMap<IncomingMessage, Verified>();
  const settle = async (name: string, work: readonly unknown[], scope: string) =>
    workers.get(name)?.settle?.(work, scope);
  const context = async (req: IncomingMessage): Promise<SubgraphContext<Db, Loaders>> => {
    const replay = { replayed: false };
    const signature = admitted.get(req);
    const value: SubgraphContext<Db, Loaders> & { [REPLAY_STATE]: typeof replay } = {
      db: def.db,
      loaders: def.createLoaders(),
      servedBy,
      retry: opts.retry,
      log,
      wake,
      settle,
      idempotencyKey: idempotencyKeyOf(req.headers),
      idempotencyTtlHours: opts.idempotencyTtlHours ?? 24,
      markReplayed: () => {
        replay.replayed = true;
      },
      [REPLAY_STATE]: replay,
      // One id per HTTP request: its writes (several mutation fields, re-runs) share the nonce.
      ...(signature ? { signed: { signature, requestId: randomUUID() } } : {}),
    };
    return value;
  };
  const http = await startHttpServer(
    {
      apollo,
      log,
      metrics: def.metrics,
      ready: def.ping,
      context: async (req) => handover.contextFor(req, await context(req)),
      shortcut: compiled && lean ? leanRoute({ execution: compiled, context, plugins: lean, handover }) : undefined,
      routes: [
        operatorPages(
          { production: opts.production ?? false, secret: opts.secret, audience: def.name, token: opts.operatorToken },
          def.workers.flatMap((w) => w.pages ?? []),
        ),
      ],
      bodyTimeoutMs: opts.bodyTimeoutMs,
      authenticate: opts.secret ? signatureCheck(opts.secret, def.name, admitted) : undefined,
    },
    { host: opts.host, port: opts.port },
  );
  for (const w of def.workers) w.start(log);
  log.info({ url: http.url, workers: [...workers.keys()] }, 'subgraph listening');
  return {
    ...http,
    name: def.name,
    servedBy,
    executionPaths: compiled?.paths,
    stop: async () => {
      await http.close();
      await Promise.all(def.workers.map((w) => w.stop()));
      await apollo.stop();
      await def.close();
    },
  };
}
