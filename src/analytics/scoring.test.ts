import { probabilityAlive } from './bgnbd';
import { createScorer, scoreCustomer, shrunkGapDays, tierFromCutoffs, type CustomerFeatures, type ScoringModel } from './scoring';

// The published CDNOW parameters (weeks).
const model: ScoringModel = {
  bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
  timeUnitDays: 7,
  typicalGapDays: 40,
  horizonMonths: 12,
  discountRatePerMonth: 0.01,
};

const features = (over: Partial<CustomerFeatures> = {}): CustomerFeatures => ({
  customerId: '1',
  scoreDay: 10_000,
  purchaseDays: 3,
  firstPurchaseDay: 10_000 - 272,
  lastPurchaseDay: 10_000 - 59,
  totalSpend: 29.33 + 29.73 + 14.96,
  repeatSpend: 29.73 + 14.96,
  recentSpend: 14.96,
  earlierSpend: 29.73 + 29.33,
  activeProducts: 0,
  closedRecently: 0,
  closedEarlier: 0,
  lapsedProducts: 0,
  complaints: 0,
  negativeResponses: 0,
  unansweredOutreach: 0,
  positiveResponses: 0,
  daysSinceLastOutreach: null,
  ...over,
});

describe('scoreCustomer', () => {
  it('feeds the models x, t_x and T in model units (CDNOW customer 1)', () => {
    const s = scoreCustomer(model, features());
    expect(s.frequency).toBe(2);
    expect(s.recency).toBeCloseTo(213 / 7, 12);
    expect(s.age).toBeCloseTo(272 / 7, 12);
    expect(s.monetaryValue).toBeCloseTo((29.73 + 14.96) / 2, 12);
    expect(s.probabilityAlive).toBeCloseTo(probabilityAlive(model.bgnbd, { frequency: 2, recency: 213 / 7, T: 272 / 7 }), 12);
    expect(s.probabilityAlive).toBeCloseTo(0.7266, 3);
    // Gamma-Gamma: p (γ + x z̄) / (p x + q − 1).
    expect(s.expectedAverageSpend).toBeCloseTo((6.25 * (15.44 + 2 * s.monetaryValue)) / (6.25 * 2 + 3.74 - 1), 10);
    expect(s.expectedSpend).toBeCloseTo(s.expectedPurchases * s.expectedAverageSpend, 10);
    expect(s.predictedValue).toBeGreaterThan(0);
    expect(s.predictedValue).toBeLessThan(s.expectedSpend);
  });

  it('a customer who stopped buying long ago scores higher risk and lower value than a steady one', () => {
    const steady = scoreCustomer(
      model,
      features({
        purchaseDays: 20,
        firstPurchaseDay: 10_000 - 500,
        lastPurchaseDay: 10_000 - 10,
        repeatSpend: 19 * 30,
        totalSpend: 600,
        recentSpend: 200,
        earlierSpend: 300,
        daysSinceLastOutreach: 20,
      }),
    );
    const gone = scoreCustomer(
      model,
      features({
        purchaseDays: 20,
        firstPurchaseDay: 10_000 - 500,
        lastPurchaseDay: 10_000 - 250,
        repeatSpend: 19 * 30,
        totalSpend: 600,
        recentSpend: 0,
        earlierSpend: 600,
        daysSinceLastOutreach: 20,
      }),
    );
    expect(gone.risk.score).toBeGreaterThan(steady.risk.score);
    expect(steady.risk.level).toBe('LOW');
    expect(['HIGH', 'CRITICAL']).toContain(gone.risk.level);
    expect(gone.predictedValue).toBeLessThan(steady.predictedValue);
    expect(gone.reactivation.comebackProbability).toBeLessThan(steady.reactivation.comebackProbability);
  });

  it('refuses features that cannot be a purchase history', () => {
    expect(() => scoreCustomer(model, features({ purchaseDays: 0 }))).toThrow(RangeError);
    expect(() => scoreCustomer(model, features({ lastPurchaseDay: 10_001 }))).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('shrinks a short history toward the population gap', () => {
    expect(shrunkGapDays(0, 0, 40)).toBe(40);
    expect(shrunkGapDays(1, 10, 40)).toBe(25);
    expect(shrunkGapDays(9, 90, 40)).toBe(13);
  });

  it('places re-scored customers with the last cut-offs', () => {
    expect(tierFromCutoffs(100, 80, 10)).toBe('VIP');
    expect(tierFromCutoffs(80, 80, 10)).toBe('VIP');
    expect(tierFromCutoffs(50, 80, 10)).toBe('CORE');
    expect(tierFromCutoffs(10, 80, 10)).toBe('LOW');
    expect(tierFromCutoffs(10, null, null)).toBe('CORE');
    // All values equal: nobody is both.
    expect(tierFromCutoffs(5, 5, 5)).toBe('LOW');
  });
});

describe('createScorer', () => {
  it('gives exactly what scoreCustomer gives, whether customers share a purchase summary or not', () => {
    const score = createScorer(model);
    const customers = [
      features(),
      // Same (x, t_x, T) as the first, other spend and signals: shares the purchase outlook, not the spend.
      features({ customerId: '2', repeatSpend: 100, totalSpend: 150, complaints: 2 }),
      features({ customerId: '3', purchaseDays: 1, lastPurchaseDay: 10_000 - 272, repeatSpend: 0 }),
      features({ customerId: '4', purchaseDays: 1, lastPurchaseDay: 10_000 - 272, repeatSpend: 0, totalSpend: 5 }),
      features({ customerId: '5', purchaseDays: 7, firstPurchaseDay: 10_000 - 700, lastPurchaseDay: 10_000 - 3 }),
    ];
    for (const f of [...customers, ...customers]) expect(score(f)).toEqual(scoreCustomer(model, f));
  });

  it('values a customer exactly as the full score does, before or after it (the memo shared)', () => {
    const score = createScorer(model);
    const customers = [
      features(),
      features({ customerId: '2', repeatSpend: 100, totalSpend: 150 }),
      features({ customerId: '3', purchaseDays: 1, lastPurchaseDay: 10_000 - 272, repeatSpend: 0 }),
    ];
    for (const f of customers) expect(Object.is(score.predictedValue(f), scoreCustomer(model, f).predictedValue)).toBe(true);
    for (const f of customers) expect(Object.is(score.predictedValue(f), score(f).predictedValue)).toBe(true);
    expect(() => score.predictedValue(features({ purchaseDays: 0 }))).toThrow(RangeError);
  });

  it('keeps summaries apart that a numeric memo key could confuse', () => {
    const score = createScorer(model);
    // Fractional days and a huge x take the string key; the neighbours the numeric one.
    const customers = [
      features({ customerId: '6', firstPurchaseDay: 10_000 - 272.5 }),
      features({ customerId: '7', firstPurchaseDay: 10_000 - 272 }),
      features({ customerId: '8', purchaseDays: 3000, repeatSpend: 3000 * 20, totalSpend: 3000 * 20 + 5 }),
      features({ customerId: '9', purchaseDays: 3000 - 2048, repeatSpend: 952 * 20, totalSpend: 952 * 20 + 5 }),
      features({ customerId: '10', lastPurchaseDay: 10_000 - 58 }),
    ];
    for (const f of [...customers, ...customers]) expect(score(f)).toEqual(scoreCustomer(model, f));
  });
});
