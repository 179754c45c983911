/**
 * MICROBENCHMARK: what an Idempotency-Key costs a create (subgraphs/account/writes.ts) on a
 * scratch cluster: createAccount without a key, with a fresh key (one more row: the claim
 * INSERT and the result UPDATE), and a repeat of a key (the stored answer, nothing written).
 * 4 writers at once; rounds interleaved across the three, median and spread of the rounds.
 * `npx tsx bench/micro/idempotency-cost.ts`
 */
import { randomUUID } from 'node:crypto';
import { startScratchCluster } from '../../prisma/tools/local/scratch';
import { PrismaClient } from '../../generated/account/client';
import { createAccount, type WriteRequest } from '../../subgraphs/account/writes';
import { connectDatabase } from '../../subgraphs/kit/database';

const ROUNDS = 7;
const PER_ROUND = 400;
const WRITERS = 4;

async function main(): Promise<void> {
  const cluster = await startScratchCluster('account-graph-idem-bench-');
  const db = connectDatabase(PrismaClient, cluster.urls.account, 8);
  const req = (idempotencyKey?: string): WriteRequest => ({
    idempotencyKey,
    idempotencyTtlHours: 24,
    retry: { maxAttempts: 6 },
  });
  const repeatKeys: string[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const key = randomUUID();
    await createAccount(db.prisma, `repeat-${i}`, req(key));
    repeatKeys.push(key);
  }
  const variants: Record<string, (i: number) => Promise<unknown>> = {
    'no key': (i) => createAccount(db.prisma, `plain-${i}`, req()),
    'fresh key': (i) => createAccount(db.prisma, `keyed-${i}`, req(randomUUID())),
    'repeated key (replay)': (i) => createAccount(db.prisma, `repeat-${i}`, req(repeatKeys[i])),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: WRITERS }, async () => {
          for (let i = next++; i < PER_ROUND; i = next++) await run(i);
        }),
      );
      if (round > 0) times[name]!.push(((performance.now() - t0) / PER_ROUND) * WRITERS); // round 0 warms up
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = times['no key']!;
  console.log(
    `${ROUNDS} rounds of ${PER_ROUND} creates, ${WRITERS} writers; ms of wall time per create per writer (median, min–max)`,
  );
  for (const [name, xs] of Object.entries(times)) {
    const ratios = xs.map((x, i) => x / base[i]!);
    console.log(
      `${name.padEnd(24)} ${median(xs).toFixed(2)} ms (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})  ` +
        `vs no key, same round: ×${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
  }
  await db.close();
  await cluster.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
