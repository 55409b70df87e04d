/** GraphQL object types of the customer-insight API. Plain classes: resolvers fill them from stored scores. */
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../shared/graphql/connection';
import { Money } from '../../shared/graphql/scalars';
import { Touchpoint } from '../touchpoints/touchpoint.entity';
import { Channel } from '../touchpoints/touchpoint.enums';
import { ChurnModel } from './analytics.entity';
import { ChurnEvidenceKind, ChurnKind, ChurnRiskLevel, ValueTier } from './analytics.enums';

@ObjectType({
  description:
    'Fitted BG/NBD parameters. While active a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they drop out for good with probability p ~ Beta(a, b).',
})
export class BgNbdParameters {
  @Field(() => Float, { description: 'Shape of the purchase-rate distribution across customers (small = very unequal rates).' })
  r!: number;
  @Field(() => Float, { description: 'Rate (scale) of the purchase-rate distribution, in the model time unit.' })
  alpha!: number;
  @Field(() => Float, { description: 'First shape of the dropout-probability distribution.' })
  a!: number;
  @Field(() => Float, { description: 'Second shape of the dropout-probability distribution.' })
  b!: number;
  @Field(() => Float, {
    description: 'Sample log-likelihood at these parameters (higher is better; compare only fits on the same data and time unit).',
  })
  logLikelihood!: number;
  @Field(() => Int, { description: 'Optimiser iterations the fit took.' })
  iterations!: number;
  @Field(() => Float, { description: 'Mean purchase rate of active customers, r/α, in purchases per model time unit.' })
  meanPurchaseRate!: number;
  @Field(() => Float, { description: 'Mean chance of dropping out after any purchase, a/(a+b).' })
  meanDropoutProbability!: number;
}

@ObjectType({
  description:
    'Fitted Gamma-Gamma spend parameters: each purchase value is Gamma(p, ν) with ν ~ Gamma(q, γ) across customers. Fitted on repeat purchases only.',
})
export class GammaGammaParameters {
  @Field(() => Float, { description: 'Shape of the purchase-value distribution of one customer.' })
  p!: number;
  @Field(() => Float, { description: 'Shape of the distribution of ν across customers (must be > 1 for a finite mean).' })
  q!: number;
  @Field(() => Float, { description: 'Scale of the distribution of ν across customers.' })
  gamma!: number;
  @Field(() => Float, { description: "Log-likelihood of the customers' mean repeat-purchase values." })
  logLikelihood!: number;
  @Field(() => Int, { description: 'Customers in the spend fit (at least one repeat purchase with a positive amount).' })
  customerCount!: number;
  @Field(() => Money, { description: 'Expected value of one purchase of a customer we know nothing about: pγ/(q − 1).' })
  populationMeanSpend!: string;
}

@ObjectType({ description: 'Result of `fitChurnModel`.' })
export class FitChurnModelPayload {
  @Field(() => ChurnModel, { description: 'The new model, now current.' })
  model!: ChurnModel;
  @Field(() => Int, { description: 'Customers scored (everyone with at least one purchase).' })
  scoredCustomers!: number;
  @Field(() => Int, { description: 'Customers whose risk rose into HIGH or CRITICAL and who were moved to AT_RISK.' })
  movedToAtRisk!: number;
}

@ObjectType({ description: 'One of the three kinds of churn, scored 0–1 with a plain-language explanation.' })
export class ChurnKindScore {
  @Field(() => ChurnKind, { description: 'Which kind of churn.' })
  kind!: ChurnKind;
  @Field(() => Float, { description: '0 (no sign) to 1 (certain).' })
  score!: number;
  @Field({ description: 'What the score is based on, in a sentence a marketer can act on.' })
  explanation!: string;
}

