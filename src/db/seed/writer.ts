/**
 * Writes generated demo data with a few large statements: each table gets
 * `INSERT … SELECT FROM unnest($1::type[], …)` with up to CHUNK_ROWS rows, so
 * thousands of rows cost one round trip and one parse. Runs on the caller's
 * QueryRunner, inside the caller's transaction.
 *
 * It writes tables directly, not through the services: that is what makes it
 * fast, and it is why it writes no outbox events (customer_event). Demo data is
 * a starting state, not a stream of changes for subscribers to replay.
 */
import type { QueryRunner } from 'typeorm';
import { PERSONAS, PRODUCTS } from './catalogue';
import type { GeneratedCohort } from './generate';

/** Rows per INSERT statement. */
export const CHUNK_ROWS = 5000;

export type SeedTable =
  'persona' | 'product' | 'customer' | 'stage_change' | 'purchase' | 'holding' | 'touchpoint' | 'referral' | 'consent_record';
export type RowCounts = Record<SeedTable, number>;

export const emptyCounts = (): RowCounts => ({
  persona: 0,
  product: 0,
  customer: 0,
  stage_change: 0,
  purchase: 0,
  holding: 0,
  touchpoint: 0,
  referral: 0,
  consent_record: 0,
});

export interface CatalogueIds {
  /** Database id per PERSONAS index. */
  persona: string[];
  /** Database id per PRODUCTS index. */
  product: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** Runs `sql` once per CHUNK_ROWS rows, passing each column's slice as one array parameter. */
async function insertColumns(qr: QueryRunner, sql: string, columns: unknown[][]): Promise<number> {
  const rows = columns[0]?.length ?? 0;
  for (let from = 0; from < rows; from += CHUNK_ROWS) {
    await qr.query(
      sql,
      columns.map((col) => col.slice(from, from + CHUNK_ROWS)),
    );
  }
  return rows;
}

/**
 * Ensures the demo personas and products exist (kept if already there, matched
 * by name and SKU) and returns their ids. Counts only rows it inserted.
 */
export async function writeCatalogue(qr: QueryRunner, counts: RowCounts): Promise<CatalogueIds> {
  for (const p of PERSONAS) {
    const inserted: unknown[] = await qr.query(
      `INSERT INTO persona (name, description, goals, preferred_channels) VALUES ($1, $2, $3::text[], $4::text[])
       ON CONFLICT (name) DO NOTHING RETURNING id`,
      [p.name, p.description, p.goals, p.preferredChannels],
    );
    counts.persona += inserted.length;
  }
  const insertedProducts: unknown[] = await qr.query(
    `INSERT INTO product (sku, name, category, price)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[])
     ON CONFLICT (sku) DO NOTHING RETURNING id`,
    [PRODUCTS.map((p) => p.sku), PRODUCTS.map((p) => p.name), PRODUCTS.map((p) => p.category), PRODUCTS.map((p) => money(p.priceCents))],
  );
  counts.product += insertedProducts.length;
  const personas: { id: string; name: string }[] = await qr.query(`SELECT id::text, name FROM persona WHERE name = ANY($1::text[])`, [
    PERSONAS.map((p) => p.name),
  ]);
  const products: { id: string; sku: string }[] = await qr.query(`SELECT id::text, sku FROM product WHERE sku = ANY($1::text[])`, [
    PRODUCTS.map((p) => p.sku),
  ]);
  const personaId = new Map(personas.map((r) => [r.name, r.id]));
  const productId = new Map(products.map((r) => [r.sku, r.id]));
  return { persona: PERSONAS.map((p) => personaId.get(p.name)!), product: PRODUCTS.map((p) => productId.get(p.sku)!) };
}

/** Writes one cohort: customers first (for their ids), then everything that hangs off them. */
export async function writeCohort(qr: QueryRunner, cohort: GeneratedCohort, ids: CatalogueIds, counts: RowCounts): Promise<void> {
  const cs = cohort.customers;
  const returned: { id: string; external_id: string }[] = await qr.query(
    `INSERT INTO customer (external_id, name, email, phone, persona_id, stage, stage_entered_at, last_purchase_at, created_at, updated_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
     RETURNING id::text, external_id`,
    [
      cs.map((c) => c.externalId),
      cs.map((c) => c.name),
      cs.map((c) => c.email),
      cs.map((c) => c.phone),
      cs.map((c) => (c.persona === null ? null : ids.persona[c.persona])),
      cs.map((c) => c.stage),
      cs.map((c) => iso(c.stageEnteredAt)),
      cs.map((c) => isoOrNull(c.lastPurchaseAt)),
      cs.map((c) => iso(c.createdAt)),
      cs.map((c) => iso(c.updatedAt)),
    ],
  );
  counts.customer += returned.length;
  // RETURNING order is not promised, so ids are matched by the external id.
  const byExternal = new Map(returned.map((r) => [r.external_id, r.id]));
  const idOf = new Map(cs.map((c) => [c.index, byExternal.get(c.externalId)!]));

  const history: unknown[][] = [[], [], [], [], [], []];
  const purchases: unknown[][] = [[], [], [], [], []];
  const holdings: unknown[][] = [[], [], [], [], []];
  const touchpoints: unknown[][] = [[], [], [], [], [], [], [], []];
  const consent: unknown[][] = [[], [], [], [], [], [], []];
  for (const c of cs) {
    const id = idOf.get(c.index)!;
    for (const h of c.history) {
      history[0].push(id);
      history[1].push(h.from);
      history[2].push(h.to);
      history[3].push(h.reason);
      history[4].push(h.trigger);
      history[5].push(iso(h.at));
    }
    for (const p of c.purchases) {
      purchases[0].push(id);
      purchases[1].push(ids.product[p.product]);
      purchases[2].push(iso(p.at));
      purchases[3].push(p.quantity);
      purchases[4].push(money(p.amountCents));
    }
    for (const h of c.holdings) {
      holdings[0].push(id);
      holdings[1].push(ids.product[h.product]);
      holdings[2].push(iso(h.since));
      holdings[3].push(h.closedAt === null ? 'ACTIVE' : 'CLOSED');
      holdings[4].push(isoOrNull(h.closedAt));
    }
    for (const t of c.touchpoints) {
      touchpoints[0].push(id);
      touchpoints[1].push(t.channel);
      touchpoints[2].push(t.direction);
      touchpoints[3].push(iso(t.at));
      touchpoints[4].push(t.campaign);
      touchpoints[5].push(t.product === null ? null : ids.product[t.product]);
      touchpoints[6].push(t.response);
      touchpoints[7].push(t.note);
    }
    for (const r of c.consent) {
      consent[0].push(id);
      consent[1].push(JSON.stringify(r.changes));
      consent[2].push(JSON.stringify(r.channels));
      consent[3].push(r.preferredChannel);
      consent[4].push(r.contactCap);
      consent[5].push(r.source);
      consent[6].push(iso(r.at));
    }
  }

  counts.stage_change += await insertColumns(
    qr,
    `INSERT INTO stage_change (customer_id, from_stage, to_stage, reason, trigger, occurred_at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
    history,
  );
  // Seeded history was "recorded" when it happened.
  counts.purchase += await insertColumns(
    qr,
    `INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount, recorded_at)
     SELECT c, p, o, q, a, o FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::int[], $5::numeric[]) AS u(c, p, o, q, a)`,
    purchases,
  );
  counts.holding += await insertColumns(
    qr,
    `INSERT INTO holding (customer_id, product_id, since, status, closed_at)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[], $5::timestamptz[])`,
    holdings,
  );
  // Inbound contact is the customer's own: SERVICE. Our outreach in the demo is marketing.
  counts.touchpoint += await insertColumns(
    qr,
    `INSERT INTO touchpoint (customer_id, channel, direction, purpose, occurred_at, campaign, product_id, response, note, recorded_at)
     SELECT c, ch, d, CASE WHEN d = 'INBOUND' THEN 'SERVICE' ELSE 'MARKETING' END, o, ca, p, r, n, o FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::text[], $8::text[]) AS u(c, ch, d, o, ca, p, r, n)`,
    touchpoints,
  );
  counts.consent_record += await insertColumns(
    qr,
    `INSERT INTO consent_record (customer_id, changes, channels, preferred_channel, contact_cap, source, recorded_at)
     SELECT * FROM unnest($1::bigint[], $2::jsonb[], $3::jsonb[], $4::text[], $5::int[], $6::text[], $7::timestamptz[])`,
    consent,
  );
  const rs = cohort.referrals;
  counts.referral += await insertColumns(
    qr,
    `INSERT INTO referral (referrer_id, referred_id, source_channel, created_at, converted_at)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::timestamptz[])`,
    [
      rs.map((r) => idOf.get(r.referrer)),
      rs.map((r) => idOf.get(r.referred)),
      rs.map((r) => r.channel),
      rs.map((r) => iso(r.at)),
      rs.map((r) => isoOrNull(r.convertedAt)),
    ],
  );
}

export const totalRows = (counts: RowCounts) => Object.values(counts).reduce((a, b) => a + b, 0);
