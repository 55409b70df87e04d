/**
 * Consent and communication preferences over real HTTP, WebSocket and
 * PostgreSQL: the append-only history, what recordTouchpoint refuses (and that
 * a refusal writes nothing), the contact cap, who may read consent, the
 * CONSENT_CHANGED event, and the customers cross-sell and reactivation lists
 * leave out — on the compiled path and on the resolvers alike.
 */
import { toGlobalId } from '../../src/shared/global-id';
import {
  CustomerConsentDocument,
  CustomerInsightDocument,
  OnConsentChangedDocument,
  ReactivationCandidatesDocument,
  RecordTouchpointDocument,
  SetCommunicationPreferencesDocument,
  type SetCommunicationPreferencesInput,
} from '../generated/graphql';
import { buildTouchpointInput, insertCustomer, seedGraph, shareWithPartner, tableCounts, type Inserted } from '../factories';
import { subscribe } from './events-support';
import { startTestServer, TEST_PARTNER, type TestServer } from '../support/server';

jest.setTimeout(60_000);

let server: TestServer;
/** The same database through the resolvers only (COMPILED_READS=off). */
let plain: TestServer;
let serviceKey: string;

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const set = (input: SetCommunicationPreferencesInput, key?: string) =>
  server.request(SetCommunicationPreferencesDocument, { input }, key ? server.auth(key) : undefined);
/** Like set, but the change must succeed. */
const mustSet = async (input: SetCommunicationPreferencesInput) => {
  const body = await set(input);
  expect(body.errors).toBeUndefined();
  return body.data!.setCommunicationPreferences;
};
const touch = (customerId: string, o: Record<string, unknown> = {}) =>
  server.request(RecordTouchpointDocument, { input: buildTouchpointInput(customerId, { occurredAt: hoursAgo(1), ...o }) });

beforeAll(async () => {
  server = await startTestServer();
  plain = await startTestServer({ sameDatabaseAs: server, config: { compiledReads: false } });
  serviceKey = await server.createKey({ role: 'SERVICE', scopes: ['pii:read'] });
  const db = server.ds;
  // Varied purchase histories over the past year, so the churn model fits and there are reactivation candidates.
  await seedGraph(db, { customers: 60 });
  await db.query(`DELETE FROM purchase WHERE customer_id % 2 = 0`);
  await db.query(
    `INSERT INTO purchase (customer_id, product_id, occurred_at, quantity, amount)
     SELECT h.customer_id, h.product_id, now() - ((300 + h.customer_id % 90 - g * (7 + h.customer_id * 13 % 50)) || ' days')::interval, 1, (10 + (h.customer_id * 31 + g * 17) % 90)::numeric
     FROM (SELECT DISTINCT ON (customer_id) customer_id, product_id FROM holding ORDER BY customer_id, id) h
     CROSS JOIN LATERAL generate_series(0, (h.customer_id * 7 % 6)::int) g`,
  );
  await db.query(`UPDATE customer SET last_purchase_at = (SELECT max(occurred_at) FROM purchase p WHERE p.customer_id = customer.id)`);
  await server.query(`mutation { fitChurnModel(input: {}) { scoredCustomers } }`);
});

afterAll(async () => {
  await plain?.stop();
  await server?.stop();
});