@ObjectType({ description: 'One input of the churn-risk score and how much of the score it explains.' })
export class ChurnRiskFactor {
  @Field({
    description:
      'Stable name: dropoutProbability, overdueRatio, productLoss, spendDecline, complaints, negativeResponses, unansweredOutreach, noRecentContact or optedOutEverywhere.',
  })
  name!: string;
  @Field(() => Float, { description: 'The measured value, in the unit the description names.' })
  value!: number;
  @Field(() => Float, { description: 'Part of the score explained by this factor; the contributions of all factors add up to the score.' })
  contribution!: number;
  @Field({ description: 'What the factor measures.' })
  description!: string;
}

@ObjectType({ description: 'A touchpoint that supports the churn-risk assessment.' })
export class ChurnEvidence {
  @Field(() => ChurnEvidenceKind, { description: 'Why it counts as a warning.' })
  kind!: ChurnEvidenceKind;
  @Field(() => Touchpoint, { description: 'The touchpoint itself: channel, date, campaign, product and note.' })
  touchpoint!: Touchpoint;
}

@ObjectType({
  description:
    'How likely the customer is to leave, why, and what supports it. Scored when the model was fitted and again after each new purchase; `scoredAt` says when.',
})
export class ChurnRisk {
  @Field(() => Float, {
    description: 'Overall risk, 0 (staying) to 1 (leaving): the factors combined as independent warnings, 1 − Π(1 − strength).',
  })
  score!: number;
  @Field(() => ChurnRiskLevel, { description: 'The score as a level (thresholds in `ChurnRiskLevel`).' })
  level!: ChurnRiskLevel;
  @Field(() => Float, { description: 'Purchase-model (BG/NBD) probability that the customer is still an active buyer.' })
  probabilityAlive!: number;
  @Field(() => ChurnKindScore, {
    description:
      'Losing the customer completely: from P(alive), how overdue the next purchase is, and whether they opted out of marketing everywhere.',
  })
  accountChurn!: ChurnKindScore;
  @Field(() => ChurnKindScore, { description: 'Fewer products than before: holdings closed, or still held but no longer bought.' })
  productChurn!: ChurnKindScore;
  @Field(() => ChurnKindScore, { description: 'Spending less: spend per day over the last 180 days against the 360 days before.' })
  decreasedSpend!: ChurnKindScore;
  @Field(() => [ChurnRiskFactor], { description: 'Every input of the score with its contribution, in a fixed order.' })
  factors!: ChurnRiskFactor[];
  @Field({ description: 'When this assessment was computed.' })
  scoredAt!: Date;
  /** Newest first; resolved as `evidence`. */
  evidenceTouchpointIds!: string[];
}

@ObjectType({ description: 'What the customer has been worth and is expected to be worth.' })
export class LifetimeValue {
  @Field(() => Money, { description: 'Everything the customer has spent so far (when scored).' })
  historicalSpend!: string;
  @Field(() => Int, { description: 'Days with at least one purchase (purchases on one day count as one transaction).' })
  purchaseDays!: number;
  @Field({ description: 'First purchase.' })
  firstPurchaseAt!: Date;
  @Field({ description: 'Latest purchase when scored.' })
  lastPurchaseAt!: Date;
  @Field(() => Money, {
    description:
      'Predicted value (CLV): expected spend over the model horizon, discounted monthly (see `ChurnModel.horizonMonths` and `discountRatePerMonth`).',
  })
  predictedValue!: string;
  @Field(() => Float, { description: 'Expected purchase days over the horizon (undiscounted), from the BG/NBD.' })
  expectedPurchases!: number;
  @Field(() => Money, {
    description: "Expected value of one future purchase, from the Gamma-Gamma: the customer's own average blended with the population's.",
  })
  expectedAverageSpend!: string;
  @Field(() => Money, { description: 'expectedPurchases × expectedAverageSpend: expected spend over the horizon, undiscounted.' })
  expectedSpend!: string;
  @Field(() => Float, { description: 'Probability the customer is still an active buyer.' })
  probabilityAlive!: number;
  @Field(() => Int, { description: 'Months ahead the predictions cover.' })
  horizonMonths!: number;
  @Field(() => Int, {
    nullable: true,
    description: 'Rank by predicted value among all customers at the last full scoring (1 = most valuable); null if scored since.',
  })
  valueRank!: number | null;
  @Field({ description: 'When this was computed.' })
  scoredAt!: Date;
}

