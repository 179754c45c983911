/**
 * Offline checks of the container image (no Docker engine here): deploy/Dockerfile (parsed:
 * stages, users, copies, the health check, the command) and its ignore file. The health check
 * script run for real: healthcheck.e2e.ts; the compose stack: compose.test.ts.
 */
import {
  dockerignorePatterns,
  existsInRepo,
  isDockerIgnored,
  readRepo,
  repoPath,
  sourceOfCommand,
} from './testing/helpers';
import { Dockerfile, inImage } from './testing/dockerfile';

describe('deploy/Dockerfile', () => {
  const df = new Dockerfile(readRepo('deploy/Dockerfile'));
  const runtime = df.stage('runtime');
  const migrate = df.stage('migrate');
  const ignore = dockerignorePatterns(repoPath('deploy/Dockerfile.dockerignore'));
  const nodeModulesFrom = () => df.stage(df.copies(runtime).find((c) => c.sources.some(isNodeModules))?.from ?? '');
  const isNodeModules = (p: string) => /(^|\/)node_modules$/.test(p);

  test('multi-stage on Node 24 (LTS) slim, runtime last (the default target), a migrate target', () => {
    // `docker build` without --target builds the last stage: the runtime image.
    expect(df.stages.at(-1)?.name).toBe('runtime');
    expect(df.stages.map((s) => s.name)).toContain('migrate');
    // The runtime starts from the plain Node image (nothing of the build stages but what it copies),
    // the same image its node_modules were installed on (native modules match Node and libc).
    expect(runtime.parent).toBeUndefined();
    expect(df.image(runtime)).toMatch(/^node:24[.\d]*-\w+-slim$/);
    expect(df.image(nodeModulesFrom())).toBe(df.image(runtime));
  });

  test('build: npm ci without downloading the schema engine, build, dev dependencies pruned', () => {
    const build = nodeModulesFrom();
    const commands = df.commands(build);
    const ci = commands.findIndex((c) => /\bnpm ci\b/.test(c));
    expect(commands[ci]).toMatch(/(^|\s)PRISMA_SCHEMA_ENGINE_BINARY=\/\S+ /);
    const compile = commands.indexOf('npm run build');
    const prune = commands.findIndex((c) => /^npm prune\b.*--omit=dev\b/.test(c));
    expect([ci >= 0, compile > ci, prune > compile]).toEqual([true, true, true]);
    // No stage fetches Prisma's native schema engine: migrations run on its WebAssembly build.
    for (const stage of df.stages)
      expect(df.commands(stage, false).filter((c) => /@prisma\/engines|prisma version|prisma migrate/.test(c))).toEqual(
        [],
      );
  });

  test('runtime: only dist, production node_modules and the health check; non-root; HEALTHCHECK on /live', () => {
    const workdir = df.workdir(runtime);
    const copies = df.copies(runtime);
    // From the build stage (dev dependencies pruned): package.json, node_modules and dist, in the working directory.
    const fromStages = copies.filter((c) => c.from !== undefined);
    expect(new Set(fromStages.map((c) => c.from))).toEqual(new Set([nodeModulesFrom().name]));
    const copied = fromStages.flatMap((c) =>
      c.sources.map((src) => ({
        src: src.replace(`${df.workdir(nodeModulesFrom())}/`, ''),
        dest: inImage(workdir, c.dest),
      })),
    );
    expect(copied.map((c) => c.src).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    for (const c of copied) expect(c.dest).toBe(inImage(workdir, c.src));
    // From the build context: the health check script only.
    const fromContext = copies.filter((c) => c.from === undefined);
    expect(fromContext.flatMap((c) => c.sources)).toEqual(['deploy/docker/healthcheck.js']);
    // Not root, by name or uid.
    expect(df.user(runtime)).not.toMatch(/^(root|0)(:|$)/);
    // The HEALTHCHECK runs that script with node against /live.
    const hc = df.healthcheck(runtime);
    expect(hc?.argv[0]).toBe('node');
    expect(inImage(workdir, hc?.argv[1] ?? '')).toBe(inImage(workdir, fromContext[0]?.dest ?? ''));
    expect(hc?.argv.slice(2)).toEqual(['/live']);
    // The default process is the compiled gateway.
    expect(sourceOfCommand(df.cmd(runtime))).toBe('gateway/main.ts');
    expect(existsInRepo('gateway/main.ts')).toBe(true);
  });

  test("migrate: non-root, runs the one migration runner (npm run db:migrate's code), no Prisma CLI", () => {
    expect(df.user(migrate)).not.toMatch(/^(root|0)(:|$)/);
    const cmd = df.cmd(migrate);
    expect(cmd).toEqual(['node', '--import', 'tsx', 'prisma/tools/migrate-cli.ts', 'deploy']);
    expect(JSON.parse(readRepo('package.json')).scripts['db:migrate']).toBe('tsx prisma/tools/migrate-cli.ts deploy');
    expect(existsInRepo(cmd[3] ?? '')).toBe(true);
  });

  test('every COPY source from the build context exists and is not ignored', () => {
    const sources = df.stages.flatMap((stage) =>
      df
        .copies(stage)
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources),
    );
    expect(sources).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'platform',
        'prisma',
        '.',
        'deploy/docker/healthcheck.js',
      ]),
    );
    for (const s of sources) {
      expect(existsInRepo(s)).toBe(true);
      if (s !== '.') expect([s, isDockerIgnored(s, ignore)]).toEqual([s, false]);
    }
  });

  test('the ignore file keeps what `npm run build` compiles and drops local state', () => {
    const tsconfig = JSON.parse(readRepo('tsconfig.json')) as { include: string[] };
    for (const dir of tsconfig.include.filter((d) => d !== 'tests' && d !== 'deploy')) {
      expect([dir, isDockerIgnored(dir, ignore)]).toEqual([dir, false]);
    }
    for (const kept of [
      'deploy/local/start.ts',
      'gateway/supergraph.graphql',
      'tsconfig.build.json',
      'package-lock.json',
    ]) {
      expect([kept, isDockerIgnored(kept, ignore)]).toEqual([kept, false]);
    }
    for (const dropped of [
      'node_modules',
      'dist',
      'generated',
      '.data',
      '.git',
      'deploy/dockerfile.test.ts',
      'deploy/testing/helpers.ts',
    ]) {
      expect([dropped, isDockerIgnored(dropped, ignore)]).toEqual([dropped, true]);
    }
  });
});
