/** The analytics services, built once per process: fitting and scoring, read-side insights, referral metrics. */
import type { DataSource } from 'typeorm';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { ChurnModelService, type ChurnModelServiceOptions } from './churn-model.service';
import { InsightsService } from './insights.service';
import { ReferralMetricsService } from './referral-metrics.service';

export interface AnalyticsOptions extends ChurnModelServiceOptions {
  /** Cost of one referral (decimal string), for the referral ROI; null or absent = not tracked. */
  referralCost?: string | null;
  log?: Logger;
}

export class AnalyticsService {
  readonly models: ChurnModelService;
  readonly insights: InsightsService;
  readonly referrals: ReferralMetricsService;

  constructor(ds: DataSource, clock: Clock, options: AnalyticsOptions = {}) {
    this.models = new ChurnModelService(ds, clock, options);
    this.insights = new InsightsService();
    this.referrals = new ReferralMetricsService(clock, options.referralCost ?? null);
  }
}
