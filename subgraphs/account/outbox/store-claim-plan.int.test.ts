/**
 * The claim statement's plan and its sharing of a backlog, against the real test PostgreSQL:
 * the order comes from the partial index outbox_claim_idx below the row lock (no sort above
 * it: on CockroachDB a sort above the lock locks the whole backlog, cockroachdb/cockroach
 * #143017), and two relays claiming a 1,000-row backlog at once share it roughly evenly,
 * each row delivered once, each account's rows in order.
 */
import { Prisma } from '../../../generated/account/client';
import { adminQuery } from '../../../tests/harness/db';
import { ack, claim, claimStatement } from './store';
import { seqsByAccount, useOutboxTable, type Call } from '../../../tests/outbox-table';

const { prisma, accounts, insertPerAccount } = useOutboxTable();

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Alias?: string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

async function plan(): Promise<PlanNode> {
  const [row] = await prisma.$queryRaw<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
    Prisma.sql`EXPLAIN (FORMAT JSON) ${claimStatement('r1', 50, 30_000)}`,
  );
  return row!['QUERY PLAN'][0].Plan;
}

test('the claim reads its rows in order from outbox_claim_idx, below the lock, with no sort anywhere', async () => {
  await insertPerAccount(accounts(500), 2); // 1,000 rows, 500 due
  await adminQuery('ANALYZE outbox', [], 'account');
  const root = await plan();
  const locks = nodes(root).filter((n) => n['Node Type'] === 'LockRows');
  expect(locks).toHaveLength(1);
  const below = nodes(locks[0]!);
  expect(below.filter((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort')).toEqual([]);
  const claimed = below.find((n) => n.Alias === 'o');
  expect(claimed).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'outbox_claim_idx' });
  // And nothing sorts above it either (the LIMIT takes the first rows the index gives).
  expect(nodes(root).filter((n) => /Sort/.test(n['Node Type']))).toEqual([]);
});

test('two relays claiming a 1,000-row backlog at once share it roughly evenly, each row once, in order per account', async () => {
  const accs = accounts(250);
  const ids = await insertPerAccount(accs, 4); // 1,000 rows, 250 due at a time
  await adminQuery('ANALYZE outbox', [], 'account');
  const calls: Call[] = [];
  // Both relays claim at the same moment, round after round (whose claim reaches the database
  // first is up to the scheduler; what each gets must not be: the rows one holds, locked or
  // leased, the other skips), then each acks what it got.
  const take = async (relay: string) => {
    const rows = await claim(prisma, relay, 25, 60_000);
    for (const r of rows) calls.push({ relay, id: r.id, accountId: r.accountId, seq: Number(r.seq), ok: true });
    return rows;
  };
  for (let round = 0; round < 200 && (await prisma.outboxEvent.count({ where: { deliveredAt: null } })) > 0; round++) {
    const [a, b] = await Promise.all([take('r1'), take('r2')]);
    expect(new Set([...a, ...b].map((r) => r.id)).size).toBe(a.length + b.length); // never the same row twice
    expect(
      await ack(
        prisma,
        'r1',
        a.map((r) => r.id),
      ),
    ).toBe(a.length);
    expect(
      await ack(
        prisma,
        'r2',
        b.map((r) => r.id),
      ),
    ).toBe(b.length);
  }
  expect(calls.map((c) => c.id).sort()).toEqual([...ids].sort());
  const share = calls.filter((c) => c.relay === 'r1').length / calls.length;
  expect(share).toBeGreaterThan(0.3);
  expect(share).toBeLessThan(0.7);
  for (const [, seqs] of seqsByAccount(calls)) expect(seqs).toEqual([1, 2, 3, 4]);
}, 60_000);
