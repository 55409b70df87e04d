/**
 * The transactional outbox. Services call `recordEvents` inside the same
 * transaction as the change, so an event exists exactly when the change
 * committed.
 */
import type { EntityManager } from 'typeorm';
import type { NewCustomerEvent } from './event-types';

export async function recordEvents(em: EntityManager, events: readonly NewCustomerEvent[]): Promise<void> {
  // Delivery (the customer_event table, commit ordering and NOTIFY) is built in the live-feed work.
  void em;
  void events;
}
