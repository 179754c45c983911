/**
 * `npm start`: the whole stack on one machine. Databases (embedded PostgreSQL unless URLs
 * are configured), migrations, demo data on first start, then the three subgraphs and the
 * gateway as separate processes. Ctrl-C stops the gateway, the subgraphs, then the database.
 */
import { randomBytes } from 'node:crypto';
import { CONTEXTS, loadConfig, withDatabaseUrls, type ContextName } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { isSeeded, seed } from '../../prisma/tools/seed';
import { migrateAll, openDatabases, type Databases } from './bootstrap';
import { startService, waitHealthy, type ServiceProcess } from './processes';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('launcher', config.logLevel);
  const services: ServiceProcess[] = [];
  let dbs: Databases | undefined;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const svc of [...services].reverse()) await svc.stop();
    await dbs?.stop();
    log.info('stack stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    dbs = await openDatabases(config, log);
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
    const subgraphs = CONTEXTS.map((c) =>
      startService({ name: `${c}-subgraph`, entry: `subgraphs/${c}/main`, env: envOf(c), healthUrl: `${base(c)}/health` }, log),
    );
    services.push(...subgraphs);
    await Promise.all(subgraphs.map((s) => waitHealthy(s)));
    const gateway = startService({ name: 'gateway', entry: 'gateway/main', env: envOf('gateway'), healthUrl: `${base('gateway')}/health` }, log);
    services.push(gateway);
    await waitHealthy(gateway);
    for (const svc of services) {
      void svc.exited.then((code) => {
        if (stopping) return;
        log.error({ service: svc.spec.name, code }, 'service exited unexpectedly; stopping the stack');
        void stopAll(1);
      });
    }
    const lines = [
      `gateway   ${base('gateway')}/graphql`,
      ...CONTEXTS.map((c) => `${c.padEnd(9)} ${config.subgraphUrls[c]}`),
      dbs.embedded ? `database  embedded PostgreSQL on 127.0.0.1:${config.embedded.port} (${config.embedded.dir})` : 'database  configured URLs',
    ];
    process.stdout.write(`\nAccount graph is up (Ctrl-C to stop):\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
    log.info({ gateway: `${base('gateway')}/graphql` }, 'stack ready');
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    await stopAll(1);
  }
}

void main();
