import { ALL_STAGES, AUTOMATIC_MOVES, canTransition, LifecycleStage, StageChangeTrigger } from '../../modules/lifecycle/stages';
import { Channel, TouchpointResponse } from '../../modules/touchpoints/touchpoint.enums';
import { PRODUCTS } from './catalogue';
import { cohorts, COHORT_SIZE, generateCohort, generateCustomer, type GeneratedCustomer, type GeneratedReferral } from './generate';
import { planStagePath, stageTimes } from './journey';
import { hashSeed, mulberry32, Rng } from './random';

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

function population(seed: string | number, total: number): { customers: GeneratedCustomer[]; referrals: GeneratedReferral[] } {
  const customers: GeneratedCustomer[] = [];
  const referrals: GeneratedReferral[] = [];
  for (const { start, count } of cohorts(total)) {
    const c = generateCohort(seed, start, count, NOW);
    customers.push(...c.customers);
    referrals.push(...c.referrals);
  }
  return { customers, referrals };
}

describe('random source', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 50 }, a);
    expect(Array.from({ length: 50 }, b)).toEqual(seqA);
    expect(Array.from({ length: 50 }, c)).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('hashes seed parts so neighbours differ', () => {
    expect(hashSeed('x', 1)).toBe(hashSeed('x', 1));
    expect(hashSeed('x', 1)).not.toBe(hashSeed('x', 2));
    expect(hashSeed('x', 12)).not.toBe(hashSeed('x1', 2));
  });

  it('never picks a zero weight and follows the weights', () => {
    const rng = new Rng(7);
    const seen: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 4000; i++) seen[rng.weighted({ a: 3, b: 1, c: 0 })]++;
    expect(seen.c).toBe(0);
    expect(seen.a / seen.b).toBeGreaterThan(2.4);
    expect(seen.a / seen.b).toBeLessThan(3.6);
  });
});

describe('journeys', () => {
  it.each(ALL_STAGES)('reaches %s from IDENTIFIED through allowed moves only', (target) => {
    for (let seed = 0; seed < 300; seed++) {
      const path = planStagePath(new Rng(seed), target);
      expect(path[0]).toBe(LifecycleStage.IDENTIFIED);
      expect(path[path.length - 1]).toBe(target);
      for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1], path[i])).toBe(true);
    }
  });

  it('dates stages strictly in order and before now', () => {
    const rng = new Rng(3);
    const path = planStagePath(rng, LifecycleStage.REACTIVATED);
    const times = stageTimes(rng, path, NOW.getTime());
    expect(times).toHaveLength(path.length);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(times[times.length - 1]).toBeLessThan(NOW.getTime());
    expect(NOW.getTime() - times[0]).toBeLessThanOrEqual(5 * 365 * DAY + DAY);
  });
});

