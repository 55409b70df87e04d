/**
 * Demo sharing consents: the demo partner key (created by `npm start` on a
 * fresh demo database) belongs to DEMO_PARTNER, and about a third of the demo
 * customers agreed to share with it, so the playground shows a partner that
 * sees some customers and not others.
 */
import type { QueryRunner } from 'typeorm';

import { DEMO_PARTNER } from '../../modules/auth/api-key.service';

/** Where the demo consents say they came from. */
export const DEMO_SHARING_SOURCE = 'demo data';

/** Records a sharing grant to DEMO_PARTNER for every third customer (by id); returns how many. */
export async function writeDemoSharing(qr: QueryRunner): Promise<number> {
  const [{ n }] = await qr.query(
    `WITH granted AS (
       INSERT INTO partner_sharing_change (customer_id, partner, shared, source, recorded_at)
       SELECT c.id, $1, true, $2, c.created_at FROM customer c
        WHERE c.id % 3 = 1 AND NOT EXISTS (SELECT 1 FROM partner_sharing s WHERE s.partner = $1 AND s.customer_id = c.id)
       RETURNING id, customer_id
     ), current AS (
       INSERT INTO partner_sharing (partner, customer_id, change_id) SELECT $1, customer_id, id FROM granted RETURNING 1
     )
     SELECT count(*)::int AS n FROM current`,
    [DEMO_PARTNER, DEMO_SHARING_SOURCE],
  );
  return n;
}
