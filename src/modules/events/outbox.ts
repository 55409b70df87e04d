/**
 * The transactional outbox. Services call `recordEvents` inside the same
 * transaction as the change, so an event exists exactly when the change
 * committed: a rolled-back mutation leaves no event behind.
 *
 * Ordering: why a counter row and not a bigserial.
 * A sequence hands out numbers at INSERT time, but transactions commit in any
 * order. A reader that polls `WHERE seq > last` can see 12 committed while 11 is
 * still in flight, move its position to 12, and never see 11 (the bug behind
 * Hasura issue #8632). So every writer takes its numbers by updating the single
 * `event_counter` row. The row lock that UPDATE takes is held until the writer
 * commits or rolls back, so the next writer gets its numbers only after the
 * previous one has finished: `seq` order is commit order, and a reader may
 * always move to the highest `seq` it can see. The alternative, reading by
 * `pg_snapshot_xmin` / xid8 visibility, keeps writers fully parallel but makes
 * every reader and every cursor carry transaction ids and wait on the oldest
 * open transaction in the whole database; for a customer-change feed, a short
 * serialisation point among writers is cheaper and far easier to reason about.
 *
 * Cost, and the rule that follows: the lock is held from the first
 * `recordEvents` call to COMMIT, so writers of events run their final stretch
 * one at a time. Call `recordEvents` after the transaction has taken its row
 * locks (services lock customers first) and keep the remaining work short;
 * taking a customer lock *after* recording events could deadlock with a writer
 * that holds that customer and waits for the counter.
 *
 * Numbers are never reused, whatever crashes. A number exists for others only
 * once its transaction committed: the counter row's new value, the events and
 * the NOTIFY all become visible at commit, and with `synchronous_commit` on
 * (or `local`) PostgreSQL flushes the commit to the WAL before it makes the
 * transaction visible or releases its locks. So a crash, of the API or of
 * PostgreSQL (fast, immediate, kill -9), either keeps a transaction whole —
 * numbers, events, counter — or loses one nobody could have seen, whose numbers
 * are then handed out again without anyone having seen them twice. With
 * `synchronous_commit = off` that would not hold: a commit is visible (and its
 * NOTIFY delivered) before it is on disk, a crash can lose it, and the counter
 * would go back to numbers subscribers already hold. So the statement below
 * raises this transaction alone to `local` (flush before commit returns) when
 * the server runs with `off`; stricter settings (`on`, `remote_apply`) are
 * kept. What no client can fix is `fsync = off` with a crash of the operating
 * system or the machine: then any table, this one too, may be lost or corrupt.
 *
 * Delivery: the same statement calls `pg_notify('customer_events', <last seq>)`;
 * PostgreSQL delivers it at commit, never for a rolled-back transaction. NOTIFY
 * is only a wake-up call: listeners always re-read the table (see feed.ts).
 */
import type { EntityManager } from 'typeorm';
import type { NewCustomerEvent } from './event-types';
import { assertCustomersHeld } from '../customers/customer.lock';

/** The NOTIFY channel every instance LISTENs on. */
export const EVENTS_CHANNEL = 'customer_events';

/**
 * The outbox's writing steps, as CTEs for the end of a statement whose earlier CTE `source` yields
 * the events: (ord bigint, type text, customer_id bigint, payload jsonb, occurred_at timestamptz),
 * `ord` numbering them 1..n in the order their `seq` must follow. Used by recordEvents and by
 * set-based writers that produce their events in SQL (lifecycle's applyAutomaticMovesInSql), so the
 * counter, durability and NOTIFY rules above live in this one place. The statement's final SELECT
 * must list OUTBOX_NOTIFY_COLUMNS and run under the same locking rule as recordEvents:
 * its customers locked by an earlier statement of the transaction. With no events it takes no
 * counter lock and sends no NOTIFY.
 */
export function outboxCtes(source: string): string {
  return `durable AS (
    SELECT set_config('synchronous_commit', 'local', true) WHERE current_setting('synchronous_commit') = 'off'
  ), outbox_count AS (
    SELECT count(*) AS n FROM ${source}
  ), reserved AS (
    UPDATE event_counter SET seq = seq + outbox_count.n FROM outbox_count WHERE id AND outbox_count.n > 0 RETURNING seq, outbox_count.n
  ), inserted AS (
    INSERT INTO customer_event (seq, type, customer_id, persona_id, payload, occurred_at)
    SELECT reserved.seq - reserved.n + e.ord, e.type, e.customer_id, c.persona_id, e.payload, e.occurred_at
    FROM reserved
    CROSS JOIN ${source} e
    LEFT JOIN customer c ON c.id = e.customer_id
    RETURNING seq
  )`;
}

/** The columns the final SELECT of a statement built with outboxCtes must list (they make its CTEs run). */
export const OUTBOX_NOTIFY_COLUMNS = `(SELECT pg_notify('${EVENTS_CHANNEL}', max(seq)::text) FROM inserted HAVING count(*) > 0) AS notified,
  (SELECT count(*) FROM durable) AS made_durable`;

const INSERT_EVENTS = `
  WITH events AS (
    SELECT e.ord, e.item->>'type' AS type, (e.item->>'customer_id')::bigint AS customer_id, e.item->'payload' AS payload,
      (e.item->>'occurred_at')::timestamptz AS occurred_at
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(item, ord)
  ), ${outboxCtes('events')}
  SELECT ${OUTBOX_NOTIFY_COLUMNS}`;

/**
 * Appends `events` to the outbox, in the order given, in `em`'s transaction
 * (one statement). Each event also records the customer's persona at that
 * moment, so persona filters see the persona the customer had when it happened.
 * Must run inside the mutation's transaction, which must have locked (or
 * created) every customer the events are about: see the file comment for the
 * locking rule, which assertCustomersHeld enforces.
 */
export async function recordEvents(em: EntityManager, events: readonly NewCustomerEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Graph-wide events (no customer) need no customer lock.
  assertCustomersHeld(
    em,
    events.flatMap((e) => (e.customerId === null ? [] : [e.customerId])),
  );
  const rows = events.map((e) => ({
    type: e.type,
    customer_id: e.customerId,
    payload: e.payload,
    occurred_at: e.occurredAt.toISOString(),
  }));
  await em.query(INSERT_EVENTS, [JSON.stringify(rows)]);
}
