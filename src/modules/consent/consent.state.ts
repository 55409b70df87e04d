/**
 * A customer's consent state as the resolvers show it, built from the row
 * consentStateFrom (consent.sql.ts) reads; the contact rule is the pure one in
 * analytics/contact-channel.ts.
 */
import type { EntityManager } from 'typeorm';
import { chooseContactChannel, type ConsentStatusValue, type ContactChoice } from '../../analytics/contact-channel';
import { Channel } from '../touchpoints/touchpoint.enums';
import type { StoredChannelConsent } from './consent-record.entity';
import { ConsentStatus, ContactExclusionReason } from './consent.enums';
import { consentStateFrom } from './consent.sql';
import { CommunicationPreferences } from './consent.types';
import { defaultContactCap } from './contact-cap';

export const CHANNELS: readonly Channel[] = Object.values(Channel);

/** What consentStateFrom reads for one customer. */
export interface ConsentStateRow {
  customer_id: string;
  channels: Partial<Record<Channel, StoredChannelConsent>>;
  preferred_channel: Channel | null;
  own_cap: number | null;
  updated_at: Date | null;
  outbound: number;
  positives: Partial<Record<Channel, number>> | null;
}

/** The consent state of each customer, in key order. One statement. */
export async function loadConsentStates(em: EntityManager, customerIds: readonly string[]): Promise<ConsentStateRow[]> {
  const rows: ConsentStateRow[] = await em.query(
    `SELECT s.customer_id::text AS customer_id, s.channels, s.preferred_channel, s.own_cap, s.updated_at, s.outbound, s.positives
     FROM unnest($1::bigint[]) AS k(id) CROSS JOIN LATERAL ${consentStateFrom('s', 'k.id', true)}`,
    [[...customerIds]],
  );
  const byId = new Map(rows.map((r) => [r.customer_id, r]));
  return customerIds.map((id) => byId.get(String(id))!);
}

export const contactCapOf = (row: Pick<ConsentStateRow, 'own_cap'>) => row.own_cap ?? defaultContactCap();

/** The contact rule applied to a state row. */
export function contactChoice(row: ConsentStateRow): ContactChoice {
  return chooseContactChannel({
    channels: CHANNELS,
    statuses: new Map(CHANNELS.map((c) => [c, (row.channels[c]?.status ?? ConsentStatus.UNKNOWN) as ConsentStatusValue])),
    preferredChannel: row.preferred_channel,
    positiveResponses: new Map(Object.entries(row.positives ?? {})),
    outboundInWindow: row.outbound,
    contactCap: contactCapOf(row),
  });
}

export function toCommunicationPreferences(row: ConsentStateRow): CommunicationPreferences {
  const choice = contactChoice(row);
  return Object.assign(new CommunicationPreferences(), {
    customerId: row.customer_id,
    channels: CHANNELS.map((channel) => {
      const c = row.channels[channel];
      return {
        channel,
        status: c?.status ?? ConsentStatus.UNKNOWN,
        source: c?.source ?? null,
        recordedAt: c ? new Date(c.recordedAt) : null,
        recordedByApiKeyId: c?.apiKeyId ?? null,
      };
    }),
    preferredChannel: row.preferred_channel,
    contactCap: contactCapOf(row),
    ownContactCap: row.own_cap,
    outboundMarketingLast30Days: row.outbound,
    updatedAt: row.updated_at,
    contactability: {
      reachable: choice.reachable,
      recommendedChannel: choice.channel as Channel | null,
      reason: choice.reason as ContactExclusionReason | null,
    },
  });
}
