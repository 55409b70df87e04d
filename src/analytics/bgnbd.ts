/**
 * BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
 * Way", Marketing Science 24(2)).
 *
 * While active a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they drop out
 * for good with probability p ~ Beta(a, b). Inputs are per-customer RFM summaries in one time unit
 * (weeks in the papers); every time argument must use that same unit, and α is in it too.
 */
import { bfgs, nelderMead, type NelderMeadOptions } from './optimize';
import { digammaDifference, hypergeometricSeries, lnBeta, lnGamma, logAddExp, oneMinusExpOver } from './special';

// Module-local aliases: in sandboxed contexts such as jest's vm, every lookup of the global `Math`
// costs ~200 ns, which made the likelihood loops 20x slower under test than in production.
const { exp, log, log1p, max } = Math;

/** BG/NBD parameters: λ ~ Gamma(shape r, rate α); p ~ Beta(a, b). All must be > 0. */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * A customer's calibration-period summary, in model time units.
 * - frequency (x): number of repeat transactions (integer ≥ 0);
 * - recency (t_x): time from first to last purchase (0 when x = 0), 0 ≤ t_x ≤ T;
 * - T: time from first purchase to the end of the calibration period.
 */
export interface RfmSummary {
  frequency: number;
  recency: number;
  T: number;
}

/** Options for {@link fitBgNbd}. */
export interface FitBgNbdOptions {
  /** Starting point. Default r = 1, α = mean T, a = 1, b = 1 (chosen to be scale-aware in α). */
  initialParams?: BgNbdParams;
  /** Passed to the Nelder–Mead fallback (see {@link fitBgNbd}), which works on ln(params). */
  optimizer?: NelderMeadOptions;
}

/** Result of {@link fitBgNbd}. */
export interface BgNbdFit {
  params: BgNbdParams;
  /** Sample log-likelihood at params (natural log, model time unit as given). */
  logLikelihood: number;
  /** Optimiser iterations. */
  iterations: number;
  /** Whether the optimiser met its tolerances. */
  converged: boolean;
}

/**
 * Rejects summaries the model cannot represent, so errors surface at the boundary. The message
 * names `where`, with " #index" when an index is given (built only when throwing).
 */
function assertSummary(c: RfmSummary, where: string, index?: number): void {
  const { frequency: x, recency: tx, T } = c;
  const at = () => (index === undefined ? where : `${where} #${index}`);
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`${at()}: frequency must be an integer >= 0, got ${x}`);
  if (!Number.isFinite(T) || T < 0) throw new RangeError(`${at()}: T must be finite and >= 0, got ${T}`);
  if (!Number.isFinite(tx) || tx < 0 || tx > T) {
    throw new RangeError(`${at()}: recency must be in [0, T], got ${tx} (T = ${T})`);
  }
}

const PARAM_KEYS = ['r', 'alpha', 'a', 'b'] as const;

function assertParams(p: BgNbdParams): void {
  for (const key of PARAM_KEYS) {
    const v = p[key];
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`BG/NBD parameter ${key} must be finite and > 0, got ${v}`);
  }
}

/**
 * Per-customer log-likelihood ln L(r, α, a, b | x, t_x, T) (FHL 2005a eq. 6), evaluated in log
 * space so that it stays finite for x in the hundreds.
 *
 * Contract: valid params (> 0) and summary (see {@link RfmSummary}); throws RangeError otherwise.
 */
export function bgnbdCustomerLogLikelihood(params: BgNbdParams, customer: RfmSummary): number {
  assertParams(params);
  assertSummary(customer, 'bgnbdCustomerLogLikelihood');
  const { r, alpha, a, b } = params;
  const { frequency: x, recency: tx, T } = customer;
  const head = lnGamma(r + x) - lnGamma(r) + r * log(alpha) + lnBeta(a, b + x) - lnBeta(a, b);
  return head + logBracket(r, alpha, a, b, x, tx, T);
}

