/**
 * The relay's per-destination backoff, with real processes and a real fault, no mocks
 * (setup: tests/outbox-stack.ts): while a writer creates accounts (each commit wakes the
 * relay), the data process is SIGKILLed for a few seconds. The relay must notice the
 * destination is down, pause as a whole with capped backoff and probe with one row, so
 * delivery attempts per second stay bounded (counted by the relay's metric and by the
 * outbox rows' attempt counters) whatever the number of pending rows; say so once in its
 * log, in GET /outbox, in `npm run outbox:status` and in /metrics; and, once the data
 * process is back, deliver every row exactly once (tests/outbox-invariants.ts).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitReady } from './harness/processes';
import { eventually } from './harness/eventually';
import { expectConsistent, expectIdleAndObservable, runOutbox, waitDrained } from './outbox-invariants';
import {
  describeLogs,
  FAILED,
  RELAY_ENV,
  RUN,
  sample,
  sleep,
  sql,
  useOutboxProcesses,
  type OutboxStatusBody,
} from './outbox-stack';
import { Writer } from './outbox-writer';

jest.setTimeout(80_000);

// Info: the relay's "reachable again" line is one.
const stack = useOutboxProcesses({ LOG_LEVEL: 'info' });
const DOWN = 'warn: outbox destination unreachable; relay paused, probing with one row';
const BACK = 'info: outbox destination reachable again; relay resumed';
const PER_ROUND = 'warn: outbox deliveries failed; will retry';
const MEASURE_MS = 4_000;
/** Upper bound on failed deliveries per second while it is down: steady state is one probe per 250–500 ms (OUTBOX_MAX_BACKOFF_MS 500). */
const MAX_ATTEMPTS_PER_S = 5;

/** Outbox attempts (delivery tries, failed or not) summed over this run's rows. */
async function attempts(prefix: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    'account',
    'SELECT coalesce(sum(o.attempts), 0)::int AS n FROM outbox o JOIN accounts a ON a.id = o.account_id WHERE left(a.name, length($1)) = $1',
    [prefix],
  );
  return row!.n;
}

/** `npm run outbox:status -- --json --relay <this account process>/outbox`, as a real process. */
async function statusCli(): Promise<OutboxStatusBody & { relay?: string }> {
  const root = path.resolve(__dirname, '..');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'tools/outbox-status.ts', '--json', '--relay', `${stack.accountUrl()}/outbox`],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      timeout: 30_000,
    },
  );
  return JSON.parse(stdout) as OutboxStatusBody;
}

