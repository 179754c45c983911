/**
 * Check 3 (breaking changes) against the real SDL as the base and modified copies as the
 * current state: a removed field and a changed type fail, an acknowledged one passes, a
 * dangerous one is a note; bases from a git ref or a file, and their usage errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkBreaking, resolveBase, type ResolvedBase } from './breaking';
import { compose } from './composition';
import { readSubgraphFiles, readSubgraphsAtRef, UsageError } from './sources';
import { DEFAULT_SUPERGRAPH_PATH } from '../../gateway/compose';
import { copySdl, removeCopies, tempDir } from '../../tests/harness/schema-copies';

afterAll(removeCopies);

const realBase = (): ResolvedBase => resolveBase({ label: 'real files', sources: readSubgraphFiles() });

function ackFile(entries: object[]): string {
  const file = path.join(tempDir('ack-'), 'acknowledged-breaking-changes.json');
  fs.writeFileSync(file, JSON.stringify({ comment: 'test', acknowledged: entries }));
  return file;
}

async function check(edit: (copy: ReturnType<typeof copySdl>) => void, acknowledgedPath = ackFile([])) {
  const copy = copySdl();
  edit(copy);
  const current = compose(readSubgraphFiles(copy.paths)).composed?.apiSchema;
  expect(current).toBeDefined();
  return checkBreaking(current, realBase(), { acknowledgedPath });
}

const removeServedBy = (copy: ReturnType<typeof copySdl>) =>
  copy.edit('image', /  "The subgraph instance that served this image."\n  servedBy: String!\n/, '');

describe('breaking changes', () => {
  it('no change against the real files passes', async () => {
    const outcome = await check(() => undefined);
    expect(outcome.problems).toEqual([]);
    expect(outcome.notes).toContain('API schema unchanged against real files');
  });

  it('a removed field fails, naming its path and how to acknowledge it', async () => {
    const { problems } = await check(removeServedBy);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.where).toBe('AccountImage.servedBy');
    expect(problems[0]!.message).toMatch(
      /breaking change against real files: FIELD_REMOVED: Field 'servedBy' .*removed/,
    );
    expect(problems[0]!.detail!.join('\n')).toContain(
      '{"type":"FIELD_REMOVED","path":"AccountImage.servedBy","reason":"…"}',
    );
  });

  it('an acknowledged breaking change passes and is listed', async () => {
    const acks = ackFile([
      { type: 'FIELD_REMOVED', path: 'AccountImage.servedBy', reason: 'no client reads it' },
      { type: 'FIELD_REMOVED', path: 'Gone.field', reason: 'old' },
    ]);
    const { problems, notes } = await check(removeServedBy, acks);
    expect(problems).toEqual([]);
    expect(notes.join('\n')).toMatch(
      /acknowledged breaking change FIELD_REMOVED AccountImage\.servedBy.*\(reason: no client reads it\)/,
    );
    expect(notes.join('\n')).toMatch(/unused acknowledgement FIELD_REMOVED Gone\.field/);
  });

  it('a changed field type fails', async () => {
    const { problems } = await check((copy) => copy.edit('data', 'eventCount: Int', 'eventCount: String'));
    expect(problems.map((p) => [p.where, p.message.split(':')[1]?.trim()])).toEqual([
      ['Account.eventCount', 'FIELD_TYPE_CHANGED'],
    ]);
  });

  it('a new required argument fails; a changed argument default is dangerous, listed, not failing', async () => {
    const required = await check((copy) => copy.edit('account', 'quote(language: String)', 'quote(language: String!)'));
    expect(required.problems.map((p) => p.where)).toEqual(['Account.quote.language']);
    const dangerous = await check((copy) => copy.edit('account', 'first: Int = 20', 'first: Int = 10'));
    expect(dangerous.problems).toEqual([]);
    expect(dangerous.notes.join('\n')).toMatch(
      /dangerous change \(not failing\): FIELD_ARGUMENT_DEFAULT_CHANGED Query\.accounts\.first/,
    );
  });

  it('a safe addition passes and is listed', async () => {
    const { problems, notes } = await check((copy) =>
      copy.edit('image', '  url: String!', '  url: String!\n  alt: String'),
    );
    expect(problems).toEqual([]);
    expect(notes.join('\n')).toMatch(/1 safe change\(s\).*\nFIELD_ADDED AccountImage\.alt/);
  });

  it('an acknowledgement without a reason is a problem', async () => {
    const { problems } = await check(
      removeServedBy,
      ackFile([{ type: 'FIELD_REMOVED', path: 'AccountImage.servedBy' }]),
    );
    expect(problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not a valid acknowledgement list: acknowledged\.0\.reason/),
        expect.stringMatching(/FIELD_REMOVED/),
      ]),
    );
  });

  it('the committed acknowledgement file is valid', async () => {
    const { problems } = await checkBreaking(compose(readSubgraphFiles()).composed!.apiSchema, realBase());
    expect(problems).toEqual([]);
  });
});

describe('bases', () => {
  it('HEAD has the committed SDL files; an unknown ref is a usage error', () => {
    const atHead = readSubgraphsAtRef('HEAD');
    expect(atHead.sources.map((s) => s.file)).toEqual([
      'HEAD:subgraphs/account/schema.graphql',
      'HEAD:subgraphs/data/schema.graphql',
      'HEAD:subgraphs/image/schema.graphql',
    ]);
    expect(resolveBase({ ref: 'HEAD' }).schema?.getType('Account')).toBeDefined();
    expect(() => resolveBase({ ref: 'no-such-ref-4f2a' })).toThrow(UsageError);
    expect(() => resolveBase({ ref: '--output=/tmp/x' })).toThrow(UsageError);
  });

  it('a supergraph or an API schema file can be the base; a missing or invalid one is a usage error', async () => {
    const fromSupergraph = resolveBase({ file: DEFAULT_SUPERGRAPH_PATH });
    const current = compose(readSubgraphFiles()).composed!.apiSchema;
    expect((await checkBreaking(current, fromSupergraph)).notes).toContain(
      'API schema unchanged against gateway/supergraph.graphql',
    );
    const dir = tempDir('base-');
    fs.writeFileSync(
      path.join(dir, 'api.graphql'),
      'type Query { account(id: ID!): Account, legacy: String }\ntype Account { id: ID! }',
    );
    const { problems } = await checkBreaking(current, resolveBase({ file: path.join(dir, 'api.graphql') }));
    expect(problems.map((p) => p.where)).toEqual(['Query.legacy']);
    fs.writeFileSync(path.join(dir, 'bad.graphql'), 'type Query {');
    expect(() => resolveBase({ file: path.join(dir, 'bad.graphql') })).toThrow(/not a valid API schema/);
    expect(() => resolveBase({ file: path.join(dir, 'none.graphql') })).toThrow(UsageError);
  });
});