/** ln[(α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x)]. */
function logBracket(r: number, alpha: number, a: number, b: number, x: number, tx: number, T: number): number {
  const stay = -(r + x) * log(alpha + T);
  if (x === 0) return stay;
  return logAddExp(stay, log(a) - log(b + x - 1) - (r + x) * log(alpha + tx));
}

/**
 * Customers compressed for fitting: the x-only part of ln L is computed once per distinct x,
 * identical (x, t_x, T) rows (common: all one-time buyers from the same day) once per group,
 * and ln(α + T) and ln(α + t_x) once per distinct T and t_x, so a row with x > 0 costs only its
 * log-add-exp, and one-time buyers cost nothing per row (they are summed per T).
 */
interface PreparedSample {
  count: number;
  distinctX: Float64Array;
  xWeights: Float64Array;
  distinctT: Float64Array;
  /** Per distinct T: the total weight of its one-time buyers (x = 0). */
  tZeroWeights: Float64Array;
  distinctTx: Float64Array;
  /** Rows with x > 0: x, index into distinctTx, index into distinctT, index into distinctX, weight. */
  rowX: Float64Array;
  rowTxIndex: Int32Array;
  rowTIndex: Int32Array;
  rowXIndex: Int32Array;
  rowWeights: Float64Array;
  meanT: number;
}

function prepare(customers: readonly RfmSummary[]): PreparedSample {
  const n = customers.length;
  // Each customer's x, T and t_x as indices of their distinct values (first-seen order).
  const xIndex = new Map<number, number>();
  const xWeights: number[] = [];
  const tIndex = new Map<number, number>();
  const tZero: number[] = [];
  const txIndex = new Map<number, number>();
  const xOf = new Int32Array(n);
  const tOf = new Int32Array(n);
  const txOf = new Int32Array(n);
  let sumT = 0;
  for (let i = 0; i < n; i++) {
    const c = customers[i]!;
    assertSummary(c, 'bgnbd customer', i);
    xOf[i] = indexOf(xIndex, c.frequency);
    xWeights[xOf[i]!] = (xWeights[xOf[i]!] ?? 0) + 1;
    tOf[i] = indexOf(tIndex, c.T);
    if (c.frequency === 0) tZero[tOf[i]!] = (tZero[tOf[i]!] ?? 0) + 1;
    // One-time buyers are summed per T; only repeat buyers need t_x.
    txOf[i] = c.frequency === 0 ? -1 : indexOf(txIndex, c.recency);
    sumT += c.T;
  }
  // Identical (x, t_x, T) rows of repeat buyers, merged in first-seen order under an exact
  // numeric key (a string only when the three index ranges would not fit in 2^53).
  const nT = tIndex.size;
  const nTx = txIndex.size;
  const numericKey = xIndex.size * nTx * nT < 2 ** 53;
  const rowOf = new Map<number | string, number>();
  const rowCustomer: number[] = [];
  const rowWeights: number[] = [];
  for (let i = 0; i < n; i++) {
    if (txOf[i]! < 0) continue;
    const key = numericKey ? (xOf[i]! * nTx + txOf[i]!) * nT + tOf[i]! : `${xOf[i]}|${txOf[i]}|${tOf[i]}`;
    const row = rowOf.get(key);
    if (row === undefined) {
      rowOf.set(key, rowCustomer.length);
      rowCustomer.push(i);
      rowWeights.push(1);
    } else {
      rowWeights[row]!++;
    }
  }
  // t_x in the order the rows first use them, as before the rows were keyed by index.
  const txRenumbered = new Int32Array(nTx).fill(-1);
  const distinctTx: number[] = [];
  const allTx = [...txIndex.keys()];
  for (const i of rowCustomer) {
    if (txRenumbered[txOf[i]!] === -1) {
      txRenumbered[txOf[i]!] = distinctTx.length;
      distinctTx.push(allTx[txOf[i]!]!);
    }
  }
  return {
    count: n,
    distinctX: Float64Array.from(xIndex.keys()),
    xWeights: Float64Array.from(xWeights),
    distinctT: Float64Array.from(tIndex.keys()),
    tZeroWeights: Float64Array.from({ length: nT }, (_, k) => tZero[k] ?? 0),
    distinctTx: Float64Array.from(distinctTx),
    rowX: Float64Array.from(rowCustomer, (i) => customers[i]!.frequency),
    rowTxIndex: Int32Array.from(rowCustomer, (i) => txRenumbered[txOf[i]!]!),
    rowTIndex: Int32Array.from(rowCustomer, (i) => tOf[i]!),
    rowXIndex: Int32Array.from(rowCustomer, (i) => xOf[i]!),
    rowWeights: Float64Array.from(rowWeights),
    meanT: n > 0 ? sumT / n : 1,
  };
}

