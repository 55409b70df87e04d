/**
 * The customer graph's happy paths over real HTTP on real PostgreSQL:
 * purchases open holdings and move stages, referrals convert and make
 * advocates, lists filter and page without skipping or repeating, and every
 * node type resolves by global ID.
 */
import {
  CloseHoldingDocument,
  CreateCustomerDocument,
  CreatePersonaDocument,
  CreateProductDocument,
  CreateReferralDocument,
  CustomerCommerceDocument,
  CustomerJourneyDocument,
  CustomerPageDocument,
  CustomerReferralsDocument,
  NodeTypeDocument,
  NodeTypesDocument,
  PersonasPageDocument,
  ProductsPageDocument,
  RecordPurchasesDocument,
  RecordTouchpointDocument,
  TouchpointsFilteredDocument,
  TransitionStageDocument,
  type CustomerOrder,
  type CustomerPageQuery,
  type LifecycleStage,
  type ProductsPageQuery,
  type TouchpointFilter,
  type TouchpointsFilteredQuery,
} from '../generated/graphql';
import { buildCustomerInput, buildPersonaInput, buildProductInput, buildPurchaseInput, buildTouchpointInput, unique } from '../factories';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const iso = (s: string) => new Date(s).toISOString();

async function customer(o: Parameters<typeof buildCustomerInput>[0] = {}) {
  return (await server.query(CreateCustomerDocument, { input: buildCustomerInput({ email: null, ...o }) })).createCustomer.customer;
}
async function product(o: Parameters<typeof buildProductInput>[0] = {}) {
  return (await server.query(CreateProductDocument, { input: buildProductInput(o) })).createProduct.product;
}
async function buy(list: ReturnType<typeof buildPurchaseInput>[]) {
  return (await server.query(RecordPurchasesDocument, { input: { purchases: list } })).recordPurchases.purchases;
}
async function moveTo(customerId: string, to: LifecycleStage, reason?: string) {
  return (await server.query(TransitionStageDocument, { input: { customerId, to, reason } })).transitionCustomerStage;
}
async function journey(id: string) {
  return (await server.query(CustomerJourneyDocument, { id, first: 50 })).customer!;
}
async function commerce(id: string) {
  return (await server.query(CustomerCommerceDocument, { id, holdingsFirst: 20, purchasesFirst: 50 })).customer!;
}

