/** Every per-request DataLoader, gathered from the modules' loader factories. */
import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../db/by-id-loader';
import { createAnalyticsLoaders } from '../modules/analytics/analytics.loaders';
import { createCommerceLoaders } from '../modules/commerce/commerce.loaders';
import { createEventLoaders } from '../modules/events/events.loaders';
import { Customer } from '../modules/customers/customer.entity';
import { createLifecycleLoaders } from '../modules/lifecycle/lifecycle.loaders';
import { Persona } from '../modules/personas/persona.entity';
import { createReferralLoaders } from '../modules/referrals/referral.loaders';
import { createTouchpointLoaders } from '../modules/touchpoints/touchpoint.loaders';

export function createLoaders(em: EntityManager, cache = true) {
  return {
    customerById: byIdLoader(em, Customer, cache),
    personaById: byIdLoader(em, Persona, cache),
    ...createCommerceLoaders(em, cache),
    ...createTouchpointLoaders(em, cache),
    ...createReferralLoaders(em, cache),
    ...createLifecycleLoaders(em, cache),
    ...createEventLoaders(em, cache),
    ...createAnalyticsLoaders(em, cache),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
