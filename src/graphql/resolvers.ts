/** Every resolver class; the schema is built from exactly this list. */
import type { NonEmptyArray } from 'type-graphql';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { CommerceResolver, } from '../modules/commerce/commerce.resolver';
import { CustomerCommerceFields, HoldingFields, PurchaseFields } from '../modules/commerce/commerce.fields';
import { CustomerFields } from '../modules/customers/customer.fields';
import { CustomerResolver } from '../modules/customers/customer.resolver';
import {
  CustomerEventFields,
  EventResolver,
  PurchaseRecordedEventFields,
  ReferralCreatedEventFields,
  StageChangedEventFields,
  TouchpointRecordedEventFields,
} from '../modules/events/events.resolver';
import { CustomerLifecycleFields, LifecycleResolver, StageChangeFields } from '../modules/lifecycle/lifecycle.resolver';
import { PersonaResolver } from '../modules/personas/persona.resolver';
import { CustomerReferralFields, ReferralFields, ReferralResolver } from '../modules/referrals/referral.resolver';
import { CustomerTouchpointFields, TouchpointFields } from '../modules/touchpoints/touchpoint.fields';
import { TouchpointResolver } from '../modules/touchpoints/touchpoint.resolver';
import { AnalyticsResolver } from '../modules/analytics/analytics.resolver';
import {
  ChurnModelFields,
  ChurnRiskFields,
  CrossSellRecommendationFields,
  CustomerAnalyticsFields,
  ReactivationCandidateFields,
  TopReferrerFields,
} from '../modules/analytics/analytics.fields';
import { NodeResolver } from './node.resolver';

// eslint-disable-next-line @typescript-eslint/ban-types
export const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  AuthResolver,
  CustomerResolver,
  CustomerFields,
  PersonaResolver,
  CommerceResolver,
  CustomerCommerceFields,
  HoldingFields,
  PurchaseFields,
  TouchpointResolver,
  CustomerTouchpointFields,
  TouchpointFields,
  ReferralResolver,
  CustomerReferralFields,
  ReferralFields,
  LifecycleResolver,
  CustomerLifecycleFields,
  StageChangeFields,
  EventResolver,
  CustomerEventFields,
  StageChangedEventFields,
  PurchaseRecordedEventFields,
  TouchpointRecordedEventFields,
  ReferralCreatedEventFields,
  AnalyticsResolver,
  CustomerAnalyticsFields,
  ChurnRiskFields,
  ChurnModelFields,
  CrossSellRecommendationFields,
  ReactivationCandidateFields,
  TopReferrerFields,
];
