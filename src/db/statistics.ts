/**
 * Planner statistics after bulk writes. Autovacuum analyzes a table only after commit, so the rest
 * of a bulk write, and the first statements after it, plan on the statistics from before it.
 * Within a transaction, the customer insert trigger refreshes them itself (SQL function
 * analyze_if_grown, migration BulkInsertStatistics); after a commit, analyzeStale below does.
 */
import type { EntityManager } from 'typeorm';

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
