/**
 * All configuration is read and validated here, once. Every process calls
 * `loadConfig()` and takes the part it needs; nothing else reads process.env.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export const CONTEXTS = ['account', 'data', 'image'] as const;
export type ContextName = (typeof CONTEXTS)[number];

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const postgresUrl = z
  .string()
  .url()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL')
  .optional();
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s):// URL');
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    INSTANCE_NAME: z.string().min(1).default(os.hostname()),
    GATEWAY_PORT: port(4000),
    ACCOUNT_PORT: port(4001),
    DATA_PORT: port(4002),
    IMAGE_PORT: port(4003),
    HOST: z.string().min(1).default('127.0.0.1'),
    // Any subset: a subgraph process is given only its own context's URL.
    ACCOUNT_DATABASE_URL: postgresUrl,
    DATA_DATABASE_URL: postgresUrl,
    IMAGE_DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_DIALECT: z.enum(['postgresql', 'cockroachdb']).default('postgresql'),
    ACCOUNT_SUBGRAPH_URL: httpUrl.optional(),
    DATA_SUBGRAPH_URL: httpUrl.optional(),
    IMAGE_SUBGRAPH_URL: httpUrl.optional(),
    SUPERGRAPH_PATH: z.string().min(1).default(path.resolve(__dirname, '../gateway/supergraph.graphql')),
    GATEWAY_COMPOSE_AT_START: bool.default(false),
    EMBEDDED_PG_DIR: z.string().min(1).default(path.resolve('.data/postgres')), // relative to the working directory
    EMBEDDED_PG_PORT: port(54329),
    SEED_ACCOUNTS: z.coerce.number().int().min(0).max(10_000_000).default(100),
    TX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
    SUBGRAPH_MUTATION_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(10_000),
    IDEMPOTENCY_KEY_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(24, 'must be at least 24 (clients may retry for a day)')
      .max(24 * 30)
      .default(24),
    IDEMPOTENCY_PRUNE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
    SUBGRAPH_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    SUBGRAPH_DEDUP: bool.default(true),
    SUBGRAPH_COMPILED_EXECUTION: bool.default(true),
    SUBGRAPH_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(1_000).default(5),
    SUBGRAPH_BREAKER_HALF_OPEN_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),
    OUTBOX_RELAY: bool.default(true),
    OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
    OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(50),
    OUTBOX_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
    OUTBOX_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    OUTBOX_MAX_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
    SUBGRAPH_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
    QUERY_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(10),
    QUERY_MAX_ALIASES: z.coerce.number().int().min(0).max(1_000).default(30),
    QUERY_MAX_TOKENS: z.coerce.number().int().min(10).max(1_000_000).default(5_000),
    QUERY_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1_000).default(50),
    QUERY_MAX_COST: z.coerce.number().int().min(1).max(10_000_000).default(20_000),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1_024)
      .max(100 * 1024 * 1024)
      .default(1024 * 1024),
    // Unset: on, except with NODE_ENV=production.
    PLAYGROUND: bool.optional(),
    INTROSPECTION: bool.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.SUBGRAPH_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SUBGRAPH_SECRET'],
        message: 'is required in production: subgraphs must answer only the gateway',
      });
    }
    if (env.OUTBOX_DELIVERY_TIMEOUT_MS >= env.OUTBOX_LEASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['OUTBOX_DELIVERY_TIMEOUT_MS'],
        message: 'must be shorter than OUTBOX_LEASE_MS, or two relays could deliver one row at once',
      });
    }
  });

export type Env = z.infer<typeof schema>;

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
  poolSize: number;
  /** What the databases are: 'cockroachdb' turns on its follower reads (subgraphs/kit/dialect.ts). */
  dialect: 'postgresql' | 'cockroachdb';
  subgraphUrls: Record<ContextName, string>;
  supergraphPath: string;
  composeAtStart: boolean;
  embedded: { dir: string; port: number };
  seedAccounts: number;
  txMaxAttempts: number;
  outbox: OutboxConfig;
  /** How the gateway treats each subgraph (see gateway/resilience.ts). */
  resilience: {
    timeoutMs: number;
    mutationTimeoutMs: number;
    dedup: boolean;
    attempts: number;
    breakerThreshold: number;
    halfOpenAfterMs: number;
  };
  /** Idempotency keys of the writes (subgraphs/kit/idempotency.ts): kept `ttlHours`, pruned every `pruneIntervalMs`. */
  idempotency: { ttlHours: number; pruneIntervalMs: number };
  /** Subgraphs run queries compiled (subgraphs/kit/compiled-executor.ts); false: graphql-js executes everything. */
  compiledExecution: boolean;
  /** Shared by the gateway and the subgraphs to sign / check requests; unset (development only): subgraphs answer anyone. */
  subgraphSecret: string | undefined;
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxDirectives: number;
    maxCost: number;
    hideSuggestions: boolean;
  };
  maxBodyBytes: number;
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
  let field = (schema.shape as Record<string, unknown>)[name];
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
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((i) => describeIssue(i, raw)).join('; ')}`);
  }
  const e = parsed.data;
  const ports = { gateway: e.GATEWAY_PORT, account: e.ACCOUNT_PORT, data: e.DATA_PORT, image: e.IMAGE_PORT };
  const subgraphUrl = (c: ContextName, given: string | undefined) => given ?? `http://${e.HOST}:${ports[c]}/graphql`;
  return {
    env: e.NODE_ENV,
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
    instanceName: e.INSTANCE_NAME,
    host: e.HOST,
    ports,
    databaseUrls: Object.fromEntries(
      CONTEXTS.flatMap((c) => {
        const url = e[databaseUrlVariable(c)];
        return url ? [[c, url]] : [];
      }),
    ),
    poolSize: e.DATABASE_POOL_SIZE,
    dialect: e.DATABASE_DIALECT,
    subgraphUrls: {
      account: subgraphUrl('account', e.ACCOUNT_SUBGRAPH_URL),
      data: subgraphUrl('data', e.DATA_SUBGRAPH_URL),
      image: subgraphUrl('image', e.IMAGE_SUBGRAPH_URL),
    },
    supergraphPath: e.SUPERGRAPH_PATH,
    composeAtStart: e.GATEWAY_COMPOSE_AT_START,
    embedded: { dir: e.EMBEDDED_PG_DIR, port: e.EMBEDDED_PG_PORT },
    seedAccounts: e.SEED_ACCOUNTS,
    txMaxAttempts: e.TX_MAX_ATTEMPTS,
    resilience: {
      timeoutMs: e.SUBGRAPH_TIMEOUT_MS,
      mutationTimeoutMs: e.SUBGRAPH_MUTATION_TIMEOUT_MS,
      dedup: e.SUBGRAPH_DEDUP,
      attempts: e.SUBGRAPH_ATTEMPTS,
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
    },
    subgraphSecret: e.SUBGRAPH_SECRET,
    limits: {
      maxDepth: e.QUERY_MAX_DEPTH,
      maxAliases: e.QUERY_MAX_ALIASES,
      maxTokens: e.QUERY_MAX_TOKENS,
      maxDirectives: e.QUERY_MAX_DIRECTIVES,
      maxCost: e.QUERY_MAX_COST,
      hideSuggestions: e.NODE_ENV === 'production',
    },
    maxBodyBytes: e.MAX_BODY_BYTES,
    playground: e.PLAYGROUND ?? e.NODE_ENV !== 'production',
    introspection: e.INTROSPECTION ?? e.NODE_ENV !== 'production',
  };
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
 * without any variable ending in _DATABASE_URL (every context's URL, migration and admin
 * URLs), plus `contexts`' own URLs from `urls`. A subgraph: its own context; the gateway: none.
 */
export function withDatabaseUrls(
  base: NodeJS.ProcessEnv,
  urls: Partial<Record<ContextName, string>>,
  contexts: readonly ContextName[],
): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(base).filter(([k]) => !k.endsWith('_DATABASE_URL')));
  for (const c of contexts) {
    const url = urls[c];
    if (!url) throw new ConfigError(`no database URL for the ${c} context to pass on as ${databaseUrlVariable(c)}`);
    env[databaseUrlVariable(c)] = url;
  }
  return env;
}
