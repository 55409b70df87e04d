import { assignValueTiers, summarizeTiers, type ValueTier } from './tiers';

const tiersOf = (n: number): ValueTier[] =>
  assignValueTiers(Array.from({ length: n }, (_, i) => ({ id: i, value: n - i }))).map((a) => a.tier);
const count = (tiers: ValueTier[], t: ValueTier): number => tiers.filter((x) => x === t).length;

describe('assignValueTiers', () => {
  it('splits 20/60/20 by value, highest first', () => {
    const values = Array.from({ length: 100 }, (_, i) => ({ id: `c${i}`, value: (i * 37) % 100 }));
    const out = assignValueTiers(values);
    expect(out.map((a) => a.rank)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(
      count(
        out.map((a) => a.tier),
        'VIP',
      ),
    ).toBe(20);
    expect(
      count(
        out.map((a) => a.tier),
        'CORE',
      ),
    ).toBe(60);
    expect(
      count(
        out.map((a) => a.tier),
        'LOW',
      ),
    ).toBe(20);
    const minVip = Math.min(...out.filter((a) => a.tier === 'VIP').map((a) => a.value));
    const maxCore = Math.max(...out.filter((a) => a.tier === 'CORE').map((a) => a.value));
    expect(minVip).toBeGreaterThan(maxCore);
  });

  it('breaks ties by ascending id, independent of input order', () => {
    const values = [
      { id: 'b', value: 5 },
      { id: 'a', value: 5 },
      { id: 'c', value: 5 },
      { id: 'd', value: 1 },
      { id: 'e', value: 9 },
    ];
    const expected = ['e', 'a', 'b', 'c', 'd'];
    expect(assignValueTiers(values).map((a) => a.id)).toEqual(expected);
    expect(assignValueTiers(values.slice().reverse()).map((a) => a.id)).toEqual(expected);
    // Numeric ids sort numerically (10 after 9), not as strings.
    expect(
      assignValueTiers([
        { id: 10, value: 1 },
        { id: 9, value: 1 },
      ]).map((a) => a.id),
    ).toEqual([9, 10]);
  });

  it('handles small n', () => {
    expect(assignValueTiers([])).toEqual([]);
    expect(tiersOf(1)).toEqual(['CORE']);
    expect(tiersOf(2)).toEqual(['CORE', 'CORE']);
    expect(tiersOf(3)).toEqual(['VIP', 'CORE', 'LOW']);
    expect(tiersOf(5)).toEqual(['VIP', 'CORE', 'CORE', 'CORE', 'LOW']);
    expect(tiersOf(10)).toEqual(['VIP', 'VIP', 'CORE', 'CORE', 'CORE', 'CORE', 'CORE', 'CORE', 'LOW', 'LOW']);
  });

  it('VIP and LOW sizes are round(n/5) for every n', () => {
    for (let n = 0; n <= 60; n++) {
      const tiers = tiersOf(n);
      const expected = Math.floor((2 * n + 5) / 10); // n/5 rounded half up
      expect(count(tiers, 'VIP')).toBe(expected);
      expect(count(tiers, 'LOW')).toBe(expected);
      expect(count(tiers, 'CORE')).toBe(n - 2 * expected);
    }
  });

  it('does not mutate its input and rejects non-finite values', () => {
    const values = [
      { id: 2, value: 1 },
      { id: 1, value: 2 },
    ];
    const copy = JSON.parse(JSON.stringify(values));
    assignValueTiers(values);
    expect(values).toEqual(copy);
    expect(() => assignValueTiers([{ id: 1, value: Number.NaN }])).toThrow(RangeError);
  });
});

describe('summarizeTiers', () => {
  it('counts customers and shares of value per tier', () => {
    const assigned = assignValueTiers(Array.from({ length: 10 }, (_, i) => ({ id: i, value: i + 1 })));
    const summary = summarizeTiers(assigned);
    expect(summary.map((s) => s.tier)).toEqual(['VIP', 'CORE', 'LOW']);
    expect(summary.map((s) => s.count)).toEqual([2, 6, 2]);
    expect(summary.map((s) => s.countShare)).toEqual([0.2, 0.6, 0.2]);
    expect(summary.map((s) => s.value)).toEqual([19, 33, 3]);
    expect(summary[0]!.valueShare).toBeCloseTo(19 / 55, 12);
    expect(summary.reduce((s, t) => s + t.valueShare, 0)).toBeCloseTo(1, 12);
    // An explicit total, e.g. revenue of all customers including unranked ones.
    expect(summarizeTiers(assigned, 110)[0]!.valueShare).toBeCloseTo(19 / 110, 12);
  });

  it('returns zero counts and shares for empty input or a zero total', () => {
    expect(summarizeTiers([])).toEqual([
      { tier: 'VIP', count: 0, countShare: 0, value: 0, valueShare: 0 },
      { tier: 'CORE', count: 0, countShare: 0, value: 0, valueShare: 0 },
      { tier: 'LOW', count: 0, countShare: 0, value: 0, valueShare: 0 },
    ]);
    expect(summarizeTiers([{ tier: 'VIP', value: 0 }])[0]!.valueShare).toBe(0);
  });
});
