/**
 * deploy/docker/healthcheck.js, the image's HEALTHCHECK, run for real (a node process) against
 * a local server: it passes when this container's server answers 200 and fails on 503 or when
 * nothing listens. The Dockerfile that runs it: dockerfile.test.ts.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { freePort, repoPath } from './testing/helpers';

const run = promisify(execFile);

describe('deploy/docker/healthcheck.js', () => {
  const check = async (env: Record<string, string>, path = '/live') =>
    run(process.execPath, [repoPath('deploy/docker/healthcheck.js'), path], {
      env: { PATH: process.env.PATH ?? '', ...env },
    }).then(
      () => 0,
      (err: { code?: number }) => err.code ?? -1,
    );

  test('passes when this container’s server answers 200, fails on 503 or when nothing listens', async () => {
    const status: Record<string, number> = { '/live': 200, '/ready': 503 };
    const server = http.createServer((req, res) => res.writeHead(status[req.url ?? ''] ?? 404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = String((server.address() as { port: number }).port);
    const others = {
      ACCOUNT_PORT: String(await freePort()),
      DATA_PORT: String(await freePort()),
      IMAGE_PORT: String(await freePort()),
    };
    try {
      expect(await check({ GATEWAY_PORT: port, ...others })).toBe(0);
      expect(await check({ ...others, GATEWAY_PORT: others.ACCOUNT_PORT, DATA_PORT: port })).toBe(0);
      expect(await check({ GATEWAY_PORT: port, ...others }, '/ready')).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await check({ GATEWAY_PORT: port, ...others })).toBe(1);
  });
});
