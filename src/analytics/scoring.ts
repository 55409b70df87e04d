/**
 * Scores one customer with a fitted BG/NBD + Gamma-Gamma pair: P(alive), expected purchases and
 * spend over the horizon, discounted CLV, churn risk and reactivation potential. Pure: the caller
 * gathers the features (purchase days, holdings, touchpoints) and stores the result.
 *
 * Time: the features carry UTC day numbers; the model works in its own time unit
 * (`timeUnitDays` days, 7 for weeks). Scores are "as of" `scoreDay`, normally today, and use all
 * purchases up to that day, whatever calibration period the parameters were fitted on.
 */
import { probabilityAlive, type BgNbdParams } from './bgnbd';
import { assessChurnRisk, EARLIER_WINDOW_DAYS, RECENT_WINDOW_DAYS, type ChurnRiskAssessment, type ChurnSignals } from './churn-risk';
import { purchaseOutlook, type ClvInput, type PurchaseOutlook } from './clv';
import { conditionalExpectedSpend } from './gamma-gamma';
import type { GammaGammaParams } from './gamma-gamma';
import { reactivationPotential, type ReactivationPotential } from './reactivation';

/** Mean Gregorian month and year in days. */
export const DAYS_PER_MONTH = 365.2425 / 12;
export const DAYS_PER_YEAR = 365.2425;
/** CLV discounting step in months (used when it divides the horizon). */
export const CLV_STEP_MONTHS = 3;

/** A fitted model as the scorer needs it. */
export interface ScoringModel {
  bgnbd: BgNbdParams;
  /** q must be > 1 (finite mean spend). */
  gammaGamma: GammaGammaParams;
  /** Length of the model's time unit in days (1 days, 7 weeks, ≈30.44 months). */
  timeUnitDays: number;
  /** Median gap between purchases among repeat buyers, in days: the prior for customers with little history. */
  typicalGapDays: number;
  /**
   * CLV and expected-purchase horizon in months (integer ≥ 1). The CLV discounts in steps of
   * {@link CLV_STEP_MONTHS} months when that divides the horizon, monthly otherwise.
   */
  horizonMonths: number;
  /** Discount rate per month for CLV (> −1). */
  discountRatePerMonth: number;
}

/** Holding and touchpoint signals, handed to the churn-risk score as they are. */
type PassedThroughSignals = Pick<
  ChurnSignals,
  | 'activeProducts'
  | 'closedRecently'
  | 'closedRecentlyNames'
  | 'closedEarlier'
  | 'lapsedProducts'
  | 'lapsedProductNames'
  | 'complaints'
  | 'negativeResponses'
  | 'unansweredOutreach'
  | 'daysSinceLastOutreach'
  | 'optedOutEverywhere'
>;

/** One customer's data as of the scoring day. Days are UTC day numbers (days since 1970-01-01). */
export interface CustomerFeatures extends PassedThroughSignals {
  customerId: string;
  scoreDay: number;
  /** Distinct purchase days up to scoreDay (≥ 1); same-day purchases are one transaction. */
  purchaseDays: number;
  firstPurchaseDay: number;
  lastPurchaseDay: number;
  totalSpend: number;
  /** Spend on all purchase days after the first (the Gamma-Gamma's repeat transactions). */
  repeatSpend: number;
  /** Spend on days in (scoreDay − 180, scoreDay] and (scoreDay − 540, scoreDay − 180]. */
  recentSpend: number;
  earlierSpend: number;
  positiveResponses: number;
}

/** Everything stored per customer. Times in model units are suffixed with their meaning. */
export interface CustomerScoreResult {
  customerId: string;
  /** x, t_x, T (model units) and z̄, as fed to the models. */
  frequency: number;
  recency: number;
  age: number;
  monetaryValue: number;
  probabilityAlive: number;
  /** Expected repeat purchase days over the horizon (undiscounted). */
  expectedPurchases: number;
  /** Gamma-Gamma expected value of one future purchase. */
  expectedAverageSpend: number;
  /** expectedPurchases × expectedAverageSpend (undiscounted). */
  expectedSpend: number;
  /** Discounted CLV over the horizon. */
  predictedValue: number;
  /** This customer's usual gap between purchases (days), shrunk toward the population's. */
  typicalGapDays: number;
  risk: ChurnRiskAssessment;
  reactivation: ReactivationPotential;
}

/**
 * A customer's expected gap between purchases in days: their mean observed gap blended with the
 * population gap as if they had one extra gap of that length. One-time buyers get the
 * population gap; the more repeat purchases, the more their own rhythm counts.
 */
