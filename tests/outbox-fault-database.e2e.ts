/**
 * Fault test of the cross-context write path (account -> outbox -> relay -> data), with
 * real processes and a real fault, no mocks (setup: tests/outbox-stack.ts): the data
 * context's database refuses connections for a few seconds (its backends are terminated)
 * while both processes stay up and a writer creates accounts at a steady rate. After the
 * outbox drains, every acknowledged create exists with exactly one CREATED event in the
 * data context (event id = outbox row id), no event exists without its account, and no
 * account lacks its event (tests/outbox-invariants.ts).
 */
import { adminQuery } from './harness/db';
import { expectConsistent, expectIdleAndObservable, runOutbox, waitDrained } from './outbox-invariants';
import { describeLogs, FAILED, RUN, sample, sleep, sql, useOutboxProcesses } from './outbox-stack';
import { Writer } from './outbox-writer';

jest.setTimeout(80_000);

const stack = useOutboxProcesses();

test('B: no acknowledged create is lost or doubled when the data database refuses connections for a few seconds', () =>
  stack.explained(async () => {
    const prefix = stack.track(`fault-${RUN}b-`);
    const logsBefore = stack.logCounts();
    const [accountPid, dataPid] = [stack.account.child.pid, stack.data.child.pid];
    const failedBefore = sample(await stack.metricsText(), FAILED);
    const since = new Date(Date.now() - 1_000);
    const writer = new Writer(stack.accountUrl, prefix, 'db-up').start();
    let failingSeen = 0;
    let refusedWith: string | undefined;
    try {
      await sleep(1_000);

      writer.phase = 'db-down';
      await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS false');
      try {
        await adminQuery(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'data' AND pid <> pg_backend_pid()",
        );
        // The fault is real: the data context's own role is refused now.
        refusedWith = await sql('data', 'SELECT 1').then(
          () => undefined,
          (err: { code?: string }) => err.code,
        );
        const downUntil = Date.now() + 3_000;
        while (Date.now() < downUntil) {
          failingSeen = Math.max(failingSeen, (await runOutbox(prefix)).failing);
          await sleep(100);
        }
      } finally {
        await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true');
      }
      const failedDuring = sample(await stack.metricsText(), FAILED) - failedBefore;

      writer.phase = 'db-back';
      await sleep(1_000);
      await writer.stop();

      const drainMs = await waitDrained(stack, prefix);
      const counts = await expectConsistent(prefix, writer.acked, since);

      expect(refusedWith).toBe('55000'); // object_not_in_prerequisite_state: not accepting connections
      expect(writer.ackedIn('db-up')).toBeGreaterThan(0);
      expect(writer.ackedIn('db-down')).toBeGreaterThan(0); // writes go on while the data context is down
      expect(writer.ackedIn('db-back')).toBeGreaterThan(0);
      // The account side never noticed: every create was answered, and answered with its account.
      expect({ failed: writer.attempts - writer.acked.length, errors: [...writer.errors.keys()] }).toMatchObject({
        failed: 0,
      });
      expect(failedDuring).toBeGreaterThan(0);
      expect(failingSeen).toBeGreaterThan(0);
      // Nobody was restarted: both processes rode out the outage.
      expect([stack.account.alive(), stack.data.alive()]).toEqual([true, true]);
      expect([stack.account.child.pid, stack.data.child.pid]).toEqual([accountPid, dataPid]);
      await expectIdleAndObservable(stack);

      console.info(
        `outbox fault B: ${writer.attempts} creates sent (${writer.summary(['db-up', 'db-down', 'db-back'])}); ` +
          `during the outage: ${failedDuring} failed deliveries, up to ${failingSeen} failing rows; ` +
          `drained in ${drainMs} ms; ${counts.accounts} accounts, ${counts.events} events; ` +
          `logs: ${describeLogs(stack.logsSince(logsBefore))}`,
      );
    } finally {
      await writer.stop();
      await adminQuery('ALTER DATABASE data ALLOW_CONNECTIONS true');
    }
  }));