describe('recordPurchases', () => {
  it('opens holdings, sums spend per holding, sets lastPurchaseAt and converts an ACQUIRED customer once', async () => {
    const c = await customer({ name: 'First Buyer', stage: 'ACQUIRED' });
    const [p1, p2] = [await product({ category: 'Savings' }), await product({ category: 'Insurance' })];
    const recorded = await buy([
      buildPurchaseInput(c.id, { productId: p1.id, occurredAt: '2024-03-05T10:00:00Z', amount: '10.00' }),
      buildPurchaseInput(c.id, { productId: p2.id, occurredAt: '2024-03-01T09:00:00Z', amount: 5, quantity: 2 }),
      buildPurchaseInput(c.id, { productId: p1.id, occurredAt: '2024-03-02T08:00:00Z', amount: '15.5' }),
      buildPurchaseInput(c.id, { productId: null, occurredAt: '2024-03-07T12:00:00Z', amount: '0' }),
    ]);
    // In input order, amounts normalised to two decimals.
    expect(recorded.map((p) => [p.amount, p.quantity, p.product?.id ?? null])).toEqual([
      ['10.00', 1, p1.id],
      ['5.00', 2, p2.id],
      ['15.50', 1, p1.id],
      ['0.00', 1, null],
    ]);
    expect(recorded.every((p) => p.customer.id === c.id && p.customer.stage === 'CONVERTED')).toBe(true);

    const after = await commerce(c.id);
    expect(after.stage).toBe('CONVERTED');
    expect(after.lastPurchaseAt).toBe(iso('2024-03-07T12:00:00Z'));
    // Holdings oldest first; `since` is the earliest purchase of the product.
    expect(after.holdings.totalCount).toBe(2);
    expect(
      after.holdings.nodes.map((h) => ({ sku: h.product.sku, status: h.status, since: h.since, spend: h.totalSpend, n: h.purchaseCount })),
    ).toEqual([
      { sku: p2.sku, status: 'ACTIVE', since: iso('2024-03-01T09:00:00Z'), spend: '5.00', n: 1 },
      { sku: p1.sku, status: 'ACTIVE', since: iso('2024-03-02T08:00:00Z'), spend: '25.50', n: 2 },
    ]);
    // Purchases newest first.
    expect(after.purchases.totalCount).toBe(4);
    expect(after.purchases.nodes.map((p) => p.occurredAt)).toEqual(
      ['2024-03-07T12:00:00Z', '2024-03-05T10:00:00Z', '2024-03-02T08:00:00Z', '2024-03-01T09:00:00Z'].map(iso),
    );

    const history = (await journey(c.id)).stageHistory.nodes;
    expect(history.map((h) => [h.from, h.to, h.trigger])).toEqual([
      [null, 'ACQUIRED', 'MANUAL'],
      ['ACQUIRED', 'CONVERTED', 'FIRST_PURCHASE'],
    ]);

    // A later batch is not a first purchase: no new history row; an earlier purchase moves `since` back.
    await buy([buildPurchaseInput(c.id, { productId: p1.id, occurredAt: '2024-02-01T00:00:00Z', amount: '1.25' })]);
    const again = await commerce(c.id);
    expect((await journey(c.id)).stageHistory.totalCount).toBe(2);
    expect(again.lastPurchaseAt).toBe(iso('2024-03-07T12:00:00Z'));
    const h1 = again.holdings.nodes.find((h) => h.product.sku === p1.sku)!;
    expect([h1.since, h1.totalSpend, h1.purchaseCount]).toEqual([iso('2024-02-01T00:00:00Z'), '26.75', 3]);
  });

  it('brings DORMANT and CHURNED customers back as REACTIVATED, converts a prospect, and leaves other stages alone', async () => {
    const dormant = await customer({ name: 'Sleepy', stage: 'DORMANT' });
    const churned = await customer({ name: 'Gone', stage: 'CHURNED' });
    const retained = await customer({ name: 'Steady', stage: 'RETAINED' });
    const identified = await customer({ name: 'Prospect' });
    await buy(
      [dormant, churned, retained, identified].flatMap((c) => [
        buildPurchaseInput(c.id),
        buildPurchaseInput(c.id, { occurredAt: '2024-04-01T00:00:00Z' }),
      ]),
    );
    const stages = await Promise.all([dormant, churned, retained, identified].map((c) => journey(c.id)));
    expect(stages.map((j) => j.stage)).toEqual(['REACTIVATED', 'REACTIVATED', 'RETAINED', 'CONVERTED']);
    expect(stages[0].stageHistory.nodes.at(-1)).toMatchObject({ from: 'DORMANT', to: 'REACTIVATED', trigger: 'PURCHASE_AFTER_LAPSE' });
    expect(stages[1].stageHistory.nodes.at(-1)).toMatchObject({ from: 'CHURNED', to: 'REACTIVATED', trigger: 'PURCHASE_AFTER_LAPSE' });
    // Two purchases in one batch still make one move.
    expect(stages.map((j) => j.stageHistory.totalCount)).toEqual([2, 2, 1, 2]);
    expect(stages[3].stageHistory.nodes.at(-1)).toMatchObject({ from: 'IDENTIFIED', to: 'CONVERTED', trigger: 'FIRST_PURCHASE' });
  });

  it('keeps all 1,000 purchases of a full batch', async () => {
    const c = await customer({ name: 'Bulk Buyer' });
    const p = await product();
    const list = Array.from({ length: 1000 }, (_, i) =>
      buildPurchaseInput(c.id, { productId: p.id, occurredAt: new Date(Date.UTC(2023, 0, 1) + i * 60_000).toISOString(), amount: '0.01' }),
    );
    expect(await buy(list)).toHaveLength(1000);
    const after = await server.query(CustomerCommerceDocument, { id: c.id, holdingsFirst: 5, purchasesFirst: 1 });
    expect(after.customer!.purchases.totalCount).toBe(1000);
    expect(after.customer!.holdings.nodes[0]).toMatchObject({ totalSpend: '10.00', purchaseCount: 1000 });
  });
});

