/** Analytics: churn and lifetime-value models, value tiers, cross-sell, referral metrics. */
import { defineModule } from '../module';
import { ChurnModel, CustomerScore } from './analytics.entity';
import {
  ChurnModelFields,
  ChurnRiskFields,
  CrossSellRecommendationFields,
  CustomerAnalyticsFields,
  ReactivationCandidateFields,
  TopReferrerFields,
} from './analytics.fields';
import { createAnalyticsLoaders } from './analytics.loaders';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { ANALYTICS_SQL } from './analytics.sql';
import { analyticsPersonalData } from './analytics.privacy';

declare module '../context' {
  interface Loaders extends ReturnType<typeof createAnalyticsLoaders> {}
  interface Services {
    analytics: AnalyticsService;
  }
}

export const analytics = defineModule({
  name: 'analytics',
  entities: [ChurnModel, CustomerScore],
  resolvers: [
    AnalyticsResolver,
    CustomerAnalyticsFields,
    ChurnRiskFields,
    ChurnModelFields,
    CrossSellRecommendationFields,
    ReactivationCandidateFields,
    TopReferrerFields,
  ],
  loaders: createAnalyticsLoaders,
  services: ({ ds, clock, referralCost, log }) => ({ analytics: new AnalyticsService(ds, clock, { referralCost, log }) }),
  // New purchases re-score their customers after commit, off the request path.
  connect: (s) => s.commerce.onPurchasesRecorded((customerIds) => s.analytics.models.scheduleRescore(customerIds)),
  nodeTypes: { ChurnModel: 'churnModelById' },
  // Company-wide figures, which partners do not read (Query.churnModel is ADMIN, ANALYST).
  nodeOwners: { ChurnModel: () => ({ hidden: true }) },
  sql: ANALYTICS_SQL,
  personalData: analyticsPersonalData,
});
