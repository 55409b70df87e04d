import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Node } from '../../shared/graphql/node';
import { ChurnKind, ChurnModelTimeUnit, ChurnRiskLevel, ValueTier } from './analytics.enums';

/** A fitted BG/NBD + Gamma-Gamma pair and the bookkeeping of its fit and scoring run. */
@Entity('churn_model')
@ObjectType({
  implements: Node,
  description:
    'One fit of the purchase models on the purchase log: the BG/NBD (how often customers buy and when they drop out) and the Gamma-Gamma (how much they spend per purchase). Every customer score comes from the current model; see docs/analytics.md.',
})
export class ChurnModel {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** UTC calendar day, as PostgreSQL returns a `date`: `YYYY-MM-DD`. */
  @Column({ name: 'calibration_end', type: 'date' })
  calibrationEnd!: string;

  @Field(() => ChurnModelTimeUnit, { description: 'Time unit the model parameters are in (α of the BG/NBD is a rate per this unit).' })
  @Column({ name: 'time_unit', type: 'text' })
  timeUnit!: ChurnModelTimeUnit;

  @Column({ name: 'bgnbd_r', type: 'double precision' }) bgnbdR!: number;
  @Column({ name: 'bgnbd_alpha', type: 'double precision' }) bgnbdAlpha!: number;
  @Column({ name: 'bgnbd_a', type: 'double precision' }) bgnbdA!: number;
  @Column({ name: 'bgnbd_b', type: 'double precision' }) bgnbdB!: number;
  @Column({ name: 'bgnbd_log_likelihood', type: 'double precision' }) bgnbdLogLikelihood!: number;
  @Column({ name: 'bgnbd_iterations', type: 'integer' }) bgnbdIterations!: number;
  @Column({ name: 'gg_p', type: 'double precision' }) ggP!: number;
  @Column({ name: 'gg_q', type: 'double precision' }) ggQ!: number;
  @Column({ name: 'gg_gamma', type: 'double precision' }) ggGamma!: number;
  @Column({ name: 'gg_log_likelihood', type: 'double precision' }) ggLogLikelihood!: number;
  @Column({ name: 'gg_iterations', type: 'integer' }) ggIterations!: number;
  @Column({ name: 'gg_customer_count', type: 'integer' }) ggCustomerCount!: number;

  @Field(() => Int, { description: 'Customers in the fit: everyone with a first purchase on or before the calibration end.' })
  @Column({ name: 'customer_count', type: 'integer' })
  customerCount!: number;

  @Field(() => Int, {
    description: 'Of those, customers who bought again on a later day within the calibration period (the Gamma-Gamma is fitted on them).',
  })
  @Column({ name: 'repeat_customer_count', type: 'integer' })
  repeatCustomerCount!: number;

  @Field(() => Int, {
    description: 'Transactions in the calibration period, counting all purchases of one customer on one UTC day as one.',
  })
  @Column({ name: 'transaction_count', type: 'integer' })
  transactionCount!: number;

  @Column({ name: 'holding_customer_count', type: 'integer' })
  holdingCustomerCount!: number;

  @Field({
    description:
      'Median gap between purchases of repeat buyers, in days: what "overdue" is measured against for customers with little history.',
  })
  @Column({ name: 'typical_gap_days', type: 'double precision' })
  typicalGapDays!: number;

  @Field(() => Int, { description: 'Months ahead that expected purchases, expected spend and predicted value (CLV) cover.' })
  @Column({ name: 'horizon_months', type: 'integer' })
  horizonMonths!: number;

  @Field({
    description: 'Discount rate per month applied to future spend in the predicted value (0.01 = 1 % a month, about 12.7 % a year).',
  })
  @Column({ name: 'discount_rate', type: 'double precision' })
  discountRatePerMonth!: number;

  @Field({ description: 'Wall-clock time the two model fits took, in milliseconds (reading the log not included).' })
  @Column({ name: 'fit_ms', type: 'double precision' })
  fitMs!: number;

  @Field({ description: 'When the fit finished.' })
  @Column({ name: 'fitted_at', type: 'timestamptz' })
  fittedAt!: Date;

  @Field(() => Number, { nullable: true, description: 'Time spent scoring every customer, in milliseconds; null while scoring runs.' })
  @Column({ name: 'scoring_ms', type: 'double precision', nullable: true })
  scoringMs!: number | null;

  @Field(() => Date, { nullable: true, description: 'When scoring finished and the model became current; null while scoring runs.' })
  @Column({ name: 'scored_at', type: 'timestamptz', nullable: true })
  scoredAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Customers scored by the full run (everyone with at least one purchase then).' })
  @Column({ name: 'scored_customer_count', type: 'integer', nullable: true })
  scoredCustomerCount!: number | null;

