/**
 * The published schema: `schema:publish` on copies (refuses an unacknowledged breaking change
 * and leaves the file as it was, publishes an acknowledged or additive one), the committed
 * file is the default base, and the CI situation itself: in a scratch clone whose HEAD is
 * origin/main, a committed field removal makes `schema:check` exit 1 naming the field.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copySdl, removeCopies, tempDir } from '../../tests/harness/schema-copies';
import { resolveBase } from './breaking';
import { PUBLISHED_PATH, publish } from './published';
import { REPO_ROOT } from './sources';

afterAll(removeCopies);

function ackFile(entries: object[]): string {
  const file = path.join(tempDir('ack-'), 'acknowledged-breaking-changes.json');
  fs.writeFileSync(file, JSON.stringify({ acknowledged: entries }));
  return file;
}

const SERVED_BY = /  "The subgraph instance that served this image."\n  servedBy: String!\n/;

describe('schema:publish', () => {
  function setup() {
    const sdl = copySdl();
    const publishedPath = path.join(tempDir('published-'), 'published.graphql');
    fs.copyFileSync(PUBLISHED_PATH, publishedPath);
    return { sdl, publishedPath };
  }

  it('the committed published schema is the default base of the breaking-change check', () => {
    expect(resolveBase(undefined).label).toBe('the published schema (tools/schema-check/published.graphql)');
  });

  it('refuses an unacknowledged breaking change, naming it, and leaves the file as it was', async () => {
    const { sdl, publishedPath } = setup();
    sdl.edit('image', SERVED_BY, '');
    const before = fs.readFileSync(publishedPath, 'utf8');
    const out = await publish({ sdlPaths: sdl.paths, publishedPath, acknowledgedPath: ackFile([]) });
    expect(out.written).toBe(false);
    expect(out.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/FIELD_REMOVED: Field 'servedBy' .*was removed from object type 'AccountImage'/),
    ]);
    expect(fs.readFileSync(publishedPath, 'utf8')).toBe(before);
  });

  it('publishes an acknowledged breaking change, and an additive one', async () => {
    const { sdl, publishedPath } = setup();
    sdl.edit('image', SERVED_BY, '');
    const acked = await publish({
      sdlPaths: sdl.paths,
      publishedPath,
      acknowledgedPath: ackFile([{ type: 'FIELD_REMOVED', path: 'AccountImage.servedBy', reason: 'test' }]),
    });
    expect(acked).toMatchObject({ written: true, problems: [] });
    expect(fs.readFileSync(publishedPath, 'utf8')).not.toMatch(/type AccountImage \{[^}]*servedBy/);
    sdl.edit('account', '  createdAt: DateTime!\n', '  createdAt: DateTime!\n  "test"\n  nickname: String\n');
    expect(await publish({ sdlPaths: sdl.paths, publishedPath, acknowledgedPath: ackFile([]) })).toMatchObject({
      written: true,
      problems: [],
    });
    expect(fs.readFileSync(publishedPath, 'utf8')).toMatch(/nickname: String/);
    expect((await publish({ sdlPaths: sdl.paths, publishedPath, acknowledgedPath: ackFile([]) })).written).toBe(false); // idempotent
  });
});

describe('CI: a clone where HEAD is origin/main', () => {
  it('a committed field removal makes `schema:check` exit 1 naming the field', () => {
    const clone = path.join(tempDir('ci-clone-'), 'repo');
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, clone]);
    for (const shared of ['node_modules', 'generated'])
      fs.symlinkSync(path.join(REPO_ROOT, shared), path.join(clone, shared));
    const sdl = path.join(clone, 'subgraphs/image/schema.graphql');
    fs.writeFileSync(sdl, fs.readFileSync(sdl, 'utf8').replace(SERVED_BY, ''));
    git(
      '-c',
      'user.name=ci',
      '-c',
      'user.email=ci@example.invalid',
      'commit',
      '--quiet',
      '-am',
      'remove AccountImage.servedBy',
    );
    git('update-ref', 'refs/remotes/origin/main', 'HEAD'); // as in CI: the commit under test is origin/main
    const run = spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'),
        'tools/schema-check/cli.ts',
        '--only',
        'composition,breaking',
      ],
      {
        cwd: clone,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/AccountImage\.servedBy/);
    expect(run.stdout).toMatch(/breaking change against the published schema/);
  });
});
