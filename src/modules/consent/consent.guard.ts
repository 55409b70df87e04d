/**
 * The consent rules a writer of outbound marketing must pass. Called inside
 * the writer's transaction after it locked the customer (lockCustomer), so two
 * concurrent touchpoints for one customer are checked one after the other and
 * cannot both slip under the cap.
 */
import type { EntityManager } from 'typeorm';
import { CONTACT_WINDOW_DAYS_CAP } from '../../analytics/contact-channel';
import { DomainError, ErrorCode } from '../../shared/errors';
import type { Channel } from '../touchpoints/touchpoint.enums';
import { ConsentStatus } from './consent.enums';
import { countsAgainstCap } from './consent.sql';
import { defaultContactCap } from './contact-cap';

const DAY_MS = 86_400_000;

/**
 * Refuses an outbound marketing touchpoint on `channel` at `occurredAt`:
 * CONSENT_REQUIRED when the customer opted out of the channel,
 * CONTACT_CAP_REACHED when it falls in the last 30 days and the customer has
 * had their cap there already. One statement.
 */
export async function assertMarketingAllowed(
  em: EntityManager,
  customerId: string,
  channel: Channel,
  occurredAt: Date,
  now: Date,
  field: string,
): Promise<void> {
  const [row]: { status: string; cap: number; recent: Date[] }[] = await em.query(
    `SELECT coalesce(lr.channels->$2::text->>'status', 'UNKNOWN') AS status, coalesce(lr.contact_cap, $3::int) AS cap,
            (SELECT coalesce(array_agg(t.occurred_at ORDER BY t.occurred_at), '{}') FROM touchpoint t
             WHERE t.customer_id = $1::bigint AND ${countsAgainstCap('t')}) AS recent
     FROM (SELECT 1) one
     LEFT JOIN LATERAL (SELECT cr.channels, cr.contact_cap FROM consent_record cr WHERE cr.customer_id = $1::bigint ORDER BY cr.id DESC LIMIT 1) lr ON true`,
    [customerId, channel, defaultContactCap()],
  );
  if (row.status === ConsentStatus.OPTED_OUT) {
    throw new DomainError(
      ErrorCode.CONSENT_REQUIRED,
      `The customer opted out of ${channel}: outbound marketing on it is not allowed. A reply to their own contact may be recorded with purpose SERVICE.`,
      { field, channel },
    );
  }
  const inWindow = occurredAt.getTime() > now.getTime() - CONTACT_WINDOW_DAYS_CAP * DAY_MS;
  if (inWindow && row.recent.length >= row.cap) {
    // The next one is allowed when enough of the counted touchpoints have left the window.
    const leaving = row.recent[row.recent.length - row.cap];
    const nextAllowedAt = leaving ? new Date(new Date(leaving).getTime() + CONTACT_WINDOW_DAYS_CAP * DAY_MS) : null;
    throw new DomainError(
      ErrorCode.CONTACT_CAP_REACHED,
      `The customer already had ${row.recent.length} outbound marketing touchpoint(s) in the last ${CONTACT_WINDOW_DAYS_CAP} days; their cap is ${row.cap}.` +
        (nextAllowedAt ? ` The next one is allowed after ${nextAllowedAt.toISOString()}.` : ''),
      { field, contactCap: row.cap, count: row.recent.length, nextAllowedAt: nextAllowedAt?.toISOString() ?? null },
    );
  }
}
