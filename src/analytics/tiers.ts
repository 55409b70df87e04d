/**
 * Value tiers: VIP (top 20 % by value), CORE (middle 60 %), LOW (bottom 20 %).
 *
 * Placement uses the midpoint rank percentile (i + ½) / n of the customer at 0-based rank i
 * (highest value first): VIP when ≤ 0.2, LOW when > 0.8, CORE otherwise. This gives exact
 * 20/60/20 splits whenever n is a multiple of 5, rounds the tier sizes to the nearest whole
 * customer otherwise (n = 5 → 1/3/1, n = 3 → 1/1/1), and puts very small groups (n ≤ 2) in CORE
 * rather than labelling a lone customer "VIP" or "LOW".
 */

export type ValueTier = 'VIP' | 'CORE' | 'LOW';

/** Tiers in display order, best first. */
export const VALUE_TIERS: readonly ValueTier[] = ['VIP', 'CORE', 'LOW'];

/** A customer's value to rank (e.g. CLV). */
export interface ValuedItem<Id extends string | number = string | number> {
  id: Id;
  value: number;
}

/** A ranked customer with its tier. */
export interface TierAssignment<Id extends string | number = string | number> {
  id: Id;
  value: number;
  /** 1-based rank, 1 = highest value. */
  rank: number;
  tier: ValueTier;
}

/** Per-tier totals. */
export interface TierSummary {
  tier: ValueTier;
  count: number;
  /** count / number of customers (0 when there are none). */
  countShare: number;
  /** Σ value of the tier. */
  value: number;
  /** value / total (0 when the total is 0). */
  valueShare: number;
}

/**
 * Orders ids deterministically and independently of locale: numbers numerically, then strings
 * by UTF-16 code units.
 */
function compareIds(u: string | number, v: string | number): number {
  if (typeof u === 'number' && typeof v === 'number') return u - v;
  if (typeof u === 'number') return -1;
  if (typeof v === 'number') return 1;
  return u < v ? -1 : u > v ? 1 : 0;
}

/**
 * Ranks customers by value (descending; equal values by ascending id) and assigns VIP / CORE /
 * LOW tiers by midpoint rank percentile (see the module comment).
 *
 * Contract: every value finite (RangeError otherwise); ids should be unique (duplicates are
 * ranked but then tie-break arbitrarily among themselves). Returns a new array in rank order;
 * the input is not modified. n = 0 returns [].
 */
export function assignValueTiers<Id extends string | number>(values: readonly ValuedItem<Id>[]): TierAssignment<Id>[] {
  values.forEach((v, i) => {
    if (!Number.isFinite(v.value)) throw new RangeError(`assignValueTiers: value #${i} must be finite, got ${v.value}`);
  });
  const n = values.length;
  const ranked = values.slice().sort((u, v) => v.value - u.value || compareIds(u.id, v.id));
  return ranked.map((item, i) => {
    // (i + ½)/n ≤ 1/5 ⇔ 5(2i+1) ≤ 2n, and > 4/5 ⇔ 5(2i+1) > 8n. Integer tests, so no rounding
    // surprises; an odd number never equals an even one, so no boundary ties can occur.
    const scaled = 5 * (2 * i + 1);
    const tier: ValueTier = scaled <= 2 * n ? 'VIP' : scaled > 8 * n ? 'LOW' : 'CORE';
    return { id: item.id, value: item.value, rank: i + 1, tier };
  });
}

/**
 * Counts and value shares per tier, in the order VIP, CORE, LOW (every tier present, possibly
 * with count 0).
 *
 * Contract: `total` is the denominator of valueShare; it defaults to the sum of all assignment
 * values and may be given explicitly (e.g. total revenue including customers not ranked). A zero
 * denominator gives shares of 0 instead of NaN.
 */
export function summarizeTiers(assignments: readonly { tier: ValueTier; value: number }[], total?: number): TierSummary[] {
  const counts = new Map<ValueTier, number>(VALUE_TIERS.map((t) => [t, 0]));
  const sums = new Map<ValueTier, number>(VALUE_TIERS.map((t) => [t, 0]));
  let all = 0;
  for (const a of assignments) {
    counts.set(a.tier, counts.get(a.tier)! + 1);
    sums.set(a.tier, sums.get(a.tier)! + a.value);
    all += a.value;
  }
  const denominator = total ?? all;
  const n = assignments.length;
  return VALUE_TIERS.map((tier) => {
    const count = counts.get(tier)!;
    const value = sums.get(tier)!;
    return {
      tier,
      count,
      countShare: n > 0 ? count / n : 0,
      value,
      valueShare: denominator !== 0 ? value / denominator : 0,
    };
  });
}
