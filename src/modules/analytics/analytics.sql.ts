/**
 * How the stored insight of a customer is read, for the read compiler (see
 * db/sql-map.ts): churn risk, lifetime value and value tier come from the
 * customer's row in `customer_score` under the current model, as
 * analytics.fields.ts reads them. Cross-sell is computed in TypeScript. Reactivation candidates
 * are only customers marketing may reach now (consent/consent.sql.ts), with the channel to use.
 */
import { col, idText, key, ref, sqlString, type ChildFilterSql, type FieldMap, type SqlObjectMap } from '../../db/sql-map';
import { fromGlobalId } from '../../shared/global-id';
import { FACTOR_DESCRIPTIONS } from '../../analytics/churn-risk';
import { LifecycleStage } from '../lifecycle/stages';
import type { ModuleSql } from '../module';
import { contactableSql, recommendedChannelSql } from '../consent/consent.sql';
import { STORED_RISK_KINDS } from './analytics.entity';
import { ReactivationFilter } from './analytics.inputs';
import { LAPSED_ACCOUNT_CHURN, REACTIVATION_ORDER } from './insights.service';

/** The customer's score under the current model, as the FROM clause of a reference. */
const currentScore = (alias: string, customer: string) =>
  `customer_score ${alias} JOIN churn_model ${alias}_m ON ${alias}_m.id = ${alias}.model_id AND ${alias}_m.is_current WHERE ${alias}.customer_id = ${customer}.id`;

/** The i-th of STORED_RISK_KINDS: its score from its column, its explanation from risk_detail (see StoredRiskDetail). */
const kindScore = (i: number): FieldMap => {
  const [kind, column] = STORED_RISK_KINDS[i]!;
  return {
    kind: 'embedded',
    target: 'ChurnKindScore',
    value: (r) => `json_build_object('kind', ${sqlString(kind)}, 'score', ${r}.${column}, 'explanation', ${r}.risk_detail->'e'->${i})`,
  };
};

/** A SQL CASE over `expr` giving each FACTOR_DESCRIPTIONS entry's `part` (0 name, 1 description) by `key` (0 its position from 1, 1 its name). */
const factorCase = (expr: string, key: 0 | 1, part: 0 | 1) =>
  `CASE ${expr} ${FACTOR_DESCRIPTIONS.map((f, i) => `WHEN ${key === 0 ? i + 1 : sqlString(f[0])} THEN ${sqlString(f[part])}`).join(' ')} END`;

/** Fields of `Customer` that read stored scores. */
export const customerInsightFields: Record<string, FieldMap> = {
  churnRisk: { kind: 'reference', target: 'ChurnRisk', from: currentScore },
  lifetimeValue: { kind: 'reference', target: 'LifetimeValue', from: currentScore },
  valueTier: {
    kind: 'column',
    format: 'plain',
    sql: (r) =>
      `(SELECT s.value_tier FROM customer_score s JOIN churn_model m ON m.id = s.model_id AND m.is_current WHERE s.customer_id = ${r}.id)`,
  },
};

