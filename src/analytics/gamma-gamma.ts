/**
 * Gamma-Gamma model of average transaction value (Fader, Hardie & Lee 2005, "RFM and CLV",
 * JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value").
 *
 * Each transaction value is Gamma(p, ν) with mean p/ν; across customers ν ~ Gamma(q, γ). Spend
 * is assumed independent of the purchase process. The model is fitted on repeat transactions
 * only: customers with x ≥ 1 and their mean repeat-transaction value z̄ (> 0).
 */
import { nelderMead, type NelderMeadOptions } from './optimize';
import { lnGamma, lnRisingFactorial } from './special';

// Module-local aliases: in sandboxed contexts such as jest's vm, every lookup of the global `Math`
// costs ~200 ns, which made the likelihood loops 20x slower under test than in production.
const { exp, log, log1p } = Math;

/** Gamma-Gamma parameters, all > 0 (q > 1 for a finite population mean). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** A repeat customer's spend summary: x ≥ 1 repeat transactions with mean value z̄ > 0. */
export interface SpendSummary {
  frequency: number;
  monetaryValue: number;
}

/** Options for {@link fitGammaGamma}. */
export interface FitGammaGammaOptions {
  /** Starting point. Default p = 1, q = 1, γ = 1 (the parameters are scale-free in log space). */
  initialParams?: GammaGammaParams;
  /** Passed to the Nelder–Mead minimiser, which works on ln(p, q, γ). */
  optimizer?: NelderMeadOptions;
}

/** Result of {@link fitGammaGamma}. */
export interface GammaGammaFit {
  params: GammaGammaParams;
  /** Log-likelihood of the density of the mean z̄ (the CLVTools convention, −4055.92 on CDNOW). */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** Number of customers used (x ≥ 1 and z̄ > 0). */
  customers: number;
}

function assertParams(params: GammaGammaParams): void {
  for (const key of ['p', 'q', 'gamma'] as const) {
    const v = params[key];
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`Gamma-Gamma parameter ${key} must be finite and > 0, got ${v}`);
  }
}

function assertSpend(c: SpendSummary, where: string): void {
  if (!Number.isInteger(c.frequency) || c.frequency < 1) {
    throw new RangeError(`${where}: frequency must be an integer >= 1, got ${c.frequency}`);
  }
  if (!(c.monetaryValue > 0) || !Number.isFinite(c.monetaryValue)) {
    throw new RangeError(`${where}: monetaryValue must be finite and > 0, got ${c.monetaryValue}`);
  }
}

function logDensity(p: number, q: number, gamma: number, x: number, zbar: number): number {
  const px = p * x;
  return (
    lnGamma(px + q) - lnGamma(px) - lnGamma(q) + q * log(gamma) + px * log(x) + (px - 1) * log(zbar) - (px + q) * log(gamma + x * zbar)
  );
}

/**
 * Log-likelihood Σ ln f(z̄_i | p, q, γ, x_i), where f is the density of the mean of x_i
 * transaction values (FH 2013). This is the convention of CLVTools; the density of the sum x·z̄
 * differs by the constant −Σ ln x_i and has the same maximiser.
 *
 * Contract: valid params, every customer with integer x ≥ 1 and finite z̄ > 0 (RangeError
 * otherwise; filter with {@link isGammaGammaEligible} first). Returns 0 for no customers.
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, customers: readonly SpendSummary[]): number {
  assertParams(params);
  let ll = 0;
  customers.forEach((c, i) => {
    assertSpend(c, `gamma-gamma customer #${i}`);
    ll += logDensity(params.p, params.q, params.gamma, c.frequency, c.monetaryValue);
  });
  return ll;
}

/**
 * True when a customer can enter the Gamma-Gamma fit: at least one repeat transaction and a
 * positive mean repeat value (zero-value repeat baskets have zero density under the model).
 */
export function isGammaGammaEligible(c: SpendSummary): boolean {
  return Number.isInteger(c.frequency) && c.frequency >= 1 && c.monetaryValue > 0 && Number.isFinite(c.monetaryValue);
}

/**
 * Maximum-likelihood fit of the Gamma-Gamma model.
 *
 * Contract: customers may include non-repeaters; only those passing {@link isGammaGammaEligible}
 * are used (their number is returned). Throws RangeError when none is eligible. Deterministic.
 */