/** The index of `value` in `indices`, adding it as the next index when new. */
function indexOf(indices: Map<number, number>, value: number): number {
  let k = indices.get(value);
  if (k === undefined) {
    k = indices.size;
    indices.set(value, k);
  }
  return k;
}

/**
 * ln L of the prepared sample. With `gradient`, also writes ∂ ln L / ∂(ln r, ln α, ln a, ln b)
 * into it: the fit's parameters are logarithms, and the row loop yields both at little extra
 * cost (the weight of the log-add-exp's second term is a by-product of evaluating it).
 */
function preparedLogLikelihood(s: PreparedSample, r: number, alpha: number, a: number, b: number, gradient?: number[]): number {
  const lnGammaR = lnGamma(r);
  const lnBetaAB = lnBeta(a, b);
  const lnA = log(a);
  const lnAlpha = log(alpha);
  let ll = s.count * r * lnAlpha;
  let dr = s.count * lnAlpha;
  let dAlpha = (s.count * r) / alpha;
  let da = 0;
  // Σ share: the rows' ∂/∂(ln a) directly, as ∂ ln a / ∂ ln a = 1.
  let shares = 0;
  let db = 0;
  // Per distinct x: the x-only head, and ln a − ln(b + x − 1) of the bracket's second term.
  const nx = s.distinctX.length;
  const lnDropout = new Float64Array(nx);
  const invBx = new Float64Array(nx);
  for (let i = 0; i < nx; i++) {
    const x = s.distinctX[i]!;
    const w = s.xWeights[i]!;
    ll += w * (lnGamma(r + x) - lnGammaR + lnBeta(a, b + x) - lnBetaAB);
    if (x > 0) {
      lnDropout[i] = lnA - log(b + x - 1);
      invBx[i] = 1 / (b + x - 1);
      if (gradient) {
        // d/dr ln (r)_x = ψ(r+x) − ψ(r); ln B(a, b+x) − ln B(a, b) = ln (b)_x − ln (a+b)_x.
        const abShift = digammaDifference(a + b, x);
        dr += w * digammaDifference(r, x);
        da -= w * abShift;
        db += w * (digammaDifference(b, x) - abShift);
      }
    }
  }
  // Per distinct T: ln(α + T), and the one-time buyers' whole bracket, −r ln(α + T).
  const nT = s.distinctT.length;
  const lnAlphaT = new Float64Array(nT);
  const invAlphaT = new Float64Array(nT);
  for (let i = 0; i < nT; i++) {
    lnAlphaT[i] = log(alpha + s.distinctT[i]!);
    invAlphaT[i] = 1 / (alpha + s.distinctT[i]!);
    const w = s.tZeroWeights[i]!;
    ll -= w * r * lnAlphaT[i]!;
    dr -= w * lnAlphaT[i]!;
    dAlpha -= w * r * invAlphaT[i]!;
  }
  const nTx = s.distinctTx.length;
  const lnAlphaTx = new Float64Array(nTx);
  const invAlphaTx = new Float64Array(nTx);
  for (let i = 0; i < nTx; i++) {
    lnAlphaTx[i] = log(alpha + s.distinctTx[i]!);
    invAlphaTx[i] = 1 / (alpha + s.distinctTx[i]!);
  }
  const rows = s.rowX.length;
  if (!gradient) {
    for (let i = 0; i < rows; i++) {
      const rx = r + s.rowX[i]!;
      const stay = -rx * lnAlphaT[s.rowTIndex[i]!]!;
      ll += s.rowWeights[i]! * logAddExp(stay, lnDropout[s.rowXIndex[i]!]! - rx * lnAlphaTx[s.rowTxIndex[i]!]!);
    }
    return ll;
  }
  for (let i = 0; i < rows; i++) {
    const w = s.rowWeights[i]!;
    const rx = r + s.rowX[i]!;
    const ti = s.rowTIndex[i]!;
    const txi = s.rowTxIndex[i]!;
    const xi = s.rowXIndex[i]!;
    const stay = -rx * lnAlphaT[ti]!;
    const drop = lnDropout[xi]! - rx * lnAlphaTx[txi]!;
    // logAddExp(stay, drop) inline, keeping the share of its second term, share = e^drop / (e^stay + e^drop).
    let share: number;
    if (stay > drop) {
      const e = exp(drop - stay);
      ll += w * (stay + log1p(e));
      share = e / (1 + e);
    } else {
      const e = exp(stay - drop);
      ll += w * (drop + log1p(e));
      share = 1 / (1 + e);
    }
    dr -= w * (lnAlphaT[ti]! + share * (lnAlphaTx[txi]! - lnAlphaT[ti]!));
    dAlpha -= w * rx * (invAlphaT[ti]! + share * (invAlphaTx[txi]! - invAlphaT[ti]!));
    shares += w * share;
    db -= w * share * invBx[xi]!;
  }
  // Chain rule to the log parameters.
  gradient[0] = r * dr;
  gradient[1] = alpha * dAlpha;
  gradient[2] = a * da + shares;
  gradient[3] = b * db;
  return ll;
}

