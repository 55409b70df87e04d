import { MigrationInterface, QueryRunner } from 'typeorm';
import { changeEventTypes, changeKeyScopes } from './allowed-values';

const MERGE_EVENT_TYPES = ['CUSTOMER_MERGED', 'CUSTOMER_UNMERGED'];

/**
 * The pairs of customers that may be one person, recomputed for the customers a statement
 * touched (`changed`: their ids). Pairs come only from blocks of equal keys, each behind an
 * index (normalised email, phone digits, email local part), so the work grows with the rows
 * changed, not with the base. Both directions are stored, so a customer's candidates are one
 * index range. The score formula is in docs/merge.md and src/modules/merges/duplicate-score.ts.
 */
const REFRESH_PAIRS = `
CREATE FUNCTION refresh_duplicate_pairs(changed bigint[]) RETURNS void LANGUAGE sql AS $fn$
  -- Pairs are stored both ways, so a customer's pairs are the rows where it is customer_id, and their mirrors.
  DELETE FROM duplicate_pair d USING (SELECT DISTINCT unnest(changed) AS id) u WHERE d.customer_id = u.id;
  DELETE FROM duplicate_pair d USING (SELECT DISTINCT unnest(changed) AS id) u WHERE d.duplicate_id = u.id;
  INSERT INTO duplicate_pair (customer_id, duplicate_id, score, reasons, name_similarity)
  WITH live AS (
    SELECT c.* FROM (SELECT DISTINCT unnest(changed) AS id) u JOIN customer c ON c.id = u.id WHERE c.merged_into IS NULL
  ), matched AS (
    SELECT l.id AS a, o.id AS b FROM live l JOIN customer o
      ON o.email_normalized = l.email_normalized AND o.id <> l.id AND o.merged_into IS NULL
    UNION
    SELECT l.id, o.id FROM live l JOIN customer o
      ON o.phone_digits = l.phone_digits AND o.id <> l.id AND o.merged_into IS NULL
    UNION
    SELECT l.id, o.id FROM live l JOIN customer o
      ON o.email_local = l.email_local AND o.id <> l.id AND o.merged_into IS NULL
  ), pairs AS (
    SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM matched
  ), judged AS (
    SELECT p.a, p.b,
      (x.email_normalized = y.email_normalized) IS TRUE AS same_email,
      (x.phone_digits = y.phone_digits) IS TRUE AS same_phone,
      similarity(lower(x.name), lower(y.name))::numeric AS sim
    FROM pairs p JOIN customer x ON x.id = p.a JOIN customer y ON y.id = p.b
  ), scored AS (
    SELECT a, b, same_email, same_phone, sim, sim >= 0.5 AS similar_name FROM judged
  ), kept AS (
    SELECT a, b,
      round(1 - (1 - CASE WHEN same_email THEN 0.8 ELSE 0 END)
               * (1 - CASE WHEN same_phone THEN 0.6 ELSE 0 END)
               * (1 - CASE WHEN similar_name THEN 0.6 * sim ELSE 0 END), 3) AS score,
      array_remove(ARRAY[CASE WHEN same_email THEN 'SAME_EMAIL' END, CASE WHEN same_phone THEN 'SAME_PHONE' END,
                         CASE WHEN similar_name THEN 'SIMILAR_NAME' END], NULL) AS reasons,
      round(sim, 3) AS sim
    FROM scored WHERE same_email OR same_phone OR similar_name
  )
  SELECT a, b, score, reasons, sim FROM kept
  UNION ALL
  SELECT b, a, score, reasons, sim FROM kept
  -- Two transactions refreshing the same pair (each edited one side) both insert it; the later one updates.
  ON CONFLICT (customer_id, duplicate_id) DO UPDATE
    SET score = EXCLUDED.score, reasons = EXCLUDED.reasons, name_similarity = EXCLUDED.name_similarity;
$fn$`;

/**
 * Customer merge and unmerge (src/modules/merges/), and duplicate detection:
 *   - tombstones: customer.merged_into / merge_id;
 *   - normalised keys as stored generated columns with partial btree indexes (live customers);
 *   - duplicate_pair, kept up to date by statement-level triggers on customer;
 *   - customer_merge (one row per merge) and its journal: customer_merge_move (which row's which
 *     customer column pointed where), customer_merge_row (rows dropped or changed in place,
 *     without personal values) and customer_merge_personal (the only copy of personal values,
 *     so erasure can clear them in one place);
 *   - the CUSTOMER_MERGED / CUSTOMER_UNMERGED event types and the customers:merge key scope.
 */
