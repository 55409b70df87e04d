import { MigrationInterface, QueryRunner } from 'typeorm';
import { changeEventTypes } from './allowed-values';

/**
 * Consent and communication preferences (src/modules/consent/), append-only:
 * every change is a new `consent_record` row holding what changed and the
 * whole resulting state, so the current state is the customer's latest row
 * and the history is never rewritten. Rows are keyed by customer id (export
 * and erasure find them there).
 *
 * Touchpoints gain a purpose: MARKETING outreach counts against the contact
 * cap and is refused on an opted-out channel; SERVICE (a reply to the
 * customer's own contact) is not. Existing inbound touchpoints are SERVICE,
 * outbound ones MARKETING.
 *
 * The outbox accepts CONSENT_CHANGED.
 */
export class Consent1764070000000 implements MigrationInterface {
  name = 'Consent1764070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE consent_record (
      id bigserial PRIMARY KEY,
      customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
      changes jsonb NOT NULL,
      channels jsonb NOT NULL,
      preferred_channel text,
      contact_cap integer CHECK (contact_cap >= 0),
      source text NOT NULL,
      api_key_id bigint,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX consent_record_customer_idx ON consent_record (customer_id, id)`);
    await q.query(`CREATE INDEX consent_record_customer_recorded_idx ON consent_record (customer_id, recorded_at, id)`);
    await q.query(
      `ALTER TABLE touchpoint ADD COLUMN purpose text NOT NULL DEFAULT 'MARKETING' CHECK (purpose IN ('MARKETING', 'SERVICE'))`,
    );
    await q.query(`UPDATE touchpoint SET purpose = 'SERVICE' WHERE direction = 'INBOUND'`);
    await changeEventTypes(q, ['CONSENT_CHANGED']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM customer_event WHERE type = 'CONSENT_CHANGED'`);
    await changeEventTypes(q, [], ['CONSENT_CHANGED']);
    await q.query(`ALTER TABLE touchpoint DROP COLUMN purpose`);
    await q.query(`DROP TABLE consent_record`);
  }
}
