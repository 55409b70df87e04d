/**
 * A small, deterministic Nelder–Mead minimiser.
 *
 * Why our own: the npm candidates (`fmin`, `optimization-js`) are tiny, unmaintained packages,
 * and the models here only need a derivative-free minimiser over 3-4 unconstrained (log-space)
 * parameters. Nelder–Mead with restarts is robust for such smooth, low-dimensional likelihoods,
 * and being ours it is fully deterministic (no random starts) and easy to test.
 *
 * Coefficients are the standard ones (reflection 1, expansion 2, contraction 1/2, shrink 1/2),
 * as analysed by Lagarias, Reeds, Wright & Wright (1998).
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
  /** Simplex iterations performed (all restarts). */
  iterations: number;
  /** Number of calls to f. */
  evaluations: number;
  /** True when the tolerances were met before maxIterations ran out. */
  converged: boolean;
  /** Restarts performed. */
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
