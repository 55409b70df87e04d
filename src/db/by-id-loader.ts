import DataLoader from 'dataloader';
import { In, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { orderByKeys } from '../shared/loader-utils';

/**
 * A DataLoader fetching rows of `entity` by primary key `id` in one
 * `WHERE id IN (...)` per batch; unknown ids resolve to null.
 */
export function byIdLoader<T extends ObjectLiteral & { id: string }>(
  em: EntityManager,
  entity: EntityTarget<T>,
  cache = true,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(
    async (ids) => orderByKeys(ids, (await em.getRepository(entity).findBy({ id: In([...ids]) } as never)) as T[], (row) => row.id),
    { cache },
  );
}
