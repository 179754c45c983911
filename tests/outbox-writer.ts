/**
 * The outbox fault tests' writer: one createAccount at a time straight to the account
 * subgraph, a fixed pause between, bounded in count and time. Every answer is filed under
 * the phase the request was sent in (the test moves `phase` along as it injects faults):
 * acknowledged creates, requests that got no answer, and requests answered without a create.
 */
import { sleep } from './outbox-stack';

export interface Ack {
  id: string;
  name: string;
  phase: string;
}

export class Writer {
  phase: string;
  readonly acked: Ack[] = [];
  /** Requests that never got an answer (no process listening, killed mid-request, timeout), by phase. */
  readonly unreachable = new Map<string, number>();
  /** Requests the account subgraph answered without creating the account (GraphQL errors, non-200), by phase. */
  readonly refused = new Map<string, number>();
  /** Distinct failure messages (at most 10 kept), with their phase, and how often each came. */
  readonly errors = new Map<string, number>();
  attempts = 0;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    /** The account subgraph's base URL (it changes when the process is restarted on another port). */
    private readonly accountUrl: () => string,
    readonly prefix: string,
    firstPhase: string,
    private readonly opts = { pauseMs: 40, maxAttempts: 1_500, maxMs: 45_000 },
  ) {
    this.phase = firstPhase;
  }

  start(): this {
    this.done = this.loop();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  ackedIn(phase: string): number {
    return this.acked.filter((a) => a.phase === phase).length;
  }

  totalRefused(): number {
    return [...this.refused.values()].reduce((a, b) => a + b, 0);
  }

  private async loop(): Promise<void> {
    const deadline = Date.now() + this.opts.maxMs;
    while (!this.stopped && this.attempts < this.opts.maxAttempts && Date.now() < deadline) {
      const n = ++this.attempts;
      const name = `${this.prefix}${n}`;
      const phase = this.phase; // the phase the request was sent in
      try {
        const res = await fetch(`${this.accountUrl()}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `mutation { createAccount(name: "${name}") { id } }` }),
          signal: AbortSignal.timeout(3_000),
        });
        const text = await res.text();
        let body: {
          data?: { createAccount?: { id?: string } | null } | null;
          errors?: { message: string; extensions?: { code?: string } }[];
        } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // reported below with the status
        }
        const id = body.data?.createAccount?.id;
        if (res.status === 200 && id && !body.errors?.length) this.acked.push({ id, name, phase });
        else
          this.fail(
            this.refused,
            phase,
            `HTTP ${res.status} ${body.errors?.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ') ?? text.slice(0, 200)}`,
          );
      } catch (err) {
        // Killed mid-response, the answer is lost; before that, there was no answer at all.
        const reason =
          err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err);
        this.fail(this.unreachable, phase, reason);
      }
      await sleep(this.opts.pauseMs);
    }
  }

  private fail(counts: Map<string, number>, phase: string, error: string): void {
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
    const key = `${phase}: ${error}`;
    if (this.errors.has(key) || this.errors.size < 10) this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  summary(phases: string[]): string {
    const errors = [...this.errors].map(([e, n]) => `${n}× ${e}`).join('; ');
    const per = (p: string) =>
      `${p}: ${this.ackedIn(p)} ok / ${this.unreachable.get(p) ?? 0} unreachable / ${this.refused.get(p) ?? 0} refused`;
    return `${phases.map(per).join(', ')}${errors ? ` [${errors}]` : ''}`;
  }
}
