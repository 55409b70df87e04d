/* eslint-disable no-loss-of-precision -- reference values and coefficients are quoted with every published digit; JavaScript reads each as the nearest double, which is what they stand for. */
import { expectGradientMatchesDifferences } from '../../test/support/gradient-check';
import { loadHoldoutCounts, loadRfmSummary } from '../../test/fixtures/cdnow/load';
import {
  bgnbdCustomerLogLikelihood,
  bgnbdLogLikelihood,
  bgnbdLogLikelihoodGradient,
  expectedTransactions,
  expectedTransactionsAt,
  expectedTransactionsNewCustomer,
  fitBgNbd,
  probabilityAlive,
  probabilityOfNPurchases,
  type BgNbdParams,
} from './bgnbd';

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

/** Full-precision MLE printed in the BTYD walkthrough (section 4.2). */
const BTYD: BgNbdParams = { r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 };
/** Rounded estimates published by Fader, Hardie & Lee (2005a). */
const PAPER: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

const customers = loadRfmSummary();

describe('fitBgNbd on CDNOW (weeks, calibration to 1997-09-30)', () => {
  const fit = fitBgNbd(customers);

  it('reproduces the published parameters within 1 % and LL −9582.4', () => {
    expect(fit.converged).toBe(true);
    expect(rel(fit.params.r, 0.243)).toBeLessThan(0.01);
    expect(rel(fit.params.alpha, 4.414)).toBeLessThan(0.01);
    expect(rel(fit.params.a, 0.793)).toBeLessThan(0.01);
    expect(rel(fit.params.b, 2.426)).toBeLessThan(0.01);
    expect(Math.abs(fit.logLikelihood - -9582.4)).toBeLessThan(0.1);
  });

  it('agrees with the CLVTools full-precision MLE to 1e-4', () => {
    const clvtools = { r: 0.2425945, alpha: 4.4136019, a: 0.7929199, b: 2.4258881 };
    for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(rel(fit.params[key], clvtools[key])).toBeLessThan(1e-4);
    expect(Math.abs(fit.logLikelihood - -9582.429)).toBeLessThan(1e-3);
  });

  // Speed is measured by npm run bench:analytics, not asserted here.
  it('is deterministic', () => {
    for (let k = 0; k < 2; k++) expect(fitBgNbd(customers)).toEqual(fit);
  });

  it('reports the log-likelihood it maximised', () => {
    expect(bgnbdLogLikelihood(fit.params, customers)).toBeCloseTo(fit.logLikelihood, 8);
    expect(bgnbdLogLikelihood(BTYD, customers)).toBeCloseTo(-9582.429, 3);
  });

  it('gives the published population summaries', () => {
    const { r, alpha, a, b } = fit.params;
    expect(r / alpha).toBeCloseTo(0.055, 3);
    expect(a / (a + b)).toBeCloseTo(0.2463, 3);
  });
});

describe('bgnbdLogLikelihoodGradient', () => {
  const keys = ['r', 'alpha', 'a', 'b'] as const;
  // Near the CDNOW optimum, far from it, and with a and b in the thousands (the demo data's ridge).
  it.each([BTYD, { r: 0.9, alpha: 12, a: 0.3, b: 7 }, { r: 0.98, alpha: 6.2, a: 1554.4, b: 101219.9 }])(
    'matches central differences of the log-likelihood at %p',
    (params) => {
      const { logLikelihood, gradient } = bgnbdLogLikelihoodGradient(params, customers);
      expect(logLikelihood).toBe(bgnbdLogLikelihood(params, customers));
      expectGradientMatchesDifferences((p) => bgnbdLogLikelihood(p, customers), params, gradient, keys);
    },
  );

  it('vanishes at the fitted parameters', () => {
    const fit = fitBgNbd(customers);
    const { gradient } = bgnbdLogLikelihoodGradient(fit.params, customers);
    // In log-parameter units, next to a log-likelihood of −9582.
    for (const key of keys) expect(Math.abs(gradient[key] * fit.params[key])).toBeLessThan(1e-3);
  });
});

