import { recommendProducts, SHRINKAGE, type CrossSellCustomer, type CrossSellStats } from './cross-sell';

/** Builds statistics from explicit holdings, the way the service's SQL does. */
function statsFrom(customers: { persona: string | null; products: string[] }[]): CrossSellStats {
  const holders = new Map<string, number>();
  const coHolders = new Map<string, Map<string, number>>();
  const personaSize = new Map<string, number>();
  const personaHolders = new Map<string, Map<string, number>>();
  let total = 0;
  for (const c of customers) {
    if (c.products.length === 0) continue;
    total++;
    if (c.persona) personaSize.set(c.persona, (personaSize.get(c.persona) ?? 0) + 1);
    for (const p of c.products) {
      holders.set(p, (holders.get(p) ?? 0) + 1);
      if (c.persona) {
        const m = personaHolders.get(c.persona) ?? new Map<string, number>();
        m.set(p, (m.get(p) ?? 0) + 1);
        personaHolders.set(c.persona, m);
      }
      const row = coHolders.get(p) ?? new Map<string, number>();
      for (const q of c.products) if (q !== p) row.set(q, (row.get(q) ?? 0) + 1);
      coHolders.set(p, row);
    }
  }
  return {
    totalCustomers: total,
    holders,
    coHolders,
    personaSize,
    personaHolders,
    productName: (id) => `P${id}`,
    personaName: (id) => `Persona ${id}`,
  };
}

const customer = (active: string[], extra: Partial<CrossSellCustomer> = {}): CrossSellCustomer => ({
  activeProductIds: active,
  ownedProductIds: new Set(active),
  declinedProductIds: new Set(),
  personaId: null,
  ...extra,
});

describe('recommendProducts', () => {
  const base = statsFrom([
    ...Array.from({ length: 10 }, () => ({ persona: 'a', products: ['1', '2'] })),
    ...Array.from({ length: 5 }, () => ({ persona: 'b', products: ['1', '3'] })),
    ...Array.from({ length: 5 }, () => ({ persona: 'b', products: ['4'] })),
  ]);

  it('ranks by co-ownership with shrunk shares and explains with counts', () => {
    const recs = recommendProducts(customer(['1']), base, 5);
    expect(recs.map((r) => r.productId)).toEqual(['2', '3', '4']);
    // 10 of the 15 holders of product 1 also hold 2: share 10 / (15 + 5).
    expect(recs[0]!.confidence).toBeCloseTo(0.8 * (10 / (15 + SHRINKAGE)) + 0.2 * (10 / (20 + SHRINKAGE)), 12);
    expect(recs[0]!.reason).toBe('10 of 15 customers who hold P1 also hold it.');
  });

  it('uses the persona when the customer holds nothing yet', () => {
    const recs = recommendProducts(customer([], { personaId: 'b' }), base, 2);
    expect(recs.map((r) => r.productId)).toEqual(['1', '3']); // 3 and 4 tie; the lower id wins
    expect(recs[0]!.reason).toContain('of 10 Persona b customers hold it');
  });

  it('never offers owned (active or closed) or declined products', () => {
    const recs = recommendProducts(customer(['1'], { ownedProductIds: new Set(['1', '2']), declinedProductIds: new Set(['3']) }), base, 10);
    expect(recs.map((r) => r.productId)).toEqual(['4']);
  });

  it('returns nothing for first = 0 and refuses a negative first', () => {
    expect(recommendProducts(customer(['1']), base, 0)).toEqual([]);
    expect(() => recommendProducts(customer(['1']), base, -1)).toThrow(RangeError);
  });

  it('property: over many random bases and customers, no owned or declined product is ever returned', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 200; round++) {
      const nProducts = 2 + Math.floor(rnd() * 12);
      const people = Array.from({ length: 5 + Math.floor(rnd() * 40) }, () => ({
        persona: rnd() < 0.8 ? String(Math.floor(rnd() * 3)) : null,
        products: Array.from({ length: nProducts }, (_, i) => String(i + 1)).filter(() => rnd() < 0.35),
      }));
      const stats = statsFrom(people);
      const target = people[Math.floor(rnd() * people.length)]!;
      const closed = Array.from({ length: nProducts }, (_, i) => String(i + 1)).filter((p) => !target.products.includes(p) && rnd() < 0.2);
      const declined = new Set(Array.from({ length: nProducts }, (_, i) => String(i + 1)).filter(() => rnd() < 0.1));
      const owned = new Set([...target.products, ...closed]);
      const recs = recommendProducts(
        { activeProductIds: target.products, ownedProductIds: owned, declinedProductIds: declined, personaId: target.persona },
        stats,
        20,
      );
      for (const r of recs) {
        expect(owned.has(r.productId)).toBe(false);
        expect(declined.has(r.productId)).toBe(false);
        expect(r.confidence).toBeGreaterThan(0);
        expect(r.confidence).toBeLessThanOrEqual(1);
      }
      for (let i = 1; i < recs.length; i++) expect(recs[i - 1]!.confidence).toBeGreaterThanOrEqual(recs[i]!.confidence);
    }
  });
});
