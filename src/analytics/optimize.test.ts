import { bfgs, nelderMead, type ValueAndGradient } from './optimize';

describe('nelderMead', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const rosenbrock = (x: readonly number[]): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const res = nelderMead(rosenbrock, [-1.2, 1], { initialStep: 0.5, xTolerance: 1e-10 });
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 6);
    expect(res.x[1]).toBeCloseTo(1, 6);
    expect(res.fx).toBeLessThan(1e-12);
  });

  it('minimises a badly scaled 4-d quadratic', () => {
    const target = [3, -2, 0.5, 10];
    const scale = [1, 100, 0.01, 10];
    const f = (x: readonly number[]): number => x.reduce((s, xi, i) => s + scale[i]! * (xi - target[i]!) ** 2, 0);
    const res = nelderMead(f, [0, 0, 0, 0], { initialStep: 1 });
    expect(res.converged).toBe(true);
    res.x.forEach((xi, i) => expect(xi).toBeCloseTo(target[i]!, 4));
  });

  it('is deterministic', () => {
    const f = (x: readonly number[]): number => Math.cos(x[0]!) + (x[1]! - 1) ** 2 + 0.1 * x[0]! ** 2;
    expect(nelderMead(f, [0.3, 0.2])).toEqual(nelderMead(f, [0.3, 0.2]));
  });

  it('retreats from non-finite values', () => {
    // log is NaN for x < 0; the minimum of x − log(x) is at x = 1.
    const res = nelderMead((x) => x[0]! - Math.log(x[0]!), [0.2], { initialStep: 1 });
    expect(res.x[0]).toBeCloseTo(1, 6);
  });

  it('stops at maxIterations and says it did not converge', () => {
    const res = nelderMead((x) => (x[0]! - 5) ** 2 + (x[1]! + 5) ** 2, [0, 0], { maxIterations: 3 });
    expect(res.converged).toBe(false);
    expect(res.iterations).toBe(3);
  });

  it('validates its input', () => {
    expect(() => nelderMead(() => 0, [])).toThrow(RangeError);
    expect(() => nelderMead(() => 0, [Number.NaN])).toThrow(RangeError);
    expect(() => nelderMead(() => 0, [1, 2], { initialStep: [1] })).toThrow(RangeError);
  });
});

describe('bfgs', () => {
  const rosenbrock: ValueAndGradient = (x, g) => {
    const [u, v] = [x[0]!, x[1]!];
    g[0] = -400 * u * (v - u * u) - 2 * (1 - u);
    g[1] = 200 * (v - u * u);
    return 100 * (v - u * u) ** 2 + (1 - u) ** 2;
  };

  it('finds the minimum of the Rosenbrock function in far fewer evaluations than Nelder–Mead', () => {
    const res = bfgs(rosenbrock, [-1.2, 1]);
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 7);
    expect(res.x[1]).toBeCloseTo(1, 7);
    const simplex = nelderMead((x) => rosenbrock(x, [0, 0]), [-1.2, 1], { initialStep: 0.5, xTolerance: 1e-10 });
    expect(res.evaluations).toBeLessThan(simplex.evaluations / 2);
  });

  it('minimises a badly scaled 4-d quadratic', () => {
    const target = [3, -2, 0.5, 10];
    const scale = [1, 100, 0.01, 10];
    const f: ValueAndGradient = (x, g) => {
      let sum = 0;
      x.forEach((xi, i) => {
        g[i] = 2 * scale[i]! * (xi - target[i]!);
        sum += scale[i]! * (xi - target[i]!) ** 2;
      });
      return sum;
    };
    const res = bfgs(f, [0, 0, 0, 0], { maxStep: 100 });
    expect(res.converged).toBe(true);
    res.x.forEach((xi, i) => expect(xi).toBeCloseTo(target[i]!, 6));
  });

  it('limits each step to maxStep per coordinate', () => {
    const seen: number[] = [];
    const f: ValueAndGradient = (x, g) => {
      seen.push(x[0]!);
      g[0] = 2 * (x[0]! - 50);
      return (x[0]! - 50) ** 2;
    };
    const res = bfgs(f, [0], { maxStep: 1 });
    expect(res.x[0]).toBeCloseTo(50, 6);
    for (let i = 1; i < seen.length; i++) expect(Math.abs(seen[i]! - seen[i - 1]!)).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('backs off from non-finite values', () => {
    // x − ln x is NaN for x < 0; its minimum is at x = 1.
    const res = bfgs(
      (x, g) => {
        g[0] = 1 - 1 / x[0]!;
        return x[0]! - Math.log(x[0]!);
      },
      [0.2],
      { maxStep: 5 },
    );
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 7);
  });

  it('is deterministic', () => {
    const f: ValueAndGradient = (x, g) => {
      g[0] = -Math.sin(x[0]!) + 0.2 * x[0]!;
      g[1] = 2 * (x[1]! - 1);
      return Math.cos(x[0]!) + (x[1]! - 1) ** 2 + 0.1 * x[0]! ** 2;
    };
    expect(bfgs(f, [0.3, 0.2])).toEqual(bfgs(f, [0.3, 0.2]));
  });

  it('says it did not converge when the iterations run out or f is unbounded', () => {
    expect(bfgs(rosenbrock, [-1.2, 1], { maxIterations: 3 })).toMatchObject({ converged: false, iterations: 3 });
    const unbounded = bfgs(
      (x, g) => {
        g[0] = -1;
        return -x[0]!;
      },
      [0],
    );
    expect(unbounded.converged).toBe(false);
  });

  it('validates its input', () => {
    expect(() => bfgs(() => 0, [])).toThrow(RangeError);
    expect(() => bfgs(() => 0, [Number.NaN])).toThrow(RangeError);
  });
});
