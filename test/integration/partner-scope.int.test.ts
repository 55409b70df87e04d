/**
 * The partner scope over real HTTP, WebSocket and PostgreSQL: a PARTNER key
 * sees exactly the customers who share with its partner, in every read path
 * (lists, node/nodes, customer, nested references, the event page and the live
 * feed), on the compiled SQL path and on the resolvers alike; a withdrawal
 * takes effect at once and reaches only that partner's feed as
 * CUSTOMER_SHARING_ENDED.
 */
import { parse } from 'graphql';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';
import { seedGraph } from '../factories';
import { toGlobalId, fromGlobalId } from '../../src/shared/global-id';
import { subscribe, waitUntil, type Sub } from './events-support';

let compiled: TestServer;
let plain: TestServer;
let partnerKey: string;
let otherPartnerKey: string;
/** Every customer (global ids), as the admin reads them, newest first. */
let all: string[];
/** Those sharing with `acme-travel`. */
let shared: Set<string>;

const PARTNER = 'acme-travel';
const OTHER = 'globex-tours';

async function ask<T = Record<string, unknown>>(server: TestServer, query: string, variables: Record<string, unknown>, key: string) {
  return (await server.request(query, variables, server.auth(key))) as GraphQLResponse<T>;
}

async function setSharing(customerId: string, partner: string, share: boolean) {
  return compiled.query<{ setPartnerSharing: { changed: boolean; sharing: { partner: string; shared: boolean; source: string } } }>(
    `mutation($input: SetPartnerSharingInput!) { setPartnerSharing(input: $input) { changed sharing { partner shared source recordedAt } customer { id } } }`,
    { input: { customerId, partner, share, source: 'booking form' } },
  );
}

/** Every customer id of the `customers` connection, page by page. */
async function listAll(server: TestServer, key: string): Promise<{ ids: string[]; totalCount: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let totalCount: number;
  for (;;) {
    const body: GraphQLResponse<{
      customers: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { id: string }[] };
    }> = await ask(
      server,
      `query($after: String) { customers(first: 5, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`,
      { after },
      key,
    );
    expect(body.errors).toBeUndefined();
    const page: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { id: string }[] } =
      body.data!.customers;
    totalCount = page.totalCount;
    ids.push(...page.nodes.map((n) => n.id));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, totalCount };
}

beforeAll(async () => {
  compiled = await startTestServer({ poolSize: 1 });
  plain = await startTestServer({ sameDatabaseAs: compiled, config: { compiledReads: false } });
  await seedGraph(compiled.ds, { customers: 16 });
  partnerKey = await compiled.createKey({ role: 'PARTNER', partner: PARTNER });
  otherPartnerKey = await compiled.createKey({ role: 'PARTNER', partner: OTHER });
  all = (await listAll(compiled, compiled.adminKey)).ids;
  expect(all).toHaveLength(16);
  // Pairs of neighbours share (ids 4k and 4k+1), so some referrals (i → i+1) have both ends in scope and some only one.
  shared = new Set(all.filter((id) => [0, 1].includes(Number(fromGlobalId(id, 'Customer', 'id')) % 4)));
  for (const id of shared) await setSharing(id, PARTNER, true);
  // The other partner gets every customer: one partner's consents never widen or narrow another's.
  for (const id of all) await setSharing(id, OTHER, true);
});

afterAll(async () => {
  await plain?.stop();
  await compiled?.stop();
});

