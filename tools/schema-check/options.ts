/**
 * The command line of `npm run schema:check`, parsed into RunOptions. Anything it does not
 * understand is a UsageError (exit code 2), never silently ignored.
 */
import path from 'node:path';
import { CONTEXTS, type ContextName } from '../../platform/config';
import { CHECK_NAMES, type CheckName } from './report';
import type { RunOptions } from './run';
import { helpText, parseOrThrow, type CommandSpec } from '../cli';
import { UsageError } from './sources';

export const COMMAND = {
  script: 'schema:check',
  summary: 'Checks the federated schema and the Prisma schemas.',
  options: {
    only: { type: 'string', value: 'CHECKS', help: `comma-separated subset of: ${CHECK_NAMES.join(', ')}` },
    'base-ref': {
      type: 'string',
      value: 'REF',
      help: 'git ref whose committed subgraph SDL is the base for breaking changes (default: the published schema, tools/schema-check/published.graphql)',
    },
    'base-file': {
      type: 'string',
      value: 'PATH',
      help: 'SDL file (API schema or supergraph) to use as the base instead',
    },
    'subgraph-url': {
      type: 'string',
      multiple: true,
      value: 'NAME=URL',
      help: `check this already-running subgraph instead of starting it here (repeatable; NAME: ${CONTEXTS.join(', ')})`,
    },
    'admin-url': {
      type: 'string',
      value: 'URL',
      help: "PostgreSQL admin URL for the Prisma drift check's scratch databases (default: a throwaway embedded PostgreSQL)",
    },
    json: { type: 'boolean', help: 'one JSON object for tools instead of the report' },
  },
  exitCodes: { 0: 'every check passes', 1: 'a check failed' },
} satisfies CommandSpec;

export const USAGE = helpText(COMMAND);

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
  const { values, help } = parseOrThrow(COMMAND, argv);
  const out: CliOptions = { run: {}, json: values.json === true, help };
  if (values.only !== undefined) {
    const names = values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(CHECK_NAMES as readonly string[]).includes(n));
    if (unknown.length || !names.length)
      throw new UsageError(
        `--only: unknown check(s) ${unknown.join(', ') || '(none given)'}; choose from ${CHECK_NAMES.join(', ')}`,
      );
    out.run.only = names as CheckName[];
  }
  if (values['base-ref'] !== undefined && values['base-file'] !== undefined)
    throw new UsageError('give one of --base-ref and --base-file');
  if (values['base-ref'] !== undefined) out.run.base = { ref: values['base-ref'] };
  if (values['base-file'] !== undefined) out.run.base = { file: path.resolve(values['base-file']) };
  const urls: Partial<Record<ContextName, string>> = {};
  for (const v of values['subgraph-url'] ?? []) {
    const sep = v.indexOf('=');
    const name = v.slice(0, sep) as ContextName;
    if (sep < 1 || !CONTEXTS.includes(name))
      throw new UsageError(`--subgraph-url: expected <name>=<url> with name one of ${CONTEXTS.join(', ')}, got ${v}`);
    urls[name] = httpUrl('--subgraph-url', v.slice(sep + 1), /^https?:$/);
  }
  if (values['admin-url'] !== undefined)
    out.run.adminUrl = httpUrl('--admin-url', values['admin-url'], /^postgres(ql)?:$/);
  if (Object.keys(urls).length) out.run.subgraphUrls = urls;
  return out;
}
