import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { createChildConnectionLoader } from '../../db/child-connection-loader';
import type { Ordering } from '../../db/keyset';
import { StageChange } from './stage-change.entity';

export const STAGE_HISTORY_ORDER: Ordering = {
  name: 'STAGE_CHANGE_OLDEST',
  keys: ['x.occurred_at', 'x.id'],
  types: ['timestamptz', 'bigint'],
  direction: 'ASC',
};

export function createLifecycleLoaders(em: EntityManager, cache: boolean) {
  return {
    stageChangeById: byIdLoader(em, StageChange, cache),
    stageHistoryByCustomer: createChildConnectionLoader(
      em,
      { entity: StageChange, table: 'stage_change', parentColumn: 'customer_id', ordering: STAGE_HISTORY_ORDER },
      { cache },
    ),
  };
}
