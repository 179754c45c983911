/**
 * Check 3, breaking changes: the composed API schema (what clients of the gateway see)
 * against a base, with @graphql-inspector/core's diff(). The base is, by default, the
 * published API schema (published.graphql, written by `npm run schema:publish`); or the
 * committed SDL files at a git ref, composed the same way; or an SDL file holding an API
 * schema or a supergraph. Breaking changes fail unless acknowledged
 * (acknowledged.ts); dangerous and safe changes are listed as notes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { matches, readAcknowledgements, suggestedEntry, DEFAULT_ACKNOWLEDGED_PATH } from './acknowledged';
import { compose } from './composition';
import type { Problem } from './report';
import {
  defaultBaseRef,
  displayPath,
  readSubgraphsAtRef,
  UsageError,
  type SdlPaths,
  type SubgraphSource,
} from './sources';

export type BaseSpec = { ref: string } | { file: string } | { label: string; sources: SubgraphSource[] };

export interface ResolvedBase {
  label: string;
  /** Undefined when there is nothing to compare with (no commit yet, or the base does not compose). */
  schema?: GraphQLSchema;
  notes: string[];
}

/** published.ts's PUBLISHED_PATH (not imported: published.ts imports this module). */
const PUBLISHED_FILE = path.resolve(__dirname, 'published.graphql');

const isSupergraph = (sdl: string) => /specs\.apollo\.dev\/join\//.test(sdl);

/** Reads the base SDL file: a supergraph (its API schema is taken) or a plain API schema. */
export function apiSchemaFromFile(file: string): GraphQLSchema {
  if (!fs.existsSync(file)) throw new UsageError(`--base-file ${file}: no such file`);
  const sdl = fs.readFileSync(file, 'utf8');
  try {
    return isSupergraph(sdl) ? Supergraph.build(sdl).apiSchema().toGraphQLJSSchema() : buildSchema(sdl);
  } catch (err) {
    throw new UsageError(`--base-file ${file}: not a valid API schema or supergraph: ${(err as Error).message}`);
  }
}

/** Resolves the base before any check runs, so a bad ref or file is a usage error (exit 2). */
export function resolveBase(spec: BaseSpec | undefined, sdlPaths?: SdlPaths): ResolvedBase {
  if (spec && 'file' in spec) return { label: displayPath(spec.file), schema: apiSchemaFromFile(spec.file), notes: [] };
  if (!spec && fs.existsSync(PUBLISHED_FILE)) {
    return {
      label: `the published schema (${displayPath(PUBLISHED_FILE)})`,
      schema: apiSchemaFromFile(PUBLISHED_FILE),
      notes: [],
    };
  }
  let label: string;
  let sources: SubgraphSource[];
  const notes: string[] = [];
  if (spec && 'sources' in spec) {
    ({ label, sources } = spec);
  } else {
    const ref = spec?.ref ?? defaultBaseRef();
    if (!ref) return { label: '(none)', notes: ['no base: the repository has no commit yet; nothing to compare with'] };
    const atRef = readSubgraphsAtRef(ref, sdlPaths);
    label = `git ${ref}`;
    sources = atRef.sources;
    if (atRef.missing.length) notes.push(`subgraphs absent at ${ref} (new since): ${atRef.missing.join(', ')}`);
    if (!sources.length) return { label, notes: [...notes, `no subgraph SDL at ${ref}; nothing to compare with`] };
  }
  const outcome = compose(sources);
  if (!outcome.composed) {
    return {
      label,
      notes: [...notes, `the base (${label}) does not compose, so breaking changes against it cannot be computed`],
    };
  }
  return { label, schema: outcome.composed.apiSchema, notes };
}

export interface BreakingOptions {
  acknowledgedPath?: string;
}

const describe = (c: Change) => `${c.type}${c.path ? ` ${c.path}` : ''}: ${c.message}`;

export async function checkBreaking(
  current: GraphQLSchema | undefined,
  base: ResolvedBase,
  opts: BreakingOptions = {},
): Promise<{ problems: Problem[]; notes: string[] }> {
  const ackFile = opts.acknowledgedPath ?? DEFAULT_ACKNOWLEDGED_PATH;
  const problems: Problem[] = [];
  const notes = [...base.notes];
  if (!current)
    return { problems: [{ message: 'cannot be checked: the subgraphs do not compose (see composition)' }], notes };
  const acks = readAcknowledgements(ackFile);
  if (acks.error) problems.push({ where: displayPath(ackFile), message: acks.error });
  if (!base.schema) return { problems, notes };

  const changes = await diff(base.schema, current);
  const used = new Set<number>();
  const safe: Change[] = [];
  for (const change of changes) {
    const level = change.criticality.level;
    if (level === CriticalityLevel.Breaking) {
      const i = acks.entries.findIndex((a) => matches(a, change));
      if (i >= 0) {
        used.add(i);
        notes.push(`acknowledged breaking change ${describe(change)} (reason: ${acks.entries[i]!.reason})`);
      } else {
        problems.push({
          where: change.path,
          message: `breaking change against ${base.label}: ${change.type}: ${change.message}`,
          detail: [
            ...(change.criticality.reason ? [change.criticality.reason] : []),
            `if intended, acknowledge it in ${displayPath(ackFile)}: ${suggestedEntry(change)}`,
          ],
        });
      }
    } else if (level === CriticalityLevel.Dangerous) {
      notes.push(
        `dangerous change (not failing): ${describe(change)}${change.criticality.reason ? ` (${change.criticality.reason})` : ''}`,
      );
    } else {
      safe.push(change);
    }
  }
  if (safe.length)
    notes.push(
      [
        `${safe.length} safe change(s) against ${base.label}:`,
        ...safe.slice(0, 15).map(describe),
        ...(safe.length > 15 ? [`… and ${safe.length - 15} more`] : []),
      ].join('\n'),
    );
  if (!changes.length) notes.push(`API schema unchanged against ${base.label}`);
  acks.entries.forEach((a, i) => {
    if (!used.has(i))
      notes.push(
        `unused acknowledgement ${a.type} ${a.path ?? a.message} (no such breaking change against ${base.label}; remove it once merged)`,
      );
  });
  return { problems, notes };
}
