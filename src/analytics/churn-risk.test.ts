import { assessChurnRisk, isHighRisk, overdueRisk, productLoss, riskLevel, spendDecline, type ChurnSignals } from './churn-risk';

const steady: ChurnSignals = {
  probabilityAlive: 0.97,
  repeatPurchases: 12,
  daysSinceLastPurchase: 20,
  typicalGapDays: 30,
  activeProducts: 3,
  closedRecently: 0,
  closedEarlier: 0,
  lapsedProducts: 0,
  recentSpend: 600,
  recentDays: 180,
  earlierSpend: 1200,
  earlierDays: 360,
  complaints: 0,
  negativeResponses: 0,
  unansweredOutreach: 0,
  daysSinceLastOutreach: 30,
};

describe('riskLevel', () => {
  it('maps the documented thresholds', () => {
    expect([0, 0.2499, 0.25, 0.4999, 0.5, 0.7499, 0.75, 1].map(riskLevel)).toEqual([
      'LOW',
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'HIGH',
      'CRITICAL',
      'CRITICAL',
    ]);
    expect(isHighRisk('HIGH')).toBe(true);
    expect(isHighRisk('MEDIUM')).toBe(false);
  });
});

describe('component signals', () => {
  it('overdue risk is 0 while on schedule and rises after', () => {
    expect(overdueRisk(30, 30)).toBe(0);
    expect(overdueRisk(60, 30)).toBeCloseTo(1 - Math.exp(-1 / 3), 12);
    expect(overdueRisk(210, 30)).toBeGreaterThan(0.85);
  });

  it('product loss weighs recent closures fully, old ones half, lapsed 0.75', () => {
    expect(productLoss({ activeProducts: 3, closedRecently: 2, closedEarlier: 0, lapsedProducts: 0 })).toBeCloseTo(0.4, 12);
    expect(productLoss({ activeProducts: 3, closedRecently: 0, closedEarlier: 2, lapsedProducts: 0 })).toBeCloseTo(0.2, 12);
    expect(productLoss({ activeProducts: 4, closedRecently: 0, closedEarlier: 0, lapsedProducts: 1 })).toBeCloseTo(0.1875, 12);
    expect(productLoss({ activeProducts: 0, closedRecently: 0, closedEarlier: 0, lapsedProducts: 0 })).toBe(0);
  });

  it('spend decline compares daily rates and needs enough earlier history', () => {
    expect(spendDecline({ recentSpend: 100, recentDays: 180, earlierSpend: 400, earlierDays: 360 })).toBeCloseTo(0.5, 12);
    expect(spendDecline({ recentSpend: 500, recentDays: 180, earlierSpend: 400, earlierDays: 360 })).toBe(0);
    expect(spendDecline({ recentSpend: 0, recentDays: 180, earlierSpend: 400, earlierDays: 60 })).toBe(0);
  });
});

describe('assessChurnRisk', () => {
  it('rates a steady customer LOW and a drifting one HIGH or worse', () => {
    const low = assessChurnRisk(steady);
    const drifting = assessChurnRisk({
      ...steady,
      probabilityAlive: 0.3,
      daysSinceLastPurchase: 150,
      closedRecently: 1,
      closedRecentlyNames: ['Gold card'],
      recentSpend: 50,
      negativeResponses: 1,
      unansweredOutreach: 2,
    });
    expect(low.level).toBe('LOW');
    expect(isHighRisk(drifting.level)).toBe(true);
    expect(drifting.score).toBeGreaterThan(low.score);
    expect(drifting.kinds.find((k) => k.kind === 'PRODUCT_CHURN')!.explanation).toContain('Gold card');
    expect(drifting.kinds.find((k) => k.kind === 'DECREASED_SPEND')!.explanation).toMatch(/^Spending fell by \d+ %/);
  });

  it('contributions are non-negative and sum to the score', () => {
    const r = assessChurnRisk({ ...steady, probabilityAlive: 0.6, complaints: 2, lapsedProducts: 1, daysSinceLastOutreach: null });
    const sum = r.factors.reduce((s, f) => s + f.contribution, 0);
    expect(sum).toBeCloseTo(r.score, 12);
    for (const f of r.factors) expect(f.contribution).toBeGreaterThanOrEqual(0);
    expect(r.factors.map((f) => f.name)).toEqual([
      'dropoutProbability',
      'overdueRatio',
      'productLoss',
      'spendDecline',
      'complaints',
      'negativeResponses',
      'unansweredOutreach',
      'noRecentContact',
      'optedOutEverywhere',
    ]);
  });

  it('counts "opted out everywhere" as evidence of account churn, in the factor, the kind score and its explanation', () => {
    const before = assessChurnRisk(steady);
    const after = assessChurnRisk({ ...steady, optedOutEverywhere: true });
    const kind = (r: typeof before) => r.kinds.find((k) => k.kind === 'ACCOUNT_CHURN')!;
    expect(after.score).toBeGreaterThan(before.score);
    expect(kind(after).score).toBeGreaterThan(kind(before).score);
    expect(kind(after).explanation).toMatch(/opted out of marketing on every channel/i);
    expect(kind(before).explanation).not.toMatch(/opted out/i);
    expect(after.factors.find((f) => f.name === 'optedOutEverywhere')).toMatchObject({ value: 1 });
    expect(after.factors.find((f) => f.name === 'optedOutEverywhere')!.contribution).toBeGreaterThan(0);
    expect(before.factors.find((f) => f.name === 'optedOutEverywhere')!.value).toBe(0);
    expect(before.factors.find((f) => f.name === 'optedOutEverywhere')!.contribution).toBeCloseTo(0, 12);
  });

  it('combines warnings as a noisy OR: more evidence never lowers the score', () => {
    let prev = assessChurnRisk(steady).score;
    for (const extra of [
      { complaints: 1 },
      { complaints: 2 },
      { complaints: 2, unansweredOutreach: 3 },
      { complaints: 2, unansweredOutreach: 3, probabilityAlive: 0.5 },
    ]) {
      const next = assessChurnRisk({ ...steady, ...extra }).score;
      expect(next).toBeGreaterThan(prev);
      prev = next;
    }
    expect(prev).toBeLessThan(1);
  });

  it('flags a one-time buyer who never came back through recency, since the BG/NBD deems them alive', () => {
    const r = assessChurnRisk({
      ...steady,
      probabilityAlive: 1,
      repeatPurchases: 0,
      daysSinceLastPurchase: 400,
      typicalGapDays: 40,
      earlierSpend: 0,
      earlierDays: 0,
      recentSpend: 0,
    });
    expect(r.kinds[0]).toMatchObject({ kind: 'ACCOUNT_CHURN' });
    expect(r.kinds[0]!.score).toBeGreaterThan(0.9);
    expect(r.kinds[0]!.explanation).toMatch(/^Bought once and never came back/);
    expect(r.level).toBe('CRITICAL');
  });

  it('refuses impossible signals', () => {
    expect(() => assessChurnRisk({ ...steady, probabilityAlive: 1.2 })).toThrow(RangeError);
    expect(() => assessChurnRisk({ ...steady, complaints: -1 })).toThrow(RangeError);
    expect(() => assessChurnRisk({ ...steady, recentSpend: Number.NaN })).toThrow(RangeError);
  });
});
