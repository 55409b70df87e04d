/**
 * Merge and unmerge over real HTTP, WebSocket and PostgreSQL: what moves, what a merged id
 * answers, that an unmerge restores every row exactly (table checksums), the events on a
 * subscription, refused input that writes nothing, and who may do it.
 */
import { parseGlobalId, toGlobalId } from '../../src/shared/global-id';
import { parse } from 'graphql';
import { LatestEventCursorDocument, MergeCustomersDocument, MergedNodeDocument, UnmergeCustomersDocument } from '../generated/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { subscribe, wsClient } from './events-support';

jest.setTimeout(60_000);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Every table a merge touches, as one checksum each (the whole row, in id order). */
const TABLES: Record<string, string> = {
  customer: 'id',
  holding: 'id',
  purchase: 'id',
  touchpoint: 'id',
  referral: 'id',
  stage_change: 'id',
  duplicate_pair: 'customer_id, duplicate_id',
};
async function checksums(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, order] of Object.entries(TABLES)) {
    const [{ sum }] = await server.ds.query(`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY ${order}), '')) AS sum FROM ${table} t`);
    out[table] = sum;
  }
  const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM customer_merge`);
  out.merges = String(n);
  return out;
}

const gql = String.raw;
async function createCustomer(input: Record<string, unknown>): Promise<string> {
  const data = await server.query<{ createCustomer: { customer: { id: string } } }>(
    gql`
      mutation ($input: CreateCustomerInput!) {
        createCustomer(input: $input) {
          customer {
            id
          }
        }
      }
    `,
    { input },
  );
  return data.createCustomer.customer.id;
}
async function createProduct(sku: string): Promise<string> {
  const data = await server.query<{ createProduct: { product: { id: string } } }>(
    gql`
      mutation ($input: CreateProductInput!) {
        createProduct(input: $input) {
          product {
            id
          }
        }
      }
    `,
    { input: { sku, name: sku, category: 'Test', price: '10.00' } },
  );
  return data.createProduct.product.id;
}
async function buy(customerId: string, productId: string, occurredAt: string, amount = '10.00') {
  await server.query(
    gql`
      mutation ($input: RecordPurchasesInput!) {
        recordPurchases(input: $input) {
          purchases {
            id
          }
        }
      }
    `,
    {
      input: { purchases: [{ customerId, productId, occurredAt, quantity: 1, amount }] },
    },
  );
}
async function touch(customerId: string) {
  await server.query(
    gql`
      mutation ($input: RecordTouchpointInput!) {
        recordTouchpoint(input: $input) {
          touchpoint {
            id
          }
        }
      }
    `,
    {
      input: { customerId, channel: 'EMAIL', direction: 'OUTBOUND', response: 'NO_RESPONSE', occurredAt: '2026-01-05T10:00:00Z' },
    },
  );
}
async function refer(referrerId: string, referredId: string) {
  await server.query(
    gql`
      mutation ($input: CreateReferralInput!) {
        createReferral(input: $input) {
          referral {
            id
          }
        }
      }
    `,
    {
      input: { referrerId, referredId, sourceChannel: 'EMAIL' },
    },
  );
}

let seq = 0;
/** A small graph of one person in three profiles, plus neighbours that refer and are referred. */
async function person() {
  const n = ++seq;
  const p1 = await createProduct(`merge-p1-${n}`);
  const p2 = await createProduct(`merge-p2-${n}`);
  const survivor = await createCustomer({ name: `Ann Lee ${n}`, email: `ann.lee${n}@x.com`, externalId: `shop-${n}` });
  const m1 = await createCustomer({
    name: `ANN LEE ${n}`,
    email: `Ann.Lee${n}@X.com`,
    phone: `+1 555 010 ${2000 + n}`,
    externalId: `crm-${n}`,
  });
  const m2 = await createCustomer({ name: `A. Lee ${n}`, phone: `1-555-010-${2000 + n}` });
  const friend = await createCustomer({ name: `Friend ${n}` });
  const newcomer = await createCustomer({ name: `Newcomer ${n}` });
  await buy(survivor, p1, '2026-01-10T10:00:00Z');
  await buy(m1, p1, '2025-06-01T10:00:00Z', '20.00');
  await buy(m1, p2, '2026-02-01T10:00:00Z', '30.00');
  await buy(m2, p2, '2025-09-01T10:00:00Z', '40.00');
  await touch(m1);
  await touch(survivor);
  await refer(friend, m1); // moves to the survivor (referred side)
  await refer(survivor, m2); // a self-referral after the merge: dropped
  await refer(m1, newcomer); // moves to the survivor (referrer side)
  return { p1, p2, survivor, m1, m2, friend, newcomer };
}

function merge(input: Record<string, unknown>, headers?: Record<string, string>) {
  return server.request(MergeCustomersDocument, { input } as never, headers);
}

describe('mergeCustomers', () => {
  it('moves everything to the survivor, keeps the chosen values, and resolves merged ids to the survivor', async () => {
    const g = await person();
    const res = await server.query(MergeCustomersDocument, {
      input: { survivorId: g.survivor, mergedIds: [g.m1, g.m2], keep: { name: g.m1, phone: g.m2, externalId: g.m1 } },
    });
    const s = res.mergeCustomers.survivor;
    expect(s).toMatchObject({ id: g.survivor, name: expect.stringMatching(/^ANN LEE/), email: expect.stringMatching(/^ann\.lee/) });
    expect(s.phone).toMatch(/^1-555-010-/);
    expect(s.externalId).toMatch(/^crm-/);
    expect(s.purchases.totalCount).toBe(4);
    expect(s.touchpoints.totalCount).toBe(2);
    // One holding per product, from the earliest `since` of the group.
    expect(s.holdings.totalCount).toBe(2);
    const since = Object.fromEntries(s.holdings.nodes.map((h) => [h.product.id, h.since]));
    expect(since[g.p1]).toBe('2025-06-01T10:00:00.000Z');
    expect(since[g.p2]).toBe('2025-09-01T10:00:00.000Z');
    expect(s.lastPurchaseAt).toBe('2026-02-01T10:00:00.000Z');
    expect(res.mergeCustomers.merge.mergedIds).toEqual([g.m1, g.m2]);

    // Old ids answer the survivor, on both read paths, and the merge says which ids it folded in.
    const viaNode = await server.query(MergedNodeDocument, { id: g.m1 });
    expect(viaNode.node).toMatchObject({ id: g.survivor, merges: { nodes: [{ mergedIds: [g.m1, g.m2] }] } });
    const viaCustomer = await server.query<{ customer: { id: string } }>(
      gql`
        query ($id: ID!) {
          customer(id: $id) {
            id
          }
        }
      `,
      { id: g.m2 },
    );
    expect(viaCustomer.customer.id).toBe(g.survivor);
    const viaNodes = await server.query<{ nodes: { id: string }[] }>(
      gql`
        query ($ids: [ID!]!) {
          nodes(ids: $ids) {
            id
          }
        }
      `,
      {
        ids: [g.m2, g.friend],
      },
    );
    expect(viaNodes.nodes.map((n) => n.id)).toEqual([g.survivor, g.friend]);

    // Referrals: the self-referral is gone, both sides moved.
    const refs = await server.query<{
      customer: { referralsMade: { nodes: { referred: { id: string } }[] }; referredBy: { referrer: { id: string } } };
    }>(
      gql`
        query ($id: ID!) {
          customer(id: $id) {
            referralsMade {
              nodes {
                referred {
                  id
                }
              }
            }
            referredBy {
              referrer {
                id
              }
            }
          }
        }
      `,
      { id: g.survivor },
    );
    expect(refs.customer.referralsMade.nodes.map((r) => r.referred.id)).toEqual([g.newcomer]);
    expect(refs.customer.referredBy.referrer.id).toBe(g.friend);

    // Tombstones are in no list.
    const list = await server.query<{ customers: { nodes: { id: string }[] } }>(gql`
      {
        customers(first: 100) {
          nodes {
            id
          }
        }
      }
    `);
    const listed = list.customers.nodes.map((c) => c.id);
    expect(listed).toContain(g.survivor);
    expect(listed).not.toContain(g.m1);
    expect(listed).not.toContain(g.m2);
  });

  it('refuses bad input with clear codes and writes nothing', async () => {
    const g = await person();
    const before = await checksums();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ survivorId: g.survivor, mergedIds: [g.survivor] }, 'BAD_USER_INPUT', 'input.mergedIds[0]'],
      [{ survivorId: g.survivor, mergedIds: [g.m1, g.m1] }, 'BAD_USER_INPUT', 'input.mergedIds[1]'],
      [{ survivorId: g.survivor, mergedIds: [] }, 'BAD_USER_INPUT', 'input.mergedIds'],
      [{ survivorId: g.survivor, mergedIds: [toGlobalId('Customer', '987654321')] }, 'NOT_FOUND', 'input.mergedIds[0]'],
      [{ survivorId: toGlobalId('Product', '1'), mergedIds: [g.m1] }, 'BAD_USER_INPUT', 'input.survivorId'],
      [{ survivorId: g.survivor, mergedIds: [g.m1], keep: { name: g.friend } }, 'BAD_USER_INPUT', 'input.keep.name'],
    ];
    for (const [input, code, field] of cases) {
      const res = await merge(input);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code, field });
    }
    expect(await checksums()).toEqual(before);

    // A tombstone can be neither merged again nor a survivor.
    const done = await server.query(MergeCustomersDocument, { input: { survivorId: g.survivor, mergedIds: [g.m1] } });
    const afterMerge = await checksums();
    const again = await merge({ survivorId: g.m2, mergedIds: [g.m1] });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CUSTOMER_MERGED', field: 'input.mergedIds[0]', survivorId: g.survivor });
    const intoTombstone = await merge({ survivorId: g.m1, mergedIds: [g.m2] });
    expect(intoTombstone.errors?.[0]?.extensions).toMatchObject({ code: 'CUSTOMER_MERGED', field: 'input.survivorId' });
    expect(await checksums()).toEqual(afterMerge);
    // Nothing else may be written to a tombstone either.
    const write = await server.request(
      gql`
        mutation ($input: RecordTouchpointInput!) {
          recordTouchpoint(input: $input) {
            touchpoint {
              id
            }
          }
        }
      `,
      {
        input: { customerId: g.m1, channel: 'EMAIL', direction: 'OUTBOUND', response: 'NO_RESPONSE', occurredAt: '2026-01-05T10:00:00Z' },
      },
    );
    expect(write.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(done.mergeCustomers.merge.unmergedAt).toBeNull();
  });
});

describe('unmergeCustomers', () => {
  it('restores every row exactly, and refuses a second unmerge', async () => {
    const g = await person();
    const before = await checksums();
    const merged = await server.query(MergeCustomersDocument, {
      input: { survivorId: g.survivor, mergedIds: [g.m1, g.m2], keep: { name: g.m1, email: g.m1, externalId: g.m1 } },
    });
    const during = await checksums();
    expect(during.customer).not.toBe(before.customer);
    expect(during.referral).not.toBe(before.referral);
    expect(during.holding).not.toBe(before.holding);

    const mergeId = merged.mergeCustomers.merge.id;
    const res = await server.query(UnmergeCustomersDocument, { mergeId });
    expect(res.unmergeCustomers.customers.map((c) => c.id)).toEqual([g.survivor, g.m1, g.m2]);
    expect(res.unmergeCustomers.merge.unmergedAt).not.toBeNull();
    const after = await checksums();
    expect({ ...after, merges: undefined }).toEqual({ ...before, merges: undefined });
    // The journal's personal copies go with the unmerge.
    const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM customer_merge_personal WHERE merge_id = $1`, [
      parseGlobalId(mergeId)!.id,
    ]);
    expect(n).toBe(0);

    const twice = await server.request(UnmergeCustomersDocument, { mergeId });
    expect(twice.errors?.[0]?.extensions).toMatchObject({ code: 'ALREADY_UNMERGED', field: 'mergeId' });
    expect(await checksums()).toEqual(after);
    const unknown = await server.request(UnmergeCustomersDocument, { mergeId: toGlobalId('CustomerMerge', '987654') });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('leaves rows added to the survivor after the merge with the survivor', async () => {
    const g = await person();
    const merged = await server.query(MergeCustomersDocument, { input: { survivorId: g.survivor, mergedIds: [g.m1] } });
    // The survivor kept its own external id; the tombstone keeps its own and points at the survivor.
    const [tombstone] = await server.ds.query(`SELECT merged_into::text AS into FROM customer WHERE external_id = $1`, [`crm-${seq}`]);
    expect(toGlobalId('Customer', tombstone.into)).toBe(g.survivor);
    await buy(g.survivor, g.p2, '2026-03-01T10:00:00Z', '55.00');
    await touch(g.survivor);
    await server.query(UnmergeCustomersDocument, { mergeId: merged.mergeCustomers.merge.id });
    const counts = async (id: string) =>
      (
        await server.query<{
          customer: { id: string; purchases: { totalCount: number }; touchpoints: { totalCount: number }; lastPurchaseAt: string };
        }>(
          gql`
            query ($id: ID!) {
              customer(id: $id) {
                id
                lastPurchaseAt
                purchases {
                  totalCount
                }
                touchpoints {
                  totalCount
                }
              }
            }
          `,
          { id },
        )
      ).customer;
    // The survivor keeps its own purchase and the new one; m1 gets its two back.
    expect(await counts(g.survivor)).toMatchObject({ id: g.survivor, purchases: { totalCount: 2 }, touchpoints: { totalCount: 2 } });
    expect((await counts(g.survivor)).lastPurchaseAt).toBe('2026-03-01T10:00:00.000Z');
    expect(await counts(g.m1)).toMatchObject({ id: g.m1, purchases: { totalCount: 2 }, touchpoints: { totalCount: 1 } });
    // The survivor's new purchase of p2 opened a holding that stays; m1's p2 holding is m1's again.
    const [{ n }] = await server.ds.query(`SELECT count(*)::int AS n FROM holding WHERE customer_id = $1`, [
      (await server.ds.query(`SELECT id FROM customer WHERE external_id = $1`, [`crm-${seq}`]))[0].id,
    ]);
    expect(n).toBe(2);
  });

  it('refuses to unmerge when the survivor was merged again since', async () => {
    const g = await person();
    const first = await server.query(MergeCustomersDocument, { input: { survivorId: g.survivor, mergedIds: [g.m1] } });
    const second = await server.query(MergeCustomersDocument, { input: { survivorId: g.m2, mergedIds: [g.survivor] } });
    // m1 now follows the chain to m2.
    const viaNode = await server.query(MergedNodeDocument, { id: g.m1 });
    expect(viaNode.node?.id).toBe(g.m2);
    const blocked = await server.request(UnmergeCustomersDocument, { mergeId: first.mergeCustomers.merge.id });
    expect(blocked.errors?.[0]?.extensions).toMatchObject({ code: 'CUSTOMER_MERGED', survivorId: g.m2 });
    await server.query(UnmergeCustomersDocument, { mergeId: second.mergeCustomers.merge.id });
    expect((await server.query(MergedNodeDocument, { id: g.m1 })).node?.id).toBe(g.survivor);
    await server.query(UnmergeCustomersDocument, { mergeId: first.mergeCustomers.merge.id });
    expect((await server.query(MergedNodeDocument, { id: g.m1 })).node?.id).toBe(g.m1);
  });
});

