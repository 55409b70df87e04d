/**
 * The live customer-event feed over a real WebSocket and real PostgreSQL:
 * every event type, filters, replay with `after`, the HTTP connection,
 * rolled-back mutations, automatic stage moves and RESYNC_REQUIRED.
 */
import { parse } from 'graphql';
import { inTransaction } from '../../src/db/transaction';
import { decodeEventCursor, encodeEventCursor } from '../../src/modules/events/event-cursor';
import { CustomerEventType } from '../../src/modules/events/event-types';
import { recordEvents } from '../../src/modules/events/outbox';
import {
  CreateCustomerDocument,
  CreatePersonaDocument,
  CreateProductDocument,
  CreateReferralDocument,
  EventNodeDocument,
  EventPageDocument,
  LatestEventCursorDocument,
  OnCustomerEventsDocument,
  OnStageChangedDocument,
  RecordPurchasesDocument,
  RecordTouchpointDocument,
  TransitionStageDocument,
  UpdateCustomerDocument,
  type CreateCustomerInput,
  type CustomerEventFilter,
  type EventFieldsFragment,
  type LifecycleStage,
} from '../generated/graphql';
import { ApiKeyRole, ApiKeySource } from '../../src/modules/auth/auth.enums';
import { startEventsServer, subscribe, waitUntil, type EventsTestServer } from './events-support';
import { lockCustomers } from '../../src/modules/customers/customer.lock';

let s: EventsTestServer;
let n = 0;

beforeAll(async () => {
  s = await startEventsServer();
});
afterAll(async () => {
  await s?.stop();
});

const latestCursor = async () => (await s.query(LatestEventCursorDocument, {})).latestCustomerEventCursor;
const createCustomer = async (input: Partial<CreateCustomerInput> = {}) =>
  (await s.query(CreateCustomerDocument, { input: { name: `Customer ${++n}`, ...input } })).createCustomer.customer;
const createPersona = async () =>
  (await s.query(CreatePersonaDocument, { input: { name: `Persona ${++n}`, description: 'Plans team events.' } })).createPersona.persona;
const createProduct = async () =>
  (await s.query(CreateProductDocument, { input: { sku: `SKU-${++n}`, name: 'Travel insurance', category: 'Insurance', price: '19.99' } }))
    .createProduct.product;
const transition = (customerId: string, to: LifecycleStage, reason?: string) =>
  s.query(TransitionStageDocument, { input: { customerId, to, reason } });
const purchase = (customerId: string, productId?: string) =>
  s.query(RecordPurchasesDocument, {
    input: { purchases: [{ customerId, productId, occurredAt: '2024-03-01T10:00:00.000Z', quantity: 2, amount: '50.00' }] },
  });

/** Every retained event after `after` that passes `filter`, read over HTTP page by page. */
async function readAll(after: string | null, filter?: CustomerEventFilter): Promise<EventFieldsFragment[]> {
  const out: EventFieldsFragment[] = [];
  let cursor = after;
  for (;;) {
    const page = (await s.query(EventPageDocument, { first: 7, after: cursor, filter })).customerEvents;
    out.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return out;
    cursor = page.pageInfo.endCursor!;
  }
}

const summary = (e: EventFieldsFragment) => {
  switch (e.__typename) {
    case 'StageChangedEvent':
      return `${e.type} ${e.customer?.id} ${e.from}->${e.to} ${e.trigger}`;
    default:
      return `${e.type} ${e.customer?.id}`;
  }
};

