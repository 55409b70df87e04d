/**
 * Touchpoints in the privacy export; erasure removes the free-text note (it
 * may name or describe the person) and keeps channel, direction, response,
 * campaign, product and time, which the churn-risk and cross-sell models read.
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../shared/global-id';
import type { PersonalDataContribution } from '../module';

export const touchpointPersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const rows = await em.query<Record<string, unknown>[]>(
      `SELECT t.id::text AS id, t.channel, t.direction, t.occurred_at AS "occurredAt", t.campaign, p.sku AS "productSku",
              t.response, t.note, t.recorded_at AS "recordedAt"
       FROM touchpoint t LEFT JOIN product p ON p.id = t.product_id WHERE t.customer_id = $1 ORDER BY t.occurred_at, t.id`,
      [customerId],
    );
    return { touchpoints: rows.map((t) => ({ ...t, id: toGlobalId('Touchpoint', String(t.id)) })) };
  },

  async erase(em: EntityManager, customerId: string) {
    await em.query(`UPDATE touchpoint SET note = NULL WHERE customer_id = $1 AND note IS NOT NULL`, [customerId]);
  },
  erasesIn: ['touchpoint'],
};
