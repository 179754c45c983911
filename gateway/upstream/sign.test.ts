/**
 * Signing (sign.ts): the header platform/auth.ts checks, for this subgraph only, made anew on
 * every call (each attempt gets its own nonce), the request's other headers kept.
 */
import { SIGNATURE_HEADER, check } from '../../platform/auth';
import { signing } from './sign';

const SECRET = 's'.repeat(32);
const URL_ = 'http://127.0.0.1:4001/graphql?x=1';
const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{a}"}' };

test('without a secret the request is unchanged', () => {
  expect(signing({ audience: 'account' })(URL_, init)).toBe(init);
});

test('with a secret: a header that verifies for this subgraph, method, path and body, and no other', () => {
  const signed = signing({ secret: SECRET, audience: 'account' })(URL_, init);
  expect(signed.headers?.['content-type']).toBe('application/json');
  const header = signed.headers?.[SIGNATURE_HEADER];
  expect(check(SECRET, 'account', header, 'POST', '/graphql?x=1', init.body)).toHaveProperty('verified');
  expect(check(SECRET, 'data', header, 'POST', '/graphql?x=1', init.body)).toHaveProperty('refused');
  expect(check(SECRET, 'account', header, 'POST', '/graphql?x=1', '{"query":"{b}"}')).toHaveProperty('refused');
  expect(init.headers).not.toHaveProperty(SIGNATURE_HEADER); // the caller's object is not touched
});

test('each attempt is signed anew: a fresh nonce every call', () => {
  const sign = signing({ secret: SECRET, audience: 'account' });
  const nonces = [1, 2, 3].map(() => /n=([0-9a-f]+)/.exec(sign(URL_, init).headers![SIGNATURE_HEADER]!)![1]);
  expect(new Set(nonces).size).toBe(3);
});
