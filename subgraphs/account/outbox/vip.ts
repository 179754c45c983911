/**
 * The VIP notification of goblog P13 (accountservice handlers.go notifyVIP): a read of
 * account 10000 published `{"accountId","readAt"}` to RabbitMQ's `vip_queue`, consumed by
 * vipservice. Here the read records a VIP_READ row in the outbox (recordVipRead), and the
 * relay delivers it with this publisher instead of sending it to the data context:
 *
 * - the message is P13's: the same JSON fields, `readAt` in Go's time.Time.String() form
 *   of the UTC read time, content type application/json, sent to the default exchange with
 *   the queue's name as routing key, the queue declared as P13 declared it (not durable,
 *   not exclusive, not auto-deleted: a different declaration would be refused by RabbitMQ);
 * - with publisher confirms: the relay acks the row only after RabbitMQ confirmed the
 *   message; a failure is this row's (scope `event`: it backs off alone and never pauses
 *   the data context's deliveries); the connection is re-opened on the next delivery;
 * - at least once, once in effect: a retry after a lost confirm publishes again, with the
 *   same AMQP `messageId` (the outbox row id), by which a consumer deduplicates.
 *
 * A VIP row's outbox account_id is `vip/<row id>/<account id>`: a key of its own, so it is
 * ordered behind nothing (P13 sent each notification from its own goroutine, unordered) and
 * a RabbitMQ outage never holds up the account's events.
 */
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Deliver } from './deliver';
import { DeliveryError } from './deliver';
import type { OutboxRow } from './store';
import type { Worker } from '../../kit/worker';

export const VIP_EVENT = 'VIP_READ';

export const vipKey = (eventId: string, accountId: string) => `vip/${eventId}/${accountId}`;
const accountOf = (key: string) => key.split('/').slice(2).join('/');

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's time.Time.String() of a UTC time: `2017-12-22 21:38:21.123 +0000 UTC`, fraction without trailing zeros. */
export function goTimeString(d: Date): string {
  const ms = d.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${pad(ms, 3).replace(/0+$/, '')}`;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction} +0000 UTC`
  );
}

/** P13's VipNotification: `{"accountId","readAt"}`, in that order. */
export const vipMessage = (row: OutboxRow): string =>
  JSON.stringify({ accountId: accountOf(row.accountId), readAt: goTimeString(row.occurredAt) });

type Open = Promise<{ model: ChannelModel; channel: ConfirmChannel }>;

/** A worker only for its lifetime: its connection is closed when the subgraph stops. */
export class VipPublisher implements Worker {
  readonly name = 'vip-publisher';
  private channel?: Open;

  constructor(
    private readonly url: string,
    private readonly queue: string,
  ) {}

  readonly deliver: Deliver = async (row) => {
    try {
      const { channel } = await this.open();
      channel.sendToQueue(this.queue, Buffer.from(vipMessage(row)), {
        contentType: 'application/json',
        messageId: row.id,
      });
      await channel.waitForConfirms();
    } catch (err) {
      this.reset();
      throw new DeliveryError(`VIP notification not confirmed by RabbitMQ: ${(err as Error).message}`, 'event', 0);
    }
  };

  start(): void {}

  wake(): void {}

  async stop(): Promise<void> {
    const open = this.channel;
    this.channel = undefined;
    if (open) await (await open.catch(() => undefined))?.model.close().catch(() => {});
  }

  private open(): Open {
    if (this.channel) return this.channel;
    const opening: Open = (async () => {
      const model = await connect(this.url);
      // A dropped connection or channel is dropped here too: the next delivery opens a new one.
      model.on('error', () => this.reset(opening));
      model.on('close', () => this.reset(opening));
      const channel = await model.createConfirmChannel();
      channel.on('error', () => this.reset(opening));
      channel.on('close', () => this.reset(opening));
      await channel.assertQueue(this.queue, { durable: false, exclusive: false, autoDelete: false });
      return { model, channel };
    })();
    this.channel = opening;
    return opening;
  }

  /** Forgets `open` (the current connection by default) and closes it. */
  private reset(open: Open | undefined = this.channel): void {
    if (open && this.channel === open) this.channel = undefined;
    void open?.then(({ model }) => model.close()).catch(() => {});
  }
}

/**
 * The relay's deliverer: VIP rows to RabbitMQ (when this process has a publisher: without
 * one such a row is refused and waits, backing off, for a relay that has one), every other
 * row to the data context.
 */
export function routedDeliverer(data: Deliver, vip?: VipPublisher): Deliver {
  return async (row) => {
    if (row.eventName !== VIP_EVENT) return data(row);
    if (!vip) throw new DeliveryError('VIP_READ event, and VIP_AMQP_URL is not set on this relay', 'event', 0);
    return vip.deliver(row);
  };
}
