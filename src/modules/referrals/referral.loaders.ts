import DataLoader from 'dataloader';
import { In, type EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { createChildConnectionLoader } from '../../db/child-connection-loader';
import type { Ordering } from '../../db/keyset';
import { orderByKeys } from '../../shared/loader-utils';
import { Referral } from './referral.entity';

export const REFERRALS_ORDER: Ordering = {
  name: 'REFERRAL_CREATED',
  keys: ['x.created_at', 'x.id'],
  types: ['timestamptz', 'bigint'],
  direction: 'ASC',
};

export function createReferralLoaders(em: EntityManager, cache: boolean) {
  return {
    referralById: byIdLoader(em, Referral, cache),
    referralsByReferrer: createChildConnectionLoader(
      em,
      { entity: Referral, table: 'referral', parentColumn: 'referrer_id', ordering: REFERRALS_ORDER },
      { cache },
    ),
    /** The referral that brought a customer in, by the referred customer's id. */
    referralByReferred: new DataLoader<string, Referral | null>(
      async (ids) => orderByKeys(ids, await em.getRepository(Referral).findBy({ referredId: In([...ids]) }), (r) => r.referredId),
      { cache },
    ),
  };
}
