/**
 * Request signing between the gateway (or the outbox relay) and the subgraphs
 * (platform/auth.ts): a signature verifies for exactly the request it was made for, to the
 * subgraph it was made for, within the time tolerance, and every way of getting it wrong is
 * refused with its own reason.
 */
import {
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_MS,
  sign as signFor,
  signedHeaders as signedHeadersFor,
  verify as verifyFor,
} from './auth';

/** The tests below sign for and verify as the account subgraph unless they say otherwise. */
const AUD = 'account';
const NONCE = '0123456789abcdef0123456789abcdef';
const sign = (secret: string, method: string, path: string, body: string, now?: number, nonce = NONCE) =>
  signFor(secret, AUD, method, path, body, now, nonce);
const verify = (secret: string, header: string | undefined, method: string, path: string, body: string, now?: number) =>
  verifyFor(secret, AUD, header, method, path, body, now);
const signedHeaders = (secret: string | undefined, method: string, url: string, body: string) =>
  signedHeadersFor(secret, AUD, method, url, body);

const SECRET = 'a'.repeat(16) + 'b'.repeat(16) + '-test-secret';
const OTHER = 'z'.repeat(40);
const NOW = 1_700_000_000_000;
const BODY = JSON.stringify({ query: '{ account(id: "1") { id } }' });
const PATH = '/graphql';
const TAMPERED = JSON.stringify({ query: '{ account(id: "2") { id } }' });

const REASONS = {
  missing: /^missing x-subgraph-signature header/,
  malformed: /^malformed x-subgraph-signature header$/,
  expired: /^request signature expired$/,
  mismatch: /^request signature does not match$/,
};

const good = () => sign(SECRET, 'POST', PATH, BODY, NOW);

describe('sign / verify', () => {
  test('a signature has the form t=<ms>,n=<32 hex>,v1=<64 hex>', () => {
    expect(good()).toMatch(new RegExp(`^t=${NOW},n=${NONCE},v1=[0-9a-f]{64}$`));
  });

  test('two signatures of the same request in the same millisecond differ (a fresh nonce each)', () => {
    const a = signFor(SECRET, AUD, 'POST', PATH, BODY, NOW);
    const b = signFor(SECRET, AUD, 'POST', PATH, BODY, NOW);
    expect(a).not.toBe(b);
    expect([verify(SECRET, a, 'POST', PATH, BODY, NOW), verify(SECRET, b, 'POST', PATH, BODY, NOW)]).toEqual([
      undefined,
      undefined,
    ]);
  });

  test('a signature is bound to the subgraph it was made for', () => {
    for (const other of ['data', 'image', '']) {
      expect(verifyFor(SECRET, other, good(), 'POST', PATH, BODY, NOW)).toMatch(REASONS.mismatch);
    }
  });

  test('round trip: the signed request verifies', () => {
    expect(verify(SECRET, good(), 'POST', PATH, BODY, NOW)).toBeUndefined();
  });

  test('method case does not matter (both sides upper-case it)', () => {
    expect(verify(SECRET, sign(SECRET, 'post', PATH, BODY, NOW), 'POST', PATH, BODY, NOW)).toBeUndefined();
  });

  test('GET with the query in the search part, empty body', () => {
    const path = `${PATH}?query=${encodeURIComponent('{ __typename }')}`;
    expect(verify(SECRET, sign(SECRET, 'GET', path, '', NOW), 'GET', path, '', NOW)).toBeUndefined();
    expect(verify(SECRET, sign(SECRET, 'GET', path, '', NOW), 'GET', `${PATH}?query=x`, '', NOW)).toMatch(
      REASONS.mismatch,
    );
  });

  test('within the tolerance, both directions, is accepted (clock skew)', () => {
    expect(verify(SECRET, good(), 'POST', PATH, BODY, NOW + SIGNATURE_TOLERANCE_MS)).toBeUndefined();
    expect(verify(SECRET, good(), 'POST', PATH, BODY, NOW - SIGNATURE_TOLERANCE_MS)).toBeUndefined();
  });
});