/**
 * Sample log-likelihood Σ_i ln L_i over all customers.
 *
 * Contract: valid params and summaries; throws RangeError otherwise. Returns 0 for no customers.
 */
export function bgnbdLogLikelihood(params: BgNbdParams, customers: readonly RfmSummary[]): number {
  assertParams(params);
  return preparedLogLikelihood(prepare(customers), params.r, params.alpha, params.a, params.b);
}

/**
 * The sample log-likelihood and its gradient in the natural parameters, ∂ ln L / ∂(r, α, a, b).
 *
 * Contract: as {@link bgnbdLogLikelihood}.
 */
export function bgnbdLogLikelihoodGradient(
  params: BgNbdParams,
  customers: readonly RfmSummary[],
): { logLikelihood: number; gradient: BgNbdParams } {
  assertParams(params);
  const { r, alpha, a, b } = params;
  const g = [0, 0, 0, 0];
  const logLikelihood = preparedLogLikelihood(prepare(customers), r, alpha, a, b, g);
  return { logLikelihood, gradient: { r: g[0]! / r, alpha: g[1]! / alpha, a: g[2]! / a, b: g[3]! / b } };
}

/**
 * Maximum-likelihood fit of the BG/NBD to calibration summaries.
 *
 * Contract: at least one customer, all summaries valid (RangeError otherwise). Deterministic:
 * the same input always gives bit-identical output. The optimiser works on ln(r, α, a, b) so
 * positivity needs no constraints: BFGS with the analytic gradient, and in the rare case it
 * cannot finish (a likelihood flat to rounding), the earlier Nelder–Mead search from the start.
 * The returned `converged` flag should be checked by callers that persist parameters; a fit on
 * data with no repeat purchases at all has no finite optimum.
 */
