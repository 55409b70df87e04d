import { reactivationPotential, type ReactivationInput } from './reactivation';

const base: ReactivationInput = {
  probabilityAlive: 0.2,
  expectedAverageSpend: 40,
  purchasesPerYear: 6,
  totalSpend: 800,
  purchaseDays: 20,
  daysSinceLastPurchase: 300,
  positiveResponses: 0,
  negativeSignals: 0,
};

describe('reactivationPotential', () => {
  it('spans 25 % to 60 % with P(alive) and values a year of former buying', () => {
    expect(reactivationPotential({ ...base, probabilityAlive: 0 }).comebackProbability).toBeCloseTo(0.25, 12);
    expect(reactivationPotential({ ...base, probabilityAlive: 1 }).comebackProbability).toBeCloseTo(0.6, 12);
    const r = reactivationPotential(base);
    expect(r.valueIfReactivated).toBeCloseTo(240, 12);
    expect(r.score).toBeCloseTo(r.comebackProbability * 240, 12);
    expect(r.reasons[0]).toBe('Bought on 20 days for 800.00 in total; nothing for 300 days.');
  });

  it('moves with recent responses and stays within bounds', () => {
    const up = reactivationPotential({ ...base, positiveResponses: 1 });
    const down = reactivationPotential({ ...base, negativeSignals: 2 });
    expect(up.comebackProbability).toBeCloseTo(reactivationPotential(base).comebackProbability + 0.1, 12);
    expect(down.comebackProbability).toBeLessThan(reactivationPotential(base).comebackProbability);
    expect(reactivationPotential({ ...base, probabilityAlive: 0, negativeSignals: 10 }).comebackProbability).toBe(0.02);
    expect(reactivationPotential({ ...base, probabilityAlive: 1, positiveResponses: 3 }).comebackProbability).toBeLessThanOrEqual(0.9);
    expect(up.reasons.some((r) => r.includes('interest'))).toBe(true);
  });

  it('values one-off buyers at one purchase at least', () => {
    expect(reactivationPotential({ ...base, purchasesPerYear: 0.5 }).valueIfReactivated).toBe(40);
  });

  it('refuses negative or non-finite input', () => {
    expect(() => reactivationPotential({ ...base, totalSpend: -1 })).toThrow(RangeError);
    expect(() => reactivationPotential({ ...base, probabilityAlive: 2 })).toThrow(RangeError);
  });
});
