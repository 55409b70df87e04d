/**
 * Commit order and durability of the live feed: overlapping transactions,
 * many concurrent writers, and a LISTEN connection killed by the database.
 */
import { CustomerEventType } from '../../src/modules/events/event-types';
import { recordEvents } from '../../src/modules/events/outbox';
import {
  CreateCustomerDocument,
  EventPageDocument,
  LatestEventCursorDocument,
  OnCustomerEventsLeanDocument,
  TransitionStageDocument,
  UpdateCustomerDocument,
} from '../generated/graphql';
import { startEventsServer, waitUntil, type EventsTestServer } from './events-support';
import { lockCustomers } from '../../src/modules/customers/customer.lock';

const localId = (gid: string) => Buffer.from(gid, 'base64url').toString().split(':')[1];

async function helpers(s: EventsTestServer) {
  return {
    latest: async () => (await s.query(LatestEventCursorDocument, {})).latestCustomerEventCursor,
    create: async (name: string) => (await s.query(CreateCustomerDocument, { input: { name } })).createCustomer.customer,
    readAll: async (after: string) => {
      const out: { cursor: string; type: string; customer: { id: string } }[] = [];
      let cursor = after;
      for (;;) {
        const page = (await s.query(EventPageDocument, { first: 200, after: cursor })).customerEvents;
        out.push(...page.edges.map((e) => ({ cursor: e.cursor, type: e.node.type, customer: { id: e.node.customer!.id } })));
        if (!page.pageInfo.hasNextPage) return out;
        cursor = page.pageInfo.endCursor!;
      }
    },
  };
}

describe('event order', () => {
  let s: EventsTestServer;
  beforeAll(async () => {
    s = await startEventsServer();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('delivers in commit order when a later transaction tries to commit while an earlier one is open', async () => {
    const h = await helpers(s);
    const first = await h.create('Opened first');
    const second = await h.create('Committed second');
    const after = await h.latest();
    const sub = s.subscribe(OnCustomerEventsLeanDocument, { after });

    // T1 records its event and stays open.
    const t1 = s.ds.createQueryRunner();
    await t1.connect();
    await t1.startTransaction('READ COMMITTED');
    const [{ pid: t1Pid }] = await t1.query(`SELECT pg_backend_pid() AS pid`);
    await lockCustomers(t1.manager, [localId(first.id)]);
    await recordEvents(t1.manager, [
      { type: CustomerEventType.CUSTOMER_UPDATED, customerId: localId(first.id), occurredAt: new Date(), payload: { fields: ['name'] } },
    ]);

    // T2, a real mutation started later. With a plain sequence it would commit now, a reader would
    // move past T1's number, and T1's event would never be seen. Here it must wait for T1.
    const t2 = s.query(UpdateCustomerDocument, { input: { id: second.id, phone: '+1 555 0101' } });
    await waitUntil(
      async () =>
        (await s.ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [t1Pid]))[0].n > 0,
      'the later transaction to wait for the open one',
    );
    expect(await h.readAll(after)).toEqual([]);

    await t1.commitTransaction();
    await t1.release();
    await t2;
    const got = (await sub.waitFor(2)).map((d) => `${d.customerEvents.type} ${d.customerEvents.customer?.id}`);
    expect(got).toEqual([`CUSTOMER_UPDATED ${first.id}`, `CUSTOMER_UPDATED ${second.id}`]);
    expect((await h.readAll(after)).map((e) => e.cursor)).toEqual(sub.items.map((d) => d.customerEvents.cursor));
    await sub.dispose();
  });

  it('gives every subscriber the same complete sequence under concurrent writers, replayed or live', async () => {
    const h = await helpers(s);
    const customers = await Promise.all(Array.from({ length: 12 }, (_, i) => h.create(`Concurrent ${i}`)));
    const after = await h.latest();
    const replayed = s.subscribe(OnCustomerEventsLeanDocument, { after });
    const live = s.subscribe(OnCustomerEventsLeanDocument, {});
    await waitUntil(() => s.app.services.events.stats().subscriptions >= 2, 'both subscriptions to be registered');
    const liveFrom = await h.latest();

    await Promise.all(
      customers.map(async (c, i) => {
        await s.query(TransitionStageDocument, { input: { customerId: c.id, to: 'ACQUIRED' } });
        await s.query(UpdateCustomerDocument, { input: { id: c.id, email: `c${i}@example.com` } });
        await s.query(TransitionStageDocument, { input: { customerId: c.id, to: 'DORMANT' } });
      }),
    );
    const all = await h.readAll(after);
    expect(all).toHaveLength(36);
    const cursors = all.map((e) => e.cursor);
    expect((await replayed.waitFor(36)).map((d) => d.customerEvents.cursor)).toEqual(cursors);
    // The live-only subscriber started at `liveFrom`; it has everything after it, in the same order.
    const liveExpected = (await h.readAll(liveFrom)).map((e) => e.cursor);
    expect(liveExpected.length).toBeGreaterThan(0);
    expect((await live.waitFor(liveExpected.length)).map((d) => d.customerEvents.cursor)).toEqual(liveExpected);
    // Per customer, the stage moves come in the order they were made.
    for (const c of customers) {
      expect(all.filter((e) => e.customer.id === c.id).map((e) => e.type)).toEqual(['STAGE_CHANGED', 'CUSTOMER_UPDATED', 'STAGE_CHANGED']);
    }
    await Promise.all([replayed.dispose(), live.dispose()]);
  });
});

describe('listen connection loss', () => {
  let s: EventsTestServer;
  beforeAll(async () => {
    // A slow first reconnect leaves a wide window in which commits happen while the instance is deaf.
    s = await startEventsServer({ events: { feed: { reconnectInitialMs: 1_500, reconnectMaxMs: 1_500 } } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('reconnects after pg_terminate_backend and delivers what committed while it was not listening', async () => {
    const h = await helpers(s);
    const events = s.app.services.events;
    const live = s.subscribe(OnCustomerEventsLeanDocument, {});
    await waitUntil(() => events.stats().subscriptions === 1, 'the subscription to be registered');
    const before = events.stats();
    expect(before.listening).toBe(true);
    const [{ terminated }] = await s.ds.query(`SELECT pg_terminate_backend($1) AS terminated`, [before.listenerPid]);
    expect(terminated).toBe(true);
    await waitUntil(() => !events.stats().listening, 'the feed to notice the lost connection');

    const a = await h.create('While deaf 1');
    const b = await h.create('While deaf 2');
    // Both committed while nobody on this instance was listening: their NOTIFYs are gone.
    expect(events.stats().listening).toBe(false);
    expect(live.items).toHaveLength(0);

    const got = await live.waitFor(2, 'the events committed during the outage');
    expect(got.map((d) => d.customerEvents.customer?.id)).toEqual([a.id, b.id]);
    const after = events.stats();
    expect(after.connects).toBe(before.connects + 1);
    expect(after.listenerPid).not.toBe(before.listenerPid);

    // Listening again: the next change arrives through NOTIFY as usual, once.
    const c = await h.create('After reconnect');
    expect((await live.waitFor(3)).map((d) => d.customerEvents.customer?.id)).toEqual([a.id, b.id, c.id]);
    await live.dispose();
  });
});
