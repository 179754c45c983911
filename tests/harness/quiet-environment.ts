/**
 * The test environment of every lane (jest.config.js): Node's, plus quiet logs. The code
 * under test logs what goes wrong (a deadlock a test provokes, a table a fault test renamed
 * away), as it must in production; in a run those expected warnings and errors, with their
 * stack traces, buried the results. The log lines (pino's JSON lines on stdout, from the
 * loggers of tests/harness/log.ts) written while a test or its hooks run are held, and shown
 * on stderr only when that test or hook fails; anything else written to stdout passes.
 */
import NodeEnvironment from 'jest-environment-node';

/** The parts of jest-circus's events this reads. */
type TestEvent =
  | { name: 'test_start' }
  | { name: 'test_done'; test: { name: string; errors: unknown[] } }
  | { name: 'hook_failure'; hook: { type: string } }
  | { name: string };

export default class QuietEnvironment extends NodeEnvironment {
  private held: string[] = [];
  private restore: (() => void) | undefined;

  override async setup(): Promise<void> {
    await super.setup();
    const stdout = process.stdout;
    const write = stdout.write;
    stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : '';
      if (text.startsWith('{"level":')) {
        this.held.push(text);
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }
      return (write as (...a: unknown[]) => boolean).call(stdout, chunk, ...rest);
    }) as typeof stdout.write;
    this.restore = () => void (stdout.write = write);
  }

  override async teardown(): Promise<void> {
    this.restore?.();
    await super.teardown();
  }

  private show(what: string): void {
    if (this.held.length === 0) return;
    process.stderr.write(
      `\n── log lines while ${what} ran (it failed) ──\n${this.held.join('')}── end of log lines ──\n`,
    );
    this.held = [];
  }

  handleTestEvent(event: TestEvent): void {
    if (event.name === 'test_start') this.held = [];
    else if (event.name === 'test_done' && 'test' in event) {
      if (event.test.errors.length > 0) this.show(`"${event.test.name}"`);
      this.held = [];
    } else if (event.name === 'hook_failure' && 'hook' in event) this.show(`a ${event.hook.type} hook`);
  }
}
