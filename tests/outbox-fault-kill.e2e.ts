/**
 * Fault test of the cross-context write path (account -> outbox -> relay -> data), with
 * real processes and real faults, no mocks (setup: tests/outbox-stack.ts). A writer creates
 * accounts at a steady rate straight through the account subgraph while the account
 * process is SIGKILLed mid-delivery, the data process is SIGKILLed, the account process
 * comes back while the data process is still down, then the data process comes back.
 * After the outbox drains, every acknowledged create exists with exactly one CREATED event
 * in the data context (event id = outbox row id), no event exists without its account,
 * and no account lacks its event (tests/outbox-invariants.ts).
 */
import { testDatabaseUrls, withClient } from './harness/db';
import { heldWithin } from './harness/eventually';
import { waitReady } from './harness/processes';
import {
  deliveredButUnacked,
  expectConsistent,
  expectIdleAndObservable,
  runOutbox,
  waitDrained,
} from './outbox-invariants';
import { describeLogs, FAILED, RUN, sample, sleep, useOutboxProcesses } from './outbox-stack';
import { Writer } from './outbox-writer';

jest.setTimeout(80_000);

const stack = useOutboxProcesses();

test('A: no acknowledged create is lost or doubled when the account and data processes are SIGKILLed and restarted', () =>
  stack.explained(async () => {
    const prefix = stack.track(`fault-${RUN}a-`);
    const logsBefore = stack.logCounts();
    const since = new Date(Date.now() - 1_000);
    const writer = new Writer(stack.accountUrl, prefix, 'before-kill').start();
    let atKill = { leased: 0, storedUnacked: 0, leaseSeen: false };
    try {
      await sleep(1_500);

      // SIGKILL the account process mid-delivery: wait (bounded) until the relay holds a lease.
      const leaseSeen = await withClient(testDatabaseUrls().account, async (c) => {
        await c.query('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED');
        return heldWithin(
          async () =>
            ((await c.query('SELECT 1 FROM outbox WHERE delivered_at IS NULL AND claimed_by IS NOT NULL LIMIT 1'))
              .rowCount ?? 0) > 0,
          { timeoutMs: 3_000, intervalMs: 0 },
        );
      });
      writer.phase = 'account-down';
      await stack.account.kill('SIGKILL');
      atKill = {
        leased: (await runOutbox(prefix)).leased,
        storedUnacked: await deliveredButUnacked(prefix),
        leaseSeen,
      };

      await stack.data.kill('SIGKILL');
      // No account process: creates fail (wait, bounded, until the writer has seen one).
      await heldWithin(() => Boolean(writer.unreachable.get('account-down')), { timeoutMs: 3_000, intervalMs: 10 });

      // The account process comes back while the data process is still down: writes resume,
      // deliveries fail and back off.
      writer.phase = 'data-down';
      await waitReady(stack.spawnAccount());
      await sleep(1_500);
      const failedWhileDataDown = sample(await stack.metricsText(), FAILED);
      const statusWhileDataDown = await stack.outboxStatus();

      writer.phase = 'recovered';
      await waitReady(stack.spawnData());
      await sleep(1_000);
      await writer.stop();

      const drainMs = await waitDrained(stack, prefix);
      const counts = await expectConsistent(prefix, writer.acked, since);

      // Both faults really happened with writes around them.
      expect(writer.ackedIn('before-kill')).toBeGreaterThan(0);
      expect(writer.ackedIn('account-down')).toBe(0);
      expect(writer.ackedIn('data-down')).toBeGreaterThan(0);
      expect(writer.ackedIn('recovered')).toBeGreaterThan(0);
      expect(writer.unreachable.get('account-down') ?? 0).toBeGreaterThan(0);
      // Whenever the account process answered, it created the account: faults downstream of
      // the outbox (the relay, the data context) never turn a create away.
      expect({ refused: writer.totalRefused(), errors: [...writer.errors.keys()] }).toMatchObject({ refused: 0 });
      expect(failedWhileDataDown).toBeGreaterThan(0);
      expect(statusWhileDataDown.pending).toBeGreaterThan(0);
      await expectIdleAndObservable(stack);

      console.info(
        `outbox fault A: ${writer.attempts} creates sent (${writer.summary(['before-kill', 'account-down', 'data-down', 'recovered'])}); ` +
          `at the kill: lease seen ${atKill.leaseSeen}, ${atKill.leased} leased rows, ${atKill.storedUnacked} stored-but-unacked; ` +
          `while data down: ${failedWhileDataDown} failed deliveries, ${statusWhileDataDown.pending} pending; ` +
          `drained in ${drainMs} ms; ${counts.accounts} accounts (${counts.accounts - writer.acked.length} committed unacknowledged), ${counts.events} events; ` +
          `logs: ${describeLogs(stack.logsSince(logsBefore))}`,
      );
    } finally {
      await writer.stop();
    }
  }));
