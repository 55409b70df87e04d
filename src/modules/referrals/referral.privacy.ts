/**
 * Referrals both ways in the privacy export. They hold ids, a channel and
 * dates only, so erasure keeps them: the other customer's referral history
 * (and the referral ROI) must not change because this one was erased.
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../shared/global-id';
import type { PersonalDataContribution } from '../module';

export const referralPersonalData: PersonalDataContribution = {
  async export(em: EntityManager, customerId: string) {
    const rows = await em.query<{ id: string; referrer_id: string; referred_id: string; [k: string]: unknown }[]>(
      `SELECT id::text, referrer_id::text, referred_id::text, source_channel AS "sourceChannel", created_at AS "createdAt",
              converted_at AS "convertedAt"
       FROM referral WHERE referrer_id = $1 OR referred_id = $1 ORDER BY created_at, id`,
      [customerId],
    );
    const shape = ({ id, referrer_id, referred_id, ...rest }: (typeof rows)[number]) => ({
      id: toGlobalId('Referral', id),
      referrer: toGlobalId('Customer', referrer_id),
      referred: toGlobalId('Customer', referred_id),
      ...rest,
    });
    return {
      referralsMade: rows.filter((r) => r.referrer_id === customerId).map(shape),
      referredBy: rows.filter((r) => r.referred_id === customerId).map(shape),
    };
  },
};
