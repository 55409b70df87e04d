import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { populationMeanSpend } from '../../analytics/gamma-gamma';
import { FACTOR_DESCRIPTIONS, factorDescription } from '../../analytics/churn-risk';
import type { Context } from '../context';
import { badInput } from '../../shared/errors';
import { Product } from '../commerce/product.entity';
import { Purchase } from '../commerce/purchase.entity';
import { Customer } from '../customers/customer.entity';
import { Touchpoint } from '../touchpoints/touchpoint.entity';
import { Channel, Direction, TouchpointResponse } from '../touchpoints/touchpoint.enums';
import { contactChoice } from '../consent/consent.state';
import { ChurnModel, STORED_RISK_KINDS, type CustomerScore, type StoredRiskDetail } from './analytics.entity';
import { ChurnEvidenceKind, ValueTier, type ChurnRiskLevel } from './analytics.enums';
import {
  BgNbdParameters,
  ChurnEvidence,
  ChurnRisk,
  CrossSellRecommendation,
  GammaGammaParameters,
  LifetimeValue,
  ReactivationCandidate,
  TopReferrer,
} from './analytics.types';
import { MAX_RECOMMENDATIONS } from './insights.service';

/** A stored risk explanation's factors, named (see StoredRiskDetail). */
function storedFactors(d: StoredRiskDetail): ChurnRisk['factors'] {
  return d.f.map(([value, contribution], i) => {
    const name = d.n?.[i] ?? FACTOR_DESCRIPTIONS[i]?.[0] ?? '';
    return { name, value, contribution, description: factorDescription(name) ?? d.d?.[i] ?? '' };
  });
}

function toChurnRisk(s: CustomerScore): ChurnRisk {
  // The i-th of STORED_RISK_KINDS, its score from its column.
  const kind = (i: number, score: number) => ({ kind: STORED_RISK_KINDS[i]![0], score, explanation: s.riskDetail.e[i]! });
  return {
    score: s.riskScore,
    level: s.riskLevel as ChurnRiskLevel,
    probabilityAlive: s.probabilityAlive,
    accountChurn: kind(0, s.accountChurn),
    productChurn: kind(1, s.productChurn),
    decreasedSpend: kind(2, s.decreasedSpend),
    factors: storedFactors(s.riskDetail),
    scoredAt: s.scoredAt,
    evidenceTouchpointIds: s.evidenceTouchpointIds.map(String),
  };
}

function evidenceKind(t: Touchpoint): ChurnEvidenceKind {
  if (t.response === TouchpointResponse.NO_RESPONSE) return ChurnEvidenceKind.NO_RESPONSE;
  return t.direction === Direction.INBOUND ? ChurnEvidenceKind.COMPLAINT : ChurnEvidenceKind.NEGATIVE_RESPONSE;
}

@Resolver(() => Customer)
export class CustomerAnalyticsFields {
  @FieldResolver(() => ChurnRisk, {
    nullable: true,
    description:
      'How likely the customer is to leave, in which of the three ways, and why. Null until the customer has a purchase and a model has been fitted.',
  })
  async churnRisk(@Root() customer: Customer, @Ctx() ctx: Context): Promise<ChurnRisk | null> {
    const score = await ctx.loaders.customerScore.load(customer.id);
    return score && toChurnRisk(score);
  }

  @FieldResolver(() => LifetimeValue, {
    nullable: true,
    description: 'Historical spend and predicted value (CLV). Null until the customer has a purchase and a model has been fitted.',
  })
  async lifetimeValue(@Root() customer: Customer, @Ctx() ctx: Context): Promise<LifetimeValue | null> {
    const s = await ctx.loaders.customerScore.load(customer.id);
    if (!s) return null;
    const model = await ctx.loaders.churnModelById.load(s.modelId);
    return {
      historicalSpend: s.totalSpend,
      purchaseDays: s.purchaseDays,
      firstPurchaseAt: s.firstPurchaseAt,
      lastPurchaseAt: s.lastPurchaseAt,
      predictedValue: s.predictedValue,
      expectedPurchases: s.expectedPurchases,
      expectedAverageSpend: s.expectedAverageSpend,
      expectedSpend: s.expectedSpend,
      probabilityAlive: s.probabilityAlive,
      horizonMonths: model?.horizonMonths ?? 0,
      valueRank: s.valueRank,
      scoredAt: s.scoredAt,
    };
  }

  @FieldResolver(() => ValueTier, {
    nullable: true,
    description: 'VIP (top 20 % by predicted value), CORE (next 60 %) or LOW (bottom 20 %). Null until scored.',
  })
  async valueTier(@Root() customer: Customer, @Ctx() ctx: Context): Promise<ValueTier | null> {
    return (await ctx.loaders.customerScore.load(customer.id))?.valueTier ?? null;
  }

