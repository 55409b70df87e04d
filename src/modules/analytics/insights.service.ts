/**
 * Read side of the analytics: stored scores by customer, value-tier totals, cross-sell
 * recommendations and reactivation candidates. Nothing here fits a model; everything reads what
 * the last fit stored, plus live exclusions (what a customer holds or declined) for cross-sell.
 */
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { recommendProducts, type CrossSellStats } from '../../analytics/cross-sell';
import { RISK_LEVEL_THRESHOLDS } from '../../analytics/churn-risk';
import { fromGlobalId } from '../../shared/global-id';
import { orderByKeys } from '../../shared/loader-utils';
import type { Page, PageRequest } from '../../shared/pagination';
import { pageFromQuery, type Ordering } from '../../db/keyset';
import { LifecycleStage } from '../lifecycle/stages';
import { Product } from '../commerce/product.entity';
import { consentStateFrom, contactableSql } from '../consent/consent.sql';
import { contactChoice, type ConsentStateRow } from '../consent/consent.state';
import { ChurnModel, CustomerScore } from './analytics.entity';
import { ValueTier } from './analytics.enums';

/** A NEGATIVE answer to an offer of a product keeps that product out of cross-sell this long. */
export const DECLINED_OFFER_DAYS = 90;
/** Account-churn score from which a customer counts as lapsed for reactivation. */
export const LAPSED_ACCOUNT_CHURN = RISK_LEVEL_THRESHOLDS.HIGH;
/** Most recommendations one customer may ask for. */
export const MAX_RECOMMENDATIONS = 20;

export interface CrossSellKey {
  customerId: string;
  personaId: string | null;
  first: number;
}

export interface CrossSellItem {
  productId: string;
  /** The channel to make the offer on (the contact rule, analytics/contact-channel.ts). */
  channel: string;
  confidence: number;
  reason: string;
  /** The product itself, read with the statistics (so resolvers need no lookup of their own). */
  product?: Product;
}

export interface TierTotals {
  tier: ValueTier;
  customerCount: number;
  customerShare: number;
  revenue: string;
  revenueShare: number;
  predictedValue: string;
  predictedValueShare: number;
  minPredictedValue: string | null;
  maxPredictedValue: string | null;
}

export interface ValueTierReport {
  model: ChurnModel;
  tiers: TierTotals[];
  customerCount: number;
  revenue: string;
  predictedValue: string;
}

export interface ReactivationFilterInput {
  stageIn?: LifecycleStage[] | null;
  personaId?: string | null;
  valueTierIn?: ValueTier[] | null;
}

export const REACTIVATION_ORDER: Ordering = {
  name: 'REACTIVATION_SCORE',
  keys: ['x.reactivation_score', 'x.customer_id'],
  types: ['float8', 'bigint'],
  direction: 'DESC',
};

/** Stateless: safe to share, and per-request loaders call it directly. */
/** What one cross-sell batch reads (InsightsService.crossSell). */
interface CrossSellInputs {
  model: { id: string; holdingCustomerCount: number } | null;
  holdings: { customer_id: string; product_id: string; status: string }[];
  declined: { customer_id: string; product_id: string }[];
  pairs: { product_id: string; other_product_id: string; co_holders: number; name: string }[];
  personas: { persona_id: string; product_id: string; holders: number; persona_customers: number; persona_name: string }[];
  products: (Omit<Product, 'createdAt'> & { createdAt: string })[];
  consent: ConsentStateRow[];
}

export class InsightsService {
  /** Current-model scores of the given customers, in key order (null when unscored). One statement. */
  async scoresByCustomer(em: EntityManager, customerIds: readonly string[]): Promise<(CustomerScore | null)[]> {
    const rows = await em
      .getRepository(CustomerScore)
      .createQueryBuilder('s')
      .innerJoin(ChurnModel, 'm', 'm.id = s.model_id AND m.is_current')
      .where('s.customer_id IN (:...ids)', { ids: [...customerIds] })
      .getMany();
    return orderByKeys(customerIds, rows, (r) => r.customerId);
  }

