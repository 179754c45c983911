/**
 * Structured JSON logs (pino), one logger per process, child loggers per component.
 * Credentials never reach a log line; addresses do (where a process listens, which
 * database it uses): a URL keeps its host, port and path, its user name and password are
 * replaced (`postgresql://[redacted]@db:26257/account`).
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACTED = '[redacted]';

/** `url` with any user name and password replaced; anything that is not a URL with credentials unchanged. */
export function withoutCredentials(value: unknown): unknown {
  if (typeof value !== 'string' || !value.includes('@')) return value;
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${REDACTED}@`);
}

/** Fields that hold URLs: kept, less their credentials. */
const URL_FIELDS = ['url', 'connectionString', 'databaseUrl', 'adminUrl'];
/** Fields that are secrets whatever they hold. */
const SECRET_FIELDS = ['password', 'secret', 'subgraphSecret'];

const anywhere = (fields: string[]) => fields.flatMap((f) => [f, `*.${f}`]);

/**
 * `level`: the process's LOG_LEVEL, which its main reads through platform/config.ts (this
 * module reads no environment); `destination`: where the lines go (default stdout).
 */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  const secrets = new Set(SECRET_FIELDS);
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [...anywhere(URL_FIELDS), ...anywhere(SECRET_FIELDS)],
      censor: (value: unknown, path: string[]) =>
        secrets.has(path[path.length - 1] ?? '') ? REDACTED : withoutCredentials(value),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
