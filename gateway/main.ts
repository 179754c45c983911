/** Gateway process entry: config, logs, start, graceful stop. */
import { loadConfigOrExit } from '../platform/config';
import { onShutdown } from '../platform/lifecycle';
import { consoleOutput, createLogger } from '../platform/logger';
import { Metrics } from '../platform/metrics';
import { gatewayOptionsFrom, startGateway } from './server';

const config = loadConfigOrExit();
const log = createLogger('gateway', config.logLevel, consoleOutput(config.logFormat));
startGateway({ ...gatewayOptionsFrom(config, log), metrics: new Metrics({ processMetrics: true }) }).then(
  (running) => onShutdown(log, running.stop),
  (err: unknown) => {
    log.fatal({ err }, 'gateway failed to start');
    process.exit(1);
  },
);
