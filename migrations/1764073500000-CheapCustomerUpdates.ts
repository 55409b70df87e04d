import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cheaper customer updates (stage moves, last purchase), the writes bulk fits and imports make
 * by the ten thousand. Every such update is non-HOT (stage and last_purchase_at are indexed), so
 * it costs one entry in each index the new row version belongs to, and it paid for two more things:
 *
 * - The stored generated columns email_normalized, email_local and phone_digits. PostgreSQL 18
 *   (18.4 measured) re-reads their generation expressions from the catalog for every updated row
 *   when the UPDATE sets none of their base columns (ExecComputeStoredGenerated initialises
 *   again whenever nothing was needed the time before): 30 µs a row, a third of the CPU time of
 *   `UPDATE customer SET stage = …` in a profile. Besides, their three indexes took an entry on
 *   every update although the keys had not changed.
 * - Index entries that can never be found: a NULL email or persona matches nothing, yet every
 *   update of such a customer added a NULL entry to the email trigram index and the persona index.
 *   Both are now partial on the column being set; the searches (email ILIKE, persona_id =) imply it.
 *
 * The matching keys move to a narrow table, customer_match_key (live customers with at least one
 * key), written by the statement-level triggers that already refresh duplicate pairs: only for
 * the rows whose name, email, phone or tombstone state changed, so a stage move or a purchase
 * writes nothing there. Keys are computed once per change, as the generated columns were, and
 * refresh_duplicate_pairs reads them stored, as before. The functions customer_email_normalized,
 * customer_email_local and customer_phone_digits are the one definition of the keys (the same
 * expressions as the old columns).
 */
