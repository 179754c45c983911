/**
 * The configuration every process reads, as one value derived from the validated variables
 * (platform/env-schema.ts, whose zod schema gives `Env` its type): `configOf` is the only
 * mapping, and `Config` is its inferred type, so a setting is declared once (its variable, in
 * the schema) and shaped once (here). platform/config.ts parses the environment into it.
 */
import type { Env } from './env-schema';

export const CONTEXTS = ['account', 'data', 'image'] as const;
export type ContextName = (typeof CONTEXTS)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The configuration of `e`, a parsed environment (platform/config.ts `loadConfig`). */
export function configOf(e: Env) {
  const ports = { gateway: e.GATEWAY_PORT, account: e.ACCOUNT_PORT, data: e.DATA_PORT, image: e.IMAGE_PORT };
  const replicas = (c: ContextName, given: string[] | undefined) => given ?? [`http://${e.HOST}:${ports[c]}/graphql`];
  const subgraphReplicas = {
    account: replicas('account', e.ACCOUNT_SUBGRAPH_URL),
    data: replicas('data', e.DATA_SUBGRAPH_URL),
    image: replicas('image', e.IMAGE_SUBGRAPH_URL),
  };
  return {
    env: e.NODE_ENV,
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    /** How log lines are written: 'auto' is human-readable on a terminal, JSON otherwise. */
    logFormat: e.LOG_FORMAT,
    /** GraphQL errors carry their stack trace (development only: never in production). */
    debugErrors: e.DEBUG_ERRORS && e.NODE_ENV !== 'production',
    /** `npm start`: how many processes of each service (deploy/local/topology.ts). */
    replicas: e.REPLICAS,
    instanceName: e.INSTANCE_NAME,
    host: e.HOST,
    ports,
    /**
     * App-user URLs of the contexts whose *_DATABASE_URL is set: a subgraph process gets only
     * its own (databaseUrlOf), the launcher, migrator and seeder all three or none (allDatabaseUrls).
     */
    databaseUrls: urlsOf(e, ''),
    /** The migrator users' URLs (<CTX>_MIGRATION_DATABASE_URL), for the migration runner only. */
    migrationDatabaseUrls: urlsOf(e, 'MIGRATION_'),
    poolSize: e.DATABASE_POOL_SIZE,
    /** What the databases are: 'cockroachdb' turns on its follower reads (subgraphs/kit/dialect.ts). */
    dialect: e.DATABASE_DIALECT,
    /** Each subgraph's URL: its first replica's, for what needs one (composition, the outbox relay, tools). */
    subgraphUrls: {
      account: subgraphReplicas.account[0]!,
      data: subgraphReplicas.data[0]!,
      image: subgraphReplicas.image[0]!,
    },
    /** Each subgraph's replicas' URLs (one or more, *_SUBGRAPH_URL's comma-separated list): the gateway balances over them. */
    subgraphReplicas,
    supergraphPath: e.SUPERGRAPH_PATH,
    composeAtStart: e.GATEWAY_COMPOSE_AT_START,
    /** Identical queries in flight at the gateway answered by one execution (gateway/coalesce.ts). */
    coalesce: e.GATEWAY_COALESCE,
    /** Known queries answered without Apollo Server's pipeline (gateway/lean-route.ts). */
    leanPath: e.GATEWAY_LEAN_PATH,
    embedded: { dir: e.EMBEDDED_PG_DIR, port: e.EMBEDDED_PG_PORT },
    seedAccounts: e.SEED_ACCOUNTS,
    txMaxAttempts: e.TX_MAX_ATTEMPTS,
    /** How the gateway treats each subgraph (gateway/upstream/fetcher.ts composes the pieces). */
    resilience: {
      timeoutMs: e.SUBGRAPH_TIMEOUT_MS,
      mutationTimeoutMs: e.SUBGRAPH_MUTATION_TIMEOUT_MS,
      dedup: e.SUBGRAPH_DEDUP,
      /** Sharing only what starts after a request arrived: how long a gathering waits (gateway/upstream/gather.ts). */
      gatherWindowMs: e.GATEWAY_GATHER_WINDOW_MS,
      attempts: e.SUBGRAPH_ATTEMPTS,
      /** Bounds of the first and of every backoff delay between a query's attempts (gateway/upstream/retry.ts). */
      retryDelayMs: e.SUBGRAPH_RETRY_DELAY_MS,
      retryMaxDelayMs: e.SUBGRAPH_RETRY_MAX_DELAY_MS,
      breakerThreshold: e.SUBGRAPH_BREAKER_THRESHOLD,
      halfOpenAfterMs: e.SUBGRAPH_BREAKER_HALF_OPEN_MS,
    },
    /** Idempotency keys of the writes (subgraphs/kit/idempotency.ts): kept `ttlHours`; they and the signature nonces are pruned every `pruneIntervalMs`. */
    idempotency: { ttlHours: e.IDEMPOTENCY_KEY_TTL_HOURS, pruneIntervalMs: e.IDEMPOTENCY_PRUNE_INTERVAL_MS },
    /** Subgraphs run queries compiled (subgraphs/kit/compiled-executor.ts); false: graphql-js executes everything. */
    compiledExecution: e.SUBGRAPH_COMPILED_EXECUTION,
    outbox: {
      /** Run a relay in this account subgraph process. */
      relay: e.OUTBOX_RELAY,
      pollMs: e.OUTBOX_POLL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      /** How long a claimed row is reserved for one relay; longer than any delivery may take. */
      leaseMs: e.OUTBOX_LEASE_MS,
      deliveryTimeoutMs: e.OUTBOX_DELIVERY_TIMEOUT_MS,
      maxBackoffMs: e.OUTBOX_MAX_BACKOFF_MS,
      /** A write delivers its events itself before answering, for at most this long (0: never; outbox/eager.ts). */
      eagerDeadlineMs: e.OUTBOX_EAGER_DEADLINE_MS,
    },
    /** Shared by the gateway and the subgraphs to sign / check requests; unset (development only): subgraphs answer anyone. */
    subgraphSecret: e.SUBGRAPH_SECRET,
    /** P13's VIP notification (subgraphs/account/outbox/vip.ts): on when amqpUrl is set. */
    vip: { amqpUrl: e.VIP_AMQP_URL, queue: e.VIP_AMQP_QUEUE },
    limits: {
      maxDepth: e.QUERY_MAX_DEPTH,
      maxAliases: e.QUERY_MAX_ALIASES,
      maxTokens: e.QUERY_MAX_TOKENS,
      maxDirectives: e.QUERY_MAX_DIRECTIVES,
      maxCost: e.QUERY_MAX_COST,
      hideSuggestions: e.NODE_ENV === 'production',
    },
    maxBodyBytes: e.MAX_BODY_BYTES,
    /** Longest time a request body may take to arrive (platform/http.ts); a trickling one is answered 408 and closed. */
    bodyTimeoutMs: e.BODY_TIMEOUT_MS,
    /** Bearer token that opens the operational routes showing data in production (platform/operator-access.ts). */
    operatorToken: e.OPERATOR_TOKEN,
    /** Gateway: serve the GraphiQL playground at GET / and GET /graphql (browsers). */
    playground: e.PLAYGROUND ?? e.NODE_ENV !== 'production',
    /** Gateway: answer introspection queries (the playground's docs explorer needs them). */
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
  };
}