export function fitGammaGamma(customers: readonly SpendSummary[], options: FitGammaGammaOptions = {}): GammaGammaFit {
  // Same-(x, z̄) customers are merged with weights; the objective is then a short loop.
  const groups = new Map<string, { x: number; z: number; w: number }>();
  let used = 0;
  for (const c of customers) {
    if (!isGammaGammaEligible(c)) continue;
    used++;
    const key = `${c.frequency}|${c.monetaryValue}`;
    const g = groups.get(key);
    if (g) g.w++;
    else groups.set(key, { x: c.frequency, z: c.monetaryValue, w: 1 });
  }
  if (used === 0) throw new RangeError('fitGammaGamma: no customer with frequency >= 1 and monetaryValue > 0');
  const rows = [...groups.values()];
  // ln f summed over customers, regrouped so each optimiser step does little and nothing large
  // cancels (q ln γ and (px + q) ln(γ + x z̄) are huge when q and γ are, their difference is not):
  //   Σ w [lnΓ(px+q) − lnΓ(q) − lnΓ(px)]     once per distinct x (a few dozen values),
  //   Σ w [px ln x + (px − 1) ln z̄]          = p·A − B, with A and B fixed sums,
  //   −Σ w [q ln(1 + x z̄/γ) + px ln(γ + x z̄)]  = q ln γ − (px + q) ln(γ + x z̄), per row.
  const byX = new Map<number, number>();
  let A = 0;
  let B = 0;
  for (const g of rows) {
    byX.set(g.x, (byX.get(g.x) ?? 0) + g.w);
    A += g.w * g.x * (log(g.x) + log(g.z));
    B += g.w * log(g.z);
  }
  const distinctX = Float64Array.from(byX.keys());
  const xWeights = Float64Array.from(byX.values());
  const xs = Float64Array.from(rows, (g) => g.x);
  const ws = Float64Array.from(rows, (g) => g.w);
  const xz = Float64Array.from(rows, (g) => g.x * g.z);
  const start = options.initialParams ?? { p: 1, q: 1, gamma: 1 };
  assertParams(start);
  const objective = (theta: readonly number[]): number => {
    const p = exp(theta[0]!);
    const q = exp(theta[1]!);
    const gamma = exp(theta[2]!);
    let ll = p * A - B;
    for (let i = 0; i < distinctX.length; i++) {
      const px = p * distinctX[i]!;
      ll += xWeights[i]! * (lnRisingFactorial(q, px) - lnGamma(px));
    }
    for (let i = 0; i < xs.length; i++) ll -= ws[i]! * (q * log1p(xz[i]! / gamma) + p * xs[i]! * log(gamma + xz[i]!));
    return -ll + shapePenalty(theta[1]!);
  };
  const result = nelderMead(objective, [log(start.p), log(start.q), log(start.gamma)], {
    initialStep: 0.5,
    xTolerance: 1e-7, // as in fitBgNbd: a relative 1e-7 is far finer than the parameters' sampling error
    ...options.optimizer,
  });
  const [p, q, gamma] = result.x.map((v) => exp(v)) as [number, number, number];
  return {
    params: { p, q, gamma },
    logLikelihood: -result.fx,
    iterations: result.iterations,
    converged: result.converged,
    customers: used,
  };
}

/**
 * Largest q the fit moves to freely. When customers' mean spends hardly differ beyond what the
 * number of their purchases explains, the likelihood keeps creeping up along the ridge q, γ → ∞
 * with γ/q fixed (the limit where every customer has the same ν), and on that ridge its huge,
 * nearly cancelling terms leave only rounding noise for the optimiser to follow, so it never
 * settles. At q = 10⁴ the spread of ν across customers is 1 % of its mean: the limit for every
 * practical purpose. A smooth quadratic penalty in ln q beyond it ends the walk, as
 * MAX_BETA_CONCENTRATION does for the BG/NBD. CDNOW's fit (q ≈ 3.7) is far inside.
 */
export const MAX_SPEND_SHAPE = 1e4;
const LOG_MAX_SPEND_SHAPE = log(MAX_SPEND_SHAPE);

function shapePenalty(logQ: number): number {
  const excess = logQ - LOG_MAX_SPEND_SHAPE;
  return excess > 0 ? 1e3 * excess * excess : 0;
}

/**
 * E(Z | z̄, x) = p (γ + x z̄) / (p x + q − 1): expected average transaction value of a customer
 * with x repeat transactions of mean z̄. It is a credibility-weighted blend of the population
 * mean and z̄, so customers with x = 0 (z̄ ignored) get the population mean.
 *
 * Contract: valid params with q > 1 (else the mean is infinite: RangeError), integer x ≥ 0,
 * finite z̄ ≥ 0. Returns dollars (or whatever unit z̄ is in).
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, zbar: number): number {
  assertParams(params);
  assertFiniteMean(params);
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`x must be an integer >= 0, got ${x}`);
  if (!(zbar >= 0) || !Number.isFinite(zbar)) throw new RangeError(`zbar must be finite and >= 0, got ${zbar}`);
  const { p, q, gamma } = params;
  if (x === 0) return (p * gamma) / (q - 1);
  return (p * (gamma + x * zbar)) / (p * x + q - 1);
}

/**
 * Population mean transaction value E(Z) = p γ / (q − 1).
 *
 * Contract: valid params with q > 1 (RangeError otherwise).
 */
export function populationMeanSpend(params: GammaGammaParams): number {
  assertParams(params);
  assertFiniteMean(params);
  return (params.p * params.gamma) / (params.q - 1);
}

function assertFiniteMean(params: GammaGammaParams): void {
  if (!(params.q > 1)) throw new RangeError(`Gamma-Gamma mean spend needs q > 1, got ${params.q}`);
}
