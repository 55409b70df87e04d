/**
 * Test data. `build<X>(overrides)` returns a valid mutation input (change one
 * field to make it invalid); `insert<X>(db, overrides)` writes a row straight
 * through SQL, for tests that need data but are not testing how it got there.
 * Insert helpers return the local id and the global ID the API uses.
 */
import { toGlobalId } from '../../src/shared/global-id';
import type {
  CreateCustomerInput,
  CreatePersonaInput,
  CreateProductInput,
  PurchaseInput,
  RecordTouchpointInput,
} from '../generated/graphql';

/** Anything that runs SQL: a DataSource, an EntityManager or a pg client wrapper. */
export interface Sql {
  query<T = unknown>(sql: string, params?: unknown[]): Promise<T>;
}

export interface Inserted {
  /** Local (database) id. */
  id: string;
  /** Global ID, as the API shows it. */
  gid: string;
}

let seq = 0;
/** A value unique within this test process, for names, SKUs and external ids. */
export const unique = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

/** Overrides may hold invalid values on purpose (bad-input tests), so they are loosely typed. */
type Overrides<T> = { [K in keyof T]?: unknown };

export const buildPersonaInput = (o: Overrides<CreatePersonaInput> = {}): CreatePersonaInput =>
  ({
    name: unique('Persona'),
    description: 'Plans team events and needs reliable venues.',
    goals: ['Reliable venues'],
    preferredChannels: ['EMAIL'],
    ...o,
  }) as CreatePersonaInput;

export const buildProductInput = (o: Overrides<CreateProductInput> = {}): CreateProductInput =>
  ({ sku: unique('SKU'), name: 'Travel insurance', category: 'Insurance', price: '19.99', ...o }) as CreateProductInput;

export const buildCustomerInput = (o: Overrides<CreateCustomerInput> = {}): CreateCustomerInput =>
  ({ name: 'Ada Lovelace', email: 'ada@example.com', ...o }) as CreateCustomerInput;

export const buildPurchaseInput = (customerId: string, o: Overrides<PurchaseInput> = {}): PurchaseInput =>
  ({ customerId, occurredAt: '2024-03-01T10:00:00.000Z', quantity: 1, amount: '25.00', ...o }) as PurchaseInput;

export const buildTouchpointInput = (customerId: string, o: Overrides<RecordTouchpointInput> = {}): RecordTouchpointInput =>
  ({ customerId, channel: 'EMAIL', occurredAt: '2024-02-01T09:00:00.000Z', response: 'POSITIVE_INTEREST', ...o }) as RecordTouchpointInput;

async function insertReturningId(db: Sql, sql: string, params: unknown[], type: string): Promise<Inserted> {
  const rows = await db.query<{ id: string }[]>(sql, params);
  const id = String(rows[0].id);
  return { id, gid: toGlobalId(type, id) };
}

export function insertPersona(db: Sql, o: Partial<CreatePersonaInput> = {}): Promise<Inserted> {
  const p = buildPersonaInput(o);
  return insertReturningId(
    db,
    `INSERT INTO persona (name, description, goals, preferred_channels) VALUES ($1, $2, $3, $4) RETURNING id`,
    [p.name, p.description, p.goals, p.preferredChannels],
    'Persona',
  );
}

export function insertProduct(db: Sql, o: Partial<CreateProductInput> = {}): Promise<Inserted> {
  const p = buildProductInput(o);
  return insertReturningId(
    db,
    `INSERT INTO product (sku, name, category, price) VALUES ($1, $2, $3, $4) RETURNING id`,
    [p.sku, p.name, p.category, p.price],
    'Product',
  );
}

export interface CustomerRow {
  name: string;
  email: string | null;
  externalId: string | null;
  personaId: string | null;
  stage: string;
  stageEnteredAt: Date;
  lastPurchaseAt: Date | null;
  createdAt: Date;
}

