/** The service layer, built once per process and shared by every request. */
import type { DataSource } from 'typeorm';
import type { Clock } from './shared/clock';
import { CommerceService } from './modules/commerce/commerce.service';
import { CustomerService } from './modules/customers/customer.service';
import { LifecycleService } from './modules/lifecycle/lifecycle.service';
import { PersonaService } from './modules/personas/persona.service';
import { ReferralService } from './modules/referrals/referral.service';
import { TouchpointService } from './modules/touchpoints/touchpoint.service';

export function createServices(ds: DataSource, clock: Clock) {
  const customers = new CustomerService(ds, clock);
  return {
    customers,
    personas: new PersonaService(ds),
    commerce: new CommerceService(ds, clock),
    touchpoints: new TouchpointService(ds, clock, customers),
    referrals: new ReferralService(ds, clock, customers),
    lifecycle: new LifecycleService(ds, clock, customers),
  };
}

export type Services = ReturnType<typeof createServices>;
