/**
 * deploy/local/terminal.ts: for a person, services' JSON lines become readable lines and the
 * start-up's info lines wait (the banner comes first); for a machine, JSON passes unchanged.
 */
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { terminal } from './terminal';

function sink(isTTY: boolean) {
  let text = '';
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  return { out, text: () => text };
}

const info = JSON.stringify({ level: 30, time: 0, name: 'data-subgraph', pid: 7, msg: 'listening' });
const error = JSON.stringify({ level: 50, time: 0, name: 'gateway', pid: 8, msg: 'gateway died (exit code 1)' });

test('at a terminal: warnings and errors at once, info lines only after the banner, each one readable line', () => {
  const s = sink(true);
  const term = terminal('auto', s.out);
  term.log(info);
  term.log(error);
  term.say('Account graph is up');
  term.ready();
  term.log(info);
  const lines = stripVTControlCharacters(s.text()).split('\n');
  expect(lines[0]).toMatch(/^\[[\d:.]+\] ERROR \(gateway\): gateway died \(exit code 1\)$/);
  expect(lines[1]).toBe('Account graph is up');
  expect(lines[2]).toMatch(/^\[[\d:.]+\] INFO \(data-subgraph\): listening$/);
  expect(lines).toHaveLength(4); // the held start-up line was not shown
  expect(s.text()).not.toContain('"level"');
});

test('at a terminal, a failed start-up shows the lines it held back; a line that is not JSON passes as it is', () => {
  const s = sink(true);
  const term = terminal('auto', s.out);
  term.log(info);
  term.log('    at Object.<anonymous> (main.ts:1:1)');
  term.failed();
  const text = stripVTControlCharacters(s.text());
  expect(text).toMatch(/^ {4}at Object.<anonymous> \(main.ts:1:1\)\n\[[\d:.]+\] INFO \(data-subgraph\): listening\n$/);
});

test('not a terminal (or LOG_FORMAT=json): every JSON line passes unchanged, in order', () => {
  for (const [format, tty] of [
    ['auto', false],
    ['json', true],
  ] as const) {
    const s = sink(tty);
    const term = terminal(format, s.out);
    term.log(info);
    term.log(`${error}\n`);
    term.say('Account graph is up');
    expect(s.text()).toBe(`${info}\n${error}\nAccount graph is up\n`);
  }
});