describe.each([
  ['compiled SQL', () => compiled],
  ['resolvers', () => plain],
])('on the %s path', (_label, server) => {
  it('lists exactly the consented customers, across all pages, with a matching totalCount', async () => {
    const { ids, totalCount } = await listAll(server(), partnerKey);
    expect(ids).toEqual(all.filter((id) => shared.has(id)));
    expect(totalCount).toBe(shared.size);
    expect((await listAll(server(), otherPartnerKey)).ids).toEqual(all);
  });

  it('answers customer(id:), node(id:) and nodes(ids:) with null outside the scope', async () => {
    for (const id of all) {
      const body = await ask<{ customer: { id: string } | null; node: { id: string } | null }>(
        server(),
        `query($id: ID!) { customer(id: $id) { id stage } node(id: $id) { id ... on Customer { stage } } }`,
        { id },
        partnerKey,
      );
      expect(body.errors).toBeUndefined();
      const expected = shared.has(id) ? { id } : null;
      expect(body.data!.customer && { id: body.data!.customer.id }).toEqual(expected);
      expect(body.data!.node && { id: body.data!.node.id }).toEqual(expected);
    }
    const nodes = await ask<{ nodes: ({ id: string } | null)[] }>(
      server(),
      `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: all },
      partnerKey,
    );
    expect(nodes.data!.nodes).toEqual(all.map((id) => (shared.has(id) ? { id } : null)));
  });

  it('hides the rows of out-of-scope customers reached by id: purchases, holdings, touchpoints, stage changes, referrals', async () => {
    const rows = await compiled.ds.query<{ type: string; id: string; customers: string[] }[]>(
      `SELECT 'Purchase' AS type, id::text, ARRAY[customer_id::text] AS customers FROM purchase
       UNION ALL SELECT 'Holding', id::text, ARRAY[customer_id::text] FROM holding
       UNION ALL SELECT 'Touchpoint', id::text, ARRAY[customer_id::text] FROM touchpoint
       UNION ALL SELECT 'StageChange', id::text, ARRAY[customer_id::text] FROM stage_change
       UNION ALL SELECT 'Referral', id::text, ARRAY[referrer_id::text, referred_id::text] FROM referral`,
    );
    const ids = rows.map((r) => toGlobalId(r.type, r.id));
    const visible = rows.map((r) => r.customers.every((c) => shared.has(toGlobalId('Customer', c))));
    expect(visible).toContain(true);
    expect(visible).toContain(false);
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const body = await ask<{ nodes: ({ id: string } | null)[] }>(
        server(),
        `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
        { ids: chunk },
        partnerKey,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data!.nodes).toEqual(chunk.map((id, j) => (visible[i + j] ? { id } : null)));
    }
  });

  it('keeps nested references in the scope: referrals to or from an out-of-scope customer are not there', async () => {
    const query = `{ customers(first: 50) { nodes { id
      referralsMade { totalCount nodes { referrer { id } referred { id } } }
      referredBy { referrer { id } referred { id } }
      purchases { totalCount nodes { customer { id } } } holdings { totalCount } touchpoints { totalCount } stageHistory { totalCount } } } }`;
    type Row = {
      id: string;
      referralsMade: { totalCount: number; nodes: { referrer: { id: string }; referred: { id: string } }[] };
      referredBy: { referrer: { id: string }; referred: { id: string } } | null;
      purchases: { totalCount: number };
      holdings: { totalCount: number };
      touchpoints: { totalCount: number };
      stageHistory: { totalCount: number };
    };
    const admin = await ask<{ customers: { nodes: Row[] } }>(server(), query, {}, compiled.adminKey);
    const mine = await ask<{ customers: { nodes: Row[] } }>(server(), query, {}, partnerKey);
    expect(mine.errors).toBeUndefined();
    const expected = admin
      .data!.customers.nodes.filter((c) => shared.has(c.id))
      .map((c) => {
        const made = c.referralsMade.nodes.filter((r) => shared.has(r.referred.id));
        return {
          ...c,
          referralsMade: { totalCount: made.length, nodes: made },
          referredBy: c.referredBy && shared.has(c.referredBy.referrer.id) ? c.referredBy : null,
        };
      });
    expect(mine.data!.customers.nodes).toEqual(expected);
    // The seed has referrals on both sides of the scope's edge, so the filter above did something.
    const adminReferrals = admin.data!.customers.nodes.filter((c) => shared.has(c.id)).flatMap((c) => c.referralsMade.nodes);
    expect(adminReferrals.some((r) => shared.has(r.referred.id))).toBe(true);
    expect(adminReferrals.some((r) => !shared.has(r.referred.id))).toBe(true);
  });

  it('refuses the company-wide analytics lists to partners', async () => {
    for (const query of [
      `{ reactivationCandidates(first: 5) { nodes { customer { id } } } }`,
      `{ valueTiers { tiers { tier } } }`,
      `{ churnModel { id } }`,
    ]) {
      const body = await ask(server(), query, {}, partnerKey);
      expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('reads Customer.partnerSharing for ADMIN and refuses it to a partner', async () => {
    const id = [...shared][0];
    const admin = await ask<{ customer: { partnerSharing: { partner: string; shared: boolean }[] } }>(
      server(),
      `query($id: ID!) { customer(id: $id) { partnerSharing { partner shared source } } }`,
      { id },
      compiled.adminKey,
    );
    expect(admin.data!.customer.partnerSharing).toEqual([
      { partner: PARTNER, shared: true, source: 'booking form' },
      { partner: OTHER, shared: true, source: 'booking form' },
    ]);
    const partner = await ask<{ customer: { partnerSharing: unknown } }>(
      server(),
      `query($id: ID!) { customer(id: $id) { id partnerSharing { partner } } }`,
      { id },
      partnerKey,
    );
    expect(partner.data!.customer).toEqual({ id, partnerSharing: null });
    expect(partner.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

it('answers a partner read in one statement on the compiled path', async () => {
  compiled.counter.reset();
  const body = await ask(
    compiled,
    `{ customers(first: 10) { totalCount nodes { id referralsMade { totalCount nodes { referred { id } } } referredBy { referrer { id } } purchases { nodes { id } } } } }`,
    {},
    partnerKey,
  );
  expect(body.errors).toBeUndefined();
  expect(compiled.counter.count).toBe(1);
});

it('validates setPartnerSharing and writes nothing on bad input', async () => {
  const before = await compiled.ds.query(`SELECT count(*)::int AS n FROM partner_sharing_change`);
  const cases: [Record<string, unknown>, string, string][] = [
    [{ customerId: all[0], partner: 'Not A Name', share: true, source: 'x' }, 'BAD_USER_INPUT', 'input.partner'],
    [{ customerId: all[0], partner: PARTNER, share: true, source: '   ' }, 'BAD_USER_INPUT', 'input.source'],
    [{ customerId: toGlobalId('Customer', '999999'), partner: PARTNER, share: true, source: 'x' }, 'NOT_FOUND', 'input.customerId'],
    [{ customerId: toGlobalId('Persona', '1'), partner: PARTNER, share: true, source: 'x' }, 'BAD_USER_INPUT', 'input.customerId'],
  ];
  for (const [input, code, field] of cases) {
    const body = await compiled.request(`mutation($input: SetPartnerSharingInput!) { setPartnerSharing(input: $input) { changed } }`, {
      input,
    });
    expect(body.errors?.[0].extensions?.code).toBe(code);
    if (code === 'NOT_FOUND' || field !== 'input.source')
      expect(String(body.errors?.[0].extensions?.field ?? field)).toContain(field.split('.')[1]);
  }
  const asPartner = await ask(
    compiled,
    `mutation($input: SetPartnerSharingInput!) { setPartnerSharing(input: $input) { changed } }`,
    { input: { customerId: all[0], partner: PARTNER, share: true, source: 'x' } },
    partnerKey,
  );
  expect(asPartner.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(await compiled.ds.query(`SELECT count(*)::int AS n FROM partner_sharing_change`)).toEqual(before);
});

it('keeps the event page and the live feed in the scope; a withdrawal ends it at once and only that partner hears of it', async () => {
  type Ev = { customerEvents: { type: string; customerId: string; customer: { id: string } | null; partner?: string } };
  const doc = parse(
    `subscription($after: String) { customerEvents(after: $after) { type customerId customer { id } ... on CustomerSharingEndedEvent { partner } } }`,
  );
  const { latestCustomerEventCursor: after } = await compiled.query<{ latestCustomerEventCursor: string }>(`{ latestCustomerEventCursor }`);
  const mine: Sub<Ev> = subscribe(compiled.wsUrl, doc, { after }, { connectionParams: compiled.auth(partnerKey) });
  const theirs: Sub<Ev> = subscribe(compiled.wsUrl, doc, { after }, { connectionParams: compiled.auth(otherPartnerKey) });
  const admin: Sub<Ev> = subscribe(compiled.wsUrl, doc, { after }, { connectionParams: compiled.auth(compiled.adminKey) });
  try {
    // One touchpoint per customer: the feed carries 16 events, a partner gets its customers' only.
    for (const customerId of all) {
      await compiled.query(`mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`, {
        input: { customerId, channel: 'EMAIL', occurredAt: new Date().toISOString(), response: 'NO_RESPONSE' },
      });
    }
    const leaving = [...shared][0];
    await setSharing(leaving, PARTNER, false);
    // A marker after the withdrawal: once each subscriber has it, everything before it has been delivered.
    const marker = [...shared][1];
    await compiled.query(`mutation($input: RecordTouchpointInput!) { recordTouchpoint(input: $input) { touchpoint { id } } }`, {
      input: { customerId: marker, channel: 'SMS', occurredAt: new Date().toISOString(), response: 'NO_RESPONSE' },
    });
    await admin.waitFor(all.length + 2, 'admin events');
    await mine.waitFor(shared.size + 2, 'partner events');
    await theirs.waitFor(all.length + 1, 'other partner events');

    const touchpointsOf = (s: Sub<Ev>) =>
      s.items.filter((i) => i.customerEvents.type === 'TOUCHPOINT_RECORDED').map((i) => i.customerEvents.customerId);
    expect(touchpointsOf(mine)).toEqual([...all.filter((id) => shared.has(id)), marker]);
    expect(touchpointsOf(theirs)).toEqual([...all, marker]);
    const ended = mine.items.filter((i) => i.customerEvents.type === 'CUSTOMER_SHARING_ENDED');
    expect(ended).toEqual([{ customerEvents: { type: 'CUSTOMER_SHARING_ENDED', customerId: leaving, customer: null, partner: PARTNER } }]);
    expect(theirs.items.some((i) => i.customerEvents.type.startsWith('CUSTOMER_SHARING'))).toBe(false);
    expect(mine.errors).toEqual([]);
    // The admin sees the sharing event with its customer.
    expect(admin.items.find((i) => i.customerEvents.type === 'CUSTOMER_SHARING_ENDED')?.customerEvents.customer).toEqual({ id: leaving });

    // At once, on both paths: the customer and its rows are gone for this partner, still there for the other.
    for (const server of [compiled, plain]) {
      const gone = await ask<{ customer: unknown; node: unknown }>(
        server,
        `query($id: ID!) { customer(id: $id) { id } node(id: $id) { id } }`,
        { id: leaving },
        partnerKey,
      );
      expect(gone.data).toEqual({ customer: null, node: null });
      expect((await listAll(server, partnerKey)).ids).not.toContain(leaving);
      const still = await ask<{ customer: { id: string } }>(
        server,
        `query($id: ID!) { customer(id: $id) { id } }`,
        { id: leaving },
        otherPartnerKey,
      );
      expect(still.data).toEqual({ customer: { id: leaving } });
    }

    // The event page, read now: this partner's customers' events, its own sharing event, nothing else.
    const page = await ask<{ customerEvents: { nodes: { type: string; customerId: string }[] } }>(
      compiled,
      `query($after: String) { customerEvents(after: $after, first: 200) { nodes { type customerId } } }`,
      { after },
      partnerKey,
    );
    expect(page.errors).toBeUndefined();
    const nowShared = new Set([...shared].filter((id) => id !== leaving));
    expect(page.data!.customerEvents.nodes).toEqual([
      ...all.filter((id) => nowShared.has(id)).map((customerId) => ({ type: 'TOUCHPOINT_RECORDED', customerId })),
      { type: 'CUSTOMER_SHARING_ENDED', customerId: leaving },
      { type: 'TOUCHPOINT_RECORDED', customerId: marker },
    ]);
    // A new grant brings the customer back and says so on this partner's feed only.
    await setSharing(leaving, PARTNER, true);
    await waitUntil(() => mine.items.some((i) => i.customerEvents.type === 'CUSTOMER_SHARING_STARTED'), 'sharing started');
    expect(mine.items.find((i) => i.customerEvents.type === 'CUSTOMER_SHARING_STARTED')?.customerEvents.customer).toEqual({ id: leaving });
    const back = await ask<{ customer: unknown }>(compiled, `query($id: ID!) { customer(id: $id) { id } }`, { id: leaving }, partnerKey);
    expect(back.data).toEqual({ customer: { id: leaving } });
  } finally {
    await Promise.all([mine.dispose(), theirs.dispose(), admin.dispose()]);
  }
});
