/**
 * platform/replay-guard.ts: a signature is admitted once; a replay within the window is
 * refused; expired entries are forgotten; when full, the oldest is forgotten and every
 * signature not newer than it is refused, so that no replay is ever admitted.
 */
import { check, sign } from './auth';
import { ReplayGuard } from './replay-guard';

const SECRET = 's'.repeat(40);
const NOW = 1_700_000_000_000;
const TOL = 60_000;
let n = 0;
/** A distinct verified signature of time `t`. */
const signature = (t: number) => {
  const result = check(
    SECRET,
    'data',
    sign(SECRET, 'data', 'POST', '/graphql', `{"n":${n++}}`, t),
    'POST',
    '/graphql',
    `{"n":${n - 1}}`,
    t,
  );
  if (!('verified' in result)) throw new Error(result.refused);
  return result.verified;
};

test('admitted once; the same signature again (a replay) is refused with its reason', () => {
  const guard = new ReplayGuard(10, TOL);
  const s = signature(NOW);
  expect(guard.admit(s, NOW)).toBeUndefined();
  expect(guard.admit(s, NOW + 1)).toMatch(/^request signature already used/);
  expect(guard.admit(s, NOW + TOL)).toMatch(/already used/); // still inside the window
  expect(guard.size).toBe(1);
});

test('entries past the window are forgotten (a signature that old fails as expired before reaching the guard)', () => {
  const guard = new ReplayGuard(10, TOL);
  for (let i = 0; i < 5; i++) expect(guard.admit(signature(NOW + i), NOW + i)).toBeUndefined();
  expect(guard.size).toBe(5);
  expect(guard.admit(signature(NOW + TOL + 3), NOW + TOL + 3)).toBeUndefined();
  expect(guard.size).toBe(3); // NOW+0..2 expired, NOW+3, NOW+4 and the new one remain
});

test('full: the oldest is forgotten and nothing as old is admitted any more, so a forgotten replay stays refused', () => {
  const guard = new ReplayGuard(3, TOL);
  const [a, b, c, d] = [signature(NOW), signature(NOW + 10), signature(NOW + 20), signature(NOW + 30)];
  for (const s of [a, b, c]) expect(guard.admit(s, NOW + 30)).toBeUndefined();
  expect(guard.admit(d, NOW + 30)).toBeUndefined(); // forgets a (the oldest)
  expect(guard.size).toBe(3);
  expect(guard.admit(a, NOW + 31)).toMatch(/too old to be checked for replay/);
  expect(guard.admit(signature(NOW + 5), NOW + 31)).toMatch(/too old to be checked/); // never seen, but not newer than the floor
  expect(guard.admit(b, NOW + 31)).toMatch(/already used/);
  expect(guard.admit(signature(NOW + 40), NOW + 40)).toBeUndefined(); // fresh ones still pass
});

test('eviction is by signature time, not arrival: a skewed signer in the future does not raise the floor for everyone', () => {
  const guard = new ReplayGuard(2, TOL);
  expect(guard.admit(signature(NOW + 50_000), NOW)).toBeUndefined(); // clock 50 s ahead
  expect(guard.admit(signature(NOW), NOW)).toBeUndefined();
  expect(guard.admit(signature(NOW + 1), NOW + 1)).toBeUndefined(); // forgets the NOW one, not the future one
  expect(guard.admit(signature(NOW + 2), NOW + 2)).toBeUndefined();
});
