import { MigrationInterface, QueryRunner } from 'typeorm';
import { changeEventTypes } from './allowed-values';

/**
 * Partner scope (src/modules/sharing/): PARTNER keys name the partner they
 * belong to, and customers agree, per partner, to have their data shared.
 *
 * - `api_key.partner`: the partner a PARTNER key reads for; several keys of one
 *   partner share one scope. Only PARTNER keys carry one. PARTNER keys created
 *   before this migration have none and see no customer until replaced.
 * - `partner_sharing_change`: every grant and withdrawal, append-only (who
 *   recorded it, from which source, when).
 * - `partner_sharing`: the current grants only, one row per partner and
 *   customer; the read path checks it by primary key.
 * - The outbox accepts CUSTOMER_SHARING_STARTED and CUSTOMER_SHARING_ENDED.
 */
const SHARING_EVENT_TYPES = ['CUSTOMER_SHARING_STARTED', 'CUSTOMER_SHARING_ENDED'];

export class PartnerSharing1764072000000 implements MigrationInterface {
  name = 'PartnerSharing1764072000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key ADD COLUMN partner text`);
    await q.query(`ALTER TABLE api_key ADD CONSTRAINT api_key_partner_only_for_partner_keys CHECK (partner IS NULL OR role = 'PARTNER')`);
    await q.query(`CREATE INDEX api_key_partner ON api_key (partner) WHERE partner IS NOT NULL`);
    await q.query(`CREATE TABLE partner_sharing_change (
      id bigserial PRIMARY KEY,
      customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
      partner text NOT NULL,
      shared boolean NOT NULL,
      source text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      recorded_by_key_id bigint REFERENCES api_key(id) ON DELETE SET NULL
    )`);
    await q.query(`CREATE INDEX partner_sharing_change_customer ON partner_sharing_change (customer_id, partner, recorded_at, id)`);
    await q.query(`CREATE TABLE partner_sharing (
      partner text NOT NULL,
      customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
      change_id bigint NOT NULL REFERENCES partner_sharing_change(id) ON DELETE CASCADE,
      PRIMARY KEY (partner, customer_id)
    )`);
    await q.query(`CREATE INDEX partner_sharing_customer ON partner_sharing (customer_id)`);
    await changeEventTypes(q, SHARING_EVENT_TYPES, []);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM customer_event WHERE type = ANY($1::text[])`, [SHARING_EVENT_TYPES]);
    await changeEventTypes(q, [], SHARING_EVENT_TYPES);
    await q.query(`DROP TABLE partner_sharing`);
    await q.query(`DROP TABLE partner_sharing_change`);
    await q.query(`ALTER TABLE api_key DROP CONSTRAINT api_key_partner_only_for_partner_keys`);
    await q.query(`ALTER TABLE api_key DROP COLUMN partner`);
  }
}
