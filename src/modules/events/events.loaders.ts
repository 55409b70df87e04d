import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { orderByKeys } from '../../shared/loader-utils';
import { EventStore } from './event-store';
import { toGraphQLEvent, type CustomerEvent } from './events.types';

/** `customerEventById`: retained events by seq, for `node(id:)`; pruned ones resolve to null. */
export function createEventLoaders(em: EntityManager, cache: boolean) {
  const store = new EventStore(em.connection);
  return {
    customerEventById: new DataLoader<string, CustomerEvent | null>(
      async (ids) => {
        const events = await store.bySeq(ids.map(Number).filter(Number.isSafeInteger));
        return orderByKeys(
          ids,
          events.map((e) => toGraphQLEvent(e)),
          (e) => e.id,
        );
      },
      { cache },
    ),
  };
}
