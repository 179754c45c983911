/**
 * gateway/server.ts sets APOLLO_TELEMETRY_DISABLED only while @apollo/gateway is constructed
 * (the one time it reads it), never on import, and leaves the environment as it found it.
 */
const before = process.env.APOLLO_TELEMETRY_DISABLED;
afterEach(() => {
  if (before === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
  else process.env.APOLLO_TELEMETRY_DISABLED = before;
});

/** gateway/server.ts loaded anew, with APOLLO_TELEMETRY_DISABLED unset. */
function loadServer(): typeof import('./server') {
  delete process.env.APOLLO_TELEMETRY_DISABLED;
  let server!: typeof import('./server');
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded here, after the environment is set
    server = require('./server') as typeof import('./server');
  });
  return server;
}

test('importing the gateway writes nothing to process.env', () => {
  loadServer();
  expect(process.env.APOLLO_TELEMETRY_DISABLED).toBeUndefined();
});

test('construction sees telemetry off; afterwards the environment is as it was, also when construction throws', () => {
  const { withoutTelemetry } = loadServer();
  expect(withoutTelemetry(() => process.env.APOLLO_TELEMETRY_DISABLED)).toBe('1');
  expect(process.env.APOLLO_TELEMETRY_DISABLED).toBeUndefined();
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  expect(() =>
    withoutTelemetry(() => {
      throw new Error('construction failed');
    }),
  ).toThrow('construction failed');
  expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
});
