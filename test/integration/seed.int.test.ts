/**
 * Demo data on real PostgreSQL: 300 seeded customers checked through SQL (the
 * invariants the services keep) and through the API (what a user of the
 * playground sees).
 */
import { cohorts, generateCohort } from '../../src/db/seed/generate';
import { PERSONAS, PRODUCTS } from '../../src/db/seed/catalogue';
import { seedDemoData, type SeedSummary } from '../../src/db/seed/seed';
import { ALL_STAGES, STAGE_TRANSITIONS } from '../../src/modules/lifecycle/stages';
import { CONSENT_OPERATIONS, CUSTOMER_360_OPERATION } from '../../src/server/playground-examples';
import { SeededCatalogueDocument, SeededCustomersDocument, type SeededCustomersQuery } from '../generated/graphql';
import { startTestServer, type TestServer } from '../support/server';

const CUSTOMERS = 300;
const SEED = 'integration-test';
const NOW = new Date('2025-06-01T12:00:00Z');

let server: TestServer;
let summary: SeedSummary | null;

// Jest ignores a per-project testTimeout, so the default 5 s would apply; seeding on a busy machine can take longer.
beforeAll(async () => {
  server = await startTestServer();
  summary = await seedDemoData(server.ds, { customers: CUSTOMERS, seed: SEED, now: NOW });
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => server.ds.query(text, params);
const one = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T> => (await sql<T>(text, params))[0];
const ms = (d: string | Date | null) => (d === null ? null : new Date(d).getTime());

describe('demo data in PostgreSQL', () => {
  it('writes exactly what the generator produced', async () => {
    let stageChanges = 0;
    let purchases = 0;
    let holdings = 0;
    let touchpoints = 0;
    let referrals = 0;
    let consentRecords = 0;
    for (const { start, count } of cohorts(CUSTOMERS)) {
      const c = generateCohort(SEED, start, count, NOW);
      for (const x of c.customers) {
        stageChanges += x.history.length;
        purchases += x.purchases.length;
        holdings += x.holdings.length;
        touchpoints += x.touchpoints.length;
        consentRecords += x.consent.length;
      }
      referrals += c.referrals.length;
    }
    const expected = {
      persona: PERSONAS.length,
      product: PRODUCTS.length,
      customer: CUSTOMERS,
      stage_change: stageChanges,
      purchase: purchases,
      holding: holdings,
      touchpoint: touchpoints,
      referral: referrals,
      consent_record: consentRecords,
    };
    expect(summary?.rows).toEqual(expected);
    const counted = await one<Record<string, number>>(
      `SELECT ${Object.keys(expected)
        .map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`)
        .join(', ')}`,
    );
    expect(counted).toEqual(expected);
  });

  it('gives some customers consent records the rules respect: opt-outs, preferred channels, no refused outreach', async () => {
    const [mix] = await sql<{ with_consent: number; opted_out: number; preferred: number; everywhere: number }>(
      `SELECT count(DISTINCT customer_id)::int AS with_consent,
              count(DISTINCT customer_id) FILTER (WHERE channels::text LIKE '%OPTED_OUT%')::int AS opted_out,
              count(DISTINCT customer_id) FILTER (WHERE preferred_channel IS NOT NULL)::int AS preferred,
              count(DISTINCT customer_id) FILTER (WHERE source = 'complaint')::int AS everywhere
       FROM consent_record`,
    );
    expect(mix.with_consent).toBeGreaterThan(CUSTOMERS / 3);
    expect(mix.with_consent).toBeLessThan(CUSTOMERS);
    expect(mix.opted_out).toBeGreaterThan(0);
    expect(mix.preferred).toBeGreaterThan(0);
    expect(mix.everywhere).toBeGreaterThan(0);
    // No outbound marketing touchpoint after its channel was opted out; no preferred channel that is opted out.
    const violations = await sql(
      `SELECT t.id FROM touchpoint t
       JOIN LATERAL (SELECT r.channels FROM consent_record r WHERE r.customer_id = t.customer_id AND r.recorded_at <= t.occurred_at
                     ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1) s ON true
       WHERE t.direction = 'OUTBOUND' AND t.purpose = 'MARKETING' AND s.channels->t.channel->>'status' = 'OPTED_OUT'
       UNION ALL
       SELECT r.id FROM consent_record r WHERE r.channels->r.preferred_channel->>'status' = 'OPTED_OUT'`,
    );
    expect(violations).toEqual([]);
    const [{ inbound_marketing }] = await sql<{ inbound_marketing: number }>(
      `SELECT count(*)::int AS inbound_marketing FROM touchpoint WHERE direction = 'INBOUND' AND purpose <> 'SERVICE'`,
    );
    expect(inbound_marketing).toBe(0);
  });

  it('has every stage, and each customer stage matches the last history row', async () => {
    const stages = await sql<{ stage: string }>(`SELECT DISTINCT stage FROM customer`);
    expect(new Set(stages.map((s) => s.stage))).toEqual(new Set(ALL_STAGES));
    const mismatched = await sql(
      `SELECT c.external_id, c.stage, c.stage_entered_at, l.to_stage, l.occurred_at
         FROM customer c
         LEFT JOIN LATERAL (SELECT to_stage, occurred_at FROM stage_change s WHERE s.customer_id = c.id ORDER BY occurred_at DESC, id DESC LIMIT 1) l ON true
        WHERE l.to_stage IS DISTINCT FROM c.stage OR l.occurred_at IS DISTINCT FROM c.stage_entered_at`,
    );
    expect(mismatched).toEqual([]);
  });

  it('writes histories that chain, move forward in time and use only allowed moves', async () => {
    const pairs = ALL_STAGES.flatMap((from) => STAGE_TRANSITIONS[from].map((to) => [from, to]));
    const bad = await one(
      `WITH h AS (
         SELECT s.*, c.created_at,
                lag(to_stage) OVER w AS prev_to, lag(occurred_at) OVER w AS prev_at, row_number() OVER w AS n
           FROM stage_change s JOIN customer c ON c.id = s.customer_id
         WINDOW w AS (PARTITION BY customer_id ORDER BY occurred_at, s.id))
       SELECT count(*) FILTER (WHERE n = 1 AND (from_stage IS NOT NULL OR to_stage <> 'IDENTIFIED' OR occurred_at <> created_at))::int AS bad_first,
              count(*) FILTER (WHERE n > 1 AND (from_stage IS DISTINCT FROM prev_to OR occurred_at <= prev_at))::int AS bad_chain,
              count(*) FILTER (WHERE n > 1 AND (from_stage, to_stage) NOT IN (SELECT * FROM unnest($1::text[], $2::text[])))::int AS bad_move,
              count(*) FILTER (WHERE occurred_at > $3)::int AS in_future
         FROM h`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1]), NOW],
    );
    expect(bad).toEqual({ bad_first: 0, bad_chain: 0, bad_move: 0, in_future: 0 });
  });

  it('keeps last_purchase_at, holdings and referrals consistent with the purchase log', async () => {
    const bad = await one(
      `SELECT
         (SELECT count(*)::int FROM customer c
            LEFT JOIN (SELECT customer_id, max(occurred_at) AS latest FROM purchase GROUP BY 1) p ON p.customer_id = c.id
           WHERE c.last_purchase_at IS DISTINCT FROM p.latest) AS last_purchase,
         (SELECT count(*)::int FROM (SELECT DISTINCT customer_id, product_id FROM purchase) p
           WHERE NOT EXISTS (SELECT 1 FROM holding h WHERE h.customer_id = p.customer_id AND h.product_id = p.product_id)) AS missing_holding,
         (SELECT count(*)::int FROM holding h
           WHERE h.status = 'CLOSED'
             AND h.closed_at <= (SELECT max(occurred_at) FROM purchase p WHERE p.customer_id = h.customer_id AND p.product_id = h.product_id)) AS closed_before_last_buy,
         (SELECT count(*)::int FROM referral r
           WHERE r.converted_at IS DISTINCT FROM (SELECT min(occurred_at) FROM purchase p WHERE p.customer_id = r.referred_id)) AS referral_conversion,
         (SELECT count(*)::int FROM customer c
           WHERE c.stage = 'CHURNED' AND EXISTS (SELECT 1 FROM holding h WHERE h.customer_id = c.id AND h.status = 'ACTIVE')) AS churned_with_active_holding`,
    );
    expect(bad).toEqual({
      last_purchase: 0,
      missing_holding: 0,
      closed_before_last_buy: 0,
      referral_conversion: 0,
      churned_with_active_holding: 0,
    });
    const mix = await one(
      `SELECT (SELECT count(*)::int FROM holding WHERE status = 'CLOSED') AS closed,
              (SELECT count(*)::int FROM holding WHERE status = 'ACTIVE') AS active,
              (SELECT count(*)::int FROM referral WHERE converted_at IS NOT NULL) AS converted,
              (SELECT count(*)::int FROM referral WHERE converted_at IS NULL) AS unconverted,
              (SELECT count(DISTINCT channel)::int FROM touchpoint) AS channels,
              (SELECT count(DISTINCT response)::int FROM touchpoint) AS responses`,
    );
    expect(mix).toMatchObject({ channels: 9, responses: 4 });
    expect(mix.closed).toBeGreaterThan(0);
    expect(mix.active).toBeGreaterThan(0);
    expect(mix.converted).toBeGreaterThan(0);
    expect(mix.unconverted).toBeGreaterThan(0);
  });

  it('writes no outbox events', async () => {
    const [{ outbox }] = await sql<{ outbox: string | null }>(`SELECT to_regclass('customer_event')::text AS outbox`);
    // The outbox table arrives with its own migration; until then there is nothing to check.
    if (outbox) expect(await one(`SELECT count(*)::int AS n FROM customer_event`)).toEqual({ n: 0 });
  });

  it('leaves a database with customers alone', async () => {
    expect(await seedDemoData(server.ds, { customers: 10, seed: 'again', now: NOW })).toBeNull();
    expect(await one(`SELECT count(*)::int AS n FROM customer`)).toEqual({ n: CUSTOMERS });
  });
});

describe('demo data through the API', () => {
  it('serves the personas and the catalogue', async () => {
    const data = await server.query(SeededCatalogueDocument);
    expect(data.personas.totalCount).toBe(PERSONAS.length);
    expect(data.personas.nodes.map((p) => p.name).sort()).toEqual(PERSONAS.map((p) => p.name).sort());
    expect(data.personas.nodes.every((p) => p.goals.length > 0 && p.preferredChannels.length > 0)).toBe(true);
    expect(data.products.totalCount).toBe(PRODUCTS.length);
    expect(new Set(data.products.nodes.map((p) => p.category)).size).toBeGreaterThanOrEqual(5);
    expect(data.products.nodes.find((p) => p.sku === 'RM-STD')?.price).toBe('129.00');
  });

  it('shows each churned customer with a matching history, last purchase and closed holdings', async () => {
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM customer WHERE stage = 'CHURNED'`);
    const seen: SeededCustomersQuery['customers']['nodes'] = [];
    let after: string | null = null;
    for (;;) {
      const page: SeededCustomersQuery = await server.query(SeededCustomersDocument, {
        first: 25,
        after,
        filter: { stageIn: ['CHURNED'] },
        orderBy: 'CREATED_AT_ASC',
      });
      expect(page.customers.totalCount).toBe(n);
      seen.push(...page.customers.nodes);
      if (!page.customers.pageInfo.hasNextPage) break;
      after = page.customers.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(n);
    expect(n).toBeGreaterThan(0);
    for (const c of seen) {
      expect(c.stage).toBe('CHURNED');
      expect(c.stageHistory.nodes[0].to).toBe('CHURNED');
      expect(ms(c.stageHistory.nodes[0].occurredAt)).toBe(ms(c.stageEnteredAt));
      expect(ms(c.purchases.nodes[0]?.occurredAt ?? null)).toBe(ms(c.lastPurchaseAt));
      expect(c.holdings.nodes.every((h) => h.status === 'CLOSED' && h.closedAt !== null)).toBe(true);
    }
  });

  it('orders steady customers before lapsed ones by last purchase', async () => {
    const page = await server.query(SeededCustomersDocument, { first: 100, orderBy: 'LAST_PURCHASE_AT_DESC' });
    const stages = page.customers.nodes.map((c) => c.stage);
    const steady = stages.filter((s) => s === 'RETAINED' || s === 'EXPANDING' || s === 'ADVOCATE').length;
    const lapsed = stages.filter((s) => s === 'DORMANT' || s === 'CHURNED').length;
    expect(steady).toBeGreaterThan(lapsed * 3);
    expect(page.customers.nodes.some((c) => c.referralsMade.totalCount > 0)).toBe(true);
  });

  it('runs the playground example query on demo data', async () => {
    const data = await server.query<{
      customers: {
        totalCount: number;
        nodes: { persona: { name: string } | null; holdings: { nodes: unknown[] }; stageHistory: { nodes: unknown[] } }[];
      };
    }>(CUSTOMER_360_OPERATION);
    expect(data.customers.totalCount).toBe(CUSTOMERS);
    expect(data.customers.nodes).toHaveLength(5);
    expect(data.customers.nodes.some((c) => c.persona !== null)).toBe(true);
    expect(data.customers.nodes.every((c) => c.holdings.nodes.length > 0 && c.stageHistory.nodes.length > 0)).toBe(true);
  });

  it('runs the playground consent example on demo data: some customers opted out of some channels', async () => {
    const data = await server.query<{
      customers: { nodes: { communicationPreferences: { channels: { status: string }[]; contactability: { reachable: boolean } } }[] };
    }>(CONSENT_OPERATIONS);
    expect(data.customers.nodes).toHaveLength(10);
    const statuses = data.customers.nodes.flatMap((c) => c.communicationPreferences.channels.map((ch) => ch.status));
    expect(statuses).toContain('OPTED_IN');
    expect(statuses).toContain('UNKNOWN');
    const [{ n }] = await sql<{ n: number }>(
      `SELECT count(DISTINCT customer_id)::int AS n FROM consent_record WHERE changes::text LIKE '%OPTED_OUT%'`,
    );
    expect(n).toBeGreaterThan(0);
  });
});

describe('reseeding', () => {
  it('replaces existing data with --reset semantics in one transaction', async () => {
    const result = await seedDemoData(server.ds, { customers: 40, seed: 'reset', now: NOW, reset: true });
    expect(result?.rows.customer).toBe(40);
    expect(await one(`SELECT (SELECT count(*)::int FROM customer) AS customers, (SELECT count(*)::int FROM persona) AS personas`)).toEqual({
      customers: 40,
      personas: PERSONAS.length,
    });
  });
});
