/**
 * outbox/vip.ts's message: P13's VipNotification fields in its order, and `readAt` as Go's
 * time.Time.String() printed a UTC time (the fraction's trailing zeros dropped, no fraction
 * for a whole second), the account id taken back out of the VIP row's key.
 */
import { goTimeString, vipKey, vipMessage } from './vip';

test.each([
  ['2017-12-22T21:38:21.123Z', '2017-12-22 21:38:21.123 +0000 UTC'],
  ['2017-12-22T21:38:21.120Z', '2017-12-22 21:38:21.12 +0000 UTC'],
  ['2017-12-22T21:38:21.100Z', '2017-12-22 21:38:21.1 +0000 UTC'],
  ['2017-12-22T21:38:21.000Z', '2017-12-22 21:38:21 +0000 UTC'],
  ['2018-01-02T03:04:05.007Z', '2018-01-02 03:04:05.007 +0000 UTC'],
])('%s is printed %s', (iso, go) => {
  expect(goTimeString(new Date(iso))).toBe(go);
});

test('the message: {"accountId","readAt"}, the account id from the row key (ids with slashes too)', () => {
  const row = (accountId: string) => ({
    id: 'e1',
    accountId: vipKey('e1', accountId),
    seq: 1n,
    eventName: 'VIP_READ',
    occurredAt: new Date('2017-12-22T21:38:21.5Z'),
    attempts: 0,
  });
  expect(vipMessage(row('10000'))).toBe('{"accountId":"10000","readAt":"2017-12-22 21:38:21.5 +0000 UTC"}');
  expect(JSON.parse(vipMessage(row('a/b'))).accountId).toBe('a/b');
});
