/** `npm run supergraph:compose`: recomposes gateway/supergraph.graphql from the subgraphs' SDL files. */
import fs from 'node:fs';
import { CompositionFailed, composeSupergraph, DEFAULT_SUPERGRAPH_PATH } from '../gateway/compose';
import { parseCommandLine } from './cli';

parseCommandLine({
  script: 'supergraph:compose',
  summary: "Recomposes gateway/supergraph.graphql from the subgraphs' SDL files (subgraphs/*/schema.graphql).",
  options: {},
  exitCodes: { 0: 'written (or unchanged)', 1: 'composition failed' },
});
try {
  const { supergraphSdl, hints } = composeSupergraph();
  for (const hint of hints) console.warn(`hint: ${hint}`);
  const before = fs.existsSync(DEFAULT_SUPERGRAPH_PATH) ? fs.readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8') : '';
  fs.writeFileSync(DEFAULT_SUPERGRAPH_PATH, supergraphSdl);
  console.log(`${before === supergraphSdl ? 'unchanged' : 'wrote'} ${DEFAULT_SUPERGRAPH_PATH}`);
} catch (err) {
  console.error(err instanceof CompositionFailed ? err.message : err);
  process.exit(1);
}