describe('per-customer quantities', () => {
  const customer1 = { frequency: 2, recency: 30.43, T: 38.86 };
  const customer1516 = { frequency: 26, recency: 30.85714, T: 31 };

  it('customer 1: E[Y(39)] = 1.226, P(alive) ≈ 0.73, ln L = −9.46', () => {
    expect(rel(expectedTransactions(PAPER, customer1, 39), 1.226)).toBeLessThan(0.01);
    expect(rel(probabilityAlive(PAPER, customer1), 0.7266)).toBeLessThan(0.01);
    expect(bgnbdCustomerLogLikelihood(PAPER, customer1)).toBeCloseTo(-9.4586, 3);
    expect(bgnbdCustomerLogLikelihood(PAPER, { frequency: 0, recency: 0, T: 38.86 })).toBeCloseTo(-0.5547, 3);
  });

  it('customer 1516 at the BTYD parameters: E[Y(52)] = 25.75659, P(alive) = 0.9688523', () => {
    expect(rel(expectedTransactions(BTYD, customer1516, 52), 25.75659)).toBeLessThan(1e-5);
    expect(rel(probabilityAlive(BTYD, customer1516), 0.9688523)).toBeLessThan(1e-6);
  });

  it('shows the "increasing frequency paradox" (t_x = 20, T = 39, t = 52)', () => {
    const published: [number, number][] = [
      [10, 0.3474606],
      [15, 0.04283391],
      [20, 0.004158973],
      [25, 0.0003583685],
    ];
    for (const [x, want] of published) {
      expect(rel(expectedTransactions(BTYD, { frequency: x, recency: 20, T: 39 }, 52), want)).toBeLessThan(1e-4);
    }
  });

  it('matches the DERIVED per-customer fixtures of MODELS.md §7 at its MLE', () => {
    const mle = { r: 0.2425945, alpha: 4.4136018, a: 0.7929221, b: 2.4259068 };
    const byId = new Map(customers.map((c) => [c.customerId, c]));
    const rows: [number, number, number, number, number][] = [
      // id, P(alive), E[Y(39)], E[Y(52)], ln L
      [1, 0.72662, 1.225994, 1.558686, -9.45956],
      [2, 0.212391, 0.203419, 0.260122, -4.471118],
      [3, 1, 0.194794, 0.251682, -0.553791],
      [6, 0.641835, 3.337571, 4.199523, -21.864415],
      [157, 0.969221, 20.055249, 25.063341, -43.871404],
      [1516, 0.968854, 20.748903, 25.757337, -37.728327],
    ];
    for (const [id, alive, ey39, ey52, ll] of rows) {
      const c = byId.get(id)!;
      expect(probabilityAlive(mle, c)).toBeCloseTo(alive, 5);
      expect(expectedTransactions(mle, c, 39)).toBeCloseTo(ey39, 5);
      expect(expectedTransactions(mle, c, 52)).toBeCloseTo(ey52, 5);
      expect(bgnbdCustomerLogLikelihood(mle, c)).toBeCloseTo(ll, 5);
    }
  });

  it('expectedTransactionsAt gives expectedTransactions at each horizon', () => {
    const horizons = [0, 13.04, 26.09, 39.13, 52.18];
    for (const c of [customer1, customer1516, { frequency: 0, recency: 0, T: 3 }]) {
      expect(expectedTransactionsAt(BTYD, c, horizons)).toEqual(horizons.map((t) => expectedTransactions(BTYD, c, t)));
    }
    expect(() => expectedTransactionsAt(BTYD, customer1, [1, -1])).toThrow(RangeError);
  });

  it('P(alive) is 1 for one-time buyers and E[Y(0)] is 0', () => {
    expect(probabilityAlive(BTYD, { frequency: 0, recency: 0, T: 30 })).toBe(1);
    expect(expectedTransactions(BTYD, customer1516, 0)).toBe(0);
  });
});

