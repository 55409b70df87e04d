import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trigram search indexes move off `customer` into a narrow table of their own,
 * `customer_search` (id, name, email), which statement triggers keep equal to the customer's.
 *
 * Why: a stage move or a last-purchase update changes indexed columns of customer, so it is never
 * a HOT update and writes an entry in every index of the table, both GIN trigram indexes included
 * (a trigram entry per three letters of the name and of the email). Measured by backend CPU on
 * 100,000 customers, the two indexes were a quarter to a half of an update of 20,000 customers' stages.
 * Stage moves never change a name or an email: their updates no longer touch trigram indexes, and
 * the triggers here are skipped with the duplicate triggers when a move switches the per-row
 * triggers off (lifecycle MOVE_TABLES). The customer list's `search` filter reads this table.
 *
 * The insert trigger skips the new rows' foreign-key checks the way customer_duplicates_after_insert
 * does for the match keys: every row refers to a customer this very statement inserted. The update
 * trigger compares old and new rows by set difference (transition tables have no index), so an
 * erasure empties the search row in the same statement.
 */
export class CustomerSearch1764078000000 implements MigrationInterface {
  name = 'CustomerSearch1764078000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customer_search (
        customer_id bigint PRIMARY KEY REFERENCES customer(id) ON DELETE CASCADE,
        name text NOT NULL,
        email text
      )`);
    await q.query(
      `COMMENT ON TABLE customer_search IS 'Name and email of every customer, kept by the customer triggers, for the trigram search indexes (migration CustomerSearch).'`,
    );
    await q.query(`INSERT INTO customer_search (customer_id, name, email) SELECT id, name, email FROM customer ORDER BY id`);
    await q.query(`CREATE INDEX customer_search_name_trgm_idx ON customer_search USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX customer_search_email_trgm_idx ON customer_search USING gin (email gin_trgm_ops) WHERE email IS NOT NULL`);
    await q.query(`DROP INDEX customer_name_trgm_idx`);
    await q.query(`DROP INDEX customer_email_trgm_idx`);
    await q.query(`
      CREATE FUNCTION customer_search_after_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        role text := current_setting('session_replication_role');
        skip boolean := has_parameter_privilege('session_replication_role', 'SET')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'customer_search'::regclass AND NOT tgisinternal);
      BEGIN
        IF skip THEN PERFORM set_config('session_replication_role', 'replica', true); END IF;
        INSERT INTO customer_search (customer_id, name, email) SELECT id, name, email FROM inserted;
        IF skip THEN PERFORM set_config('session_replication_role', role, true); END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE FUNCTION customer_search_after_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        UPDATE customer_search s SET name = d.name, email = d.email FROM (
          SELECT id, name, email FROM updated_new
          EXCEPT
          SELECT id, name, email FROM updated_old
        ) d WHERE s.customer_id = d.id;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE TRIGGER customer_search_insert AFTER INSERT ON customer
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION customer_search_after_insert()`);
    await q.query(`
      CREATE TRIGGER customer_search_update AFTER UPDATE ON customer
      REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new FOR EACH STATEMENT EXECUTE FUNCTION customer_search_after_update()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER customer_search_update ON customer`);
    await q.query(`DROP TRIGGER customer_search_insert ON customer`);
    await q.query(`DROP FUNCTION customer_search_after_update()`);
    await q.query(`DROP FUNCTION customer_search_after_insert()`);
    await q.query(`CREATE INDEX customer_name_trgm_idx ON customer USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX customer_email_trgm_idx ON customer USING gin (email gin_trgm_ops) WHERE email IS NOT NULL`);
    await q.query(`DROP TABLE customer_search`);
  }
}
