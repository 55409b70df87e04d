/**
 * How consent is stored and read, for the read compiler (see db/sql-map.ts),
 * and the SQL form of the contact rule (analytics/contact-channel.ts) that
 * lists filter on. Every read of a customer's consent goes through
 * `consentStateFrom`, so the compiled reads, the resolvers' loader and the
 * list filters read the same state the same way.
 */
import type { Ordering } from '../../db/keyset';
import { col, globalIdSql, key, type FieldMap, type SqlObjectMap } from '../../db/sql-map';
import { CONTACT_WINDOW_DAYS_CAP, OPT_OUT_REGIME_CHANNELS } from '../../analytics/contact-channel';
import type { ModuleSql } from '../module';
import { Channel } from '../touchpoints/touchpoint.enums';
import { defaultContactCap } from './contact-cap';

const textArray = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]::text[]`;
/** Every channel, in the enum's order (the tie-break order of the rule). */
export const CHANNEL_ARRAY = textArray(Object.values(Channel));
const OPT_OUT_REGIME_ARRAY = textArray([...OPT_OUT_REGIME_CHANNELS]);

export const CONSENT_HISTORY_ORDER: Ordering = {
  name: 'CONSENT_RECORD_LATEST',
  keys: ['x.recorded_at', 'x.id'],
  types: ['timestamptz', 'bigint'],
  direction: 'DESC',
};

/** Touchpoints (alias `t`) that count against the contact cap: outbound marketing of the last 30 days. */
export const countsAgainstCap = (t: string) =>
  `${t}.direction = 'OUTBOUND' AND ${t}.purpose = 'MARKETING' AND ${t}.occurred_at > now() - make_interval(days => ${CONTACT_WINDOW_DAYS_CAP})`;

/**
 * A customer's consent state as one row under `alias`: customer_id, channels
 * (jsonb, channel → { status, source, recordedAt, apiKeyId }), preferred_channel,
 * own_cap, updated_at (null when nothing was recorded), outbound (count against
 * the cap) and, with `positives`, positives (jsonb, channel → POSITIVE_INTEREST
 * responses). `customerId` is SQL for the customer's id.
 */
export function consentStateFrom(alias: string, customerId: string, positives: boolean): string {
  const p = positives
    ? `(SELECT jsonb_object_agg(${alias}_p.channel, ${alias}_p.n) FROM (SELECT t.channel, count(*)::int AS n FROM touchpoint t
         WHERE t.customer_id = ${customerId} AND t.response = 'POSITIVE_INTEREST' GROUP BY t.channel) ${alias}_p)`
    : `NULL::jsonb`;
  return `(SELECT ${customerId} AS customer_id, coalesce(${alias}_lr.channels, '{}'::jsonb) AS channels, ${alias}_lr.preferred_channel,
      ${alias}_lr.contact_cap AS own_cap, ${alias}_lr.recorded_at AS updated_at,
      (SELECT count(*)::int FROM touchpoint t WHERE t.customer_id = ${customerId} AND ${countsAgainstCap('t')}) AS outbound,
      ${p} AS positives
    FROM (SELECT 1) ${alias}_one
    LEFT JOIN LATERAL (SELECT cr.channels, cr.preferred_channel, cr.contact_cap, cr.recorded_at FROM consent_record cr
                       WHERE cr.customer_id = ${customerId} ORDER BY cr.id DESC LIMIT 1) ${alias}_lr ON true) ${alias}`;
}

const statusOf = (state: string, channel: string) => `coalesce(${state}.channels->${channel}->>'status', 'UNKNOWN')`;
const reachable = (state: string, channel: string) =>
  `(${statusOf(state, channel)} = 'OPTED_IN' OR (${statusOf(state, channel)} = 'UNKNOWN' AND ${channel} = ANY(${OPT_OUT_REGIME_ARRAY})))`;
/** The customer's cap: their own, else the configured default (a validated integer, written as a literal). */
const capOf = (state: string) => `coalesce(${state}.own_cap, ${Number(defaultContactCap())})`;

/** The rule of chooseContactChannel over a consentStateFrom row (with positives), as jsonb { reachable, recommendedChannel, reason }. */
export function contactabilitySql(state: string): string {
  const ch = `${state}_ch`;
  const status = statusOf(state, `${ch}.name`);
  return `(CASE WHEN ${state}.outbound >= ${capOf(state)}
      THEN jsonb_build_object('reachable', false, 'recommendedChannel', NULL::text, 'reason', 'CONTACT_CAP_REACHED')
      ELSE coalesce(
        (SELECT jsonb_build_object('reachable', true, 'recommendedChannel', ${ch}.name, 'reason', NULL::text)
         FROM unnest(${CHANNEL_ARRAY}) WITH ORDINALITY ${ch}(name, ord)
         WHERE ${reachable(state, `${ch}.name`)}
         ORDER BY CASE WHEN ${status} = 'OPTED_IN' THEN CASE WHEN ${ch}.name = ${state}.preferred_channel THEN 0 ELSE 1 END ELSE 2 END,
                  coalesce(${ch}.name = ${state}.preferred_channel, false) DESC,
                  coalesce((${state}.positives->>${ch}.name)::int, 0) DESC, ${ch}.ord
         LIMIT 1),
        jsonb_build_object('reachable', false, 'recommendedChannel', NULL::text, 'reason', 'NO_REACHABLE_CHANNEL'))
    END)`;
}

/** True when marketing may reach the customer with id `customerId` now: some reachable channel, and under the cap. */
export function contactableSql(customerId: string): string {
  const s = 'cs_contactable';
  return `(SELECT ${s}.outbound < ${capOf(s)} AND EXISTS (SELECT 1 FROM unnest(${CHANNEL_ARRAY}) ${s}_ch(name) WHERE ${reachable(s, `${s}_ch.name`)})
           FROM ${consentStateFrom(s, customerId, false)})`;
}

/** The channel the rule recommends for the customer with id `customerId` (text; null when not reachable). */
export function recommendedChannelSql(customerId: string): string {
  const s = 'cs_recommended';
  return `(SELECT ${contactabilitySql(s)}->>'recommendedChannel' FROM ${consentStateFrom(s, customerId, true)})`;
}

export const communicationPreferencesSql: SqlObjectMap = {
  type: 'CommunicationPreferences',
  table: '',
  fields: {
    channels: {
      kind: 'embeddedList',
      target: 'ChannelConsent',
      from: (e, r) =>
        `(SELECT ch.name, ch.ord, ${r}.channels->ch.name AS v FROM unnest(${CHANNEL_ARRAY}) WITH ORDINALITY ch(name, ord)) ${e}`,
      order: (e) => `${e}.ord`,
    },
    preferredChannel: col('preferred_channel'),
    contactCap: { kind: 'column', format: 'plain', sql: (r) => capOf(r) },
    ownContactCap: col('own_cap'),
    outboundMarketingLast30Days: col('outbound'),
    updatedAt: col('updated_at', 'datetime'),
    contactability: { kind: 'embedded', target: 'Contactability', value: (r) => contactabilitySql(r) },
  },
  row: { customerId: (r) => `${r}.customer_id::text` },
};

export const channelConsentSql: SqlObjectMap = {
  type: 'ChannelConsent',
  table: '',
  fields: {
    channel: col('name'),
    status: { kind: 'column', format: 'plain', sql: (r) => `coalesce(${r}.v->>'status', 'UNKNOWN')` },
    source: key('source'),
    recordedAt: key('recordedAt'),
    recordedByApiKeyId: key('apiKeyId'),
  },
  row: {},
};

export const contactabilitySqlMap: SqlObjectMap = {
  type: 'Contactability',
  table: '',
  fields: { reachable: key('reachable'), recommendedChannel: key('recommendedChannel'), reason: key('reason') },
  row: {},
};

/** The key's global ID; null without a key. */
const apiKeyGlobalId = (r: string) => globalIdSql('ApiKey', `${r}.api_key_id::text`);

export const consentRecordSql: SqlObjectMap = {
  type: 'ConsentRecord',
  table: 'consent_record',
  customers: ['customer_id'],
  fields: {
    changes: {
      kind: 'embeddedList',
      target: 'ConsentChange',
      from: (e, r) => `jsonb_array_elements(${r}.changes) WITH ORDINALITY ${e}(v, ord)`,
      order: (e) => `${e}.ord`,
    },
    preferredChannel: col('preferred_channel'),
    contactCap: col('contact_cap'),
    source: col('source'),
    recordedAt: col('recorded_at', 'datetime'),
    recordedByApiKeyId: { kind: 'column', format: 'plain', sql: apiKeyGlobalId },
  },
  row: { apiKeyId: (r) => `${r}.api_key_id::text` },
};

export const consentChangeSql: SqlObjectMap = {
  type: 'ConsentChange',
  table: '',
  fields: { channel: key('channel'), status: key('status') },
  row: {},
};

/** Fields consent adds to Customer. */
export const customerConsentFields: Record<string, FieldMap> = {
  communicationPreferences: {
    kind: 'reference',
    target: 'CommunicationPreferences',
    from: (alias, customer) => consentStateFrom(alias, `${customer}.id`, true),
  },
  consentHistory: { kind: 'connection', target: 'ConsentRecord', parentColumn: 'customer_id', ordering: CONSENT_HISTORY_ORDER },
};

export const CONSENT_SQL: ModuleSql = {
  objects: [communicationPreferencesSql, channelConsentSql, contactabilitySqlMap, consentRecordSql, consentChangeSql],
  extend: { Customer: customerConsentFields },
};
