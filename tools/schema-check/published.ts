/**
 * The published API schema: what clients of the gateway were promised, committed as
 * tools/schema-check/published.graphql. The breaking-change check compares the composed API
 * schema with it (not with a git ref: in CI the clone's origin/main is the commit under test).
 * It changes only through `npm run schema:publish` (publish-cli.ts), which refuses breaking
 * changes that are not acknowledged, with a reason, in acknowledged-breaking-changes.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DEFAULT_ACKNOWLEDGED_PATH } from './acknowledged';
import { checkBreaking, resolveBase } from './breaking';
import { compose } from './composition';
import type { Problem } from './report';
import { displayPath, readSubgraphFiles, type SdlPaths } from './sources';

export const PUBLISHED_PATH = path.resolve(__dirname, 'published.graphql');

const HEADER = [
  '# The API schema published to clients of the gateway. Do not edit: `npm run schema:publish`',
  '# writes it from the composed subgraphs, and refuses breaking changes that are not acknowledged',
  '# in tools/schema-check/acknowledged-breaking-changes.json. `npm run schema:check` (CI)',
  '# fails on any unacknowledged breaking change against this file.',
  '',
].join('\n');

/** The file's text for an API schema: sorted, so that a publish diff shows only real changes. */
export const publishedText = (schema: GraphQLSchema) => `${HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;

export interface PublishOptions {
  sdlPaths?: SdlPaths;
  publishedPath?: string;
  acknowledgedPath?: string;
}

export interface PublishOutcome {
  written: boolean;
  problems: Problem[];
  notes: string[];
}

export async function publish(opts: PublishOptions = {}): Promise<PublishOutcome> {
  const file = opts.publishedPath ?? PUBLISHED_PATH;
  const composed = compose(readSubgraphFiles(opts.sdlPaths)).composed;
  if (!composed)
    return {
      written: false,
      problems: [{ message: 'the subgraphs do not compose; run `npm run schema:check -- --only composition`' }],
      notes: [],
    };
  const notes: string[] = [];
  if (fs.existsSync(file)) {
    const result = await checkBreaking(composed.apiSchema, resolveBase({ file }), {
      acknowledgedPath: opts.acknowledgedPath ?? DEFAULT_ACKNOWLEDGED_PATH,
    });
    if (result.problems.length) return { written: false, problems: result.problems, notes: result.notes };
    notes.push(...result.notes);
  } else {
    notes.push(`${displayPath(file)} did not exist: publishing the first version`);
  }
  const text = publishedText(composed.apiSchema);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text)
    return { written: false, problems: [], notes: [...notes, 'already published: nothing to write'] };
  fs.writeFileSync(file, text);
  return { written: true, problems: [], notes: [...notes, `wrote ${displayPath(file)}`] };
}
