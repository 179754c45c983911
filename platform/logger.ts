/**
 * Structured logs (pino), one logger per process, child loggers per component: JSON lines
 * for machines (log collectors, pipes), human-readable lines when a person reads them at a
 * terminal (LOG_FORMAT=auto|pretty|json; auto: pretty when stdout is a TTY).
 * Credentials never reach a log line; addresses do (where a process listens, which
 * database it uses): a URL keeps its host, port and path, its user name and password are
 * replaced (`postgresql://[redacted]@db:26257/account`).
 */
import pino, { type Logger } from 'pino';
import pretty, { prettyFactory } from 'pino-pretty';

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

export type LogFormat = 'auto' | 'pretty' | 'json';

/** Whether lines written to stdout in `format` are for a person: pretty, or auto at a terminal. */
export function isPretty(format: LogFormat, stream: { isTTY?: boolean } = process.stdout): boolean {
  return format === 'pretty' || (format === 'auto' && stream.isTTY === true);
}

/** pino-pretty's settings for every human-readable line: one line each, local time, the service (pino's name), no pid or host. */
const PRETTY = { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' };

/**
 * Where a process's log lines go: undefined (pino's own JSON to stdout), or pino-pretty in
 * this thread (synchronous, so a line written before process.exit is not lost).
 */
export function consoleOutput(format: LogFormat): pino.DestinationStream | undefined {
  return isPretty(format) ? pretty({ ...PRETTY, colorize: process.stdout.isTTY === true, sync: true }) : undefined;
}

/**
 * The launcher shows its children's JSON lines to a person: one JSON line in, one readable
 * line out (anything that is not a pino line, e.g. a crash's stack trace, unchanged).
 */
export function prettyLine(colorize: boolean): (line: string) => string {
  const format = prettyFactory({ ...PRETTY, colorize });
  return (line) => {
    if (!line.startsWith('{')) return `${line}\n`;
    try {
      return format(JSON.parse(line));
    } catch {
      return `${line}\n`;
    }
  };
}
