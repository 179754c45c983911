/**
 * `Account.recordedEvent`: the event a createAccount or renameAccount answer recorded with
 * its change. The mutation commits it as an outbox row in the same transaction, so it is
 * known at commit, while the data context's `events` lists it only once the relay has
 * delivered it (under the same id: the outbox row's id is the event's id). A mutation
 * resolver attaches it with `withRecordedEvent`; every other Account has none (null).
 */
import type { Account } from '../../generated/account/client';

export interface RecordedEvent {
  id: string;
  eventName: string;
  created: Date;
}

export type AccountWithEvent = Account & { recordedEvent?: RecordedEvent };

/** The mutation's account, carrying the event it appended (the outbox row's id, name and time). */
export const withRecordedEvent = (
  account: Account,
  id: string,
  eventName: string,
  created: Date,
): AccountWithEvent => ({
  ...account,
  recordedEvent: { id, eventName, created },
});

export const recordedEventResolver = (account: AccountWithEvent): RecordedEvent | null => account.recordedEvent ?? null;
