/**
 * All configuration is read and validated here, once. Every process calls
 * `loadConfig()` and takes the part it needs; nothing else reads process.env.
 */
import { z } from 'zod';
import { envSchema, type Env } from './env-schema';
import { CONTEXTS, ConfigError, configOf, type Config, type ContextName } from './config-shape';

export type { Env };
export { CONTEXTS, ConfigError, withPassword, type Config, type ContextName, type OutboxConfig } from './config-shape';

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
  return configOf(parsed.data);
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