export class CustomerMerge1764069000000 implements MigrationInterface {
  name = 'CustomerMerge1764069000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE TABLE customer_merge (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        survivor_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        merged_ids bigint[] NOT NULL CHECK (cardinality(merged_ids) >= 1),
        keep jsonb NOT NULL DEFAULT '{}',
        merged_at timestamptz NOT NULL,
        merged_by text,
        unmerged_at timestamptz,
        unmerged_by text
      )`);
    await q.query(`CREATE INDEX customer_merge_survivor_idx ON customer_merge (survivor_id, merged_at, id)`);
    await q.query(`
      ALTER TABLE customer
        ADD COLUMN merged_into bigint REFERENCES customer(id),
        ADD COLUMN merge_id bigint REFERENCES customer_merge(id),
        ADD COLUMN email_normalized text GENERATED ALWAYS AS (nullif(lower(regexp_replace(email, '\\s', '', 'g')), '')) STORED,
        ADD COLUMN email_local text GENERATED ALWAYS AS (
          nullif(split_part(lower(regexp_replace(email, '\\s', '', 'g')), '@', 1), '')) STORED,
        ADD COLUMN phone_digits text GENERATED ALWAYS AS (
          CASE WHEN length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 6 THEN regexp_replace(phone, '[^0-9]', '', 'g') END) STORED,
        ADD CONSTRAINT customer_merged_consistent CHECK ((merged_into IS NULL) = (merge_id IS NULL) AND merged_into <> id)`);
    await q.query(`CREATE INDEX customer_email_normalized_idx ON customer (email_normalized) WHERE merged_into IS NULL`);
    await q.query(`CREATE INDEX customer_email_local_idx ON customer (email_local) WHERE merged_into IS NULL`);
    await q.query(`CREATE INDEX customer_phone_digits_idx ON customer (phone_digits) WHERE merged_into IS NULL`);
    await q.query(`CREATE INDEX customer_merged_into_idx ON customer (merged_into) WHERE merged_into IS NOT NULL`);

    await q.query(`
      CREATE TABLE customer_merge_move (
        merge_id bigint NOT NULL REFERENCES customer_merge(id) ON DELETE CASCADE,
        table_name text NOT NULL,
        column_name text NOT NULL,
        row_id bigint NOT NULL,
        from_customer_id bigint NOT NULL,
        PRIMARY KEY (merge_id, table_name, column_name, row_id)
      )`);
    await q.query(`
      CREATE TABLE customer_merge_row (
        merge_id bigint NOT NULL REFERENCES customer_merge(id) ON DELETE CASCADE,
        table_name text NOT NULL,
        row_id bigint NOT NULL,
        action text NOT NULL CHECK (action IN ('DROPPED', 'CHANGED')),
        row jsonb NOT NULL,
        PRIMARY KEY (merge_id, table_name, row_id)
      )`);
    await q.query(`
      CREATE TABLE customer_merge_personal (
        merge_id bigint NOT NULL REFERENCES customer_merge(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        name text,
        email text,
        phone text,
        external_id text,
        PRIMARY KEY (merge_id, customer_id)
      )`);
    await q.query(`CREATE INDEX customer_merge_personal_customer_idx ON customer_merge_personal (customer_id)`);

    await q.query(`
      CREATE TABLE duplicate_pair (
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        duplicate_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        score numeric(4,3) NOT NULL CHECK (score > 0 AND score <= 1),
        reasons text[] NOT NULL,
        name_similarity numeric(4,3) NOT NULL,
        PRIMARY KEY (customer_id, duplicate_id),
        CHECK (customer_id <> duplicate_id)
      )`);
    // Query.duplicateCandidates: best first, each pair once (customer_id < duplicate_id).
    await q.query(
      `CREATE INDEX duplicate_pair_score_idx ON duplicate_pair (score DESC, customer_id DESC, duplicate_id DESC) WHERE customer_id < duplicate_id`,
    );
    // Customer.possibleDuplicates, and the refresh's delete by the other side.
    await q.query(`CREATE INDEX duplicate_pair_customer_score_idx ON duplicate_pair (customer_id, score DESC, duplicate_id DESC)`);
    await q.query(`CREATE INDEX duplicate_pair_duplicate_idx ON duplicate_pair (duplicate_id)`);

    await q.query(REFRESH_PAIRS);
    await q.query(`
      CREATE FUNCTION customer_duplicates_after_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM refresh_duplicate_pairs(ARRAY(SELECT id FROM inserted));
        RETURN NULL;
      END $fn$`);
    // Only rows whose matching keys, name or tombstone state changed: stage moves and purchases cost one join.
    await q.query(`
      CREATE FUNCTION customer_duplicates_after_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE ids bigint[];
      BEGIN
        -- A set difference, not a join: transition tables have no index or statistics, and a
        -- nested loop over a 100,000-row stage update would take minutes.
        SELECT array_agg(d.id) INTO ids FROM (
          SELECT id, name, email_normalized, email_local, phone_digits, merged_into FROM updated_new
          EXCEPT
          SELECT id, name, email_normalized, email_local, phone_digits, merged_into FROM updated_old
        ) d;
        IF ids IS NOT NULL THEN PERFORM refresh_duplicate_pairs(ids); END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE TRIGGER customer_duplicates_insert AFTER INSERT ON customer
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION customer_duplicates_after_insert()`);
    await q.query(`
      CREATE TRIGGER customer_duplicates_update AFTER UPDATE ON customer
      REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new FOR EACH STATEMENT EXECUTE FUNCTION customer_duplicates_after_update()`);
    // Customers that exist already.
    await q.query(`SELECT refresh_duplicate_pairs(ARRAY(SELECT id FROM customer))`);

    await changeEventTypes(q, MERGE_EVENT_TYPES);
    await changeKeyScopes(q, ['customers:merge']);
  }

  async down(q: QueryRunner): Promise<void> {
    await changeKeyScopes(q, [], ['customers:merge']);
    await changeEventTypes(q, [], MERGE_EVENT_TYPES);
    await q.query(`DROP TRIGGER customer_duplicates_update ON customer`);
    await q.query(`DROP TRIGGER customer_duplicates_insert ON customer`);
    await q.query(`DROP FUNCTION customer_duplicates_after_update()`);
    await q.query(`DROP FUNCTION customer_duplicates_after_insert()`);
    await q.query(`DROP FUNCTION refresh_duplicate_pairs(bigint[])`);
    for (const table of ['duplicate_pair', 'customer_merge_personal', 'customer_merge_row', 'customer_merge_move']) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`
      ALTER TABLE customer DROP CONSTRAINT customer_merged_consistent, DROP COLUMN phone_digits, DROP COLUMN email_local,
        DROP COLUMN email_normalized, DROP COLUMN merge_id, DROP COLUMN merged_into`);
    await q.query(`DROP TABLE customer_merge`);
  }
}
