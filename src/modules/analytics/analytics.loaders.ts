/**
 * Per-request loaders of the insight fields. Each batches every customer on a level of the
 * query into a fixed number of statements (see InsightsService), so asking for the churn risk,
 * value or recommendations of 100 customers costs the same statements as for one.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../../db/by-id-loader';
import { ChurnModel, type CustomerScore } from './analytics.entity';
import { InsightsService, type CrossSellItem, type CrossSellKey } from './insights.service';

export function createAnalyticsLoaders(em: EntityManager, cache: boolean) {
  const insights = new InsightsService();
  return {
    churnModelById: byIdLoader(em, ChurnModel, cache),
    customerScore: new DataLoader<string, CustomerScore | null>((ids) => insights.scoresByCustomer(em, ids), { cache }),
    crossSell: new DataLoader<CrossSellKey, CrossSellItem[], string>((keys) => insights.crossSell(em, keys), {
      cache,
      cacheKeyFn: (k) => `${k.customerId}:${k.personaId ?? ''}:${k.first}`,
    }),
    latestTouchpointId: new DataLoader<string, string | null>((ids) => InsightsService.latestPerCustomer(em, 'touchpoint', ids), { cache }),
    latestPurchaseId: new DataLoader<string, string | null>((ids) => InsightsService.latestPerCustomer(em, 'purchase', ids), { cache }),
  };
}
