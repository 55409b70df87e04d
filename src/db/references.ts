/**
 * Bulk writes without per-row foreign-key triggers, for writers that have already made every
 * reference safe themselves.
 *
 * A foreign-key trigger runs one `SELECT … FOR KEY SHARE` on the referenced row per inserted
 * row: about 40 % of a purchase import's insert and two thirds of a stage-history insert.
 * session_replication_role = replica skips those triggers (as pg_restore does). That is only
 * right when the writer holds the guarantee the triggers give: every referenced row exists and
 * cannot be deleted or re-keyed until commit, because the writer locked it first or created it
 * in this transaction. Unique indexes and CHECK constraints are not triggers: they still hold.
 */
import type { EntityManager } from 'typeorm';

/** What a writer asks for: the tables it writes, and their own triggers it vouches its writes do not concern. */
export interface ReferenceCheckedTables {
  tables: readonly string[];
  /**
   * Triggers of those tables that replica mode would skip too, named by the caller because its
   * writes never change what they watch (a stage move and the duplicate triggers, which only
   * follow personal fields). Any other trigger on the tables turns the skipping off.
   */
  unaffectedTriggers?: readonly string[];
}

/**
 * A boolean SQL expression that switches the per-row triggers off for the rest of the transaction
 * when allowed (the role may set the parameter, a superuser or GRANT SET ON PARAMETER, and the
 * tables have no triggers of their own but those named) and says whether it did. Its statement
 * must write nothing itself; `when`, if given, is a further SQL condition (say, that there is
 * anything to write). Table and trigger names are the caller's constants, never user input.
 */
export function skipReferenceTriggersSql(tables: ReferenceCheckedTables, when = 'true'): string {
  return `CASE WHEN (${when}) AND ${allowedSql(tables)} THEN set_config('session_replication_role', 'replica', true) = 'replica' ELSE false END`;
}

/** Whether the role may set the parameter and the tables have no triggers of their own but those named. */
function allowedSql({ tables, unaffectedTriggers = [] }: ReferenceCheckedTables): string {
  const list = (names: readonly string[]) => `'{${names.join(',')}}'`;
  return `has_parameter_privilege('session_replication_role', 'SET')
    AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ANY(${list(tables)}::regclass[]) AND NOT tgisinternal AND tgname <> ALL(${list(unaffectedTriggers)}::text[]))`;
}

/** Whether a write to `tables` on `em`'s connection would skip the per-row triggers (for tests and diagnostics). */
export async function referenceTriggersSkippable(em: EntityManager, tables: ReferenceCheckedTables): Promise<boolean> {
  const [{ ok }]: { ok: boolean }[] = await em.query(`SELECT ${allowedSql(tables)} AS ok`);
  return ok;
}

/** Turns the per-row triggers back on (after skipReferenceTriggersSql said it switched them off). One statement. */
export async function restoreReferenceTriggers(em: EntityManager): Promise<void> {
  await em.query(`SET LOCAL session_replication_role = origin`);
}

/**
 * Runs `write` with the per-row foreign-key triggers of `tables` skipped when allowed (see the
 * file comment for when that is right), otherwise as usual. Two statements around `write`.
 */
export async function withReferencesChecked<T>(em: EntityManager, tables: ReferenceCheckedTables, write: () => Promise<T>): Promise<T> {
  const [{ skipped }]: { skipped: boolean }[] = await em.query(`SELECT ${skipReferenceTriggersSql(tables)} AS skipped`);
  // On an error the transaction is rolled back, and the setting with it.
  const result = await write();
  if (skipped) await restoreReferenceTriggers(em);
  return result;
}
