/**
 * Runs the selected schema checks and returns their results in a fixed order. Every input
 * (SDL files, supergraph, base, acknowledgement file, subgraph endpoints, Prisma schemas and
 * migrations, database) is an option, defaulting to the repository's own, so tests run the
 * same code on modified copies. The base is resolved first: a bad ref or base file is a
 * UsageError before anything runs. The database-bound check starts first and runs while
 * the CPU-bound ones (composition, diff) work.
 */
import type { ContextName } from '../../platform/config';
import { checkSchemaDrift, type DriftTarget } from '../../prisma/tools/schema-drift';
import { DEFAULT_SUPERGRAPH_PATH } from '../../gateway/compose';
import { checkBreaking, resolveBase, type BaseSpec, type ResolvedBase } from './breaking';
import { compose, type CompositionOutcome } from './composition';
import { checkFreshness } from './freshness';
import { CHECK_NAMES, guarded, type CheckName, type CheckResult } from './report';
import { readSubgraphFiles, type SdlPaths } from './sources';
import { checkSubgraphSdl, type AnyDefinition } from './subgraph-sdl';

export interface RunOptions {
  /** The checks to run (default: all). */
  only?: readonly CheckName[];
  sdlPaths?: SdlPaths;
  supergraphPath?: string;
  /** Default: the published schema (published.graphql); without one, origin/main or HEAD. */
  base?: BaseSpec;
  acknowledgedPath?: string;
  subgraphUrls?: Partial<Record<ContextName, string>>;
  subgraphDefinitions?: Partial<Record<ContextName, AnyDefinition>>;
  driftTargets?: DriftTarget[];
  /** PostgreSQL admin URL for the drift check's scratch databases (default: a throwaway embedded cluster). */
  adminUrl?: string;
}

export async function runSchemaChecks(opts: RunOptions = {}): Promise<CheckResult[]> {
  const selected = new Set<CheckName>(opts.only?.length ? opts.only : CHECK_NAMES);
  let base: ResolvedBase | undefined;
  // The base is the committed SDL of the repository's own files, whatever sdlPaths says. Throws UsageError.
  if (selected.has('breaking')) base = resolveBase(opts.base);

  const pending = new Map<CheckName, Promise<CheckResult>>();
  if (selected.has('prisma-drift')) {
    pending.set(
      'prisma-drift',
      guarded('prisma-drift', () => checkSchemaDrift(opts.driftTargets, { adminUrl: opts.adminUrl })),
    );
  }

  const sources = readSubgraphFiles(opts.sdlPaths);
  let composition: CompositionOutcome | undefined;
  const composed = () => (composition ??= compose(sources));
  if (selected.has('composition'))
    pending.set(
      'composition',
      guarded('composition', async () => composed()),
    );
  if (selected.has('freshness'))
    pending.set(
      'freshness',
      guarded('freshness', async () => checkFreshness(sources, opts.supergraphPath ?? DEFAULT_SUPERGRAPH_PATH)),
    );
  if (selected.has('breaking') && base) {
    const resolved = base;
    pending.set(
      'breaking',
      guarded('breaking', () =>
        checkBreaking(composed().composed?.apiSchema, resolved, { acknowledgedPath: opts.acknowledgedPath }),
      ),
    );
  }
  if (selected.has('subgraph-sdl')) {
    pending.set(
      'subgraph-sdl',
      guarded('subgraph-sdl', () =>
        checkSubgraphSdl(sources, { urls: opts.subgraphUrls, definitions: opts.subgraphDefinitions }),
      ),
    );
  }
  const results: CheckResult[] = [];
  for (const name of CHECK_NAMES) {
    const p = pending.get(name);
    if (p) results.push(await p);
  }
  return results;
}