  /**
   * Cross-sell for many customers at once: one statement per batch whatever its size reads
   * the model, holdings, declined offers, product statistics and persona statistics. Empty
   * lists before the first fit.
   */
  async crossSell(em: EntityManager, keys: readonly CrossSellKey[]): Promise<CrossSellItem[][]> {
    const customerIds = [...new Set(keys.map((k) => k.customerId))];
    const personaIds = [...new Set(keys.flatMap((k) => (k.personaId ? [k.personaId] : [])))];
    // The diagonal of product_affinity (product = other) carries every product's holder
    // count; the rows of the batch's active products carry their co-holders.
    const [{ inputs }]: { inputs: CrossSellInputs }[] = await em.query(
      `WITH m AS (SELECT id, holding_customer_count FROM churn_model WHERE is_current)
       SELECT json_build_object(
         'model', (SELECT json_build_object('id', id::text, 'holdingCustomerCount', holding_customer_count) FROM m),
         'holdings', (SELECT coalesce(json_agg(json_build_object('customer_id', customer_id::text, 'product_id', product_id::text, 'status', status)), '[]')
                      FROM holding WHERE customer_id = ANY($1::bigint[])),
         'declined', (SELECT coalesce(json_agg(json_build_object('customer_id', customer_id::text, 'product_id', product_id::text)), '[]')
                      FROM (SELECT DISTINCT customer_id, product_id FROM touchpoint
                            WHERE customer_id = ANY($1::bigint[]) AND product_id IS NOT NULL AND response = 'NEGATIVE'
                              AND occurred_at > now() - make_interval(days => $3)) d),
         'pairs', (SELECT coalesce(json_agg(json_build_object('product_id', a.product_id::text, 'other_product_id', a.other_product_id::text, 'co_holders', a.co_holders, 'name', p.name)), '[]')
                   FROM product_affinity a JOIN m ON a.model_id = m.id JOIN product p ON p.id = a.product_id
                   WHERE a.product_id = a.other_product_id
                      OR a.product_id IN (SELECT product_id FROM holding WHERE customer_id = ANY($1::bigint[]) AND status = 'ACTIVE')),
         'personas', (SELECT coalesce(json_agg(json_build_object('persona_id', a.persona_id::text, 'product_id', a.product_id::text, 'holders', a.holders,
                                                                 'persona_customers', a.persona_customers, 'persona_name', pe.name)), '[]')
                      FROM persona_product_affinity a JOIN m ON a.model_id = m.id JOIN persona pe ON pe.id = a.persona_id
                      WHERE a.persona_id = ANY($2::bigint[])),
         'products', (SELECT coalesce(json_agg(json_build_object('id', p.id::text, 'sku', p.sku, 'name', p.name, 'category', p.category,
                                                                 'price', p.price::text, 'createdAt', p.created_at)), '[]')
                      FROM product p WHERE p.id IN (SELECT a.product_id FROM product_affinity a JOIN m ON a.model_id = m.id WHERE a.product_id = a.other_product_id)),
         'consent', (SELECT coalesce(json_agg(json_build_object('customer_id', s.customer_id::text, 'channels', s.channels, 'preferred_channel', s.preferred_channel,
                                                                'own_cap', s.own_cap, 'outbound', s.outbound, 'positives', s.positives)), '[]')
                     FROM unnest($1::bigint[]) AS k(id) CROSS JOIN LATERAL ${consentStateFrom('s', 'k.id', true)})
       ) AS inputs`,
      [customerIds, personaIds, DECLINED_OFFER_DAYS],
    );
    const { model, holdings, declined, pairs, personas: personaRows } = inputs;
    if (!model) return keys.map(() => []);
    const products = new Map(inputs.products.map((p) => [p.id, Object.assign(new Product(), p, { createdAt: new Date(p.createdAt) })]));

    const holders = new Map<string, number>();
    const names = new Map<string, string>();
    const coHolders = new Map<string, Map<string, number>>();
    for (const r of pairs) {
      if (r.product_id === r.other_product_id) {
        holders.set(r.product_id, r.co_holders);
        names.set(r.product_id, r.name);
      } else {
        const row = coHolders.get(r.product_id) ?? new Map<string, number>();
        row.set(r.other_product_id, r.co_holders);
        coHolders.set(r.product_id, row);
      }
    }
    const personaSize = new Map<string, number>();
    const personaNames = new Map<string, string>();
    const personaHolders = new Map<string, Map<string, number>>();
    for (const r of personaRows) {
      personaSize.set(r.persona_id, r.persona_customers);
      personaNames.set(r.persona_id, r.persona_name);
      const row = personaHolders.get(r.persona_id) ?? new Map<string, number>();
      row.set(r.product_id, r.holders);
      personaHolders.set(r.persona_id, row);
    }
    const stats: CrossSellStats = {
      totalCustomers: model.holdingCustomerCount,
      holders,
      coHolders,
      personaSize,
      personaHolders,
      productName: (id) => names.get(id) ?? `product ${id}`,
      personaName: (id) => personaNames.get(id) ?? 'same-persona',
    };

    const owned = new Map<string, Set<string>>();
    const active = new Map<string, string[]>();
    for (const h of holdings) {
      owned.set(h.customer_id, (owned.get(h.customer_id) ?? new Set()).add(h.product_id));
      if (h.status === 'ACTIVE') active.set(h.customer_id, [...(active.get(h.customer_id) ?? []), h.product_id]);
    }
    const declinedBy = new Map<string, Set<string>>();
    for (const d of declined) declinedBy.set(d.customer_id, (declinedBy.get(d.customer_id) ?? new Set()).add(d.product_id));

    // Customers marketing may not reach now (no channel, or at their contact cap) get no offers.
    const consent = new Map(inputs.consent.map((c) => [c.customer_id, c]));
    const choices = new Map(customerIds.map((id) => [id, contactChoice(consent.get(id)!)]));
    const recommendations = keys.map((k) =>
      !choices.get(k.customerId)!.reachable
        ? []
        : recommendProducts(
            {
              activeProductIds: active.get(k.customerId) ?? [],
              ownedProductIds: owned.get(k.customerId) ?? new Set(),
              declinedProductIds: declinedBy.get(k.customerId) ?? new Set(),
              personaId: k.personaId,
            },
            stats,
            k.first,
          ),
    );
    return recommendations.map((items, i) =>
      items.map((item) => ({ ...item, channel: choices.get(keys[i].customerId)!.channel!, product: products.get(item.productId) })),
    );
  }

