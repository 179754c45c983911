/**
 * platform/document-cache.ts: Apollo Server's document store, bounded by the source text it
 * holds; least recently used documents go first; a document larger than the whole cache is
 * not kept.
 */
import { parse } from 'graphql';
import { DocumentCache } from './document-cache';

const doc = (i: number, pad = 0) => parse(`query Q${i} { a${'x'.repeat(pad)}: __typename }`);
const len = (i: number, pad = 0) => doc(i, pad).loc!.source.body.length;

test('holds at most maxChars of source text, evicting the least recently used', async () => {
  const max = len(1) * 3;
  const cache = new DocumentCache(max);
  for (const i of [1, 2, 3]) await cache.set(`k${i}`, doc(i));
  expect(cache.size).toBe(3);
  expect(await cache.get('k1')).toBeDefined(); // k1 now most recently used
  await cache.set('k4', doc(4));
  expect(cache.size).toBe(3);
  expect(await cache.get('k2')).toBeUndefined(); // the least recently used went
  for (const k of ['k1', 'k3', 'k4']) expect(await cache.get(k)).toBeDefined();
});

test('10,000 distinct documents: the cache stays within its bound', async () => {
  const cache = new DocumentCache(50_000);
  for (let i = 0; i < 10_000; i++) await cache.set(`k${i}`, doc(i));
  expect(cache.size).toBeLessThanOrEqual(Math.floor(50_000 / len(9_999)) + 1);
  expect(cache.size).toBeGreaterThan(100);
  expect(await cache.get('k9999')).toBeDefined();
  expect(await cache.get('k0')).toBeUndefined();
});

test('a document larger than the whole cache is not kept; set and delete of the same key keep the weight right', async () => {
  const cache = new DocumentCache(100);
  await cache.set('big', doc(1, 200));
  expect(await cache.get('big')).toBeUndefined();
  await cache.set('a', doc(1));
  await cache.set('a', doc(1));
  expect(cache.size).toBe(1);
  expect(await cache.delete('a')).toBe(true);
  expect(await cache.delete('a')).toBe(false);
  for (let i = 0; i < 3; i++) await cache.set(`k${i}`, doc(i));
  expect(cache.size).toBe(Math.min(3, Math.floor(100 / len(0))));
});
