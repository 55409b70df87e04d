import { nelderMead } from './optimize';

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
