/**
 * Which channel to reach a customer on for marketing, or why not to reach them at all. Pure:
 * the caller passes the customer's consent per channel, their preferred channel, how many
 * positive responses each channel brought, and their outbound marketing count against their cap.
 *
 * Reachable channels:
 * - OPTED_IN: always;
 * - OPTED_OUT: never;
 * - UNKNOWN: only on channels where marketing law does not ask for prior consent
 *   ({@link OPT_OUT_REGIME_CHANNELS}: printed mail, the website, in person, events,
 *   advertising). E-mail, SMS, phone and social messages need an explicit opt-in
 *   ({@link OPT_IN_REGIME_CHANNELS}), so UNKNOWN there means "do not use for marketing".
 *
 * The choice, first match wins: the preferred channel if OPTED_IN; else the OPTED_IN channel
 * with the most positive responses; else the reachable UNKNOWN channel (preferred first, then
 * most positive responses). Ties go to the order of the channel list the caller passes (the
 * `Channel` enum's order). A customer at or over their cap, or with no reachable channel, is
 * not contacted, with the reason.
 */

export type ConsentStatusValue = 'OPTED_IN' | 'OPTED_OUT' | 'UNKNOWN';

/** Channels whose marketing use needs an explicit opt-in: UNKNOWN is not enough. */
export const OPT_IN_REGIME_CHANNELS: ReadonlySet<string> = new Set(['EMAIL', 'SMS', 'PHONE', 'SOCIAL']);
/** Channels marketing may use until the customer objects: UNKNOWN counts as reachable. */
export const OPT_OUT_REGIME_CHANNELS: ReadonlySet<string> = new Set(['DIRECT_MAIL', 'WEB', 'IN_PERSON', 'EVENT', 'ADVERTISING']);

/** The rolling window the contact cap counts over. */
export const CONTACT_WINDOW_DAYS_CAP = 30;

export type ContactExclusion = 'NO_REACHABLE_CHANNEL' | 'CONTACT_CAP_REACHED';

export interface ContactInput {
  /** Every channel, in tie-break order (the `Channel` enum's order). */
  channels: readonly string[];
  /** Status per channel; a channel missing here is UNKNOWN. */
  statuses: ReadonlyMap<string, ConsentStatusValue>;
  preferredChannel: string | null;
  /** POSITIVE_INTEREST responses per channel over the customer's history. */
  positiveResponses: ReadonlyMap<string, number>;
  /** Outbound marketing touchpoints in the last {@link CONTACT_WINDOW_DAYS_CAP} days. */
  outboundInWindow: number;
  /** The customer's cap (their own or the default). */
  contactCap: number;
}

export type ContactChoice =
  { reachable: true; channel: string; reason: null } | { reachable: false; channel: null; reason: ContactExclusion };

/** True when marketing may use `channel` for a customer whose status on it is `status`. */
export function isReachable(channel: string, status: ConsentStatusValue): boolean {
  if (status === 'OPTED_IN') return true;
  if (status === 'OPTED_OUT') return false;
  return OPT_OUT_REGIME_CHANNELS.has(channel);
}

/** The channel to use, or why none: the rule in the file comment. Deterministic. */
export function chooseContactChannel(input: ContactInput): ContactChoice {
  if (input.outboundInWindow >= input.contactCap) return { reachable: false, channel: null, reason: 'CONTACT_CAP_REACHED' };
  const status = (c: string) => input.statuses.get(c) ?? 'UNKNOWN';
  const tier = (c: string) => (status(c) === 'OPTED_IN' ? (c === input.preferredChannel ? 0 : 1) : 2);
  const candidates = input.channels
    .map((c, order) => ({ c, order }))
    .filter(({ c }) => isReachable(c, status(c)))
    .sort(
      (u, v) =>
        tier(u.c) - tier(v.c) ||
        Number(v.c === input.preferredChannel) - Number(u.c === input.preferredChannel) ||
        (input.positiveResponses.get(v.c) ?? 0) - (input.positiveResponses.get(u.c) ?? 0) ||
        u.order - v.order,
    );
  const best = candidates[0];
  return best ? { reachable: true, channel: best.c, reason: null } : { reachable: false, channel: null, reason: 'NO_REACHABLE_CHANNEL' };
}

/**
 * "Opted out everywhere": the customer objected on at least one channel and no channel is
 * left that marketing may use. Evidence of account churn risk (see churn-risk.ts).
 */
export function optedOutEverywhere(channels: readonly string[], statuses: ReadonlyMap<string, ConsentStatusValue>): boolean {
  const status = (c: string) => statuses.get(c) ?? 'UNKNOWN';
  return channels.some((c) => status(c) === 'OPTED_OUT') && !channels.some((c) => isReachable(c, status(c)));
}
