/** The service layer, built once per process and shared by every request. */
import type { DataSource } from 'typeorm';
import type { Clock } from './shared/clock';
import { ApiKeyService } from './modules/auth/api-key.service';
import type { Logger } from './shared/logger';
import { AnalyticsService } from './modules/analytics/analytics.service';
import { CommerceService } from './modules/commerce/commerce.service';
import { CustomerService } from './modules/customers/customer.service';
import { EventService } from './modules/events/events.service';
import { LifecycleService } from './modules/lifecycle/lifecycle.service';
import { PersonaService } from './modules/personas/persona.service';
import { ReferralService } from './modules/referrals/referral.service';
import { TouchpointService } from './modules/touchpoints/touchpoint.service';

/** Settings some services need from the configuration. */
export interface ServiceOptions {
  /** REFERRAL_COST: cost of one referral, for the referral ROI. */
  referralCost?: string | null;
  log?: Logger;
}

export function createServices(ds: DataSource, clock: Clock, options: ServiceOptions = {}) {
  const customers = new CustomerService(ds, clock);
  const commerce = new CommerceService(ds, clock);
  const analytics = new AnalyticsService(ds, clock, { referralCost: options.referralCost, log: options.log });
  // New purchases re-score their customers after commit, off the request path.
  commerce.onPurchasesRecorded((customerIds) => analytics.models.scheduleRescore(customerIds));
  return {
    customers,
    personas: new PersonaService(ds),
    commerce,
    touchpoints: new TouchpointService(ds, clock),
    referrals: new ReferralService(ds, clock),
    lifecycle: new LifecycleService(ds, clock),
    apiKeys: new ApiKeyService(ds),
    events: new EventService(ds, clock),
    analytics,
  };
}

export type Services = ReturnType<typeof createServices>;