describe('closeHolding', () => {
  it('closes a holding, drops it from the hasProductId filter, and a new purchase reopens it', async () => {
    const c = await customer({ name: unique('Closer') });
    const p = await product();
    await buy([buildPurchaseInput(c.id, { productId: p.id, occurredAt: '2024-01-10T00:00:00Z' })]);
    const holding = (await commerce(c.id)).holdings.nodes[0];
    const holders = async () =>
      (await server.query(CustomerPageDocument, { first: 10, filter: { hasProductId: p.id } })).customers.edges.map((e) => e.node.id);
    expect(await holders()).toEqual([c.id]);

    const closed = (await server.query(CloseHoldingDocument, { input: { holdingId: holding.id, closedAt: '2024-02-01T00:00:00Z' } }))
      .closeHolding.holding;
    expect(closed).toEqual({ id: holding.id, status: 'CLOSED', closedAt: iso('2024-02-01T00:00:00Z') });
    expect(await holders()).toEqual([]);

    // Closing without a date uses now.
    const p2 = await product();
    await buy([buildPurchaseInput(c.id, { productId: p2.id })]);
    const second = (await commerce(c.id)).holdings.nodes.find((h) => h.product.id === p2.id)!;
    const before = Date.now();
    const closedNow = (await server.query(CloseHoldingDocument, { input: { holdingId: second.id } })).closeHolding.holding;
    expect(Date.parse(closedNow.closedAt!)).toBeGreaterThanOrEqual(before - 1000);

    await buy([buildPurchaseInput(c.id, { productId: p.id, occurredAt: '2024-05-01T00:00:00Z' })]);
    const reopened = (await commerce(c.id)).holdings.nodes.find((h) => h.id === holding.id)!;
    expect(reopened).toMatchObject({ status: 'ACTIVE', closedAt: null, since: iso('2024-05-01T00:00:00Z'), purchaseCount: 2 });
    expect(await holders()).toEqual([c.id]);
  });
});

