/**
 * Small, deterministic minimisers for the models' 3-4 unconstrained (log-space) parameters.
 *
 * - {@link bfgs}: quasi-Newton with an analytic gradient. The likelihood fits use it: a few
 *   dozen evaluations where Nelder–Mead needs several hundred.
 * - {@link nelderMead}: derivative-free, the fallback when BFGS cannot finish (a gradient
 *   swamped by rounding on a ridge of the likelihood).
 *
 * Why our own: the npm candidates (`fmin`, `optimization-js`) are tiny, unmaintained packages,
 * and over a handful of parameters both methods fit in a page; being ours they are fully
 * deterministic (no random starts) and easy to test.
 *
 * Nelder–Mead coefficients are the standard ones (reflection 1, expansion 2, contraction 1/2,
 * shrink 1/2), as analysed by Lagarias, Reeds, Wright & Wright (1998).
 */

/** Tuning knobs for {@link nelderMead}. All are optional. */
export interface NelderMeadOptions {
  /**
   * Size of the initial simplex: vertex i is x0 + step_i · e_i. A number applies to every
   * coordinate. Default 0.1.
   */
  initialStep?: number | readonly number[];
  /** Converged when the spread of f over the simplex is ≤ fTolerance · max(1, |f_best|). Default 1e-12. */
  fTolerance?: number;
  /** …and every vertex is within xTolerance (max-norm) of the best vertex. Default 1e-9. */
  xTolerance?: number;
  /** Maximum number of simplex iterations, summed over restarts. Default 5000. */
  maxIterations?: number;
  /**
   * After convergence the simplex is rebuilt around the best point and the search resumed, up to
   * this many times, until a restart no longer improves f. This guards against the well-known
   * premature collapse of Nelder–Mead. Default 3.
   */
  maxRestarts?: number;
}

/** Outcome of a minimisation. */
export interface MinimizeResult {
  /** Best point found. */
  x: number[];
  /** f(x). */
  fx: number;
  /** Iterations performed (Nelder–Mead: simplex steps over all restarts; BFGS: line searches). */
  iterations: number;
  /** Number of calls to f. */
  evaluations: number;
  /** True when the tolerances were met before maxIterations ran out. */
  converged: boolean;
  /** Restarts performed (BFGS: resets of its curvature estimate). */
  restarts: number;
}

const POS_INF = Number.POSITIVE_INFINITY;
const REFLECT = 1;
const EXPAND = 2;
const CONTRACT = 0.5;
const SHRINK = 0.5;

/**
 * Minimises f: ℝⁿ → ℝ from the starting point x0 with the Nelder–Mead simplex method.
 *
 * Contract: f must be a pure function of its argument (it is called with fresh arrays that it
 * must not keep). NaN or ±Infinity values are treated as +Infinity, which makes the simplex
 * retreat from invalid regions. The result is deterministic for a given f, x0 and options.
 * Throws RangeError if x0 is empty or not finite.
 */
export function nelderMead(f: (x: readonly number[]) => number, x0: readonly number[], options: NelderMeadOptions = {}): MinimizeResult {
  const n = x0.length;
  if (n === 0 || !x0.every(Number.isFinite)) throw new RangeError('nelderMead: x0 must be a non-empty finite vector');
  const fTolerance = options.fTolerance ?? 1e-12;
  const xTolerance = options.xTolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 5000;
  const maxRestarts = options.maxRestarts ?? 3;
  const steps = stepVector(options.initialStep ?? 0.1, n);

  let evaluations = 0;
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return v === v && v !== POS_INF && v !== -POS_INF ? v : POS_INF;
  };

  let best = x0.slice();
  let bestF = evaluate(best);
  let iterations = 0;
  let restarts = 0;
  let converged: boolean;

  for (;;) {
    const run = simplexSearch(evaluate, best, bestF, steps, fTolerance, xTolerance, maxIterations - iterations);
    iterations += run.iterations;
    const improvement = bestF - run.fx;
    best = run.x;
    bestF = run.fx;
    converged = run.converged;
    // Stop when out of budget, or when a restart could not improve f beyond the tolerance.
    const negligible = restarts > 0 && improvement <= fTolerance * Math.max(1, Math.abs(bestF));
    if (!converged || negligible || restarts >= maxRestarts) break;
    restarts++;
  }
  return { x: best, fx: bestF, iterations, evaluations, converged, restarts };
}

function stepVector(step: number | readonly number[], n: number): number[] {
  if (typeof step === 'number') return new Array<number>(n).fill(step);
  if (step.length !== n) throw new RangeError('nelderMead: initialStep length must match x0');
  return step.slice();
}

interface SimplexRun {
  x: number[];
  fx: number;
  iterations: number;
  converged: boolean;
}

