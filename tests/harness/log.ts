/**
 * The logger of in-process services in tests: LOG_LEVEL (the test run sets `warn`), written
 * through process.stdout so that the test environment (quiet-environment.ts) can hold the
 * lines and show them only for a test that fails.
 */
import { createLogger, type Logger } from '../../platform/logger';

export const testLogger = (level: string = process.env.LOG_LEVEL ?? 'warn'): Logger =>
  createLogger('test', level, process.stdout);