describe('generated population', () => {
  const { customers, referrals } = population('unit-test', 1500);
  const byIndex = new Map(customers.map((c) => [c.index, c]));

  it('is the same for the same seed and different for another', () => {
    expect(generateCohort('unit-test', 0, 200, NOW)).toEqual(generateCohort('unit-test', 0, 200, NOW));
    expect(generateCohort('other', 0, 200, NOW)).not.toEqual(generateCohort('unit-test', 0, 200, NOW));
    // A customer does not depend on the customers generated before it.
    expect(generateCustomer('unit-test', 1234, NOW)).toEqual(generateCustomer('unit-test', 1234, NOW));
  });

  it('splits into whole cohorts', () => {
    expect([...cohorts(COHORT_SIZE * 2 + 5)]).toEqual([
      { start: 0, count: COHORT_SIZE },
      { start: COHORT_SIZE, count: COHORT_SIZE },
      { start: COHORT_SIZE * 2, count: 5 },
    ]);
  });

  it('has customers in every stage, on every channel, with every response', () => {
    expect(new Set(customers.map((c) => c.stage))).toEqual(new Set(ALL_STAGES));
    const touches = customers.flatMap((c) => c.touchpoints);
    expect(new Set(touches.map((t) => t.channel))).toEqual(new Set(Object.values(Channel)));
    expect(new Set(touches.map((t) => t.response))).toEqual(new Set(Object.values(TouchpointResponse)));
    expect(new Set(customers.map((c) => c.externalId)).size).toBe(customers.length);
  });

  it('writes histories that follow the stage table and match the customer', () => {
    // Collected, then asserted once: an expect per row would make this test slow.
    const problems: string[] = [];
    for (const c of customers) {
      const first = c.history[0];
      if (first.from !== null || first.to !== LifecycleStage.IDENTIFIED || first.at !== c.createdAt)
        problems.push(`${c.externalId}: first row ${JSON.stringify(first)}`);
      for (let i = 1; i < c.history.length; i++) {
        const h = c.history[i];
        if (h.from !== c.history[i - 1].to || !canTransition(h.from, h.to)) problems.push(`${c.externalId}: ${h.from} → ${h.to}`);
        if (h.at <= c.history[i - 1].at) problems.push(`${c.externalId}: row ${i} not after row ${i - 1}`);
        if (h.trigger !== StageChangeTrigger.MANUAL) {
          const move = AUTOMATIC_MOVES[h.trigger];
          if (move.to !== h.to || !move.from.includes(h.from!))
            problems.push(`${c.externalId}: ${h.trigger} cannot move ${h.from} → ${h.to}`);
        }
      }
      const last = c.history[c.history.length - 1];
      if (last.to !== c.stage || last.at !== c.stageEnteredAt)
        problems.push(`${c.externalId}: stage ${c.stage} @${c.stageEnteredAt} vs last row ${last.to} @${last.at}`);
      if (c.updatedAt > NOW.getTime() || c.updatedAt < c.stageEnteredAt) problems.push(`${c.externalId}: updatedAt ${c.updatedAt}`);
    }
    expect(problems).toEqual([]);
  });

  it('backs every automatic move with the event that causes it', () => {
    const referralsBy = new Map<number, GeneratedReferral[]>();
    for (const r of referrals) referralsBy.set(r.referrer, [...(referralsBy.get(r.referrer) ?? []), r]);
    for (const c of customers) {
      for (const h of c.history) {
        if (h.trigger === StageChangeTrigger.FIRST_PURCHASE) expect(c.purchases[0].at).toBe(h.at);
        if (h.trigger === StageChangeTrigger.PURCHASE_AFTER_LAPSE) expect(c.purchases.some((p) => p.at === h.at)).toBe(true);
        if (h.trigger === StageChangeTrigger.FIRST_REFERRAL) expect(referralsBy.get(c.index)?.[0].at).toBe(h.at);
      }
      const made = referralsBy.get(c.index) ?? [];
      if (made.length) expect(c.history.find((h) => h.to === LifecycleStage.ADVOCATE)?.trigger).toBe(StageChangeTrigger.FIRST_REFERRAL);
    }
  });

  it('buys only while a customer: nothing before converting or while dormant or churned', () => {
    const notBuying = new Set([LifecycleStage.IDENTIFIED, LifecycleStage.ACQUIRED, LifecycleStage.DORMANT, LifecycleStage.CHURNED]);
    const problems: string[] = [];
    for (const c of customers) {
      let h = 0;
      for (const p of c.purchases) {
        while (h + 1 < c.history.length && c.history[h + 1].at <= p.at) h++;
        if (notBuying.has(c.history[h].to)) problems.push(`${c.externalId}: bought while ${c.history[h].to}`);
        if (p.at >= NOW.getTime() || p.amountCents <= 0) problems.push(`${c.externalId}: purchase ${JSON.stringify(p)}`);
      }
      const latest = c.purchases.length ? Math.max(...c.purchases.map((p) => p.at)) : null;
      if (c.lastPurchaseAt !== latest) problems.push(`${c.externalId}: lastPurchaseAt ${c.lastPurchaseAt} vs ${latest}`);
    }
    expect(problems).toEqual([]);
  });

  it('keeps one holding per product bought, closed only after its last purchase', () => {
    let closed = 0;
    const problems: string[] = [];
    for (const c of customers) {
      const buys = new Map<number, number[]>();
      for (const p of c.purchases) buys.set(p.product, [...(buys.get(p.product) ?? []), p.at]);
      if (c.holdings.length !== buys.size || c.holdings.some((h) => !buys.has(h.product)))
        problems.push(`${c.externalId}: holdings do not match products bought`);
      for (const h of c.holdings) {
        const times = buys.get(h.product) ?? [];
        if (!times.includes(h.since)) problems.push(`${c.externalId}: holding since ${h.since} is no purchase`);
        if (h.closedAt !== null) {
          closed++;
          if (h.closedAt <= Math.max(...times) || h.closedAt > NOW.getTime()) problems.push(`${c.externalId}: closed at ${h.closedAt}`);
        }
      }
      // A churned customer has given everything up.
      if (c.stage === LifecycleStage.CHURNED && c.holdings.some((h) => h.closedAt === null))
        problems.push(`${c.externalId}: churned with an active holding`);
    }
    expect(problems).toEqual([]);
    expect(closed).toBeGreaterThan(0);
  });

  it('records referrals between existing customers, some converted', () => {
    expect(referrals.length).toBeGreaterThan(0);
    expect(new Set(referrals.map((r) => r.referred)).size).toBe(referrals.length);
    for (const r of referrals) {
      expect(r.referrer).not.toBe(r.referred);
      const referred = byIndex.get(r.referred)!;
      expect(referred.createdAt).toBeLessThanOrEqual(r.at);
      expect(r.convertedAt).toBe(referred.purchases[0]?.at ?? null);
      if (r.convertedAt !== null) expect(r.convertedAt).toBeGreaterThanOrEqual(r.at);
    }
    const converted = referrals.filter((r) => r.convertedAt !== null).length;
    expect(converted).toBeGreaterThan(0);
    expect(converted).toBeLessThan(referrals.length);
  });

  it('shows drifting customers buying less and less before they are flagged', () => {
    // Purchases in the 90 days before entering AT_RISK vs the 90 days before that, for
    // customers who had been buying for at least those 180 days.
    let recent = 0;
    let earlier = 0;
    for (const c of customers) {
      const entry = c.history.find((h) => h.to === LifecycleStage.AT_RISK);
      if (!entry || !c.purchases.length || entry.at - c.purchases[0].at < 180 * DAY) continue;
      for (const p of c.purchases) {
        const daysBefore = (entry.at - p.at) / DAY;
        if (daysBefore > 0 && daysBefore <= 90) recent++;
        else if (daysBefore > 90 && daysBefore <= 180) earlier++;
      }
    }
    expect(recent).toBeLessThan(earlier * 0.8);
  });

  it('gives drifting customers more negative or silent responses than steady ones', () => {
    const badShare = (stages: LifecycleStage[]) => {
      const ts = customers.filter((c) => stages.includes(c.stage)).flatMap((c) => c.touchpoints.filter((t) => t.at >= c.stageEnteredAt));
      return (
        ts.filter((t) => t.response === TouchpointResponse.NEGATIVE || t.response === TouchpointResponse.NO_RESPONSE).length / ts.length
      );
    };
    const steady = badShare([LifecycleStage.RETAINED, LifecycleStage.EXPANDING, LifecycleStage.ADVOCATE]);
    const drifting = badShare([LifecycleStage.AT_RISK, LifecycleStage.DORMANT, LifecycleStage.CHURNED]);
    expect(drifting).toBeGreaterThan(steady + 0.15);
  });

  it('has steady customers buying recently and lapsed ones not', () => {
    const medianRecencyDays = (stage: LifecycleStage) => {
      const r = customers
        .filter((c) => c.stage === stage && c.lastPurchaseAt !== null)
        .map((c) => (NOW.getTime() - c.lastPurchaseAt!) / DAY)
        .sort((a, b) => a - b);
      return r[Math.floor(r.length / 2)];
    };
    expect(medianRecencyDays(LifecycleStage.RETAINED)).toBeLessThan(medianRecencyDays(LifecycleStage.AT_RISK));
    expect(medianRecencyDays(LifecycleStage.AT_RISK)).toBeLessThan(medianRecencyDays(LifecycleStage.DORMANT));
    expect(medianRecencyDays(LifecycleStage.DORMANT)).toBeLessThan(medianRecencyDays(LifecycleStage.CHURNED));
  });

  it('prices purchases from the catalogue', () => {
    const problems = customers
      .flatMap((c) => c.purchases)
      .filter((p) => {
        const product = PRODUCTS[p.product];
        return (
          p.quantity < product.quantity[0] ||
          p.quantity > product.quantity[1] ||
          p.amountCents > product.priceCents * p.quantity ||
          !Number.isInteger(p.amountCents)
        );
      });
    expect(problems).toEqual([]);
  });
});