export function fitBgNbd(customers: readonly RfmSummary[], options: FitBgNbdOptions = {}): BgNbdFit {
  if (customers.length === 0) throw new RangeError('fitBgNbd: need at least one customer');
  const sample = prepare(customers);
  const start = options.initialParams ?? { r: 1, alpha: max(sample.meanT, 1e-3), a: 1, b: 1 };
  assertParams(start);
  const objective = (theta: readonly number[], gradient: number[]): number => {
    const ll = preparedLogLikelihood(sample, exp(theta[0]!), exp(theta[1]!), exp(theta[2]!), exp(theta[3]!), gradient);
    for (let i = 0; i < 4; i++) gradient[i] = -gradient[i]!;
    return -ll + concentrationPenalty(theta[2]!, theta[3]!, gradient);
  };
  const theta0 = [log(start.r), log(start.alpha), log(start.a), log(start.b)];
  // xTolerance: parameters settle to a relative 1e-9, far finer than their sampling error.
  let result = bfgs(objective, theta0, { xTolerance: 1e-9 });
  let iterations = result.iterations;
  if (!result.converged) {
    // Where BFGS stalls, the likelihood is flat to rounding along some direction; the
    // derivative-free search from the start, as before BFGS, copes best there. A step of 0.5 in
    // log space spans a factor of 1.65 per parameter: coarse enough to move quickly, fine
    // enough not to jump into the flat far tails of the likelihood.
    const valueOnly = (theta: readonly number[]): number => objective(theta, [0, 0, 0, 0]);
    result = nelderMead(valueOnly, theta0, { initialStep: 0.5, xTolerance: 1e-7, ...options.optimizer });
    iterations += result.iterations;
  }
  const [r, alpha, a, b] = result.x.map((v) => exp(v)) as [number, number, number, number];
  return {
    params: { r, alpha, a, b },
    logLikelihood: preparedLogLikelihood(sample, r, alpha, a, b),
    iterations,
    converged: result.converged,
  };
}

/**
 * Largest a + b the fit moves to freely. When dropout hardly varies between customers the
 * likelihood keeps creeping up (by a fraction of a unit per doubling) along the ridge
 * a, b → ∞ with a/(a+b) fixed, the limit of one dropout probability for everybody, so the
 * optimiser would never settle. Past this concentration the beta distribution is already that
 * limit for every practical purpose (its standard deviation is below 1 % of its mean's
 * scale), so a smooth quadratic penalty in ln(a+b) beyond it ends the walk. CDNOW's fit
 * (a + b ≈ 3.2) is far inside and unaffected.
 */
export const MAX_BETA_CONCENTRATION = 1e4;
const LOG_MAX_CONCENTRATION = log(MAX_BETA_CONCENTRATION);

/** The penalty, adding its gradient in (ln a, ln b) to `gradient`[2..3]. */
function concentrationPenalty(logA: number, logB: number, gradient: number[]): number {
  const logSum = logAddExp(logA, logB);
  const excess = logSum - LOG_MAX_CONCENTRATION;
  if (!(excess > 0)) return 0;
  // ∂ ln(a + b) / ∂ ln a = a / (a + b).
  const slope = 2e3 * excess;
  gradient[2] = gradient[2]! + slope * exp(logA - logSum);
  gradient[3] = gradient[3]! + slope * exp(logB - logSum);
  return 1e3 * excess * excess;
}

/**
 * P(customer still active at T | x, t_x, T) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
 *
 * Contract: valid params and summary; returns a probability in [0, 1], exactly 1 when x = 0
 * (under the BG/NBD nobody drops out before a repeat purchase). Stable for large x.
 */
export function probabilityAlive(params: BgNbdParams, customer: RfmSummary): number {
  assertParams(params);
  assertSummary(customer, 'probabilityAlive');
  return aliveUnchecked(params, customer.frequency, customer.recency, customer.T);
}

function aliveUnchecked(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  // Log-odds of having dropped out; exp() overflowing to Infinity correctly gives P = 0.
  const logOdds = log(p.a) - log(p.b + x - 1) + (p.r + x) * (log(p.alpha + T) - log(p.alpha + tx));
  return 1 / (1 + exp(logOdds));
}

