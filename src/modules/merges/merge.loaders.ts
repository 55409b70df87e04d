import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { createChildConnectionLoader } from '../../db/child-connection-loader';
import type { Ordering } from '../../db/keyset';
import { CustomerMerge, DuplicatePair } from './merge.entity';

/** `Query.duplicateCandidates`: best first (index duplicate_pair_score_idx). */
export const DUPLICATE_CANDIDATES_ORDER: Ordering = {
  name: 'DUPLICATE_SCORE',
  keys: ['x.score', 'x.customer_id', 'x.duplicate_id'],
  types: ['numeric', 'bigint', 'bigint'],
  direction: 'DESC',
};

/** `Customer.possibleDuplicates`: best first (index duplicate_pair_customer_score_idx). */
export const POSSIBLE_DUPLICATES_ORDER: Ordering = {
  name: 'POSSIBLE_DUPLICATE_SCORE',
  keys: ['x.score', 'x.duplicate_id'],
  types: ['numeric', 'bigint'],
  direction: 'DESC',
};

/** `Customer.merges`: oldest first. */
export const MERGES_ORDER: Ordering = {
  name: 'MERGED_AT',
  keys: ['x.merged_at', 'x.id'],
  types: ['timestamptz', 'bigint'],
  direction: 'ASC',
};

export function createMergeLoaders(em: EntityManager, cache: boolean) {
  return {
    customerMergeById: byIdLoader(em, CustomerMerge, cache),
    possibleDuplicatesByCustomer: createChildConnectionLoader(
      em,
      { entity: DuplicatePair, table: 'duplicate_pair', parentColumn: 'customer_id', ordering: POSSIBLE_DUPLICATES_ORDER },
      { cache },
    ),
    mergesBySurvivor: createChildConnectionLoader(
      em,
      { entity: CustomerMerge, table: 'customer_merge', parentColumn: 'survivor_id', ordering: MERGES_ORDER },
      { cache },
    ),
  };
}
