/**
 * Check 2, freshness: the committed supergraph equals what `npm run supergraph:compose`
 * would write now. It recomposes through gateway/compose.ts's own composeSupergraph (the
 * function behind that script, same URLs), so the two can never disagree about the format.
 */
import fs from 'node:fs';
import {
  CompositionFailed,
  composeSupergraph,
  DEFAULT_COMPOSE_URLS,
  DEFAULT_SUPERGRAPH_PATH,
} from '../../gateway/compose';
import type { Problem } from './report';
import { displayPath, type SubgraphSource } from './sources';
import { lineDiff } from './text-diff';

export interface FreshnessOutcome {
  problems: Problem[];
  notes: string[];
}

export function checkFreshness(
  sources: SubgraphSource[],
  supergraphPath: string = DEFAULT_SUPERGRAPH_PATH,
): FreshnessOutcome {
  const where = displayPath(supergraphPath);
  const byName = new Map(sources.map((s) => [s.name, s.sdl]));
  let fresh: string;
  try {
    fresh = composeSupergraph(DEFAULT_COMPOSE_URLS, (c) => {
      const sdl = byName.get(c);
      if (sdl === undefined) throw new Error(`no SDL for subgraph ${c}`);
      return sdl;
    }).supergraphSdl;
  } catch (err) {
    const why =
      err instanceof CompositionFailed ? 'the subgraphs do not compose (see composition)' : (err as Error).message;
    return { problems: [{ where, message: `cannot be checked: ${why}` }], notes: [] };
  }
  if (!fs.existsSync(supergraphPath)) {
    return { problems: [{ where, message: 'is missing; run `npm run supergraph:compose` and commit it' }], notes: [] };
  }
  const committed = fs.readFileSync(supergraphPath, 'utf8');
  if (committed === fresh) return { problems: [], notes: [] };
  return {
    problems: [
      {
        where,
        message:
          'is stale: it differs from a fresh composition of the subgraph SDL files; run `npm run supergraph:compose` and commit it',
        detail: lineDiff(committed, fresh, { expectedLabel: `${where} (committed)`, actualLabel: 'fresh composition' }),
      },
    ],
    notes: [],
  };
}
