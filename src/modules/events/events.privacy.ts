/**
 * The live feed's part of the right of access and the right to erasure. The
 * export holds every retained event about the customer: theirs, and the
 * REFERRAL_CREATED events that name them as the referred customer. Erasure
 * scrubs the personal keys from the payloads of their retained events, so a
 * replay after the erasure never delivers them again; the CUSTOMER_ERASED
 * event (recorded by the privacy service) tells partners to delete the copies
 * they already received.
 */
import type { EntityManager } from 'typeorm';
import type { PersonalDataContribution } from '../module';
import { CustomerEventType } from './event-types';

/**
 * Payload keys that may hold personal data, in any event type: free text
 * (`reason`, `note`) and contact details. A new event type that carries
 * personal data in another key must add it here.
 */
export const PERSONAL_PAYLOAD_KEYS: readonly string[] = ['reason', 'note', 'name', 'email', 'phone', 'externalId'];

export const eventPersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const rows = await em.query<Record<string, unknown>[]>(
      `SELECT seq::text AS seq, type, customer_id::text AS "customerId", payload, occurred_at AS "occurredAt", recorded_at AS "recordedAt"
       FROM customer_event
       WHERE customer_id = $1 OR (type = $2 AND payload->>'referredId' = $1::text)
       ORDER BY seq`,
      [customerId, CustomerEventType.REFERRAL_CREATED],
    );
    return { events: rows };
  },

  async erase(em: EntityManager, customerId: string) {
    await em.query(`UPDATE customer_event SET payload = payload - $2::text[] WHERE customer_id = $1 AND payload ?| $2::text[]`, [
      customerId,
      PERSONAL_PAYLOAD_KEYS,
    ]);
  },
  erasesIn: ['customer_event'],
};
