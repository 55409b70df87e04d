/**
 * Gamma-Gamma model of average transaction value (Fader, Hardie & Lee 2005, "RFM and CLV",
 * JMR 42(4); Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value").
 *
 * Each transaction value is Gamma(p, ν) with mean p/ν; across customers ν ~ Gamma(q, γ). Spend
 * is assumed independent of the purchase process. The model is fitted on repeat transactions
 * only: customers with x ≥ 1 and their mean repeat-transaction value z̄ (> 0).
 */
import { bfgs, nelderMead, type NelderMeadOptions } from './optimize';
import { digammaDifference, lnGamma, lnRisingFactorial } from './special';

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
  /** Passed to the Nelder–Mead fallback (see {@link fitGammaGamma}), which works on ln(p, q, γ). */
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

const PARAM_KEYS = ['p', 'q', 'gamma'] as const;

function assertParams(params: GammaGammaParams): void {
  for (const key of PARAM_KEYS) {
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
 * Repeat customers compressed for fitting: same-(x, z̄) customers merged with weights, the
 * x-only terms once per distinct x, and the fixed sums the objective needs.
 */
interface PreparedSpend {
  used: number;
  distinctX: Float64Array;
  xWeights: Float64Array;
  /** Per row: weight, x, and x z̄. */
  ws: Float64Array;
  xs: Float64Array;
  xz: Float64Array;
  /** A = Σ w x (ln x + ln z̄) and B = Σ w ln z̄ over the rows. */
  sumXLogXZ: number;
  sumLogZ: number;
}

function prepareSpend(customers: readonly SpendSummary[]): PreparedSpend {
  // Keyed per x, then by z̄ (numbers hash far faster than the string of the pair), into
  // parallel arrays in first-seen order.
  const rowOf = new Map<number, Map<number, number>>();
  const rowX: number[] = [];
  const rowZ: number[] = [];
  const rowW: number[] = [];
  let used = 0;
  for (const c of customers) {
    if (!isGammaGammaEligible(c)) continue;
    used++;
    let byZ = rowOf.get(c.frequency);
    if (!byZ) rowOf.set(c.frequency, (byZ = new Map()));
    const row = byZ.get(c.monetaryValue);
    if (row === undefined) {
      byZ.set(c.monetaryValue, rowX.length);
      rowX.push(c.frequency);
      rowZ.push(c.monetaryValue);
      rowW.push(1);
    } else {
      rowW[row]!++;
    }
  }
  const byX = new Map<number, number>();
  let sumXLogXZ = 0;
  let sumLogZ = 0;
  const n = rowX.length;
  const xz = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = rowX[i]!;
    const z = rowZ[i]!;
    const w = rowW[i]!;
    byX.set(x, (byX.get(x) ?? 0) + w);
    sumXLogXZ += w * x * (log(x) + log(z));
    sumLogZ += w * log(z);
    xz[i] = x * z;
  }
  return {
    used,
    distinctX: Float64Array.from(byX.keys()),
    xWeights: Float64Array.from(byX.values()),
    ws: Float64Array.from(rowW),
    xs: Float64Array.from(rowX),
    xz,
    sumXLogXZ,
    sumLogZ,
  };
}

/**
 * ln L of the prepared sample, regrouped so each optimiser step does little and nothing large
 * cancels (q ln γ and (px + q) ln(γ + x z̄) are huge when q and γ are, their difference is not):
 *   Σ w [lnΓ(px+q) − lnΓ(q) − lnΓ(px)]     once per distinct x (a few dozen values),
 *   Σ w [px ln x + (px − 1) ln z̄]          = p·A − B, with A and B fixed sums,
 *   −Σ w [q ln(1 + x z̄/γ) + px ln(γ + x z̄)]  = q ln γ − (px + q) ln(γ + x z̄), per row.
 * (Folding px ln(γ + x z̄) into the first logarithm would save one per row, but cancels
 * catastrophically when γ ≪ x z̄.) With `gradient`, also writes ∂ ln L / ∂(ln p, ln q, ln γ).
 */
function preparedSpendLogLikelihood(s: PreparedSpend, p: number, q: number, gamma: number, gradient?: number[]): number {
  let ll = p * s.sumXLogXZ - s.sumLogZ;
  let dp = s.sumXLogXZ;
  let dq = 0;
  for (let i = 0; i < s.distinctX.length; i++) {
    const x = s.distinctX[i]!;
    const w = s.xWeights[i]!;
    const px = p * x;
    ll += w * (lnRisingFactorial(q, px) - lnGamma(px));
    if (gradient) {
      // ∂/∂p = x [ψ(px + q) − ψ(px)], ∂/∂q = ψ(q + px) − ψ(q).
      dp += w * x * digammaDifference(px, q);
      dq += w * digammaDifference(q, px);
    }
  }
  const { ws, xs, xz } = s;
  if (!gradient) {
    for (let i = 0; i < xs.length; i++) ll -= ws[i]! * (q * log1p(xz[i]! / gamma) + p * xs[i]! * log(gamma + xz[i]!));
    return ll;
  }
  let dLogGamma = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = ws[i]!;
    const x = xs[i]!;
    const h = log1p(xz[i]! / gamma);
    const lnSum = log(gamma + xz[i]!);
    ll -= w * (q * h + p * x * lnSum);
    dp -= w * x * lnSum;
    dq -= w * h;
    // γ ∂/∂γ: q x z̄/(γ + x z̄) from the first logarithm, −px γ/(γ + x z̄) from the second.
    dLogGamma += (w * (q * xz[i]! - p * x * gamma)) / (gamma + xz[i]!);
  }
  gradient[0] = p * dp;
  gradient[1] = q * dq;
  gradient[2] = dLogGamma;
  return ll;
}

