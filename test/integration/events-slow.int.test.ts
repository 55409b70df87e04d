/**
 * Slow consumers: a subscriber that stops reading is cut off with close code
 * 4413 once its bounded buffer overflows, without slowing the others or
 * growing the server's memory; it then resumes with `after`, missing nothing.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import {
  CreateCustomerDocument,
  EventPageDocument,
  LatestEventCursorDocument,
  OnCustomerEventsLeanDocument,
  RecordPurchasesDocument,
} from '../generated/graphql';
import { AUTH_PARAMS, startEventsServer, waitUntil, type EventsTestServer } from './events-support';

const BUFFER = 300;
const BURST = 200;
// Wide messages (~4 KB each) fill the few MB of TCP buffers between server and a paused client in a few bursts.
const WIDE_SUBSCRIPTION = `subscription Wide($after: String) {
  customerEvents(after: $after) { cursor ${Array.from({ length: 18 }, (_, i) => `c${i}: customer { name }`).join(' ')} }
}`;

let s: EventsTestServer;
beforeAll(async () => {
  s = await startEventsServer({ eventSubscriptionBuffer: BUFFER });
});
afterAll(async () => {
  await s?.stop();
});

/** A graphql-transport-ws client written out by hand, so the test controls when it reads. */
async function rawSubscriber(url: string, query: string, variables: Record<string, unknown>) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const received: { customerEvents: { cursor: string } }[] = [];
  let closeCode: number | null = null;
  socket.on('close', (code) => (closeCode = code));
  await once(socket, 'open');
  const acked = new Promise<void>((resolve) => socket.once('message', () => resolve()));
  socket.send(JSON.stringify({ type: 'connection_init', payload: AUTH_PARAMS }));
  await acked;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; payload?: { data?: (typeof received)[number] } };
    if (message.type === 'next' && message.payload?.data) received.push(message.payload.data);
  });
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
  return { socket, received, closeCode: () => closeCode };
}

async function allCursors(after: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = after;
  for (;;) {
    const page = (await s.query(EventPageDocument, { first: 200, after: cursor })).customerEvents;
    out.push(...page.edges.map((e) => e.cursor));
    if (!page.pageInfo.hasNextPage) return out;
    cursor = page.pageInfo.endCursor!;
  }
}

it('closes a subscriber that stops reading with 4413, keeps the others whole, and lets it resume with after', async () => {
  const events = s.app.services.events;
  // RETAINED, so purchases emit only PURCHASE_RECORDED (no automatic stage move) and can be counted.
  const customer = (await s.query(CreateCustomerDocument, { input: { name: `Bulk buyer ${'x'.repeat(180)}`, stage: 'RETAINED' } }))
    .createCustomer.customer;
  const after = (await s.query(LatestEventCursorDocument, {})).latestCustomerEventCursor;
  const fast = s.subscribe(OnCustomerEventsLeanDocument, { after });
  const slow = await rawSubscriber(s.wsUrl, WIDE_SUBSCRIPTION, { after });
  await waitUntil(() => events.stats().subscriptions === 2, 'both subscriptions to be open');
  slow.socket.pause();

  // Bursts smaller than the buffer: a reader that keeps up never comes near it. The paused one
  // fills its TCP buffers first, then its subscription buffer, and is cut off.
  let total = 0;
  let bursts = 0;
  while (events.stats().slowConsumersClosed === 0 && bursts < 100) {
    const purchases = Array.from({ length: BURST }, (_, i) => ({
      customerId: customer.id,
      occurredAt: '2024-03-01T10:00:00.000Z',
      amount: `${i}.00`,
    }));
    await s.query(RecordPurchasesDocument, { input: { purchases } });
    total += BURST;
    bursts++;
    await fast.waitFor(total);
  }
  expect(events.stats().slowConsumersClosed).toBe(1);
  expect(events.stats().subscriptions).toBe(1);
  // Memory stayed bounded: no subscription ever held more than the buffer.
  expect(events.stats().maxQueued).toBeLessThanOrEqual(BUFFER);

  // The fast subscriber was not held back and missed nothing, also after the cut-off.
  await s.query(RecordPurchasesDocument, {
    input: { purchases: [{ customerId: customer.id, occurredAt: '2024-03-02T10:00:00.000Z', amount: '1.00' }] },
  });
  total += 1;
  const cursors = await allCursors(after);
  expect(cursors).toHaveLength(total);
  expect((await fast.waitFor(total)).map((d) => d.customerEvents.cursor)).toEqual(cursors);

  // The slow client reads again: what was already sent, then the close frame.
  slow.socket.resume();
  await waitUntil(() => slow.closeCode() !== null, 'the slow subscriber to see its connection closed');
  expect(slow.closeCode()).toBe(4413);
  expect(slow.received.length).toBeLessThan(total);
  // It was cut off for not reading: the server had already written more than a buffer's worth to its socket.
  expect(slow.received.length).toBeGreaterThan(BUFFER);
  expect(slow.received.map((d) => d.customerEvents.cursor)).toEqual(cursors.slice(0, slow.received.length));

  // It resumes after the last event it got: the rest arrives, no gap, no duplicate.
  const last = slow.received.length ? slow.received[slow.received.length - 1].customerEvents.cursor : after;
  const resumed = s.subscribe(OnCustomerEventsLeanDocument, { after: last });
  const rest = await resumed.waitFor(total - slow.received.length);
  expect([...slow.received, ...rest].map((d) => d.customerEvents.cursor)).toEqual(cursors);
  await Promise.all([fast.dispose(), resumed.dispose()]);
});
