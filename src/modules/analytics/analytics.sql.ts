/**
 * How the stored insight of a customer is read, for the read compiler (see
 * db/sql-map.ts): churn risk, lifetime value and value tier come from the
 * customer's row in `customer_score` under the current model, as
 * analytics.fields.ts reads them. Cross-sell is computed in TypeScript.
 */
import { col, key, ref, type FieldMap, type SqlObjectMap } from '../../db/sql-map';

/** The customer's score under the current model, as the FROM clause of a reference. */
const currentScore = (alias: string, customer: string) =>
  `customer_score ${alias} JOIN churn_model ${alias}_m ON ${alias}_m.id = ${alias}.model_id AND ${alias}_m.is_current WHERE ${alias}.customer_id = ${customer}.id`;

const kindScore = (kind: string): FieldMap => ({
  kind: 'embedded',
  target: 'ChurnKindScore',
  value: (r) => `(SELECT k FROM jsonb_array_elements(${r}.risk_detail->'kinds') k WHERE k->>'kind' = '${kind}')`,
});

/** Fields of `Customer` that read stored scores. */
export const customerInsightFields: Record<string, FieldMap> = {
  churnRisk: { kind: 'reference', target: 'ChurnRisk', from: currentScore },
  lifetimeValue: { kind: 'reference', target: 'LifetimeValue', from: currentScore },
  valueTier: {
    kind: 'column',
    format: 'plain',
    sql: (r) => `(SELECT s.value_tier FROM customer_score s JOIN churn_model m ON m.id = s.model_id AND m.is_current WHERE s.customer_id = ${r}.id)`,
  },
};

export const churnRiskSql: SqlObjectMap = {
  type: 'ChurnRisk',
  table: '',
  fields: {
    score: col('risk_score'),
    level: col('risk_level'),
    probabilityAlive: col('probability_alive'),
    accountChurn: kindScore('ACCOUNT_CHURN'),
    productChurn: kindScore('PRODUCT_CHURN'),
    decreasedSpend: kindScore('DECREASED_SPEND'),
    factors: {
      kind: 'embeddedList',
      target: 'ChurnRiskFactor',
      from: (e, r) => `jsonb_array_elements(${r}.risk_detail->'factors') WITH ORDINALITY ${e}(v, ord)`,
      order: (e) => `${e}.ord`,
    },
    // The stored touchpoints that still exist, in the stored order (as touchpointById.loadMany keeps them).
    evidence: {
      kind: 'embeddedList',
      target: 'ChurnEvidence',
      from: (e, r) => `unnest(${r}.evidence_touchpoint_ids) WITH ORDINALITY ${e}_i(id, ord) JOIN touchpoint ${e} ON ${e}.id = ${e}_i.id`,
      order: (e) => `${e}_i.ord`,
    },
    scoredAt: col('scored_at', 'datetime'),
  },
  row: {},
};

export const churnKindScoreSql: SqlObjectMap = { type: 'ChurnKindScore', table: '', fields: { kind: key('kind'), score: key('score'), explanation: key('explanation') }, row: {} };

export const churnRiskFactorSql: SqlObjectMap = {
  type: 'ChurnRiskFactor',
  table: '',
  fields: { name: key('name'), value: key('value'), contribution: key('contribution'), description: key('description') },
  row: {},
};

/** A touchpoint row as evidence: its kind as analytics.fields.ts evidenceKind decides it. */
export const churnEvidenceSql: SqlObjectMap = {
  type: 'ChurnEvidence',
  table: '',
  fields: {
    kind: { kind: 'column', format: 'plain', sql: (r) => `CASE WHEN ${r}.response = 'NO_RESPONSE' THEN 'NO_RESPONSE' WHEN ${r}.direction = 'INBOUND' THEN 'COMPLAINT' ELSE 'NEGATIVE_RESPONSE' END` },
    touchpoint: ref('Touchpoint', 'id'),
  },
  row: {},
};

export const lifetimeValueSql: SqlObjectMap = {
  type: 'LifetimeValue',
  table: '',
  fields: {
    historicalSpend: col('total_spend', 'money'),
    purchaseDays: col('purchase_days'),
    firstPurchaseAt: col('first_purchase_at', 'datetime'),
    lastPurchaseAt: col('last_purchase_at', 'datetime'),
    predictedValue: col('predicted_value', 'money'),
    expectedPurchases: col('expected_purchases'),
    expectedAverageSpend: col('expected_average_spend', 'money'),
    expectedSpend: col('expected_spend', 'money'),
    probabilityAlive: col('probability_alive'),
    horizonMonths: { kind: 'column', format: 'plain', sql: (r) => `coalesce((SELECT m.horizon_months FROM churn_model m WHERE m.id = ${r}.model_id), 0)` },
    valueRank: col('value_rank'),
    scoredAt: col('scored_at', 'datetime'),
  },
  row: {},
};

export const ANALYTICS_SQL_OBJECTS = [churnRiskSql, churnKindScoreSql, churnRiskFactorSql, churnEvidenceSql, lifetimeValueSql];
