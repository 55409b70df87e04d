import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { PartnerSharingChange } from './sharing.entity';

/** `partnerSharingByCustomer`: each partner's latest consent record per customer, by partner name. */
export function createSharingLoaders(em: EntityManager, cache: boolean) {
  return {
    partnerSharingByCustomer: new DataLoader<string, PartnerSharingChange[]>(
      async (ids) => {
        const rows = await em
          .getRepository(PartnerSharingChange)
          .createQueryBuilder('x')
          .distinctOn(['x.customer_id', 'x.partner'])
          .where('x.customer_id IN (:...ids)', { ids: [...ids] })
          .orderBy('x.customer_id')
          .addOrderBy('x.partner')
          .addOrderBy('x.recorded_at', 'DESC')
          .addOrderBy('x.id', 'DESC')
          .getMany();
        return ids.map((id) => rows.filter((r) => r.customerId === id));
      },
      { cache },
    ),
  };
}
