/**
 * Check 4 (subgraph code vs SDL): the real subgraphs, started here as HTTP servers without
 * a database, serve their files; a subgraph started from a different SDL file, or checked
 * by URL against a changed file, fails with a diff; resolvers that do not fit the SDL fail.
 */
import { createLogger } from '../../platform/logger';
import { imageSubgraph } from '../../subgraphs/image';
import { accountSubgraph } from '../../subgraphs/account';
import { startSubgraph } from '../../subgraphs/kit/subgraph';
import { readSubgraphFiles } from './sources';
import { checkSubgraphSdl, UNUSED_DATABASE_URL } from './subgraph-sdl';
import { copySdl, removeCopies } from '../../tests/harness/schema-copies';

afterAll(removeCopies);

const image = readSubgraphFiles().filter((s) => s.name === 'image');

describe('subgraph SDL', () => {
  it('the real subgraphs, started in process without a database, serve their SDL files', async () => {
    const { problems, notes } = await checkSubgraphSdl(readSubgraphFiles());
    expect(problems).toEqual([]);
    expect(notes[0]).toMatch(
      /account: in-process subgraph account at http:\/\/127\.0\.0\.1:\d+\/graphql; data: .*; image: /,
    );
  });

  it('a subgraph whose server loads another SDL than its file fails with a diff', async () => {
    const copy = copySdl();
    copy.edit('image', 'url: String!', 'url: String');
    const definition = { ...imageSubgraph(UNUSED_DATABASE_URL, 1), sdlPath: copy.paths.image };
    const { problems } = await checkSubgraphSdl(image, { definitions: { image: definition } });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.where).toBe('subgraph image');
    expect(problems[0]!.message).toBe('serves an SDL that differs from subgraphs/image/schema.graphql');
    expect(problems[0]!.detail).toEqual(expect.arrayContaining(['-  url: String!', '+  url: String']));
  });

  it('an already-running subgraph checked by URL against a changed file fails', async () => {
    const running = await startSubgraph(imageSubgraph(UNUSED_DATABASE_URL, 1), {
      host: '127.0.0.1',
      port: 0,
      instanceName: 'test',
      retry: { maxAttempts: 1 },
      log: createLogger('test', 'silent'),
    });
    try {
      expect((await checkSubgraphSdl(image, { urls: { image: running.url } })).problems).toEqual([]);
      const copy = copySdl();
      copy.edit('image', '"The account\'s image; null when it has none."', '"The image."');
      const changed = readSubgraphFiles(copy.paths).filter((s) => s.name === 'image');
      const { problems } = await checkSubgraphSdl(changed, { urls: { image: running.url } });
      expect(problems).toHaveLength(1);
      expect(problems[0]!.detail!.join('\n')).toContain(`+++ ${running.url} (normalised)`);
      expect(problems[0]!.detail).toEqual(
        expect.arrayContaining(['-  """The image."""', '+  """The account\'s image; null when it has none."""']),
      );
    } finally {
      await running.stop();
    }
  });

  it('a resolver without its field, and a root field without its resolver, fail', async () => {
    const copy = copySdl();
    copy.edit('account', /  "The subgraph instance that served this account."\n  servedBy: String!\n/, '');
    copy.edit(
      'account',
      'renameAccount(id: ID!, name: String!): Account!',
      'renameAccount(id: ID!, name: String!): Account!\n  deleteAccount(id: ID!): Boolean',
    );
    const sources = readSubgraphFiles(copy.paths).filter((s) => s.name === 'account');
    const definition = { ...accountSubgraph(UNUSED_DATABASE_URL, 1), sdlPath: copy.paths.account };
    const { problems } = await checkSubgraphSdl(sources, { definitions: { account: definition } });
    expect(problems.map((p) => p.message)).toEqual([
      'resolver Account.servedBy has no field in the SDL (it is never called)',
      'Mutation.deleteAccount is in the SDL but has no resolver (it would always return null)',
    ]);
  });

  it('an unreachable subgraph URL is a problem, not a crash', async () => {
    const { problems } = await checkSubgraphSdl(image, {
      urls: { image: 'http://127.0.0.1:1/graphql' },
      timeoutMs: 2_000,
    });
    expect(problems[0]!.message).toMatch(/^could not get its _service \{ sdl \}/);
  });
});