  @Column({ name: 'vip_min_value', type: 'numeric', precision: 14, scale: 2, nullable: true })
  vipMinValue!: string | null;

  @Column({ name: 'low_max_value', type: 'numeric', precision: 14, scale: 2, nullable: true })
  lowMaxValue!: string | null;

  @Field({ description: 'True for the model every score currently comes from.' })
  @Column({ name: 'is_current', type: 'boolean', default: false })
  isCurrent!: boolean;
}

/**
 * The stored shape of the risk explanation (customer_score.risk_detail), positional to keep a fit's rows
 * small (what the API shows of it is the same as from the keyed shape it replaced,
 * migration 1764077000000-CompactRiskDetail):
 * - `e`: the explanations of the kinds in {@link STORED_RISK_KINDS} order; their scores are the kinds' columns.
 * - `f`: each factor's [value, contribution] in the order of FACTOR_DESCRIPTIONS (analytics/churn-risk.ts),
 *   which gives their names and descriptions. New factors go at the end of that list.
 * - `n`, `d`: only on rows migrated from an older factor list: its names, and the descriptions those rows kept.
 */
export interface StoredRiskDetail {
  e: string[];
  f: [number, number][];
  n?: string[];
  d?: (string | null)[];
}

/** The churn kinds in the order risk_detail.e explains them, each with the column holding its score. */
export const STORED_RISK_KINDS = [
  [ChurnKind.ACCOUNT_CHURN, 'account_churn'],
  [ChurnKind.PRODUCT_CHURN, 'product_churn'],
  [ChurnKind.DECREASED_SPEND, 'decreased_spend'],
] as const;

/** One customer's scores under one model. Internal: exposed through Customer fields. */
@Entity('customer_score')
export class CustomerScore {
  @PrimaryColumn({ name: 'model_id', type: 'bigint' }) modelId!: string;
  @PrimaryColumn({ name: 'customer_id', type: 'bigint' }) customerId!: string;
  @Column({ name: 'scored_at', type: 'timestamptz' }) scoredAt!: Date;
  @Column({ type: 'integer' }) frequency!: number;
  @Column({ type: 'double precision' }) recency!: number;
  @Column({ type: 'double precision' }) age!: number;
  @Column({ name: 'monetary_value', type: 'double precision' }) monetaryValue!: number;
  @Column({ name: 'purchase_days', type: 'integer' }) purchaseDays!: number;
  @Column({ name: 'total_spend', type: 'numeric', precision: 14, scale: 2 }) totalSpend!: string;
  @Column({ name: 'first_purchase_at', type: 'timestamptz' }) firstPurchaseAt!: Date;
  @Column({ name: 'last_purchase_at', type: 'timestamptz' }) lastPurchaseAt!: Date;
  @Column({ name: 'probability_alive', type: 'double precision' }) probabilityAlive!: number;
  @Column({ name: 'expected_purchases', type: 'double precision' }) expectedPurchases!: number;
  @Column({ name: 'expected_average_spend', type: 'numeric', precision: 14, scale: 2 }) expectedAverageSpend!: string;
  @Column({ name: 'expected_spend', type: 'numeric', precision: 14, scale: 2 }) expectedSpend!: string;
  @Column({ name: 'predicted_value', type: 'numeric', precision: 14, scale: 2 }) predictedValue!: string;
  @Column({ name: 'value_tier', type: 'text', nullable: true }) valueTier!: ValueTier | null;
  @Column({ name: 'value_rank', type: 'integer', nullable: true }) valueRank!: number | null;
  @Column({ name: 'risk_score', type: 'double precision' }) riskScore!: number;
  @Column({ name: 'risk_level', type: 'text' }) riskLevel!: ChurnRiskLevel;
  @Column({ name: 'account_churn', type: 'double precision' }) accountChurn!: number;
  @Column({ name: 'product_churn', type: 'double precision' }) productChurn!: number;
  @Column({ name: 'decreased_spend', type: 'double precision' }) decreasedSpend!: number;
  @Column({ name: 'risk_detail', type: 'json' }) riskDetail!: StoredRiskDetail;
  @Column({ name: 'evidence_touchpoint_ids', type: 'bigint', array: true }) evidenceTouchpointIds!: string[];
  @Column({ name: 'reactivation_score', type: 'double precision' }) reactivationScore!: number;
  @Column({ name: 'comeback_probability', type: 'double precision' }) comebackProbability!: number;
  @Column({ name: 'value_if_reactivated', type: 'numeric', precision: 14, scale: 2 }) valueIfReactivated!: string;
  @Column({ name: 'reactivation_reasons', type: 'text', array: true }) reactivationReasons!: string[];
}