/** Inserts a customer and the initial stage-history row, as `createCustomer` would. */
export async function insertCustomer(db: Sql, o: Partial<CustomerRow> = {}): Promise<Inserted> {
  const now = new Date();
  const c: CustomerRow = {
    name: 'Seeded Customer',
    email: null,
    externalId: null,
    personaId: null,
    stage: 'IDENTIFIED',
    stageEnteredAt: now,
    lastPurchaseAt: null,
    createdAt: now,
    ...o,
  };
  const inserted = await insertReturningId(
    db,
    `INSERT INTO customer (name, email, external_id, persona_id, stage, stage_entered_at, last_purchase_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
    [c.name, c.email, c.externalId, c.personaId, c.stage, c.stageEnteredAt, c.lastPurchaseAt, c.createdAt],
    'Customer',
  );
  await db.query(`INSERT INTO stage_change (customer_id, from_stage, to_stage, trigger, occurred_at) VALUES ($1, NULL, $2, 'MANUAL', $3)`, [
    inserted.id,
    c.stage,
    c.stageEnteredAt,
  ]);
  return inserted;
}

/**
 * Seeds a graph of `customers` customers in a handful of set-based statements:
 * every customer gets a persona, 2 holdings with a purchase each, 8
 * touchpoints and 3 stage-history rows; every third customer referred the
 * next one; two in three customers have a consent record. Returns counts per table for sanity checks.
 */
export async function seedGraph(
  db: Sql,
  opts: { customers: number; personas?: number; products?: number; prefix?: string },
): Promise<Record<string, number>> {
  const personas = opts.personas ?? 5;
  const products = opts.products ?? 12;
  const prefix = opts.prefix ?? unique('seed');
  await db.query(
    `INSERT INTO persona (name, description, goals, preferred_channels)
     SELECT $1 || ' persona ' || g, 'A seeded persona.', ARRAY['Save time'], ARRAY['EMAIL','PHONE'] FROM generate_series(1, $2::int) g`,
    [prefix, personas],
  );
  await db.query(
    `INSERT INTO product (sku, name, category, price)
     SELECT $1 || '-P' || g, 'Product ' || g, CASE WHEN g % 2 = 0 THEN 'Savings' ELSE 'Insurance' END, (g * 10)::numeric FROM generate_series(1, $2::int) g`,
    [prefix, products],
  );
  await db.query(
    `INSERT INTO customer (name, email, persona_id, stage, stage_entered_at, last_purchase_at, created_at, updated_at)
     SELECT $1 || ' customer ' || g, $1 || g || '@example.com',
            (SELECT id FROM persona WHERE name = $1 || ' persona ' || (1 + g % $3::int)),
            'RETAINED', now() - interval '10 days', now() - (g || ' hours')::interval,
            now() - (g || ' minutes')::interval, now()
     FROM generate_series(1, $2::int) g`,
    [prefix, opts.customers, personas],
  );
  const scope = `c.name LIKE $1 || ' customer %'`;
  await db.query(
    `INSERT INTO holding (customer_id, product_id, since, status)
     SELECT c.id, p.id, now() - interval '30 days', 'ACTIVE'
     FROM customer c JOIN product p ON p.sku IN ($1 || '-P' || (1 + c.id % $2::int), $1 || '-P' || (1 + (c.id + 1) % $2::int))
     WHERE ${scope}`,
    [prefix, products],
  );
  await db.query(
    `INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount)
     SELECT h.customer_id, h.product_id, h.since + interval '1 day', 1, 42.50
     FROM holding h JOIN customer c ON c.id = h.customer_id WHERE ${scope}`,
    [prefix],
  );
  await db.query(
    `INSERT INTO touchpoint (customer_id, channel, direction, occurred_at, response, product_id)
     SELECT c.id, (ARRAY['EMAIL','PHONE','WEB','SMS'])[1 + t % 4], 'OUTBOUND', now() - (t || ' days')::interval,
            (ARRAY['POSITIVE_INTEREST','NEGATIVE','NO_RESPONSE','CONTACT_LATER'])[1 + (t + c.id::int) % 4],
            CASE WHEN t % 2 = 0 THEN (SELECT id FROM product WHERE sku = $1 || '-P' || (1 + t % $2::int)) END
     FROM customer c CROSS JOIN generate_series(1, 8) t WHERE ${scope}`,
    [prefix, products],
  );
  await db.query(
    `INSERT INTO stage_change (customer_id, from_stage, to_stage, trigger, occurred_at)
     SELECT c.id, s.from_stage, s.to_stage, s.trigger, now() - (s.days_ago || ' days')::interval
     FROM customer c CROSS JOIN (VALUES (NULL, 'ACQUIRED', 'MANUAL', 40), ('ACQUIRED', 'CONVERTED', 'FIRST_PURCHASE', 29), ('CONVERTED', 'RETAINED', 'MANUAL', 10)) AS s(from_stage, to_stage, trigger, days_ago)
     WHERE ${scope}`,
    [prefix],
  );
  await db.query(
    `INSERT INTO referral (referrer_id, referred_id, source_channel, created_at)
     SELECT c.id, n.id, 'SOCIAL', now() - interval '5 days'
     FROM customer c JOIN customer n ON n.id = c.id + 1 AND n.name LIKE $1 || ' customer %'
     WHERE ${scope} AND c.id % 3 = 0`,
    [prefix],
  );
  // Consent (append-only records, the latest is the state): every third customer opted in to e-mail and phone,
  // out of SMS, prefers the phone; the next ones opted out of printed mail and the website. Nobody is left unreachable.
  await db.query(
    `INSERT INTO consent_record (customer_id, changes, channels, preferred_channel, contact_cap, source, recorded_at)
     SELECT c.id, v.changes, x.channels, v.preferred, NULL, 'seed', now() - interval '20 days'
     FROM customer c JOIN (VALUES
       (0, '[{"channel":"EMAIL","status":"OPTED_IN"},{"channel":"PHONE","status":"OPTED_IN"},{"channel":"SMS","status":"OPTED_OUT"}]'::jsonb, 'PHONE'),
       (1, '[{"channel":"DIRECT_MAIL","status":"OPTED_OUT"},{"channel":"WEB","status":"OPTED_OUT"}]'::jsonb, NULL)
     ) AS v(r, changes, preferred) ON v.r = c.id % 3
     CROSS JOIN LATERAL (SELECT jsonb_object_agg(ch->>'channel', jsonb_build_object('status', ch->>'status', 'source', 'seed',
                           'recordedAt', to_char((now() - interval '20 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'apiKeyId', NULL)) AS channels
                         FROM jsonb_array_elements(v.changes) ch) x
     WHERE ${scope}`,
    [prefix],
  );
  return tableCounts(db);
}

/**
 * Row count of every table in the public schema (the migrations table aside),
 * so a test can assert that a refused mutation wrote nothing anywhere,
 * including tables added after this helper was written.
 */
export async function tableCounts(db: Sql): Promise<Record<string, number>> {
  const tables = await db.query<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       AND table_name NOT IN ('typeorm_migrations', ${BOOKKEEPING_TABLES.map((t) => `'${t}'`).join(', ')}) ORDER BY table_name`,
  );
  if (tables.length === 0) return {};
  const rows = await db.query<{ t: string; n: string }[]>(
    tables.map((t, i) => `SELECT $${i + 1}::text AS t, count(*) AS n FROM "${t.table_name}"`).join(' UNION ALL '),
    tables.map((t) => t.table_name),
  );
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}

/**
 * Tables every request writes, good or bad: the key's last use, the rate-limit
 * bucket, subscription slots and instance leases. They say nothing about whether an operation wrote data.
 */
const BOOKKEEPING_TABLES = ['api_key', 'rate_limit_bucket', 'subscription_slot', 'api_instance'];

/**
 * Count and content fingerprint of every table (the migrations table aside):
 * equal snapshots mean nothing was inserted, deleted or changed anywhere.
 * For the small databases of input-validation tests.
 */
export async function tableSnapshot(db: Sql): Promise<Record<string, string>> {
  const tables = await db.query<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       AND table_name NOT IN ('typeorm_migrations', ${BOOKKEEPING_TABLES.map((t) => `'${t}'`).join(', ')}) ORDER BY table_name`,
  );
  if (tables.length === 0) return {};
  const rows = await db.query<{ t: string; s: string }[]>(
    tables
      .map(
        (t, i) =>
          `SELECT $${i + 1}::text AS t, count(*) || ':' || md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS s FROM "${t.table_name}" r`,
      )
      .join(' UNION ALL '),
    tables.map((t) => t.table_name),
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.s]));
}

/**
 * Records that customers share their data with `partner` (all of them, or
 * those with these local ids), as `setPartnerSharing` would, without events.
 */
export async function shareWithPartner(db: Sql, partner: string, customerIds?: readonly string[]): Promise<void> {
  await db.query(
    `WITH c AS (
       INSERT INTO partner_sharing_change (customer_id, partner, shared, source)
       SELECT id, $1, true, 'test' FROM customer WHERE $2::bigint[] IS NULL OR id = ANY($2::bigint[])
       RETURNING id, customer_id
     )
     INSERT INTO partner_sharing (partner, customer_id, change_id) SELECT $1, customer_id, id FROM c ON CONFLICT DO NOTHING`,
    [partner, customerIds ?? null],
  );
}