export function shrunkGapDays(repeatPurchases: number, spanDays: number, populationGapDays: number): number {
  return (spanDays + populationGapDays) / (repeatPurchases + 1);
}

/**
 * Scores one customer.
 *
 * Contract: a valid model (see {@link ScoringModel}); features with purchaseDays ≥ 1 and
 * firstPurchaseDay ≤ lastPurchaseDay ≤ scoreDay, spends finite ≥ 0 (RangeError otherwise).
 * Deterministic.
 */
export function scoreCustomer(model: ScoringModel, f: CustomerFeatures): CustomerScoreResult {
  return scoreWith(prepareModel(model), f, null);
}

/** A scorer for many customers with one model (see {@link createScorer}). */
export interface Scorer {
  (f: CustomerFeatures): CustomerScoreResult;
  /**
   * The customer's `predictedValue`, exactly as the full score has it, without the churn risk and
   * reactivation (and their texts): what ranking everyone by value needs before any score is written.
   */
  predictedValue(f: CustomerFeatures): number;
}

/**
 * A scorer for many customers with one model: the same results as scoreCustomer, but P(alive)
 * and the expected purchases (the series evaluations that are most of the scoring time) are
 * computed once per distinct (x, t_x, T), which many customers share: everyone who bought once
 * on the same day, for one.
 */
export function createScorer(model: ScoringModel): Scorer {
  const prepared = prepareModel(model);
  const shared = new Map<number | string, SharedOutlook>();
  return Object.assign((f: CustomerFeatures) => scoreWith(prepared, f, shared), {
    predictedValue: (f: CustomerFeatures) => predictedValueOf(purchaseScore(prepared, f, shared)),
  });
}

/** What customers with the same purchase summary share. */
interface SharedOutlook extends PurchaseOutlook {
  probabilityAlive: number;
}

/** The model with what every customer's score derives from it alike, worked out once. */
interface PreparedModel {
  model: ScoringModel;
  horizon: Required<Pick<ClvInput, 'horizonPeriods' | 'periodLength' | 'discountRate'>>;
}

function prepareModel(model: ScoringModel): PreparedModel {
  // Quarterly steps when the horizon allows: a third of the series evaluations, discounting
  // each quarter's purchases at its end at the compounded monthly rate.
  const step = model.horizonMonths % CLV_STEP_MONTHS === 0 ? CLV_STEP_MONTHS : 1;
  return {
    model,
    horizon: {
      horizonPeriods: model.horizonMonths / step,
      periodLength: (step * DAYS_PER_MONTH) / model.timeUnitDays,
      discountRate: (1 + model.discountRatePerMonth) ** step - 1,
    },
  };
}

/** Largest x and day counts packed into one exact numeric memo key (2^11 · 2^21 · 2^21 = 2^53). */
const KEY_X_LIMIT = 2 ** 11;
const KEY_DAYS_LIMIT = 2 ** 21;

/**
 * The memo key of a purchase summary: a number when x and the day counts are small integers
 * (always, for real data: 2^21 days is 5,700 years), which hashes far faster than the string
 * built otherwise.
 */
function summaryKey(x: number, spanDays: number, ageDays: number): number | string {
  if (x < KEY_X_LIMIT && ageDays < KEY_DAYS_LIMIT && Number.isInteger(spanDays) && Number.isInteger(ageDays) && spanDays >= 0) {
    return (x * KEY_DAYS_LIMIT + spanDays) * KEY_DAYS_LIMIT + ageDays;
  }
  return `${x}|${spanDays}|${ageDays}`;
}

/** The purchase models' part of a customer's score: what the value and the churn risk both start from. */
interface PurchaseScore {
  x: number;
  spanDays: number;
  recency: number;
  T: number;
  monetaryValue: number;
  outlook: SharedOutlook;
  expectedAverageSpend: number;
}

