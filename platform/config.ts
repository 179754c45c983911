/**
 * All configuration is read and validated here, once. Every process calls
 * `loadConfig()` and takes the part it needs; nothing else reads process.env.
 */
import { z } from 'zod';
import { envSchema, type Env } from './env-schema';

export type { Env };

export const CONTEXTS = ['account', 'data', 'image'] as const;
export type ContextName = (typeof CONTEXTS)[number];

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  logLevel: Env['LOG_LEVEL'];
  instanceName: string;
  host: string;
  ports: Record<ContextName | 'gateway', number>;
  /**
   * App-user URLs of the contexts whose *_DATABASE_URL is set: a subgraph process gets only
   * its own (databaseUrlOf), the launcher, migrator and seeder all three or none (allDatabaseUrls).
   */
  databaseUrls: Partial<Record<ContextName, string>>;
  /** The migrator users' URLs (<CTX>_MIGRATION_DATABASE_URL), for the migration runner only. */
  migrationDatabaseUrls: Partial<Record<ContextName, string>>;
  poolSize: number;
  /** What the databases are: 'cockroachdb' turns on its follower reads (subgraphs/kit/dialect.ts). */
  dialect: 'postgresql' | 'cockroachdb';
  /** Each subgraph's URL: its first replica's, for what needs one (composition, the outbox relay, tools). */
  subgraphUrls: Record<ContextName, string>;
  /** Each subgraph's replicas' URLs (one or more, *_SUBGRAPH_URL's comma-separated list): the gateway balances over them. */
  subgraphReplicas: Record<ContextName, string[]>;
  supergraphPath: string;
  composeAtStart: boolean;
  /** Identical queries in flight at the gateway answered by one execution (gateway/coalesce.ts). */
  coalesce: boolean;
  embedded: { dir: string; port: number };
  seedAccounts: number;
  txMaxAttempts: number;
  outbox: OutboxConfig;
  /** How the gateway treats each subgraph (see gateway/resilience.ts). */
  resilience: {
    timeoutMs: number;
    mutationTimeoutMs: number;
    dedup: boolean;
    /** Sharing only what starts after a request arrived: how long a gathering waits (gateway/upstream/gather.ts). */
    gatherWindowMs: number;
    attempts: number;
    /** Bounds of the first and of every backoff delay between a query's attempts (gateway/upstream/retry.ts). */
    retryDelayMs: number;
    retryMaxDelayMs: number;
    breakerThreshold: number;
    halfOpenAfterMs: number;
  };
  /** Idempotency keys of the writes (subgraphs/kit/idempotency.ts): kept `ttlHours`; they and the signature nonces are pruned every `pruneIntervalMs`. */
  idempotency: { ttlHours: number; pruneIntervalMs: number };
  /** Subgraphs run queries compiled (subgraphs/kit/compiled-executor.ts); false: graphql-js executes everything. */
  compiledExecution: boolean;
  /** Shared by the gateway and the subgraphs to sign / check requests; unset (development only): subgraphs answer anyone. */
  subgraphSecret: string | undefined;
  /** P13's VIP notification (subgraphs/account/outbox/vip.ts): on when amqpUrl is set. */
  vip: { amqpUrl: string | undefined; queue: string };
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxDirectives: number;
    maxCost: number;
    hideSuggestions: boolean;
  };
  maxBodyBytes: number;
  /** Longest time a request body may take to arrive (platform/http.ts); a trickling one is answered 408 and closed. */
  bodyTimeoutMs: number;
  /** Bearer token that opens the operational routes showing data in production (platform/operator-access.ts). */
  operatorToken: string | undefined;
  /** Gateway: serve the GraphiQL playground at GET / and GET /graphql (browsers). */
  playground: boolean;
  /** Gateway: answer introspection queries (the playground's docs explorer needs them). */
  introspection: boolean;
}

export interface OutboxConfig {
  /** Run a relay in this account subgraph process. */
  relay: boolean;
  pollMs: number;
  batchSize: number;
  /** How long a claimed row is reserved for one relay; longer than any delivery may take. */
  leaseMs: number;
  deliveryTimeoutMs: number;
  maxBackoffMs: number;
  /** A write delivers its events itself before answering, for at most this long (0: never; outbox/eager.ts). */
  eagerDeadlineMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * A process's configuration, or, when it is invalid, one line on stderr naming what is
 * wrong (no stack trace: nothing in the code is at fault) and exit code 2.
 */
export function loadConfigOrExit(source: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

/** A variable's schema without its default / optional wrapper. */
function fieldSchema(name: string): unknown {
  let field = (envSchema.shape as Record<string, unknown>)[name];
  while (field && typeof (field as { unwrap?: unknown }).unwrap === 'function')
    field = (field as { unwrap(): unknown }).unwrap();
  return field;
}

/**
 * One issue as one line: what the variable accepts, and (for numbers and choices, never
 * URLs or secrets) the value it was given.
 */
function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? '');
  const field = fieldSchema(name);
  const given = raw[name] === undefined ? '' : ` (got ${JSON.stringify(raw[name])})`;
  if (field instanceof z.ZodNumber && issue.code !== 'custom') {
    const what = field.isInt ? 'an integer' : 'a number';
    return `${name}: must be ${what} from ${field.minValue} to ${field.maxValue}${given}`;
  }
  if (field instanceof z.ZodEnum && issue.code !== 'custom')
    return `${name}: must be one of ${field.options.join(', ')}${given}`;
  return `${issue.path.join('.') || '(config)'}: ${issue.message}`;
}

