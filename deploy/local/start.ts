/**
 * `npm start`: the whole stack on one machine. Databases (embedded PostgreSQL unless URLs
 * are configured), migrations, demo data on first start, then the three subgraphs and the
 * gateway as separate processes, each restarted with a backoff if it dies. Ctrl-C stops
 * the gateway, the subgraphs, then the database: every service and the database run in
 * their own process groups, so the terminal's SIGINT reaches only this launcher.
 */
import { randomBytes } from 'node:crypto';
import { CONTEXTS, loadConfigOrExit, withDatabaseUrls, type ContextName } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { isSeeded, seed } from '../../prisma/tools/seed';
import { migrateAll, openDatabases, type Databases } from '../../prisma/tools/local/bootstrap';
import { startService, supervise, waitHealthy, type SupervisedService } from './processes';

/** Progress a person at the terminal reads (logs are JSON lines for machines). */
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('launcher', config.logLevel);
  const subgraphs: SupervisedService[] = [];
  let gateway: SupervisedService | undefined;
  let dbs: Databases | undefined;
  /** The database being started: a Ctrl-C meanwhile waits for it, then stops it (it is in its own process group). */
  let opening: Promise<Databases> | undefined;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (gateway) say('Stopping: gateway');
    await gateway?.stop();
    if (subgraphs.length > 0) say('Stopping: subgraphs');
    await Promise.all(subgraphs.map((s) => s.stop()));
    const database = dbs ?? (await opening?.catch(() => undefined));
    if (database?.embedded) say('Stopping: database');
    await database?.stop();
    say('Stopped.');
    log.info('stack stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    opening = openDatabases(config, log, { ownProcessGroup: true });
    dbs = await opening;
    await migrateAll(dbs.migrationUrls, log);
    if (config.seedAccounts > 0 && !(await isSeeded(dbs.urls.account))) {
      log.info({ accounts: config.seedAccounts }, 'first start: seeding demo data');
      await seed(dbs.urls, { accounts: config.seedAccounts });
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Subgraphs answer only the gateway (and the relay): one secret per stack run unless given.
      SUBGRAPH_SECRET: config.subgraphSecret ?? randomBytes(32).toString('hex'),
    };
    // Each subgraph gets its own context's database URL and no other; the gateway none.
    const urls = dbs.urls;
    const envOf = (name: ContextName | 'gateway') => withDatabaseUrls(env, urls, name === 'gateway' ? [] : [name]);
    const base = (name: ContextName | 'gateway') => `http://${config.host}:${config.ports[name]}`;
    for (const c of CONTEXTS) {
      subgraphs.push(
        supervise(
          startService(
            { name: `${c}-subgraph`, entry: `subgraphs/${c}/main`, env: envOf(c), healthUrl: `${base(c)}/health` },
            log,
          ),
          log,
        ),
      );
    }
    await Promise.all(subgraphs.map((s) => waitHealthy(s.current())));
    if (stopping) return;
    gateway = supervise(
      startService(
        { name: 'gateway', entry: 'gateway/main', env: envOf('gateway'), healthUrl: `${base('gateway')}/health` },
        log,
      ),
      log,
    );
    await waitHealthy(gateway.current());
    if (stopping) return;
    const lines = [
      `gateway   ${base('gateway')}/graphql`,
      ...CONTEXTS.map((c) => `${c.padEnd(9)} ${config.subgraphUrls[c]}`),
      dbs.embedded
        ? `database  embedded PostgreSQL on 127.0.0.1:${config.embedded.port} (${config.embedded.dir})`
        : 'database  configured URLs',
    ];
    say(`\nAccount graph is up (Ctrl-C to stop):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    log.info({ gateway: `${base('gateway')}/graphql` }, 'stack ready');
  } catch (err) {
    if (stopping) return;
    log.fatal({ err }, 'start-up failed');
    await stopAll(1);
  }
}

void main();
