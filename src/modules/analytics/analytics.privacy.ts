/**
 * Scores in the privacy export: every stored score of the customer, under
 * every model still kept. Scores are computed from purchases and touchpoints
 * and hold nothing personal, so erasure keeps them and value tiers, reports
 * and reactivation lists stay the same (the erased customer is never moved
 * to AT_RISK again: see lockCustomers' `erased: 'skip'`).
 */
import type { EntityManager } from 'typeorm';
import type { PersonalDataContribution } from '../module';

export const analyticsPersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const rows = await em.query<{ score: Record<string, unknown> }[]>(
      `SELECT to_jsonb(s) - 'customer_id' || jsonb_build_object('model_id', s.model_id::text, 'is_current', m.is_current) AS score
       FROM customer_score s JOIN churn_model m ON m.id = s.model_id WHERE s.customer_id = $1 ORDER BY s.model_id`,
      [customerId],
    );
    return { scores: rows.map((r) => r.score) };
  },
};
