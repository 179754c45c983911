/**
 * The environment variables every process reads, with their types, bounds and defaults: one
 * zod schema, the table of what can be configured. platform/config.ts parses it (and turns
 * bad values into one-line errors) and builds the typed Config from it; nothing else reads it.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const postgresUrl = z
  .string()
  .url()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL')
  .optional();
/**
 * A subgraph's URL, or its replicas' URLs separated by commas (the gateway balances over them,
 * gateway/upstream/replicas.ts): each an http(s):// URL, all with one path (the request signature covers
 * it), no origin twice. A bad entry is named by its position, not echoed.
 */
const httpUrlList = z.string().transform((value, ctx) => {
  const entries = value.split(',').map((e) => e.trim());
  const bad = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  const urls: URL[] = [];
  for (const [i, entry] of entries.entries()) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    const which = entries.length === 1 ? 'must be' : `entry ${i + 1} of ${entries.length} must be`;
    if (!url || !/^https?:$/.test(url.protocol)) return bad(`${which} an http(s):// URL`);
    if (urls.some((u) => u.origin === url.origin)) return bad(`${which} a replica not listed before it`);
    if (urls[0] && url.pathname !== urls[0].pathname) return bad(`${which} on the first entry's path`);
    urls.push(url);
  }
  return entries;
});
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    // Node's own (read by node before this code runs, never by config.ts): listed so that the
    // deployments' environments, which set the heap bound with it (docs/memory.md), validate.
    NODE_OPTIONS: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // auto: human-readable lines when stdout is a terminal, JSON lines otherwise (platform/logger.ts).
    LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
    // Stack traces in GraphQL errors' extensions (development only; never in production).
    DEBUG_ERRORS: bool.default(false),
    INSTANCE_NAME: z.string().min(1).default(os.hostname()),
    GATEWAY_PORT: port(4000),
    ACCOUNT_PORT: port(4001),
    DATA_PORT: port(4002),
    IMAGE_PORT: port(4003),
    HOST: z.string().min(1).default('127.0.0.1'),
    // `npm start` only: processes per service; replica k of a service on port P listens on P + 10·k.
    REPLICAS: z.coerce.number().int().min(1).max(10).default(1),
    // Any subset: a subgraph process is given only its own context's URL.
    ACCOUNT_DATABASE_URL: postgresUrl,
    DATA_DATABASE_URL: postgresUrl,
    IMAGE_DATABASE_URL: postgresUrl,
    // The migrator users' URLs (DDL), for the migration runner only (prisma/tools/migrate-cli.ts);
    // unset: it migrates with *_DATABASE_URL.
    ACCOUNT_MIGRATION_DATABASE_URL: postgresUrl,
    DATA_MIGRATION_DATABASE_URL: postgresUrl,
    IMAGE_MIGRATION_DATABASE_URL: postgresUrl,
    // Passwords kept apart from the URLs (a Secret each); config.ts percent-encodes them into the URL.
    ACCOUNT_DATABASE_PASSWORD: z.string().min(1).optional(),
    DATA_DATABASE_PASSWORD: z.string().min(1).optional(),
    IMAGE_DATABASE_PASSWORD: z.string().min(1).optional(),
    ACCOUNT_MIGRATION_DATABASE_PASSWORD: z.string().min(1).optional(),
    DATA_MIGRATION_DATABASE_PASSWORD: z.string().min(1).optional(),
    IMAGE_MIGRATION_DATABASE_PASSWORD: z.string().min(1).optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_DIALECT: z.enum(['postgresql', 'cockroachdb']).default('postgresql'),
    ACCOUNT_SUBGRAPH_URL: httpUrlList.optional(),
    DATA_SUBGRAPH_URL: httpUrlList.optional(),
    IMAGE_SUBGRAPH_URL: httpUrlList.optional(),
    SUPERGRAPH_PATH: z.string().min(1).default(path.resolve(__dirname, '../gateway/supergraph.graphql')),
    GATEWAY_COMPOSE_AT_START: bool.default(false),
    GATEWAY_COALESCE: bool.default(true),
    GATEWAY_LEAN_PATH: bool.default(true),
    GATEWAY_GATHER_WINDOW_MS: z.coerce.number().int().min(0).max(1_000).default(5),
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
    SUBGRAPH_RETRY_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(50),
    SUBGRAPH_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(400),
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
    // 0: no eager delivery, the relay alone (subgraphs/account/outbox/eager.ts).
    OUTBOX_EAGER_DEADLINE_MS: z.coerce.number().int().min(0).max(10_000).default(500),
    // Set: GET /accounts/10000 records a VIP notification, published to RabbitMQ by the relay
    // (subgraphs/account/outbox/vip.ts). The gateway reads only whether it is set.
    VIP_AMQP_URL: z
      .string()
      .regex(/^amqps?:\/\/\S+$/, 'must be an amqp:// or amqps:// URL')
      .optional(),
    VIP_AMQP_QUEUE: z.string().min(1).max(255).default('vip_queue'),
    SUBGRAPH_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
    // Bearer token for the operational routes that show data (platform/operator-access.ts).
    OPERATOR_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
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
    // A request body must arrive whole within this time (platform/http.ts), or the request is cut.
    BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
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
    for (const name of ['GATEWAY_PORT', 'ACCOUNT_PORT', 'DATA_PORT', 'IMAGE_PORT'] as const) {
      if (env[name] + 10 * (env.REPLICAS - 1) > 65535) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `with REPLICAS=${env.REPLICAS} its last replica would listen on ${env[name] + 10 * (env.REPLICAS - 1)}, above 65535`,
        });
      }
    }
    if (env.OUTBOX_DELIVERY_TIMEOUT_MS >= env.OUTBOX_LEASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['OUTBOX_DELIVERY_TIMEOUT_MS'],
        message: 'must be shorter than OUTBOX_LEASE_MS, or two relays could deliver one row at once',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;
