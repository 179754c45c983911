/**
 * Check 4, subgraph code vs SDL: what each running subgraph serves as `_service { sdl }`
 * equals its SDL file, and (for subgraphs started here) its resolvers fit that SDL.
 *
 * By default each subgraph is started in this process as the real HTTP server
 * (subgraphs/kit/subgraph.ts startSubgraph with the context's own factory), on a free
 * port, and asked over HTTP. That is cheap (BENCHMARKS.md has the time) and needs no database: the
 * factories build a Prisma client over @prisma/adapter-pg, whose pool connects on the first
 * query, and startSubgraph queries nothing (readiness is only probed by /ready). They get
 * an unreachable URL (127.0.0.1:1), so a stray query would fail fast instead of touching a
 * real database. No background workers run (the factories start none without a config).
 * Running the real server rather than rebuilding the schema here means the check sees
 * exactly what the server does with its SDL path and resolvers. `urls` checks
 * already-running subgraphs instead.
 *
 * Both SDLs are normalised the same way before comparing: built as a federation subgraph
 * (@apollo/federation-internals buildSubgraph, which adds the federation definitions the
 * server prints) and printed, so formatting and comments do not count; descriptions do.
 */
import { buildSubgraph, printSchema } from '@apollo/federation-internals';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { SchemaResolvers } from '../../subgraphs/kit/resolver-map';
import { isObjectType, isScalarType, isSpecifiedScalarType, parse, type GraphQLSchema } from 'graphql';
import type { ContextName } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { startSubgraph, type SubgraphDefinition } from '../../subgraphs/kit/subgraph';
import type { Problem } from './report';
import type { SubgraphSource } from './sources';
import { lineDiff } from './text-diff';

// The three contexts' client and loader types differ; the check treats them alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDefinition = SubgraphDefinition<any, any>;

export interface SubgraphSdlOptions {
  /** Check these already-running subgraphs (GraphQL endpoint URLs) instead of starting them. */
  urls?: Partial<Record<ContextName, string>>;
  /** Start these definitions (tests); default: the real factories, without a database. */
  definitions?: Partial<Record<ContextName, AnyDefinition>>;
  timeoutMs?: number;
}

/** A database URL nothing listens on: the factories need one, the check must not use it. */
export const UNUSED_DATABASE_URL = 'postgresql://schema_check:unused@127.0.0.1:1/schema_check_unused';

/** The real factories, loaded only when this check runs (they load the generated Prisma clients). */
function realDefinition(name: ContextName): AnyDefinition {
  switch (name) {
    case 'account':
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the check runs
      return (require('../../subgraphs/account') as typeof import('../../subgraphs/account')).accountSubgraph(
        UNUSED_DATABASE_URL,
        1,
      );
    case 'data':
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the check runs
      return (require('../../subgraphs/data') as typeof import('../../subgraphs/data')).dataSubgraph(
        UNUSED_DATABASE_URL,
        1,
      );
    case 'image':
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the check runs
      return (require('../../subgraphs/image') as typeof import('../../subgraphs/image')).imageSubgraph(
        UNUSED_DATABASE_URL,
        1,
      );
  }
}

async function fetchServiceSdl(url: string, timeoutMs: number): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => undefined)) as
    { data?: { _service?: { sdl?: string } }; errors?: { message: string }[] } | undefined;
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') {
    throw new Error(
      `no _service.sdl in the answer (HTTP ${res.status}${body?.errors ? `: ${body.errors.map((e) => e.message).join('; ')}` : ''})`,
    );
  }
  return sdl;
}

const normalise = (name: string, sdl: string) =>
  printSchema(buildSubgraph(name, 'http://schema-check.invalid', sdl).validate().schema);

const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'];
const FEDERATION_ROOT_FIELDS = new Set(['_service', '_entities']);