describe('new-customer quantities', () => {
  it('E[X(52)] = 1.444004 (BTYD) and E[X(78)] ≈ 1.8576', () => {
    expect(rel(expectedTransactionsNewCustomer(BTYD, 52), 1.444004)).toBeLessThan(1e-5);
    expect(rel(expectedTransactionsNewCustomer(BTYD, 78), 1.8576)).toBeLessThan(0.01);
  });

  it('matches the Hardie spreadsheet values of E[X(t)]', () => {
    const published: [number, number][] = [
      [0.1429, 0.0078],
      [1, 0.0532],
      [3, 0.1506],
      [31.8571, 1.0405],
      [32, 1.0437],
      [78, 1.8576],
    ];
    for (const [t, want] of published) expect(expectedTransactionsNewCustomer(BTYD, t)).toBeCloseTo(want, 3);
  });

  it('P(X(t) = n) matches the published values', () => {
    expect(rel(probabilityOfNPurchases(PAPER, 39, 0), 0.5737864)).toBeLessThan(1e-6);
    expect(rel(probabilityOfNPurchases(PAPER, 2, 10), 1.07869e-7)).toBeLessThan(1e-5);
    const published = [
      0.0019995214, 0.0015170236, 0.001163315, 0.0009003148, 0.0007023638, 0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613,
      0.000222226,
    ];
    published.forEach((want, i) => expect(rel(probabilityOfNPurchases(PAPER, 30, 11 + i), want)).toBeLessThan(1e-6));
  });

  it('P(X(t) = n) sums to 1 and its mean is E[X(t)]', () => {
    let total = 0;
    let mean = 0;
    for (let n = 0; n < 400; n++) {
      const p = probabilityOfNPurchases(BTYD, 39, n);
      total += p;
      mean += n * p;
    }
    expect(total).toBeCloseTo(1, 10);
    expect(mean).toBeCloseTo(expectedTransactionsNewCustomer(BTYD, 39), 8);
    expect(probabilityOfNPurchases(BTYD, 0, 0)).toBe(1);
    expect(probabilityOfNPurchases(BTYD, 0, 3)).toBe(0);
  });
});

describe('aggregate fit checks on CDNOW (BTYD walkthrough §4.3-4.4)', () => {
  it('holdout: mean E[Y(39)] by calibration frequency bin matches the published expected values', () => {
    const holdout = loadHoldoutCounts();
    const expectedByBin = [0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036];
    const actualByBin = [0.2367116, 0.6970387, 1.392523, 1.56, 2.532258, 2.947368, 3.862069, 6.359375];
    const sums = new Array<number>(8).fill(0);
    const actual = new Array<number>(8).fill(0);
    const counts = new Array<number>(8).fill(0);
    for (const c of customers) {
      const bin = Math.min(c.frequency, 7);
      sums[bin] = sums[bin]! + expectedTransactions(BTYD, c, 39);
      actual[bin] = actual[bin]! + holdout.get(c.customerId)!;
      counts[bin] = counts[bin]! + 1;
    }
    expect(counts).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
    for (let k = 0; k < 8; k++) {
      expect(rel(sums[k]! / counts[k]!, expectedByBin[k]!)).toBeLessThan(1e-4);
      expect(actual[k]! / counts[k]!).toBeCloseTo(actualByBin[k]!, 6);
    }
  });

  it('cumulative expected repeat transactions, weeks 20-25', () => {
    // Customer i is born s_i = max T − T_i weeks after 1997-01-01 and contributes E[X(w − s_i)].
    const maxT = Math.max(...customers.map((c) => c.T));
    const published = [1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6];
    published.forEach((want, i) => {
      const week = 20 + i;
      let total = 0;
      for (const c of customers) {
        const age = week - (maxT - c.T);
        if (age > 0) total += expectedTransactionsNewCustomer(BTYD, age);
      }
      expect(rel(total, want)).toBeLessThan(1e-5);
    });
  });
});

