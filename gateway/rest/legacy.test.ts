/**
 * The legacy mapping's decisions that the e2e tests cannot force on the real stack: the
 * event a mutation recorded listed once whether or not the data context already has it,
 * and "no image" told apart from an image context that failed, however it failed.
 */
import type { GraphQLFormattedError } from 'graphql';
import { legacyTime, NO_IMAGE, PLACEHOLDER_IMAGE, toLegacy, type GraphAccount } from './legacy';

const created = '2024-05-01T10:00:00.000Z';
const base: GraphAccount = {
  id: 'a1',
  name: 'n',
  servedBy: 'acc-1',
  quote: { text: 'q', language: 'en', servedBy: 'acc-1' },
  imageData: null,
  events: [{ id: 'e1', eventName: 'CREATED', created }],
};
const recordedEvent = { id: 'ob-1', eventName: 'UPDATED', created: '2024-05-02T10:00:00.000Z' };
const ids = (a: GraphAccount, errors?: GraphQLFormattedError[]) =>
  toLegacy(a, errors).body.accountEvents.map((e) => e.ID);

describe('the event a mutation recorded', () => {
  test("not yet delivered to the data context: appended after the account's events", () => {
    expect(ids({ ...base, recordedEvent })).toEqual(['e1', 'ob-1']);
    expect(toLegacy({ ...base, recordedEvent }).body.accountEvents[1]).toEqual({
      ID: 'ob-1',
      eventName: 'UPDATED',
      created: legacyTime(recordedEvent.created),
    });
  });

  test('already delivered (the same id in events): listed once, where the data context has it', () => {
    expect(ids({ ...base, events: [...base.events!, recordedEvent], recordedEvent })).toEqual(['e1', 'ob-1']);
  });

  test('the data context down: the recorded event alone, and accountEvents still marked partial', () => {
    const out = toLegacy({ ...base, events: null, recordedEvent }, [
      { message: 'down', extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'data' } },
    ]);
    expect(out.body.accountEvents.map((e) => e.ID)).toEqual(['ob-1']);
    expect(out.missing).toEqual(['accountEvents']);
  });
});

describe('no image is not an outage', () => {
  test('imageData null and no error: the empty image, nothing missing', () => {
    const out = toLegacy(base);
    expect(out.body.imageData).toEqual(NO_IMAGE);
    expect(out.missing).toEqual([]);
  });

  test.each<[string, GraphQLFormattedError]>([
    [
      'the image context unreachable',
      { message: 'x', extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'image' } },
    ],
    [
      'its database failing (an error on the field, any code)',
      { message: 'x', path: ['account', 'imageData'], extensions: { code: 'DATABASE_UNAVAILABLE' } },
    ],
    ['an error that names no service or field', { message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
  ])('%s: the placeholder, marked missing', (_, error) => {
    const out = toLegacy(base, [error]);
    expect(out.body.imageData).toEqual(PLACEHOLDER_IMAGE);
    expect(out.missing).toContain('imageData');
  });

  test('an image that was served stays, even when another part failed', () => {
    const image = { id: 'a1', url: 'https://x/y.png', servedBy: 'img-1' };
    const out = toLegacy({ ...base, imageData: image, events: null }, [
      { message: 'x', extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'data' } },
    ]);
    expect(out.body.imageData).toEqual(image);
    expect(out.missing).toEqual(['accountEvents']);
  });
});
