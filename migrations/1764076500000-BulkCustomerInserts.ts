import { MigrationInterface, QueryRunner } from 'typeorm';

/** Both versions' last steps, unchanged by this migration: the score, the reasons and the insert (both ways). */
const SCORE_AND_STORE = `  ), scored AS (
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
    SET score = EXCLUDED.score, reasons = EXCLUDED.reasons, name_similarity = EXCLUDED.name_similarity;`;

/** The matching rules and the score as in 1764076000000-CheaperCustomerInserts; `live` and `judged` read differently (see below). */
const INSERT_PAIRS_V2 = `
  INSERT INTO duplicate_pair (customer_id, duplicate_id, score, reasons, name_similarity)
  WITH live AS (
    SELECT k.* FROM customer_match_key k WHERE k.customer_id = ANY (changed)
  ), matched AS (
    -- Both keys compared here, where the two key rows are at hand: the flags are the same whichever side is l.
    SELECT l.customer_id AS a, o.customer_id AS b,
      (l.email_normalized = o.email_normalized) IS TRUE AS same_email, (l.phone_digits = o.phone_digits) IS TRUE AS same_phone
    FROM live l JOIN customer_match_key o ON o.email_normalized = l.email_normalized AND o.customer_id <> l.customer_id
    UNION ALL
    SELECT l.customer_id, o.customer_id, (l.email_normalized = o.email_normalized) IS TRUE, (l.phone_digits = o.phone_digits) IS TRUE
    FROM live l JOIN customer_match_key o ON o.phone_digits = l.phone_digits AND o.customer_id <> l.customer_id
    UNION ALL
    SELECT l.customer_id, o.customer_id, (l.email_normalized = o.email_normalized) IS TRUE, (l.phone_digits = o.phone_digits) IS TRUE
    FROM live l JOIN customer_match_key o ON o.email_local = l.email_local AND o.customer_id <> l.customer_id
  ), pairs AS (
    SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b, same_email, same_phone FROM matched
  ), judged AS (
    -- Names by id, pair by pair: a bulk insert mostly has no pair, and a join would hash the whole table first.
    SELECT p.a, p.b, p.same_email, p.same_phone, similarity(lower(x.name), lower(y.name))::numeric AS sim
    FROM pairs p
    CROSS JOIN LATERAL (SELECT c.name FROM customer c WHERE c.id = p.a OFFSET 0) x
    CROSS JOIN LATERAL (SELECT c.name FROM customer c WHERE c.id = p.b OFFSET 0) y
${SCORE_AND_STORE}`;

/** From 1764076000000-CheaperCustomerInserts, for down(). */
const INSERT_PAIRS_V1 = `
  INSERT INTO duplicate_pair (customer_id, duplicate_id, score, reasons, name_similarity)
  WITH live AS (
    SELECT k.* FROM (SELECT DISTINCT unnest(changed) AS id) u JOIN customer_match_key k ON k.customer_id = u.id WHERE true
  ), matched AS (
    SELECT l.customer_id AS a, o.customer_id AS b FROM live l JOIN customer_match_key o
      ON o.email_normalized = l.email_normalized AND o.customer_id <> l.customer_id
    UNION
    SELECT l.customer_id, o.customer_id FROM live l JOIN customer_match_key o
      ON o.phone_digits = l.phone_digits AND o.customer_id <> l.customer_id
    UNION
    SELECT l.customer_id, o.customer_id FROM live l JOIN customer_match_key o
      ON o.email_local = l.email_local AND o.customer_id <> l.customer_id
  ), pairs AS (
    SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM matched
  ), judged AS (
    SELECT p.a, p.b,
      (kx.email_normalized = ky.email_normalized) IS TRUE AS same_email,
      (kx.phone_digits = ky.phone_digits) IS TRUE AS same_phone,
      similarity(lower(x.name), lower(y.name))::numeric AS sim
    FROM pairs p JOIN customer x ON x.id = p.a JOIN customer y ON y.id = p.b
    JOIN customer_match_key kx ON kx.customer_id = p.a JOIN customer_match_key ky ON ky.customer_id = p.b
${SCORE_AND_STORE}`;

