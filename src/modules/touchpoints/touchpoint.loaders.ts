import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { createChildConnectionLoader } from '../../db/child-connection-loader';
import type { Ordering } from '../../db/keyset';
import { Touchpoint } from './touchpoint.entity';

export const TOUCHPOINTS_ORDER: Ordering = {
  name: 'TOUCHPOINT_LATEST',
  keys: ['x.occurred_at', 'x.id'],
  types: ['timestamptz', 'bigint'],
  direction: 'DESC',
};

export function createTouchpointLoaders(em: EntityManager, cache: boolean) {
  return {
    touchpointById: byIdLoader(em, Touchpoint, cache),
    touchpointsByCustomer: createChildConnectionLoader(
      em,
      { entity: Touchpoint, table: 'touchpoint', parentColumn: 'customer_id', ordering: TOUCHPOINTS_ORDER },
      { cache },
    ),
  };
}
