/**
 * Customer lifetime value from a BG/NBD (how many purchases) and a Gamma-Gamma (how much per
 * purchase), as a discounted sum over K equal periods:
 *
 *   CLV = E(Z | z̄, x) · Σ_{k=1..K} [E[Y(kΔ)] − E[Y((k−1)Δ)]] / (1 + d)^k
 *
 * Units: Δ (`periodLength`) is in the BG/NBD's time unit (weeks for the summaries built with the
 * default `timeUnitDays = 7`), d is the discount rate per period, and the result is in the unit
 * of the monetary values.
 */
import { expectedTransactionsAt, type BgNbdParams, type RfmSummary } from './bgnbd';
import { conditionalExpectedSpend, type GammaGammaParams } from './gamma-gamma';

/** One mean Gregorian month (365.2425 / 12 days) in weeks, ≈ 4.348. The default period. */
export const WEEKS_PER_MONTH = 365.2425 / 12 / 7;

/** Default horizon: 12 periods (one year of months). */
export const DEFAULT_HORIZON_PERIODS = 12;

/** Default discount rate: 1 % per period (per month with the default period), ≈ 12.7 % a year. */
export const DEFAULT_DISCOUNT_RATE = 0.01;

/** A customer's calibration summary with mean repeat-transaction value (0 or ignored when x = 0). */
export interface CustomerValueSummary extends RfmSummary {
  monetaryValue: number;
}

/** Inputs of {@link customerLifetimeValue}. */
export interface ClvInput {
  bgnbd: BgNbdParams;
  gammaGamma: GammaGammaParams;
  customer: CustomerValueSummary;
  /** K, the number of periods. Integer ≥ 0. Default {@link DEFAULT_HORIZON_PERIODS}. */
  horizonPeriods?: number;
  /** Δ, the period length in model time units (weeks by default). > 0. Default {@link WEEKS_PER_MONTH}. */
  periodLength?: number;
  /** d, the discount rate per period, > −1. Default {@link DEFAULT_DISCOUNT_RATE}. */
  discountRate?: number;
}

/** Output of {@link customerLifetimeValue}. */
export interface ClvResult extends PurchaseOutlook {
  /** Discounted expected spend over the horizon (monetary unit). */
  value: number;
  /** E(Z | z̄, x), expected value of one future transaction. */
  expectedAverageSpend: number;
}

/**
 * Discounted CLV of one customer over K periods of length Δ.
 *
 * Contract: valid model params (Gamma-Gamma q > 1), a valid customer summary, K an integer ≥ 0,
 * Δ > 0, d > −1; RangeError otherwise. Pure and deterministic. Each period's expected purchases
 * are discounted at the end of that period, i.e. by (1 + d)^k. Reproduces the lifetimes
 * documentation example with `periodLength: 30, horizonPeriods: 12, discountRate: 0.01` on weekly
 * data (lifetimes' default "month" is 30 model units there).
 */
export function customerLifetimeValue(input: ClvInput): ClvResult {
  const { customer } = input;
  const outlook = purchaseOutlook(input.bgnbd, customer, input);
  const spend = conditionalExpectedSpend(input.gammaGamma, customer.frequency, customer.monetaryValue);
  return { value: spend * outlook.discountedTransactions, expectedAverageSpend: spend, ...outlook };
}

/** The purchase half of the CLV: it depends on (x, t_x, T) only, so customers with the same summary share it. */
export interface PurchaseOutlook {
  /** Undiscounted expected transactions over the whole horizon, E[Y(KΔ)]. */
  expectedTransactions: number;
  /** Σ_k of each period's expected transactions discounted by (1 + d)^k. */
  discountedTransactions: number;
}

/** Expected transactions over the horizon, plain and discounted, with ClvInput's defaults and contract. */
export function purchaseOutlook(
  bgnbd: BgNbdParams,
  customer: RfmSummary,
  horizon: Pick<ClvInput, 'horizonPeriods' | 'periodLength' | 'discountRate'>,
): PurchaseOutlook {
  const K = horizon.horizonPeriods ?? DEFAULT_HORIZON_PERIODS;
  const delta = horizon.periodLength ?? WEEKS_PER_MONTH;
  const d = horizon.discountRate ?? DEFAULT_DISCOUNT_RATE;
  if (!Number.isInteger(K) || K < 0) throw new RangeError(`horizonPeriods must be an integer >= 0, got ${K}`);
  if (!(delta > 0) || !Number.isFinite(delta)) throw new RangeError(`periodLength must be finite and > 0, got ${delta}`);
  if (!(d > -1) || !Number.isFinite(d)) throw new RangeError(`discountRate must be finite and > -1, got ${d}`);
  const horizons = new Array<number>(K);
  for (let k = 0; k < K; k++) horizons[k] = (k + 1) * delta;
  const cumulatives = expectedTransactionsAt(bgnbd, customer, horizons);
  let previous = 0;
  let discounted = 0;
  let factor = 1;
  for (let k = 1; k <= K; k++) {
    const cumulative = cumulatives[k - 1]!;
    factor /= 1 + d;
    discounted += (cumulative - previous) * factor;
    previous = cumulative;
  }
  return { expectedTransactions: previous, discountedTransactions: discounted };
}