/** The insert trigger of 1764076000000-CheaperCustomerInserts with `keys` as its key-writing SELECT. */
const insertTrigger = (keys: string) => `
      CREATE OR REPLACE FUNCTION customer_duplicates_after_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        role text := current_setting('session_replication_role');
        skip boolean := has_parameter_privilege('session_replication_role', 'SET')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'customer_match_key'::regclass AND NOT tgisinternal);
      BEGIN
        IF skip THEN PERFORM set_config('session_replication_role', 'replica', true); END IF;
        INSERT INTO customer_match_key (customer_id, email_normalized, email_local, phone_digits)
        ${keys};
        IF skip THEN PERFORM set_config('session_replication_role', role, true); END IF;
        PERFORM insert_duplicate_pairs(ARRAY(SELECT id FROM inserted));
        RETURN NULL;
      END $fn$`;

/**
 * Cheaper bulk customer inserts (an import of 200,000 new customers), same keys and pairs:
 *
 * - Keys: each regular expression runs once per row. customer_email_local repeated
 *   customer_email_normalized's regexp_replace, and customer_phone_digits ran its own twice (the
 *   length test, then the value); inlined SQL functions share no work. The keys are now defined
 *   in steps (customer_email_local_part of the normalised email, customer_phone_digits_of the
 *   digits), the three functions compose them (same values, still inlined), and the insert
 *   trigger computes the normalised email and the digits once per row, in a subquery kept from
 *   being flattened (OFFSET 0), then applies the steps.
 * - insert_duplicate_pairs: the changed customers' key rows are read by `= ANY` (an index or a
 *   hashed array) instead of a hashed unnest joined to the table; the match joins carry whether
 *   email and phone are equal (both key rows are at hand there) instead of joining the key table
 *   twice more per pair; names are read per pair by id. With no pair, the old plan still hashed
 *   customer twice and customer_match_key once (200,000 rows each on such an import).
 */
export class BulkCustomerInserts1764076500000 implements MigrationInterface {
  name = 'BulkCustomerInserts1764076500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION customer_email_local_part(email_normalized text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN nullif(split_part(email_normalized, '@', 1), '')`);
    await q.query(`
      CREATE FUNCTION customer_phone_all_digits(phone text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN regexp_replace(phone, '[^0-9]', '', 'g')`);
    await q.query(`
      CREATE FUNCTION customer_phone_digits_of(digits text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN CASE WHEN length(digits) >= 6 THEN digits END`);
    // nullif(split_part(nullif(x, ''), '@', 1), '') = nullif(split_part(x, '@', 1), ''): the same values as before.
    await q.query(`
      CREATE OR REPLACE FUNCTION customer_email_local(email text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN customer_email_local_part(customer_email_normalized(email))`);
    await q.query(`
      CREATE OR REPLACE FUNCTION customer_phone_digits(phone text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN customer_phone_digits_of(customer_phone_all_digits(phone))`);
    await q.query(`CREATE OR REPLACE FUNCTION insert_duplicate_pairs(changed bigint[]) RETURNS void LANGUAGE sql AS $fn$${INSERT_PAIRS_V2}
$fn$`);
    await q.query(
      insertTrigger(`SELECT id, e, customer_email_local_part(e), customer_phone_digits_of(d) FROM (
          SELECT id, customer_email_normalized(email) AS e, customer_phone_all_digits(phone) AS d FROM inserted
          WHERE merged_into IS NULL AND (email IS NOT NULL OR phone IS NOT NULL)
          OFFSET 0) k`),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      insertTrigger(`SELECT id, customer_email_normalized(email), customer_email_local(email), customer_phone_digits(phone) FROM inserted
        WHERE merged_into IS NULL AND (email IS NOT NULL OR phone IS NOT NULL)`),
    );
    await q.query(`CREATE OR REPLACE FUNCTION insert_duplicate_pairs(changed bigint[]) RETURNS void LANGUAGE sql AS $fn$${INSERT_PAIRS_V1}
$fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION customer_email_local(email text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN nullif(split_part(lower(regexp_replace(email, '\\s', '', 'g')), '@', 1), '')`);
    await q.query(`
      CREATE OR REPLACE FUNCTION customer_phone_digits(phone text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN CASE WHEN length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 6 THEN regexp_replace(phone, '[^0-9]', '', 'g') END`);
    await q.query(`DROP FUNCTION customer_phone_digits_of(text), customer_phone_all_digits(text), customer_email_local_part(text)`);
  }
}