describe('customer event feed', () => {
  it('delivers every event type, typed, in commit order, with automatic stage moves like manual ones', async () => {
    const after = await latestCursor();
    const sub = s.subscribe(OnCustomerEventsDocument, { after });
    const persona = await createPersona();
    const product = await createProduct();
    const ada = await createCustomer({ name: 'Ada', personaId: persona.id });
    await s.query(UpdateCustomerDocument, { input: { id: ada.id, email: 'ada@example.com' } });
    await transition(ada.id, 'ACQUIRED', 'Replied to the newsletter');
    await purchase(ada.id, product.id);
    await s.query(RecordTouchpointDocument, {
      input: {
        customerId: ada.id,
        channel: 'EMAIL',
        occurredAt: '2024-02-01T09:00:00.000Z',
        response: 'POSITIVE_INTEREST',
        campaign: 'Spring',
      },
    });
    const bob = await createCustomer({ name: 'Bob' });
    await transition(ada.id, 'RETAINED');
    await s.query(CreateReferralDocument, { input: { referrerId: ada.id, referredId: bob.id, sourceChannel: 'SOCIAL' } });

    const events = (await sub.waitFor(10)).map((d) => d.customerEvents);
    expect(events.map(summary)).toEqual([
      `CUSTOMER_CREATED ${ada.id}`,
      `CUSTOMER_UPDATED ${ada.id}`,
      `STAGE_CHANGED ${ada.id} IDENTIFIED->ACQUIRED MANUAL`,
      `PURCHASE_RECORDED ${ada.id}`,
      `STAGE_CHANGED ${ada.id} ACQUIRED->CONVERTED FIRST_PURCHASE`,
      `TOUCHPOINT_RECORDED ${ada.id}`,
      `CUSTOMER_CREATED ${bob.id}`,
      `STAGE_CHANGED ${ada.id} CONVERTED->RETAINED MANUAL`,
      `REFERRAL_CREATED ${ada.id}`,
      `STAGE_CHANGED ${ada.id} RETAINED->ADVOCATE FIRST_REFERRAL`,
    ]);
    const [created, updated, acquired, bought, converted, touched, , , referred, advocate] = events;
    expect(created).toMatchObject({ __typename: 'CustomerCreatedEvent', stage: 'IDENTIFIED', customer: { name: 'Ada' } });
    expect(updated).toMatchObject({ __typename: 'CustomerUpdatedEvent', changedFields: ['email'] });
    expect(acquired).toMatchObject({
      __typename: 'StageChangedEvent',
      reason: 'Replied to the newsletter',
      stageChange: { to: 'ACQUIRED' },
    });
    expect(bought).toMatchObject({
      __typename: 'PurchaseRecordedEvent',
      quantity: 2,
      amount: '50.00',
      product: { id: product.id },
      purchase: { amount: '50.00' },
    });
    expect(converted).toMatchObject({ reason: 'First purchase recorded.' });
    expect(touched).toMatchObject({
      __typename: 'TouchpointRecordedEvent',
      channel: 'EMAIL',
      direction: 'OUTBOUND',
      response: 'POSITIVE_INTEREST',
      campaign: 'Spring',
    });
    expect(referred).toMatchObject({ __typename: 'ReferralCreatedEvent', sourceChannel: 'SOCIAL', referred: { id: bob.id } });
    expect(advocate).toMatchObject({ to: 'ADVOCATE', customer: { stage: 'ADVOCATE' } });
    expect(new Set(events.map((e) => e.cursor)).size).toBe(10);

    // The same events, in the same order, over HTTP; and each is a Node.
    expect((await readAll(after)).map((e) => e.cursor)).toEqual(events.map((e) => e.cursor));
    const node = await s.query(EventNodeDocument, { id: referred.id });
    expect(node.node).toMatchObject({
      __typename: 'ReferralCreatedEvent',
      cursor: referred.cursor,
      type: 'REFERRAL_CREATED',
      customer: { id: ada.id },
    });
    await sub.dispose();
  });

  it('filters by type, customer, persona and stage, with identical results live and over HTTP', async () => {
    const after = await latestCursor();
    const persona = await createPersona();
    const product = await createProduct();
    const c2 = await createCustomer();
    const c1 = await createCustomer({ personaId: persona.id });
    const a = s.subscribe(OnCustomerEventsDocument, {
      after,
      filter: { types: ['STAGE_CHANGED', 'PURCHASE_RECORDED'], customerIds: [c1.id] },
    });
    const b = s.subscribe(OnStageChangedDocument, { after, filter: { to: ['CONVERTED'] } });
    const c = s.subscribe(OnStageChangedDocument, { after, filter: { personaIds: [persona.id], from: ['ACQUIRED'] } });
    await transition(c2.id, 'ACQUIRED');
    await transition(c1.id, 'ACQUIRED');
    await purchase(c2.id, product.id);
    await s.query(RecordTouchpointDocument, {
      input: { customerId: c1.id, channel: 'PHONE', occurredAt: '2024-02-01T09:00:00.000Z', response: 'CONTACT_LATER' },
    });
    // The last event matches every filter, so each list is complete once it has arrived.
    await purchase(c1.id, product.id);

    expect((await a.waitFor(3)).map((d) => summary(d.customerEvents))).toEqual([
      `STAGE_CHANGED ${c1.id} IDENTIFIED->ACQUIRED MANUAL`,
      `PURCHASE_RECORDED ${c1.id}`,
      `STAGE_CHANGED ${c1.id} ACQUIRED->CONVERTED FIRST_PURCHASE`,
    ]);
    expect((await b.waitFor(2)).map((d) => `${d.customerStageChanged.customer?.id} ${d.customerStageChanged.to}`)).toEqual([
      `${c2.id} CONVERTED`,
      `${c1.id} CONVERTED`,
    ]);
    expect((await c.waitFor(1)).map((d) => `${d.customerStageChanged.customer?.id} ${d.customerStageChanged.from}`)).toEqual([
      `${c1.id} ACQUIRED`,
    ]);
    expect(a.items).toHaveLength(3);
    expect(b.items).toHaveLength(2);
    expect(c.items).toHaveLength(1);

    const viaHttp = await readAll(after, { types: ['STAGE_CHANGED', 'PURCHASE_RECORDED'], customerIds: [c1.id] });
    expect(viaHttp.map((e) => e.cursor)).toEqual(a.items.map((d) => d.customerEvents.cursor));
    expect(await readAll(after, { personaIds: [persona.id] })).toHaveLength(5); // created, acquired, touchpoint, purchase, converted
    expect(await readAll(after, { types: [] })).toEqual([]);
    const bad = await s.request(EventPageDocument, { filter: { customerIds: [persona.id] } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.customerIds[0]' });
    await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
  });

  it('replays from `after` and continues live with no gap and no duplicate, while writes go on', async () => {
    const start = await latestCursor();
    const customers = await Promise.all(Array.from({ length: 5 }, () => createCustomer()));
    for (const cu of customers) await transition(cu.id, 'ACQUIRED');
    const before = await readAll(start);
    expect(before).toHaveLength(10);
    const resumeFrom = before[3].cursor;

    // Writers keep committing while the subscriber replays and crosses over to live.
    const writers = customers.map(async (cu, i) => {
      await transition(cu.id, 'CHURNED', `writer ${i}`);
      await transition(cu.id, 'REACTIVATED');
      await s.query(UpdateCustomerDocument, { input: { id: cu.id, phone: `+1 555 0100 ${i}` } });
    });
    const sub = s.subscribe(OnCustomerEventsDocument, { after: resumeFrom });
    await Promise.all(writers);
    const expected = await readAll(resumeFrom);
    expect(expected).toHaveLength(6 + 15);
    const got = (await sub.waitFor(expected.length)).map((d) => d.customerEvents.cursor);
    expect(got).toEqual(expected.map((e) => e.cursor));

    // Nothing more trails behind: one more event arrives right after, and only it.
    const last = await createCustomer();
    await sub.waitFor(expected.length + 1);
    expect(sub.items).toHaveLength(expected.length + 1);
    expect(sub.items[expected.length].customerEvents).toMatchObject({ type: 'CUSTOMER_CREATED', customer: { id: last.id } });
    await sub.dispose();
  });

  it('pages the same events over HTTP, with resumeCursor moving past events the filter skips', async () => {
    const start = await latestCursor();
    const cu = await createCustomer();
    const other = await createCustomer();
    await transition(other.id, 'ACQUIRED');
    const page = (await s.query(EventPageDocument, { first: 1, after: start, filter: { customerIds: [cu.id] } })).customerEvents;
    expect(page.totalCount).toBe(1);
    expect(page.edges).toHaveLength(1);
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, endCursor: page.edges[0].cursor });
    // endCursor stops at the last match; resumeCursor is where the read stopped, after `other`'s events.
    expect(page.resumeCursor).not.toBe(page.pageInfo.endCursor);
    expect(page.resumeCursor).toBe(await latestCursor());
    const nothingNew = (await s.query(EventPageDocument, { after: page.resumeCursor, filter: { customerIds: [cu.id] } })).customerEvents;
    expect(nothingNew.edges).toEqual([]);
    expect(nothingNew.resumeCursor).toBe(page.resumeCursor);

    const tooMany = await s.request(EventPageDocument, { first: 201 });
    expect(tooMany.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const badCursor = await s.request(EventPageDocument, { after: 'not-a-cursor' });
    expect(badCursor.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('emits nothing for a rolled-back mutation, also when it fails at COMMIT after writing its events', async () => {
    const after = await latestCursor();
    const cu = await createCustomer({ name: 'Rollback Target' });
    const sub = s.subscribe(OnCustomerEventsDocument, { after, filter: { customerIds: [cu.id] } });
    await sub.waitFor(1);
    const localId = Buffer.from(cu.id, 'base64url').toString().split(':')[1];

    // A service that records its events and then fails: the transaction, events included, is gone.
    await expect(
      inTransaction(s.ds, async (em) => {
        await lockCustomers(em, [localId]);
        await recordEvents(em, [
          { type: CustomerEventType.CUSTOMER_UPDATED, customerId: localId, occurredAt: new Date(), payload: { fields: ['name'] } },
        ]);
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');

    // A real mutation that fails only at COMMIT, after its INSERT and pg_notify ran.
    await s.ds.query(`
      CREATE FUNCTION fail_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->'fields' ? 'email' AND (SELECT email FROM customer WHERE id = NEW.customer_id) = 'fail@commit.example' THEN
          RAISE EXCEPTION 'failing this commit on purpose';
        END IF;
        RETURN NULL;
      END $$`);
    await s.ds.query(
      `CREATE CONSTRAINT TRIGGER fail_marked_event AFTER INSERT ON customer_event DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_marked_event()`,
    );
    try {
      const failed = await s.request(UpdateCustomerDocument, { input: { id: cu.id, email: 'fail@commit.example' } });
      expect(failed.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await s.ds.query(`DROP TRIGGER fail_marked_event ON customer_event`);
      await s.ds.query(`DROP FUNCTION fail_marked_event()`);
    }

    // The next committed change reuses the rolled-back positions and still arrives, alone.
    await s.query(UpdateCustomerDocument, { input: { id: cu.id, phone: '+1 555 0199' } });
    const got = (await sub.waitFor(2)).map((d) => d.customerEvents);
    expect(got.map((e) => (e.__typename === 'CustomerUpdatedEvent' ? e.changedFields : e.type))).toEqual(['CUSTOMER_CREATED', ['phone']]);
    expect((await readAll(after, { customerIds: [cu.id] })).map((e) => e.type)).toEqual(['CUSTOMER_CREATED', 'CUSTOMER_UPDATED']);
    expect(sub.items).toHaveLength(2);
    await sub.dispose();
  });

  it('gives each viewer its own result for the same event, even though equal subscriptions share one execution', async () => {
    const { secret } = await s.app.services.apiKeys.create({
      label: 'partner without personal data',
      role: ApiKeyRole.PARTNER,
      scopes: [],
      source: ApiKeySource.API,
    });
    const after = await latestCursor();
    const admins = [
      s.subscribe(OnStageChangedDocument, { after }),
      s.subscribe(OnStageChangedDocument, { after, filter: { to: ['ACQUIRED'] } }),
    ];
    const partner = subscribe(s.wsUrl, OnStageChangedDocument, { after }, { connectionParams: { authorization: `Bearer ${secret}` } });
    const cu = await createCustomer({ name: 'Private Person' });
    await transition(cu.id, 'ACQUIRED');
    for (const admin of admins)
      expect((await admin.waitFor(1))[0].customerStageChanged).toMatchObject({
        to: 'ACQUIRED',
        customer: { id: cu.id, stage: 'ACQUIRED' },
      });
    expect((await partner.waitFor(1))[0].customerStageChanged).toMatchObject({ to: 'ACQUIRED', customer: { id: cu.id } });
    // The document asks for no personal field, so nothing differs; now one that does.
    const nameDoc = `subscription($after: String) { customerStageChanged(after: $after) { to customer { id name } } }`;
    const after2 = await latestCursor();
    const adminNames = subscribe<{ customerStageChanged: { customer: { name: string | null } } }, { after: string }>(
      s.wsUrl,
      parse(nameDoc),
      { after: after2 },
    );
    const partnerNames = subscribe<{ customerStageChanged: { customer: { name: string | null } } }, { after: string }>(
      s.wsUrl,
      parse(nameDoc),
      { after: after2 },
      { connectionParams: { authorization: `Bearer ${secret}` } },
    );
    await transition(cu.id, 'CONVERTED');
    expect((await adminNames.waitFor(1))[0].customerStageChanged.customer.name).toBe('Private Person');
    expect((await partnerNames.waitFor(1))[0].customerStageChanged.customer.name).toBeNull();
    expect(partnerNames.errors[0].extensions?.code).toBe('FORBIDDEN');
    expect(adminNames.errors).toEqual([]);
    await Promise.all([...admins, partner, adminNames, partnerNames].map((x) => x.dispose()));
  });

  it('reports bad subscriptions as graphql-ws errors with codes', async () => {
    const badCursor = s.subscribe(OnCustomerEventsDocument, { after: 'nope' });
    await badCursor.ended();
    expect(badCursor.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const badFilter = s.subscribe(OnStageChangedDocument, { filter: { customerIds: ['bm9wZToxMjM'] } });
    await badFilter.ended();
    expect(badFilter.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.customerIds[0]' });
    const invalid = s.subscribe(OnStageChangedDocument, { filter: { to: ['NOT_A_STAGE' as LifecycleStage] } });
    await invalid.ended();
    expect(invalid.errors[0].extensions?.code).toBe('BAD_USER_INPUT');
    await Promise.all([badCursor.dispose(), badFilter.dispose(), invalid.dispose()]);
  });

  it('prunes only events older than the retention window, oldest first; a cursor at the boundary still resumes', async () => {
    const start = await latestCursor();
    const a = await createCustomer();
    const b = await createCustomer();
    const [first, second] = await readAll(start);
    expect([first.customer?.id, second.customer?.id]).toEqual([a.id, b.id]);
    // Everything up to `first` (this test's and earlier tests' events) is 8 days old; `second` is new.
    await s.ds.query(`UPDATE customer_event SET recorded_at = now() - interval '8 days' WHERE seq <= $1`, [
      decodeEventCursor(first.cursor, 'after'),
    ]);
    expect(await s.app.services.events.prune()).toBeGreaterThan(0);
    expect(await s.app.services.events.prune()).toBe(0);

    expect((await readAll(null)).map((e) => e.cursor)).toEqual([second.cursor]);
    const fromBoundary = s.subscribe(OnCustomerEventsDocument, { after: first.cursor });
    expect((await fromBoundary.waitFor(1)).map((d) => d.customerEvents.cursor)).toEqual([second.cursor]);
    const beforeBoundary = s.subscribe(OnCustomerEventsDocument, { after: start });
    await beforeBoundary.ended();
    expect(beforeBoundary.errors[0].extensions).toMatchObject({ code: 'RESYNC_REQUIRED', reason: 'pruned' });
    await Promise.all([fromBoundary.dispose(), beforeBoundary.dispose()]);
  });

  // Last: it prunes every event of this database.
  it('answers RESYNC_REQUIRED for a cursor older than the retention window, and resumes from latestCustomerEventCursor', async () => {
    const old = await latestCursor();
    await createCustomer();
    await createCustomer();
    await s.ds.query(`UPDATE customer_event SET recorded_at = now() - interval '30 days'`);
    expect(await s.app.services.events.prune()).toBeGreaterThanOrEqual(2);

    const sub = s.subscribe(OnCustomerEventsDocument, { after: old });
    await sub.ended();
    expect(sub.errors).toHaveLength(1);
    expect(sub.errors[0].extensions).toMatchObject({ code: 'RESYNC_REQUIRED', field: 'after', reason: 'pruned' });
    const http = await s.request(EventPageDocument, { after: old });
    expect(http.errors?.[0].extensions).toMatchObject({ code: 'RESYNC_REQUIRED' });
    const ahead = s.subscribe(OnCustomerEventsDocument, { after: encodeEventCursor(10_000_000) });
    await ahead.ended();
    expect(ahead.errors[0].extensions).toMatchObject({ code: 'RESYNC_REQUIRED', reason: 'ahead' });

    // The documented recovery: take the latest cursor, reload, subscribe after it.
    const fresh = s.subscribe(OnCustomerEventsDocument, { after: await latestCursor() });
    const cu = await createCustomer();
    expect((await fresh.waitFor(1))[0].customerEvents.customer?.id).toBe(cu.id);
    await waitUntil(() => fresh.items.length === 1, 'exactly one event');
    await Promise.all([sub.dispose(), ahead.dispose(), fresh.dispose()]);
  });
});
