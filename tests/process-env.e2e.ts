/**
 * A subgraph process holds its own context's database URL and no other (no other context's,
 * no migration or admin URL); the gateway holds none. Checked on the real child processes,
 * in the environment the kernel recorded for them (/proc/<pid>/environ): a subgraph the
 * fault-test harness spawns, and the bench's stack of three subgraphs and a gateway. The
 * `npm start` launcher's children are checked the same way in start.e2e.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXTS, databaseUrlVariable } from '../platform/config';
import { freePort, scratchDir } from '../prisma/tools/local/scratch';
import { startStack as startBenchStack, type Stack as BenchStack } from '../bench/lib/services';
import { testDatabaseUrls } from './harness/db';
import { databaseUrlVariablesOf, environOf, hasProc } from './harness/proc';
import { spawnSubgraph, waitReady, type SubgraphProcess } from './harness/processes';

jest.setTimeout(90_000);
const linux = hasProc ? describe : describe.skip;

linux('database URLs of the real processes', () => {
  test('this test process has all three and the admin URL: what the children must not inherit', () => {
    expect(
      Object.keys(process.env)
        .filter((k) => k.endsWith('_DATABASE_URL'))
        .sort(),
    ).toEqual(['ACCOUNT_DATABASE_URL', 'DATA_DATABASE_URL', 'IMAGE_DATABASE_URL', 'TEST_ADMIN_DATABASE_URL']);
  });

  test('the harness spawns an account subgraph with ACCOUNT_DATABASE_URL only, and it serves', async () => {
    let account: SubgraphProcess | undefined;
    try {
      account = spawnSubgraph('account', await freePort(), { OUTBOX_RELAY: 'false', LOG_LEVEL: 'warn' });
      await waitReady(account); // /ready: it reached its database with the one URL it has
      const pid = account.child.pid!;
      expect(databaseUrlVariablesOf(pid)).toEqual(['ACCOUNT_DATABASE_URL']);
      expect(environOf(pid).ACCOUNT_DATABASE_URL).toBe(testDatabaseUrls().account);
    } finally {
      await account?.kill();
    }
  });

  test("the bench's stack: each subgraph its own URL only, the gateway none", async () => {
    const logDir = scratchDir('account-graph-process-env-');
    let stack: BenchStack | undefined;
    try {
      stack = await startBenchStack({ urls: testDatabaseUrls(), logDir, relay: false });
      const seen = Object.fromEntries([
        ...CONTEXTS.map((c) => [c, databaseUrlVariablesOf(stack!.subgraphs[c].pid)]),
        ['gateway', databaseUrlVariablesOf(stack.gateway.pid)],
      ]);
      expect(seen).toEqual({
        account: [databaseUrlVariable('account')],
        data: [databaseUrlVariable('data')],
        image: [databaseUrlVariable('image')],
        gateway: [],
      });
      for (const c of CONTEXTS)
        expect(environOf(stack.subgraphs[c].pid)[databaseUrlVariable(c)]).toBe(testDatabaseUrls()[c]);
      const ready = await fetch(`${stack.gateway.baseUrl}/ready`);
      expect(ready.status).toBe(200);
    } finally {
      await stack?.stop();
      fs.rmSync(path.resolve(logDir), { recursive: true, force: true });
    }
  });
});