function purchaseScore(prepared: PreparedModel, f: CustomerFeatures, shared: Map<number | string, SharedOutlook> | null): PurchaseScore {
  const { model } = prepared;
  if (!Number.isInteger(f.purchaseDays) || f.purchaseDays < 1)
    throw new RangeError(`customer ${f.customerId}: purchaseDays must be an integer >= 1`);
  if (!(f.firstPurchaseDay <= f.lastPurchaseDay && f.lastPurchaseDay <= f.scoreDay)) {
    throw new RangeError(`customer ${f.customerId}: need firstPurchaseDay <= lastPurchaseDay <= scoreDay`);
  }
  const unit = model.timeUnitDays;
  const x = f.purchaseDays - 1;
  const spanDays = f.lastPurchaseDay - f.firstPurchaseDay;
  const ageDays = f.scoreDay - f.firstPurchaseDay;
  const recency = spanDays / unit;
  const T = ageDays / unit;
  // Refunds netted into a day can push the repeat mean below zero; the spend model needs z̄ ≥ 0.
  const monetaryValue = x > 0 ? Math.max(0, f.repeatSpend / x) : 0;
  const key = shared ? summaryKey(x, spanDays, ageDays) : '';
  let outlook = shared?.get(key);
  if (!outlook) {
    const summary = { frequency: x, recency, T };
    const purchases = purchaseOutlook(model.bgnbd, summary, prepared.horizon);
    outlook = {
      probabilityAlive: probabilityAlive(model.bgnbd, summary),
      expectedTransactions: purchases.expectedTransactions,
      discountedTransactions: purchases.discountedTransactions,
    };
    shared?.set(key, outlook);
  }
  const expectedAverageSpend = conditionalExpectedSpend(model.gammaGamma, x, monetaryValue);
  return { x, spanDays, recency, T, monetaryValue, outlook, expectedAverageSpend };
}

/** Discounted CLV over the horizon. */
const predictedValueOf = (p: PurchaseScore) => p.expectedAverageSpend * p.outlook.discountedTransactions;

function scoreWith(prepared: PreparedModel, f: CustomerFeatures, shared: Map<number | string, SharedOutlook> | null): CustomerScoreResult {
  const { model } = prepared;
  const purchase = purchaseScore(prepared, f, shared);
  const { x, spanDays, recency, T, monetaryValue, outlook, expectedAverageSpend } = purchase;
  const pAlive = outlook.probabilityAlive;

  const gap = shrunkGapDays(x, spanDays, model.typicalGapDays);
  const daysSinceLast = f.scoreDay - f.lastPurchaseDay;
  const tenureDays = f.scoreDay - f.firstPurchaseDay + 1;
  const risk = assessChurnRisk({
    probabilityAlive: pAlive,
    repeatPurchases: x,
    daysSinceLastPurchase: daysSinceLast,
    typicalGapDays: gap,
    activeProducts: f.activeProducts,
    closedRecently: f.closedRecently,
    closedRecentlyNames: f.closedRecentlyNames,
    closedEarlier: f.closedEarlier,
    lapsedProducts: f.lapsedProducts,
    lapsedProductNames: f.lapsedProductNames,
    recentSpend: Math.max(0, f.recentSpend),
    recentDays: Math.min(RECENT_WINDOW_DAYS, tenureDays),
    earlierSpend: Math.max(0, f.earlierSpend),
    earlierDays: Math.max(0, Math.min(EARLIER_WINDOW_DAYS, tenureDays - RECENT_WINDOW_DAYS)),
    complaints: f.complaints,
    negativeResponses: f.negativeResponses,
    unansweredOutreach: f.unansweredOutreach,
    daysSinceLastOutreach: f.daysSinceLastOutreach,
    optedOutEverywhere: f.optedOutEverywhere,
  });
  const reactivation = reactivationPotential({
    probabilityAlive: pAlive,
    expectedAverageSpend,
    purchasesPerYear: DAYS_PER_YEAR / gap,
    totalSpend: Math.max(0, f.totalSpend),
    purchaseDays: f.purchaseDays,
    daysSinceLastPurchase: daysSinceLast,
    positiveResponses: f.positiveResponses,
    negativeSignals: f.complaints + f.negativeResponses,
  });

  return {
    customerId: f.customerId,
    frequency: x,
    recency,
    age: T,
    monetaryValue,
    probabilityAlive: pAlive,
    expectedPurchases: outlook.expectedTransactions,
    expectedAverageSpend,
    expectedSpend: outlook.expectedTransactions * expectedAverageSpend,
    predictedValue: predictedValueOf(purchase),
    typicalGapDays: gap,
    risk,
    reactivation,
  };
}

/**
 * Tier of a customer scored after the full ranking (e.g. re-scored after a purchase), from the
 * cut-offs of the last ranking: at least the lowest VIP value → VIP; at most the highest LOW
 * value → LOW; else CORE. Null cut-offs (too few customers to rank) give CORE.
 */
export function tierFromCutoffs(value: number, vipMin: number | null, lowMax: number | null): 'VIP' | 'CORE' | 'LOW' {
  if (vipMin !== null && value >= vipMin && (lowMax === null || value > lowMax)) return 'VIP';
  if (lowMax !== null && value <= lowMax) return 'LOW';
  return 'CORE';
}
