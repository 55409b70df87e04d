import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customer insight: fitted churn models, per-customer scores, and the product-holding statistics
 * cross-sell ranks from. Scores and statistics belong to one model (model_id); exactly one model
 * is current, so readers always see one consistent set while a new fit is being scored.
 */
export class Analytics1764065200000 implements MigrationInterface {
  name = 'Analytics1764065200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE churn_model (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        calibration_end date NOT NULL,
        time_unit text NOT NULL CHECK (time_unit IN ('DAYS','WEEKS','MONTHS')),
        bgnbd_r double precision NOT NULL CHECK (bgnbd_r > 0),
        bgnbd_alpha double precision NOT NULL CHECK (bgnbd_alpha > 0),
        bgnbd_a double precision NOT NULL CHECK (bgnbd_a > 0),
        bgnbd_b double precision NOT NULL CHECK (bgnbd_b > 0),
        bgnbd_log_likelihood double precision NOT NULL,
        bgnbd_iterations integer NOT NULL,
        gg_p double precision NOT NULL CHECK (gg_p > 0),
        gg_q double precision NOT NULL CHECK (gg_q > 1),
        gg_gamma double precision NOT NULL CHECK (gg_gamma > 0),
        gg_log_likelihood double precision NOT NULL,
        gg_iterations integer NOT NULL,
        gg_customer_count integer NOT NULL,
        customer_count integer NOT NULL,
        repeat_customer_count integer NOT NULL,
        transaction_count integer NOT NULL,
        holding_customer_count integer NOT NULL DEFAULT 0,
        typical_gap_days double precision NOT NULL CHECK (typical_gap_days > 0),
        horizon_months integer NOT NULL CHECK (horizon_months >= 1),
        discount_rate double precision NOT NULL CHECK (discount_rate > -1),
        fit_ms double precision NOT NULL,
        fitted_at timestamptz NOT NULL,
        scoring_ms double precision,
        scored_at timestamptz,
        scored_customer_count integer,
        vip_min_value numeric(14,2),
        low_max_value numeric(14,2),
        is_current boolean NOT NULL DEFAULT false
      )`);
    // At most one current model: activation flips the flag in one transaction.
    await q.query(`CREATE UNIQUE INDEX churn_model_one_current ON churn_model ((true)) WHERE is_current`);

    await q.query(`
      CREATE TABLE customer_score (
        model_id bigint NOT NULL REFERENCES churn_model(id) ON DELETE CASCADE,
        customer_id bigint NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        scored_at timestamptz NOT NULL,
        frequency integer NOT NULL,
        recency double precision NOT NULL,
        age double precision NOT NULL,
        monetary_value double precision NOT NULL,
        purchase_days integer NOT NULL,
        total_spend numeric(14,2) NOT NULL,
        first_purchase_at timestamptz NOT NULL,
        last_purchase_at timestamptz NOT NULL,
        probability_alive double precision NOT NULL,
        expected_purchases double precision NOT NULL,
        expected_average_spend numeric(14,2) NOT NULL,
        expected_spend numeric(14,2) NOT NULL,
        predicted_value numeric(14,2) NOT NULL,
        value_tier text CHECK (value_tier IN ('VIP','CORE','LOW')),
        value_rank integer,
        risk_score double precision NOT NULL CHECK (risk_score BETWEEN 0 AND 1),
        risk_level text NOT NULL CHECK (risk_level IN ('LOW','MEDIUM','HIGH','CRITICAL')),
        account_churn double precision NOT NULL,
        product_churn double precision NOT NULL,
        decreased_spend double precision NOT NULL,
        risk_detail jsonb NOT NULL,
        evidence_touchpoint_ids bigint[] NOT NULL DEFAULT '{}',
        reactivation_score double precision NOT NULL,
        comeback_probability double precision NOT NULL,
        value_if_reactivated numeric(14,2) NOT NULL,
        reactivation_reasons text[] NOT NULL,
        PRIMARY KEY (model_id, customer_id)
      )`);
    await q.query(`CREATE INDEX customer_score_customer_idx ON customer_score (customer_id)`);
    // Keyset order of reactivationCandidates: score, then id, both descending.
    await q.query(`CREATE INDEX customer_score_reactivation_idx ON customer_score (model_id, reactivation_score DESC, customer_id DESC)`);
    await q.query(`CREATE INDEX customer_score_value_idx ON customer_score (model_id, predicted_value DESC, customer_id)`);

    await q.query(`
      CREATE TABLE product_affinity (
        model_id bigint NOT NULL REFERENCES churn_model(id) ON DELETE CASCADE,
        product_id bigint NOT NULL REFERENCES product(id) ON DELETE CASCADE,
        other_product_id bigint NOT NULL REFERENCES product(id) ON DELETE CASCADE,
        co_holders integer NOT NULL,
        PRIMARY KEY (model_id, product_id, other_product_id)
      )`);
    await q.query(`
      CREATE TABLE persona_product_affinity (
        model_id bigint NOT NULL REFERENCES churn_model(id) ON DELETE CASCADE,
        persona_id bigint NOT NULL REFERENCES persona(id) ON DELETE CASCADE,
        product_id bigint NOT NULL REFERENCES product(id) ON DELETE CASCADE,
        holders integer NOT NULL,
        persona_customers integer NOT NULL,
        PRIMARY KEY (model_id, persona_id, product_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['persona_product_affinity', 'product_affinity', 'customer_score', 'churn_model']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
