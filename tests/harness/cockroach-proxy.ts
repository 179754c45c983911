/**
 * A CockroachDB-flavoured test target: a PostgreSQL wire-protocol proxy (node:net) in front of
 * a real PostgreSQL that makes the server present itself as CockroachDB v25.2, so that Prisma's
 * schema engine and our own code take their CockroachDB paths against a database that runs here.
 * CockroachDB cannot run on this machine; this is the closest real thing, not a CockroachDB.
 *
 * It parses the frontend messages (the startup packet, then `type + int32 length + body`) and
 * rewrites the SQL of simple queries (`Q`) and of prepared statements (`P`, Parse); the backend's
 * answers pass through unchanged. What it changes, each for a documented CockroachDB behaviour:
 *
 * - `version()` answers CockroachDB's version string ("CockroachDB CCL v25.2.1 (...)"): the
 *   function reports the node's build, like `cockroach version`'s Build Tag and Distribution
 *   (https://www.cockroachlabs.com/docs/v25.2/cockroach-version). Prisma's engine and
 *   prisma/tools/schema-engine.ts tell CockroachDB from PostgreSQL by it.
 * - `SET` of a CockroachDB-only session variable (the list below, from CockroachDB's session
 *   variables page, https://www.cockroachlabs.com/docs/v25.2/session-variables, and
 *   `create_table_with_schema_locked` of v25.3+, https://www.cockroachlabs.com/docs/v26.1/session-variables;
 *   `enable_experimental_alter_column_type_general`, which Prisma's engine sets: a session
 *   variable documented in v23.2 (https://www.cockroachlabs.com/docs/v23.2/session-variables), no longer
 *   needed since v25.1 made ALTER COLUMN TYPE generally available, v25.1.0-alpha.1 release
 *   notes, https://www.cockroachlabs.com/docs/releases/v25.1; v25.2 still accepts the SET, an
 *   assumption not checked here) is accepted: it
 *   becomes a `SET` of a placeholder variable `crdb.<name>` (PostgreSQL accepts dotted custom
 *   settings), so the statement still runs and answers `SET`, in both protocols.
 * - `SET TRANSACTION AS OF SYSTEM TIME …` (follower reads; a transaction reading the past is
 *   read-only: https://www.cockroachlabs.com/docs/v25.2/as-of-system-time) becomes
 *   `SET TRANSACTION READ ONLY`.
 * - An index hint `table@index` / `table@{FORCE_INDEX=index}` (CockroachDB's index selection:
 *   https://www.cockroachlabs.com/docs/v25.2/table-expressions#force-index-selection) loses the
 *   hint, which PostgreSQL cannot parse; PostgreSQL chooses its own plan.
 *
 * `seen` keeps every statement as the client sent it (before any rewrite), so tests assert what
 * really went to "CockroachDB". TLS is not offered (answers `N` to SSLRequest): clients connect
 * with sslmode=disable, as to an insecure node.
 */
import net from 'node:net';

/** What `version()` answers: a v25.2 node's build string (release, CCL distribution). */
export const COCKROACH_VERSION =
  'CockroachDB CCL v25.2.1 (x86_64-pc-linux-gnu, built 2025/06/04 00:00:00, go1.23.7 X:nocoverageredesign)';

/** CockroachDB-only session variables a client may SET (names from the session variables page). */
export const COCKROACH_SESSION_VARIABLES = [
  'enable_implicit_transaction_for_batch_statements',
  'enable_experimental_alter_column_type_general',
  'autocommit_before_ddl',
  'create_table_with_schema_locked',
  'use_declarative_schema_changer',
  'default_transaction_use_follower_reads',
  'enable_implicit_select_for_update',
  'optimizer_use_histograms',
  'serial_normalization',
];

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

const SET_VARIABLE = new RegExp(
  `^(\\s*SET\\s+(?:SESSION\\s+|LOCAL\\s+)?)(${COCKROACH_SESSION_VARIABLES.join('|')})(\\s*(?:=|TO)\\s*)`,
  'i',
);

/** The SQL PostgreSQL runs in place of what a CockroachDB client sent. */
export function rewrite(sql: string): string {
  return sql
    .replace(/\bversion\(\)/gi, `(SELECT '${COCKROACH_VERSION}'::text AS version)`)
    .replace(SET_VARIABLE, (_m, head: string, name: string, eq: string) => `${head}crdb.${name.toLowerCase()}${eq}`)
    .replace(/^\s*SET\s+TRANSACTION\s+AS\s+OF\s+SYSTEM\s+TIME\s+[^;]+/i, 'SET TRANSACTION READ ONLY')
    .replace(/(\b[a-z_][a-z0-9_]*|"[^"]+")@(?:\{[^}]*\}|[a-z_][a-z0-9_]*)/gi, '$1');
}

export interface CockroachProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's (sslmode=disable). */
  urlFor(url: string): string;
  /** Every statement text clients sent, in order, before rewriting. */
  seen: string[];
  close(): Promise<void>;
}

const cstring = (buf: Buffer, at: number) => {
  const end = buf.indexOf(0, at);
  return { text: buf.toString('utf8', at, end), next: end + 1 };
};

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** One frontend message, its SQL rewritten when it carries any (Q, P); others as they came. */
function rewriteMessage(type: string, body: Buffer, seen: string[]): Buffer {
  if (type === 'Q') {
    const { text } = cstring(body, 0);
    seen.push(text);
    return message('Q', Buffer.from(`${rewrite(text)}\0`));
  }
  if (type === 'P') {
    const name = cstring(body, 0);
    const query = cstring(body, name.next);
    seen.push(query.text);
    const rest = body.subarray(query.next);
    return message('P', Buffer.concat([body.subarray(0, name.next), Buffer.from(`${rewrite(query.text)}\0`), rest]));
  }
  return message(type, body);
}

function serve(client: net.Socket, upstream: { host: string; port: number }, seen: string[]): void {
  const server = net.connect(upstream);
  let pending = Buffer.alloc(0);
  let started = false;
  const fail = () => {
    client.destroy();
    server.destroy();
  };
  client.on('error', fail);
  server.on('error', fail);
  client.on('close', () => server.end());
  server.on('close', () => client.end());
  server.on('data', (d) => client.write(d));
  client.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (!started) {
        if (pending.length < 8) return;
        const len = pending.readInt32BE(0);
        if (pending.length < len) return;
        const code = pending.readInt32BE(4);
        const packet = pending.subarray(0, len);
        pending = pending.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          client.write('N');
          continue;
        }
        started = code !== CANCEL_REQUEST;
        server.write(packet);
        continue;
      }
      if (pending.length < 5) return;
      const len = pending.readInt32BE(1);
      if (pending.length < len + 1) return;
      const type = String.fromCharCode(pending[0]!);
      const body = pending.subarray(5, len + 1);
      pending = pending.subarray(len + 1);
      server.write(rewriteMessage(type, body, seen));
    }
  });
}

/** Starts the proxy on a free port of 127.0.0.1, in front of `upstreamUrl`'s host and port. */
export async function startCockroachProxy(upstreamUrl: string): Promise<CockroachProxy> {
  const up = new URL(upstreamUrl);
  const upstream = { host: up.hostname, port: Number(up.port || 5432) };
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, upstream, seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    seen,
    urlFor: (url) => {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      u.searchParams.set('sslmode', 'disable');
      return u.toString();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
