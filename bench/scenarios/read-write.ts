/**
 * `read-write`: --users N (default 10), each reading one seeded account a second and
 * creating one account (POST /accounts) every 4 s, open loop. At the end every
 * acknowledged create (201 with an ID) must be readable and show exactly one CREATED
 * event; the events travel through the outbox, so the check polls (bounded) until they
 * have all arrived, and reports how long that took after the load ended.
 */
import { randomBytes } from 'node:crypto';
import { runOpenLoop, type Stream } from '../load/open-loop';
import { summarize, type Sample } from '../lib/stats';
import { createAccount, randomId, readAccount, sleep, type Scenario } from './common';

const DRAIN_LIMIT_MS = 60_000;

interface Verdict {
  id: string;
  readable: boolean;
  created: number;
}

async function verify(base: string, id: string): Promise<Verdict> {
  try {
    const r = await readAccount(base, id);
    const created = r.body?.accountEvents.filter((e) => e.eventName === 'CREATED').length ?? 0;
    return { id, readable: r.status === 200 && r.body?.id === id, created };
  } catch {
    return { id, readable: false, created: 0 };
  }
}

export const readWrite: Scenario = async (ctx) => {
  const run = randomBytes(3).toString('hex');
  const acknowledged: string[] = [];
  const streams: Stream[] = [];
  for (let u = 0; u < ctx.users; u++) {
    streams.push({ rate: 1, offsetMs: Math.random() * 1000, send: () => readAccount(ctx.base, randomId(ctx.ids)) });
    streams.push({
      rate: 0.25,
      offsetMs: Math.random() * 4000,
      send: async (i) => {
        const r = await createAccount(ctx.base, `lt-${run}-u${u}-${i}`);
        if (r.id) acknowledged.push(r.id);
        return r;
      },
    });
  }
  ctx.live.phase(`${ctx.users} users: 1 read/s + 1 create/4 s each`);
  const samples: Sample[] = await runOpenLoop({
    streams,
    durationMs: ctx.durationMs,
    startedAt: ctx.t0,
    onSample: ctx.live.add,
  });
  const loadEnd = ctx.now();

  // Poll until every acknowledged create is readable with exactly one CREATED event (bounded).
  ctx.live.phase(`checking ${acknowledged.length} creates`);
  let pending = [...acknowledged];
  const done = new Map<string, Verdict>();
  const deadline = performance.now() + DRAIN_LIMIT_MS;
  while (pending.length > 0 && performance.now() < deadline) {
    const verdicts: Verdict[] = [];
    for (let i = 0; i < pending.length; i += 10)
      verdicts.push(...(await Promise.all(pending.slice(i, i + 10).map((id) => verify(ctx.base, id)))));
    for (const v of verdicts) done.set(v.id, v);
    // Exactly one CREATED is final; fewer may still be in the outbox; more is a failure at once.
    pending = verdicts.filter((v) => !v.readable || v.created === 0).map((v) => v.id);
    if (pending.length > 0) await sleep(250);
  }
  const drainedAfterMs = ctx.now() - loadEnd;
  const all = [...done.values()];
  const readable = all.filter((v) => v.readable).length;
  const exactlyOne = all.filter((v) => v.readable && v.created === 1).length;
  const problems = all.filter((v) => !v.readable || v.created !== 1).slice(0, 20);
  const reads = summarize(samples.filter((s) => s.kind === 'read').map((s) => s.latencyMs));
  const creates = summarize(samples.filter((s) => s.kind === 'create').map((s) => s.latencyMs));
  const passed = acknowledged.length > 0 && exactlyOne === acknowledged.length;
  return {
    samples,
    marks: [],
    headline: {
      users: ctx.users,
      reads: reads.count,
      'read failures': samples.filter((s) => s.kind === 'read' && !s.ok).length,
      'read p50 / p99 (ms)': `${reads.p50.toFixed(1)} / ${reads.p99.toFixed(1)}`,
      creates: creates.count,
      'creates acknowledged (201)': acknowledged.length,
      'create failures': samples.filter((s) => s.kind === 'create' && !s.ok).length,
      'create p50 / p99 (ms)': `${creates.p50.toFixed(1)} / ${creates.p99.toFixed(1)}`,
      'acknowledged creates readable': readable,
      'with exactly one CREATED event': exactlyOne,
      'all checked OK within (ms after the load ended)':
        pending.length === 0 ? drainedAfterMs : `not within ${DRAIN_LIMIT_MS} ms`,
      check: passed ? 'PASS' : 'FAIL',
    },
    details: {
      check: { passed, acknowledged: acknowledged.length, readable, exactlyOne, stillPending: pending, problems },
    },
  };
};