test('while the data process is down the relay pauses as a whole: bounded attempts, one log line each way, every row delivered once after', () =>
  stack.explained(async () => {
    const prefix = stack.track(`fault-${RUN}d-`);
    const logsBefore = stack.logCounts();
    const since = new Date(Date.now() - 1_000);
    const writer = new Writer(stack.accountUrl, prefix, 'up').start();
    try {
      await sleep(1_000);
      const before = await stack.outboxStatus();
      expect(before.destination).toMatchObject({ up: true, downSince: null });
      expect(sample(await stack.metricsText(), 'outbox_destination_up')).toBe(1);

      writer.phase = 'down';
      await stack.data.kill('SIGKILL');
      // The relay notices at its next delivery (the writer keeps giving it some).
      await eventually(async () => (await stack.outboxStatus()).destination?.up === false, {
        what: 'the relay to report the destination down',
        timeoutMs: 5_000,
        intervalMs: 50,
      });
      // Measure from here: the round that found it down is behind us.
      const [failed0, attempts0, t0] = [sample(await stack.metricsText(), FAILED), await attempts(prefix), Date.now()];
      await sleep(MEASURE_MS);
      const [failed1, attempts1, t1] = [sample(await stack.metricsText(), FAILED), await attempts(prefix), Date.now()];
      const seconds = (t1 - t0) / 1000;
      const failedPerS = (failed1 - failed0) / seconds;
      const attemptsPerS = (attempts1 - attempts0) / seconds;
      const pendingWhileDown = (await runOutbox(prefix)).pending;
      const whileDown = await stack.outboxStatus();
      const metricsWhileDown = await stack.metricsText();
      const cli = await statusCli();

      writer.phase = 'back';
      await waitReady(stack.spawnData());
      await eventually(async () => (await stack.outboxStatus()).destination?.up === true, {
        what: 'the relay to report the destination up',
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      await sleep(500);
      await writer.stop();
      const drainMs = await waitDrained(stack, prefix);
      const counts = await expectConsistent(prefix, writer.acked, since);
      const logs = stack.logsSince(logsBefore);

      // The fault was real and writes went on through it.
      expect(writer.ackedIn('down')).toBeGreaterThan(0);
      expect(pendingWhileDown).toBeGreaterThanOrEqual(20);
      // Bounded: a few probes per second, however many rows wait (each with its own backoff,
      // the relay would try every due row each round).
      expect(failed1 - failed0).toBeGreaterThan(0); // still probing
      expect(failedPerS).toBeLessThanOrEqual(MAX_ATTEMPTS_PER_S);
      expect(attemptsPerS).toBeLessThanOrEqual(MAX_ATTEMPTS_PER_S);
      // Visible: GET /outbox, npm run outbox:status, /metrics.
      expect(whileDown.destination).toMatchObject({ up: false, lastError: expect.any(String) });
      expect(whileDown.destination!.downForMs).toBeGreaterThanOrEqual(MEASURE_MS);
      expect(whileDown.destination!.failedRounds).toBeGreaterThan(1);
      expect(whileDown.pending).toBeGreaterThanOrEqual(pendingWhileDown);
      expect(cli).toMatchObject({
        relay: whileDown.relay,
        destination: { up: false, downSince: whileDown.destination!.downSince },
      });
      expect(cli.pending).toBeGreaterThan(0);
      expect(sample(metricsWhileDown, 'outbox_destination_up')).toBe(0);
      expect(sample(metricsWhileDown, 'outbox_destination_outages_total')).toBe(1);
      // Said once each way, never per round.
      expect({
        down: logs.get(`account ${DOWN}`),
        back: logs.get(`account ${BACK}`),
        perRound: logs.get(`account ${PER_ROUND}`),
      }).toEqual({
        down: 1,
        back: 1,
        perRound: undefined,
      });
      const back = stack.account
        .output()
        .split('\n')
        .map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg?: string; downtimeMs?: number }) : {}))
        .find((l) => l.msg === BACK.replace(/^info: /, ''));
      expect(back?.downtimeMs).toBeGreaterThanOrEqual(MEASURE_MS);
      // Back: idle, up, and every row delivered exactly once (expectConsistent above).
      await expectIdleAndObservable(stack);
      expect((await stack.outboxStatus()).destination).toMatchObject({ up: true, failedRounds: 0, lastError: null });
      expect(sample(await stack.metricsText(), 'outbox_destination_up')).toBe(1);

      console.info(
        `outbox destination backoff: ${writer.attempts} creates sent (${writer.summary(['up', 'down', 'back'])}); ` +
          `while down (OUTBOX_MAX_BACKOFF_MS ${RELAY_ENV.OUTBOX_MAX_BACKOFF_MS}): ${(failed1 - failed0).toFixed(0)} failed deliveries in ${seconds.toFixed(1)} s = ` +
          `${failedPerS.toFixed(1)}/s (outbox attempts ${attemptsPerS.toFixed(1)}/s), ${pendingWhileDown} rows pending, ${whileDown.destination!.failedRounds} failed rounds; ` +
          `back after ${back?.downtimeMs} ms down; drained in ${drainMs} ms; ${counts.accounts} accounts, ${counts.events} events; logs: ${describeLogs(logs)}`,
      );
    } finally {
      await writer.stop();
    }
  }));
