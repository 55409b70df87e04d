/**
 * Referral marketing measures for a time window [from, to):
 * - per source channel: referrals made in the window, how many of the referred customers had
 *   converted (made a first purchase) before `to`, the conversion rate, and the referred
 *   customers' revenue (all their purchases before `to`);
 * - the overall lead conversion rate to compare with: of all customers created in the window,
 *   the share who had made a first purchase before `to`;
 * - top referrers, and the return on the referral programme when a cost per referral is set.
 * Counting conversions only up to `to` keeps a past window's figures stable when re-run later.
 */
import type { EntityManager } from 'typeorm';
import { badInput } from '../../shared/errors';
import type { Clock } from '../../shared/clock';
import { assertPlausibleDate } from '../../shared/validation';
import type { Channel } from '../touchpoints/touchpoint.enums';

/** Most top referrers one query may ask for. */
export const MAX_TOP_REFERRERS = 50;

export interface ChannelFigures {
  /** null for the all-channel total. */
  channel: Channel | null;
  referrals: number;
  converted: number;
  /** converted / referrals; null when there were no referrals. */
  conversionRate: number | null;
  /** conversionRate / lead conversion rate; null when either is unknown or the lead rate is 0. */
  liftOverLeadConversion: number | null;
  revenue: string;
}

export interface ReferralMetricsResult {
  from: Date;
  to: Date;
  channels: ChannelFigures[];
  total: ChannelFigures;
  leadConversion: { customersCreated: number; converted: number; conversionRate: number | null };
  topReferrers: { customerId: string; referrals: number; converted: number; revenue: string }[];
  costPerReferral: string | null;
  programmeCost: string | null;
  /** (revenue − cost) / cost; null without a configured cost or with no referrals. */
  returnOnInvestment: number | null;
}

/** Exact cents of a decimal string such as "1234.5" or "-3.25". */
export function toCents(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2})\d*)?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal amount: ${text}`);
  const cents = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] ? -cents : cents;
}

/** "1234.50" from cents. */
export function fromCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** What the metrics statement returns (is_total: 1 on the GROUPING SETS total row). */
interface ReadFigures {
  byChannel: { channel: Channel | null; is_total: number; referrals: number; converted: number; revenue: string }[];
  leads: { created: number; converted: number };
  top: { id: string; referrals: number; converted: number; revenue: string }[];
}

export class ReferralMetricsService {
  constructor(
    private readonly clock: Clock,
    private readonly costPerReferral: string | null,
  ) {}

  /**
   * Contract: from < to (BAD_USER_INPUT on `to` otherwise), both plausible dates; topReferrers
   * 0..{@link MAX_TOP_REFERRERS}. One statement.
   */
  async metrics(em: EntityManager, from: Date, to: Date, topReferrers = 5): Promise<ReferralMetricsResult> {
    const now = this.clock.now();
    assertPlausibleDate(from, 'from', now);
    // `to` may lie ahead (a window ending this month); only its validity is checked.
    assertPlausibleDate(to, 'to', new Date(8.64e15));
    if (!(from.getTime() < to.getTime())) throw badInput('to', '`to` must be later than `from` (the window is from ≤ t < to).');
    if (!Number.isInteger(topReferrers) || topReferrers < 0 || topReferrers > MAX_TOP_REFERRERS) {
      throw badInput('topReferrers', `topReferrers must be a whole number from 0 to ${MAX_TOP_REFERRERS}.`);
    }

    const revenueJoin = `LEFT JOIN LATERAL (SELECT sum(p.amount) AS total FROM purchase p WHERE p.customer_id = r.referred_id AND p.occurred_at < $2) rev ON true`;
    const convertedSql = `count(*) FILTER (WHERE r.converted_at IS NOT NULL AND r.converted_at < $2)::int`;
    // One statement: figures per channel with the total (GROUPING SETS), lead conversion, and the top referrers.
    const [{ figures: read }]: { figures: ReadFigures }[] = await em.query(
      `SELECT json_build_object(
         'byChannel', (SELECT coalesce(json_agg(x), '[]') FROM (
             SELECT r.source_channel AS channel, GROUPING(r.source_channel) AS is_total, count(*)::int AS referrals,
                    ${convertedSql} AS converted, coalesce(sum(rev.total), 0)::text AS revenue
             FROM referral r ${revenueJoin}
             WHERE r.created_at >= $1 AND r.created_at < $2
             GROUP BY GROUPING SETS ((r.source_channel), ())) x),
         'leads', (SELECT json_build_object('created', count(*)::int, 'converted',
             count(*) FILTER (WHERE EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = c.id AND p.occurred_at < $2))::int)
           FROM customer c WHERE c.created_at >= $1 AND c.created_at < $2 AND c.merged_into IS NULL),
         'top', (SELECT coalesce(json_agg(x ORDER BY x.ord), '[]') FROM (
             SELECT r.referrer_id::text AS id, count(*)::int AS referrals, ${convertedSql} AS converted, coalesce(sum(rev.total), 0)::text AS revenue,
                    row_number() OVER (ORDER BY ${convertedSql} DESC, coalesce(sum(rev.total), 0) DESC, count(*) DESC, r.referrer_id) AS ord
             FROM referral r ${revenueJoin}
             WHERE r.created_at >= $1 AND r.created_at < $2
             GROUP BY r.referrer_id
             ORDER BY ord
             LIMIT $3) x)
       ) AS figures`,
      [from, to, topReferrers],
    );
    const { byChannel, leads, top } = read;

    const leadRate = leads.created > 0 ? leads.converted / leads.created : null;
    const figures = (row: { channel: Channel | null; referrals: number; converted: number; revenue: string }): ChannelFigures => {
      const rate = row.referrals > 0 ? row.converted / row.referrals : null;
      return {
        channel: row.channel,
        referrals: row.referrals,
        converted: row.converted,
        conversionRate: rate,
        liftOverLeadConversion: rate !== null && leadRate !== null && leadRate > 0 ? rate / leadRate : null,
        revenue: fromCents(toCents(row.revenue)),
      };
    };
    const totalRow = byChannel.find((r) => r.is_total === 1) ?? { channel: null, referrals: 0, converted: 0, revenue: '0' };
    const total = figures({ ...totalRow, channel: null });
    const channels = byChannel
      .filter((r) => r.is_total === 0)
      .map(figures)
      .sort((u, v) => v.referrals - u.referrals || v.converted - u.converted || String(u.channel).localeCompare(String(v.channel)));

    let programmeCost: string | null = null;
    let roi: number | null = null;
    if (this.costPerReferral !== null) {
      const cost = toCents(this.costPerReferral) * BigInt(total.referrals);
      programmeCost = fromCents(cost);
      if (cost > 0n) roi = Number(toCents(total.revenue) - cost) / Number(cost);
    }

    return {
      from,
      to,
      channels,
      total,
      leadConversion: { customersCreated: leads.created, converted: leads.converted, conversionRate: leadRate },
      topReferrers: top.map((t) => ({
        customerId: t.id,
        referrals: t.referrals,
        converted: t.converted,
        revenue: fromCents(toCents(t.revenue)),
      })),
      costPerReferral: this.costPerReferral,
      programmeCost,
      returnOnInvestment: roi,
    };
  }
}