describe('touchpoints', () => {
  it('filters by channel and response and pages newest first without skipping or repeating', async () => {
    const c = await customer({ name: 'Contacted' });
    const p = await product();
    const plan: [string, string][] = [
      ['EMAIL', 'POSITIVE_INTEREST'],
      ['PHONE', 'POSITIVE_INTEREST'],
      ['EMAIL', 'NEGATIVE'],
      ['SMS', 'POSITIVE_INTEREST'],
      ['EMAIL', 'POSITIVE_INTEREST'],
      ['PHONE', 'CONTACT_LATER'],
      ['PHONE', 'POSITIVE_INTEREST'],
      ['EMAIL', 'POSITIVE_INTEREST'],
    ];
    const recorded = [];
    for (const [i, [channel, response]] of plan.entries()) {
      const t = await server.query(RecordTouchpointDocument, {
        input: buildTouchpointInput(c.id, {
          channel,
          response,
          occurredAt: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
          campaign: ' Spring ',
          productId: i === 0 ? p.id : null,
          direction: i % 2 ? 'INBOUND' : 'OUTBOUND',
        }),
      });
      recorded.push(t.recordTouchpoint.touchpoint);
    }
    expect(recorded[0]).toMatchObject({ campaign: 'Spring', product: { id: p.id }, customer: { id: c.id }, direction: 'OUTBOUND' });
    expect(recorded[1]).toMatchObject({ product: null, direction: 'INBOUND' });

    const filter: TouchpointFilter = { channelIn: ['EMAIL', 'PHONE'], responseIn: ['POSITIVE_INTEREST'] };
    const expected = recorded
      .filter((_, i) => ['EMAIL', 'PHONE'].includes(plan[i][0]) && plan[i][1] === 'POSITIVE_INTEREST')
      .map((t) => t.id)
      .reverse();
    expect(expected).toHaveLength(5);
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: TouchpointsFilteredQuery = await server.query(TouchpointsFilteredDocument, {
        id: c.id,
        filter: { ...filter },
        first: 2,
        after,
      });
      const conn = page.customer!.touchpoints;
      expect(conn.totalCount).toBe(5);
      expect(conn.nodes.every((n) => ['EMAIL', 'PHONE'].includes(n.channel) && n.response === 'POSITIVE_INTEREST')).toBe(true);
      seen.push(...conn.nodes.map((n) => n.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);

    const all = await server.query(TouchpointsFilteredDocument, { id: c.id, first: 20 });
    expect(all.customer!.touchpoints.totalCount).toBe(8);
    const negative = await server.query(TouchpointsFilteredDocument, {
      id: c.id,
      first: 20,
      filter: { responseIn: ['NEGATIVE', 'CONTACT_LATER'] },
    });
    expect(negative.customer!.touchpoints.nodes.map((n) => n.id)).toEqual([recorded[5].id, recorded[2].id]);
    const none = await server.query(TouchpointsFilteredDocument, { id: c.id, first: 20, filter: { channelIn: [] } });
    expect(none.customer!.touchpoints.totalCount).toBe(0);
  });
});

describe('referrals', () => {
  it("converts a referral at the referred customer's first purchase, whether it came before or after", async () => {
    const referrer = await customer({ name: 'Referrer', stage: 'RETAINED' });
    const early = await customer({ name: 'Referred before buying' });
    const late = await customer({ name: 'Referred after buying' });
    await buy([
      buildPurchaseInput(late.id, { occurredAt: '2024-02-02T00:00:00Z' }),
      buildPurchaseInput(late.id, { occurredAt: '2024-01-15T00:00:00Z' }),
    ]);

    const r1 = (
      await server.query(CreateReferralDocument, { input: { referrerId: referrer.id, referredId: early.id, sourceChannel: 'SOCIAL' } })
    ).createReferral.referral;
    expect(r1).toMatchObject({ sourceChannel: 'SOCIAL', convertedAt: null, referrer: { id: referrer.id }, referred: { id: early.id } });
    const r2 = (
      await server.query(CreateReferralDocument, { input: { referrerId: referrer.id, referredId: late.id, sourceChannel: 'EMAIL' } })
    ).createReferral.referral;
    expect(r2.convertedAt).toBe(iso('2024-01-15T00:00:00Z'));

    await buy([buildPurchaseInput(early.id, { occurredAt: '2024-03-03T00:00:00Z' })]);
    const made = (await server.query(CustomerReferralsDocument, { id: referrer.id })).customer!;
    expect(made.referralsMade.totalCount).toBe(2);
    expect(made.referralsMade.nodes.map((r) => [r.referred.id, r.convertedAt])).toEqual([
      [early.id, iso('2024-03-03T00:00:00Z')],
      [late.id, iso('2024-01-15T00:00:00Z')],
    ]);
    // A later purchase does not move the conversion date.
    await buy([buildPurchaseInput(early.id, { occurredAt: '2024-04-04T00:00:00Z' })]);
    const referredBy = (await server.query(CustomerReferralsDocument, { id: early.id })).customer!.referredBy!;
    expect(referredBy).toMatchObject({ id: r1.id, convertedAt: iso('2024-03-03T00:00:00Z'), referrer: { id: referrer.id } });
    // A back-dated purchase imported later is the real first purchase.
    await buy([buildPurchaseInput(early.id, { occurredAt: '2023-12-24T00:00:00Z' })]);
    expect((await server.query(CustomerReferralsDocument, { id: early.id })).customer!.referredBy!.convertedAt).toBe(
      iso('2023-12-24T00:00:00Z'),
    );
  });

  it('makes a first-time referrer an ADVOCATE when their stage allows, once', async () => {
    const retained = await customer({ name: 'Loyal', stage: 'RETAINED' });
    const prospect = await customer({ name: 'Not yet a customer' });
    const friends = await Promise.all([1, 2, 3].map((i) => customer({ name: `Friend ${i}` })));
    await server.query(CreateReferralDocument, {
      input: { referrerId: retained.id, referredId: friends[0].id, sourceChannel: 'IN_PERSON' },
    });
    const j = await journey(retained.id);
    expect(j.stage).toBe('ADVOCATE');
    expect(j.stageHistory.nodes.at(-1)).toMatchObject({ from: 'RETAINED', to: 'ADVOCATE', trigger: 'FIRST_REFERRAL' });
    await server.query(CreateReferralDocument, {
      input: { referrerId: retained.id, referredId: friends[1].id, sourceChannel: 'IN_PERSON' },
    });
    expect((await journey(retained.id)).stageHistory.totalCount).toBe(2);

    // IDENTIFIED may not become ADVOCATE: the referral is kept, the stage is not moved.
    await server.query(CreateReferralDocument, { input: { referrerId: prospect.id, referredId: friends[2].id, sourceChannel: 'WEB' } });
    const pj = await journey(prospect.id);
    expect([pj.stage, pj.stageHistory.totalCount]).toEqual(['IDENTIFIED', 1]);
    expect((await server.query(CustomerReferralsDocument, { id: prospect.id })).customer!.referralsMade.totalCount).toBe(1);
  });
});

describe('stage history', () => {
  it('records manual moves oldest first, with reasons, and pages both ways', async () => {
    const c = await customer({ name: 'Journeyer', reason: 'Met at a trade show' });
    const path: LifecycleStage[] = ['ACQUIRED', 'CONVERTED', 'ONBOARDED', 'EXPANDING', 'AT_RISK', 'RETAINED'];
    for (const to of path) {
      const moved = await moveTo(c.id, to, `  to ${to}  `);
      expect(moved.customer.stage).toBe(to);
      expect(moved.stageChange).toMatchObject({ to, reason: `to ${to}`, trigger: 'MANUAL' });
    }
    const j = await journey(c.id);
    expect(j.stageHistory.nodes.map((n) => n.to)).toEqual(['IDENTIFIED', ...path]);
    expect(j.stageHistory.nodes[0]).toMatchObject({ from: null, reason: 'Met at a trade show' });
    expect(j.stageHistory.nodes.slice(1).map((n) => n.from)).toEqual(['IDENTIFIED', ...path.slice(0, -1)]);
    expect(j.stageEnteredAt).toBe(j.stageHistory.nodes.at(-1)!.occurredAt);
    const times = j.stageHistory.nodes.map((n) => Date.parse(n.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const last3 = (await server.query(CustomerJourneyDocument, { id: c.id, last: 3 })).customer!.stageHistory;
    expect(last3.nodes.map((n) => n.to)).toEqual(path.slice(-3));
    expect(last3.pageInfo.hasPreviousPage).toBe(true);
    const before = (await server.query(CustomerJourneyDocument, { id: c.id, last: 10, before: last3.pageInfo.startCursor })).customer!
      .stageHistory;
    expect(before.nodes.map((n) => n.to)).toEqual(['IDENTIFIED', ...path.slice(0, -3)]);
    const afterFirst2 = (await server.query(CustomerJourneyDocument, { id: c.id, first: 2, after: j.stageHistory.pageInfo.startCursor }))
      .customer!.stageHistory;
    expect(afterFirst2.nodes.map((n) => n.to)).toEqual(path.slice(0, 2));
  });
});

describe('several mutations in one operation', () => {
  it('each payload reads what its own mutation committed, not a row cached by an earlier one', async () => {
    const c = await customer({ name: 'Twice moved' });
    const p = await product();
    const res = await server.query<{
      a: { stageChange: { customer: { stage: string; lastPurchaseAt: string | null } } };
      b: { purchases: { customer: { stage: string; lastPurchaseAt: string | null } }[] };
      c: { stageChange: { customer: { stage: string } } };
    }>(
      `mutation Moves($id: ID!, $purchase: PurchaseInput!) {
        a: transitionCustomerStage(input: { customerId: $id, to: ACQUIRED }) { stageChange { customer { stage lastPurchaseAt } } }
        b: recordPurchases(input: { purchases: [$purchase] }) { purchases { customer { stage lastPurchaseAt } } }
        c: transitionCustomerStage(input: { customerId: $id, to: ONBOARDED }) { stageChange { customer { stage } } }
      }`,
      { id: c.id, purchase: buildPurchaseInput(c.id, { productId: p.id, occurredAt: '2024-05-05T00:00:00Z' }) },
    );
    expect(res.a.stageChange.customer).toEqual({ stage: 'ACQUIRED', lastPurchaseAt: null });
    expect(res.b.purchases[0].customer).toEqual({ stage: 'CONVERTED', lastPurchaseAt: iso('2024-05-05T00:00:00Z') });
    expect(res.c.stageChange.customer.stage).toBe('ONBOARDED');
  });
});

describe('customer lists', () => {
  async function pageAll(
    order: CustomerOrder,
    search: string,
    size: number,
    direction: 'forward' | 'backward' = 'forward',
  ): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 50; guard++) {
      const vars =
        direction === 'forward'
          ? { first: size, after: cursor, orderBy: order, filter: { search } }
          : { last: size, before: cursor, orderBy: order, filter: { search } };
      const page: CustomerPageQuery = await server.query(CustomerPageDocument, vars);
      const ids = page.customers.edges.map((e) => e.node.id);
      if (direction === 'forward') seen.push(...ids);
      else seen.unshift(...ids);
      const more = direction === 'forward' ? page.customers.pageInfo.hasNextPage : page.customers.pageInfo.hasPreviousPage;
      if (!more) break;
      cursor = direction === 'forward' ? page.customers.pageInfo.endCursor : page.customers.pageInfo.startCursor;
    }
    return seen;
  }

  it('orders by last purchase with never-bought customers last (first for ASC), paging across the null boundary', async () => {
    const tag = unique('lpa').toLowerCase();
    const make = (n: string) => customer({ name: `${tag} ${n}` });
    const [a, b, c, d, e, f, g] = [
      await make('a'),
      await make('b'),
      await make('c'),
      await make('d'),
      await make('e'),
      await make('f'),
      await make('g'),
    ];
    // b and c share a last-purchase time: only the id breaks the tie. e, f, g never bought.
    await buy([
      buildPurchaseInput(a.id, { occurredAt: '2024-01-01T00:00:00Z' }),
      buildPurchaseInput(b.id, { occurredAt: '2024-06-01T00:00:00.123456Z' }),
      buildPurchaseInput(c.id, { occurredAt: '2024-06-01T00:00:00.123456Z' }),
      buildPurchaseInput(d.id, { occurredAt: '2024-09-01T00:00:00Z' }),
    ]);
    const byIdDesc = (x: { id: string }, y: { id: string }) =>
      BigInt(Buffer.from(y.id, 'base64url').toString().split(':')[1]) > BigInt(Buffer.from(x.id, 'base64url').toString().split(':')[1])
        ? 1
        : -1;
    const desc = [d, ...[b, c].sort(byIdDesc), a, ...[e, f, g].sort(byIdDesc)].map((x) => x.id);
    for (const size of [1, 2, 3, 4]) {
      expect(await pageAll('LAST_PURCHASE_AT_DESC', tag, size)).toEqual(desc);
      expect(await pageAll('LAST_PURCHASE_AT_DESC', tag, size, 'backward')).toEqual(desc);
      expect(await pageAll('LAST_PURCHASE_AT_ASC', tag, size)).toEqual([...desc].reverse());
    }
    const first = await server.query(CustomerPageDocument, { first: 5, orderBy: 'LAST_PURCHASE_AT_DESC', filter: { search: tag } });
    expect(first.customers.edges.map((x) => x.node.lastPurchaseAt)).toEqual([
      iso('2024-09-01T00:00:00Z'),
      '2024-06-01T00:00:00.123Z',
      '2024-06-01T00:00:00.123Z',
      iso('2024-01-01T00:00:00Z'),
      null,
    ]);
  });

  it('filters by persona, by product held, and by several conditions at once', async () => {
    const persona = (
      await server.query(CreatePersonaDocument, { input: buildPersonaInput({ preferredChannels: ['SMS', 'EMAIL', 'SMS'] }) })
    ).createPersona.persona;
    expect(persona.preferredChannels).toEqual(['SMS', 'EMAIL']);
    const tag = unique('flt').toLowerCase();
    const inPersona = await customer({ name: `${tag} one`, personaId: persona.id });
    const alsoInPersona = await customer({ name: `${tag} two`, personaId: persona.id, stage: 'RETAINED' });
    await customer({ name: `${tag} three` });
    const p = await product();
    await buy([buildPurchaseInput(alsoInPersona.id, { productId: p.id })]);

    const ids = async (filter: Record<string, unknown>) =>
      (await server.query(CustomerPageDocument, { first: 10, orderBy: 'NAME_ASC', filter })).customers.edges.map((e) => e.node.id);
    expect(await ids({ personaId: persona.id })).toEqual([inPersona.id, alsoInPersona.id]);
    expect(await ids({ hasProductId: p.id })).toEqual([alsoInPersona.id]);
    expect(await ids({ personaId: persona.id, stageIn: ['IDENTIFIED'], search: tag })).toEqual([inPersona.id]);
    expect(await ids({ search: tag, stageIn: [] })).toEqual([]);
  });
});

describe('catalogue', () => {
  it('filters products by category and pages by SKU', async () => {
    const category = unique('Category');
    const skus = ['B-2', 'A-1', 'C-3', 'D-4', 'E-5'].map((s) => `${category}-${s}`);
    for (const sku of skus) await product({ sku, category, price: '1' });
    await product({ category: `${category}-other` });
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const page: ProductsPageQuery = await server.query(ProductsPageDocument, { first: 2, after, filter: { category } });
      expect(page.products.totalCount).toBe(5);
      seen.push(...page.products.nodes.map((n) => n.sku));
      if (!page.products.pageInfo.hasNextPage) break;
      after = page.products.pageInfo.endCursor;
    }
    expect(seen).toEqual([...skus].sort());
    const one = await server.query(ProductsPageDocument, { first: 1, filter: { category } });
    expect(one.products.nodes[0]).toMatchObject({ price: '1.00', category, name: 'Travel insurance' });
  });

  it('lists personas by name', async () => {
    const names = ['zz Persona B', 'zz Persona A'];
    for (const name of names) await server.query(CreatePersonaDocument, { input: buildPersonaInput({ name }) });
    const all = await server.query(PersonasPageDocument, { first: 100 });
    const ours = all.personas.nodes.map((n) => n.name).filter((n) => n.startsWith('zz Persona'));
    expect(ours).toEqual([...names].sort());
  });
});

