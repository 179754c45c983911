/**
 * The shared scaffolding of every subgraph: schema building, Apollo Server, per-request
 * context (with fresh DataLoaders), the HTTP layer, readiness and graceful stop.
 * A context supplies its SDL, resolvers, database and loaders; nothing else.
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { SIGNATURE_HEADER, check } from '../../platform/auth';
import type { ContextName } from '../../platform/config';
import { startHttpServer, type RunningHttpServer } from '../../platform/http';
import { REPLAYED_HEADER, idempotencyKeyOf } from '../../platform/idempotency-key';
import type { Logger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import { ReplayGuard } from '../../platform/replay-guard';
import { compiledExecution, compiledExecutionGateway, type ExecutionPath } from './compiled-executor';
import { leanRoute } from './lean-route';
import { maskInternalErrors } from './mask';
import type { ContextResolvers, SchemaResolvers } from './resolver-map';
import type { RetryOptions } from '../../platform/retry';
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
  /** The request's Idempotency-Key header (the gateway forwards it on mutations only). */
  idempotencyKey?: string;
  /** How long this context keeps idempotency keys. */
  idempotencyTtlHours: number;
  /** Marks the answer as the stored result of an earlier request with the same key (REPLAYED_HEADER). */
  markReplayed(): void;
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
  /** How long idempotency keys are kept. @default 24 */
  idempotencyTtlHours?: number;
  /** Queries run compiled (kit/compiled-executor.ts); false: graphql-js executes everything. @default true */
  compiledExecution?: boolean;
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
 * this subgraph, and any signature this process has already seen (a replay).
 */
const signatureCheck = (secret: string, audience: ContextName) => {
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
    return 'refused' in result ? result.refused : guard.admit(result.verified);
  };
};

const REPLAY_STATE = Symbol('replay');

/** Tells the caller (the gateway) that this answer repeats a stored result. */
const replayHeader: ApolloServerPlugin<object> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const state = (contextValue as { [REPLAY_STATE]?: { replayed: boolean } })[REPLAY_STATE];
        if (state?.replayed) response.http.headers.set(REPLAYED_HEADER, 'true');
      },
    };
  },
};

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
  const executes = compiled ? { gateway: compiledExecutionGateway(schema, compiled) } : { schema };
  const formatError = maskInternalErrors(def.name, log);
  const apollo = new ApolloServer<SubgraphContext<Db, Loaders>>({
    ...executes,
    includeStacktraceInErrorResponses: opts.debugErrors === true && !opts.production,
    formatError,
    stopOnTerminationSignals: false, // platform/lifecycle.ts owns shutdown
    // Apollo's default cache-control and inline-trace plugins hook every resolved field
    // (a good part of Apollo's CPU per `_entities` request: bench/micro/subgraph-plugins.ts, BENCHMARKS.md); this
    // stack sets no cache hints and sends no traces to Apollo.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      def.metrics.operationPlugin(def.name),
      replayHeader,
    ],
    logger: log,
  });
  await apollo.start();
  const workers = new Map(def.workers.map((w) => [w.name, w]));
  const wake = (name: string) => workers.get(name)?.wake();
  const context = async (req: IncomingMessage): Promise<SubgraphContext<Db, Loaders>> => {
    const replay = { replayed: false };
    const value: SubgraphContext<Db, Loaders> & { [REPLAY_STATE]: typeof replay } = {
      db: def.db,
      loaders: def.createLoaders(),
      servedBy,
      retry: opts.retry,
      log,
      wake,
      idempotencyKey: idempotencyKeyOf(req.headers),
      idempotencyTtlHours: opts.idempotencyTtlHours ?? 24,
      markReplayed: () => {
        replay.replayed = true;
      },
      [REPLAY_STATE]: replay,
    };
    return value;
  };
  const http = await startHttpServer(
    {
      apollo,
      log,
      metrics: def.metrics,
      ready: def.ping,
      context,
      shortcut: compiled
        ? leanRoute({
            execution: compiled,
            context,
            formatError,
            includeStacktrace: opts.debugErrors === true && !opts.production,
            metrics: def.metrics,
            service: def.name,
          })
        : undefined,
      routes: def.workers.flatMap((w) => w.routes ?? []),
      authenticate: opts.secret ? signatureCheck(opts.secret, def.name) : undefined,
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
