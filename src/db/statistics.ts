/**
 * Planner statistics for a table a transaction has just grown. Autovacuum analyzes a table only
 * after commit, so the rest of a bulk write plans on the statistics from before it. Without any
 * (a new database), `merged_into IS NULL AND erased_at IS NULL` is guessed to keep one row in
 * 40,000: a CDNOW import's stage moves then joined 23,570 candidates to the 23,570 customers it
 * had just created by a nested loop: 10 s of an 11.7 s import.
 */
import type { EntityManager } from 'typeorm';

/** Below this many new rows a stale estimate cannot cost much. */
const MIN_ROWS = 500;
/** Grown by more than this share of the estimated rows: the estimate no longer describes the table. */
const GROWTH = 0.2;

/**
 * ANALYZE `table` (a caller's constant, never user input) when `added` rows made its statistics
 * stale. ANALYZE in a transaction samples that transaction's own new rows too, and the new
 * statistics serve its later statements. Others see the column statistics from commit on; the
 * row estimate (pg_class.reltuples) is written in place at once and outlives a rollback until
 * the next ANALYZE, which only errs on the high side.
 */
export async function analyzeIfGrown(em: EntityManager, table: string, added: number): Promise<boolean> {
  if (added < MIN_ROWS) return false;
  const [{ estimate }]: { estimate: number }[] = await em.query(
    `SELECT greatest(reltuples, 0)::float8 AS estimate FROM pg_class WHERE oid = $1::regclass`,
    [table],
  );
  if (added <= estimate * GROWTH) return false;
  await em.query(`ANALYZE ${table}`);
  return true;
}

/**
 * ANALYZE those of `tables` (constants, never user input) that changed by more than a tenth since
 * their last analysis, or were never analysed: what a statement after a committed bulk write needs
 * before autovacuum gets to it. ANALYZE samples each table it is given, a scan of small ones, so
 * the others are left alone. One statement when none is stale. Returns the tables analysed.
 */
export async function analyzeStale(db: Pick<EntityManager, 'query'>, tables: readonly string[]): Promise<string[]> {
  const stale: { name: string }[] = await db.query(
    `SELECT relname AS name FROM pg_stat_user_tables
     WHERE relname = ANY($1) AND (coalesce(last_analyze, last_autoanalyze) IS NULL OR n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1000))`,
    [tables],
  );
  if (stale.length) await db.query(`ANALYZE ${stale.map((t) => t.name).join(', ')}`);
  return stale.map((t) => t.name);
}