describe('node and nodes', () => {
  it('resolve every node type by its global ID, in the order asked, null for unknown', async () => {
    const persona = (await server.query(CreatePersonaDocument, { input: buildPersonaInput() })).createPersona.persona;
    const c = await customer({ name: 'Everything', personaId: persona.id, stage: 'RETAINED' });
    const friend = await customer({ name: 'Friend of everything' });
    const p = await product();
    const [purchase] = await buy([buildPurchaseInput(c.id, { productId: p.id })]);
    const holding = (await commerce(c.id)).holdings.nodes[0];
    const touchpoint = (await server.query(RecordTouchpointDocument, { input: buildTouchpointInput(c.id, { channel: 'WEB' }) }))
      .recordTouchpoint.touchpoint;
    const referral = (
      await server.query(CreateReferralDocument, { input: { referrerId: c.id, referredId: friend.id, sourceChannel: 'EVENT' } })
    ).createReferral.referral;
    const stageChange = (await journey(c.id)).stageHistory.nodes.at(-1)!;

    const expected = [
      { id: c.id, __typename: 'Customer', name: 'Everything' },
      // Aliased: Customer.name is nullable (personal data) and Persona.name is not, so they cannot share a response name.
      { id: persona.id, __typename: 'Persona', personaName: persona.name },
      { id: p.id, __typename: 'Product', sku: p.sku },
      { id: holding.id, __typename: 'Holding', status: 'ACTIVE' },
      { id: purchase.id, __typename: 'Purchase', amount: '25.00' },
      { id: touchpoint.id, __typename: 'Touchpoint', channel: 'WEB' },
      { id: referral.id, __typename: 'Referral', sourceChannel: 'EVENT' },
      { id: stageChange.id, __typename: 'StageChange', to: 'ADVOCATE' },
    ];
    const unknown = Buffer.from('Holding:999999').toString('base64url');
    const res = await server.query(NodeTypesDocument, {
      ids: [...expected.map((e) => e.id), unknown, 'not-an-id', Buffer.from('Nope:1').toString('base64url')],
    });
    expect(res.nodes).toEqual([...expected, null, null, null]);
    for (const e of expected) {
      expect((await server.query(NodeTypeDocument, { id: e.id })).node).toEqual({ id: e.id, __typename: e.__typename });
    }
    expect((await server.query(NodeTypeDocument, { id: unknown })).node).toBeNull();
  });
});

