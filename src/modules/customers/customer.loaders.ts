import DataLoader from 'dataloader';
import { In, type EntityManager } from 'typeorm';
import { orderByKeys } from '../../shared/loader-utils';
import { Customer } from './customer.entity';

/**
 * Customers by id. The id of a merged profile (a tombstone) answers its survivor, so old IDs
 * keep resolving after a merge; the survivors take a second statement only when a tombstone
 * was asked for.
 */
export function customerByIdLoader(em: EntityManager, cache: boolean): DataLoader<string, Customer | null> {
  return new DataLoader<string, Customer | null>(
    async (ids) => {
      const repo = em.getRepository(Customer);
      const rows = await repo.findBy({ id: In([...ids]) });
      const survivorIds = [...new Set(rows.flatMap((r) => (r.mergedInto ? [r.mergedInto] : [])))];
      const survivors = new Map((survivorIds.length ? await repo.findBy({ id: In(survivorIds) }) : []).map((s) => [s.id, s]));
      const resolved = rows.map((r) => (r.mergedInto ? { asked: r.id, row: survivors.get(r.mergedInto) } : { asked: r.id, row: r }));
      return orderByKeys(ids, resolved, (r) => r.asked).map((r) => r?.row ?? null);
    },
    { cache },
  );
}

export function createCustomerLoaders(em: EntityManager, cache: boolean) {
  return { customerById: customerByIdLoader(em, cache) };
}
