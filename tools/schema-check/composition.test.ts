/**
 * Check 1 (composition) and check 2 (freshness) on temporary copies of the SDL files and
 * the supergraph: a conflict across subgraphs is reported with its coordinate and each
 * subgraph's file:line, a hint is a note, a stale supergraph fails with a diff.
 */
import { checkComposition } from './composition';
import { checkFreshness } from './freshness';
import { readSubgraphFiles } from './sources';
import { copySdl, editFile, removeCopies } from '../../tests/harness/schema-copies';

afterAll(removeCopies);

describe('composition', () => {
  it('the real subgraphs compose without errors', () => {
    const outcome = checkComposition(readSubgraphFiles());
    expect(outcome.problems).toEqual([]);
    expect(outcome.composed?.supergraphSdl).toContain('join__Graph');
  });

  it('conflicting field types across subgraphs fail, naming the field and each subgraph file:line', () => {
    const copy = copySdl();
    // image now also defines Account.name, as an Int (account has String!).
    copy.edit(
      'image',
      'type Account @key(fields: "id") {\n  id: ID!',
      'type Account @key(fields: "id") {\n  id: ID!\n  name: Int',
    );
    const { problems, composed } = checkComposition(readSubgraphFiles(copy.paths));
    expect(composed).toBeUndefined();
    const mismatch = problems.find((p) => p.message.startsWith('[FIELD_TYPE_MISMATCH]'));
    expect(mismatch).toBeDefined();
    expect(mismatch!.where).toBe('Account.name');
    expect(mismatch!.message).toMatch(/"String!" in subgraph "account" but type "Int" in subgraph "image"/);
    expect(mismatch!.detail).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^subgraph account, .*account\/schema\.graphql:10:3 \(Account\.name\)$/),
        expect.stringMatching(/^subgraph image, .*image\/schema\.graphql:\d+:3 \(Account\.name\)$/),
      ]),
    );
    expect(problems.some((p) => p.message.startsWith('[INVALID_FIELD_SHARING]'))).toBe(true);
  });

  it('an SDL syntax error names the file and position', () => {
    const copy = copySdl();
    copy.edit('data', 'eventCount: Int', 'eventCount Int');
    const { problems } = checkComposition(readSubgraphFiles(copy.paths));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.where).toMatch(/data\/schema\.graphql:\d+:\d+$/);
    expect(problems[0]!.message).toMatch(/subgraph data does not parse/);
  });

  it('hints are notes with their coordinate, not failures', () => {
    const copy = copySdl();
    // data shares PageInfo with a nullable hasNextPage: compatible, but inconsistent.
    editFile(copy.paths.data, 'import: ["@key", "@inaccessible"]', 'import: ["@key", "@inaccessible", "@shareable"]');
    editFile(
      copy.paths.data,
      'type AccountEvent {',
      'type PageInfo @shareable {\n  hasNextPage: Boolean\n}\n\ntype AccountEvent {',
    );
    const { problems, notes } = checkComposition(readSubgraphFiles(copy.paths));
    expect(problems).toEqual([]);
    expect(notes.join('\n')).toMatch(/hint PageInfo\.hasNextPage: \[INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE\]/);
    expect(notes.join('\n')).toMatch(/subgraph data, .*data\/schema\.graphql:\d+:\d+ \(PageInfo\.hasNextPage\)/);
  });
});

describe('freshness', () => {
  it('the committed supergraph is fresh', () => {
    expect(checkFreshness(readSubgraphFiles()).problems).toEqual([]);
  });

  it('a subgraph change without recomposing fails with a diff of the supergraph', () => {
    const copy = copySdl();
    copy.edit('image', '  url: String!', '  url: String!\n  "Alternative text."\n  alt: String');
    const { problems } = checkFreshness(readSubgraphFiles(copy.paths), copy.supergraphPath);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/is stale.*npm run supergraph:compose/);
    const diff = problems[0]!.detail!.join('\n');
    expect(problems[0]!.detail).toContain('+  alt: String');
    expect(diff).toMatch(/^--- .*supergraph\.graphql \(committed\)$/m);
  });

  it('a hand-edited supergraph fails, showing the removed and added lines', () => {
    const copy = copySdl();
    editFile(
      copy.supergraphPath,
      '  eventCount: Int @join__field(graph: DATA)',
      '  eventCount: Int! @join__field(graph: DATA)',
    );
    const { problems } = checkFreshness(readSubgraphFiles(), copy.supergraphPath);
    const diff = problems[0]!.detail!;
    expect(diff).toContain('-  eventCount: Int! @join__field(graph: DATA)');
    expect(diff).toContain('+  eventCount: Int @join__field(graph: DATA)');
    expect(diff.filter((l) => /^[-+] /.test(l) || /^[-+]\s/.test(l)).length).toBe(2);
  });

  it('a missing supergraph fails; a non-composing one cannot be checked', () => {
    expect(checkFreshness(readSubgraphFiles(), '/nonexistent/supergraph.graphql').problems[0]!.message).toMatch(
      /is missing/,
    );
    const copy = copySdl();
    copy.edit('image', 'imageData: AccountImage', 'imageData: NoSuchType');
    expect(checkFreshness(readSubgraphFiles(copy.paths), copy.supergraphPath).problems[0]!.message).toMatch(
      /do not compose/,
    );
  });
});
