/**
 * Batches nested connections (a customer's touchpoints, purchases, …): every
 * parent on a level that asks for the same page arguments is served by one
 * LATERAL query, and `totalCount` by one GROUP BY, so the statement count per
 * level is constant whatever the page size.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../shared/pagination';
import { childCounts, childPages, type ChildFilter, type ChildListSpec } from './keyset';

interface Key {
  parentId: string;
  req: PageRequest;
  filter: ChildFilter | null;
  fieldPrefix: string;
}

const groupKey = (k: Omit<Key, 'parentId'>) => JSON.stringify([k.req, k.filter, k.fieldPrefix]);

export type ChildConnectionLoader<T> = (
  parentId: string,
  req: PageRequest,
  filter: ChildFilter | null,
  fieldPrefix: string,
) => Promise<Page<T>>;

export function createChildConnectionLoader<T>(
  em: EntityManager,
  spec: ChildListSpec<T>,
  options: { cache?: boolean } = {},
): ChildConnectionLoader<T> {
  const cacheKeyFn = (k: Key | { parentId: string; filter: ChildFilter | null }) => JSON.stringify(k);

  const pages = new DataLoader<Key, Omit<Page<T>, 'totalCount'>, string>(
    async (keys) => {
      const groups = new Map<string, Key[]>();
      for (const k of keys) {
        const g = groupKey(k);
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const results = new Map<Key, Omit<Page<T>, 'totalCount'>>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const { req, filter, fieldPrefix } = group[0];
          const byParent = await childPages(em, spec, [...new Set(group.map((k) => k.parentId))], req, filter, fieldPrefix);
          for (const k of group) results.set(k, byParent.get(k.parentId)!);
        }),
      );
      return keys.map((k) => results.get(k)!);
    },
    { cacheKeyFn, cache: options.cache ?? true },
  );

  const counts = new DataLoader<{ parentId: string; filter: ChildFilter | null }, number, string>(
    async (keys) => {
      const groups = new Map<string, { parentId: string; filter: ChildFilter | null }[]>();
      for (const k of keys) {
        const g = JSON.stringify(k.filter);
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      const results = new Map<string, number>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const byParent = await childCounts(
            em,
            spec.table,
            spec.parentColumn,
            [...new Set(group.map((k) => k.parentId))],
            group[0].filter,
          );
          for (const k of group) results.set(cacheKeyFn(k), byParent.get(k.parentId) ?? 0);
        }),
      );
      return keys.map((k) => results.get(cacheKeyFn(k))!);
    },
    { cacheKeyFn, cache: options.cache ?? true },
  );

  return async (parentId, req, filter, fieldPrefix) => {
    const page = await pages.load({ parentId, req, filter, fieldPrefix });
    return { ...page, totalCount: () => counts.load({ parentId, filter }) };
  };
}
