import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * customer_duplicates_after_insert as in 1764076500000-BulkCustomerInserts, with `afterKeys` run once
 * the keys are written and the role restored (it may use `keys`, how many were written, and `ids`,
 * the inserted customers). With nothing there (down()) it does what that migration's did.
 */
const insertTrigger = (afterKeys: string) => `
      CREATE OR REPLACE FUNCTION customer_duplicates_after_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        role text := current_setting('session_replication_role');
        skip boolean := has_parameter_privilege('session_replication_role', 'SET')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'customer_match_key'::regclass AND NOT tgisinternal);
        ids bigint[] := ARRAY(SELECT id FROM inserted);
        keys bigint;
      BEGIN
        IF skip THEN PERFORM set_config('session_replication_role', 'replica', true); END IF;
        INSERT INTO customer_match_key (customer_id, email_normalized, email_local, phone_digits)
        SELECT id, e, customer_email_local_part(e), customer_phone_digits_of(d) FROM (
          SELECT id, customer_email_normalized(email) AS e, customer_phone_all_digits(phone) AS d FROM inserted
          WHERE merged_into IS NULL AND (email IS NOT NULL OR phone IS NOT NULL)
          OFFSET 0) k;
        GET DIAGNOSTICS keys = ROW_COUNT;
        IF skip THEN PERFORM set_config('session_replication_role', role, true); END IF;${afterKeys}
        PERFORM insert_duplicate_pairs(ids);
        RETURN NULL;
      END $fn$`;

/**
 * Planner statistics for the rows a bulk customer insert has just written, before the duplicate
 * search reads them in the same statement.
 *
 * Why: the insert trigger looks for duplicates of the new customers among all customers,
 * new ones included. It was planned on the statistics from before the insert. After a
 * rolled-back import, autovacuum may analyze the tables while they hold only the dead rows:
 * pg_class then says "pages but no rows", and the planner takes every table to hold one row,
 * whatever its size. The next import's duplicate search then compared every new customer with
 * every other through a whole-index scan (9,000,000 rows removed by the join filter for 3,000
 * customers): 5,000 customers imported in 22 s instead of well under one, 200,000 would have
 * taken hours.
 *
 * `analyze_if_grown(table, added)` analyzes a table that a transaction has grown by at least 500
 * rows and by more than a fifth of its estimate. ANALYZE in a transaction samples that
 * transaction's own new rows, and its statistics serve the transaction's later statements. It
 * samples a tenth of the default (statistics target 10): 35-55 ms instead of 150-930 ms for each
 * of the two tables with 200,000 customers; autovacuum analyzes them fully after the commit. The
 * insert trigger calls it for customer_match_key and customer before it looks for pairs. The
 * import no longer analyzes `customer` itself after creating customers for purchases (the
 * trigger has done so).
 */
export class BulkInsertStatistics1764078500000 implements MigrationInterface {
  name = 'BulkInsertStatistics1764078500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION analyze_if_grown(target regclass, added bigint) RETURNS boolean LANGUAGE plpgsql AS $fn$
      DECLARE
        sample text := current_setting('default_statistics_target');
      BEGIN
        IF added < 500 OR added <= 0.2 * (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = target) THEN
          RETURN false;
        END IF;
        PERFORM set_config('default_statistics_target', '10', true);
        EXECUTE format('ANALYZE %s', target);
        PERFORM set_config('default_statistics_target', sample, true);
        RETURN true;
      END $fn$`);
    await q.query(
      `COMMENT ON FUNCTION analyze_if_grown(regclass, bigint) IS 'ANALYZE target when a transaction added at least 500 rows and more than a fifth of its estimate (migration BulkInsertStatistics).'`,
    );
    await q.query(
      insertTrigger(`
        -- The pair search below joins the new keys to all keys and reads names by id: plan it on
        -- statistics that count the new rows.
        PERFORM analyze_if_grown('customer_match_key', keys);
        PERFORM analyze_if_grown('customer', cardinality(ids));`),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(insertTrigger(''));
    await q.query(`DROP FUNCTION analyze_if_grown(regclass, bigint)`);
  }
}
