import { MigrationInterface, QueryRunner } from 'typeorm';

const STAGES =
  "'IDENTIFIED','ACQUIRED','CONVERTED','ONBOARDED','EXPANDING','RETAINED','AT_RISK','DORMANT','CHURNED','REACTIVATED','ADVOCATE'";
const CHANNELS = "'EMAIL','DIRECT_MAIL','PHONE','SMS','WEB','SOCIAL','IN_PERSON','EVENT','ADVERTISING'";

/** The customer graph: personas, customers, products, holdings, purchases, touchpoints, referrals, stage history. */
export class Foundation1764064800000 implements MigrationInterface {
  name = 'Foundation1764064800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`
      CREATE TABLE persona (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        description text NOT NULL,
        goals text[] NOT NULL DEFAULT '{}',
        preferred_channels text[] NOT NULL DEFAULT '{}' CHECK (preferred_channels <@ ARRAY[${CHANNELS}]),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE customer (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        external_id text UNIQUE,
        name text NOT NULL,
        email text,
        phone text,
        persona_id bigint REFERENCES persona(id),
        stage text NOT NULL CHECK (stage IN (${STAGES})),
        stage_entered_at timestamptz NOT NULL,
        last_purchase_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX customer_persona_idx ON customer (persona_id, id)`);
    await q.query(`CREATE INDEX customer_stage_idx ON customer (stage, id)`);
    // One index per ordering the API offers (keyset pagination on sort key + id).
    await q.query(`CREATE INDEX customer_created_idx ON customer (created_at, id)`);
    await q.query(`CREATE INDEX customer_name_idx ON customer (name, id)`);
    await q.query(`CREATE INDEX customer_last_purchase_idx ON customer ((COALESCE(last_purchase_at, '-infinity'::timestamptz)), id)`);
    // Substring search on name and email.
    await q.query(`CREATE INDEX customer_name_trgm_idx ON customer USING gin (name gin_trgm_ops)`);
    await q.query(`CREATE INDEX customer_email_trgm_idx ON customer USING gin (email gin_trgm_ops)`);

    await q.query(`
      CREATE TABLE product (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sku text NOT NULL UNIQUE,
        name text NOT NULL,
        category text NOT NULL,
        price numeric(12,2) NOT NULL CHECK (price >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX product_category_idx ON product (category, id)`);

    await q.query(`
      CREATE TABLE holding (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        product_id bigint NOT NULL REFERENCES product(id),
        since timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE','CLOSED')),
        closed_at timestamptz,
        UNIQUE (customer_id, product_id),
        CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX holding_product_idx ON holding (product_id)`);
    await q.query(`CREATE INDEX holding_customer_since_idx ON holding (customer_id, since, id)`);

    await q.query(`
      CREATE TABLE purchase (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        product_id bigint REFERENCES product(id),
        occurred_at timestamptz NOT NULL,
        quantity integer NOT NULL CHECK (quantity >= 1),
        amount numeric(14,2) NOT NULL CHECK (amount >= 0),
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX purchase_customer_occurred_idx ON purchase (customer_id, occurred_at, id)`);
    await q.query(`CREATE INDEX purchase_product_idx ON purchase (product_id)`);

    await q.query(`
      CREATE TABLE touchpoint (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN (${CHANNELS})),
        direction text NOT NULL CHECK (direction IN ('INBOUND','OUTBOUND')),
        occurred_at timestamptz NOT NULL,
        campaign text,
        product_id bigint REFERENCES product(id),
        response text NOT NULL CHECK (response IN ('POSITIVE_INTEREST','NEGATIVE','NO_RESPONSE','CONTACT_LATER')),
        note text,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX touchpoint_customer_occurred_idx ON touchpoint (customer_id, occurred_at, id)`);
    await q.query(`CREATE INDEX touchpoint_product_idx ON touchpoint (product_id)`);

    await q.query(`
      CREATE TABLE referral (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        referrer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        referred_id bigint NOT NULL UNIQUE REFERENCES customer(id) ON DELETE CASCADE,
        source_channel text NOT NULL CHECK (source_channel IN (${CHANNELS})),
        created_at timestamptz NOT NULL DEFAULT now(),
        converted_at timestamptz,
        CHECK (referrer_id <> referred_id)
      )`);
    await q.query(`CREATE INDEX referral_referrer_idx ON referral (referrer_id, created_at, id)`);
    await q.query(`CREATE INDEX referral_created_idx ON referral (created_at)`);

    await q.query(`
      CREATE TABLE stage_change (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        from_stage text CHECK (from_stage IN (${STAGES})),
        to_stage text NOT NULL CHECK (to_stage IN (${STAGES})),
        reason text,
        trigger text NOT NULL,
        occurred_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX stage_change_customer_idx ON stage_change (customer_id, occurred_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['stage_change', 'referral', 'touchpoint', 'purchase', 'holding', 'product', 'customer', 'persona']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
