/**
 * Partner-sharing consent in the privacy export. Erasure keeps which partner was granted or
 * refused and when (the record of what was shared), and removes the free-text source.
 */
import type { EntityManager } from 'typeorm';
import type { PersonalDataContribution } from '../module';

export const sharingPersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const changes = await em.query<Record<string, unknown>[]>(
      `SELECT partner, shared, source, recorded_at AS "recordedAt", recorded_by_key_id::text AS "recordedByKeyId"
       FROM partner_sharing_change WHERE customer_id = $1 ORDER BY recorded_at, id`,
      [customerId],
    );
    return { partnerSharing: changes };
  },

  async erase(em: EntityManager, customerId: string) {
    await em.query(`UPDATE partner_sharing_change SET source = '' WHERE customer_id = $1`, [customerId]);
  },
  erasesIn: ['partner_sharing_change'],
};
