/* eslint-disable no-loss-of-precision -- reference values and coefficients are quoted with every published digit; JavaScript reads each as the nearest double, which is what they stand for. */
import {
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

/** Relative difference, falling back to absolute near zero. */
const relErr = (got: number, want: number): number => Math.abs(got - want) / Math.max(1, Math.abs(want));

describe('lnGamma', () => {
  // Reference values computed with 40-digit arithmetic (mpmath.loggamma).
  const cases: [number, number][] = [
    [1e-10, 23.025850929882735274],
    [0.001, 6.9071788853838536825],
    [0.1, 2.2527126517342059599],
    [0.243, 1.3180435846996698495],
    [0.5, 0.57236494292470008707],
    [1, 0],
    [1.5, -0.12078223763524522235],
    [2, 0],
    [2.5, 0.28468287047291915963],
    [3, 0.69314718055994530942],
    [7.7, 7.9265413562690044281],
    [19.999, 39.336913688843101386],
    [20, 39.339884187199494036],
    [20.5, 40.83150097453079811],
    [100, 359.13420536957539878],
    [171.3, 708.11494703899682429],
    [1000, 5905.2204232091812118],
    [123456.789, 1323902.0187950631238],
    [1e10, 220258509288.81058147],
  ];
  it.each(cases)('lnGamma(%p) is accurate to ~1e-14', (x, want) => {
    expect(relErr(lnGamma(x), want)).toBeLessThan(2e-14);
  });

  it('satisfies Γ(x+1) = xΓ(x) across the Lanczos/Stirling switch', () => {
    for (const x of [0.3, 4.2, 18.5, 19.5, 19.99, 20, 55.5]) {
      expect(relErr(lnGamma(x + 1), lnGamma(x) + Math.log(x))).toBeLessThan(1e-14);
    }
  });

  it('returns NaN outside its domain and handles infinity', () => {
    expect(lnGamma(0)).toBeNaN();
    expect(lnGamma(-1.5)).toBeNaN();
    expect(lnGamma(Number.NaN)).toBeNaN();
    expect(lnGamma(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('lnBeta and lnRisingFactorial', () => {
  it('match high-precision values', () => {
    expect(relErr(lnBeta(0.793, 2.426), -0.5115692885937032139)).toBeLessThan(1e-14);
    expect(relErr(lnBeta(0.793, 302.426), -4.3703438063021066826)).toBeLessThan(1e-13);
    expect(lnBeta(1, 1)).toBeCloseTo(0, 14);
  });
  it('lnRisingFactorial(r, n) = ln(r (r+1) … (r+n−1))', () => {
    expect(lnRisingFactorial(0.5, 0)).toBe(0);
    expect(lnRisingFactorial(0.5, 3)).toBeCloseTo(Math.log(0.5 * 1.5 * 2.5), 13);
    expect(relErr(lnRisingFactorial(25, 2), Math.log(25 * 26))).toBeLessThan(1e-15);
  });
  it('keeps full precision when r is huge (no cancellation of two large ln Γ values)', () => {
    // (r)_n for integer n is a plain product, so these are exact to the last digit of Math.log.
    expect(relErr(lnRisingFactorial(1e8, 2), Math.log(1e8) + Math.log(1e8 + 1))).toBeLessThan(1e-15);
    expect(relErr(lnRisingFactorial(1e12, 1), Math.log(1e12))).toBeLessThan(1e-15);
    // Continuous across the switch from the ln Γ difference to the term-by-term form at r = 20.
    expect(relErr(lnRisingFactorial(20, 3.7), lnRisingFactorial(20 - 1e-12, 3.7))).toBeLessThan(1e-12);
  });
});

describe('digamma', () => {
  // Reference values computed with 40-digit arithmetic (mpmath.digamma).
  const cases: [number, number][] = [
    [1e-10, -10000000000.577215665],
    [0.001, -1000.5755719318103005],
    [0.1, -10.423754940411076795],
    [0.2425945, -4.3584619455183624292],
    [0.5, -1.9635100260214234794],
    [1, -0.57721566490153286061],
    [2, 0.42278433509846713939],
    [2.5, 0.70315664064524318723],
    [5.999, 1.7059363290792256641],
    [6, 1.7061176684318004727],
    [9.99, 2.2507003728312010995],
    [10, 2.2517525890667211076],
    [10.5, 2.3030010342976863753],
    [30.25, 3.392876200343284776],
    [100, 4.6001618527380874002],
    [1000, 6.9072551956488120521],
    [123456.789, 11.723642437180376626],
    [1e10, 23.02585092989045684],
  ];
  it.each(cases)('digamma(%p) is accurate to ~1e-15', (x, want) => {
    expect(relErr(digamma(x), want)).toBeLessThan(2e-15);
  });

  it('is accurate in absolute terms at its root x ≈ 1.4616', () => {
    expect(Math.abs(digamma(1.4616321449683623))).toBeLessThan(1e-15);
  });

  it('is the derivative of lnGamma (central differences)', () => {
    for (const x of [0.3, 1.7, 9.5, 10.5, 42]) {
      const h = 1e-5 * x;
      expect(relErr(digamma(x), (lnGamma(x + h) - lnGamma(x - h)) / (2 * h))).toBeLessThan(1e-8);
    }
  });

  it('satisfies ψ(x+1) = ψ(x) + 1/x across the switch to the asymptotic series', () => {
    for (const x of [0.3, 8.5, 9.5, 9.999, 10, 55.5]) expect(relErr(digamma(x + 1), digamma(x) + 1 / x)).toBeLessThan(1e-15);
  });

  it('returns NaN outside its domain and handles infinity', () => {
    expect(digamma(0)).toBeNaN();
    expect(digamma(-1.5)).toBeNaN();
    expect(digamma(Number.NaN)).toBeNaN();
    expect(digamma(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('digammaDifference', () => {
  // ψ(r + n) − ψ(r) with 40-digit arithmetic (mpmath).
  const cases: [number, number, number][] = [
    [0.5, 3, 3.0666666666666666667],
    [0.2425945, 60, 8.4485188606781973806],
    [25, 2, 0.078461538461538461538],
    [1e4, 6.25, 0.00062483600036372074611],
    [1e6, 3.5, 3.4999956250087499809e-6],
    [3.7442, 1e-3, 0.0003058311342384446273],
    [1e8, 1, 1.0e-8],
  ];
  it.each(cases)('r = %p, n = %p: accurate to 1e-13 relative or 1e-15 absolute', (r, n, want) => {
    // Below r = 10 it is a plain difference of two ψ values of order 1, hence the absolute bound.
    expect(Math.abs(digammaDifference(r, n) - want)).toBeLessThan(Math.max(1e-13 * want, 1e-15));
  });

  it('is 0 for n = 0 and continuous across the switch at r = 10', () => {
    expect(digammaDifference(3, 0)).toBe(0);
    expect(relErr(digammaDifference(10, 3.7), digammaDifference(10 - 1e-12, 3.7))).toBeLessThan(1e-12);
  });
});

describe('logSumExp / logAddExp', () => {
  it('is exact for ordinary values and safe for extreme ones', () => {
    expect(logSumExp([Math.log(1), Math.log(2), Math.log(3)])).toBeCloseTo(Math.log(6), 14);
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp([-1000, -1000])).toBeCloseTo(-1000 + Math.LN2, 12);
    expect(logAddExp(-1e4, 0)).toBe(0);
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 14);
  });
  it('treats −Infinity as an empty term and propagates NaN', () => {
    expect(logSumExp([])).toBe(Number.NEGATIVE_INFINITY);
    expect(logSumExp([Number.NEGATIVE_INFINITY, 2])).toBe(2);
    expect(logAddExp(Number.NEGATIVE_INFINITY, 3)).toBe(3);
    expect(logSumExp([1, Number.NaN])).toBeNaN();
    expect(logSumExp([1, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
  });
});

// mpmath at 40 digits, evaluated at the exact binary value of a (a + 1 amplifies its rounding 1e7-fold).
const REF_TINY_TERM = -4332622.3036601355345;

describe('hyp2f1', () => {
  // Reference values: mpmath.hyp2f1 at 40 digits.
  const cases: [number, number, number, number, number][] = [
    [1, 1, 2, 0.5, 1.3862943611198906188], // −ln(1−z)/z
    [0.5, 0.5, 1.5, 0.25, 1.0471975511965977462], // arcsin(√z)/√z = π/3
    [0.243, 2.426, 2.219, 0.47, 1.1877407209496479679],
    [26.2426, 28.4262, 28.2191, 0.5, 90975618.557945762882],
    [1.5, -0.25, 3.3, 0.89, 0.86585963454323210016],
  ];
  it.each(cases)('2F1(%p, %p; %p; %p)', (a, b, c, z, want) => {
    const res = hyp2f1(a, b, c, z);
    expect(res.converged).toBe(true);
    expect(Math.abs(res.value - want) / Math.abs(want)).toBeLessThan(1e-13);
  });

  it('is 1 at z = 0 and terminates for a non-positive integer parameter', () => {
    expect(hyp2f1(3, 4, 5, 0).value).toBe(1);
    // 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
    const res = hyp2f1(-2, 1.5, 2.5, 0.3);
    expect(res.terms).toBeLessThanOrEqual(4);
    expect(res.value).toBeCloseTo(1 - (2 * 1.5 * 0.3) / 2.5 + (1.5 * 2.5 * 0.09) / (2.5 * 3.5), 14);
  });

  it('reports non-convergence when the term limit is hit', () => {
    const res = hyp2f1(1, 1, 2, 0.999, { maxTerms: 50 });
    expect(res.converged).toBe(false);
    expect(res.terms).toBe(50);
  });

  it('rejects z outside [0, 1) and c a non-positive integer', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, -0.1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -1, 0.5)).toThrow(RangeError);
  });

  it('does not stop early after a tiny term that is followed by growing ones', () => {
    // a ≈ −1 makes the k = 1 term ~1e-7 smaller than its neighbours; b = 60 then makes later
    // terms grow again.
    const res = hyp2f1(-0.9999999, 60, 1.5, 0.5);
    expect(res.converged).toBe(true);
    expect(Math.abs(res.value - REF_TINY_TERM) / Math.abs(REF_TINY_TERM)).toBeLessThan(1e-12);
  });

  it('hypergeometricSeries from index 1 equals 2F1 − 1', () => {
    const [a, b, c, z] = [0.7, 1.3, 2.1, 0.6];
    const tail = hypergeometricSeries(((a * b) / c) * z, a, b, c, z, 1);
    expect(tail.value).toBeCloseTo(hyp2f1(a, b, c, z).value - 1, 14);
  });
});

describe('oneMinusExpOver', () => {
  it('equals (1 − e^{uL})/u and its limit −L at u = 0', () => {
    expect(oneMinusExpOver(0.5, Math.log(0.25))).toBeCloseTo((1 - 0.5) / 0.5, 14);
    expect(oneMinusExpOver(0, -0.7)).toBe(0.7);
    expect(oneMinusExpOver(1e-12, -0.7)).toBeCloseTo(0.7, 12);
  });
});