/** Everything a process may be configured with. */
export type Config = ReturnType<typeof configOf>;
/** The outbox relay's part (subgraphs/account/outbox/). */
export type OutboxConfig = Config['outbox'];

/**
 * `url` with `password` in it, percent-encoded (any character works: `@:/?#%` included; pg
 * decodes it). Passwords come apart from the URLs (a Secret each), so nobody has to encode them
 * by hand. A URL that already carries a password and a password variable: refused (which wins?).
 */
export function withPassword(url: string, password: string | undefined, names: [string, string]): string {
  if (password === undefined) return url;
  const u = new URL(url);
  if (u.password) throw new ConfigError(`${names[1]}: ${names[0]} already has a password; give it in one place only`);
  if (!u.username) throw new ConfigError(`${names[1]}: ${names[0]} names no user for the password`);
  // The user's name ends at the first `@` (a name with one in it is percent-encoded already).
  return `${u.protocol}//${u.username}:${encodeURIComponent(password)}@${url.slice(url.indexOf('@') + 1)}`;
}

function urlsOf(e: Env, kind: '' | 'MIGRATION_'): Partial<Record<ContextName, string>> {
  const env = e as unknown as Record<string, string | undefined>;
  return Object.fromEntries(
    CONTEXTS.flatMap((c) => {
      const names: [string, string] = [
        `${c.toUpperCase()}_${kind}DATABASE_URL`,
        `${c.toUpperCase()}_${kind}DATABASE_PASSWORD`,
      ];
      const [url, password] = [env[names[0]], env[names[1]]];
      if (!url && password) throw new ConfigError(`${names[1]}: set ${names[0]} too (the password is for its user)`);
      return url ? [[c, withPassword(url, password, names)]] : [];
    }),
  );
}
