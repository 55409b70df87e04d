/** Every per-request DataLoader, gathered from the modules' loader factories. */
import type { EntityManager } from 'typeorm';
import { byIdLoader } from '../db/by-id-loader';
import { createAnalyticsLoaders } from './analytics/analytics.loaders';
import { createCommerceLoaders } from './commerce/commerce.loaders';
import { createEventLoaders } from './events/events.loaders';
import { Customer } from './customers/customer.entity';
import { createLifecycleLoaders } from './lifecycle/lifecycle.loaders';
import { Persona } from './personas/persona.entity';
import { createReferralLoaders } from './referrals/referral.loaders';
import { createTouchpointLoaders } from './touchpoints/touchpoint.loaders';

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