function simplexSearch(
  evaluate: (x: number[]) => number,
  start: number[],
  startF: number,
  steps: readonly number[],
  fTolerance: number,
  xTolerance: number,
  budget: number,
): SimplexRun {
  const n = start.length;
  const points: number[][] = [start.slice()];
  const values: number[] = [startF];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    p[i]! += steps[i]!;
    points.push(p);
    values.push(evaluate(p));
  }
  // Keep vertices sorted by f (best first). Ties keep insertion order, so runs are repeatable.
  const order = (): void => {
    const idx = points.map((_, i) => i).sort((i, j) => values[i]! - values[j]! || i - j);
    const p = idx.map((i) => points[i]!);
    const v = idx.map((i) => values[i]!);
    for (let i = 0; i <= n; i++) {
      points[i] = p[i]!;
      values[i] = v[i]!;
    }
  };
  order();

  const centroid = new Array<number>(n);
  const along = (coef: number): number[] => {
    // Point on the line through the worst vertex and the centroid of the others.
    const worst = points[n]!;
    const out = new Array<number>(n);
    for (let j = 0; j < n; j++) out[j] = centroid[j]! + coef * (centroid[j]! - worst[j]!);
    return out;
  };

  let iterations = 0;
  while (iterations < budget) {
    if (hasConverged(points, values, fTolerance, xTolerance)) {
      return { x: points[0]!, fx: values[0]!, iterations, converged: true };
    }
    iterations++;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += points[i]![j]!;
      centroid[j] = s / n;
    }
    const reflected = along(REFLECT);
    const fr = evaluate(reflected);
    if (fr < values[0]!) {
      const expanded = along(EXPAND);
      const fe = evaluate(expanded);
      if (fe < fr) replaceWorst(points, values, expanded, fe);
      else replaceWorst(points, values, reflected, fr);
    } else if (fr < values[n - 1]!) {
      replaceWorst(points, values, reflected, fr);
    } else {
      // Contract outside when the reflection beat the worst vertex, inside otherwise.
      const outside = fr < values[n]!;
      const contracted = along(outside ? CONTRACT : -CONTRACT);
      const fc = evaluate(contracted);
      if (fc < (outside ? fr : values[n]!)) {
        replaceWorst(points, values, contracted, fc);
      } else {
        const bestPoint = points[0]!;
        for (let i = 1; i <= n; i++) {
          const p = points[i]!;
          for (let j = 0; j < n; j++) p[j] = bestPoint[j]! + SHRINK * (p[j]! - bestPoint[j]!);
          values[i] = evaluate(p);
        }
      }
    }
    order();
  }
  return { x: points[0]!, fx: values[0]!, iterations, converged: false };
}

function replaceWorst(points: number[][], values: number[], p: number[], fp: number): void {
  points[points.length - 1] = p;
  values[values.length - 1] = fp;
}

function hasConverged(points: number[][], values: number[], fTolerance: number, xTolerance: number): boolean {
  const best = points[0]!;
  const fBest = values[0]!;
  if (!Number.isFinite(fBest)) return false;
  for (let i = 1; i < points.length; i++) {
    if (!(Math.abs(values[i]! - fBest) <= fTolerance * Math.max(1, Math.abs(fBest)))) return false;
    const p = points[i]!;
    for (let j = 0; j < best.length; j++) if (Math.abs(p[j]! - best[j]!) > xTolerance) return false;
  }
  return true;
}

/** Tuning knobs for {@link bfgs}. All are optional. */
export interface BfgsOptions {
  /**
   * Converged when the next quasi-Newton step, an estimate of the distance to the minimum, is at
   * most this long in the max-norm (and the curvature estimate rests on at least n updates).
   * Default 1e-9.
   */
  xTolerance?: number;
  /**
   * …or when the decrease of f that step predicts, ½ gᵀHg, is at most fTolerance · max(1, |f|):
   * below that, rounding in f and its gradient dominates, and further steps only wander.
   * Default 1e-15.
   */
  fTolerance?: number;
  /** Maximum number of line searches. Default 200. */
  maxIterations?: number;
  /** Largest change of any coordinate in one step, so an early step cannot leap into far, flat tails. Default 1. */
  maxStep?: number;
}

/**
 * f and its gradient at x: returns f(x) and writes ∇f(x) into `gradient` (length n). It must
 * not keep x or gradient.
 */
export type ValueAndGradient = (x: readonly number[], gradient: number[]) => number;

/** Sufficient-decrease constant of the Armijo condition. */
const ARMIJO = 1e-4;
/** Relative gain of f below which a step that cannot decrease f still counts as convergence. */
const ROUNDING_FLOOR = 1e-11;
/** Step shortenings per line search before it gives up (0.5^60 is far below rounding). */
const MAX_BACKTRACKS = 60;

/**
 * Minimises f from x0 with the BFGS quasi-Newton method (Nocedal & Wright, Numerical
 * Optimization, 2nd ed., algorithm 6.1): backtracking Armijo line search with quadratic
 * interpolation, the inverse-Hessian estimate scaled by (sᵀy / yᵀy) before its first update
 * (their eq. 6.20), updates skipped when the curvature sᵀy is not positive, and a reset to the
 * steepest descent when the estimate stops giving a descent direction.
 *
 * Contract: f must be smooth and deterministic; non-finite values are treated as +Infinity (the
 * line search backs off). Returns converged = false when maxIterations run out or the line
 * search cannot decrease f any more before the tolerance is met (usually rounding noise in the
 * gradient); the point is then the best found, for a fallback to continue from. Deterministic.
 * Throws RangeError if x0 is empty or not finite.
 */
