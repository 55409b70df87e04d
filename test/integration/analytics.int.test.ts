/**
 * Customer insight end to end: fitting and scoring through the API on seeded purchase histories,
 * churn risk (drifting vs steady customers, stage moves, evidence), value tiers, cross-sell
 * (never an owned or declined product; batched), re-scoring after purchases, reactivation
 * candidates, referral metrics against a hand-computed fixture, and bad input.
 */
import { startTestServer, type TestServer } from '../support/server';
import {
  CurrentChurnModelDocument,
  CustomerInsightDocument,
  CustomersWithInsightDocument,
  FitChurnModelDocument,
  ReactivationCandidatesDocument,
  RecordPurchasesDocument,
  RecordTouchpointDocument,
  ReferralMetricsReportDocument,
  ValueTierReportDocument,
  type CustomersWithInsightQuery,
  type ReactivationCandidatesQuery,
} from '../generated/graphql';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { toGlobalId } from '../../src/shared/global-id';
import { loadScoringInputs } from '../../src/modules/analytics/analytics.data';
import { ANALYTICS_OPERATIONS, EXAMPLE_OPERATIONS } from '../../src/server/playground-examples';
import { until } from '../support/faults';

// Fits and scores run for seconds on a busy machine; jest's default of 5 s is too tight.
jest.setTimeout(60_000);

let server: TestServer;
const DAY = 86_400_000;
const now = Date.now();
const daysAgo = (d: number) => new Date(now - d * DAY);

interface Seeded {
  steady: string[];
  drifting: string[];
  background: string[];
  products: string[];
  productNames: Map<string, string>;
}
let seeded: Seeded;

beforeAll(async () => {
  server = await startTestServer({ env: { referralCost: '10.00' } });
});
afterAll(async () => {
  await server?.stop();
});

const sql = <T = Record<string, unknown>[]>(text: string, params: unknown[] = []) => server.ds.query(text, params) as Promise<T>;
const gid = (id: string) => toGlobalId('Customer', id);

/** A small deterministic generator, so the seeded base is the same on every run. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

async function insertCustomer(name: string, personaId: string | null, stage = 'RETAINED', createdAt = daysAgo(500)): Promise<string> {
  const [{ id }] = await sql<{ id: string }[]>(
    `INSERT INTO customer (name, persona_id, stage, stage_entered_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4) RETURNING id::text`,
    [name, personaId, stage, createdAt],
  );
  return id;
}

/** Purchases on the given days ago, cycling through products; opens ACTIVE holdings like recordPurchases. */
async function buy(customerId: string, days: number[], products: string[], amount: (i: number) => number): Promise<void> {
  await sql(
    `INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount)
     SELECT $1, p, t, 1, a FROM unnest($2::bigint[], $3::timestamptz[], $4::numeric[]) AS u(p, t, a)`,
    [customerId, days.map((_, i) => products[i % products.length]), days.map(daysAgo), days.map((_, i) => amount(i).toFixed(2))],
  );
  await sql(
    `INSERT INTO holding (customer_id, product_id, since, status)
     SELECT customer_id, product_id, min(occurred_at), 'ACTIVE' FROM purchase WHERE customer_id = $1 AND product_id IS NOT NULL GROUP BY 1, 2
     ON CONFLICT (customer_id, product_id) DO NOTHING`,
    [customerId],
  );
  await sql(`UPDATE customer SET last_purchase_at = (SELECT max(occurred_at) FROM purchase WHERE customer_id = $1) WHERE id = $1`, [
    customerId,
  ]);
}

async function touch(
  customerId: string,
  direction: 'INBOUND' | 'OUTBOUND',
  response: string,
  days: number,
  productId: string | null = null,
): Promise<void> {
  await sql(
    `INSERT INTO touchpoint (customer_id, channel, direction, occurred_at, response, product_id) VALUES ($1, 'EMAIL', $2, $3, $4, $5)`,
    [customerId, direction, daysAgo(days), response, productId],
  );
}