export const churnRiskSql: SqlObjectMap = {
  type: 'ChurnRisk',
  table: '',
  fields: {
    score: col('risk_score'),
    level: col('risk_level'),
    probabilityAlive: col('probability_alive'),
    accountChurn: kindScore(0),
    productChurn: kindScore(1),
    decreasedSpend: kindScore(2),
    // Each stored [value, contribution] with its name: the stored one of a migrated row, else the code's by position.
    factors: {
      kind: 'embeddedList',
      target: 'ChurnRiskFactor',
      from: (e, r) =>
        `(SELECT f.v, f.ord, coalesce(${r}.risk_detail->'n'->>(f.ord::int - 1), ${factorCase('f.ord', 0, 0)}) AS name,
                 ${r}.risk_detail->'d'->>(f.ord::int - 1) AS stored_description
          FROM json_array_elements(${r}.risk_detail->'f') WITH ORDINALITY f(v, ord)) ${e}`,
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

export const churnKindScoreSql: SqlObjectMap = {
  type: 'ChurnKindScore',
  table: '',
  fields: { kind: key('kind'), score: key('score'), explanation: key('explanation') },
  row: {},
};

export const churnRiskFactorSql: SqlObjectMap = {
  type: 'ChurnRiskFactor',
  table: '',
  fields: {
    name: col('name'),
    value: { kind: 'column', format: 'plain', sql: (r) => `${r}.v->0` },
    contribution: { kind: 'column', format: 'plain', sql: (r) => `${r}.v->1` },
    // Stored scores keep no descriptions (the same for every customer): they come from the code, as in analytics.fields.ts.
    description: {
      kind: 'column',
      format: 'plain',
      sql: (r) => `coalesce(${factorCase(`${r}.name`, 1, 1)}, ${r}.stored_description, '')`,
    },
  },
  row: {},
};

/** A touchpoint row as evidence: its kind as analytics.fields.ts evidenceKind decides it. */
export const churnEvidenceSql: SqlObjectMap = {
  type: 'ChurnEvidence',
  table: '',
  fields: {
    kind: {
      kind: 'column',
      format: 'plain',
      sql: (r) =>
        `CASE WHEN ${r}.response = 'NO_RESPONSE' THEN 'NO_RESPONSE' WHEN ${r}.direction = 'INBOUND' THEN 'COMPLAINT' ELSE 'NEGATIVE_RESPONSE' END`,
    },
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
    horizonMonths: {
      kind: 'column',
      format: 'plain',
      sql: (r) => `coalesce((SELECT m.horizon_months FROM churn_model m WHERE m.id = ${r}.model_id), 0)`,
    },
    valueRank: col('value_rank'),
    scoredAt: col('scored_at', 'datetime'),
  },
  row: {},
};

/** The latest row of `table` for the score's customer, as the FROM clause of a reference. */
const latestOf = (table: string) => (alias: string, score: string) =>
  `${table} ${alias} WHERE ${alias}.customer_id = ${score}.customer_id ORDER BY ${alias}.occurred_at DESC, ${alias}.id DESC LIMIT 1`;

/** A row of `Query.reactivationCandidates`: a customer's score under the current model. */
export const reactivationCandidateSql: SqlObjectMap = {
  type: 'ReactivationCandidate',
  table: 'customer_score',
  customers: ['customer_id'],
  fields: {
    customer: ref('Customer', 'customer_id'),
    score: col('reactivation_score'),
    comebackProbability: col('comeback_probability'),
    valueIfReactivated: col('value_if_reactivated', 'money'),
    reasons: col('reactivation_reasons'),
    probabilityAlive: col('probability_alive'),
    riskLevel: col('risk_level'),
    valueTier: col('value_tier'),
    lastPurchaseAt: col('last_purchase_at', 'datetime'),
    lastPurchase: { kind: 'reference', target: 'Purchase', from: latestOf('purchase') },
    lastTouchpoint: { kind: 'reference', target: 'Touchpoint', from: latestOf('touchpoint') },
    recommendedChannel: { kind: 'column', format: 'plain', sql: (r) => recommendedChannelSql(`${r}.customer_id`) },
  },
  row: { customerId: idText('customer_id') },
};

/** `Query.reactivationCandidates(filter:)`: the same conditions as InsightsService.reactivationCandidates. */
export const reactivationListFilter: ChildFilterSql = (filter, r, param) => {
  const stage = `(SELECT c.stage FROM customer c WHERE c.id = ${r}.customer_id)`;
  const out = [
    `EXISTS (SELECT 1 FROM churn_model m WHERE m.id = ${r}.model_id AND m.is_current)`,
    `(${stage} = ANY(${param([LifecycleStage.DORMANT, LifecycleStage.CHURNED], 'text[]')}) OR ${r}.account_churn >= ${param(LAPSED_ACCOUNT_CHURN, 'float8')})`,
  ];
  const stageIn = filter?.stageIn as string[] | null | undefined;
  if (stageIn) out.push(stageIn.length === 0 ? 'false' : `${stage} = ANY(${param(stageIn, 'text[]')})`);
  const tiers = filter?.valueTierIn as string[] | null | undefined;
  if (tiers) out.push(tiers.length === 0 ? 'false' : `${r}.value_tier = ANY(${param(tiers, 'text[]')})`);
  if (filter?.personaId) {
    const personaId = fromGlobalId(filter.personaId as string, 'Persona', 'filter.personaId');
    out.push(`(SELECT c.persona_id FROM customer c WHERE c.id = ${r}.customer_id) = ${param(personaId, 'bigint')}`);
  }
  out.push(contactableSql(`${r}.customer_id`));
  return out;
};

export const ANALYTICS_SQL: ModuleSql = {
  objects: [churnRiskSql, churnKindScoreSql, churnRiskFactorSql, churnEvidenceSql, lifetimeValueSql, reactivationCandidateSql],
  // The customer's stored insight joins the fields of the customers module's Customer.
  extend: { Customer: customerInsightFields },
  roots: {
    reactivationCandidates: {
      target: 'ReactivationCandidate',
      ordering: () => REACTIVATION_ORDER,
      filter: reactivationListFilter,
      filterClass: ReactivationFilter,
    },
  },
};