export class CheapCustomerUpdates1764073500000 implements MigrationInterface {
  name = 'CheapCustomerUpdates1764073500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION customer_email_normalized(email text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN nullif(lower(regexp_replace(email, '\\s', '', 'g')), '')`);
    await q.query(`
      CREATE FUNCTION customer_email_local(email text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN nullif(split_part(lower(regexp_replace(email, '\\s', '', 'g')), '@', 1), '')`);
    await q.query(`
      CREATE FUNCTION customer_phone_digits(phone text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN CASE WHEN length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 6 THEN regexp_replace(phone, '[^0-9]', '', 'g') END`);
    await q.query(`
      CREATE TABLE customer_match_key (
        customer_id bigint PRIMARY KEY REFERENCES customer(id) ON DELETE CASCADE,
        email_normalized text,
        email_local text,
        phone_digits text
      )`);
    await q.query(`CREATE INDEX customer_match_key_email_idx ON customer_match_key (email_normalized) WHERE email_normalized IS NOT NULL`);
    await q.query(`CREATE INDEX customer_match_key_local_idx ON customer_match_key (email_local) WHERE email_local IS NOT NULL`);
    await q.query(`CREATE INDEX customer_match_key_phone_idx ON customer_match_key (phone_digits) WHERE phone_digits IS NOT NULL`);
    // The keys of these customers, recomputed: live customers with an email or a phone have a row, others none.
    // refresh_duplicate_pairs runs it first, so a refresh (or the documented rebuild) is never stale.
    await q.query(`
      CREATE FUNCTION sync_customer_match_keys(changed bigint[]) RETURNS void LANGUAGE sql AS $fn$
        DELETE FROM customer_match_key k USING (SELECT DISTINCT unnest(changed) AS id) u WHERE k.customer_id = u.id;
        INSERT INTO customer_match_key (customer_id, email_normalized, email_local, phone_digits)
        SELECT c.id, customer_email_normalized(c.email), customer_email_local(c.email), customer_phone_digits(c.phone)
        FROM (SELECT DISTINCT unnest(changed) AS id) u JOIN customer c ON c.id = u.id
        WHERE c.merged_into IS NULL AND (c.email IS NOT NULL OR c.phone IS NOT NULL);
      $fn$`);
    await q.query(`SELECT sync_customer_match_keys(ARRAY(SELECT id FROM customer))`);
    await this.replaceDuplicateFunctions(q, {
      keys: 'customer_match_key',
      id: 'customer_id',
      live: '',
      sync: 'SELECT sync_customer_match_keys(changed);',
      changed: 'id, name, email, phone, merged_into',
    });
    await q.query(`ALTER TABLE customer DROP COLUMN email_normalized, DROP COLUMN email_local, DROP COLUMN phone_digits`);
    await q.query(`DROP INDEX customer_email_trgm_idx`);
    await q.query(`CREATE INDEX customer_email_trgm_idx ON customer USING gin (email gin_trgm_ops) WHERE email IS NOT NULL`);
    await q.query(`DROP INDEX customer_persona_idx`);
    await q.query(`CREATE INDEX customer_persona_idx ON customer (persona_id, id) WHERE persona_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX customer_persona_idx`);
    await q.query(`CREATE INDEX customer_persona_idx ON customer (persona_id, id)`);
    await q.query(`DROP INDEX customer_email_trgm_idx`);
    await q.query(`CREATE INDEX customer_email_trgm_idx ON customer USING gin (email gin_trgm_ops)`);
    await q.query(`
      ALTER TABLE customer
        ADD COLUMN email_normalized text GENERATED ALWAYS AS (nullif(lower(regexp_replace(email, '\\s', '', 'g')), '')) STORED,
        ADD COLUMN email_local text GENERATED ALWAYS AS (
          nullif(split_part(lower(regexp_replace(email, '\\s', '', 'g')), '@', 1), '')) STORED,
        ADD COLUMN phone_digits text GENERATED ALWAYS AS (
          CASE WHEN length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 6 THEN regexp_replace(phone, '[^0-9]', '', 'g') END) STORED`);
    await q.query(`CREATE INDEX customer_email_normalized_idx ON customer (email_normalized) WHERE merged_into IS NULL`);
    await q.query(`CREATE INDEX customer_email_local_idx ON customer (email_local) WHERE merged_into IS NULL`);
    await q.query(`CREATE INDEX customer_phone_digits_idx ON customer (phone_digits) WHERE merged_into IS NULL`);
    await this.replaceDuplicateFunctions(q, {
      keys: 'customer',
      id: 'id',
      live: 'merged_into IS NULL',
      sync: '',
      changed: 'id, name, email_normalized, email_local, phone_digits, merged_into',
    });
    await q.query(`DROP FUNCTION sync_customer_match_keys(bigint[])`);
    await q.query(`DROP TABLE customer_match_key`);
    await q.query(`DROP FUNCTION customer_phone_digits(text), customer_email_local(text), customer_email_normalized(text)`);
  }

  /**
   * refresh_duplicate_pairs and the trigger functions as in 1764069000000-CustomerMerge, with the
   * matching keys read from `keys` (rows named by `id`, live ones where `live`), `sync` (a statement
   * on `changed`) run first, and the update trigger comparing the columns `changed`.
   */
  private async replaceDuplicateFunctions(
    q: QueryRunner,
    o: { keys: string; id: string; live: string; sync: string; changed: string },
  ): Promise<void> {
    const live = (alias: string) => (o.live ? ` AND ${alias}.${o.live}` : '');
    await q.query(`
CREATE OR REPLACE FUNCTION refresh_duplicate_pairs(changed bigint[]) RETURNS void LANGUAGE sql AS $fn$
  ${o.sync}
  -- Pairs are stored both ways, so a customer's pairs are the rows where it is customer_id, and their mirrors.
  DELETE FROM duplicate_pair d USING (SELECT DISTINCT unnest(changed) AS id) u WHERE d.customer_id = u.id;
  DELETE FROM duplicate_pair d USING (SELECT DISTINCT unnest(changed) AS id) u WHERE d.duplicate_id = u.id;
  INSERT INTO duplicate_pair (customer_id, duplicate_id, score, reasons, name_similarity)
  WITH live AS (
    SELECT k.* FROM (SELECT DISTINCT unnest(changed) AS id) u JOIN ${o.keys} k ON k.${o.id} = u.id WHERE true${live('k')}
  ), matched AS (
    SELECT l.${o.id} AS a, o.${o.id} AS b FROM live l JOIN ${o.keys} o
      ON o.email_normalized = l.email_normalized AND o.${o.id} <> l.${o.id}${live('o')}
    UNION
    SELECT l.${o.id}, o.${o.id} FROM live l JOIN ${o.keys} o
      ON o.phone_digits = l.phone_digits AND o.${o.id} <> l.${o.id}${live('o')}
    UNION
    SELECT l.${o.id}, o.${o.id} FROM live l JOIN ${o.keys} o
      ON o.email_local = l.email_local AND o.${o.id} <> l.${o.id}${live('o')}
  ), pairs AS (
    SELECT DISTINCT least(a, b) AS a, greatest(a, b) AS b FROM matched
  ), judged AS (
    SELECT p.a, p.b,
      (kx.email_normalized = ky.email_normalized) IS TRUE AS same_email,
      (kx.phone_digits = ky.phone_digits) IS TRUE AS same_phone,
      similarity(lower(x.name), lower(y.name))::numeric AS sim
    FROM pairs p JOIN customer x ON x.id = p.a JOIN customer y ON y.id = p.b
    JOIN ${o.keys} kx ON kx.${o.id} = p.a JOIN ${o.keys} ky ON ky.${o.id} = p.b
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
$fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION customer_duplicates_after_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM refresh_duplicate_pairs(ARRAY(SELECT id FROM inserted));
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION customer_duplicates_after_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE ids bigint[];
      BEGIN
        -- A set difference, not a join: transition tables have no index or statistics, and a
        -- nested loop over a 100,000-row stage update would take minutes.
        SELECT array_agg(d.id) INTO ids FROM (
          SELECT ${o.changed} FROM updated_new
          EXCEPT
          SELECT ${o.changed} FROM updated_old
        ) d;
        IF ids IS NOT NULL THEN PERFORM refresh_duplicate_pairs(ids); END IF;
        RETURN NULL;
      END $fn$`);
  }
}
