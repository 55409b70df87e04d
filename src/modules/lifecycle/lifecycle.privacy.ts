/**
 * Stage history in the privacy export; erasure removes the reasons (free text
 * typed with a move, which may name or describe the person) and keeps the
 * moves themselves (stages, trigger, time).
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../shared/global-id';
import type { PersonalDataContribution } from '../module';

export const lifecyclePersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const rows = await em.query<Record<string, unknown>[]>(
      `SELECT id::text AS id, from_stage AS "from", to_stage AS "to", reason, trigger, occurred_at AS "occurredAt"
       FROM stage_change WHERE customer_id = $1 ORDER BY occurred_at, id`,
      [customerId],
    );
    return { stageHistory: rows.map((s) => ({ ...s, id: toGlobalId('StageChange', String(s.id)) })) };
  },

  async erase(em: EntityManager, customerId: string) {
    await em.query(`UPDATE stage_change SET reason = NULL WHERE customer_id = $1 AND reason IS NOT NULL`, [customerId]);
  },
  erasesIn: ['stage_change'],
};
