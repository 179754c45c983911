/**
 * `npm run outbox:status [-- --json] [-- --show N]`: how far the relay is behind: pending
 * rows, failing ones, the age of the oldest, and the oldest rows with their last error.
 * Reads the configured account database, or the embedded one of a running `npm start`.
 */
import { parseArgs } from 'node:util';
import { PrismaClient } from '../../../generated/account/client';
import { loadConfig } from '../../../platform/config';
import { runningDatabaseUrls } from '../../../deploy/local/bootstrap';
import { connectDatabase } from '../../kit/database';
import { status } from './store';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, show: { type: 'string', default: '10' } } });
  const show = Number(values.show);
  if (!Number.isInteger(show) || show < 0 || show > 1000) {
    console.error('usage: npm run outbox:status -- [--json] [--show N (0..1000)]');
    process.exit(2);
  }
  const db = connectDatabase(PrismaClient, runningDatabaseUrls(loadConfig()).account, 1);
  try {
    const s = await status(db.prisma, show);
    if (values.json) {
      console.log(JSON.stringify(s, null, 2));
      return;
    }
    const age = s.oldestPendingAgeMs === null ? '-' : `${(s.oldestPendingAgeMs / 1000).toFixed(1)} s`;
    console.log(`pending ${s.pending}  failing ${s.failing}  oldest pending ${age}  max attempts ${s.maxAttempts}`);
    for (const r of s.oldest) {
      console.log(`  ${r.occurredAt}  ${r.eventName.padEnd(8)} account ${r.accountId} #${r.seq}  attempts ${r.attempts}${r.lastError ? `  last error: ${r.lastError}` : ''}`);
    }
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(`outbox:status failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