/**
 * Expected number of transactions in (T, T+t] for a customer who is still alive at T:
 *
 *   ((a+b+x−1)/(a−1)) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *
 * Two exact forms of the same value, because each fails where the other works:
 * - Euler's transformation turns the product into (1−z)^(a−1) · ₂F₁(a+b−r−1, a−1; a+b+x−1; z),
 *   whose terms shrink as x grows (no overflow for x in the hundreds), with the first term split
 *   off so the 1/(a−1) cancels analytically (no 0/0 at a = 1). Its terms grow like (1−z)^−(a−1),
 *   so it breaks down when a is large (a fit where dropout hardly varies across customers can
 *   give a in the thousands).
 * - The direct series, each term carrying the power in front, so the sum stays below 1 for
 *   a > 1 and nothing overflows; its terms grow like (1−z)^−(r+x), so it suits small x.
 * The form whose growth exponent is smaller goes first; the other is the fallback.
 */
function expectedIfAlive(p: BgNbdParams, x: number, alphaPlusT: number, t: number): number {
  if (t === 0) return 0;
  const z = t / (alphaPlusT + t);
  // ln(1 − z) = −ln(1 + t/(α+T)), exact even when z is tiny.
  const logOneMinusZ = -log1p(t / alphaPlusT);
  for (const form of p.a - 1 > p.r + x ? DIRECT_FIRST : EULER_FIRST) {
    const value = form(p, x, z, logOneMinusZ);
    if (value !== null) return value;
  }
  throw new RangeError(`BG/NBD expectation: series did not converge (t = ${t}, x = ${x}); horizon too long?`);
}

type ExpectationForm = (p: BgNbdParams, x: number, z: number, logOneMinusZ: number) => number | null;

const eulerForm: ExpectationForm = ({ r, a, b }, x, z, logOneMinusZ) => {
  const upperA = a + b - r - 1;
  const c = a + b + x - 1;
  // c · S, S = Σ_{k≥1} (A)_k (a)_{k−1} / ((c)_k k!) z^k; scaling by c keeps c = 0 (a+b = 1, x = 0) finite.
  const scaled = hypergeometricSeries(upperA * z, upperA, a - 1, c, z, 1, { maxTerms: FORM_MAX_TERMS });
  if (!scaled.converged) return null;
  const value = c * oneMinusExpOver(a - 1, logOneMinusZ) - exp((a - 1) * logOneMinusZ) * scaled.value;
  return Number.isFinite(value) ? max(value, 0) : null;
};

const directForm: ExpectationForm = ({ r, a, b }, x, z, logOneMinusZ) => {
  const c = a + b + x - 1;
  // Starting the series at the power (1−z)^(r+x) keeps every term and the sum in range.
  const leading = exp((r + x) * logOneMinusZ);
  if (leading === 0) return null;
  const product = hypergeometricSeries(leading, r + x, b + x, c, z, 0, { maxTerms: FORM_MAX_TERMS });
  if (!product.converged) return null;
  const value = (c / (a - 1)) * (1 - product.value);
  return Number.isFinite(value) ? max(value, 0) : null;
};

const DIRECT_FIRST: readonly ExpectationForm[] = [directForm, eulerForm];
const EULER_FIRST: readonly ExpectationForm[] = [eulerForm, directForm];

/** Terms one form may use before the other is tried (CDNOW needs a few hundred at most). */
const FORM_MAX_TERMS = 50_000;

/**
 * E[Y(t) | x, t_x, T]: expected repeat transactions in the next t time units (T, T+t] for a
 * customer with the given history (FHL 2005a eq. 10).
 *
 * Contract: valid params and summary, t ≥ 0 finite (RangeError otherwise). Returns a finite
 * value ≥ 0, 0 at t = 0, increasing in t; stable for x in the hundreds. Throws RangeError if
 * the series cannot converge (only for horizons many thousands of times α + T).
 */
export function expectedTransactions(params: BgNbdParams, customer: RfmSummary, t: number): number {
  assertParams(params);
  assertSummary(customer, 'expectedTransactions');
  assertHorizon(t);
  const { frequency: x, recency: tx, T } = customer;
  return expectedIfAlive(params, x, params.alpha + T, t) * aliveUnchecked(params, x, tx, T);
}