  @FieldResolver(() => [CrossSellRecommendation], {
    description: `Products the customer has never held (neither ACTIVE nor CLOSED) and has not declined in the last 90 days, ranked by how many similar customers (same products, same persona) hold them, each with the channel to offer it on. Empty before the first fit, and while marketing may not reach the customer (no channel they can be reached on, or at their contact cap: see \`communicationPreferences.contactability\`). Statistics are from the last fit; exclusions are live.`,
  })
  async crossSellRecommendations(
    @Root() customer: Customer,
    @Arg('first', () => Int, { defaultValue: 3, description: `How many to return (0–${MAX_RECOMMENDATIONS}).` }) first: number,
    @Ctx() ctx: Context,
  ): Promise<CrossSellRecommendation[]> {
    if (!Number.isInteger(first) || first < 0 || first > MAX_RECOMMENDATIONS) {
      throw badInput('crossSellRecommendations.first', `first must be a whole number from 0 to ${MAX_RECOMMENDATIONS}.`);
    }
    const items = await ctx.loaders.crossSell.load({ customerId: customer.id, personaId: customer.personaId, first });
    // The products came with the statistics: the product field needs no lookup.
    for (const it of items) if (it.product) ctx.loaders.productById.prime(it.productId, it.product);
    return items.map((it, i) => ({
      productId: it.productId,
      rank: i + 1,
      confidence: it.confidence,
      reason: it.reason,
      recommendedChannel: it.channel as Channel,
    }));
  }
}

@Resolver(() => ChurnRisk)
export class ChurnRiskFields {
  @FieldResolver(() => [ChurnEvidence], {
    description:
      'Touchpoints of the last 90 days behind the assessment: complaints, negative answers and unanswered outreach, newest first (at most 10).',
  })
  async evidence(@Root() risk: ChurnRisk, @Ctx() ctx: Context): Promise<ChurnEvidence[]> {
    const touchpoints = await ctx.loaders.touchpointById.loadMany(risk.evidenceTouchpointIds);
    return touchpoints
      .filter((t): t is Touchpoint => t instanceof Object && !(t instanceof Error))
      .map((t) => ({ kind: evidenceKind(t), touchpoint: t }));
  }
}

@Resolver(() => ChurnModel)
export class ChurnModelFields {
  @FieldResolver(() => Date, {
    description: 'Last day of the calibration period (UTC midnight of that day); the models learned from purchases up to the end of it.',
  })
  calibrationEnd(@Root() model: ChurnModel): Date {
    return new Date(`${model.calibrationEnd}T00:00:00Z`);
  }

  @FieldResolver(() => BgNbdParameters, { description: 'The purchase-frequency and dropout model.' })
  bgNbd(@Root() m: ChurnModel): BgNbdParameters {
    return {
      r: m.bgnbdR,
      alpha: m.bgnbdAlpha,
      a: m.bgnbdA,
      b: m.bgnbdB,
      logLikelihood: m.bgnbdLogLikelihood,
      iterations: m.bgnbdIterations,
      meanPurchaseRate: m.bgnbdR / m.bgnbdAlpha,
      meanDropoutProbability: m.bgnbdA / (m.bgnbdA + m.bgnbdB),
    };
  }

  @FieldResolver(() => GammaGammaParameters, { description: 'The spend-per-purchase model.' })
  gammaGamma(@Root() m: ChurnModel): GammaGammaParameters {
    return {
      p: m.ggP,
      q: m.ggQ,
      gamma: m.ggGamma,
      logLikelihood: m.ggLogLikelihood,
      customerCount: m.ggCustomerCount,
      populationMeanSpend: populationMeanSpend({ p: m.ggP, q: m.ggQ, gamma: m.ggGamma }).toFixed(2),
    };
  }
}

@Resolver(() => CrossSellRecommendation)
export class CrossSellRecommendationFields {
  @FieldResolver(() => Product, { description: 'The recommended product.' })
  async product(@Root() rec: CrossSellRecommendation, @Ctx() ctx: Context): Promise<Product> {
    return (await ctx.loaders.productById.load(rec.productId))!;
  }
}

@Resolver(() => ReactivationCandidate)
export class ReactivationCandidateFields {
  @FieldResolver(() => Customer, { description: 'The customer.' })
  async customer(@Root() c: ReactivationCandidate, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(c.customerId))!;
  }

  @FieldResolver(() => Purchase, { nullable: true, description: 'Their latest purchase.' })
  async lastPurchase(@Root() c: ReactivationCandidate, @Ctx() ctx: Context): Promise<Purchase | null> {
    const id = await ctx.loaders.latestPurchaseId.load(c.customerId);
    return id ? ctx.loaders.purchaseById.load(id) : null;
  }

  @FieldResolver(() => Channel, {
    nullable: true,
    description:
      'The channel to approach them on: the preferred channel if opted in, else the opted-in channel with the most positive responses, else a channel reachable without an opt-in (see `ConsentStatus.UNKNOWN`). Null only if they stopped being reachable after the list was read.',
  })
  async recommendedChannel(@Root() c: ReactivationCandidate, @Ctx() ctx: Context): Promise<Channel | null> {
    return contactChoice(await ctx.loaders.consentState.load(c.customerId)).channel as Channel | null;
  }

  @FieldResolver(() => Touchpoint, {
    nullable: true,
    description: 'Their latest touchpoint on any channel; null if none. Check it before reaching out again.',
  })
  async lastTouchpoint(@Root() c: ReactivationCandidate, @Ctx() ctx: Context): Promise<Touchpoint | null> {
    const id = await ctx.loaders.latestTouchpointId.load(c.customerId);
    return id ? ctx.loaders.touchpointById.load(id) : null;
  }
}

@Resolver(() => TopReferrer)
export class TopReferrerFields {
  @FieldResolver(() => Customer, { description: 'The referrer.' })
  async customer(@Root() r: TopReferrer, @Ctx() ctx: Context): Promise<Customer> {
    return (await ctx.loaders.customerById.load(r.customerId))!;
  }
}
