/**
 * Check 1, composition: the subgraphs' SDL composes with @apollo/composition. Each SDL
 * is parsed with its file name as the GraphQL Source, so the AST nodes that composition
 * errors and hints carry lead back to a file, line and column; the type/field they concern
 * is the hint's coordinate, or found by locating the node in its subgraph's document.
 */
import { composeServices, type CompositionSuccess } from '@apollo/composition';
import {
  parse,
  Source,
  type ASTNode,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { ContextName } from '../../platform/config';
import { DEFAULT_COMPOSE_URLS } from '../../gateway/compose';
import type { Problem } from './report';
import type { SubgraphSource } from './sources';

export interface Composed {
  supergraphSdl: string;
  /** The API schema clients see (federation machinery removed). */
  apiSchema: GraphQLSchema;
  hints: CompositionSuccess['hints'];
}

export interface CompositionOutcome {
  composed?: Composed;
  problems: Problem[];
  notes: string[];
}

type SubgraphNode = ASTNode & { subgraph?: string };

const contains = (outer: ASTNode | undefined, inner: ASTNode) =>
  !!outer?.loc &&
  !!inner.loc &&
  outer.loc.source === inner.loc.source &&
  outer.loc.start <= inner.loc.start &&
  inner.loc.end <= outer.loc.end;

/** The schema coordinate (Type, Type.field, Type.field(arg:)) of the definition enclosing `node`. */
function coordinateIn(doc: DocumentNode, node: ASTNode): string | undefined {
  // The definition kinds differ in which member lists they have: read them loosely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  for (const def of doc.definitions as readonly (DefinitionNode & Record<string, any>)[]) {
    if (!contains(def, node)) continue;
    const type: string = def.name?.value ?? (def.kind.startsWith('Schema') ? 'schema' : def.kind);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const members: any[] = [
      ...(def.fields ?? []),
      ...(def.values ?? []),
      ...(def.kind === 'DirectiveDefinition' ? (def.arguments ?? []) : []),
    ];
    const member = members.find((m) => contains(m, node));
    if (!member) return def.kind === 'DirectiveDefinition' ? `@${type}` : type;
    const arg = (member.arguments ?? []).find((a: ASTNode) => contains(a, node));
    return arg ? `${type}.${member.name.value}(${arg.name.value}:)` : `${type}.${member.name.value}`;
  }
  return undefined;
}

interface Parsed {
  source: SubgraphSource;
  doc: DocumentNode;
}

/** "subgraph data, subgraphs/data/schema.graphql:12:3 (Account.events)" for one node. */
function describeNode(node: SubgraphNode, parsed: Parsed[]): { text: string; coordinate?: string } {
  const owner =
    parsed.find((p) => node.loc?.source.name === p.source.file) ?? parsed.find((p) => p.source.name === node.subgraph);
  const coordinate = owner && coordinateIn(owner.doc, node);
  const start = node.loc?.startToken;
  const at = owner ? `${owner.source.file}${start ? `:${start.line}:${start.column}` : ''}` : 'location unknown';
  const name = owner?.source.name ?? node.subgraph ?? '?';
  return { text: `subgraph ${name}, ${at}${coordinate ? ` (${coordinate})` : ''}`, coordinate };
}

function located(
  code: string | undefined,
  message: string,
  nodes: readonly SubgraphNode[],
  parsed: Parsed[],
  coordinate?: string,
): Problem {
  const described = nodes.map((n) => describeNode(n, parsed));
  const coordinates = [...new Set([coordinate, ...described.map((d) => d.coordinate)].filter((c): c is string => !!c))];
  return {
    where: coordinates.length ? coordinates.join(', ') : undefined,
    message: `${code ? `[${code}] ` : ''}${message}`,
    detail: [...new Set(described.map((d) => d.text))],
  };
}

export function parseSources(sources: SubgraphSource[]): { parsed: Parsed[]; problems: Problem[] } {
  const parsed: Parsed[] = [];
  const problems: Problem[] = [];
  for (const source of sources) {
    try {
      parsed.push({ source, doc: parse(new Source(source.sdl, source.file)) });
    } catch (err) {
      const e = err as GraphQLError;
      const loc = e.locations?.[0];
      problems.push({
        where: `${source.file}${loc ? `:${loc.line}:${loc.column}` : ''}`,
        message: `subgraph ${source.name} does not parse: ${e.message}`,
      });
    }
  }
  return { parsed, problems };
}

/** Composes the sources with the URLs the committed supergraph carries. */
export function compose(
  sources: SubgraphSource[],
  urls: Partial<Record<ContextName, string>> = DEFAULT_COMPOSE_URLS,
): CompositionOutcome {
  const { parsed, problems } = parseSources(sources);
  if (problems.length) return { problems, notes: [] };
  const result = composeServices(
    parsed.map((p) => ({
      name: p.source.name,
      url: urls[p.source.name] ?? `http://${p.source.name}.invalid/graphql`,
      typeDefs: p.doc,
    })),
  );
  if (result.errors) {
    const errors = result.errors.map((e) =>
      located(e.extensions?.code as string | undefined, e.message, (e.nodes ?? []) as SubgraphNode[], parsed),
    );
    return { problems: errors, notes: [] };
  }
  const notes = result.hints.map((h) => {
    const p = located(h.definition.code, h.message, (h.nodes ?? []) as SubgraphNode[], parsed, h.coordinate);
    return [`hint ${p.where ? `${p.where}: ` : ''}${p.message}`, ...(p.detail ?? [])].join('\n');
  });
  return {
    composed: {
      supergraphSdl: result.supergraphSdl,
      apiSchema: result.schema.toAPISchema().toGraphQLJSSchema(),
      hints: result.hints,
    },
    problems: [],
    notes,
  };
}

/** The check itself: problems are composition (or parse) errors; hints are notes. */
export function checkComposition(sources: SubgraphSource[]): CompositionOutcome {
  return compose(sources);
}
