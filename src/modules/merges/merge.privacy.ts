/**
 * Merges in the privacy export: those the person's profile survived or was merged into. The
 * profiles merged into a survivor are the same person, so erasing the survivor erases them too
 * (their tombstones lose every personal value) and deletes the merge journal's copies of their
 * personal values; the merges themselves (ids and times) stay, and cannot be undone any more.
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../shared/global-id';
import type { PersonalDataContribution } from '../module';

export const mergePersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const rows = await em.query<{ id: string; survivor_id: string; merged_ids: string[]; [k: string]: unknown }[]>(
      `SELECT id::text, survivor_id::text, merged_ids::text[] AS merged_ids, merged_at AS "mergedAt", unmerged_at AS "unmergedAt"
       FROM customer_merge WHERE survivor_id = $1 OR $1 = ANY(merged_ids) ORDER BY merged_at, id`,
      [customerId],
    );
    return {
      merges: rows.map(({ id, survivor_id, merged_ids, ...rest }) => ({
        id: toGlobalId('CustomerMerge', id),
        survivor: toGlobalId('Customer', survivor_id),
        merged: merged_ids.map((m) => toGlobalId('Customer', m)),
        ...rest,
      })),
    };
  },

  async erase(em: EntityManager, customerId: string, at: Date) {
    await em.query(
      `WITH RECURSIVE profiles(id) AS (
         SELECT $1::bigint UNION SELECT c.id FROM customer c JOIN profiles p ON c.merged_into = p.id
       ), journal AS (
         DELETE FROM customer_merge_personal WHERE customer_id IN (SELECT id FROM profiles)
            OR merge_id IN (SELECT m.id FROM customer_merge m WHERE m.survivor_id IN (SELECT id FROM profiles))
       )
       UPDATE customer SET name = '', email = NULL, phone = NULL, external_id = NULL, erased_at = $2
       WHERE id IN (SELECT id FROM profiles) AND id <> $1 AND erased_at IS NULL`,
      [customerId, at],
    );
  },
  erasesIn: ['customer', 'customer_merge_personal'],
};
