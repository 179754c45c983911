/**
 * Issue 24, item 7: P13's VIP notification through the outbox, against the real RabbitMQ
 * on 127.0.0.1:5672 (guest/guest). GET /accounts/10000 records a VIP_READ outbox row; the
 * relay publishes it, with publisher confirms, to the queue (a queue unique to this run,
 * deleted afterwards) in P13's VipNotification shape, with the row id as AMQP messageId:
 * what a consumer deduplicates by. The read itself never waits for or fails on it.
 */
import { connect, type ChannelModel, type Channel, type ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { sql } from './harness/fixtures';
import { eventually } from './harness/eventually';
import { restCall } from './harness/rest';
import { startStack, type Stack } from './harness/stack';
import { VipPublisher, vipKey } from '../subgraphs/account/outbox/vip';
import { failureScope } from '../subgraphs/account/outbox/deliver';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672';
const QUEUE = `vip_queue-test-${randomUUID()}`;
const GO_UTC_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})? \+0000 UTC$/;
let stack: Stack;
let amqp: ChannelModel;
let channel: Channel;
let createdVip = false;
const received: ConsumeMessage[] = [];

const vipRows = () =>
  sql<{ id: string; delivered_at: Date | null; last_error: string | null }>(
    'account',
    "SELECT id, delivered_at, last_error FROM outbox WHERE event_name = 'VIP_READ' AND account_id LIKE 'vip/%/10000' AND occurred_at > now() - interval '10 minutes'",
  );

beforeAll(async () => {
  const inserted = await sql<{ id: string }>(
    'account',
    "INSERT INTO accounts (id, name) VALUES ('10000', 'Person_0') ON CONFLICT (id) DO NOTHING RETURNING id",
  );
  createdVip = inserted.length > 0;
  amqp = await connect(AMQP);
  channel = await amqp.createChannel();
  await channel.assertQueue(QUEUE, { durable: false, exclusive: false, autoDelete: false });
  await channel.consume(QUEUE, (m) => m && received.push(m), { noAck: true });
  stack = await startStack({ relay: true, env: { VIP_AMQP_URL: AMQP, VIP_AMQP_QUEUE: QUEUE } });
});

afterAll(async () => {
  await stack?.stop();
  await channel?.deleteQueue(QUEUE);
  await amqp?.close();
  if (createdVip) await sql('account', "DELETE FROM accounts WHERE id = '10000'");
  await sql('account', "DELETE FROM outbox WHERE account_id LIKE 'vip/%'");
});

test('three reads of account 10000: three messages in P13 shape, confirmed, each with its own messageId; other accounts none', async () => {
  const before = (await vipRows()).length;
  for (let i = 0; i < 3; i++) {
    const r = await restCall(stack.gateway.port, 'GET', '/accounts/10000');
    expect([r.status, r.json.id]).toEqual([200, '10000']);
  }
  expect((await restCall(stack.gateway.port, 'GET', '/accounts/does-not-exist')).status).toBe(404);
  await eventually(() => received.length >= 3, { timeoutMs: 10_000 });
  const rows = await eventually(
    async () => {
      const all = await vipRows();
      return all.length === before + 3 && all.every((r) => r.delivered_at !== null) ? all : undefined;
    },
    { timeoutMs: 10_000 },
  );
  expect(received).toHaveLength(3);
  for (const m of received) {
    expect(m.properties.contentType).toBe('application/json');
    const body = JSON.parse(m.content.toString()) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['accountId', 'readAt']);
    expect(body.accountId).toBe('10000');
    expect(body.readAt).toMatch(GO_UTC_TIME);
  }
  const ids = received.map((m) => m.properties.messageId as string);
  expect(new Set(ids).size).toBe(3);
  expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
});

test('a publish that RabbitMQ does not confirm (nothing listening) fails as the event’s, not the data context’s; a re-publish keeps the messageId', async () => {
  const row = {
    id: randomUUID(),
    accountId: vipKey(randomUUID(), '10000'),
    seq: 1n,
    eventName: 'VIP_READ',
    occurredAt: new Date(),
    attempts: 0,
  };
  const dead = new VipPublisher('amqp://guest:guest@127.0.0.1:1', QUEUE);
  const err = await dead.deliver(row).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failureScope(err)).toBe('event');
  await dead.stop();

  const live = new VipPublisher(AMQP, QUEUE);
  const seen = received.length;
  await live.deliver(row);
  await live.deliver(row); // a retry after a lost confirm: at least once, the same messageId
  await live.stop();
  await eventually(() => received.length >= seen + 2, { timeoutMs: 5_000 });
  expect(received.slice(seen).map((m) => m.properties.messageId)).toEqual([row.id, row.id]);
});