/**
 * {@link expectedTransactions} at several horizons for one customer: the same values, with the
 * inputs checked and P(alive) computed once (a CLV needs one expectation per period).
 *
 * Contract: as expectedTransactions, for every horizon. Returns one value per horizon, in order.
 */
export function expectedTransactionsAt(params: BgNbdParams, customer: RfmSummary, horizons: readonly number[]): number[] {
  assertParams(params);
  assertSummary(customer, 'expectedTransactions');
  for (const t of horizons) assertHorizon(t);
  const { frequency: x, recency: tx, T } = customer;
  const alive = aliveUnchecked(params, x, tx, T);
  return horizons.map((t) => expectedIfAlive(params, x, params.alpha + T, t) * alive);
}

/**
 * E[X(t)]: expected repeat transactions in (0, t] for a newly acquired customer (FHL 2005a
 * eq. 9): ((a+b−1)/(a−1)) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))].
 *
 * Contract: valid params, t ≥ 0 finite (RangeError otherwise); returns a finite value ≥ 0.
 */
export function expectedTransactionsNewCustomer(params: BgNbdParams, t: number): number {
  assertParams(params);
  assertHorizon(t);
  // A new customer is the x = 0, T = 0 special case of the conditional expectation.
  return expectedIfAlive(params, 0, params.alpha, t);
}

function assertHorizon(t: number): void {
  if (!Number.isFinite(t) || t < 0) throw new RangeError(`horizon t must be finite and >= 0, got ${t}`);
}

/**
 * P(X(t) = n): probability that a new customer makes exactly n repeat transactions in (0, t]
 * (FHL 2005a eq. 8).
 *
 * Contract: valid params, t ≥ 0 finite, n integer ≥ 0 (RangeError otherwise); returns a value in
 * [0, 1]. The negative-binomial tail 1 − Σ_{j<n} P_NB(j) is summed from whichever side avoids
 * cancellation, so tiny probabilities (e.g. 1e-7) keep full relative precision.
 */
export function probabilityOfNPurchases(params: BgNbdParams, t: number, n: number): number {
  assertParams(params);
  assertHorizon(t);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer >= 0, got ${n}`);
  const { r, alpha, a, b } = params;
  if (t === 0) return n === 0 ? 1 : 0;
  const logP = log(alpha / (alpha + t)); // ln of the NB "success" probability
  const logQ = log(t / (alpha + t));
  const lnBetaAB = lnBeta(a, b);
  const first = exp(lnBeta(a, b + n) - lnBetaAB + lnGamma(r + n) - lnGamma(r) - lnGamma(n + 1) + r * logP + n * logQ);
  if (n === 0) return first;
  const tail = negativeBinomialUpperTail(r, logP, logQ, n);
  return first + exp(lnBeta(a + 1, b + n - 1) - lnBetaAB) * tail;
}

/** P(N ≥ n) for N ~ NegBin(r, p): P(N = j) = Γ(r+j)/(Γ(r) j!) p^r q^j. */
function negativeBinomialUpperTail(r: number, logP: number, logQ: number, n: number): number {
  const q = exp(logQ);
  // Lower sum Σ_{j<n}, built with the term recursion pmf(j+1) = pmf(j) · (r+j)/(j+1) · q.
  let term = exp(r * logP);
  let lower = 0;
  for (let j = 0; j < n; j++) {
    lower += term;
    term *= ((r + j) / (j + 1)) * q;
  }
  if (lower < 0.5) return 1 - lower;
  // 1 − lower would cancel; sum the upper tail directly instead, starting from pmf(n) in logs.
  let t = exp(lnGamma(r + n) - lnGamma(r) - lnGamma(n + 1) + r * logP + n * logQ);
  let upper = 0;
  for (let j = n; j < n + 1_000_000; j++) {
    upper += t;
    const ratio = ((r + j) / (j + 1)) * q;
    t *= ratio;
    // The ratios tend monotonically to q, so max(ratio, q) bounds all later ones.
    const rho = max(ratio, q);
    if (rho < 1 && t / (1 - rho) <= 1e-17 * upper) break;
  }
  return upper;
}
