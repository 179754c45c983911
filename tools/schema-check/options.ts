/**
 * The command line of `npm run schema:check`, parsed into RunOptions. Anything it does not
 * understand is a UsageError (exit code 2), never silently ignored.
 */
import path from 'node:path';
import { CONTEXTS, type ContextName } from '../../platform/config';
import { CHECK_NAMES, type CheckName } from './report';
import type { RunOptions } from './run';
import { UsageError } from './sources';

export const USAGE = `usage: npm run schema:check -- [options]

Checks the federated schema and the Prisma schemas; exit 0 clean, 1 a check failed, 2 usage error.

  --only <checks>            comma-separated subset of: ${CHECK_NAMES.join(', ')}
  --base-ref <ref>           git ref whose committed subgraph SDL is the base for breaking changes
                             (default: the published schema, tools/schema-check/published.graphql)
  --base-file <path>         SDL file (API schema or supergraph) to use as the base instead
  --subgraph-url <name>=<url>  check this already-running subgraph instead of starting it here
                             (repeatable; name is one of ${CONTEXTS.join(', ')})
  --admin-url <url>          PostgreSQL admin URL for the Prisma drift check's scratch databases
                             (default: a throwaway embedded PostgreSQL)
  --json                     one JSON object for tools instead of the report
  -h, --help                 this text`;

export interface CliOptions {
  run: RunOptions;
  json: boolean;
  help: boolean;
}

function httpUrl(flag: string, value: string, protocols: RegExp): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${value}`);
  }
  if (!protocols.test(u.protocol)) throw new UsageError(`${flag}: unsupported URL scheme ${u.protocol} in ${value}`);
  return value;
}

export function parseArgs(argv: string[]): CliOptions {
  const out: CliOptions = { run: {}, json: false, help: false };
  const urls: Partial<Record<ContextName, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--json':
        out.json = true;
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      case '--only': {
        const names = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !(CHECK_NAMES as readonly string[]).includes(n));
        if (unknown.length || !names.length)
          throw new UsageError(
            `--only: unknown check(s) ${unknown.join(', ') || '(none given)'}; choose from ${CHECK_NAMES.join(', ')}`,
          );
        out.run.only = names as CheckName[];
        break;
      }
      case '--base-ref':
        if (out.run.base) throw new UsageError('give one of --base-ref and --base-file');
        out.run.base = { ref: value() };
        break;
      case '--base-file':
        if (out.run.base) throw new UsageError('give one of --base-ref and --base-file');
        out.run.base = { file: path.resolve(value()) };
        break;
      case '--subgraph-url': {
        const v = value();
        const sep = v.indexOf('=');
        const name = v.slice(0, sep) as ContextName;
        if (sep < 1 || !CONTEXTS.includes(name))
          throw new UsageError(
            `--subgraph-url: expected <name>=<url> with name one of ${CONTEXTS.join(', ')}, got ${v}`,
          );
        urls[name] = httpUrl('--subgraph-url', v.slice(sep + 1), /^https?:$/);
        break;
      }
      case '--admin-url':
        out.run.adminUrl = httpUrl('--admin-url', value(), /^postgres(ql)?:$/);
        break;
      default:
        throw new UsageError(`unknown ${arg.startsWith('-') ? 'option' : 'argument'}: ${arg}`);
    }
  }
  if (Object.keys(urls).length) out.run.subgraphUrls = urls;
  return out;
}