async function seed(): Promise<Seeded> {
  const personas: string[] = [];
  for (const name of ['Event planner', 'Business traveller']) {
    const [{ id }] = await sql<{ id: string }[]>(
      `INSERT INTO persona (name, description) VALUES ($1, 'Seeded for analytics.') RETURNING id::text`,
      [name],
    );
    personas.push(id);
  }
  const products: string[] = [];
  const productNames = new Map<string, string>();
  for (let i = 1; i <= 6; i++) {
    const [{ id }] = await sql<{ id: string }[]>(
      `INSERT INTO product (sku, name, category, price) VALUES ($1, $2, 'Travel', 20) RETURNING id::text`,
      [`AN-${i}`, `Product ${i}`],
    );
    products.push(id);
    productNames.set(id, `Product ${i}`);
  }
  // Persona 0 mostly buys products 1-3, persona 1 products 4-6: cross-sell has structure to find.
  const liked = [products.slice(0, 3), products.slice(3, 6)];
  const rnd = lcg(7);

  const steady: string[] = [];
  const drifting: string[] = [];
  const background: string[] = [];
  for (let i = 0; i < 10; i++) {
    const id = await insertCustomer(`Steady ${i}`, personas[i % 2]!);
    // Every 14 days for 60 weeks, up to a few days ago.
    await buy(
      id,
      Array.from({ length: 30 }, (_, k) => 3 + (i % 5) + 14 * k),
      liked[i % 2]!.slice(0, 2),
      (k) => 40 + i + (k % 3),
    );
    await touch(id, 'OUTBOUND', 'POSITIVE_INTEREST', 20);
    steady.push(id);
  }
  for (let i = 0; i < 10; i++) {
    const id = await insertCustomer(`Drifting ${i}`, personas[i % 2]!);
    // The same rhythm, but it stopped 160+ days ago; then a product closed and the contacts went sour.
    await buy(
      id,
      Array.from({ length: 20 }, (_, k) => 160 + (i % 5) + 14 * k),
      liked[i % 2]!.slice(0, 2),
      (k) => 40 + i + (k % 3),
    );
    await sql(`UPDATE holding SET status = 'CLOSED', closed_at = $2 WHERE customer_id = $1 AND product_id = $3`, [
      id,
      daysAgo(30),
      liked[i % 2]![1],
    ]);
    await touch(id, 'INBOUND', 'NEGATIVE', 10);
    await touch(id, 'OUTBOUND', 'NEGATIVE', 20);
    await touch(id, 'OUTBOUND', 'NO_RESPONSE', 40);
    drifting.push(id);
  }
  for (let j = 0; j < 100; j++) {
    const persona = j % 5 === 4 ? null : personas[j % 2]!;
    const id = await insertCustomer(`Background ${j}`, persona);
    const n = 1 + Math.floor(rnd() * 8);
    const last = 5 + Math.floor(rnd() * 300);
    const gap = 20 + Math.floor(rnd() * 40);
    const pool = persona === null ? products : rnd() < 0.85 ? liked[j % 2]! : products;
    const mine = pool.filter(() => rnd() < 0.6);
    await buy(
      id,
      Array.from({ length: n }, (_, k) => last + gap * k),
      mine.length ? mine : [pool[0]!],
      () => 15 + Math.floor(rnd() * 80),
    );
    background.push(id);
  }
  return { steady, drifting, background, products, productNames };
}

/** Every customer with insight fields, a page at a time (pages small enough for the cost limit). */
async function allCustomers(recommendations: number): Promise<CustomersWithInsightQuery['customers']['nodes']> {
  const all: CustomersWithInsightQuery['customers']['nodes'] = [];
  let after: string | null | undefined = null;
  do {
    const page: CustomersWithInsightQuery = await server.query(CustomersWithInsightDocument, { first: 40, after, recommendations });
    all.push(...page.customers.nodes);
    after = page.customers.pageInfo.hasNextPage ? page.customers.pageInfo.endCursor : null;
  } while (after);
  return all;
}

function expectError(
  body: { errors?: { extensions?: { code?: string; field?: string }; message: string }[] },
  code: string,
  field?: string,
) {
  expect(body.errors?.length).toBeGreaterThan(0);
  expect(body.errors![0]!.extensions?.code).toBe(code);
  if (field) expect(body.errors![0]!.extensions?.field).toBe(field);
}

