/**
 * Pure customer-base analytics: RFM summaries, BG/NBD purchase model, Gamma-Gamma spend model,
 * CLV and value tiers. No I/O: plain numbers and arrays in, plain objects out.
 */
export {
  bgnbdCustomerLogLikelihood,
  bgnbdLogLikelihood,
  bgnbdLogLikelihoodGradient,
  expectedTransactions,
  expectedTransactionsAt,
  expectedTransactionsNewCustomer,
  fitBgNbd,
  probabilityAlive,
  probabilityOfNPurchases,
} from './bgnbd';
export type { BgNbdFit, BgNbdParams, FitBgNbdOptions, RfmSummary } from './bgnbd';

export {
  conditionalExpectedSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaLogLikelihoodGradient,
  isGammaGammaEligible,
  populationMeanSpend,
} from './gamma-gamma';
export type { FitGammaGammaOptions, GammaGammaFit, GammaGammaParams, SpendSummary } from './gamma-gamma';

export { customerLifetimeValue, DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON_PERIODS, WEEKS_PER_MONTH } from './clv';
export type { ClvInput, ClvResult, CustomerValueSummary } from './clv';

export { summarizeTransactions, utcDayNumber } from './rfm';
export type { CustomerRfm, Transaction } from './rfm';

export { assignValueTiers, summarizeTiers, VALUE_TIERS } from './tiers';
export type { TierAssignment, TierSummary, ValuedItem, ValueTier } from './tiers';

export { bfgs, nelderMead } from './optimize';
export type { BfgsOptions, MinimizeResult, NelderMeadOptions, ValueAndGradient } from './optimize';

export {
  digamma,
  digammaDifference,
  hyp2f1,
  hypergeometricSeries,
  lnBeta,
  lnGamma,
  lnRisingFactorial,
  logAddExp,
  logSumExp,
  oneMinusExpOver,
} from './special';
export type { SeriesOptions, SeriesResult } from './special';
