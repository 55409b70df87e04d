import { loadLifetimesSummary, loadRfmSummary } from '../../test/fixtures/cdnow/load';
import { expectGradientMatchesDifferences } from '../../test/support/gradient-check';
import {
  conditionalExpectedSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaLogLikelihoodGradient,
  isGammaGammaEligible,
  MAX_SPEND_SHAPE,
  populationMeanSpend,
  type GammaGammaParams,
} from './gamma-gamma';

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);
const PUBLISHED: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };

describe('fitGammaGamma on CDNOW (946 repeat customers)', () => {
  const customers = loadRfmSummary();
  const fit = fitGammaGamma(customers);

  it('reproduces p, q, γ = 6.25, 3.74, 15.44 within 1 % and LL −4055.9177', () => {
    expect(fit.converged).toBe(true);
    expect(fit.customers).toBe(946);
    expect(rel(fit.params.p, 6.25)).toBeLessThan(0.01);
    expect(rel(fit.params.q, 3.74)).toBeLessThan(0.01);
    expect(rel(fit.params.gamma, 15.44)).toBeLessThan(0.01);
    expect(Math.abs(fit.logLikelihood - -4055.9177)).toBeLessThan(1e-3);
  });

  // Speed is measured by npm run bench:analytics, not asserted here.
  it('is deterministic, and its LL matches gammaGammaLogLikelihood', () => {
    for (let k = 0; k < 2; k++) expect(fitGammaGamma(customers)).toEqual(fit);
    const repeaters = customers.filter(isGammaGammaEligible);
    expect(gammaGammaLogLikelihood(fit.params, repeaters)).toBeCloseTo(fit.logLikelihood, 8);
  });

  it('the density of the sum differs from the density of the mean by Σ ln x (paper: −4659)', () => {
    const repeaters = customers.filter(isGammaGammaEligible);
    const sumLnX = repeaters.reduce((s, c) => s + Math.log(c.frequency), 0);
    expect(sumLnX).toBeCloseTo(603.3725, 3);
    expect(Math.round(fit.logLikelihood - sumLnX)).toBe(-4659);
  });

  it('E(Z | z̄, x) for customers 1-10 is within 0.1 of the Hardie spreadsheet', () => {
    // lifetimes test values ("from Hardie spreadsheet"), on the 2-decimal summary.
    const published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    const twoDecimal = loadLifetimesSummary().slice(0, 10);
    twoDecimal.forEach((c, i) => {
      expect(Math.abs(conditionalExpectedSpend(fit.params, c.frequency, c.monetaryValue) - published[i]!)).toBeLessThan(0.1);
      expect(Math.abs(conditionalExpectedSpend(PUBLISHED, c.frequency, c.monetaryValue) - published[i]!)).toBeLessThan(0.1);
    });
  });

  it('population mean is pγ/(q−1) ≈ 35.17, about $0.09 above the observed mean', () => {
    const repeaters = customers.filter(isGammaGammaEligible);
    const observed = repeaters.reduce((s, c) => s + c.monetaryValue, 0) / repeaters.length;
    expect(observed).toBeCloseTo(35.077848, 5);
    expect(populationMeanSpend(fit.params)).toBeCloseTo(35.1704, 3);
    expect(populationMeanSpend(fit.params) - observed).toBeCloseTo(0.0926, 3);
  });
});

