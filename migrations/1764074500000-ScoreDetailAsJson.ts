import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * customer_score.risk_detail (the explanation of a churn score: three kinds with their text, and
 * the factors) becomes `json` instead of `jsonb`. A fit writes one per customer and a read opens a
 * few: jsonb paid the conversion into its binary form on every write (about a quarter of the COPY
 * of 23,570 scores, measured with psql's \copy of the same rows into both types), while json only
 * checks the text and keeps it, 20 % smaller. Reads pull the kinds and factors out with the json
 * functions, which parse the few rows a page reads.
 */
export class ScoreDetailAsJson1764074500000 implements MigrationInterface {
  name = 'ScoreDetailAsJson1764074500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_score ALTER COLUMN risk_detail TYPE json USING risk_detail::json`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_score ALTER COLUMN risk_detail TYPE jsonb USING risk_detail::jsonb`);
  }
}