describe('setCommunicationPreferences', () => {
  let ada: Inserted;
  beforeAll(async () => {
    ada = await insertCustomer(server.ds, { name: 'Ada Consent' });
  });

  it('records consent per channel with source, time and key, and shows it on both read paths', async () => {
    const body = await set(
      {
        customerId: ada.gid,
        channels: [
          { channel: 'EMAIL', status: 'OPTED_OUT' },
          { channel: 'SMS', status: 'OPTED_IN' },
        ],
        preferredChannel: 'SMS',
        source: 'preference centre',
      },
      serviceKey,
    );
    expect(body.errors).toBeUndefined();
    const { consentRecord, customer } = body.data!.setCommunicationPreferences;
    const [{ id: keyId }] = await server.ds.query<{ id: string }[]>(`SELECT id::text FROM api_key WHERE label = 'test SERVICE'`);
    expect(consentRecord).toMatchObject({
      changes: [
        { channel: 'EMAIL', status: 'OPTED_OUT' },
        { channel: 'SMS', status: 'OPTED_IN' },
      ],
      preferredChannel: 'SMS',
      contactCap: null,
      source: 'preference centre',
      recordedByApiKeyId: toGlobalId('ApiKey', keyId),
    });
    const prefs = customer.communicationPreferences!;
    expect(prefs.channels.map((c) => c.channel)).toEqual([
      'EMAIL',
      'DIRECT_MAIL',
      'PHONE',
      'SMS',
      'WEB',
      'SOCIAL',
      'IN_PERSON',
      'EVENT',
      'ADVERTISING',
    ]);
    expect(prefs.channels.find((c) => c.channel === 'EMAIL')).toMatchObject({
      status: 'OPTED_OUT',
      source: 'preference centre',
      recordedAt: consentRecord.recordedAt,
      recordedByApiKeyId: toGlobalId('ApiKey', keyId),
    });
    expect(prefs.channels.find((c) => c.channel === 'PHONE')).toEqual({
      channel: 'PHONE',
      status: 'UNKNOWN',
      source: null,
      recordedAt: null,
      recordedByApiKeyId: null,
    });
    expect(prefs).toMatchObject({
      preferredChannel: 'SMS',
      contactCap: 12,
      ownContactCap: null,
      contactability: { reachable: true, recommendedChannel: 'SMS', reason: null },
    });
    const compiled = await server.query(CustomerConsentDocument, { id: ada.gid });
    const resolved = await plain.query(CustomerConsentDocument, { id: ada.gid });
    expect(compiled).toEqual(resolved);
    expect(compiled.customer!.communicationPreferences).toEqual(prefs);
  });

  it('appends to the history and never rewrites an earlier record', async () => {
    const before = await server.ds.query(`SELECT * FROM consent_record WHERE customer_id = $1 ORDER BY id`, [ada.id]);
    expect(before).toHaveLength(1);
    const body = await set({
      customerId: ada.gid,
      channels: [{ channel: 'EMAIL', status: 'OPTED_IN' }],
      contactCap: 3,
      source: 'call centre',
    });
    expect(body.errors).toBeUndefined();
    const after = await server.ds.query(`SELECT * FROM consent_record WHERE customer_id = $1 ORDER BY id`, [ada.id]);
    expect(after).toHaveLength(2);
    expect(after[0]).toEqual(before[0]);
    const { customer } = await server.query(CustomerConsentDocument, { id: ada.gid });
    expect(customer!.consentHistory!.totalCount).toBe(2);
    // Newest first; the later record kept what it did not change (SMS, the preferred channel).
    expect(customer!.consentHistory!.nodes.map((r) => [r.source, r.changes, r.preferredChannel, r.contactCap])).toEqual([
      ['call centre', [{ channel: 'EMAIL', status: 'OPTED_IN' }], 'SMS', 3],
      [
        'preference centre',
        [
          { channel: 'EMAIL', status: 'OPTED_OUT' },
          { channel: 'SMS', status: 'OPTED_IN' },
        ],
        'SMS',
        null,
      ],
    ]);
    expect(customer!.communicationPreferences).toMatchObject({ contactCap: 3, ownContactCap: 3 });
    expect(customer!.communicationPreferences!.channels.find((c) => c.channel === 'SMS')!.source).toBe('preference centre');
    expect(await plain.query(CustomerConsentDocument, { id: ada.gid })).toEqual({ customer });
  });

  it('announces the change on the live feed as CONSENT_CHANGED, without the source text', async () => {
    const sub = subscribe(server.wsUrl, OnConsentChangedDocument, {}, { connectionParams: { authorization: `Bearer ${server.adminKey}` } });
    try {
      // The subscription is live once a change made after it arrives; retry until one does.
      let attempt = 0;
      while (sub.items.length === 0 && attempt < 50) {
        await set({ customerId: ada.gid, preferredChannel: null, source: `unsubscribe link ${++attempt}` });
        await new Promise((r) => setTimeout(r, 100));
      }
      const [first] = await sub.waitFor(1);
      expect(first.customerEvents).toEqual({
        type: 'CONSENT_CHANGED',
        customer: { id: ada.gid },
        changes: [],
        preferredChannel: null,
        contactCap: 3,
      });
    } finally {
      await sub.dispose();
    }
    const [{ payload }] = await server.ds.query(
      `SELECT payload FROM customer_event WHERE type = 'CONSENT_CHANGED' AND customer_id = $1 ORDER BY seq DESC LIMIT 1`,
      [ada.id],
    );
    expect(JSON.stringify(payload)).not.toMatch(/unsubscribe link|call centre|preference centre/);
  });

  const bad: [string, () => Partial<SetCommunicationPreferencesInput>, string, string][] = [
    [
      'a channel named twice',
      () => ({
        channels: [
          { channel: 'SMS', status: 'OPTED_IN' },
          { channel: 'SMS', status: 'OPTED_OUT' },
        ],
      }),
      'BAD_USER_INPUT',
      'input.channels[1].channel',
    ],
    ['nothing to change', () => ({ channels: [] }), 'BAD_USER_INPUT', 'input'],
    ['a blank source', () => ({ channels: [{ channel: 'SMS', status: 'OPTED_IN' }], source: '   ' }), 'BAD_USER_INPUT', 'input.source'],
    ['a negative cap', () => ({ contactCap: -1 }), 'BAD_USER_INPUT', 'input.contactCap'],
    [
      'an opted-out preferred channel',
      () => ({ channels: [{ channel: 'PHONE', status: 'OPTED_OUT' }], preferredChannel: 'PHONE' }),
      'BAD_USER_INPUT',
      'input.preferredChannel',
    ],
    ['an unknown customer', () => ({ customerId: toGlobalId('Customer', 987654321), contactCap: 2 }), 'NOT_FOUND', 'input.customerId'],
    ['a malformed customer id', () => ({ customerId: 'nope', contactCap: 2 }), 'BAD_USER_INPUT', 'input.customerId'],
  ];
  it.each(bad)('refuses %s with a stable code and writes nothing', async (_name, input, code, field) => {
    const before = await tableCounts(server.ds);
    const body = await set({ customerId: ada.gid, source: 'test', ...input() } as SetCommunicationPreferencesInput);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code, field });
    expect(await tableCounts(server.ds)).toEqual(before);
  });

  it('is open to SERVICE and ADMIN keys only', async () => {
    for (const role of ['ANALYST', 'PARTNER'] as const) {
      const key = await server.createKey({ role });
      const body = await set({ customerId: ada.gid, contactCap: 5, source: 'test' }, key);
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('reading consent needs pii:read', () => {
  it('hides communicationPreferences and consentHistory without the scope, on both paths', async () => {
    const ada = await insertCustomer(server.ds, { name: 'Private Person' });
    // The partner key sees only customers who share with its partner.
    await shareWithPartner(server.ds, TEST_PARTNER, [ada.id]);
    await set({ customerId: ada.gid, channels: [{ channel: 'SMS', status: 'OPTED_OUT' }], source: 'web form' });
    const analyst = await server.createKey({ role: 'ANALYST' });
    const partner = await server.createKey({ role: 'PARTNER' });
    const withScope = await server.createKey({ role: 'ANALYST', scopes: ['pii:read'] });
    for (const key of [analyst, partner]) {
      for (const target of [server, plain]) {
        const body = await target.request(CustomerConsentDocument, { id: ada.gid }, target.auth(key));
        expect(body.data?.customer).toEqual({ id: ada.gid, communicationPreferences: null, consentHistory: null });
        expect(body.errors?.map((e) => [e.extensions?.code, e.path?.join('.')]).sort()).toEqual([
          ['FORBIDDEN', 'customer.communicationPreferences'],
          ['FORBIDDEN', 'customer.consentHistory'],
        ]);
      }
    }
    const allowed = await server.request(CustomerConsentDocument, { id: ada.gid }, server.auth(withScope));
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.customer!.consentHistory!.totalCount).toBe(1);
  });
});

describe('recordTouchpoint enforces consent', () => {
  let optedOut: Inserted;
  beforeAll(async () => {
    optedOut = await insertCustomer(server.ds, { name: 'Opted Out' });
    const body = await set({ customerId: optedOut.gid, channels: [{ channel: 'EMAIL', status: 'OPTED_OUT' }], source: 'unsubscribe link' });
    expect(body.errors).toBeUndefined();
  });

  it('refuses outbound marketing on an opted-out channel with CONSENT_REQUIRED and writes nothing', async () => {
    for (const o of [{}, { purpose: 'MARKETING' }, { occurredAt: '2024-02-01T09:00:00.000Z' }]) {
      const before = await tableCounts(server.ds);
      const body = await touch(optedOut.gid, o);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'CONSENT_REQUIRED', field: 'input.channel', channel: 'EMAIL' });
      expect(await tableCounts(server.ds)).toEqual(before);
    }
  });

  it('allows a service reply and inbound contact on that channel, and marketing on the others', async () => {
    const service = await touch(optedOut.gid, { purpose: 'SERVICE' });
    expect(service.errors).toBeUndefined();
    expect(service.data!.recordTouchpoint.touchpoint).toMatchObject({ channel: 'EMAIL', direction: 'OUTBOUND', purpose: 'SERVICE' });
    const inbound = await touch(optedOut.gid, { direction: 'INBOUND' });
    expect(inbound.errors).toBeUndefined();
    expect(inbound.data!.recordTouchpoint.touchpoint).toMatchObject({ direction: 'INBOUND', purpose: 'SERVICE' });
    const phone = await touch(optedOut.gid, { channel: 'PHONE' });
    expect(phone.errors).toBeUndefined();
    expect(phone.data!.recordTouchpoint.touchpoint.purpose).toBe('MARKETING');
  });

  it('refuses the touchpoint over the cap with CONTACT_CAP_REACHED and writes nothing; service and older ones still go in', async () => {
    const capped = await insertCustomer(server.ds, { name: 'Capped' });
    await set({ customerId: capped.gid, contactCap: 2, source: 'preference centre' });
    expect((await touch(capped.gid, { occurredAt: hoursAgo(50) })).errors).toBeUndefined();
    expect((await touch(capped.gid, { channel: 'PHONE', occurredAt: hoursAgo(2) })).errors).toBeUndefined();
    const before = await tableCounts(server.ds);
    const third = await touch(capped.gid, { channel: 'DIRECT_MAIL' });
    expect(third.errors?.[0]?.extensions).toMatchObject({ code: 'CONTACT_CAP_REACHED', field: 'input.channel', contactCap: 2, count: 2 });
    // The oldest counted touchpoint leaves the 30-day window 30 days after it happened.
    const expected = new Date(Date.parse(hoursAgo(50)) + 30 * 86_400_000);
    expect(Math.abs(Date.parse(third.errors![0].extensions!.nextAllowedAt as string) - expected.getTime())).toBeLessThan(60_000);
    expect(await tableCounts(server.ds)).toEqual(before);
    expect((await touch(capped.gid, { purpose: 'SERVICE' })).errors).toBeUndefined();
    expect((await touch(capped.gid, { occurredAt: '2024-02-01T09:00:00.000Z' })).errors).toBeUndefined();
    const { customer } = await server.query(CustomerConsentDocument, { id: capped.gid });
    expect(customer!.communicationPreferences).toMatchObject({
      outboundMarketingLast30Days: 2,
      contactCap: 2,
      contactability: { reachable: false, recommendedChannel: null, reason: 'CONTACT_CAP_REACHED' },
    });
  });

  it('lets only one of two concurrent touchpoints take the last place under the cap', async () => {
    const racer = await insertCustomer(server.ds, { name: 'Racer' });
    await set({ customerId: racer.gid, contactCap: 1, source: 'test' });
    const results = await Promise.all([touch(racer.gid), touch(racer.gid, { channel: 'PHONE' })]);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code)).toEqual(['CONTACT_CAP_REACHED']);
    const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM touchpoint WHERE customer_id = $1`, [racer.id]);
    expect(n).toBe(1);
  });
});

describe('cross-sell and reactivation lists', () => {
  const reactivation = async (target: TestServer) =>
    (await target.query(ReactivationCandidatesDocument, { first: 100 })).reactivationCandidates.edges.map((e) => e.node);

  it('name the channel to use and leave out a customer at their cap or reachable on no channel, on both paths', async () => {
    const before = await reactivation(server);
    expect(before).toEqual(await reactivation(plain));
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.every((c) => c.recommendedChannel !== null)).toBe(true);
    const [atCap, unreachable, phoneFan] = before.map((c) => c.customer.id);

    // At the cap: as many outbound marketing touchpoints in the window as their own cap.
    const { customer } = await server.query(CustomerConsentDocument, { id: atCap });
    const outbound = customer!.communicationPreferences!.outboundMarketingLast30Days;
    const insightBefore = await server.query(CustomerInsightDocument, { id: atCap, recommendations: 3 });
    expect(insightBefore.customer!.crossSellRecommendations.length).toBeGreaterThan(0);
    await mustSet({ customerId: atCap, contactCap: outbound, source: 'asked for fewer mails' });

    // No channel: opted out of every channel marketing may use without an opt-in, and nothing opted in.
    const everywhere = ['EMAIL', 'DIRECT_MAIL', 'PHONE', 'SMS', 'WEB', 'SOCIAL', 'IN_PERSON', 'EVENT', 'ADVERTISING'] as const;
    await mustSet({
      customerId: unreachable,
      channels: everywhere.map((channel) => ({ channel, status: 'OPTED_OUT' as const })),
      preferredChannel: null,
      source: 'complaint',
    });

    // Preferred and opted in: the preferred channel.
    await mustSet({
      customerId: phoneFan,
      channels: [
        { channel: 'PHONE', status: 'OPTED_IN' },
        { channel: 'EMAIL', status: 'OPTED_IN' },
      ],
      preferredChannel: 'PHONE',
      source: 'call',
    });

    for (const target of [server, plain]) {
      const after = await reactivation(target);
      const ids = after.map((c) => c.customer.id);
      expect(ids).not.toContain(atCap);
      expect(ids).not.toContain(unreachable);
      expect(after.find((c) => c.customer.id === phoneFan)?.recommendedChannel).toBe('PHONE');
      expect(ids).toEqual(before.map((c) => c.customer.id).filter((id) => id !== atCap && id !== unreachable));
      for (const id of [atCap, unreachable]) {
        const insight = await target.query(CustomerInsightDocument, { id, recommendations: 3 });
        expect(insight.customer!.crossSellRecommendations).toEqual([]);
      }
      const fan = await target.query(CustomerInsightDocument, { id: phoneFan, recommendations: 3 });
      expect(fan.customer!.crossSellRecommendations.every((r) => r.recommendedChannel === 'PHONE')).toBe(true);
    }
    const reasons = await Promise.all(
      [atCap, unreachable].map(
        async (id) => (await server.query(CustomerConsentDocument, { id })).customer!.communicationPreferences!.contactability,
      ),
    );
    expect(reasons).toEqual([
      { reachable: false, recommendedChannel: null, reason: 'CONTACT_CAP_REACHED' },
      { reachable: false, recommendedChannel: null, reason: 'NO_REACHABLE_CHANNEL' },
    ]);
  });

  it('counts opted out everywhere toward account churn once the customer is scored again', async () => {
    const everywhere = ['EMAIL', 'DIRECT_MAIL', 'PHONE', 'SMS', 'WEB', 'SOCIAL', 'IN_PERSON', 'EVENT', 'ADVERTISING'] as const;
    const [{ id }] = await server.ds.query<{ id: string }[]>(
      `SELECT c.id::text AS id FROM customer c WHERE EXISTS (SELECT 1 FROM purchase p WHERE p.customer_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM consent_record r WHERE r.customer_id = c.id) ORDER BY c.id LIMIT 1`,
    );
    const gid = toGlobalId('Customer', id);
    const risk = async (target: TestServer) =>
      (await target.query(
        `query Q($id: ID!) { customer(id: $id) { churnRisk { accountChurn { score explanation } factors { name value contribution } } } }`,
        { id: gid },
      )) as {
        customer: {
          churnRisk: {
            accountChurn: { score: number; explanation: string };
            factors: { name: string; value: number; contribution: number }[];
          };
        };
      };
    const before = (await risk(server)).customer.churnRisk;
    await mustSet({
      customerId: gid,
      channels: everywhere.map((channel) => ({ channel, status: 'OPTED_OUT' as const })),
      source: 'complaint',
    });
    await server.query(`mutation { fitChurnModel(input: {}) { scoredCustomers } }`);
    const after = (await risk(server)).customer.churnRisk;
    expect(after.accountChurn.score).toBeGreaterThan(before.accountChurn.score);
    expect(after.accountChurn.explanation).toMatch(/opted out of marketing on every channel/i);
    expect(after.factors.find((f) => f.name === 'optedOutEverywhere')).toMatchObject({ value: 1 });
    expect(await risk(plain)).toEqual(await risk(server));
  });
});