/**
 * The log-likelihood of {@link gammaGammaLogLikelihood} and its gradient ∂ ln L / ∂(p, q, γ),
 * over the customers passing {@link isGammaGammaEligible}.
 *
 * Contract: valid params (RangeError otherwise). Returns 0 and a zero gradient for no eligible customer.
 */
export function gammaGammaLogLikelihoodGradient(
  params: GammaGammaParams,
  customers: readonly SpendSummary[],
): { logLikelihood: number; gradient: GammaGammaParams } {
  assertParams(params);
  const { p, q, gamma } = params;
  const g = [0, 0, 0];
  const logLikelihood = preparedSpendLogLikelihood(prepareSpend(customers), p, q, gamma, g);
  return { logLikelihood, gradient: { p: g[0]! / p, q: g[1]! / q, gamma: g[2]! / gamma } };
}

/**
 * Maximum-likelihood fit of the Gamma-Gamma model: BFGS on ln(p, q, γ) with the analytic
 * gradient, and in the rare case it cannot finish (a likelihood flat to rounding), the earlier
 * Nelder–Mead search from the start.
 *
 * Contract: customers may include non-repeaters; only those passing {@link isGammaGammaEligible}
 * are used (their number is returned). Throws RangeError when none is eligible. Deterministic.
 */
export function fitGammaGamma(customers: readonly SpendSummary[], options: FitGammaGammaOptions = {}): GammaGammaFit {
  const sample = prepareSpend(customers);
  if (sample.used === 0) throw new RangeError('fitGammaGamma: no customer with frequency >= 1 and monetaryValue > 0');
  const start = options.initialParams ?? { p: 1, q: 1, gamma: 1 };
  assertParams(start);
  const objective = (theta: readonly number[], gradient: number[]): number => {
    const ll = preparedSpendLogLikelihood(sample, exp(theta[0]!), exp(theta[1]!), exp(theta[2]!), gradient);
    for (let i = 0; i < 3; i++) gradient[i] = -gradient[i]!;
    return -ll + shapePenalty(theta[1]!, gradient);
  };
  const theta0 = [log(start.p), log(start.q), log(start.gamma)];
  // As in fitBgNbd: parameters settle to a relative 1e-9, far finer than their sampling error.
  let result = bfgs(objective, theta0, { xTolerance: 1e-9 });
  let iterations = result.iterations;
  if (!result.converged) {
    // Where BFGS stalls, the likelihood is flat to rounding along some direction (all spends
    // equal, say); the derivative-free search from the start, as before BFGS, copes best there.
    const valueOnly = (theta: readonly number[]): number => objective(theta, [0, 0, 0]);
    result = nelderMead(valueOnly, theta0, { initialStep: 0.5, xTolerance: 1e-7, ...options.optimizer });
    iterations += result.iterations;
  }
  const [p, q, gamma] = result.x.map((v) => exp(v)) as [number, number, number];
  return {
    params: { p, q, gamma },
    logLikelihood: preparedSpendLogLikelihood(sample, p, q, gamma),
    iterations,
    converged: result.converged,
    customers: sample.used,
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

/** The penalty, adding its gradient in ln q to `gradient`[1]. */
function shapePenalty(logQ: number, gradient: number[]): number {
  const excess = logQ - LOG_MAX_SPEND_SHAPE;
  if (!(excess > 0)) return 0;
  gradient[1] = gradient[1]! + 2e3 * excess;
  return 1e3 * excess * excess;
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
