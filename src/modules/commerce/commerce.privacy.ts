/**
 * Holdings and purchases in the privacy export. Erasure keeps them as they
 * are: dates, amounts, quantities and products are the facts the churn and
 * value models learn from, and none of them identifies a person once the
 * customer row is an erased tombstone (docs/privacy.md).
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../shared/global-id';
import type { PersonalDataContribution } from '../module';

export const commercePersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const holdings = await em.query<Record<string, unknown>[]>(
      `SELECT h.id::text AS id, p.sku, p.name AS product, h.status, h.since, h.closed_at AS "closedAt"
       FROM holding h JOIN product p ON p.id = h.product_id WHERE h.customer_id = $1 ORDER BY h.since, h.id`,
      [customerId],
    );
    const purchases = await em.query<Record<string, unknown>[]>(
      `SELECT u.id::text AS id, p.sku, p.name AS product, u.occurred_at AS "occurredAt", u.quantity, u.amount::text AS amount,
              u.recorded_at AS "recordedAt"
       FROM purchase u LEFT JOIN product p ON p.id = u.product_id WHERE u.customer_id = $1 ORDER BY u.occurred_at, u.id`,
      [customerId],
    );
    return {
      holdings: holdings.map((h) => ({ ...h, id: toGlobalId('Holding', String(h.id)) })),
      purchases: purchases.map((p) => ({ ...p, id: toGlobalId('Purchase', String(p.id)) })),
    };
  },
};
