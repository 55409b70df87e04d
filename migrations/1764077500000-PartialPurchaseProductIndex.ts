import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `purchase_product_idx` only over purchases of a product: a purchase without one (most imported
 * purchases) no longer costs an index entry and its WAL record. Every reader of it filters or joins
 * on `product_id =` (strict, so the planner proves the predicate), as does the foreign-key check of
 * a product delete.
 */
export class PartialPurchaseProductIndex1764077500000 implements MigrationInterface {
  name = 'PartialPurchaseProductIndex1764077500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX purchase_product_partial_idx ON purchase (product_id) WHERE product_id IS NOT NULL`);
    await q.query(`DROP INDEX purchase_product_idx`);
    await q.query(`ALTER INDEX purchase_product_partial_idx RENAME TO purchase_product_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX purchase_product_full_idx ON purchase (product_id)`);
    await q.query(`DROP INDEX purchase_product_idx`);
    await q.query(`ALTER INDEX purchase_product_full_idx RENAME TO purchase_product_idx`);
  }
}
