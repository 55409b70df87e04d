import { Arg, Args, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ConnectionArgs, toConnection } from '../../shared/graphql/connection';
import { toPageRequest } from '../../shared/pagination';
import { ChurnModel, type CustomerScore } from './analytics.entity';
import { ValueTier, type ChurnRiskLevel } from './analytics.enums';
import { FitChurnModelInput, ReactivationFilter } from './analytics.inputs';
import {
  FitChurnModelPayload,
  ReactivationCandidate,
  ReactivationCandidateConnection,
  ReferralMetrics,
  ValueTierReport,
} from './analytics.types';
import type { ValueTierReport as ValueTierTotals } from './insights.service';
import { MAX_TOP_REFERRERS } from './referral-metrics.service';

/** Share of revenue the VIP tier must bring for the 80:20 rule to count as holding. */
export const PARETO_HOLDS_SHARE = 0.75;

const pct = (v: number) => `${Math.round(v * 100)} %`;

/** The value-tier report with its one-sentence finding. */
export function toValueTierReport(t: ValueTierTotals): ValueTierReport {
  const vip = t.tiers.find((x) => x.tier === ValueTier.VIP)!;
  const low = t.tiers.find((x) => x.tier === ValueTier.LOW)!;
  const holds = vip.revenueShare >= PARETO_HOLDS_SHARE;
  const summary =
    t.customerCount === 0
      ? 'No customers have been scored yet.'
      : `The top ${pct(vip.customerShare)} of customers by predicted value (VIP, ${vip.customerCount}) brought ${pct(vip.revenueShare)} of revenue so far and hold ${pct(vip.predictedValueShare)} of predicted value; the bottom ${pct(low.customerShare)} brought ${pct(low.revenueShare)}. ` +
        (holds ? 'The 80:20 rule holds.' : `The 80:20 rule does not hold: value is less concentrated than that.`);
  return { ...t, paretoRuleHolds: holds, summary };
}

export function toReactivationCandidate(s: CustomerScore): ReactivationCandidate {
  return {
    customerId: s.customerId,
    score: s.reactivationScore,
    comebackProbability: s.comebackProbability,
    valueIfReactivated: s.valueIfReactivated,
    reasons: s.reactivationReasons,
    probabilityAlive: s.probabilityAlive,
    riskLevel: s.riskLevel as ChurnRiskLevel,
    valueTier: s.valueTier,
    lastPurchaseAt: s.lastPurchaseAt,
  };
}

@Resolver()
export class AnalyticsResolver {
  @Query(() => ChurnModel, {
    nullable: true,
    description: 'The churn model every score currently comes from: parameters, fit quality, size and timings. Null before the first fit.',
  })
  churnModel(@Ctx() ctx: Context): Promise<ChurnModel | null> {
    return ctx.services.analytics.models.current(ctx.ds.manager);
  }

  @Mutation(() => FitChurnModelPayload, {
    description:
      'Fits the purchase models (BG/NBD and Gamma-Gamma) on the purchase log up to `calibrationEnd`, scores every customer with a purchase, ranks value tiers, and makes the new model current. Customers whose churn risk rises into HIGH move to AT_RISK. Takes seconds on large bases; `npm run analytics:fit` does the same from the command line with a progress bar. Errors: BAD_USER_INPUT for a future calibration end or no (repeat) purchases; CONFLICT when a fit is already running.',
  })
  async fitChurnModel(
    @Arg('input', () => FitChurnModelInput, { nullable: true, description: 'Calibration end and time unit; both optional.' })
    input: FitChurnModelInput | null,
    @Ctx() ctx: Context,
  ): Promise<FitChurnModelPayload> {
    return ctx.services.analytics.models.fit(input ?? {});
  }

  @Query(() => ValueTierReport, {
    nullable: true,
    description:
      'Customers per value tier (VIP top 20 %, CORE next 60 %, LOW bottom 20 % by predicted value) with their share of revenue and of predicted value. Null before the first fit.',
  })
  async valueTiers(@Ctx() ctx: Context): Promise<ValueTierReport | null> {
    const totals = await ctx.services.analytics.insights.valueTiers(ctx.ds.manager);
    return totals && toValueTierReport(totals);
  }

  @Query(() => ReactivationCandidateConnection, {
    description:
      'Dormant or lapsed customers (stage DORMANT or CHURNED, or an account-churn score of 0.5 or more) ranked by chance of coming back × value, with why, the channel to approach them on, their last purchase and last touchpoint. Customers marketing may not reach now (no reachable channel, or at their contact cap) are left out; `Customer.communicationPreferences.contactability` says why. Empty before the first fit.',
  })
  async reactivationCandidates(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => ReactivationFilter, { nullable: true, description: 'Conditions every candidate must meet.' })
    filter: ReactivationFilter | null,
    @Ctx() ctx: Context,
  ) {
    const result = await ctx.services.analytics.insights.reactivationCandidates(ctx.ds.manager, filter, toPageRequest(page));
    return toConnection({ ...result, edges: result.edges.map((e) => ({ cursor: e.cursor, node: toReactivationCandidate(e.node) })) });
  }

  @Query(() => ReferralMetrics, {
    description:
      'Referral programme figures for the window [from, to): per source channel, against the overall lead conversion rate, with top referrers and ROI (when REFERRAL_COST is set).',
  })
  async referralMetrics(
    @Arg('from', () => Date, { description: 'Window start (inclusive).' }) from: Date,
    @Arg('to', () => Date, { description: 'Window end (exclusive); must be after `from`.' }) to: Date,
    @Arg('topReferrers', () => Int, { defaultValue: 5, description: `How many top referrers to list (0–${MAX_TOP_REFERRERS}).` })
    topReferrers: number,
    @Ctx() ctx: Context,
  ): Promise<ReferralMetrics> {
    const m = await ctx.services.analytics.referrals.metrics(ctx.ds.manager, from, to, topReferrers);
    return { ...m, revenueFromReferred: m.total.revenue, topReferrers: m.topReferrers };
  }
}