@ObjectType({ description: 'A product the customer does not have yet, with why it fits them.' })
export class CrossSellRecommendation {
  /** Resolved through the product loader. */
  productId!: string;
  @Field(() => Int, { description: '1 = best match.' })
  rank!: number;
  @Field(() => Float, {
    description: 'Estimated share of similar customers (same products, same persona) who hold it, 0–1, shrunk toward 0 for small groups.',
  })
  confidence!: number;
  @Field({ description: 'Why it is recommended, with the counts behind it.' })
  reason!: string;
  @Field(() => Channel, {
    description:
      "The channel to make the offer on: the customer's preferred channel if opted in, else the opted-in channel with the most positive responses, else a channel reachable without an opt-in (see `ConsentStatus.UNKNOWN`).",
  })
  recommendedChannel!: Channel;
}

@ObjectType({ description: 'A dormant or lapsed customer worth winning back, with why.' })
export class ReactivationCandidate {
  customerId!: string;
  @Field(() => Float, {
    description: 'Ranking score: comebackProbability × valueIfReactivated, the expected gain of an approach (money units).',
  })
  score!: number;
  @Field(() => Float, {
    description: 'Estimated chance they buy again after a win-back approach (25 % written off → 60 % likely active; touchpoints move it).',
  })
  comebackProbability!: number;
  @Field(() => Money, { description: 'A year of their former buying: expected purchase value × purchases a year.' })
  valueIfReactivated!: string;
  @Field(() => [String], { description: 'Why they are on the list, most important first.' })
  reasons!: string[];
  @Field(() => Float, { description: 'Purchase-model probability that they are still an active buyer.' })
  probabilityAlive!: number;
  @Field(() => ChurnRiskLevel, { description: 'Their churn-risk level.' })
  riskLevel!: ChurnRiskLevel;
  @Field(() => ValueTier, { nullable: true, description: 'Their value tier.' })
  valueTier!: ValueTier | null;
  @Field({ description: 'When they last bought.' })
  lastPurchaseAt!: Date;
  // Resolved by ReactivationCandidateFields (or the compiled SQL) from the customer's consent.
}

export const ReactivationCandidateConnection = ConnectionType(ReactivationCandidate, 'ReactivationCandidate', 'reactivation candidates');

@ObjectType({ description: 'Totals of one value tier.' })
export class ValueTierSummary {
  @Field(() => ValueTier, { description: 'Which tier these totals are for (VIP, CORE or LOW).' })
  tier!: ValueTier;
  @Field(() => Int, { description: 'Customers in the tier.' })
  customerCount!: number;
  @Field(() => Float, { description: 'Share of all scored customers, 0–1 (0.2 / 0.6 / 0.2 right after a fit).' })
  customerShare!: number;
  @Field(() => Money, { description: "What the tier's customers have spent so far." })
  revenue!: string;
  @Field(() => Float, { description: 'Share of all revenue so far, 0–1.' })
  revenueShare!: number;
  @Field(() => Money, { description: "Sum of the tier's predicted values (CLV)." })
  predictedValue!: string;
  @Field(() => Float, { description: 'Share of all predicted value, 0–1.' })
  predictedValueShare!: number;
  @Field(() => Money, { nullable: true, description: 'Lowest predicted value in the tier; null when empty.' })
  minPredictedValue!: string | null;
  @Field(() => Money, { nullable: true, description: 'Highest predicted value in the tier; null when empty.' })
  maxPredictedValue!: string | null;
}

