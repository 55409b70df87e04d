import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { createChildConnectionLoader } from '../../db/child-connection-loader';
import type { Ordering } from '../../db/keyset';
import { CommerceService } from './commerce.service';
import { Holding } from './holding.entity';
import { Product } from './product.entity';
import { Purchase } from './purchase.entity';

export const HOLDINGS_ORDER: Ordering = {
  name: 'HOLDING_SINCE',
  keys: ['x.since', 'x.id'],
  types: ['timestamptz', 'bigint'],
  direction: 'ASC',
};
export const PURCHASES_ORDER: Ordering = {
  name: 'PURCHASE_LATEST',
  keys: ['x.occurred_at', 'x.id'],
  types: ['timestamptz', 'bigint'],
  direction: 'DESC',
};

export function createCommerceLoaders(em: EntityManager, cache: boolean) {
  return {
    productById: byIdLoader(em, Product, cache),
    holdingById: byIdLoader(em, Holding, cache),
    purchaseById: byIdLoader(em, Purchase, cache),
    holdingsByCustomer: createChildConnectionLoader(
      em,
      { entity: Holding, table: 'holding', parentColumn: 'customer_id', ordering: HOLDINGS_ORDER },
      { cache },
    ),
    purchasesByCustomer: createChildConnectionLoader(
      em,
      { entity: Purchase, table: 'purchase', parentColumn: 'customer_id', ordering: PURCHASES_ORDER },
      { cache },
    ),
    holdingSpend: new DataLoader<{ customerId: string; productId: string }, { total: string; count: number }, string>(
      (keys) => CommerceService.spendByHolding(em, keys),
      { cache, cacheKeyFn: (k) => `${k.customerId}:${k.productId}` },
    ),
  };
}
