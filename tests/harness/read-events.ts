/**
 * For subgraphs/kit/sql.e2e.ts: reads the events of the accounts given as arguments through the prepared
 * hot read, in this process's own time zone (set TZ), and prints them as JSON.
 * Usage: TZ=America/New_York DATA_DATABASE_URL=... node --import tsx read-events.ts <id>...
 */
import { PrismaClient } from '../../generated/data/client';
import { EVENTS_BY_ACCOUNT } from '../../subgraphs/data/loaders';
import { connectDatabase } from '../../subgraphs/kit/database';

async function main(): Promise<void> {
  const data = connectDatabase(PrismaClient, process.env.DATA_DATABASE_URL ?? '', 1);
  try {
    const rows = await data.sql.rows<{ created: Date }>(EVENTS_BY_ACCOUNT, [process.argv.slice(2)]);
    process.stdout.write(JSON.stringify({ offsetMinutes: new Date(0).getTimezoneOffset(), rows }));
  } finally {
    await data.close();
  }
}
void main();
