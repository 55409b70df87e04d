/**
 * Cross-sell: which products a customer does not have yet are most often held by customers like
 * them. "Like them" means two things, blended:
 *
 * - co-ownership: among the holders of each product the customer holds, the share who also hold
 *   the candidate, combined over the customer's products as independent votes
 *   (1 − Π (1 − share));
 * - persona: the share of customers of the same buyer persona who hold the candidate.
 *
 * Shares are shrunk toward 0 with a prior of {@link SHRINKAGE} customers (k / (n + 5)), so a
 * product held by the only other customer of a tiny group does not score 100 %. The confidence is
 * the blended share: roughly "how many similar customers hold it", 0–1.
 *
 * Never recommended: anything the customer holds or has held (ACTIVE or CLOSED: a product given
 * up is a win-back conversation, not a cross-sell), and anything they recently declined.
 * Pure: the caller supplies the statistics and exclusions.
 */

/** Pseudo-count of non-holders added to every group before taking a share. */
export const SHRINKAGE = 5;

/** Holding statistics over the customer base (ACTIVE holdings). */
export interface CrossSellStats {
  /** Customers with at least one active holding. */
  totalCustomers: number;
  /** product → number of customers holding it. */
  holders: ReadonlyMap<string, number>;
  /** product i → (product j → customers holding both). */
  coHolders: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** persona → customers of that persona (with at least one active holding). */
  personaSize: ReadonlyMap<string, number>;
  /** persona → (product → customers of that persona holding it). */
  personaHolders: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Names for the explanations. */
  productName: (productId: string) => string;
  personaName: (personaId: string) => string;
}

/** The customer being recommended to. */
export interface CrossSellCustomer {
  /** Products held now (ACTIVE): the basis of co-ownership. */
  activeProductIds: readonly string[];
  /** Every product ever held (ACTIVE or CLOSED): never recommended. */
  ownedProductIds: ReadonlySet<string>;
  /** Products the customer declined recently: never recommended. */
  declinedProductIds: ReadonlySet<string>;
  personaId: string | null;
}

export interface CrossSellRecommendation {
  productId: string;
  /** Blended share of similar customers holding the product, 0–1. Ranking key. */
  confidence: number;
  reason: string;
}

const share = (k: number, n: number) => (n + SHRINKAGE > 0 ? k / (n + SHRINKAGE) : 0);
const pct = (v: number) => `${Math.round(v * 100)} %`;

/**
 * Ranks up to `first` products for one customer, best first (ties by product id).
 *
 * Weights: co-ownership 0.6 and persona 0.4 when both are known; with only one of them, that
 * signal 0.8 and overall popularity 0.2; with neither, popularity alone. Products with no
 * evidence at all (confidence 0) are left out.
 *
 * Contract: `first` an integer ≥ 0. The result never contains an owned or declined product.
 */
export function recommendProducts(customer: CrossSellCustomer, stats: CrossSellStats, first: number): CrossSellRecommendation[] {
  if (!Number.isInteger(first) || first < 0) throw new RangeError(`first must be an integer >= 0, got ${first}`);
  if (first === 0) return [];
  const basis = customer.activeProductIds.filter((p) => stats.holders.has(p));
  const persona = customer.personaId !== null && (stats.personaSize.get(customer.personaId) ?? 0) > 0 ? customer.personaId : null;
  const personaSize = persona ? stats.personaSize.get(persona)! : 0;
  const personaCounts = persona ? stats.personaHolders.get(persona) : undefined;

  const out: (CrossSellRecommendation & { sortKey: number })[] = [];
  for (const [candidate, holders] of stats.holders) {
    if (customer.ownedProductIds.has(candidate) || customer.declinedProductIds.has(candidate)) continue;
    // Co-ownership: product-by-product "votes", and the strongest one for the explanation.
    let miss = 1;
    let best: { product: string; both: number; of: number; share: number } | null = null;
    for (const held of basis) {
      const both = stats.coHolders.get(held)?.get(candidate) ?? 0;
      const of = stats.holders.get(held) ?? 0;
      const s = share(both, of);
      miss *= 1 - s;
      if (both > 0 && (best === null || s > best.share)) best = { product: held, both, of, share: s };
    }
    const coOwnership = basis.length > 0 ? 1 - miss : 0;
    const inPersona = personaCounts?.get(candidate) ?? 0;
    const personaShare = persona ? share(inPersona, personaSize) : 0;
    const popularity = share(holders, stats.totalCustomers);

    let confidence: number;
    if (basis.length > 0 && persona) confidence = 0.6 * coOwnership + 0.4 * personaShare;
    else if (basis.length > 0) confidence = 0.8 * coOwnership + 0.2 * popularity;
    else if (persona) confidence = 0.8 * personaShare + 0.2 * popularity;
    else confidence = popularity;
    if (!(confidence > 0)) continue;

    const reasons: string[] = [];
    if (best) reasons.push(`${best.both} of ${best.of} customers who hold ${stats.productName(best.product)} also hold it`);
    if (persona && inPersona > 0) reasons.push(`${inPersona} of ${personaSize} ${stats.personaName(persona)} customers hold it`);
    if (reasons.length === 0)
      reasons.push(`held by ${holders} of ${stats.totalCustomers} customers (${pct(holders / Math.max(stats.totalCustomers, 1))})`);
    out.push({
      productId: candidate,
      confidence,
      reason: `${capitalise(reasons.join('; '))}.`,
      sortKey: confidence,
    });
  }
  out.sort((u, v) => v.sortKey - u.sortKey || compareIds(u.productId, v.productId));
  return out.slice(0, first).map(({ productId, confidence, reason }) => ({ productId, confidence, reason }));
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Numeric ids compare as numbers (bigint strings), anything else as text. */
function compareIds(u: string, v: string): number {
  if (/^\d+$/.test(u) && /^\d+$/.test(v)) return u.length - v.length || (u < v ? -1 : u > v ? 1 : 0);
  return u < v ? -1 : u > v ? 1 : 0;
}
