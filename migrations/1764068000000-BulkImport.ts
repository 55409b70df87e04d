import { MigrationInterface, QueryRunner } from 'typeorm';
import { changeEventTypes } from './allowed-values';

/**
 * Bulk import (src/modules/imports/):
 * - `purchase.source_id`, `touchpoint.source_id`: the row's key in the system it came from, unique
 *   where set, so re-importing the same file adds nothing.
 * - `customer_event.customer_id` becomes nullable: IMPORT_COMPLETED is about the whole graph, not
 *   one customer. Every other event type still names its customer (CHECK).
 */
export class BulkImport1764068000000 implements MigrationInterface {
  name = 'BulkImport1764068000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE purchase ADD COLUMN source_id text`);
    await q.query(`CREATE UNIQUE INDEX purchase_source_id_key ON purchase (source_id) WHERE source_id IS NOT NULL`);
    await q.query(`ALTER TABLE touchpoint ADD COLUMN source_id text`);
    await q.query(`CREATE UNIQUE INDEX touchpoint_source_id_key ON touchpoint (source_id) WHERE source_id IS NOT NULL`);

    await changeEventTypes(q, ['IMPORT_COMPLETED']);
    await q.query(`ALTER TABLE customer_event ALTER COLUMN customer_id DROP NOT NULL`);
    await q.query(
      `ALTER TABLE customer_event ADD CONSTRAINT customer_event_customer_required CHECK (customer_id IS NOT NULL OR type = 'IMPORT_COMPLETED')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM customer_event WHERE type = 'IMPORT_COMPLETED'`);
    await q.query(`ALTER TABLE customer_event DROP CONSTRAINT customer_event_customer_required`);
    await q.query(`ALTER TABLE customer_event ALTER COLUMN customer_id SET NOT NULL`);
    await changeEventTypes(q, [], ['IMPORT_COMPLETED']);
    await q.query(`DROP INDEX touchpoint_source_id_key`);
    await q.query(`ALTER TABLE touchpoint DROP COLUMN source_id`);
    await q.query(`DROP INDEX purchase_source_id_key`);
    await q.query(`ALTER TABLE purchase DROP COLUMN source_id`);
  }
}