describe('analytics', () => {
  it('before any fit: no model, no scores, and a fit on an empty log is refused', async () => {
    expect((await server.query(CurrentChurnModelDocument)).churnModel).toBeNull();
    expect((await server.query(ValueTierReportDocument)).valueTiers).toBeNull();
    expect((await server.query(ReactivationCandidatesDocument, { first: 5 })).reactivationCandidates.totalCount).toBe(0);
    const body = await server.request(FitChurnModelDocument, { input: {} });
    expectError(body, 'BAD_USER_INPUT', 'input.calibrationEnd');
    expect(body.errors![0]!.message).toMatch(/no purchases on or before/);
  });

  it('seeds a base and refuses bad fits without writing anything', async () => {
    seeded = await seed();
    const future = await server.request(FitChurnModelDocument, { input: { calibrationEnd: new Date(now + 3 * DAY).toISOString() } });
    expectError(future, 'BAD_USER_INPUT', 'input.calibrationEnd');
    expect(future.errors![0]!.message).toMatch(/in the future/);
    const tooEarly = await server.request(FitChurnModelDocument, { input: { calibrationEnd: '1990-01-01T00:00:00Z' } });
    expectError(tooEarly, 'BAD_USER_INPUT', 'input.calibrationEnd');
    expect(tooEarly.errors![0]!.message).toMatch(/no purchases on or before 1990-01-01/);

    // A fit already running (its lock held elsewhere) is a CONFLICT, not a second run.
    const runner = server.ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext('customer-graph:churn-model-fit'))`);
      expectError(await server.request(FitChurnModelDocument, { input: {} }), 'CONFLICT');
      await runner.query(`SELECT pg_advisory_unlock(hashtext('customer-graph:churn-model-fit'))`);
    } finally {
      await runner.release();
    }
    expect(await sql(`SELECT count(*)::int AS n FROM churn_model`)).toEqual([{ n: 0 }]);
  });

  it('fits, stores the model and scores every purchasing customer', async () => {
    const { fitChurnModel } = await server.query(FitChurnModelDocument, { input: { timeUnit: 'WEEKS' } });
    expect(fitChurnModel.scoredCustomers).toBe(120);
    const m = fitChurnModel.model;
    expect(m).toMatchObject({ isCurrent: true, timeUnit: 'WEEKS', customerCount: 120, scoredCustomerCount: 120, horizonMonths: 12 });
    expect(m.repeatCustomerCount).toBeGreaterThan(20);
    expect(m.bgNbd.r).toBeGreaterThan(0);
    expect(m.gammaGamma.q).toBeGreaterThan(1);
    expect(m.fitMs).toBeGreaterThan(0);
    expect(m.scoredAt).not.toBeNull();
    // The stored row, not just the payload.
    const [row] = await sql<{ n: number; r: number; ll: number }[]>(
      `SELECT customer_count AS n, bgnbd_r AS r, bgnbd_log_likelihood AS ll FROM churn_model WHERE is_current`,
    );
    expect(row).toEqual({ n: 120, r: m.bgNbd.r, ll: m.bgNbd.logLikelihood });
    expect(await sql(`SELECT count(*)::int AS n FROM customer_score`)).toEqual([{ n: 120 }]);
    expect((await server.query(CurrentChurnModelDocument)).churnModel?.id).toBe(m.id);
  });

  it('drifting customers score higher risk than steady ones and move to AT_RISK with evidence', async () => {
    const risk = async (id: string) => (await server.query(CustomerInsightDocument, { id: gid(id) })).customer!;
    const steady = await Promise.all(seeded.steady.map(risk));
    const drifting = await Promise.all(seeded.drifting.map(risk));
    const maxSteady = Math.max(...steady.map((c) => c.churnRisk!.score));
    const minDrifting = Math.min(...drifting.map((c) => c.churnRisk!.score));
    expect(minDrifting).toBeGreaterThan(maxSteady);

    for (const c of steady) {
      expect(['LOW', 'MEDIUM']).toContain(c.churnRisk!.level);
      expect(c.stage).toBe('RETAINED');
      expect(c.churnRisk!.evidence).toEqual([]);
    }
    for (const c of drifting) {
      const r = c.churnRisk!;
      expect(['HIGH', 'CRITICAL']).toContain(r.level);
      expect(r.accountChurn.score).toBeGreaterThan(0.5);
      expect(r.productChurn.score).toBeGreaterThan(0);
      expect(r.productChurn.explanation).toMatch(/closed Product \d/);
      expect(r.decreasedSpend.score).toBeGreaterThan(0.5);
      expect(r.factors.reduce((s, f) => s + f.contribution, 0)).toBeCloseTo(r.score, 9);
      expect(r.evidence.map((e) => e.kind).sort()).toEqual(['COMPLAINT', 'NEGATIVE_RESPONSE', 'NO_RESPONSE']);
      expect(c.stage).toBe('AT_RISK');
      expect(c.stageHistory.nodes.at(-1)).toMatchObject({ from: 'RETAINED', to: 'AT_RISK', trigger: 'CHURN_RISK' });
      expect(c.stageHistory.nodes.at(-1)!.reason).toMatch(/^Churn risk rose to (HIGH|CRITICAL)/);
    }
    // Steady customers are also worth more.
    const value = (c: (typeof steady)[number]) => Number(c.lifetimeValue!.predictedValue);
    expect(Math.min(...steady.map(value))).toBeGreaterThan(Math.max(...drifting.map(value)));
  });

  it('splits value tiers 20/60/20 and reports revenue and value shares', async () => {
    const { valueTiers } = await server.query(ValueTierReportDocument);
    expect(valueTiers!.customerCount).toBe(120);
    expect(valueTiers!.tiers.map((t) => [t.tier, t.customerCount, t.customerShare])).toEqual([
      ['VIP', 24, 0.2],
      ['CORE', 72, 0.6],
      ['LOW', 24, 0.2],
    ]);
    const [vip, core, low] = valueTiers!.tiers;
    expect(Number(vip!.minPredictedValue)).toBeGreaterThanOrEqual(Number(core!.maxPredictedValue));
    expect(Number(core!.minPredictedValue)).toBeGreaterThanOrEqual(Number(low!.maxPredictedValue));
    expect(vip!.predictedValueShare + core!.predictedValueShare + low!.predictedValueShare).toBeCloseTo(1, 9);
    expect(vip!.revenueShare + core!.revenueShare + low!.revenueShare).toBeCloseTo(1, 9);
    const [{ revenue }] = await sql<{ revenue: string }[]>(`SELECT sum(amount)::text AS revenue FROM purchase`);
    expect(valueTiers!.revenue).toBe(revenue);
    expect(valueTiers!.summary).toMatch(/^The top 20 % of customers by predicted value \(VIP, 24\)/);
    expect(valueTiers!.paretoRuleHolds).toBe(vip!.revenueShare >= 0.75);

    // Each customer's own tier agrees with the totals.
    const counts = { VIP: 0, CORE: 0, LOW: 0 } as Record<string, number>;
    for (const c of await allCustomers(0)) counts[c.valueTier!]!++;
    expect(counts).toEqual({ VIP: 24, CORE: 72, LOW: 24 });
  });

  it('cross-sell never offers a product the customer holds or held, and is batched', async () => {
    const all = await allCustomers(20);
    expect(all).toHaveLength(120);
    let recommended = 0;
    for (const c of all) {
      const owned = new Set(c.holdings.nodes.map((h) => h.product.id));
      for (const r of c.crossSellRecommendations) expect(owned.has(r.product.id)).toBe(false);
      const confidences = c.crossSellRecommendations.map((r) => r.confidence);
      expect(confidences).toEqual([...confidences].sort((u, v) => v - u));
      recommended += c.crossSellRecommendations.length;
    }
    // Somebody got something, or the property above proves nothing.
    expect(recommended).toBeGreaterThan(100);
    // Closed holdings are excluded too: every drifting customer closed one product.
    const closedOwners = all.filter((c) => c.holdings.nodes.some((h) => h.status === 'CLOSED'));
    expect(closedOwners).toHaveLength(10);

    const statements = async (first: number) => {
      server.counter.reset();
      await server.query(CustomersWithInsightDocument, { first, recommendations: 5 });
      return server.counter.count;
    };
    // A fixed set of batched statements whatever the page size (one more at small pages, when the
    // recommended products are not already in the product loader's batch from the holdings).
    const few = await statements(5);
    const many = await statements(40);
    expect(many).toBeLessThanOrEqual(few);
    expect(many).toBeLessThanOrEqual(12);
  });

  it('drops a product the customer declined recently, and one they just bought; the purchase re-scores them', async () => {
    const id = seeded.steady[0]!;
    const before = (await server.query(CustomerInsightDocument, { id: gid(id), recommendations: 5 })).customer!;
    expect(before.crossSellRecommendations.length).toBeGreaterThanOrEqual(2);
    const [first, second] = before.crossSellRecommendations;
    expect(first!.reason.length).toBeGreaterThan(10);

    await server.query(RecordTouchpointDocument, {
      input: {
        customerId: gid(id),
        channel: 'PHONE',
        direction: 'OUTBOUND',
        occurredAt: daysAgo(1).toISOString(),
        response: 'NEGATIVE',
        productId: first!.product.id,
      },
    });
    const afterDecline = (await server.query(CustomerInsightDocument, { id: gid(id), recommendations: 5 })).customer!;
    expect(afterDecline.crossSellRecommendations.map((r) => r.product.id)).not.toContain(first!.product.id);

    await server.query(RecordPurchasesDocument, {
      input: {
        purchases: [
          { customerId: gid(id), productId: second!.product.id, occurredAt: new Date().toISOString(), quantity: 1, amount: '99.00' },
        ],
      },
    });
    await server.app.services.analytics.models.idle();
    const afterBuy = (await server.query(CustomerInsightDocument, { id: gid(id), recommendations: 5 })).customer!;
    expect(afterBuy.crossSellRecommendations.map((r) => r.product.id)).not.toContain(second!.product.id);
    expect(new Date(afterBuy.lifetimeValue!.lastPurchaseAt).getTime()).toBeGreaterThan(
      new Date(before.lifetimeValue!.lastPurchaseAt).getTime(),
    );
    expect(Number(afterBuy.lifetimeValue!.historicalSpend)).toBeCloseTo(Number(before.lifetimeValue!.historicalSpend) + 99, 2);
    expect(new Date(afterBuy.churnRisk!.scoredAt).getTime()).toBeGreaterThan(new Date(before.churnRisk!.scoredAt).getTime());
    expect(afterBuy.valueTier).not.toBeNull();
  });

  it('a purchase that leaves a customer HIGH risk moves them to AT_RISK through the stage machine', async () => {
    // A background customer with a long lapse, low risk on record: record a complaint and a
    // closed holding, then a tiny purchase triggers the re-score that finds the risk.
    const candidates = await sql<{ id: string }[]>(
      `SELECT s.customer_id::text AS id FROM customer_score s JOIN customer c ON c.id = s.customer_id
       WHERE s.risk_level IN ('LOW', 'MEDIUM') AND c.stage = 'RETAINED' AND c.name LIKE 'Background%' ORDER BY s.risk_score DESC LIMIT 1`,
    );
    const id = candidates[0]!.id;
    await sql(`UPDATE holding SET status = 'CLOSED', closed_at = now() - interval '2 days' WHERE customer_id = $1`, [id]);
    for (let k = 0; k < 6; k++) await touch(id, 'INBOUND', 'NEGATIVE', 1 + k);
    await server.query(RecordPurchasesDocument, {
      input: { purchases: [{ customerId: gid(id), occurredAt: daysAgo(0.5).toISOString(), quantity: 1, amount: '1.00' }] },
    });
    await server.app.services.analytics.models.idle();
    const c = (await server.query(CustomerInsightDocument, { id: gid(id) })).customer!;
    expect(['HIGH', 'CRITICAL']).toContain(c.churnRisk!.level);
    expect(c.stage).toBe('AT_RISK');
    expect(c.stageHistory.nodes.at(-1)).toMatchObject({ to: 'AT_RISK', trigger: 'CHURN_RISK' });
  });

  it('counts a product kept but no longer bought as lapsed, reading by id list and by id range alike', async () => {
    // Bought product A twice about a year ago and never again (still held), product B steadily since.
    const id = await insertCustomer('Lapsing buyer', null);
    const [a, b] = seeded.products;
    await buy(id, [400, 330], [a!], () => 20);
    await buy(id, [90, 60, 30, 5], [b!], () => 20);
    const byIds = await loadScoringInputs(server.ds.manager, [id], new Date());
    const byRange = await loadScoringInputs(server.ds.manager, { from: id, to: id }, new Date());
    expect(byRange).toEqual(byIds);
    expect(byIds[0]!.features).toMatchObject({ activeProducts: 2, lapsedProducts: 1, lapsedProductNames: [seeded.productNames.get(a!)] });

    await server.app.services.analytics.models.rescore([id]);
    const c = (await server.query(CustomerInsightDocument, { id: gid(id) })).customer!;
    expect(c.churnRisk!.productChurn.explanation).toContain(`stopped buying ${seeded.productNames.get(a!)}`);
  });

  it('lists reactivation candidates by score with why, last purchase and last touchpoint, paging on a keyset', async () => {
    const seen: ReactivationCandidatesQuery['reactivationCandidates']['edges'] = [];
    let after: string | null | undefined = null;
    let total: number;
    do {
      const page: ReactivationCandidatesQuery = await server.query(ReactivationCandidatesDocument, { first: 7, after });
      total = page.reactivationCandidates.totalCount;
      seen.push(...page.reactivationCandidates.edges);
      after = page.reactivationCandidates.pageInfo.hasNextPage ? page.reactivationCandidates.pageInfo.endCursor : null;
    } while (after);
    expect(seen.length).toBe(total);
    expect(new Set(seen.map((e) => e.node.customer.id)).size).toBe(total);
    const scores = seen.map((e) => e.node.score);
    expect(scores).toEqual([...scores].sort((u, v) => v - u));
    const ids = new Set(seen.map((e) => e.node.customer.id));
    for (const d of seeded.drifting) expect(ids.has(gid(d))).toBe(true);
    for (const s of seeded.steady) expect(ids.has(gid(s))).toBe(false);

    const drifter = seen.find((e) => e.node.customer.id === gid(seeded.drifting[0]!))!.node;
    expect(drifter.reasons[0]).toMatch(/^Bought on 20 days for [\d.]+ in total; nothing for 16\d days\.$/);
    expect(drifter.comebackProbability).toBeGreaterThan(0);
    expect(drifter.score).toBeCloseTo(drifter.comebackProbability * Number(drifter.valueIfReactivated), 1);
    expect(drifter.lastPurchase!.occurredAt).toBe(drifter.lastPurchaseAt);
    expect(drifter.lastTouchpoint!.response).toBe('NEGATIVE');

    const atRiskVip = await server.query(ReactivationCandidatesDocument, {
      first: 50,
      filter: { stageIn: ['AT_RISK'], valueTierIn: ['CORE', 'LOW'] },
    });
    for (const e of atRiskVip.reactivationCandidates.edges) {
      expect(e.node.customer.stage).toBe('AT_RISK');
      expect(['CORE', 'LOW']).toContain(e.node.valueTier);
    }
    expectError(await server.request(ReactivationCandidatesDocument, { first: 5, after: 'not-a-cursor' }), 'BAD_USER_INPUT', 'after');
  });

  it('computes referral metrics that match a hand-computed fixture', async () => {
    const at = (iso: string) => new Date(`${iso}T12:00:00Z`);
    const customer = async (name: string, created: string) => insertCustomer(name, null, 'ACQUIRED', at(created));
    const purchase = (id: string, day: string, amount: string) =>
      sql(`INSERT INTO purchase (customer_id, occurred_at, quantity, amount) VALUES ($1, $2, 1, $3)`, [id, at(day), amount]);
    const refer = (referrer: string, referred: string, channel: string, created: string, converted: string | null) =>
      sql(`INSERT INTO referral (referrer_id, referred_id, source_channel, created_at, converted_at) VALUES ($1, $2, $3, $4, $5)`, [
        referrer,
        referred,
        channel,
        at(created),
        converted && at(converted),
      ]);

    const r1 = await customer('Referrer One', '2019-06-01');
    const r2 = await customer('Referrer Two', '2019-06-01');
    const a = await customer('Ref A', '2020-02-01');
    const b = await customer('Ref B', '2020-03-01');
    const c = await customer('Ref C', '2020-03-15');
    const d = await customer('Ref D', '2020-04-01');
    const e = await customer('Ref E (before window)', '2019-12-15');
    const j = await customer('Ref J', '2020-06-01');
    const f = await customer('Lead F', '2020-01-10');
    await customer('Lead G', '2020-02-20');
    await customer('Lead H', '2020-06-30');
    const i = await customer('Lead I', '2020-05-05');
    await purchase(a, '2020-02-10', '100.00');
    await purchase(a, '2020-05-01', '50.00');
    await purchase(c, '2020-08-01', '70.00'); // after the window: neither converted nor revenue
    await purchase(d, '2020-04-05', '30.00');
    await purchase(j, '2020-06-02', '25.00');
    await purchase(f, '2020-01-20', '20.00');
    await purchase(i, '2020-05-06', '10.00');
    await purchase(e, '2019-12-30', '500.00');
    await refer(r1, a, 'SOCIAL', '2020-02-01', '2020-02-10');
    await refer(r1, b, 'SOCIAL', '2020-03-01', null);
    await refer(r1, j, 'SOCIAL', '2020-06-01', '2020-06-02');
    await refer(r2, c, 'EMAIL', '2020-03-15', '2020-08-01');
    await refer(r2, d, 'EMAIL', '2020-04-01', '2020-04-05');
    await refer(r2, e, 'EMAIL', '2019-12-20', '2019-12-30');

    const { referralMetrics: m } = await server.query(ReferralMetricsReportDocument, {
      from: '2020-01-01T00:00:00Z',
      to: '2020-07-01T00:00:00Z',
      topReferrers: 5,
    });
    // Leads created in the window: A, B, C, D, J, F, G, H, I = 9; converted before July: A, D, J, F, I = 5.
    expect(m.leadConversion).toEqual({ customersCreated: 9, converted: 5, conversionRate: 5 / 9 });
    expect(m.channels).toEqual([
      { channel: 'SOCIAL', referrals: 3, converted: 2, conversionRate: 2 / 3, liftOverLeadConversion: 2 / 3 / (5 / 9), revenue: '175.00' },
      { channel: 'EMAIL', referrals: 2, converted: 1, conversionRate: 0.5, liftOverLeadConversion: 0.5 / (5 / 9), revenue: '30.00' },
    ]);
    expect(m.total).toEqual({
      channel: null,
      referrals: 5,
      converted: 3,
      conversionRate: 0.6,
      liftOverLeadConversion: 0.6 / (5 / 9),
      revenue: '205.00',
    });
    expect(m.revenueFromReferred).toBe('205.00');
    expect(m.topReferrers).toEqual([
      { customer: { id: gid(r1) }, referrals: 3, converted: 2, revenue: '175.00' },
      { customer: { id: gid(r2) }, referrals: 2, converted: 1, revenue: '30.00' },
    ]);
    // REFERRAL_COST 10.00 × 5 referrals = 50.00; ROI = (205 − 50) / 50.
    expect(m.costPerReferral).toBe('10.00');
    expect(m.programmeCost).toBe('50.00');
    expect(m.returnOnInvestment).toBeCloseTo(3.1, 12);

    expectError(
      await server.request(ReferralMetricsReportDocument, { from: '2020-07-01T00:00:00Z', to: '2020-01-01T00:00:00Z' }),
      'BAD_USER_INPUT',
      'to',
    );
    expectError(
      await server.request(ReferralMetricsReportDocument, { from: '2020-01-01T00:00:00Z', to: '2020-07-01T00:00:00Z', topReferrers: 500 }),
      'BAD_USER_INPUT',
      'topReferrers',
    );
  });

  it('runs every analytics example of the playground', async () => {
    const all = parse(EXAMPLE_OPERATIONS).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    expect(all[0]!.name!.value).toBe('Customer360');
    const ours = parse(ANALYTICS_OPERATIONS).definitions as OperationDefinitionNode[];
    expect(ours.map((d) => d.name!.value)).toEqual([
      'FitChurnModel',
      'ChurnModel',
      'AtRiskCustomers',
      'CrossSell',
      'ValueTiers',
      'ReactivationCandidates',
      'ReferralMetrics',
    ]);
    expect(all.map((d) => d.name!.value)).toEqual(expect.arrayContaining(ours.map((d) => d.name!.value)));
    for (const op of ours) {
      const body = await server.request<Record<string, unknown>>(print(op));
      expect({ operation: op.name!.value, errors: body.errors }).toEqual({ operation: op.name!.value, errors: undefined });
      expect(Object.values(body.data!)[0]).not.toBeNull();
    }
  });

  it("a refit attaches its scores as the model's partition and drops the previous one, or leaves it to the next fit while readers hold the table; its DDL gives way to writers", async () => {
    const partitions = async () =>
      (
        await sql<{ name: string }[]>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'customer_score'::regclass ORDER BY 1`,
        )
      ).map((p) => p.name);
    const fit = async () => {
      await server.query(FitChurnModelDocument, { input: {} });
      return (await sql<{ name: string }[]>(`SELECT 'customer_score_' || id AS name FROM churn_model WHERE is_current`))[0]!.name;
    };
    const scored = await sql(`SELECT count(*)::int AS n FROM customer_score`);

    const second = await fit();
    expect(await partitions()).toEqual([second]);
    expect(await sql(`SELECT count(*)::int AS n FROM customer_score`)).toEqual(scored);

    // A reader holds customer_score open: the fit completes, the retired partition stays, invisible to reads.
    const reader = server.ds.createQueryRunner();
    await reader.connect();
    let third: string;
    try {
      await reader.startTransaction();
      await reader.query(`SELECT count(*) FROM customer_score`);
      third = await fit();
      expect((await partitions()).sort()).toEqual([second, third].sort());
      expect(await sql(`SELECT count(*)::int AS n FROM customer_score s JOIN churn_model m ON m.id = s.model_id AND m.is_current`)).toEqual(
        scored,
      );
    } finally {
      await reader.commitTransaction();
      await reader.release();
    }
    // A writer of customer holds its table lock: the fit's DDL that locks customer against writes gives
    // way (lock_timeout) and retries until the writer is done, then the fit completes.
    const writer = server.ds.createQueryRunner();
    await writer.connect();
    let fourthSoFar: Promise<string>;
    try {
      await writer.startTransaction();
      await writer.query(`LOCK TABLE customer IN ROW EXCLUSIVE MODE`);
      fourthSoFar = fit();
      await until(
        async () =>
          (await sql<{ n: number }[]>(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'customer'::regclass AND NOT granted`))[0]!
            .n > 0,
        "the fit's DDL to wait for the writer",
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
    } finally {
      await writer.commitTransaction();
      await writer.release();
    }
    const fourth = await fourthSoFar;
    expect(await partitions()).toEqual([fourth]);

    // A table a dead fit left behind, never attached.
    await sql(`CREATE TABLE customer_score_999999 (LIKE customer_score)`);
    const fifth = await fit();
    expect(await partitions()).toEqual([fifth]);
    expect(
      await sql(`SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('customer_score_999999', $1, $2, $3)`, [second, third, fourth]),
    ).toEqual([{ n: 0 }]);
    expect(await sql(`SELECT count(*)::int AS n FROM customer_score`)).toEqual(scored);
  });

  it('refuses an out-of-range number of recommendations', async () => {
    expectError(
      await server.request(CustomerInsightDocument, { id: gid(seeded.steady[1]!), recommendations: 21 }),
      'BAD_USER_INPUT',
      'crossSellRecommendations.first',
    );
  });
});