describe('events', () => {
  it('delivers CUSTOMER_MERGED and CUSTOMER_UNMERGED with both ids on a subscription', async () => {
    const g = await person();
    // Subscribing from the feed's current position replays whatever follows it: no race with the mutations.
    const { latestCustomerEventCursor: after } = await server.query(LatestEventCursorDocument);
    const { client } = wsClient(server.wsUrl, { authorization: `Bearer ${server.adminKey}` });
    const sub = subscribe<{ customerEvents: Record<string, unknown> }, Record<string, unknown>>(
      server.wsUrl,
      parse(gql`
        subscription ($filter: CustomerEventFilter, $after: String) {
          customerEvents(filter: $filter, after: $after) {
            type
            customer {
              id
            }
            ... on CustomerMergedEvent {
              mergeId
              survivorId
              mergedIds
            }
            ... on CustomerUnmergedEvent {
              mergeId
              survivorId
              mergedIds
            }
          }
        }
      `),
      { filter: { types: ['CUSTOMER_MERGED', 'CUSTOMER_UNMERGED'] }, after },
      { client },
    );
    const merged = await server.query(MergeCustomersDocument, { input: { survivorId: g.survivor, mergedIds: [g.m1, g.m2] } });
    const mergeId = merged.mergeCustomers.merge.id;
    await server.query(UnmergeCustomersDocument, { mergeId });
    const items = await sub.waitFor(2, 'merge and unmerge events');
    expect(items.map((i) => i.customerEvents)).toEqual([
      { type: 'CUSTOMER_MERGED', customer: { id: g.survivor }, mergeId, survivorId: g.survivor, mergedIds: [g.m1, g.m2] },
      { type: 'CUSTOMER_UNMERGED', customer: { id: g.survivor }, mergeId, survivorId: g.survivor, mergedIds: [g.m1, g.m2] },
    ]);
    await sub.dispose();
    await client.dispose();
  });
});

describe('roles', () => {
  it('lets ADMIN and keys with customers:merge merge and unmerge; nobody else', async () => {
    const g = await person();
    const service = await server.createKey({ role: 'SERVICE' });
    const steward = await server.createKey({ role: 'SERVICE', scopes: ['customers:merge', 'pii:read'] });
    const analyst = await server.createKey({ role: 'ANALYST', scopes: ['pii:read'] });
    const partner = await server.createKey({ role: 'PARTNER' });
    const input = { survivorId: g.survivor, mergedIds: [g.m1] };
    for (const key of [service, analyst, partner]) {
      const res = await merge(input, server.auth(key));
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const ok = await server.request(MergeCustomersDocument, { input }, server.auth(steward));
    expect(ok.errors).toBeUndefined();
    const mergeId = ok.data!.mergeCustomers.merge.id;
    const denied = await server.request(UnmergeCustomersDocument, { mergeId }, server.auth(service));
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const undone = await server.request(UnmergeCustomersDocument, { mergeId }, server.auth(steward));
    expect(undone.errors).toBeUndefined();
  });
});