describe('numerical stability', () => {
  it('is finite and accurate for x in the hundreds', () => {
    const heavy = { frequency: 300, recency: 38, T: 39 };
    // References: the untransformed formula evaluated with 60-digit arithmetic (mpmath).
    expect(rel(expectedTransactions(BTYD, heavy, 52), 66.364697944237139)).toBeLessThan(1e-10);
    expect(rel(expectedTransactions(BTYD, heavy, 360), 220.16598297449735)).toBeLessThan(1e-10);
    expect(rel(probabilityAlive(BTYD, heavy), 0.2580215721692599)).toBeLessThan(1e-12);
    expect(Number.isFinite(bgnbdCustomerLogLikelihood(BTYD, heavy))).toBe(true);
    // Very stale heavy buyer: P(alive) underflows gracefully to ~0 instead of NaN.
    const stale = { frequency: 300, recency: 3, T: 39 };
    expect(probabilityAlive(BTYD, stale)).toBeGreaterThanOrEqual(0);
    expect(expectedTransactions(BTYD, stale, 52)).toBeLessThan(1e-100);
    expect(Number.isFinite(expectedTransactions(BTYD, { frequency: 3000, recency: 38.9, T: 39 }, 52))).toBe(true);
    expect(Number.isFinite(probabilityOfNPurchases(BTYD, 52, 300))).toBe(true);
  });

  it('handles a = 1 (removable singularity) continuously', () => {
    const c = { frequency: 3, recency: 10, T: 20 };
    const at = (a: number): number => expectedTransactions({ r: 0.5, alpha: 5, a, b: 2 }, c, 30);
    // 60-digit references just either side of a = 1.
    expect(at(1.000001)).toBeCloseTo(1.2063312713528443, 9);
    expect(at(0.999999)).toBeCloseTo(1.206333367388317, 9);
    expect(at(1)).toBeCloseTo((1.2063312713528443 + 1.206333367388317) / 2, 9);
    expect(expectedTransactionsNewCustomer({ r: 0.5, alpha: 5, a: 1, b: 2 }, 30)).toBeGreaterThan(0);
  });

  it('handles tiny and long horizons', () => {
    expect(rel(expectedTransactionsNewCustomer(BTYD, 0.001), 5.4963105051150781e-5)).toBeLessThan(1e-9);
    expect(Number.isFinite(expectedTransactionsNewCustomer(BTYD, 5000))).toBe(true);
  });

  it('rejects invalid input', () => {
    expect(() => probabilityAlive({ ...BTYD, r: 0 }, { frequency: 1, recency: 1, T: 2 })).toThrow(RangeError);
    expect(() => probabilityAlive(BTYD, { frequency: 1.5, recency: 1, T: 2 })).toThrow(RangeError);
    expect(() => probabilityAlive(BTYD, { frequency: 1, recency: 3, T: 2 })).toThrow(RangeError);
    expect(() => expectedTransactions(BTYD, { frequency: 1, recency: 1, T: 2 }, -1)).toThrow(RangeError);
    expect(() => probabilityOfNPurchases(BTYD, 1, -1)).toThrow(RangeError);
    expect(() => fitBgNbd([])).toThrow(RangeError);
  });
});

describe('parameters far from CDNOW', () => {
  // A real fit on generated data where dropout hardly varies between customers: a and b are huge.
  const nearlyFixedDropout = { r: 0.9839875, alpha: 6.2492605, a: 1554.41397, b: 101219.876756 };

  /** E[X(t)] by its definition, Σ n · P(X(t) = n), independent of the closed form. */
  const meanFromDistribution = (params: typeof nearlyFixedDropout, t: number) => {
    let mean = 0;
    for (let n = 1; n < 400; n++) mean += n * probabilityOfNPurchases(params, t, n);
    return mean;
  };

  it.each([1, 13, 52.1775, 104])('E[X(%p)] matches the mean of the count distribution when a is in the thousands', (t) => {
    const closed = expectedTransactionsNewCustomer(nearlyFixedDropout, t);
    expect(Number.isFinite(closed)).toBe(true);
    expect(closed).toBeCloseTo(meanFromDistribution(nearlyFixedDropout, t), 6);
  });

  it('E[X(t)] matches the mean of the count distribution for moderate a and b too', () => {
    const params = { r: 0.5, alpha: 3, a: 20, b: 300 };
    expect(expectedTransactionsNewCustomer(params, 40)).toBeCloseTo(meanFromDistribution(params, 40), 6);
  });

  it('gives finite conditional expectations for every history when a is in the thousands', () => {
    for (const x of [0, 1, 5, 30, 128, 400]) {
      const value = expectedTransactions(nearlyFixedDropout, { frequency: x, recency: x ? 50 : 0, T: 60 }, 52.1775);
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
  });
});
