/** Process entry shared by the three subgraphs: config, logs, start, graceful stop. */
import { databaseUrlOf, loadConfigOrExit, type Config, type ContextName } from '../../platform/config';
import { onShutdown } from '../../platform/lifecycle';
import { consoleOutput, createLogger } from '../../platform/logger';
import { Metrics } from '../../platform/metrics';
import { startSubgraph, type SubgraphDefinition } from './subgraph';

export function runSubgraphProcess<Db, Loaders>(
  name: ContextName,
  define: (databaseUrl: string, poolSize: number, config: Config, metrics: Metrics) => SubgraphDefinition<Db, Loaders>,
): void {
  const config = loadConfigOrExit();
  const log = createLogger(`${name}-subgraph`, config.logLevel, consoleOutput(config.logFormat));
  const def = define(databaseUrlOf(config, name), config.poolSize, config, new Metrics({ processMetrics: true }));
  if (!config.subgraphSecret)
    log.warn('SUBGRAPH_SECRET is not set: this subgraph answers any caller (development only)');
  startSubgraph(def, {
    host: config.host,
    port: config.ports[name],
    instanceName: config.instanceName,
    retry: { maxAttempts: config.txMaxAttempts },
    log,
    production: config.production,
    debugErrors: config.debugErrors,
    secret: config.subgraphSecret,
    operatorToken: config.operatorToken,
    bodyTimeoutMs: config.bodyTimeoutMs,
    idempotencyTtlHours: config.idempotency.ttlHours,
    compiledExecution: config.compiledExecution,
  }).then(
    (running) => onShutdown(log, running.stop),
    (err: unknown) => {
      log.fatal({ err }, 'subgraph failed to start');
      process.exit(1);
    },
  );
}
