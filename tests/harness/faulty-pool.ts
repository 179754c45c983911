/**
 * A pg Pool that fails chosen statements the way a CockroachDB cluster fails them, for the
 * faults a single PostgreSQL cannot produce by itself (a node lost during COMMIT). Each fault
 * fires once, on the next matching statement of any connection:
 * - `40001-at-commit`: the COMMIT is replaced by a real ROLLBACK, then 40001 is thrown
 *   (CockroachDB's "restart transaction" at COMMIT: nothing was written);
 * - `40003-after-commit`: the COMMIT really runs, then 40003 "result is ambiguous" is thrown
 *   (the gateway node lost its connection to the leaseholder after the commit applied);
 * - `reset-after-commit`: the COMMIT really runs, then the socket is destroyed and pg's
 *   ECONNRESET is thrown (the node died after committing, before answering);
 * - `reset-before-commit`: the socket is destroyed and then the COMMIT is sent: pg's own
 *   error, and PostgreSQL rolls the transaction back (the node died before the commit);
 * - `terminate-before-commit`: a real `pg_terminate_backend` of the connection before its
 *   COMMIT (57P01 admin shutdown, what a drained CockroachDB node sends), then the COMMIT;
 * - `{ statement, code }`: the first statement whose text matches throws `code` unexecuted.
 * `seen` lists the faults that fired, so a test can check that its fault really happened.
 */
import { Client, Pool, type PoolClient, type PoolConfig } from 'pg';

export type Fault =
  | '40001-at-commit'
  | '40003-after-commit'
  | 'reset-after-commit'
  | 'reset-before-commit'
  | 'terminate-before-commit'
  | { statement: RegExp; code: string };

const describe = (f: Fault) => (typeof f === 'string' ? f : `${f.code} at ${f.statement}`);

/** An error shaped like the ones pg builds from the server's ErrorResponse. */
function serverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', name: 'error' });
}

type Query = (config: unknown, values?: unknown) => Promise<unknown>;

export class FaultyPool extends Pool {
  private readonly pending: Fault[] = [];
  readonly seen: string[] = [];

  constructor(
    config: PoolConfig,
    /** A superuser URL of the same server, for `terminate-before-commit`. */
    private readonly adminUrl?: string,
  ) {
    super(config);
    this.on('connect', (client) => this.wrap(client));
    // An idle client whose connection dies (the faults above, the test server stopping) must not crash the run.
    this.on('error', () => undefined);
  }

  /** Arms `fault` `times` times (each fires once). */
  inject(fault: Fault, times = 1): this {
    for (let i = 0; i < times; i++) this.pending.push(fault);
    return this;
  }

  /** Disarms every fault that did not fire; returns how many there were. */
  disarm(): number {
    return this.pending.splice(0).length;
  }

  private take(text: string): Fault | undefined {
    const i = this.pending.findIndex((f) =>
      typeof f === 'string' ? /^\s*COMMIT\s*$/i.test(text) : f.statement.test(text),
    );
    if (i < 0) return undefined;
    const [fault] = this.pending.splice(i, 1);
    this.seen.push(describe(fault!));
    return fault;
  }

  private wrap(client: PoolClient): void {
    const plain = client.query.bind(client) as (...args: unknown[]) => unknown;
    const query: Query = (config, values) =>
      plain(...(values === undefined ? [config] : [config, values])) as Promise<unknown>;
    (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      // The promise form (what @prisma/adapter-pg's transactions use) or pg-pool's callback form (pool.query).
      const callback =
        typeof args[args.length - 1] === 'function' ? (args.pop() as (err: unknown, res?: unknown) => void) : undefined;
      const [config, values] = args;
      const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text;
      const fault = text !== undefined ? this.take(text) : undefined;
      if (!fault) return plain(...args, ...(callback ? [callback] : []));
      const result = this.fire(fault, client, query, config, values);
      if (!callback) return result;
      result.then(
        (res) => callback(null, res),
        (err: unknown) => callback(err),
      );
      return undefined;
    };
  }

  private async fire(
    fault: Fault,
    client: PoolClient,
    query: Query,
    config: unknown,
    values: unknown,
  ): Promise<unknown> {
    const socket = (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream;
    switch (fault) {
      case '40001-at-commit':
        await query('ROLLBACK');
        throw serverError(
          '40001',
          'restart transaction: TransactionRetryWithProtoRefreshError: WriteTooOldError (injected at COMMIT)',
        );
      case '40003-after-commit':
        await query(config, values);
        throw serverError('40003', 'result is ambiguous: error=rpc error: code = Unavailable (injected after COMMIT)');
      case 'reset-after-commit':
        await query(config, values);
        socket.destroy();
        throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
      case 'reset-before-commit':
        socket.destroy();
        return query(config, values);
      case 'terminate-before-commit': {
        if (!this.adminUrl) throw new Error('terminate-before-commit needs the admin URL');
        const admin = new Client({ connectionString: this.adminUrl });
        await admin.connect();
        try {
          await admin.query('SELECT pg_terminate_backend($1)', [
            (client as unknown as { processID: number }).processID,
          ]);
        } finally {
          await admin.end();
        }
        return query(config, values);
      }
      default:
        throw serverError(fault.code, `injected ${fault.code} at ${String(fault.statement)}`);
    }
  }
}