describe('gammaGammaLogLikelihoodGradient', () => {
  const keys = ['p', 'q', 'gamma'] as const;
  const customers = loadRfmSummary();
  const repeaters = customers.filter(isGammaGammaEligible);
  // Near the CDNOW optimum, away from it, and far out on the q, γ → ∞ ridge.
  it.each([PUBLISHED, { p: 2, q: 12, gamma: 80 }, { p: 2, q: 5e4, gamma: 3e5 }])('matches central differences at %p', (params) => {
    const { logLikelihood, gradient } = gammaGammaLogLikelihoodGradient(params, customers);
    // Summed per (x, z̄) group instead of per customer: equal to rounding (1e-12 relative).
    expect(Math.abs(logLikelihood / gammaGammaLogLikelihood(params, repeaters) - 1)).toBeLessThan(1e-11);
    expectGradientMatchesDifferences((p) => gammaGammaLogLikelihood(p, repeaters), params, gradient, keys);
  });

  it('vanishes at the fitted parameters', () => {
    const fit = fitGammaGamma(customers);
    const { gradient } = gammaGammaLogLikelihoodGradient(fit.params, customers);
    for (const key of keys) expect(Math.abs(gradient[key] * fit.params[key])).toBeLessThan(1e-3);
  });
});

describe('fitGammaGamma when mean spends hardly differ', () => {
  it('settles at the spend-shape limit instead of walking the q, γ → ∞ ridge', () => {
    // Everyone spends 20 a purchase: the likelihood keeps rising as ν's spread shrinks to nothing.
    const customers = Array.from({ length: 60 }, (_, i) => ({ frequency: 1 + (i % 6), monetaryValue: 20 + (i % 3) * 1e-9 }));
    const fit = fitGammaGamma(customers);
    expect(fit.converged).toBe(true);
    expect(fit.params.q).toBeGreaterThan(MAX_SPEND_SHAPE * 0.9);
    expect(fit.params.q).toBeLessThan(MAX_SPEND_SHAPE * 1.1);
    // The implied mean spend per purchase is close to the observed one.
    expect(rel(populationMeanSpend(fit.params), 20)).toBeLessThan(0.02);
  });
});

describe('Gamma-Gamma formulas', () => {
  it('E(Z | z̄, x) is the credibility blend of the population mean and z̄', () => {
    const { p, q, gamma } = PUBLISHED;
    const pop = (p * gamma) / (q - 1);
    for (const [x, zbar] of [
      [1, 10],
      [5, 80],
      [40, 20],
    ] as const) {
      const w = (q - 1) / (p * x + q - 1);
      expect(conditionalExpectedSpend(PUBLISHED, x, zbar)).toBeCloseTo(w * pop + (1 - w) * zbar, 10);
    }
    expect(conditionalExpectedSpend(PUBLISHED, 0, 0)).toBe(populationMeanSpend(PUBLISHED));
    expect(conditionalExpectedSpend(PUBLISHED, 0, 123)).toBe(populationMeanSpend(PUBLISHED));
  });

  it('log-density integrates to 1 over z̄ (x = 3)', () => {
    // Trapezoid on a log grid: ∫ f(z) dz = ∫ f(e^u) e^u du.
    let integral = 0;
    const du = 0.001;
    for (let u = -10; u < 10; u += du) {
      const z = Math.exp(u);
      integral += Math.exp(gammaGammaLogLikelihood(PUBLISHED, [{ frequency: 3, monetaryValue: z }])) * z * du;
    }
    expect(integral).toBeCloseTo(1, 4);
  });

  it('eligibility and validation', () => {
    expect(isGammaGammaEligible({ frequency: 0, monetaryValue: 0 })).toBe(false);
    expect(isGammaGammaEligible({ frequency: 2, monetaryValue: 0 })).toBe(false);
    expect(isGammaGammaEligible({ frequency: 2, monetaryValue: 10 })).toBe(true);
    expect(() => fitGammaGamma([{ frequency: 0, monetaryValue: 0 }])).toThrow(RangeError);
    expect(() => gammaGammaLogLikelihood(PUBLISHED, [{ frequency: 0, monetaryValue: 1 }])).toThrow(RangeError);
    expect(() => populationMeanSpend({ p: 1, q: 0.9, gamma: 1 })).toThrow(RangeError);
    expect(() => conditionalExpectedSpend(PUBLISHED, 1.5, 1)).toThrow(RangeError);
  });
});
