import { MigrationInterface, QueryRunner } from 'typeorm';
import { changeEventTypes, changeKeyScopes } from './allowed-values';

/**
 * The right of access and the right to erasure (docs/privacy.md).
 *
 * - `customer.erased_at`: an erased customer stays as a tombstone row, so the
 *   purchases, holdings and touchpoints the models learn from keep their
 *   customer and every aggregate stays the same. The CHECK makes the tombstone
 *   a guarantee, not a convention: an erased row holds no name (the empty
 *   string, since sort keys are never NULL), email, phone or external id.
 * - `privacy:manage`, the data-protection scope, joins the scopes a key may hold.
 * - `CUSTOMER_ERASED` joins the event types.
 * - `privacy_audit`: every export and erasure, who asked and why. No foreign
 *   key to the customer: the log must outlive anything done to the customer row.
 */
export class Privacy1764071000000 implements MigrationInterface {
  name = 'Privacy1764071000000';

  async up(q: QueryRunner): Promise<void> {
    // Adding a nullable column without a default rewrites nothing.
    await q.query(`ALTER TABLE customer ADD COLUMN erased_at timestamptz`);
    await q.query(`
      ALTER TABLE customer ADD CONSTRAINT customer_erased_is_empty
      CHECK (erased_at IS NULL OR (name = '' AND email IS NULL AND phone IS NULL AND external_id IS NULL))`);

    await changeKeyScopes(q, ['privacy:manage']);
    await changeEventTypes(q, ['CUSTOMER_ERASED']);

    await q.query(`
      CREATE TABLE privacy_audit (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        action text NOT NULL CHECK (action IN ('EXPORT', 'ERASE')),
        customer_id bigint NOT NULL,
        api_key_id bigint REFERENCES api_key(id),
        actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
        actor_role text,
        reason text CHECK (length(reason) <= 1000),
        detail jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL
      )`);
    // The log reads newest first; a customer's entries are found by customer.
    await q.query(`CREATE INDEX privacy_audit_occurred_idx ON privacy_audit (occurred_at, id)`);
    await q.query(`CREATE INDEX privacy_audit_customer_idx ON privacy_audit (customer_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS privacy_audit`);
    await changeEventTypes(q, [], ['CUSTOMER_ERASED']);
    await changeKeyScopes(q, [], ['privacy:manage']);
    await q.query(`ALTER TABLE customer DROP CONSTRAINT customer_erased_is_empty`);
    await q.query(`ALTER TABLE customer DROP COLUMN erased_at`);
  }
}
