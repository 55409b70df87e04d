/**
 * Consent records in the privacy export. Erasure keeps the statuses, channels, preferences and
 * times (what the person agreed to, and so what outreach the rules allowed) and removes the free
 * text a writer typed as the source, at the record and per channel: it may name or describe them.
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../shared/global-id';
import type { PersonalDataContribution } from '../module';

export const consentPersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const rows = await em.query<Record<string, unknown>[]>(
      `SELECT id::text AS id, changes, channels, preferred_channel AS "preferredChannel", contact_cap AS "contactCap", source,
              api_key_id::text AS "apiKeyId", recorded_at AS "recordedAt"
       FROM consent_record WHERE customer_id = $1 ORDER BY id`,
      [customerId],
    );
    return { consentRecords: rows.map((r) => ({ ...r, id: toGlobalId('ConsentRecord', String(r.id)) })) };
  },

  async erase(em: EntityManager, customerId: string) {
    await em.query(
      `UPDATE consent_record
       SET source = '', channels = (SELECT coalesce(jsonb_object_agg(k, v - 'source'), '{}'::jsonb) FROM jsonb_each(channels) e(k, v))
       WHERE customer_id = $1`,
      [customerId],
    );
  },
  erasesIn: ['consent_record'],
};
