/**
 * `npm run outbox:status [-- --json] [-- --show N] [-- --relay URL]`: how far the relay is
 * behind: pending rows, failing ones, the age of the oldest, and the oldest rows with their
 * last error. Reads the configured account database, or the embedded one of a running
 * `npm start`. Whether the data context answers is known only to a running relay: that
 * line comes from GET /outbox of the account subgraph (the configured one, or `--relay`),
 * with an operator's credentials from the environment (operatorHeaders).
 */
import { PrismaClient } from '../generated/account/client';
import { signedHeaders } from '../platform/auth';
import { loadConfig, type Config } from '../platform/config';
import { runningDatabaseUrls } from '../prisma/tools/local/bootstrap';
import { connectDatabase } from '../subgraphs/kit/database';
import type { DestinationStatus } from '../subgraphs/account/outbox/destination';
import { status } from '../subgraphs/account/outbox/store';
import { failUsage, numberOption, parseCommandLine, type CommandSpec } from './cli';

type RelayView = { relay: string; destination: DestinationStatus } | { unreachable: string };

/**
 * An operator's credentials for GET /outbox (platform/operator-access.ts): OPERATOR_TOKEN
 * as a Bearer token when set, else a signature with SUBGRAPH_SECRET; none in development.
 */
function operatorHeaders(config: Config, url: string): Record<string, string> {
  if (config.operatorToken) return { authorization: `Bearer ${config.operatorToken}` };
  return signedHeaders(config.subgraphSecret, 'account', 'GET', url, '');
}

/** The destination as one running relay sees it, or why no relay answered. */
async function relayView(url: string, headers: Record<string, string>): Promise<RelayView> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { relay?: string; destination?: DestinationStatus };
    if (!res.ok || !body.destination) return { unreachable: `${url} answered ${res.status} without a relay's view` };
    return { relay: body.relay ?? '?', destination: body.destination };
  } catch (err) {
    return { unreachable: `${url}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function destinationLine(view: RelayView): string {
  if ('unreachable' in view) return `destination unknown (no relay answered: ${view.unreachable})`;
  const d = view.destination;
  if (d.up) return `destination up (relay ${view.relay})`;
  return `destination DOWN for ${((d.downForMs ?? 0) / 1000).toFixed(1)} s, ${d.failedRounds} failed rounds (relay ${view.relay}); last error: ${d.lastError}`;
}

const COMMAND = {
  script: 'outbox:status',
  summary: `How far the outbox relay is behind: pending and failing rows, the oldest one's age, the oldest
rows with their last error, and whether the data context answers (as a running relay sees it).
Reads ACCOUNT_DATABASE_URL, or the embedded PostgreSQL of a running \`npm start\`.`,
  options: {
    json: { type: 'boolean', help: 'one JSON object instead of the report' },
    show: { type: 'string', value: 'N', help: 'how many of the oldest pending rows to list, 0..1000 (default 10)' },
    relay: {
      type: 'string',
      value: 'URL',
      help: "a relay's status URL (default: the account subgraph's, http://HOST:ACCOUNT_PORT/outbox)",
    },
  },
  exitCodes: { 0: 'reported', 1: 'the database could not be read' },
} satisfies CommandSpec;

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  const show = numberOption(COMMAND, 'show', values.show, 10, 0, 1000);
  if (!Number.isInteger(show)) failUsage(COMMAND, `--show must be a whole number, got ${values.show}`);
  const config = loadConfig();
  const relayUrl = values.relay ?? new URL('/outbox', config.subgraphUrls.account).toString();
  const db = connectDatabase(PrismaClient, runningDatabaseUrls(config).account, 1, { dialect: config.dialect });
  try {
    const [s, view] = await Promise.all([
      status(db.prisma, show),
      relayView(relayUrl, operatorHeaders(config, relayUrl)),
    ]);
    if (values.json) {
      console.log(JSON.stringify({ ...s, ...view }, null, 2));
      return;
    }
    const age = s.oldestPendingAgeMs === null ? '-' : `${(s.oldestPendingAgeMs / 1000).toFixed(1)} s`;
    console.log(`pending ${s.pending}  failing ${s.failing}  oldest pending ${age}  max attempts ${s.maxAttempts}`);
    console.log(destinationLine(view));
    for (const r of s.oldest) {
      console.log(
        `  ${r.occurredAt}  ${r.eventName.padEnd(8)} account ${r.accountId} #${r.seq}  attempts ${r.attempts}${r.lastError ? `  last error: ${r.lastError}` : ''}`,
      );
    }
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(`outbox:status failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