export function bfgs(fg: ValueAndGradient, x0: readonly number[], options: BfgsOptions = {}): MinimizeResult {
  const n = x0.length;
  if (n === 0 || !x0.every(Number.isFinite)) throw new RangeError('bfgs: x0 must be a non-empty finite vector');
  const xTolerance = options.xTolerance ?? 1e-9;
  const fTolerance = options.fTolerance ?? 1e-15;
  const maxIterations = options.maxIterations ?? 200;
  const maxStep = options.maxStep ?? 1;

  let evaluations = 0;
  const evaluate = (x: number[], g: number[]): number => {
    evaluations++;
    const v = fg(x, g);
    return v === v && v !== POS_INF && v !== -POS_INF && g.every(Number.isFinite) ? v : POS_INF;
  };

  let x = x0.slice();
  let g = new Array<number>(n).fill(0);
  let fx = evaluate(x, g);
  if (fx === POS_INF) return { x, fx, iterations: 0, evaluations, converged: false, restarts: 0 };
  const h = identity(n);
  const d = new Array<number>(n);
  let updates = 0;
  let restarts = 0;
  let iterations = 0;
  let xNext = new Array<number>(n);
  let gNext = new Array<number>(n);

  while (iterations < maxIterations) {
    multiply(h, g, d, -1);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // The estimate lost positive definiteness to rounding: start over from steepest descent.
      resetToIdentity(h);
      updates = 0;
      restarts++;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = dot(g, d);
      if (slope === 0) return { x, fx, iterations, evaluations, converged: true, restarts };
    }
    const scale = Math.max(1, Math.abs(fx));
    const predicted = -slope / 2;
    if (updates >= n && (maxAbs(d) <= xTolerance || predicted <= fTolerance * scale)) {
      return { x, fx, iterations, evaluations, converged: true, restarts };
    }
    iterations++;

    let step = Math.min(1, maxStep / maxAbs(d));
    let fNext = POS_INF;
    let accepted = false;
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      for (let i = 0; i < n; i++) xNext[i] = x[i]! + step * d[i]!;
      fNext = evaluate(xNext, gNext);
      if (fNext <= fx + ARMIJO * step * slope) {
        accepted = true;
        break;
      }
      // Minimum of the quadratic through f(x), its slope and f(x + step·d), kept within
      // [0.1, 0.5]·step; a plain halving when f was not finite.
      const curvature = fNext === POS_INF ? 0 : fNext - fx - slope * step;
      const interpolated = curvature > 0 ? (-slope * step * step) / (2 * curvature) : 0.5 * step;
      step = Math.min(0.5 * step, Math.max(0.1 * step, interpolated));
    }
    if (!accepted || !(fNext < fx)) {
      // f no longer decreases: rounding noise has the upper hand. That is convergence when the
      // step was predicted to gain next to nothing anyway.
      const converged = updates >= n && predicted <= ROUNDING_FLOOR * scale;
      return { x, fx, iterations, evaluations, converged, restarts };
    }

    const s = new Array<number>(n);
    const y = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNext[i]! - x[i]!;
      y[i] = gNext[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 0) {
      if (updates === 0) scaleIdentity(h, sy / dot(y, y));
      updateInverseHessian(h, s, y, sy);
      updates++;
    }
    [x, xNext] = [xNext, x];
    [g, gNext] = [gNext, g];
    fx = fNext;
  }
  return { x, fx, iterations, evaluations, converged: false, restarts };
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function resetToIdentity(h: number[][]): void {
  for (let i = 0; i < h.length; i++) for (let j = 0; j < h.length; j++) h[i]![j] = i === j ? 1 : 0;
}

function scaleIdentity(h: number[][], gamma: number): void {
  for (let i = 0; i < h.length; i++) for (let j = 0; j < h.length; j++) h[i]![j] = i === j ? gamma : 0;
}

/** out = sign · h · v. */
function multiply(h: number[][], v: readonly number[], out: number[], sign: number): void {
  for (let i = 0; i < h.length; i++) {
    let sum = 0;
    for (let j = 0; j < v.length; j++) sum += h[i]![j]! * v[j]!;
    out[i] = sign * sum;
  }
}

function dot(u: readonly number[], v: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += u[i]! * v[i]!;
  return sum;
}

function maxAbs(v: readonly number[]): number {
  let m = 0;
  for (const e of v) m = Math.max(m, Math.abs(e));
  return m;
}

/** H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1/(sᵀy), expanded so H stays symmetric. */
function updateInverseHessian(h: number[][], s: readonly number[], y: readonly number[], sy: number): void {
  const n = s.length;
  const hy = new Array<number>(n);
  multiply(h, y, hy, 1);
  const yhy = dot(y, hy);
  const rho = 1 / sy;
  const coef = (1 + rho * yhy) * rho;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      h[i]![j] = h[i]![j]! + coef * s[i]! * s[j]! - rho * (hy[i]! * s[j]! + s[i]! * hy[j]!);
    }
  }
}