describe('refusals', () => {
  test.each<[string, () => string | undefined, RegExp]>([
    [
      'wrong secret',
      () => verify(SECRET, sign(OTHER, 'POST', PATH, BODY, NOW), 'POST', PATH, BODY, NOW),
      REASONS.mismatch,
    ],
    ['tampered body', () => verify(SECRET, good(), 'POST', PATH, TAMPERED, NOW), REASONS.mismatch],
    ['body with a trailing space', () => verify(SECRET, good(), 'POST', PATH, `${BODY} `, NOW), REASONS.mismatch],
    ['tampered path', () => verify(SECRET, good(), 'POST', '/graphql2', BODY, NOW), REASONS.mismatch],
    ['added query string', () => verify(SECRET, good(), 'POST', `${PATH}?x=1`, BODY, NOW), REASONS.mismatch],
    ['tampered method', () => verify(SECRET, good(), 'GET', PATH, BODY, NOW), REASONS.mismatch],
    [
      'tampered timestamp',
      () => verify(SECRET, good().replace(`t=${NOW}`, `t=${NOW + 1}`), 'POST', PATH, BODY, NOW),
      REASONS.mismatch,
    ],
    [
      'tampered nonce',
      () => verify(SECRET, good().replace(`n=${NONCE}`, `n=${'f'.repeat(32)}`), 'POST', PATH, BODY, NOW),
      REASONS.mismatch,
    ],
    [
      'no nonce (the old format)',
      () => verify(SECRET, good().replace(`n=${NONCE},`, ''), 'POST', PATH, BODY, NOW),
      REASONS.malformed,
    ],
    [
      'short nonce',
      () => verify(SECRET, good().replace(`n=${NONCE}`, 'n=abcd'), 'POST', PATH, BODY, NOW),
      REASONS.malformed,
    ],
    [
      'expired (signed too long ago)',
      () => verify(SECRET, good(), 'POST', PATH, BODY, NOW + SIGNATURE_TOLERANCE_MS + 1),
      REASONS.expired,
    ],
    [
      'expired (signed in the future)',
      () => verify(SECRET, good(), 'POST', PATH, BODY, NOW - SIGNATURE_TOLERANCE_MS - 1),
      REASONS.expired,
    ],
    ['missing header', () => verify(SECRET, undefined, 'POST', PATH, BODY, NOW), REASONS.missing],
    ['empty header', () => verify(SECRET, '', 'POST', PATH, BODY, NOW), REASONS.missing],
    ['garbage header', () => verify(SECRET, 'hello', 'POST', PATH, BODY, NOW), REASONS.malformed],
    ['no v1', () => verify(SECRET, `t=${NOW},n=${NONCE}`, 'POST', PATH, BODY, NOW), REASONS.malformed],
    ['no t', () => verify(SECRET, `n=${NONCE},v1=${'0'.repeat(64)}`, 'POST', PATH, BODY, NOW), REASONS.malformed],
    [
      'non-numeric t',
      () => verify(SECRET, good().replace(`t=${NOW}`, 't=soon'), 'POST', PATH, BODY, NOW),
      REASONS.malformed,
    ],
    ['short v1', () => verify(SECRET, `t=${NOW},n=${NONCE},v1=abcd`, 'POST', PATH, BODY, NOW), REASONS.malformed],
    [
      'upper-case hex v1',
      () =>
        verify(
          SECRET,
          good().replace(/v1=(\w+)/, (_, h: string) => `v1=${h.toUpperCase()}`),
          'POST',
          PATH,
          BODY,
          NOW,
        ),
      REASONS.malformed,
    ],
    [
      'v1 with a non-hex character',
      () => verify(SECRET, `t=${NOW},n=${NONCE},v1=${'g'.repeat(64)}`, 'POST', PATH, BODY, NOW),
      REASONS.malformed,
    ],
  ])('%s', (_, run, reason) => {
    expect(run()).toMatch(reason);
  });

  test('the four kinds of refusal have four distinct reasons', () => {
    const reasons = new Set([
      verify(SECRET, undefined, 'POST', PATH, BODY, NOW),
      verify(SECRET, 'garbage', 'POST', PATH, BODY, NOW),
      verify(SECRET, good(), 'POST', PATH, BODY, NOW + SIGNATURE_TOLERANCE_MS + 1),
      verify(SECRET, sign(OTHER, 'POST', PATH, BODY, NOW), 'POST', PATH, BODY, NOW),
    ]);
    expect(reasons.size).toBe(4);
    expect(reasons.has(undefined)).toBe(false);
  });

  test('the reasons never contain the secret or the expected signature', () => {
    const expected = good().split('v1=')[1]!;
    for (const header of [undefined, 'x', `t=${NOW},n=${NONCE},v1=${'0'.repeat(64)}`]) {
      const reason = verify(SECRET, header, 'POST', PATH, BODY, NOW) ?? '';
      expect(reason).not.toContain(SECRET);
      expect(reason).not.toContain(expected);
    }
  });
});

describe('signedHeaders', () => {
  test('no secret → no headers', () => {
    expect(signedHeaders(undefined, 'POST', 'http://127.0.0.1:4001/graphql', BODY)).toEqual({});
    expect(signedHeaders('', 'POST', 'http://127.0.0.1:4001/graphql', BODY)).toEqual({});
  });

  test('signs path and search of the URL (not host), verifiable by the receiver', () => {
    const headers = signedHeaders(SECRET, 'POST', 'http://10.0.0.7:4002/graphql?a=1', BODY);
    expect(Object.keys(headers)).toEqual([SIGNATURE_HEADER]);
    expect(verifyFor(SECRET, 'data', headers[SIGNATURE_HEADER], 'POST', '/graphql?a=1', BODY)).toMatch(
      REASONS.mismatch,
    );
    expect(verify(SECRET, headers[SIGNATURE_HEADER], 'POST', '/graphql?a=1', BODY)).toBeUndefined();
    expect(verify(SECRET, headers[SIGNATURE_HEADER], 'POST', '/graphql', BODY)).toMatch(REASONS.mismatch);
  });
});