/** Parses and validates configuration; throws ConfigError naming every bad variable, on one line. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((i) => describeIssue(i, raw)).join('; ')}`);
  }
  const e = parsed.data;
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
    instanceName: e.INSTANCE_NAME,
    host: e.HOST,
    ports,
    databaseUrls: urlsOf(e, ''),
    migrationDatabaseUrls: urlsOf(e, 'MIGRATION_'),
    poolSize: e.DATABASE_POOL_SIZE,
    dialect: e.DATABASE_DIALECT,
    subgraphUrls: {
      account: subgraphReplicas.account[0]!,
      data: subgraphReplicas.data[0]!,
      image: subgraphReplicas.image[0]!,
    },
    subgraphReplicas,
    supergraphPath: e.SUPERGRAPH_PATH,
    composeAtStart: e.GATEWAY_COMPOSE_AT_START,
    coalesce: e.GATEWAY_COALESCE,
    embedded: { dir: e.EMBEDDED_PG_DIR, port: e.EMBEDDED_PG_PORT },
    seedAccounts: e.SEED_ACCOUNTS,
    txMaxAttempts: e.TX_MAX_ATTEMPTS,
    resilience: {
      timeoutMs: e.SUBGRAPH_TIMEOUT_MS,
      mutationTimeoutMs: e.SUBGRAPH_MUTATION_TIMEOUT_MS,
      dedup: e.SUBGRAPH_DEDUP,
      gatherWindowMs: e.GATEWAY_GATHER_WINDOW_MS,
      attempts: e.SUBGRAPH_ATTEMPTS,
      retryDelayMs: e.SUBGRAPH_RETRY_DELAY_MS,
      retryMaxDelayMs: e.SUBGRAPH_RETRY_MAX_DELAY_MS,
      breakerThreshold: e.SUBGRAPH_BREAKER_THRESHOLD,
      halfOpenAfterMs: e.SUBGRAPH_BREAKER_HALF_OPEN_MS,
    },
    idempotency: { ttlHours: e.IDEMPOTENCY_KEY_TTL_HOURS, pruneIntervalMs: e.IDEMPOTENCY_PRUNE_INTERVAL_MS },
    compiledExecution: e.SUBGRAPH_COMPILED_EXECUTION,
    outbox: {
      relay: e.OUTBOX_RELAY,
      pollMs: e.OUTBOX_POLL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      leaseMs: e.OUTBOX_LEASE_MS,
      deliveryTimeoutMs: e.OUTBOX_DELIVERY_TIMEOUT_MS,
      maxBackoffMs: e.OUTBOX_MAX_BACKOFF_MS,
      eagerDeadlineMs: e.OUTBOX_EAGER_DEADLINE_MS,
    },
    subgraphSecret: e.SUBGRAPH_SECRET,
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
    bodyTimeoutMs: e.BODY_TIMEOUT_MS,
    operatorToken: e.OPERATOR_TOKEN,
    playground: e.PLAYGROUND ?? e.NODE_ENV !== 'production',
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
  };
}

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

/** The variable that holds a context's database URL: ACCOUNT_DATABASE_URL, DATA_DATABASE_URL, IMAGE_DATABASE_URL. */
export function databaseUrlVariable(context: ContextName): `${Uppercase<ContextName>}_DATABASE_URL` {
  return `${context.toUpperCase() as Uppercase<ContextName>}_DATABASE_URL`;
}

/** The database URL of one context, or a clear error when the process was started without it. */
export function databaseUrlOf(config: Config, context: ContextName): string {
  const url = config.databaseUrls[context];
  if (!url) {
    throw new ConfigError(
      `${databaseUrlVariable(context)} is not set: this process needs the ${context} context's database (npm start sets it in embedded mode)`,
    );
  }
  return url;
}

/**
 * The three contexts' URLs, for the processes that work on every database (the launcher, the
 * migrator, the seeder); undefined when none is set (the embedded PostgreSQL provides them).
 * Only some set is an error for them, naming the missing variables.
 */
export function allDatabaseUrls(config: Config): Record<ContextName, string> | undefined {
  const missing = CONTEXTS.filter((c) => !config.databaseUrls[c]);
  if (missing.length === CONTEXTS.length) return undefined;
  if (missing.length > 0) {
    throw new ConfigError(
      `this command works on all three databases: set ${missing.map(databaseUrlVariable).join(', ')} too, ` +
        'or none of the three for the embedded PostgreSQL',
    );
  }
  return {
    account: databaseUrlOf(config, 'account'),
    data: databaseUrlOf(config, 'data'),
    image: databaseUrlOf(config, 'image'),
  };
}

/**
 * The environment of a child process that may reach only the databases of `contexts`: `base`
 * without any variable ending in _DATABASE_URL or _DATABASE_PASSWORD (every context's URL, migration and admin
 * URLs), plus `contexts`' own URLs from `urls`. A subgraph: its own context; the gateway: none.
 */
export function withDatabaseUrls(
  base: NodeJS.ProcessEnv,
  urls: Partial<Record<ContextName, string>>,
  contexts: readonly ContextName[],
): NodeJS.ProcessEnv {
  // Passwords go too: the URLs handed on carry them already (withPassword).
  const env = Object.fromEntries(Object.entries(base).filter(([k]) => !/_DATABASE_(URL|PASSWORD)$/.test(k)));
  for (const c of contexts) {
    const url = urls[c];
    if (!url) throw new ConfigError(`no database URL for the ${c} context to pass on as ${databaseUrlVariable(c)}`);
    env[databaseUrlVariable(c)] = url;
  }
  return env;
}
