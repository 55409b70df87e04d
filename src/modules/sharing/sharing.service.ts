/**
 * Recording sharing consents: each call appends to `partner_sharing_change`
 * and brings `partner_sharing` (the grants in force) up to date in the same
 * statement. A change of state goes out on the feed: CUSTOMER_SHARING_STARTED
 * or CUSTOMER_SHARING_ENDED, about the customer, addressed to the partner.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { badInput } from '../../shared/errors';
import { fromGlobalId } from '../../shared/global-id';
import { PARTNER_NAME_PATTERN, PARTNER_NAME_RULE } from '../auth/api-key.service';
import { lockCustomer } from '../customers/customer.lock';
import { CustomerEventType } from '../events/event-types';
import { recordEvents } from '../events/outbox';
import type { SetPartnerSharingInput } from './sharing.inputs';
import { PartnerSharingChange } from './sharing.entity';

export interface SharingResult {
  customerId: string;
  change: PartnerSharingChange;
  /** False when the consent was already in this state (the record is kept all the same). */
  changed: boolean;
}

interface ChangeRow {
  id: string;
  customer_id: string;
  partner: string;
  shared: boolean;
  source: string;
  recorded_at: Date;
  recorded_by_key_id: string | null;
  changed: boolean;
}

/** Appends the change and applies it to the grants in force; `changed` tells whether the state moved. */
const RECORD = (share: boolean) => `
  WITH c AS (
    INSERT INTO partner_sharing_change (customer_id, partner, shared, source, recorded_at, recorded_by_key_id)
    VALUES ($1, $2, $3, $4, now(), $5)
    RETURNING id, customer_id, partner, shared, source, recorded_at, recorded_by_key_id
  ), cur AS (
    ${
      share
        ? `INSERT INTO partner_sharing (partner, customer_id, change_id) SELECT partner, customer_id, id FROM c
           ON CONFLICT (partner, customer_id) DO NOTHING RETURNING 1`
        : `DELETE FROM partner_sharing WHERE partner = $2 AND customer_id = $1 RETURNING 1`
    }
  )
  SELECT c.id::text AS id, c.customer_id::text AS customer_id, c.partner, c.shared, c.source, c.recorded_at,
         c.recorded_by_key_id::text AS recorded_by_key_id, EXISTS (SELECT 1 FROM cur) AS changed
    FROM c`;

export class SharingService {
  constructor(private readonly ds: DataSource) {}

  /**
   * Records a grant or withdrawal (SERVICE, ADMIN). BAD_USER_INPUT names the
   * field; NOT_FOUND for an unknown customer. `recordedByKeyId` is the key
   * making the call.
   */
  async set(input: SetPartnerSharingInput, recordedByKeyId: string | null, outer?: EntityManager): Promise<SharingResult> {
    const customerId = fromGlobalId(input.customerId, 'Customer', 'input.customerId');
    const partner = input.partner?.trim() ?? '';
    if (!PARTNER_NAME_PATTERN.test(partner)) throw badInput('input.partner', `partner must be ${PARTNER_NAME_RULE}.`);
    const source = input.source?.trim() ?? '';
    if (source.length < 1 || source.length > 200) throw badInput('input.source', 'source must be 1–200 characters.');
    if (typeof input.share !== 'boolean') throw badInput('input.share', 'share must be true or false.');
    return inTransaction(
      this.ds,
      async (em) => {
        await lockCustomer(em, customerId, 'input.customerId');
        const [row]: ChangeRow[] = await em.query(RECORD(input.share), [customerId, partner, input.share, source, recordedByKeyId]);
        if (row.changed) {
          await recordEvents(em, [
            {
              type: input.share ? CustomerEventType.CUSTOMER_SHARING_STARTED : CustomerEventType.CUSTOMER_SHARING_ENDED,
              customerId,
              occurredAt: row.recorded_at,
              payload: { partner },
            },
          ]);
        }
        const change = Object.assign(new PartnerSharingChange(), {
          id: row.id,
          customerId: row.customer_id,
          partner: row.partner,
          shared: row.shared,
          source: row.source,
          recordedAt: row.recorded_at,
          recordedByKeyId: row.recorded_by_key_id,
        });
        return { customerId, change, changed: row.changed };
      },
      outer,
    );
  }
}