@ObjectType({
  description:
    "The customer base split into VIP (top 20 % by predicted value), CORE (next 60 %) and LOW (bottom 20 %), with each tier's share of revenue and predicted value: does the 80:20 rule hold?",
})
export class ValueTierReport {
  @Field(() => [ValueTierSummary], { description: 'VIP, CORE and LOW, in that order.' })
  tiers!: ValueTierSummary[];
  @Field(() => Int, { description: 'Scored customers.' })
  customerCount!: number;
  @Field(() => Money, { description: 'Revenue of all scored customers so far.' })
  revenue!: string;
  @Field(() => Money, { description: 'Predicted value of all scored customers.' })
  predictedValue!: string;
  @Field({ description: 'True when the VIP tier brings at least 75 % of revenue, i.e. the 80:20 rule roughly holds.' })
  paretoRuleHolds!: boolean;
  @Field({ description: 'The finding in one sentence.' })
  summary!: string;
  @Field(() => ChurnModel, { description: 'The model the tiers come from.' })
  model!: ChurnModel;
}

@ObjectType({ description: 'Referral figures for one source channel, or all channels together.' })
export class ReferralChannelMetrics {
  @Field(() => Channel, { nullable: true, description: 'The source channel; null for the all-channel total.' })
  channel!: Channel | null;
  @Field(() => Int, { description: 'Referrals made in the window.' })
  referrals!: number;
  @Field(() => Int, { description: 'Of those, referred customers who had made a first purchase before the window end.' })
  converted!: number;
  @Field(() => Float, { nullable: true, description: 'converted / referrals; null without referrals.' })
  conversionRate!: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      'conversionRate divided by the overall lead conversion rate (2 = referrals convert twice as often); null when either is unknown or the lead rate is 0.',
  })
  liftOverLeadConversion!: number | null;
  @Field(() => Money, { description: 'Everything those referred customers spent before the window end.' })
  revenue!: string;
}

@ObjectType({ description: 'The overall lead conversion rate the referral rates are compared with.' })
export class LeadConversion {
  @Field(() => Int, { description: 'Customers (leads) created in the window, referred or not.' })
  customersCreated!: number;
  @Field(() => Int, { description: 'Of those, customers with a first purchase before the window end.' })
  converted!: number;
  @Field(() => Float, { nullable: true, description: 'converted / customersCreated; null when no customer was created.' })
  conversionRate!: number | null;
}

@ObjectType({ description: 'A customer who referred others in the window.' })
export class TopReferrer {
  customerId!: string;
  @Field(() => Int, { description: 'Referrals they made in the window.' })
  referrals!: number;
  @Field(() => Int, { description: 'Of those, how many converted before the window end.' })
  converted!: number;
  @Field(() => Money, { description: 'Revenue from the customers they referred.' })
  revenue!: string;
}

@ObjectType({
  description:
    'How the referral programme performs in a window [from, to): who refers, which channels convert, how that compares with all leads, and the return when a cost per referral is configured (REFERRAL_COST).',
})
export class ReferralMetrics {
  @Field({ description: 'Window start (inclusive).' })
  from!: Date;
  @Field({ description: 'Window end (exclusive). Conversions and revenue are counted up to here.' })
  to!: Date;
  @Field(() => [ReferralChannelMetrics], {
    description: 'One entry per source channel with referrals in the window, most referrals first.',
  })
  channels!: ReferralChannelMetrics[];
  @Field(() => ReferralChannelMetrics, { description: 'All channels together.' })
  total!: ReferralChannelMetrics;
  @Field(() => LeadConversion, { description: 'Conversion of every customer created in the window, for comparison.' })
  leadConversion!: LeadConversion;
  @Field(() => Money, { description: 'Revenue from customers referred in the window (same as total.revenue).' })
  revenueFromReferred!: string;
  @Field(() => [TopReferrer], { description: 'Best referrers: most converted referrals, then most revenue, then most referrals.' })
  topReferrers!: TopReferrer[];
  @Field(() => Money, { nullable: true, description: 'Configured cost of one referral (REFERRAL_COST); null when not configured.' })
  costPerReferral!: string | null;
  @Field(() => Money, { nullable: true, description: 'costPerReferral × referrals; null when no cost is configured.' })
  programmeCost!: string | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Return on investment, (revenue − programmeCost) / programmeCost; null without a configured cost or without referrals.',
  })
  returnOnInvestment!: number | null;
}