/** Resolvers for types/fields the SDL lacks, root fields without a resolver, custom scalars without an implementation. */
export function resolverProblems(name: string, schema: GraphQLSchema, resolvers: SchemaResolvers): Problem[] {
  const problems: Problem[] = [];
  const where = `subgraph ${name}`;
  for (const [typeName, entry] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) {
      problems.push({ where, message: `resolvers define type ${typeName}, which the SDL does not declare` });
      continue;
    }
    if (!isObjectType(type) || isScalarType(entry)) continue;
    const fields = type.getFields();
    for (const field of Object.keys(entry as object)) {
      if (!field.startsWith('__') && !fields[field])
        problems.push({ where, message: `resolver ${typeName}.${field} has no field in the SDL (it is never called)` });
    }
  }
  for (const root of ROOT_TYPES) {
    const type = schema.getType(root);
    if (!isObjectType(type)) continue;
    const implemented = (resolvers[root] ?? {}) as Record<string, unknown>;
    for (const field of Object.keys(type.getFields())) {
      if (!FEDERATION_ROOT_FIELDS.has(field) && !implemented[field]) {
        problems.push({
          where,
          message: `${root}.${field} is in the SDL but has no resolver (it would always return null)`,
        });
      }
    }
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type) || isSpecifiedScalarType(type) || type.name.startsWith('_') || type.name.includes('__'))
      continue;
    if (!resolvers[type.name])
      problems.push({
        where,
        message: `scalar ${type.name} is declared in the SDL but the resolvers do not implement it`,
      });
  }
  return problems;
}

async function served(
  name: ContextName,
  opts: SubgraphSdlOptions,
  timeoutMs: number,
): Promise<{ sdl: string; from: string; definition?: AnyDefinition }> {
  const url = opts.urls?.[name];
  if (url) return { sdl: await fetchServiceSdl(url, timeoutMs), from: url };
  const definition = opts.definitions?.[name] ?? realDefinition(name);
  const log = createLogger('schema-check', 'silent');
  const running = await startSubgraph(definition, {
    host: '127.0.0.1',
    port: 0,
    instanceName: 'schema-check',
    retry: { maxAttempts: 1 },
    log,
  });
  try {
    return {
      sdl: await fetchServiceSdl(running.url, timeoutMs),
      from: `in-process subgraph ${name} at ${running.url}`,
      definition,
    };
  } finally {
    await running.stop();
  }
}

async function checkOne(
  source: SubgraphSource,
  opts: SubgraphSdlOptions,
  timeoutMs: number,
): Promise<{ problems: Problem[]; note: string }> {
  const { name, file } = source;
  let got: Awaited<ReturnType<typeof served>>;
  try {
    got = await served(name, opts, timeoutMs);
  } catch (err) {
    return {
      problems: [
        { where: `subgraph ${name}`, message: `could not get its _service { sdl }: ${(err as Error).message}` },
      ],
      note: '',
    };
  }
  const problems: Problem[] = [];
  let expected: string;
  let actual: string;
  try {
    expected = normalise(name, source.sdl);
  } catch (err) {
    return {
      problems: [{ where: file, message: `is not a valid subgraph schema: ${(err as Error).message}` }],
      note: '',
    };
  }
  try {
    actual = normalise(name, got.sdl);
  } catch (err) {
    return {
      problems: [
        {
          where: `subgraph ${name}`,
          message: `serves an SDL that is not a valid subgraph schema: ${(err as Error).message}`,
        },
      ],
      note: '',
    };
  }
  if (expected !== actual) {
    problems.push({
      where: `subgraph ${name}`,
      message: `serves an SDL that differs from ${file}`,
      detail: lineDiff(expected, actual, {
        expectedLabel: `${file} (normalised)`,
        actualLabel: `${got.from} (normalised)`,
      }),
    });
  }
  if (got.definition) {
    const schema = buildSubgraphSchema({ typeDefs: parse(source.sdl) });
    problems.push(...resolverProblems(name, schema, got.definition.resolvers as SchemaResolvers));
  }
  return { problems, note: `${name}: ${got.from}` };
}

export async function checkSubgraphSdl(
  sources: SubgraphSource[],
  opts: SubgraphSdlOptions = {},
): Promise<{ problems: Problem[]; notes: string[] }> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const outcomes = await Promise.all(sources.map((s) => checkOne(s, opts, timeoutMs)));
  const checked = outcomes.map((o) => o.note).filter(Boolean);
  return {
    problems: outcomes.flatMap((o) => o.problems),
    notes: checked.length ? [`checked ${checked.join('; ')}`] : [],
  };
}
