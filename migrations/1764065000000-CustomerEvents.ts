import { MigrationInterface, QueryRunner } from 'typeorm';

const EVENT_TYPES = "'CUSTOMER_CREATED','CUSTOMER_UPDATED','STAGE_CHANGED','PURCHASE_RECORDED','TOUCHPOINT_RECORDED','REFERRAL_CREATED'";

/**
 * The transactional outbox behind the live feed (see src/modules/events/outbox.ts).
 *
 * - `event_counter`: one row; writers bump `seq` inside their transaction, which
 *   holds the row lock until commit, so `seq` order is commit order.
 * - `customer_event`: the events, keyed by that `seq`.
 * - `event_retention`: the highest `seq` the pruning job has deleted, so a cursor
 *   older than the retention window can be told apart from a quiet feed.
 */
export class CustomerEvents1764065000000 implements MigrationInterface {
  name = 'CustomerEvents1764065000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_counter (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq bigint NOT NULL CHECK (seq >= 0)
      )`);
    await q.query(`INSERT INTO event_counter (id, seq) VALUES (true, 0)`);
    await q.query(`
      CREATE TABLE event_retention (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        pruned_through bigint NOT NULL CHECK (pruned_through >= 0)
      )`);
    await q.query(`INSERT INTO event_retention (id, pruned_through) VALUES (true, 0)`);
    await q.query(`
      CREATE TABLE customer_event (
        seq bigint PRIMARY KEY,
        type text NOT NULL CHECK (type IN (${EVENT_TYPES})),
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        persona_id bigint,
        payload jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // Replays filtered by customer, and the FK's cascade, use this.
    await q.query(`CREATE INDEX customer_event_customer_idx ON customer_event (customer_id, seq)`);
    // The pruning job finds its cut-off by age.
    await q.query(`CREATE INDEX customer_event_recorded_idx ON customer_event (recorded_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS customer_event`);
    await q.query(`DROP TABLE IF EXISTS event_retention`);
    await q.query(`DROP TABLE IF EXISTS event_counter`);
  }
}