  /**
   * Per-tier customer counts, historical revenue and predicted value under the current model,
   * with shares of the totals; null before the first fit. Two statements (the model, then one GROUPING SETS pass).
   */
  async valueTiers(em: EntityManager): Promise<ValueTierReport | null> {
    const model = await em.getRepository(ChurnModel).findOneBy({ isCurrent: true });
    if (!model) return null;
    // One pass: a row per tier and, with GROUPING SETS, the total row.
    const rows: {
      is_total: boolean;
      tier: ValueTier | null;
      n: number;
      revenue: string;
      predicted: string;
      min: string | null;
      max: string | null;
      revenue_f: number;
      predicted_f: number;
    }[] = await em.query(
      `SELECT GROUPING(value_tier) = 1 AS is_total, value_tier AS tier, count(*)::int AS n,
                coalesce(sum(total_spend), 0)::text AS revenue, coalesce(sum(predicted_value), 0)::text AS predicted,
                min(predicted_value)::text AS min, max(predicted_value)::text AS max,
                coalesce(sum(total_spend), 0)::float8 AS revenue_f, coalesce(sum(predicted_value), 0)::float8 AS predicted_f
         FROM customer_score WHERE model_id = $1 GROUP BY GROUPING SETS ((value_tier), ())`,
      [model.id],
    );
    const t = rows.find((r) => r.is_total)!;
    const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
    const tiers = [ValueTier.VIP, ValueTier.CORE, ValueTier.LOW].map((tier) => {
      const r = rows.find((row) => !row.is_total && row.tier === tier);
      return {
        tier,
        customerCount: r?.n ?? 0,
        customerShare: share(r?.n ?? 0, t.n),
        revenue: r?.revenue ?? '0.00',
        revenueShare: share(r?.revenue_f ?? 0, t.revenue_f),
        predictedValue: r?.predicted ?? '0.00',
        predictedValueShare: share(r?.predicted_f ?? 0, t.predicted_f),
        minPredictedValue: r?.min ?? null,
        maxPredictedValue: r?.max ?? null,
      };
    });
    return { model, tiers, customerCount: t.n, revenue: t.revenue, predictedValue: t.predicted };
  }

  /**
   * Dormant or lapsed customers (stage DORMANT or CHURNED, or account-churn score ≥
   * {@link LAPSED_ACCOUNT_CHURN}) under the current model, best reactivation score first, keyset
   * paged on (score, customer id). An empty page before the first fit.
   */
  async reactivationCandidates(
    em: EntityManager,
    filter: ReactivationFilterInput | null | undefined,
    req: PageRequest,
  ): Promise<Page<CustomerScore>> {
    const qb: SelectQueryBuilder<CustomerScore> = em
      .getRepository(CustomerScore)
      .createQueryBuilder('x')
      .innerJoin(ChurnModel, 'm', 'm.id = x.model_id AND m.is_current')
      .innerJoin('customer', 'c', 'c.id = x.customer_id')
      .where(`(c.stage IN (:...lapsedStages) OR x.account_churn >= :lapsed)`, {
        lapsedStages: [LifecycleStage.DORMANT, LifecycleStage.CHURNED],
        lapsed: LAPSED_ACCOUNT_CHURN,
      });
    if (filter?.stageIn) {
      if (filter.stageIn.length === 0) qb.andWhere('false');
      else qb.andWhere('c.stage IN (:...stageIn)', { stageIn: filter.stageIn });
    }
    if (filter?.valueTierIn) {
      if (filter.valueTierIn.length === 0) qb.andWhere('false');
      else qb.andWhere('x.value_tier IN (:...tiers)', { tiers: filter.valueTierIn });
    }
    if (filter?.personaId)
      qb.andWhere('c.persona_id = :personaId', { personaId: fromGlobalId(filter.personaId, 'Persona', 'filter.personaId') });
    // Only customers marketing may reach now (the same SQL as the compiled list's filter).
    qb.andWhere(contactableSql('x.customer_id'));
    return pageFromQuery(qb, REACTIVATION_ORDER, req);
  }

  /** Latest touchpoint and latest purchase per customer, in key order. One statement each. */
  static async latestPerCustomer(
    em: EntityManager,
    table: 'touchpoint' | 'purchase',
    customerIds: readonly string[],
  ): Promise<(string | null)[]> {
    const rows: { customer_id: string; id: string }[] = await em.query(
      `SELECT DISTINCT ON (customer_id) customer_id::text, id::text FROM ${table}
       WHERE customer_id = ANY($1::bigint[]) ORDER BY customer_id, occurred_at DESC, id DESC`,
      [[...customerIds]],
    );
    const byId = new Map(rows.map((r) => [r.customer_id, r.id]));
    return customerIds.map((id) => byId.get(id) ?? null);
  }
}
