/**
 * `npm start`: the whole stack on one machine. First a preflight (preflight.ts: data folder,
 * a stack already running, every port), then databases (embedded PostgreSQL unless URLs
 * are configured), migrations, demo data on first start, then REPLICAS processes of each
 * subgraph and of the gateway (topology.ts), each restarted with a backoff if it dies. Ctrl-C stops
 * the gateway, the subgraphs, then the database: every service and the database run in
 * their own process groups, so the terminal's SIGINT reaches only this launcher.
 */
import { randomBytes } from 'node:crypto';
import {
  allDatabaseUrls,
  CONTEXTS,
  ConfigError,
  loadConfigOrExit,
  withDatabaseUrls,
  type Config,
} from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { isSeeded, seed } from '../../prisma/tools/seed';
import { migrateAll, openDatabases, type Databases } from '../../prisma/tools/local/bootstrap';
import { preflight } from './preflight';
import { startService, supervise, waitHealthy, type SupervisedService } from './processes';
import { terminal } from './terminal';
import { instances, variablesOf, type Instance } from './topology';

/** Whether the stack embeds its PostgreSQL (no database URLs), or exit 2 naming what is missing. */
function embeddedOrExit(config: Config): boolean {
  try {
    return allDatabaseUrls(config) === undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const problems = await preflight(config, embeddedOrExit(config));
  if (problems.length > 0) {
    process.stderr.write(problems.map((p) => `${p}\n`).join(''));
    process.exit(2);
  }
  const term = terminal(config.logFormat);
  const say = term.say;
  const log = createLogger('launcher', config.logLevel, { write: term.log });
  const plan = instances(config);
  const subgraphs: SupervisedService[] = [];
  const gateways: SupervisedService[] = [];
  let dbs: Databases | undefined;
  /** The database being started: a Ctrl-C meanwhile waits for it, then stops it (it is in its own process group). */
  let opening: Promise<Databases> | undefined;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (gateways.length > 0) say(gateways.length > 1 ? 'Stopping: gateways' : 'Stopping: gateway');
    await Promise.all(gateways.map((g) => g.stop()));
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
    say(
      allDatabaseUrls(config)
        ? 'Using the configured databases'
        : `Starting the embedded PostgreSQL on 127.0.0.1:${config.embedded.port} (${config.embedded.dir})`,
    );
    opening = openDatabases(config, log, { ownProcessGroup: true });
    dbs = await opening;
    say('Applying migrations');
    await migrateAll(dbs.migrationUrls, log);
    if (config.seedAccounts > 0 && !(await isSeeded(dbs.urls.account))) {
      log.info({ accounts: config.seedAccounts }, 'first start: seeding demo data');
      await seed(dbs.urls, { accounts: config.seedAccounts });
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // Subgraphs answer only the gateway (and the relay): one secret per stack run unless given.
      SUBGRAPH_SECRET: config.subgraphSecret ?? randomBytes(32).toString('hex'),
      // The services write JSON lines; this launcher shows them (terminal.ts).
      LOG_FORMAT: 'json',
    };
    // Each subgraph gets its own context's database URL and no other; the gateway none.
    const urls = dbs.urls;
    const run = (i: Instance) =>
      supervise(
        startService(
          {
            name: i.name,
            entry: i.kind === 'gateway' ? 'gateway/main' : `subgraphs/${i.kind}/main`,
            env: { ...withDatabaseUrls(env, urls, i.kind === 'gateway' ? [] : [i.kind]), ...variablesOf(config, i) },
            healthUrl: i.url.replace(/\/graphql$/, '/health'),
            lines: term.log,
          },
          log,
        ),
        log,
      );
    say(`Starting ${plan.length - config.replicas} subgraph processes`);
    subgraphs.push(...plan.filter((i) => i.kind !== 'gateway').map(run));
    await Promise.all(subgraphs.map((s) => waitHealthy(s.current())));
    if (stopping) return;
    say(config.replicas > 1 ? `Starting ${config.replicas} gateways` : 'Starting the gateway');
    gateways.push(...plan.filter((i) => i.kind === 'gateway').map(run));
    await Promise.all(gateways.map((g) => waitHealthy(g.current())));
    if (stopping) return;
    const urlsOf = (kind: Instance['kind']) => plan.filter((i) => i.kind === kind).map((i) => i.url);
    const lines = [
      ...(['gateway', ...CONTEXTS] as const).flatMap((kind) =>
        urlsOf(kind).map((url, k) => `${k === 0 ? kind.padEnd(9) : ' '.repeat(9)} ${url}`),
      ),
      dbs.embedded
        ? `database  embedded PostgreSQL on 127.0.0.1:${config.embedded.port} (${config.embedded.dir})`
        : 'database  configured URLs',
    ];
    say(`\nAccount graph is up (Ctrl-C to stop):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    term.ready();
    log.info({ gateways: urlsOf('gateway') }, 'stack ready');
  } catch (err) {
    if (stopping) return;
    term.failed();
    log.fatal({ err }, 'start-up failed');
    say(`Start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

void main();