describe('simultaneous writes to one customer', () => {
  it('converts a customer once when several first purchases arrive together', async () => {
    const c = await customer({ name: 'Rushed buyer', stage: 'ACQUIRED' });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        server.request(RecordPurchasesDocument, {
          input: { purchases: [buildPurchaseInput(c.id, { occurredAt: new Date(Date.UTC(2024, 0, 1 + i)).toISOString() })] },
        }),
      ),
    );
    expect(results.filter((r) => r.errors)).toEqual([]);
    const j = await journey(c.id);
    expect(j.stage).toBe('CONVERTED');
    expect(j.stageHistory.nodes.filter((n) => n.trigger === 'FIRST_PURCHASE')).toHaveLength(1);
    expect((await commerce(c.id)).purchases.totalCount).toBe(5);
  });

  it('lets one of several identical stage moves through and refuses the rest as INVALID_STAGE_TRANSITION', async () => {
    const c = await customer({ name: 'Contested' });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => server.request(TransitionStageDocument, { input: { customerId: c.id, to: 'ACQUIRED' } })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    for (const r of results.filter((x) => x.errors))
      expect(r.errors![0].extensions).toMatchObject({ code: 'INVALID_STAGE_TRANSITION', from: 'ACQUIRED' });
    expect((await journey(c.id)).stageHistory.totalCount).toBe(2);
  });

  it('makes an ADVOCATE once when several first referrals arrive together', async () => {
    const referrer = await customer({ name: 'Popular', stage: 'RETAINED' });
    const friends = await Promise.all([1, 2, 3, 4].map((i) => customer({ name: `Invitee ${i}` })));
    const results = await Promise.all(
      friends.map((f) =>
        server.request(CreateReferralDocument, { input: { referrerId: referrer.id, referredId: f.id, sourceChannel: 'SOCIAL' } }),
      ),
    );
    expect(results.filter((r) => r.errors)).toEqual([]);
    const j = await journey(referrer.id);
    expect(j.stage).toBe('ADVOCATE');
    expect(j.stageHistory.nodes.filter((n) => n.trigger === 'FIRST_REFERRAL')).toHaveLength(1);
  });
});
