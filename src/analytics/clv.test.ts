import { loadLifetimesSummary, loadRfmSummary } from '../../test/fixtures/cdnow/load';
import { fitBgNbd } from './bgnbd';
import { customerLifetimeValue, DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON_PERIODS, WEEKS_PER_MONTH } from './clv';
import { conditionalExpectedSpend, fitGammaGamma } from './gamma-gamma';

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

/** lifetimes docs (Quickstart): customer_lifetime_value(time=12, discount_rate=0.01) on weekly data. */
const PUBLISHED_CLV = [140.096211, 18.943467, 38.180574, 38.180574, 38.180574, 1003.868107, 28.109683, 38.180574, 167.418216, 38.180574];
// lifetimes' default "month" is 30 model units, i.e. 30 weeks on this weekly data.
const LIFETIMES_EXAMPLE = { horizonPeriods: 12, periodLength: 30, discountRate: 0.01 };

describe('customerLifetimeValue: lifetimes example (Δ = 30 weeks, K = 12, d = 0.01)', () => {
  it('reproduces customers 1-10 with both models fitted on the 2-decimal file', () => {
    const data = loadLifetimesSummary();
    const bgnbd = fitBgNbd(data).params;
    const gammaGamma = fitGammaGamma(data).params;
    data.slice(0, 10).forEach((customer, i) => {
      const { value } = customerLifetimeValue({ bgnbd, gammaGamma, customer, ...LIFETIMES_EXAMPLE });
      expect(rel(value, PUBLISHED_CLV[i]!)).toBeLessThan(1e-5);
    });
  });

  it('is within 0.1 % with fits on the exact summary', () => {
    const data = loadRfmSummary();
    const bgnbd = fitBgNbd(data).params;
    const gammaGamma = fitGammaGamma(data).params;
    data.slice(0, 10).forEach((customer, i) => {
      const { value } = customerLifetimeValue({ bgnbd, gammaGamma, customer, ...LIFETIMES_EXAMPLE });
      expect(rel(value, PUBLISHED_CLV[i]!)).toBeLessThan(1e-3);
    });
  });
});

describe('customerLifetimeValue conventions', () => {
  const bgnbd = { r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 };
  const gammaGamma = { p: 6.25, q: 3.74, gamma: 15.44 };
  const customer = { frequency: 2, recency: 30.428571, T: 38.857143, monetaryValue: 22.345 };

  it('defaults to 12 monthly periods (in weeks) at 1 % per month', () => {
    expect(WEEKS_PER_MONTH).toBeCloseTo(4.348, 3);
    expect(DEFAULT_HORIZON_PERIODS).toBe(12);
    expect(DEFAULT_DISCOUNT_RATE).toBe(0.01);
    const explicit = customerLifetimeValue({
      bgnbd,
      gammaGamma,
      customer,
      horizonPeriods: 12,
      periodLength: WEEKS_PER_MONTH,
      discountRate: 0.01,
    });
    expect(customerLifetimeValue({ bgnbd, gammaGamma, customer })).toEqual(explicit);
  });

  it('without discounting equals E(Z|z̄,x) · E[Y(KΔ)], and discounting lowers it', () => {
    const flat = customerLifetimeValue({ bgnbd, gammaGamma, customer, discountRate: 0 });
    expect(flat.discountedTransactions).toBeCloseTo(flat.expectedTransactions, 12);
    expect(flat.value).toBeCloseTo(conditionalExpectedSpend(gammaGamma, 2, 22.345) * flat.expectedTransactions, 10);
    const discounted = customerLifetimeValue({ bgnbd, gammaGamma, customer });
    expect(discounted.value).toBeLessThan(flat.value);
    expect(discounted.expectedTransactions).toBe(flat.expectedTransactions);
  });

  it('is 0 for a zero horizon and finite for a heavy buyer', () => {
    expect(customerLifetimeValue({ bgnbd, gammaGamma, customer, horizonPeriods: 0 }).value).toBe(0);
    const heavy = { frequency: 300, recency: 38, T: 39, monetaryValue: 50 };
    const res = customerLifetimeValue({ bgnbd, gammaGamma, customer: heavy, ...LIFETIMES_EXAMPLE });
    expect(Number.isFinite(res.value)).toBe(true);
    expect(res.value).toBeGreaterThan(0);
  });

  it('validates its options', () => {
    expect(() => customerLifetimeValue({ bgnbd, gammaGamma, customer, horizonPeriods: 1.5 })).toThrow(RangeError);
    expect(() => customerLifetimeValue({ bgnbd, gammaGamma, customer, periodLength: 0 })).toThrow(RangeError);
    expect(() => customerLifetimeValue({ bgnbd, gammaGamma, customer, discountRate: -1 })).toThrow(RangeError);
  });
});
